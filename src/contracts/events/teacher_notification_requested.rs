//! `TeacherNotificationRequestedV1`: a service asks for a teacher to be
//! notified. The only event that names its own notification; the emitter
//! has already checked that the teacher owns the batch or class.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::contracts::category::Category;
use crate::contracts::classification::Classification;
use crate::contracts::error::DecodeError;
use crate::contracts::events::{Context, NotificationParts};
use crate::contracts::notification::Notification;
use crate::contracts::path_deserializer::from_value;
use crate::contracts::priority::Priority;
use crate::contracts::recipient::{OwnerKey, Recipient};
use crate::contracts::timestamp::Timestamp;
use crate::contracts::user::require_user;

#[derive(Deserialize)]
struct TeacherNotificationRequestedV1 {
    /// The recipient (JWT `sub`). The platform model accepts `""`; the hub
    /// does not.
    teacher_id: String,
    /// Free-text notification name the dashboard switches on.
    notification_type: String,
    /// UI grouping; an unknown value is `invalid_enum`.
    category: Category,
    /// Urgency; an unknown value is `invalid_enum`.
    priority: Priority,
    /// Type-specific fields, passed to the dashboard as they are.
    payload: Map<String, Value>,
    /// Whether the teacher must act; the model defaults it to false.
    #[serde(default)]
    action_required: bool,
    /// Act-by time; no emitter sets it today.
    #[serde(default)]
    deadline_timestamp: Option<Timestamp>,
    /// A plain string in the model (not a UUID): class management falls
    /// back to a class, student or batch id.
    correlation_id: String,
    /// Batch the notification is about.
    #[serde(default)]
    batch_id: Option<String>,
    /// Class the notification is about.
    #[serde(default)]
    class_id: Option<String>,
    /// Creation time; unlike the envelope's, it survives the outbox relay.
    #[serde(default)]
    timestamp: Option<Timestamp>,
}

/// The builder for `huleedu.notification.teacher.requested.v1`.
pub(crate) fn build(data: Value, context: &Context<'_>) -> Result<Notification, DecodeError> {
    let event: TeacherNotificationRequestedV1 = from_value(data, "data")?;
    let teacher_id = require_user("data.teacher_id", event.teacher_id)?;
    if event.notification_type.trim().is_empty() {
        return Err(DecodeError::InvalidData {
            field: "data.notification_type".to_owned(),
            problem: "is empty".to_owned(),
        });
    }
    let classification = Classification {
        event: Cow::Owned(event.notification_type),
        category: event.category,
        priority: event.priority,
        action_required: event.action_required,
    };
    let mut parts = NotificationParts::new(Recipient::User(teacher_id.clone()), event.payload)
        .batch(event.batch_id.clone())
        .class(event.class_id.clone())
        .correlation(Some(event.correlation_id))
        .at(event.timestamp.map(|timestamp| timestamp.0))
        .deadline(event.deadline_timestamp.map(|deadline| deadline.0));
    if let Some(batch_id) = event.batch_id {
        parts = parts.learns(OwnerKey::Batch(batch_id), &teacher_id);
    }
    if let Some(class_id) = event.class_id {
        parts = parts.learns(OwnerKey::Class(class_id), &teacher_id);
    }
    Ok(context.finish(classification, parts))
}
