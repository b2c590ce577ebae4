//! `BatchStatusUpdatedV1`: the hub-defined batch status contract
//! (EVENTS.md §11). Becomes `batch_status_updated`; the priority is raised
//! to high when the batch reaches an outcome.

use serde::Deserialize;

use crate::contracts::error::DecodeError;
use crate::contracts::events::{payload, DomainEvent, NotificationParts};
use crate::contracts::priority::Priority;
use crate::contracts::recipient::{OwnerKey, Recipient};
use crate::contracts::timestamp::{rfc3339_z, Timestamp};
use crate::contracts::user::require_user;
use crate::contracts::vocabulary::BatchClientStatus;

/// The only `data.event_type` the contract allows.
const EVENT_TYPE: &str = "batch_status_updated";

#[derive(Deserialize)]
pub(crate) struct BatchStatusUpdatedV1 {
    /// Always `batch_status_updated`; checked, since the hub owns the contract.
    event_type: String,
    /// The batch.
    batch_id: String,
    /// The batch owner: the recipient.
    user_id: String,
    /// The teacher-facing status.
    status: BatchClientStatus,
    /// Essays finished so far.
    completed_essays: u64,
    /// Essays failed so far.
    failed_essays: u64,
    /// The running phase, when processing.
    #[serde(default)]
    processing_phase: Option<String>,
    /// When the batch finished, for final statuses.
    #[serde(default)]
    completed_at: Option<Timestamp>,
}

impl DomainEvent for BatchStatusUpdatedV1 {
    fn priority(&self, usual: Priority) -> Priority {
        if self.status.is_outcome() {
            Priority::High
        } else {
            usual
        }
    }

    fn into_parts(self) -> Result<NotificationParts, DecodeError> {
        if self.event_type != EVENT_TYPE {
            return Err(DecodeError::InvalidData {
                field: "data.event_type".to_owned(),
                problem: format!("must be `{EVENT_TYPE}`"),
            });
        }
        let user_id = require_user("data.user_id", self.user_id)?;
        let message = message(self.status, self.completed_essays, self.failed_essays, self.processing_phase.as_deref());
        let payload = payload! {
            "batch_id" => self.batch_id.clone(),
            "status" => self.status.as_str(),
            "completed_essays" => self.completed_essays,
            "failed_essays" => self.failed_essays,
            "processing_phase" => self.processing_phase,
            "completed_at" => self.completed_at.map(|completed| rfc3339_z(&completed.0)),
            "message" => message,
        };
        // The contract has no time of its own: the envelope's dates it.
        Ok(NotificationParts::new(Recipient::User(user_id.clone()), payload)
            .batch(Some(self.batch_id.clone()))
            .learns(OwnerKey::Batch(self.batch_id), &user_id))
    }
}

fn message(status: BatchClientStatus, completed: u64, failed: u64, phase: Option<&str>) -> String {
    match status {
        BatchClientStatus::PendingContent => "Waiting for essay content".to_owned(),
        BatchClientStatus::Ready => "Batch is ready for processing".to_owned(),
        BatchClientStatus::Processing => match phase {
            Some(phase) => {
                format!("Processing ({phase}): {completed} essays done, {failed} failed")
            }
            None => format!("Processing: {completed} essays done, {failed} failed"),
        },
        BatchClientStatus::CompletedSuccessfully => {
            format!("Batch completed: all {completed} essays processed")
        }
        BatchClientStatus::CompletedWithFailures => {
            format!("Batch completed with failures: {completed} essays processed, {failed} failed")
        }
        BatchClientStatus::Failed => format!("Batch processing failed ({failed} essays failed)"),
        BatchClientStatus::Cancelled => "Batch processing was cancelled".to_owned(),
    }
}
