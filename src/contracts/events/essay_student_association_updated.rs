//! `EssayStudentAssociationUpdatedV1`: an essay was linked to a student, or
//! unlinked. Nothing produces it today; mapped so a future producer is
//! understood.

use serde::Deserialize;

use crate::contracts::error::DecodeError;
use crate::contracts::events::{payload, DomainEvent, NotificationParts};
use crate::contracts::recipient::{OwnerKey, Recipient};
use crate::contracts::timestamp::Timestamp;
use crate::contracts::user::require_user;
use crate::contracts::uuid::Uuid;

#[derive(Deserialize)]
pub(crate) struct EssayStudentAssociationUpdatedV1 {
    /// The essay's batch.
    batch_id: String,
    /// The essay.
    essay_id: String,
    /// The student it is now linked to; null when unlinked.
    student_id: Option<String>,
    /// Shown to the teacher.
    first_name: Option<String>,
    /// Shown to the teacher.
    last_name: Option<String>,
    /// How the link was made, e.g. `manual`.
    association_method: String,
    /// Match confidence, when the link came from a suggestion.
    confidence_score: Option<f64>,
    /// The teacher who made the change: the recipient.
    created_by_user_id: String,
    /// The request chain.
    #[serde(default)]
    correlation_id: Option<Uuid>,
    /// When the link changed.
    #[serde(default)]
    timestamp: Option<Timestamp>,
}

impl DomainEvent for EssayStudentAssociationUpdatedV1 {
    fn into_parts(self) -> Result<NotificationParts, DecodeError> {
        let user_id = require_user("data.created_by_user_id", self.created_by_user_id)?;
        let student_name = match (self.first_name, self.last_name) {
            (Some(first), Some(last)) => Some(format!("{first} {last}")),
            (Some(name), None) | (None, Some(name)) => Some(name),
            (None, None) => None,
        };
        let message = match (&self.student_id, &student_name) {
            (None, _) => "Essay unlinked from its student".to_owned(),
            (Some(_), Some(name)) => format!("Essay linked to student '{name}'"),
            (Some(_), None) => "Essay linked to a student".to_owned(),
        };
        let payload = payload! {
            "batch_id" => self.batch_id.clone(),
            "essay_id" => self.essay_id,
            "student_id" => self.student_id,
            "student_name" => student_name,
            "association_method" => self.association_method,
            "confidence_score" => self.confidence_score,
            "message" => message,
        };
        Ok(NotificationParts::new(Recipient::User(user_id.clone()), payload)
            .batch(Some(self.batch_id.clone()))
            .correlation(self.correlation_id.map(Uuid::into_string))
            .at(self.timestamp.map(|timestamp| timestamp.0))
            .learns(OwnerKey::Batch(self.batch_id), &user_id))
    }
}
