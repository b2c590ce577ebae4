//! `StudentAssociationsConfirmedV1`: the essay-to-student links of a batch
//! are final, confirmed by the teacher or auto-confirmed after the review
//! window. Becomes `student_associations_confirmed`, with the payload
//! class_management_service builds. Names no user: the class owner is
//! notified.

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::contracts::error::DecodeError;
use crate::contracts::events::counts::Counts;
use crate::contracts::events::{count, payload, DomainEvent, NotificationParts};
use crate::contracts::recipient::{OwnerKey, Recipient};
use crate::contracts::timestamp::Timestamp;
use crate::contracts::user::{is_user, require_id};
use crate::contracts::vocabulary::AssociationValidationMethod;

#[derive(Deserialize)]
pub(crate) struct StudentAssociationsConfirmedV1 {
    /// When the links were finalised.
    #[serde(default)]
    timestamp: Option<Timestamp>,
    /// The batch whose essays were linked.
    batch_id: String,
    /// The class whose owner is notified.
    class_id: String,
    /// The confirmed links, listed for the teacher.
    associations: Vec<StudentAssociationConfirmation>,
    /// Whether the review window expired (auto-confirmation).
    #[serde(default)]
    timeout_triggered: bool,
    /// Totals, passed on.
    validation_summary: Counts,
}

#[derive(Deserialize)]
struct StudentAssociationConfirmation {
    /// The essay.
    essay_id: String,
    /// Its author; null when no student was confirmed.
    student_id: Option<String>,
    /// Match confidence.
    confidence_score: f64,
    /// Who settled it.
    validation_method: AssociationValidationMethod,
    /// The teacher's id for human confirmations; may be a placeholder.
    validated_by: Option<String>,
}

impl DomainEvent for StudentAssociationsConfirmedV1 {
    fn into_parts(self) -> Result<NotificationParts, DecodeError> {
        let class_id = require_id("data.class_id", self.class_id)?;
        let confirmed = self.associations.len();
        let message =
            format!("Successfully confirmed {}", count(confirmed, "student association", "student associations"));
        let validator = sole_human_validator(&self.associations);
        let associations: Vec<Map<String, Value>> = self
            .associations
            .into_iter()
            .map(|association| {
                payload! {
                    "essay_id" => association.essay_id,
                    "student_id" => association.student_id,
                    "validation_method" => association.validation_method.as_str(),
                    "confidence_score" => association.confidence_score,
                }
            })
            .collect();
        let payload = payload! {
            "batch_id" => self.batch_id.clone(),
            "confirmed_count" => confirmed,
            "message" => message,
            "associations" => associations,
            "validation_summary" => self.validation_summary.0,
            "timeout_triggered" => self.timeout_triggered,
        };
        let parts = NotificationParts::new(Recipient::OwnerOf(OwnerKey::Class(class_id.clone())), payload)
            .batch(Some(self.batch_id.clone()))
            .class(Some(class_id))
            .at(self.timestamp.map(|timestamp| timestamp.0));
        Ok(match validator {
            Some(user) => parts.learns(OwnerKey::Batch(self.batch_id), &user),
            None => parts,
        })
    }
}

/// The one teacher who confirmed links by hand, if exactly one did: only a
/// batch's owner can confirm its links, so that teacher owns the batch.
/// Placeholders (`SYSTEM_TIMEOUT`, `unknown`) are skipped; two different
/// teachers prove nothing.
fn sole_human_validator(associations: &[StudentAssociationConfirmation]) -> Option<String> {
    let mut validators = associations
        .iter()
        .filter(|association| association.validation_method == AssociationValidationMethod::Human)
        .filter_map(|association| association.validated_by.as_deref())
        .filter(|user| is_user(user));
    let first = validators.next()?;
    validators.all(|other| other == first).then(|| first.to_owned())
}
