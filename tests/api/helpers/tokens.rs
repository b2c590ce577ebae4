//! The test secret and issuer, and tokens signed with them.

use std::time::{SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{json, Value};

pub const SECRET: &str = "integration-test-secret-0123456789";
pub const ISSUER: &str = "huleedu-identity-service";
pub const AUDIENCE: &str = "huleedu-platform";

/// Signs `claims` (with `iss` and `aud` added unless present) with the test secret.
pub fn token_with(mut claims: Value) -> String {
    let object = claims.as_object_mut().unwrap();
    object.entry("iss").or_insert(json!(ISSUER));
    object.entry("aud").or_insert(json!(AUDIENCE));
    jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &EncodingKey::from_secret(SECRET.as_bytes())).unwrap()
}

pub fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}
