//! One row of the mapping table: a topic, its contract, and the
//! notification it becomes.

use serde_json::Value;

use crate::contracts::basis::Basis;
use crate::contracts::classification::Classification;
use crate::contracts::error::DecodeError;
use crate::contracts::events::Context;
use crate::contracts::notification::Notification;

/// A topic the hub understands and what it turns into.
#[derive(Debug)]
pub struct TopicSpec {
    /// Kafka topic, and the `event_type` expected in its envelopes.
    pub topic: &'static str,
    /// The platform model `data` holds (for documentation).
    pub data_type: &'static str,
    /// How the teacher to notify is found, in words (for documentation).
    pub user_found_by: &'static str,
    /// The `notification_type` a platform service already emits for the
    /// same fact through `TeacherNotificationRequestedV1`, if any; several
    /// are listed when it depends on the data. The hub should consume one
    /// path or the other, not both.
    pub twin: Option<&'static str>,
    /// Whether any platform code publishes this topic today.
    pub has_producer: bool,
    /// When a builder raises the priority from the data, says when.
    pub priority_note: Option<&'static str>,
    /// What the ownership facts its events carry rest on; `None` when they carry none.
    pub learns: Option<Basis>,
    pub(crate) rule: Rule,
}

/// How `data` becomes a notification.
#[derive(Debug)]
pub(crate) enum Rule {
    /// The event names its own notification (`TeacherNotificationRequestedV1`).
    FromEvent(fn(Value, &Context<'_>) -> Result<Notification, DecodeError>),
    /// The hub classifies every event on the topic the same way.
    Fixed(Classification, fn(Value, &Classification, &Context<'_>) -> Result<Notification, DecodeError>),
}

impl TopicSpec {
    /// The notification every event on this topic becomes, or `None` when
    /// the event carries its own name, category and priority.
    pub fn classification(&self) -> Option<&Classification> {
        match &self.rule {
            Rule::FromEvent(_) => None,
            Rule::Fixed(classification, _) => Some(classification),
        }
    }

    pub(crate) fn build(&self, data: Value, context: &Context<'_>) -> Result<Notification, DecodeError> {
        match &self.rule {
            Rule::FromEvent(build) => build(data, context),
            Rule::Fixed(classification, build) => build(data, classification, context),
        }
    }
}
