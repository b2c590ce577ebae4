//! `ValidationTimeoutProcessedV1`: the review window of a batch expired and
//! high-confidence matches were auto-confirmed. Becomes
//! `validation_timeout_processed`, with the payload
//! class_management_service builds. Nothing produces it today (the timeout
//! path sends `StudentAssociationsConfirmedV1`).

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::contracts::error::DecodeError;
use crate::contracts::events::{payload, DomainEvent, NotificationParts};
use crate::contracts::recipient::{OwnerKey, Recipient};
use crate::contracts::timestamp::Timestamp;
use crate::contracts::user::require_user;

#[derive(Deserialize)]
pub(crate) struct ValidationTimeoutProcessedV1 {
    /// When the timeout was handled.
    #[serde(default)]
    timestamp: Option<Timestamp>,
    /// The batch whose window expired.
    batch_id: String,
    /// The batch owner: the recipient.
    user_id: String,
    /// Length of the review window.
    timeout_hours: u64,
    /// The links confirmed automatically, listed for the teacher.
    auto_confirmed_associations: Vec<StudentAssociation>,
    /// A guest class created for unmatched essays, if any; owned by the
    /// same teacher.
    #[serde(default)]
    guest_class_id: Option<String>,
}

#[derive(Deserialize)]
struct StudentAssociation {
    /// The essay.
    essay_id: String,
    /// Shown to the teacher.
    student_first_name: String,
    /// Shown to the teacher.
    student_last_name: String,
    /// Match confidence.
    confidence_score: f64,
    /// Whether the link is now confirmed.
    is_confirmed: bool,
}

impl DomainEvent for ValidationTimeoutProcessedV1 {
    fn into_parts(self) -> Result<NotificationParts, DecodeError> {
        let user_id = require_user("data.user_id", self.user_id)?;
        let confirmed = self.auto_confirmed_associations.len();
        let message = format!(
            "Validation timeout: {confirmed} student matches auto-confirmed after {} hours",
            self.timeout_hours
        );
        let associations: Vec<Map<String, Value>> = self
            .auto_confirmed_associations
            .into_iter()
            .map(|association| {
                payload! {
                    "essay_id" => association.essay_id,
                    "student_name" => format!(
                        "{} {}",
                        association.student_first_name, association.student_last_name
                    ),
                    "confidence_score" => association.confidence_score,
                    "is_confirmed" => association.is_confirmed,
                }
            })
            .collect();
        let payload = payload! {
            "batch_id" => self.batch_id.clone(),
            "auto_confirmed_count" => confirmed,
            "timeout_hours" => self.timeout_hours,
            "message" => message,
            "auto_confirmed_associations" => associations,
        };
        let parts = NotificationParts::new(Recipient::User(user_id.clone()), payload)
            .batch(Some(self.batch_id.clone()))
            .class(self.guest_class_id.clone())
            .at(self.timestamp.map(|timestamp| timestamp.0))
            .learns(OwnerKey::Batch(self.batch_id), &user_id);
        Ok(match self.guest_class_id {
            Some(class_id) => parts.learns(OwnerKey::Class(class_id), &user_id),
            None => parts,
        })
    }
}
