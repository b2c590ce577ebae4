//! What flows through the engine: drafts in, encoded frames out.
//!
//! A frame is serialised once, when the bridge accepts the notification, and the same bytes
//! (a cheaply cloned [`ByteString`]) go to every socket of the user. A notification frame's
//! header (type, id, epoch) is written here and nowhere else: see [`Frame::HEADER`].

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Instant;

use bytestring::ByteString;
use serde::Serialize;
use serde_json::value::RawValue;

/// A user id (the JWT `sub`). Shared, because it is a key in several maps.
pub type UserId = Arc<str>;

/// A notification's id: a Redis stream id, `<ms>-<seq>`, increasing per user.
///
/// Compared as a pair of integers, never as a string (`10-0` comes after `9-0`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NotificationId {
    /// Milliseconds since the Unix epoch when the id was assigned.
    pub ms: u64,
    /// Order among ids assigned in the same millisecond.
    pub seq: u64,
}

impl NotificationId {
    /// The smallest id; every real id is greater.
    pub const ZERO: NotificationId = NotificationId { ms: 0, seq: 0 };

    /// The next id after `self` at wall-clock time `now_ms`: time moves the id forward, and
    /// within one millisecond (or if the clock went back) the sequence does.
    pub(crate) fn next_after(self, now_ms: u64) -> NotificationId {
        if now_ms > self.ms {
            NotificationId { ms: now_ms, seq: 0 }
        } else {
            NotificationId { ms: self.ms, seq: self.seq + 1 }
        }
    }
}

impl fmt::Display for NotificationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.ms, self.seq)
    }
}

/// Why a string is not a notification id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a notification id looks like `<ms>-<seq>`, two unsigned integers")]
pub struct InvalidNotificationId;

impl FromStr for NotificationId {
    type Err = InvalidNotificationId;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (ms, seq) = s.split_once('-').ok_or(InvalidNotificationId)?;
        let parse = |part: &str| {
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(InvalidNotificationId);
            }
            part.parse::<u64>().map_err(|_| InvalidNotificationId)
        };
        Ok(NotificationId { ms: parse(ms)?, seq: parse(seq)? })
    }
}

/// A notification for one user, before the bridge has given it an id.
#[derive(Debug, Clone)]
pub struct Draft {
    /// The only user who may receive it.
    pub user_id: UserId,
    /// The event name clients switch on, e.g. `batch_files_uploaded`.
    pub event: String,
    /// UI grouping; the service validates it against the platform's enum (`null` when unset).
    pub category: Option<String>,
    /// Delivery urgency; the service validates it against the platform's enum.
    pub priority: String,
    /// When the notification was created, RFC 3339 in UTC with `Z`.
    pub timestamp: String,
    /// Ties the frame to the request chain that caused it.
    pub correlation_id: Option<String>,
    /// The event's data object, already serialised by the service.
    pub data: Box<RawValue>,
    /// Identifies the same notification when it is published again (Kafka redelivery,
    /// an outbox replay); `None` means never deduplicate.
    pub dedupe_key: Option<String>,
}

/// One server-to-client text frame, encoded once and shared by every socket that gets it.
#[derive(Debug, Clone)]
pub struct Frame {
    /// The notification id, or `None` for frames that cannot be resumed (legacy relays).
    pub id: Option<NotificationId>,
    /// The epoch of the history the id belongs to.
    pub epoch: Option<Arc<str>>,
    /// The exact JSON text sent on the socket.
    pub text: ByteString,
    /// When the bridge accepted it, for the publish-to-socket latency histogram.
    pub accepted_at: Instant,
}

