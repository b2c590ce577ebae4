//! `[auth]`: how tokens are verified, and which secrets are too weak to expose.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use super::{invalid, SettingsError};

/// The development secret the shipped `Settings.toml` uses (the platform's identity service
/// defaults to the same); refused on any host but loopback.
pub const DEV_JWT_SECRET: &str = "dev-secret-change-me";

/// Shortest HS256 secret accepted on a non-loopback listener (RFC 7518: at least the hash size).
const MIN_SECRET_BYTES: usize = 32;

/// JWT signing algorithms the hub verifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
pub enum JwtAlgorithm {
    /// HMAC with SHA-256 and a shared secret (the platform's default).
    HS256,
    /// RSA with SHA-256; needs `auth.jwt_public_key`.
    RS256,
    /// ECDSA P-256 with SHA-256; needs `auth.jwt_public_key`.
    ES256,
}

/// How tokens are verified.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthSettings {
    /// Shared secret for HS256.
    #[serde(serialize_with = "super::redacted")]
    pub jwt_secret: SecretString,
    /// The one algorithm accepted; tokens signed otherwise are refused.
    pub jwt_algorithm: JwtAlgorithm,
    /// PEM public key (or a path to one) for RS256 / ES256.
    pub jwt_public_key: Option<String>,
    /// Required `iss`.
    pub issuer: String,
    /// Required `aud`.
    pub audience: String,
    /// Clock skew tolerated on `exp` and `nbf`.
    #[serde(with = "humantime_serde")]
    pub leeway: Duration,
    /// How long before `exp` the server asks the client to renew.
    #[serde(with = "humantime_serde")]
    pub renew_notice: Duration,
}

impl Default for AuthSettings {
    fn default() -> Self {
        AuthSettings {
            jwt_secret: SecretString::from(""),
            jwt_algorithm: JwtAlgorithm::HS256,
            jwt_public_key: None,
            issuer: "huleedu-identity-service".into(),
            audience: "huleedu-platform".into(),
            leeway: Duration::ZERO,
            renew_notice: Duration::from_secs(60),
        }
    }
}

impl AuthSettings {
    /// The PEM text of `jwt_public_key`: the value itself when it is PEM, else the file it names.
    pub fn public_key_pem(&self) -> Result<Vec<u8>, String> {
        let key =
            self.jwt_public_key.as_deref().ok_or_else(|| format!("{:?} needs a PEM public key", self.jwt_algorithm))?;
        let pem = if key.trim_start().starts_with("-----BEGIN") {
            key.as_bytes().to_vec()
        } else {
            std::fs::read(key).map_err(|e| format!("cannot read {key}: {e}"))?
        };
        let parsed = match self.jwt_algorithm {
            JwtAlgorithm::RS256 => jsonwebtoken::DecodingKey::from_rsa_pem(&pem).map(drop),
            JwtAlgorithm::ES256 => jsonwebtoken::DecodingKey::from_ec_pem(&pem).map(drop),
            JwtAlgorithm::HS256 => Ok(()),
        };
        parsed.map_err(|e| format!("not a {:?} public key: {e}", self.jwt_algorithm))?;
        Ok(pem)
    }

    /// Refuses a missing or guessable HS256 secret (a short one only where another machine can
    /// reach a listener), an unusable public key, and an empty issuer or audience.
    pub(super) fn validate(&self, loopback_only: bool) -> Result<(), SettingsError> {
        let secret = self.jwt_secret.expose_secret();
        match self.jwt_algorithm {
            JwtAlgorithm::HS256 if secret.is_empty() => {
                return invalid("auth.jwt_secret", "HS256 needs a secret");
            }
            JwtAlgorithm::HS256 if !loopback_only && secret == DEV_JWT_SECRET => {
                return invalid(
                    "auth.jwt_secret",
                    "the development secret is refused unless every listener is on loopback",
                );
            }
            JwtAlgorithm::HS256 if !loopback_only && secret.len() < MIN_SECRET_BYTES => {
                return invalid(
                    "auth.jwt_secret",
                    format!("at least {MIN_SECRET_BYTES} bytes are needed unless every listener is on loopback"),
                );
            }
            JwtAlgorithm::RS256 | JwtAlgorithm::ES256 => {
                if let Err(problem) = self.public_key_pem() {
                    return invalid("auth.jwt_public_key", problem);
                }
            }
            JwtAlgorithm::HS256 => {}
        }
        if self.issuer.is_empty() {
            return invalid("auth.issuer", "must not be empty");
        }
        if self.audience.is_empty() {
            return invalid("auth.audience", "must not be empty");
        }
        Ok(())
    }
}
