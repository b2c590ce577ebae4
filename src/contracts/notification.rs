//! The notification the hub publishes to a teacher, and the legacy `data`
//! object today's websocket service sends for it.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use crate::contracts::category::Category;
use crate::contracts::content_digest::ContentDigest;
use crate::contracts::priority::Priority;
use crate::contracts::recipient::{OwnerKey, Recipient};
use crate::contracts::timestamp::{python_isoformat, rfc3339_z};

/// One notification for one teacher, built from one Kafka event.
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    /// Who receives it, or whose batch/class owner does.
    pub recipient: Recipient,
    /// The notification name the dashboard switches on (the platform's
    /// `notification_type` where one exists).
    pub event: String,
    /// UI grouping.
    pub category: Category,
    /// Delivery urgency.
    pub priority: Priority,
    /// Whether the teacher has to do something about it.
    pub action_required: bool,
    /// When the teacher must act by; no producer sets one today.
    pub deadline: Option<DateTime<Utc>>,
    /// The batch it is about, so the dashboard can link to it.
    pub batch_id: Option<String>,
    /// The class it is about, so the dashboard can link to it.
    pub class_id: Option<String>,
    /// Tracing id carried to the browser (from `data` when the event has
    /// one, else the envelope's).
    pub correlation_id: String,
    /// When the fact happened: a time inside `data` where the event has one
    /// (stable across outbox replays), else the envelope's.
    pub timestamp: DateTime<Utc>,
    /// The event's own fields for the dashboard, including a human `message`.
    pub payload: Map<String, Value>,
    /// Ownership the event proves: `(batch or class, user id)` pairs the hub
    /// can remember to resolve [`Recipient::OwnerOf`] for later events.
    /// Placeholders (`unknown`, `SYSTEM_TIMEOUT`) and empty ids never appear.
    pub ownership: Vec<(OwnerKey, String)>,
    /// The Kafka topic it came from; part of the dedupe key.
    pub(crate) source_topic: &'static str,
    /// Fingerprint of the event's `data`; part of the dedupe key.
    pub(crate) content_digest: ContentDigest,
}

impl Notification {
    /// The batches and classes it is about: its recipient's, the ones it links to, and the ones
    /// whose ownership it proves. Events for any of them keep their order.
    pub fn keys(&self) -> impl Iterator<Item = OwnerKey> + '_ {
        let recipient = match &self.recipient {
            Recipient::OwnerOf(key) => Some(key.clone()),
            Recipient::User(_) => None,
        };
        recipient
            .into_iter()
            .chain(self.batch_id.iter().map(|id| OwnerKey::Batch(id.clone())))
            .chain(self.class_id.iter().map(|id| OwnerKey::Class(id.clone())))
            .chain(self.ownership.iter().map(|(key, _)| key.clone()))
    }

    /// A key that is equal for the same notification published twice.
    ///
    /// The outbox relay republishes an event with a fresh `event_id` and
    /// `event_timestamp`, so neither can be used. Everything else in the
    /// envelope that matters is `data`, which the relay copies unchanged; the
    /// key is therefore `topic | event | recipient | sha256(data)`, with
    /// `data` hashed in a canonical form (keys sorted) so a relay that
    /// re-serializes it in another key order still matches. A producer that
    /// emits the same fact twice with a new `data.timestamp` or
    /// `data.correlation_id` is, by design, a different notification.
    pub fn dedupe_key(&self) -> String {
        format!("{}|{}|{}|{}", self.source_topic, self.event, self.recipient, self.content_digest)
    }

    /// [`Self::timestamp`] as RFC 3339 with `Z`, the form the platform uses
    /// on Kafka (six fraction digits, left out when zero).
    pub fn frame_timestamp(&self) -> String {
        rfc3339_z(&self.timestamp)
    }

    /// The `data` object exactly as today's Python websocket service builds
    /// it (EVENTS.md §7), for clients that still read the legacy frame.
    ///
    /// The payload comes first; then `category`, `priority`,
    /// `action_required`, `deadline` (ISO or null), `batch_id`, `class_id`,
    /// `correlation_id` and `timestamp` (Python `isoformat()`, `+00:00`).
    /// As in a Python `dict.update`, a key that overwrites a payload key
    /// keeps the payload key's position.
    pub fn legacy_data(&self) -> Map<String, Value> {
        LegacyKeys {
            category: Some(self.category),
            priority: self.priority,
            action_required: self.action_required,
            deadline: self.deadline.as_ref(),
            batch_id: self.batch_id.as_deref(),
            class_id: self.class_id.as_deref(),
            correlation_id: &self.correlation_id,
            timestamp: &self.timestamp,
        }
        .apply(self.payload.clone())
    }
}

/// The keys today's Python service adds to a notification's `data`, in the order it adds
/// them; shared by notifications from Kafka and from the HTTP publish API.
#[derive(Debug, Clone, Copy)]
pub struct LegacyKeys<'a> {
    /// `category` (`null` when the publisher gave none).
    pub category: Option<Category>,
    /// `priority`.
    pub priority: Priority,
    /// `action_required`.
    pub action_required: bool,
    /// `deadline`, renamed from `deadline_timestamp`.
    pub deadline: Option<&'a DateTime<Utc>>,
    /// `batch_id`.
    pub batch_id: Option<&'a str>,
    /// `class_id`.
    pub class_id: Option<&'a str>,
    /// `correlation_id`.
    pub correlation_id: &'a str,
    /// `timestamp`, written as Python's `isoformat()` writes a UTC datetime.
    pub timestamp: &'a DateTime<Utc>,
}

impl LegacyKeys<'_> {
    /// Adds the keys to `payload`. As in a Python `dict.update`, a key that overwrites a
    /// payload key keeps the payload key's position.
    pub fn apply(&self, mut payload: Map<String, Value>) -> Map<String, Value> {
        let added: [(&str, Value); 8] = [
            ("category", self.category.map(Category::as_str).into()),
            ("priority", self.priority.as_str().into()),
            ("action_required", self.action_required.into()),
            ("deadline", self.deadline.map(python_isoformat).into()),
            ("batch_id", self.batch_id.into()),
            ("class_id", self.class_id.into()),
            ("correlation_id", self.correlation_id.into()),
            ("timestamp", python_isoformat(self.timestamp).into()),
        ];
        for (key, value) in added {
            // With `preserve_order`, inserting an existing key replaces the value in place.
            payload.insert(key.to_owned(), value);
        }
        payload
    }
}
