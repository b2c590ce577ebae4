//! `CJAssessmentFailedV1`: comparative-judgement ranking failed for a batch.
//! Names no user: the batch owner is notified.

use serde::Deserialize;

use crate::contracts::error::DecodeError;
use crate::contracts::events::batch_id::batch_id_from;
use crate::contracts::events::system_processing_metadata::SystemProcessingMetadata;
use crate::contracts::events::{payload, DomainEvent, NotificationParts};
use crate::contracts::recipient::{OwnerKey, Recipient};
use crate::contracts::timestamp::Timestamp;

#[derive(Deserialize)]
pub(crate) struct CJAssessmentFailedV1 {
    /// The BOS batch id (may be null; then `system_metadata.entity_id`).
    #[serde(default)]
    entity_id: Option<String>,
    /// When the failure was recorded.
    #[serde(default)]
    timestamp: Option<Timestamp>,
    /// Final status (an essay or batch status; passed through as text).
    status: String,
    /// Holds the batch id when `entity_id` is null, and the failure reason.
    system_metadata: SystemProcessingMetadata,
    /// CJ's job id, shown so support can find the run.
    cj_assessment_job_id: String,
}

impl DomainEvent for CJAssessmentFailedV1 {
    fn into_parts(self) -> Result<NotificationParts, DecodeError> {
        let reason = self.system_metadata.error_info.reason;
        let batch_id = batch_id_from("data.entity_id", [self.entity_id, Some(self.system_metadata.entity_id)])?;
        let message = match &reason {
            Some(reason) => {
                format!("Comparative judgment assessment failed for batch {batch_id} ({})", reason.replace('_', " "))
            }
            None => format!("Comparative judgment assessment failed for batch {batch_id}"),
        };
        let payload = payload! {
            "batch_id" => batch_id.clone(),
            "assessment_job_id" => self.cj_assessment_job_id,
            "status" => self.status,
            "reason" => reason,
            "message" => message,
        };
        Ok(NotificationParts::new(Recipient::OwnerOf(OwnerKey::Batch(batch_id.clone())), payload)
            .batch(Some(batch_id))
            .at(self.timestamp.map(|timestamp| timestamp.0)))
    }
}
