//! The catalogue of WebSocket close codes the hub sends, one place for code, reason and advice.
//!
//! The README's close-code table is this enum; a client decides from the code alone whether to
//! reconnect, so codes never change meaning.

use actix_ws::{CloseCode, CloseReason as WsCloseReason};

/// Why the hub closes a socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CloseReason {
    /// 1001: the instance is shutting down; reconnect with jitter and resume.
    ShuttingDown,
    /// 1008: the client kept sending frames the protocol does not allow.
    ProtocolViolation,
    /// 1009: an inbound frame was larger than the configured limit.
    FrameTooBig,
    /// 1011: the hub failed internally (for example history was unavailable); resume later.
    InternalError,
    /// 4000: the user already has the maximum number of sockets on this instance.
    TooManySockets,
    /// 4001: the token expired and was not renewed in-band.
    TokenExpired,
    /// 4002: the client read too slowly and its outbound queue overflowed.
    TooSlow,
    /// 4003: an operator disconnected the user (logout, revoked access).
    DisconnectedByOperator,
    /// 4004: the instance is overloaded.
    Overloaded,
}

impl CloseReason {
    /// Every reason, for documentation and metrics.
    pub const ALL: [CloseReason; 9] = [
        Self::ShuttingDown,
        Self::ProtocolViolation,
        Self::FrameTooBig,
        Self::InternalError,
        Self::TooManySockets,
        Self::TokenExpired,
        Self::TooSlow,
        Self::DisconnectedByOperator,
        Self::Overloaded,
    ];

    /// This reason's place in [`Self::ALL`]. The match is exhaustive, so a new variant does not
    /// compile until it is given a place here, and each arm's `const` block does not compile
    /// unless `ALL` holds the variant at that place.
    const fn position(self) -> usize {
        match self {
            Self::ShuttingDown => const { Self::ShuttingDown.listed_at(0) },
            Self::ProtocolViolation => const { Self::ProtocolViolation.listed_at(1) },
            Self::FrameTooBig => const { Self::FrameTooBig.listed_at(2) },
            Self::InternalError => const { Self::InternalError.listed_at(3) },
            Self::TooManySockets => const { Self::TooManySockets.listed_at(4) },
            Self::TokenExpired => const { Self::TokenExpired.listed_at(5) },
            Self::TooSlow => const { Self::TooSlow.listed_at(6) },
            Self::DisconnectedByOperator => const { Self::DisconnectedByOperator.listed_at(7) },
            Self::Overloaded => const { Self::Overloaded.listed_at(8) },
        }
    }

    /// `position`, once `ALL` is checked to hold this reason there (compared by discriminant:
    /// `==` is not `const`).
    const fn listed_at(self, position: usize) -> usize {
        assert!(
            position < Self::ALL.len() && Self::ALL[position] as u8 == self as u8,
            "CloseReason::ALL must list every reason at its position"
        );
        position
    }

    /// The numeric WebSocket close code.
    pub fn code(self) -> u16 {
        match self {
            Self::ShuttingDown => 1001,
            Self::ProtocolViolation => 1008,
            Self::FrameTooBig => 1009,
            Self::InternalError => 1011,
            Self::TooManySockets => 4000,
            Self::TokenExpired => 4001,
            Self::TooSlow => 4002,
            Self::DisconnectedByOperator => 4003,
            Self::Overloaded => 4004,
        }
    }

    /// The short reason sent in the close frame (well under the 123-byte limit).
    pub fn reason(self) -> &'static str {
        match self {
            Self::ShuttingDown => "server shutting down",
            Self::ProtocolViolation => "protocol violation",
            Self::FrameTooBig => "frame too big",
            Self::InternalError => "internal error",
            Self::TooManySockets => "too many sockets for this user",
            Self::TokenExpired => "token expired",
            Self::TooSlow => "too slow: outbound queue overflowed",
            Self::DisconnectedByOperator => "disconnected by operator",
            Self::Overloaded => "server overloaded",
        }
    }

    /// Whether a well-behaved client should reconnect after this close.
    pub fn should_reconnect(self) -> bool {
        matches!(self, Self::ShuttingDown | Self::InternalError | Self::TokenExpired | Self::TooSlow | Self::Overloaded)
    }

    /// The close frame payload.
    pub(crate) fn to_ws(self) -> WsCloseReason {
        WsCloseReason { code: CloseCode::Other(self.code()), description: Some(self.reason().to_owned()) }
    }
}

// With `position`, this makes `ALL` exactly the reasons, each once: nothing listed twice or out
// of place.
const _: () = {
    let mut i = 0;
    while i < CloseReason::ALL.len() {
        assert!(CloseReason::ALL[i].position() == i, "CloseReason::ALL lists each reason once, in order");
        i += 1;
    }
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_reasons_fit_a_close_frame() {
        let mut codes: Vec<u16> = CloseReason::ALL.iter().map(|r| r.code()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), CloseReason::ALL.len());
        assert!(CloseReason::ALL.iter().all(|r| r.reason().len() <= 123));
    }
}
