//! HS256 tokens with the claims the hub checks (`sub`, `exp`, `iss`, `aud`, `roles`).

use std::time::Duration;

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::Serialize;

use crate::clock::unix_seconds;

#[derive(Serialize)]
struct Claims<'a> {
    sub: &'a str,
    exp: u64,
    iat: u64,
    iss: &'a str,
    aud: &'a str,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    roles: &'a [&'a str],
}

/// Mints tokens that outlive the run, so the hub never asks for renewal during it.
pub(crate) struct Minter {
    key: EncodingKey,
    header: Header,
    issuer: String,
    audience: String,
    exp: u64,
}

impl Minter {
    pub fn new(secret: &str, issuer: &str, audience: &str, lifetime: Duration) -> Minter {
        Minter {
            key: EncodingKey::from_secret(secret.as_bytes()),
            header: Header::new(Algorithm::HS256),
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
            exp: unix_seconds() + lifetime.as_secs().max(3_600),
        }
    }

    fn mint(&self, sub: &str, roles: &[&str]) -> String {
        let claims = Claims { sub, exp: self.exp, iat: unix_seconds(), iss: &self.issuer, aud: &self.audience, roles };
        jsonwebtoken::encode(&self.header, &claims, &self.key).expect("HS256 signing cannot fail")
    }

    /// A teacher's token.
    pub fn user(&self, sub: &str) -> String {
        self.mint(sub, &[])
    }

    /// A publishing service's token (role `service`).
    pub fn service(&self) -> String {
        self.mint("loadgen", &["service"])
    }
}
