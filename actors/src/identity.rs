//! Who is on the other end of a socket, and the seam through which the service verifies tokens.
//!
//! The engine never parses a token itself: renewal frames arrive on the socket, so the connection
//! actor asks a [`TokenVerifier`] that the service implements (JWT in the hub).

use std::error::Error;
use std::fmt;

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
    /// The identity behind `token`, or why it was refused.
    fn verify(&self, token: &str) -> Result<Identity, TokenRejected>;
}

/// Why a verifier refused a token. The engine cannot name the verifier's error type, so it keeps
/// that error whole: its message is what the client is told (it never contains the token), its
/// causes stay reachable through `source()`, and `reason` is the stable label the verifier gives
/// it for `hub_auth_failures_total`, the same label a refused handshake carries.
#[derive(Debug)]
pub struct TokenRejected {
    /// A stable, low-cardinality label (`expired`, `bad_signature`, ...).
    reason: &'static str,
    /// The verifier's own error.
    error: Box<dyn Error + Send + Sync>,
}

impl TokenRejected {
    /// Wraps the verifier's `error`, labelled `reason` for metrics.
    pub fn new(reason: &'static str, error: impl Error + Send + Sync + 'static) -> TokenRejected {
        TokenRejected { reason, error: Box::new(error) }
    }

    /// The stable label for metrics and logs.
    pub fn reason(&self) -> &'static str {
        self.reason
    }
}

/// Transparent: the verifier's message, and its causes as this error's causes.
impl fmt::Display for TokenRejected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.error.fmt(f)
    }
}

impl Error for TokenRejected {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        self.error.source()
    }
}

/// Where a token was checked: the `stage` label of `hub_auth_failures_total`. Every stage shares
/// one set of `reason`s, so an operator sees the same `expired` whether a client opened a socket
/// with a stale token or renewed in-band with one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenStage {
    /// The WebSocket handshake (`?token=` or `Authorization: Bearer`), checked by the service.
    Handshake,
    /// An `auth` frame on an open socket, checked here through the [`TokenVerifier`].
    Renewal,
    /// A bearer token on an HTTP API route, checked by the service.
    Api,
}

impl TokenStage {
    /// Every stage, to register each label at zero.
    pub const ALL: [TokenStage; 3] = [TokenStage::Handshake, TokenStage::Renewal, TokenStage::Api];

    /// The label value.
    pub fn label(self) -> &'static str {
        match self {
            TokenStage::Handshake => "handshake",
            TokenStage::Renewal => "renewal",
            TokenStage::Api => "api",
        }
    }

    /// Counts one refused token at this stage: the only place `hub_auth_failures_total` is
    /// incremented, on either side of the seam, so its labels stay one set.
    pub fn count_refusal(self, reason: &'static str) {
        metrics::counter!("hub_auth_failures_total", "reason" => reason, "stage" => self.label()).increment(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("the token has expired")]
    struct Expired(#[source] std::io::Error);

    #[test]
    fn a_rejection_reads_as_the_verifiers_error_and_keeps_its_cause() {
        let rejected = TokenRejected::new("expired", Expired(std::io::Error::other("exp is in the past")));
        assert_eq!(rejected.reason(), "expired");
        assert_eq!(rejected.to_string(), "the token has expired");
        assert_eq!(rejected.source().map(ToString::to_string).as_deref(), Some("exp is in the past"));
    }
}