impl Draft {
    /// The frame's JSON from `"event"` on: everything but the type, id and epoch, which a store
    /// that assigns the id prepends (see [`Frame::from_tail`]).
    pub fn frame_tail(&self) -> String {
        #[derive(Serialize)]
        struct Tail<'a> {
            event: &'a str,
            category: Option<&'a str>,
            priority: &'a str,
            timestamp: &'a str,
            correlation_id: Option<&'a str>,
            data: &'a RawValue,
        }
        let tail = Tail {
            event: &self.event,
            category: self.category.as_deref(),
            priority: &self.priority,
            timestamp: &self.timestamp,
            correlation_id: self.correlation_id.as_deref(),
            data: &self.data,
        };
        let mut text = serde_json::to_string(&tail).expect("a notification frame always serialises");
        text.remove(0); // the opening brace: the frame's own comes first
        text
    }
}

impl Frame {
    /// A notification frame's header, in the pieces that surround its id and epoch:
    /// `{"type":"notification","id":"<id>","epoch":"<epoch>",`, then a [`Draft::frame_tail`].
    /// The Redis hand-off script, which assigns the id, is handed these pieces and only joins them;
    /// and since neither an id nor an epoch holds a quote, both are read back from their places
    /// ([`Frame::from_text`]) without parsing the JSON.
    pub const HEADER: [&'static str; 3] = [r#"{"type":"notification","id":""#, r#"","epoch":""#, r#"","#];

    /// The frame of a notification with its id and the epoch of the user's history.
    pub fn notification(draft: &Draft, id: NotificationId, epoch: &str) -> Frame {
        Frame::from_tail(id, epoch, &draft.frame_tail())
    }

    /// The [`Frame::HEADER`] with `id` and `epoch`, followed by a [`Draft::frame_tail`].
    pub fn from_tail(id: NotificationId, epoch: &str, tail: &str) -> Frame {
        let [before_id, before_epoch, before_tail] = Frame::HEADER;
        let text = format!("{before_id}{id}{before_epoch}{epoch}{before_tail}{tail}");
        Frame { id: Some(id), epoch: Some(epoch.into()), text: text.into(), accepted_at: Instant::now() }
    }

    /// A whole notification frame as [`Frame::HEADER`] lays it out (as the clustered mode's
    /// pub/sub carries it), its text kept as it is, its id and epoch read from their places in the
    /// header. Gives `text` back when it does not start with such a header.
    pub fn from_text(text: String) -> Result<Frame, String> {
        let Some((id, epoch)) = read_header(&text) else { return Err(text) };
        let epoch: Arc<str> = epoch.into();
        Ok(Frame { id: Some(id), epoch: Some(epoch), text: text.into(), accepted_at: Instant::now() })
    }

    /// The same notification sent again from history, in a resume replay or a catch-up: its
    /// fields end with `"replayed":true`, so a client can tell catching up from live news.
    pub fn replayed(&self) -> Frame {
        const MARK: &str = r#","replayed":true}"#;
        let body = self.text.strip_suffix('}').unwrap_or(&self.text);
        let mut text = String::with_capacity(body.len() + MARK.len());
        text.push_str(body);
        text.push_str(MARK);
        Frame { id: self.id, epoch: self.epoch.clone(), text: text.into(), accepted_at: self.accepted_at }
    }

    /// A frame without an id (control frames, legacy relays): never replayed, never deduplicated.
    pub fn unnumbered(text: impl Into<ByteString>) -> Frame {
        Frame { id: None, epoch: None, text: text.into(), accepted_at: Instant::now() }
    }

    /// Bytes this frame occupies in an outbound queue.
    pub fn len(&self) -> usize {
        self.text.len()
    }

    /// Whether the frame has no text (never true for frames the engine builds).
    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }
}

