//! Token verification at the hub's cost: HS256, with the claims and checks the hub requires.

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;

/// The issuer the hub accepts by default.
const ISSUER: &str = "huleedu-identity-service";
/// The audience the hub accepts by default.
const AUDIENCE: &str = "huleedu-platform";

/// The claims the baseline reads.
#[derive(Debug, Deserialize)]
pub struct Claims {
    /// The user id.
    pub sub: String,
    /// Roles; publishing needs `service`.
    #[serde(default)]
    pub roles: Vec<String>,
}

/// Verifies tokens signed with one shared secret.
pub struct Verifier {
    key: DecodingKey,
    validation: Validation,
}

impl Verifier {
    pub fn new(secret: &str) -> Verifier {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_required_spec_claims(&["exp", "sub", "iss", "aud"]);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.validate_nbf = true;
        validation.leeway = 0;
        Verifier { key: DecodingKey::from_secret(secret.as_bytes()), validation }
    }

    /// The token's claims, if it verifies.
    pub fn verify(&self, token: &str) -> Result<Claims, jsonwebtoken::errors::Error> {
        jsonwebtoken::decode(token, &self.key, &self.validation).map(|data| data.claims)
    }
}
