//! JWT verification (at the handshake, in-band and on the HTTP API, each refusal counted once)
//! and minting tokens for trials (`hub token`).
//!
//! Verification is stricter than today's Python service: `exp` is required, `nbf` is checked,
//! no leeway by default, exactly one algorithm is accepted, and refresh tokens are refused.

use hub_actors::{clock, Identity, TokenRejected, TokenStage, TokenVerifier};
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};

use crate::settings::{AuthSettings, JwtAlgorithm};

/// jsonwebtoken's own error, kept as the cause of the refusal it led to.
type JwtError = jsonwebtoken::errors::Error;

/// Why a token was refused. `reason()` labels the auth-failure metric; the message never
/// contains the token, and where jsonwebtoken found the fault its error is the source.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum AuthError {
    /// No token in `?token=` or `Authorization: Bearer`.
    #[error("no token was presented")]
    Missing,
    /// Not a JWT, or its header or claims do not parse.
    #[error("the token is malformed")]
    Malformed(#[source] JwtError),
    /// `exp` has passed.
    #[error("the token has expired")]
    Expired(#[source] JwtError),
    /// `nbf` is in the future.
    #[error("the token is not valid yet")]
    NotYetValid(#[source] JwtError),
    /// The signature does not verify with the configured key.
    #[error("the token's signature is invalid")]
    BadSignature(#[source] JwtError),
    /// Signed with another algorithm than the configured one (including `none`): no source when
    /// the header named another algorithm, jsonwebtoken's error when it found the mismatch.
    #[error("the token is signed with an algorithm this hub does not accept")]
    WrongAlgorithm(#[source] Option<JwtError>),
    /// `iss` is not the configured issuer.
    #[error("the token's issuer is not accepted")]
    WrongIssuer(#[source] JwtError),
    /// `aud` does not include the configured audience.
    #[error("the token's audience is not accepted")]
    WrongAudience(#[source] JwtError),
    /// A claim the hub requires is absent.
    #[error("the token lacks the `{claim}` claim")]
    MissingClaim {
        /// The claim's name.
        claim: String,
        /// jsonwebtoken's error naming it.
        source: JwtError,
    },
    /// `sub` is empty.
    #[error("the token's subject is empty")]
    EmptySubject,
    /// A refresh token (`typ: "refresh"`) presented as an access token.
    #[error("refresh tokens cannot open a session")]
    RefreshToken,
}

impl AuthError {
    /// Every [`Self::reason`], and the engine's `subject_mismatch` (a renewal token for another
    /// user), so each `hub_auth_failures_total` label can be registered at zero.
    pub(crate) const REASONS: [&'static str; 12] = [
        "missing",
        "malformed",
        "expired",
        "not_yet_valid",
        "bad_signature",
        "wrong_algorithm",
        "wrong_issuer",
        "wrong_audience",
        "missing_claim",
        "empty_subject",
        "refresh_token",
        "subject_mismatch",
    ];

    /// A stable label for metrics and logs; a new one goes in [`Self::REASONS`] too.
    pub(crate) fn reason(&self) -> &'static str {
        match self {
            AuthError::Missing => "missing",
            AuthError::Malformed(_) => "malformed",
            AuthError::Expired(_) => "expired",
            AuthError::NotYetValid(_) => "not_yet_valid",
            AuthError::BadSignature(_) => "bad_signature",
            AuthError::WrongAlgorithm(_) => "wrong_algorithm",
            AuthError::WrongIssuer(_) => "wrong_issuer",
            AuthError::WrongAudience(_) => "wrong_audience",
            AuthError::MissingClaim { .. } => "missing_claim",
            AuthError::EmptySubject => "empty_subject",
            AuthError::RefreshToken => "refresh_token",
        }
    }
}

/// The claims the hub reads; others are ignored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Claims {
    /// The user id; becomes the socket's user and the Redis channel `ws:{sub}`.
    pub(crate) sub: String,
    /// Expiry, seconds since the Unix epoch.
    pub(crate) exp: u64,
    /// Not before, seconds since the Unix epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) nbf: Option<u64>,
    /// Issuer.
    pub(crate) iss: String,
    /// Audience: one string or a list, as RFC 7519 allows.
    pub(crate) aud: Audience,
    /// Roles, as the identity service issues them (`service`, `admin`, ...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) roles: Vec<String>,
    /// A single role, as some service tokens carry it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) role: Option<String>,
    /// `refresh` marks a refresh token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) typ: Option<String>,
}

/// The `aud` claim.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub(crate) enum Audience {
    /// A single audience.
    One(String),
    /// Several audiences.
    Many(Vec<String>),
}

/// A verified token's holder.
#[derive(Debug, Clone)]
pub(crate) struct Principal {
    /// The `sub` claim.
    pub(crate) user_id: String,
    /// Every role from `roles` and `role`.
    pub(crate) roles: Vec<String>,
    /// The `exp` claim.
    pub(crate) expires_at: u64,
}

impl Principal {
    /// Whether the holder has `role`.
    pub(crate) fn has_role(&self, role: &str) -> bool {
        self.roles.iter().any(|r| r == role)
    }
}

/// Verifies (and, with a shared secret, mints) tokens as the settings say.
pub(crate) struct JwtAuth {
    decoding: DecodingKey,
    encoding: Option<EncodingKey>,
    algorithm: Algorithm,
    validation: Validation,
    issuer: String,
    audience: String,
}

/// Why the auth settings cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The setting gives no readable key; the settings' own description of the problem.
    #[error("invalid setting `auth.jwt_public_key`: {0}")]
    Unreadable(String),
    /// The PEM is not a public key for the configured algorithm.
    #[error("invalid setting `auth.jwt_public_key`: not a {algorithm:?} public key")]
    NotAKey {
        /// The configured algorithm.
        algorithm: JwtAlgorithm,
        /// jsonwebtoken's reason.
        source: JwtError,
    },
}

impl JwtAuth {
    /// Builds the verifier; fails when the public key cannot be read or parsed.
    pub(crate) fn new(settings: &AuthSettings) -> Result<JwtAuth, KeyError> {
        let (algorithm, decoding, encoding) = match settings.jwt_algorithm {
            JwtAlgorithm::HS256 => {
                let secret = settings.jwt_secret.expose_secret().as_bytes();
                (Algorithm::HS256, DecodingKey::from_secret(secret), Some(EncodingKey::from_secret(secret)))
            }
            JwtAlgorithm::RS256 => (Algorithm::RS256, public_key(settings, DecodingKey::from_rsa_pem)?, None),
            JwtAlgorithm::ES256 => (Algorithm::ES256, public_key(settings, DecodingKey::from_ec_pem)?, None),
        };
        let mut validation = Validation::new(algorithm);
        validation.set_required_spec_claims(&["exp", "sub", "iss", "aud"]);
        validation.set_issuer(&[&settings.issuer]);
        validation.set_audience(&[&settings.audience]);
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.leeway = settings.leeway.as_secs();
        Ok(JwtAuth {
            decoding,
            encoding,
            algorithm,
            validation,
            issuer: settings.issuer.clone(),
            audience: settings.audience.clone(),
        })
    }

    /// Verifies `token` as an access token.
    pub(crate) fn verify(&self, token: &str) -> Result<Principal, AuthError> {
        if token.is_empty() {
            return Err(AuthError::Missing);
        }
        let header = jsonwebtoken::decode_header(token).map_err(classify)?;
        if header.alg != self.algorithm {
            return Err(AuthError::WrongAlgorithm(None));
        }
        let claims = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation).map_err(classify)?.claims;
        if claims.sub.trim().is_empty() {
            return Err(AuthError::EmptySubject);
        }
        if claims.typ.as_deref() == Some("refresh") {
            return Err(AuthError::RefreshToken);
        }
        let mut roles = claims.roles;
        roles.extend(claims.role);
        Ok(Principal { user_id: claims.sub, roles, expires_at: claims.exp })
    }

    /// Verifies the token a caller presented at `stage` (none at all is `missing`), counting a
    /// refusal: the handshake and every API route check tokens through here.
    pub(crate) fn authenticate(&self, token: Option<&str>, stage: TokenStage) -> Result<Principal, AuthError> {
        token.ok_or(AuthError::Missing).and_then(|t| self.verify(t)).inspect_err(|e| stage.count_refusal(e.reason()))
    }

    /// Mints an access token for trials; only with a shared secret (HS256).
    pub(crate) fn mint(&self, sub: &str, roles: &[String], lifetime_secs: u64) -> Option<String> {
        let encoding = self.encoding.as_ref()?;
        let claims = Claims {
            sub: sub.to_owned(),
            exp: clock::unix_secs() + lifetime_secs,
            nbf: None,
            iss: self.issuer.clone(),
            aud: Audience::One(self.audience.clone()),
            roles: roles.to_vec(),
            role: None,
            typ: None,
        };
        jsonwebtoken::encode(&Header::new(self.algorithm), &claims, encoding).ok()
    }
}

/// In-band renewal: the engine counts and reports the refusal with the same reason a refused
/// handshake has.
impl TokenVerifier for JwtAuth {
    fn verify(&self, token: &str) -> Result<Identity, TokenRejected> {
        JwtAuth::verify(self, token)
            .map(|p| Identity { user_id: p.user_id.into(), expires_at: p.expires_at })
            .map_err(|e| TokenRejected::new(e.reason(), e))
    }
}

/// The configured public key, parsed by `parse` (RSA or EC PEM).
fn public_key(
    settings: &AuthSettings,
    parse: fn(&[u8]) -> Result<DecodingKey, JwtError>,
) -> Result<DecodingKey, KeyError> {
    let pem = settings.public_key_pem().map_err(KeyError::Unreadable)?;
    parse(&pem).map_err(|source| KeyError::NotAKey { algorithm: settings.jwt_algorithm, source })
}

fn classify(error: JwtError) -> AuthError {
    match error.kind() {
        ErrorKind::ExpiredSignature => AuthError::Expired(error),
        ErrorKind::ImmatureSignature => AuthError::NotYetValid(error),
        ErrorKind::InvalidSignature => AuthError::BadSignature(error),
        ErrorKind::InvalidAlgorithm | ErrorKind::InvalidAlgorithmName | ErrorKind::MissingAlgorithm => {
            AuthError::WrongAlgorithm(Some(error))
        }
        ErrorKind::InvalidIssuer => AuthError::WrongIssuer(error),
        ErrorKind::InvalidAudience => AuthError::WrongAudience(error),
        ErrorKind::MissingRequiredClaim(claim) => AuthError::MissingClaim { claim: claim.clone(), source: error },
        _ => AuthError::Malformed(error),
    }
}

#[cfg(test)]
mod tests {
    use jsonwebtoken::errors::ErrorKind;

    use super::*;

    /// One of each refusal. The match has no wildcard, so a new variant does not compile until it
    /// is listed here, and then [`AuthError::REASONS`] is checked to hold its reason.
    fn one_of_each() -> Vec<AuthError> {
        let jwt = || JwtError::from(ErrorKind::InvalidToken);
        let all = vec![
            AuthError::Missing,
            AuthError::Malformed(jwt()),
            AuthError::Expired(jwt()),
            AuthError::NotYetValid(jwt()),
            AuthError::BadSignature(jwt()),
            AuthError::WrongAlgorithm(None),
            AuthError::WrongIssuer(jwt()),
            AuthError::WrongAudience(jwt()),
            AuthError::MissingClaim { claim: "sub".into(), source: jwt() },
            AuthError::EmptySubject,
            AuthError::RefreshToken,
        ];
        for error in &all {
            match error {
                AuthError::Missing
                | AuthError::Malformed(_)
                | AuthError::Expired(_)
                | AuthError::NotYetValid(_)
                | AuthError::BadSignature(_)
                | AuthError::WrongAlgorithm(_)
                | AuthError::WrongIssuer(_)
                | AuthError::WrongAudience(_)
                | AuthError::MissingClaim { .. }
                | AuthError::EmptySubject
                | AuthError::RefreshToken => {}
            }
        }
        all
    }

    #[test]
    fn every_refusal_reason_is_registered_at_zero() {
        for error in one_of_each() {
            assert!(AuthError::REASONS.contains(&error.reason()), "{} is missing from REASONS", error.reason());
        }
    }
}
