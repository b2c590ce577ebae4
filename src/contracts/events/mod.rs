//! The event contracts: one typed `data` struct per file, each turning
//! itself into a notification. [`crate::contracts::topics`] wires them to topics.
//!
//! Each struct declares only the fields its notification uses, with their
//! wire types, so a missing or mistyped field the hub relies on is rejected
//! with its path; other fields are ignored, like unknown keys.

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::contracts::classification::Classification;
use crate::contracts::content_digest::ContentDigest;
use crate::contracts::error::DecodeError;
use crate::contracts::notification::Notification;
use crate::contracts::path_deserializer::from_value;
use crate::contracts::priority::Priority;
use crate::contracts::recipient::{OwnerKey, Recipient};
use crate::contracts::user::is_user;

pub(crate) mod batch_author_matches_suggested;
pub(crate) mod batch_content_provisioning_completed;
pub(crate) mod batch_essays_ready;
pub(crate) mod batch_file_added;
pub(crate) mod batch_file_removed;
mod batch_id;
pub(crate) mod batch_status_updated;
pub(crate) mod batch_validation_errors;
pub(crate) mod cj_assessment_completed;
pub(crate) mod cj_assessment_failed;
pub(crate) mod class_created;
mod counts;
pub(crate) mod els_batch_phase_outcome;
pub(crate) mod essay_content_provisioned;
pub(crate) mod essay_student_association_updated;
pub(crate) mod essay_validation_failed;
pub(crate) mod spellcheck_result_data;
pub(crate) mod student_associations_confirmed;
pub(crate) mod student_created;
mod system_processing_metadata;
pub(crate) mod teacher_notification_requested;
pub(crate) mod validation_timeout_processed;

/// Builds a payload object with keys in the order written.
macro_rules! payload {
    ($($key:literal => $value:expr),* $(,)?) => {{
        let mut payload = ::serde_json::Map::new();
        $( payload.insert($key.to_owned(), ::serde_json::Value::from($value)); )*
        payload
    }};
}
pub(crate) use payload;

/// What a builder may use besides its own `data`.
pub(crate) struct Context<'a> {
    /// The topic's row in the table.
    pub topic: &'static str,
    /// The envelope's correlation id, for events without their own.
    pub envelope_correlation_id: &'a str,
    /// The envelope's timestamp, for events without a time in `data`.
    pub envelope_timestamp: DateTime<Utc>,
    /// Fingerprint of `data`, taken before it is consumed.
    pub digest: ContentDigest,
}

impl Context<'_> {
    /// Completes a notification from its classification and the parts the
    /// event decided.
    pub(crate) fn finish(&self, classification: Classification, parts: NotificationParts) -> Notification {
        Notification {
            recipient: parts.recipient,
            event: classification.event.into_owned(),
            category: classification.category,
            priority: classification.priority,
            action_required: classification.action_required,
            deadline: parts.deadline,
            batch_id: parts.batch_id,
            class_id: parts.class_id,
            correlation_id: parts.correlation_id.unwrap_or_else(|| self.envelope_correlation_id.to_owned()),
            timestamp: parts.timestamp.unwrap_or(self.envelope_timestamp),
            payload: parts.payload,
            ownership: parts.ownership,
            source_topic: self.topic,
            content_digest: self.digest,
        }
    }
}

/// The parts of a notification an event decides.
pub(crate) struct NotificationParts {
    recipient: Recipient,
    payload: Map<String, Value>,
    batch_id: Option<String>,
    class_id: Option<String>,
    correlation_id: Option<String>,
    timestamp: Option<DateTime<Utc>>,
    deadline: Option<DateTime<Utc>>,
    ownership: Vec<(OwnerKey, String)>,
}

impl NotificationParts {
    /// The parts for `recipient` with the dashboard `payload`. Correlation id
    /// and timestamp default to the envelope's.
    pub(crate) fn new(recipient: Recipient, payload: Map<String, Value>) -> Self {
        Self {
            recipient,
            payload,
            batch_id: None,
            class_id: None,
            correlation_id: None,
            timestamp: None,
            deadline: None,
            ownership: Vec::new(),
        }
    }

    pub(crate) fn batch(mut self, batch_id: Option<String>) -> Self {
        self.batch_id = batch_id;
        self
    }

    pub(crate) fn class(mut self, class_id: Option<String>) -> Self {
        self.class_id = class_id;
        self
    }

    /// The event's own correlation id, if it has one.
    pub(crate) fn correlation(mut self, correlation_id: Option<String>) -> Self {
        self.correlation_id = correlation_id;
        self
    }

    /// The event's own time, if it has one.
    pub(crate) fn at(mut self, timestamp: Option<DateTime<Utc>>) -> Self {
        self.timestamp = timestamp;
        self
    }

    pub(crate) fn deadline(mut self, deadline: Option<DateTime<Utc>>) -> Self {
        self.deadline = deadline;
        self
    }

    /// Records that `user` owns `key`, unless `user` is a placeholder or
    /// empty, or the id is empty.
    pub(crate) fn learns(mut self, key: OwnerKey, user: &str) -> Self {
        let (OwnerKey::Batch(id) | OwnerKey::Class(id)) = &key;
        if is_user(user) && !id.trim().is_empty() {
            self.ownership.push((key, user.to_owned()));
        }
        self
    }
}

/// A domain event the hub classifies itself.
pub(crate) trait DomainEvent: DeserializeOwned {
    /// The priority of this particular event, given the topic's usual one.
    fn priority(&self, usual: Priority) -> Priority {
        usual
    }

    /// The recipient, payload and facts of the notification.
    fn into_parts(self) -> Result<NotificationParts, DecodeError>;
}

/// The builder behind every [`crate::contracts::topic_spec::Rule::Fixed`] row:
/// validates `data` as `T`, then applies the topic's classification.
pub(crate) fn fixed<T: DomainEvent>(
    data: Value,
    classification: &Classification,
    context: &Context<'_>,
) -> Result<Notification, DecodeError> {
    let event: T = from_value(data, "data")?;
    let classification = Classification { priority: event.priority(classification.priority), ..classification.clone() };
    Ok(context.finish(classification, event.into_parts()?))
}

/// `"1 essay"`, `"3 essays"`.
pub(crate) fn count<N>(n: N, singular: &str, plural: &str) -> String
where
    N: std::fmt::Display + PartialEq + From<u8>,
{
    if n == N::from(1) {
        format!("1 {singular}")
    } else {
        format!("{n} {plural}")
    }
}
