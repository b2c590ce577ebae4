//! What the engine's seam errors ([`BridgeError`](crate::BridgeError),
//! [`HistoryError`](crate::HistoryError)) keep of their cause, how one line shows an error
//! with its causes, and how a JSON error reads to the client that sent the JSON.
//!
//! The engine knows nothing of the stores behind its seams, so a cause is any error: the store's
//! own, or a message when the store answered something the seam does not understand.

use std::error::Error;
use std::fmt;
use std::sync::Arc;

/// The error behind a seam error. Shared, so one failed call to a store fails every notification
/// it carried without copying the cause.
#[derive(Clone)]
pub struct Cause(Arc<dyn Error + Send + Sync>);

impl Cause {
    /// A cause from a store's error, or from a message (`String`, `&str`).
    pub fn new(error: impl Into<Box<dyn Error + Send + Sync>>) -> Cause {
        Cause(Arc::from(error.into()))
    }
}

impl fmt::Debug for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl Error for Cause {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        self.0.source()
    }
}

/// Shows an error and each of its causes, `outer: inner: innermost`: for the one log line where
/// an error is handled, or a message to a client.
pub struct ErrorChain<'a>(pub &'a (dyn Error + 'static));

impl fmt::Display for ErrorChain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut shown = self.0.to_string();
        f.write_str(&shown)?;
        let mut next = self.0.source();
        while let Some(error) = next {
            let text = error.to_string();
            // Some errors (Redis's among them) repeat their source's message as their own.
            if !shown.ends_with(&text) {
                write!(f, ": {text}")?;
            }
            shown = text;
            next = error.source();
        }
        Ok(())
    }
}

/// A serde error's message without its ` at line N column M` suffix: the position means nothing
/// to a client that sent compact JSON, and the message alone names the problem (an unknown
/// variant, a missing field) without echoing the input, so it is safe to send back and to log.
pub fn without_position(error: &impl fmt::Display) -> String {
    let mut message = error.to_string();
    if let Some(cut) = message.find(" at line ") {
        message.truncate(cut);
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("the store is unavailable")]
    struct Outer(#[source] Cause);

    /// An error that shows its source's message as its own, as Redis's does.
    #[derive(Debug, thiserror::Error)]
    #[error("{0}")]
    struct Repeats(#[source] std::io::Error);

    #[test]
    fn a_chain_shows_every_cause_once() {
        let io = std::io::Error::other("connection refused");
        assert_eq!(
            ErrorChain(&Outer(Cause::new(Repeats(io)))).to_string(),
            "the store is unavailable: connection refused"
        );
        assert_eq!(
            ErrorChain(&Outer(Cause::new("bad stream id x"))).to_string(),
            "the store is unavailable: bad stream id x"
        );
    }
}
