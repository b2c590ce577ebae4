//! The control channel's messages: operator commands that every instance carries out, sent by
//! the cluster handle (`handle.rs`) and read by each instance's subscriber. Their text is written
//! and parsed here only.

use serde::{Deserialize, Serialize};

/// An operator command for every instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Control {
    /// Close the user's sockets on every instance with 4003.
    Disconnect {
        /// Whose sockets.
        user_id: String,
    },
}

/// The JSON the channel carries, `{"disconnect": user_id}` (README, Clustered mode). Fields it
/// does not know are ignored, so an operator's hand-written message with more still works.
#[derive(Serialize, Deserialize)]
struct Wire {
    disconnect: String,
}

impl Control {
    /// The message's text on the control channel.
    pub fn to_payload(&self) -> String {
        let Control::Disconnect { user_id } = self;
        serde_json::to_string(&Wire { disconnect: user_id.clone() }).expect("a control message always serialises")
    }

    /// The command a control channel message carries, if the hub knows it.
    pub fn parse(payload: &str) -> Option<Control> {
        let Wire { disconnect } = serde_json::from_str(payload).ok()?;
        Some(Control::Disconnect { user_id: disconnect })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_disconnect_is_the_json_operators_publish_and_reads_back_as_itself() {
        let control = Control::Disconnect { user_id: "teacher \"1\"".into() };
        assert_eq!(control.to_payload(), r#"{"disconnect":"teacher \"1\""}"#);
        assert_eq!(Control::parse(&control.to_payload()), Some(control));
        assert_eq!(
            Control::parse(r#"{"disconnect": "u", "by": "ops"}"#),
            Some(Control::Disconnect { user_id: "u".into() })
        );
        for other in ["", "{}", r#"{"disconnect": 1}"#, r#"["disconnect", "u"]"#] {
            assert_eq!(Control::parse(other), None, "{other}");
        }
    }
}
