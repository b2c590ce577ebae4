//! JWT verification at the handshake and in-band, role checks for the HTTP API, and minting
//! tokens for trials (`hub token`).
//!
//! Verification is stricter than today's Python service: `exp` is required, `nbf` is checked,
//! no leeway by default, exactly one algorithm is accepted, and refresh tokens are refused.

use hub_actors::{clock, Identity, TokenVerifier};
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};

use crate::settings::{AuthSettings, JwtAlgorithm};

/// Why a token was refused. `reason()` labels the auth-failure metric; the message never
/// contains the token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// No token in `?token=` or `Authorization: Bearer`.
    #[error("no token was presented")]
    Missing,
    /// Not a JWT, or its header or claims do not parse.
    #[error("the token is malformed")]
    Malformed,
    /// `exp` has passed.
    #[error("the token has expired")]
    Expired,
    /// `nbf` is in the future.
    #[error("the token is not valid yet")]
    NotYetValid,
    /// The signature does not verify with the configured key.
    #[error("the token's signature is invalid")]
    BadSignature,
    /// Signed with another algorithm than the configured one (including `none`).
    #[error("the token is signed with an algorithm this hub does not accept")]
    WrongAlgorithm,
    /// `iss` is not the configured issuer.
    #[error("the token's issuer is not accepted")]
    WrongIssuer,
    /// `aud` does not include the configured audience.
    #[error("the token's audience is not accepted")]
    WrongAudience,
    /// A claim the hub requires is absent.
    #[error("the token lacks the `{0}` claim")]
    MissingClaim(String),
    /// `sub` is empty.
    #[error("the token's subject is empty")]
    EmptySubject,
    /// A refresh token (`typ: "refresh"`) presented as an access token.
    #[error("refresh tokens cannot open a session")]
    RefreshToken,
}

impl AuthError {
    /// A stable label for metrics and logs.
    pub fn reason(&self) -> &'static str {
        match self {
            AuthError::Missing => "missing",
            AuthError::Malformed => "malformed",
            AuthError::Expired => "expired",
            AuthError::NotYetValid => "not_yet_valid",
            AuthError::BadSignature => "bad_signature",
            AuthError::WrongAlgorithm => "wrong_algorithm",
            AuthError::WrongIssuer => "wrong_issuer",
            AuthError::WrongAudience => "wrong_audience",
            AuthError::MissingClaim(_) => "missing_claim",
            AuthError::EmptySubject => "empty_subject",
            AuthError::RefreshToken => "refresh_token",
        }
    }
}

/// The claims the hub reads; others are ignored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// The user id; becomes the socket's user and the Redis channel `ws:{sub}`.
    pub sub: String,
    /// Expiry, seconds since the Unix epoch.
    pub exp: u64,
    /// Not before, seconds since the Unix epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<u64>,
    /// Issuer.
    pub iss: String,
    /// Audience: one string or a list, as RFC 7519 allows.
    pub aud: Audience,
    /// Roles, as the identity service issues them (`service`, `admin`, ...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<String>,
    /// A single role, as some service tokens carry it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// `refresh` marks a refresh token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub typ: Option<String>,
}

/// The `aud` claim.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Audience {
    /// A single audience.
    One(String),
    /// Several audiences.
    Many(Vec<String>),
}

/// A verified token's holder.
#[derive(Debug, Clone)]
pub struct Principal {
    /// The `sub` claim.
    pub user_id: String,
    /// Every role from `roles` and `role`.
    pub roles: Vec<String>,
    /// The `exp` claim.
    pub expires_at: u64,
}

impl Principal {
    /// Whether the holder has `role`.
    pub fn has_role(&self, role: &str) -> bool {
        self.roles.iter().any(|r| r == role)
    }
}

/// Verifies (and, with a shared secret, mints) tokens as the settings say.
pub struct JwtAuth {
    decoding: DecodingKey,
    encoding: Option<EncodingKey>,
    algorithm: Algorithm,
    validation: Validation,
    issuer: String,
    audience: String,
}

/// Why the auth settings cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("invalid setting `auth.jwt_public_key`: {0}")]
pub struct KeyError(String);

impl JwtAuth {
    /// Builds the verifier; fails when the public key cannot be read or parsed.
    pub fn new(settings: &AuthSettings) -> Result<JwtAuth, KeyError> {
        let (algorithm, decoding, encoding) = match settings.jwt_algorithm {
            JwtAlgorithm::HS256 => {
                let secret = settings.jwt_secret.expose_secret().as_bytes();
                (Algorithm::HS256, DecodingKey::from_secret(secret), Some(EncodingKey::from_secret(secret)))
            }
            JwtAlgorithm::RS256 => {
                let pem = settings.public_key_pem().map_err(KeyError)?;
                (Algorithm::RS256, DecodingKey::from_rsa_pem(&pem).map_err(|e| KeyError(e.to_string()))?, None)
            }
            JwtAlgorithm::ES256 => {
                let pem = settings.public_key_pem().map_err(KeyError)?;
                (Algorithm::ES256, DecodingKey::from_ec_pem(&pem).map_err(|e| KeyError(e.to_string()))?, None)
            }
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
    pub fn verify(&self, token: &str) -> Result<Principal, AuthError> {
        if token.is_empty() {
            return Err(AuthError::Missing);
        }
        let header = jsonwebtoken::decode_header(token).map_err(|e| classify(e.kind()))?;
        if header.alg != self.algorithm {
            return Err(AuthError::WrongAlgorithm);
        }
        let claims = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|e| classify(e.kind()))?
            .claims;
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

    /// Mints an access token for trials; only with a shared secret (HS256).
    pub fn mint(&self, sub: &str, roles: &[String], lifetime_secs: u64) -> Option<String> {
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

impl TokenVerifier for JwtAuth {
    fn verify(&self, token: &str) -> Result<Identity, String> {
        JwtAuth::verify(self, token)
            .map(|p| Identity { user_id: p.user_id.into(), expires_at: p.expires_at })
            .map_err(|e| e.to_string())
    }
}

fn classify(kind: &ErrorKind) -> AuthError {
    match kind {
        ErrorKind::ExpiredSignature => AuthError::Expired,
        ErrorKind::ImmatureSignature => AuthError::NotYetValid,
        ErrorKind::InvalidSignature => AuthError::BadSignature,
        ErrorKind::InvalidAlgorithm | ErrorKind::InvalidAlgorithmName | ErrorKind::MissingAlgorithm => {
            AuthError::WrongAlgorithm
        }
        ErrorKind::InvalidIssuer => AuthError::WrongIssuer,
        ErrorKind::InvalidAudience => AuthError::WrongAudience,
        ErrorKind::MissingRequiredClaim(claim) => AuthError::MissingClaim(claim.clone()),
        _ => AuthError::Malformed,
    }
}
