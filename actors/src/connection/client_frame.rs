//! Frames a client may send, and the protocol frames the server answers with.

use serde::Deserialize;

use crate::error::without_position;

/// A text frame from the client.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub(crate) enum ClientFrame {
    /// Application-level keepalive, answered with `{"type":"pong"}`. A struct variant, because
    /// serde lets unknown fields through on a unit variant of an internally tagged enum.
    Ping {},
    /// In-band token renewal for the same user.
    Auth {
        /// The new token.
        token: String,
    },
}

impl ClientFrame {
    pub(crate) fn parse(text: &str) -> Result<ClientFrame, String> {
        serde_json::from_str(text).map_err(|e| without_position(&e))
    }
}

/// `{"type":"pong"}`.
pub(crate) fn pong() -> String {
    r#"{"type":"pong"}"#.to_owned()
}

/// `{"type":"error","code":...,"message":...}`.
pub(crate) fn error(code: &str, message: &str) -> String {
    serde_json::json!({ "type": "error", "code": code, "message": message }).to_string()
}

/// `{"type":"token_expiring","exp":...}`: renew now or be closed with 4001 at `exp`.
pub(crate) fn token_expiring(exp: u64) -> String {
    serde_json::json!({ "type": "token_expiring", "exp": exp }).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_frames_parse_and_anything_else_is_refused_with_a_reason() {
        assert!(matches!(ClientFrame::parse(r#"{"type":"ping"}"#), Ok(ClientFrame::Ping {})));
        assert!(matches!(ClientFrame::parse(r#"{"type":"auth","token":"t"}"#), Ok(ClientFrame::Auth { .. })));
        let refused = [
            r#"{"type":"subscribe"}"#,
            r#"{"type":"auth"}"#,
            r#"{"type":"ping","extra":1}"#,
            r#"{"type":"auth","token":"t","extra":1}"#,
            "not json",
            "[]",
            r#"{"kind":"ping"}"#,
        ];
        for bad in refused {
            let reason = ClientFrame::parse(bad).unwrap_err();
            assert!(!reason.is_empty() && !reason.contains("line"), "{bad}: {reason}");
        }
    }
}
