//! Who is on the other end of a socket, and the seam through which the service verifies tokens.
//!
//! The engine never parses a token itself: renewal frames arrive on the socket, so the connection
//! actor asks a [`TokenVerifier`] that the service implements (JWT in the hub).

use crate::notification::UserId;

/// An authenticated user, as far as a connection needs to know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The user the socket belongs to; every notification routed to it is for this user.
    pub user_id: UserId,
    /// When the token stops being valid, in seconds since the Unix epoch.
    pub expires_at: u64,
}

/// Verifies a bearer token presented in-band (the `auth` client frame).
pub trait TokenVerifier: Send + Sync + 'static {
    /// The identity behind `token`, or a short, loggable reason (never the token itself).
    fn verify(&self, token: &str) -> Result<Identity, String>;
}