/// The id and epoch in the [`Frame::HEADER`] that `text` starts with, if it does.
fn read_header(text: &str) -> Option<(NotificationId, &str)> {
    let [before_id, before_epoch, before_tail] = Frame::HEADER;
    let rest = text.strip_prefix(before_id)?;
    // Both pieces after a value open with the quote that closes it.
    let (id, rest) = rest.split_at(rest.find('"')?);
    let rest = rest.strip_prefix(before_epoch)?;
    let (epoch, rest) = rest.split_at(rest.find('"')?);
    // A backslash would have escaped that quote: not a header this module wrote.
    if !rest.starts_with(before_tail) || epoch.contains('\\') {
        return None;
    }
    Some((id.parse().ok()?, epoch))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_replayed_frame_is_the_same_notification_marked_as_replayed() {
        let id: NotificationId = "1795311104021-3".parse().unwrap();
        let live = Frame::from_tail(id, "e1", r#""event":"x","data":{"a":1}}"#);
        let replayed = live.replayed();
        assert_eq!(replayed.id, Some(id));
        assert_eq!(replayed.epoch.as_deref(), Some("e1"));
        let mut fields: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&replayed.text).unwrap();
        assert_eq!(fields.remove("replayed"), Some(serde_json::Value::Bool(true)));
        assert_eq!(serde_json::Value::Object(fields), serde_json::from_str::<serde_json::Value>(&live.text).unwrap());
    }

    #[test]
    fn ids_compare_as_integer_pairs_not_strings() {
        let a: NotificationId = "9-5".parse().unwrap();
        let b: NotificationId = "10-0".parse().unwrap();
        assert!(a < b);
        assert_eq!(b.to_string(), "10-0");
    }

    #[test]
    fn ids_reject_everything_but_two_unsigned_integers() {
        for bad in ["", "1", "1-", "-1", "a-1", "1-2-3", "+1-2", " 1-2", "1-99999999999999999999"] {
            assert!(bad.parse::<NotificationId>().is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn a_frame_built_from_its_tail_is_the_json_a_client_expects() {
        let draft = Draft {
            user_id: "u".into(),
            event: "e".into(),
            category: None,
            priority: "standard".into(),
            timestamp: "2026-01-01T00:00:00Z".into(),
            correlation_id: Some("c".into()),
            data: RawValue::from_string(r#"{"k":1}"#.into()).unwrap(),
            dedupe_key: None,
        };
        let frame = Frame::notification(&draft, NotificationId { ms: 5, seq: 1 }, "ep");
        let parsed: serde_json::Value = serde_json::from_str(&frame.text).unwrap();
        assert_eq!(
            parsed,
            serde_json::json!({
                "type": "notification", "id": "5-1", "epoch": "ep", "event": "e", "category": null,
                "priority": "standard", "timestamp": "2026-01-01T00:00:00Z", "correlation_id": "c",
                "data": { "k": 1 }
            })
        );
    }

    #[test]
    fn a_frame_read_back_from_its_text_has_the_id_and_epoch_its_header_was_written_with() {
        let written = Frame::from_tail(NotificationId { ms: 12, seq: 3 }, "ab", r#""event":"e","data":{}}"#);
        let read = Frame::from_text(written.text.to_string()).unwrap();
        assert_eq!(read.id, Some(NotificationId { ms: 12, seq: 3 }));
        assert_eq!(read.epoch.as_deref(), Some("ab"));
        assert_eq!(read.text, written.text);
    }

    #[test]
    fn text_without_a_notification_header_is_given_back() {
        for other in [
            "",
            r#"{"event":"e","data":{}}"#,
            r#"{"type": "notification", "id": "1-0", "epoch": "ab", "event": "e"}"#,
            r#"{"type":"notification","id":"x","epoch":"ab","event":"e"}"#,
            r#"{"type":"notification","id":"1-0","epoch":"a\","event":"e"}"#,
            r#"{"type":"notification","id":"1-0","epoch":"ab"}"#,
        ] {
            assert_eq!(Frame::from_text(other.to_owned()).unwrap_err(), other);
        }
    }

    #[test]
    fn next_id_increases_even_when_the_clock_stands_still_or_goes_back() {
        let id = NotificationId { ms: 100, seq: 3 };
        assert_eq!(id.next_after(100), NotificationId { ms: 100, seq: 4 });
        assert_eq!(id.next_after(50), NotificationId { ms: 100, seq: 4 });
        assert_eq!(id.next_after(101), NotificationId { ms: 101, seq: 0 });
    }
}
