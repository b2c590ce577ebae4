//! `CJAssessmentCompletedV1`: comparative-judgement ranking finished for a
//! batch. Becomes `batch_assessment_completed`, the notification
//! result_aggregator_service sends for the same fact. Names no user: the
//! batch owner is notified.

use serde::Deserialize;

use crate::contracts::error::DecodeError;
use crate::contracts::events::batch_id::batch_id_from;
use crate::contracts::events::system_processing_metadata::SystemProcessingMetadata;
use crate::contracts::events::{payload, DomainEvent, NotificationParts};
use crate::contracts::recipient::{OwnerKey, Recipient};
use crate::contracts::timestamp::Timestamp;

#[derive(Deserialize)]
pub(crate) struct CJAssessmentCompletedV1 {
    /// The BOS batch id (may be null; then `system_metadata.entity_id`).
    #[serde(default)]
    entity_id: Option<String>,
    /// When the ranking finished.
    #[serde(default)]
    timestamp: Option<Timestamp>,
    /// Holds the batch id when `entity_id` is null.
    system_metadata: SystemProcessingMetadata,
    /// CJ's job id, shown so support can find the run.
    cj_assessment_job_id: String,
    /// Counts of the run.
    #[serde(default)]
    processing_summary: ProcessingSummary,
}

/// The counts of `processing_summary` the dashboard shows.
#[derive(Default, Deserialize)]
struct ProcessingSummary {
    /// Essays ranked.
    #[serde(default)]
    successful: u64,
}

impl DomainEvent for CJAssessmentCompletedV1 {
    fn into_parts(self) -> Result<NotificationParts, DecodeError> {
        let batch_id = batch_id_from("data.entity_id", [self.entity_id, Some(self.system_metadata.entity_id)])?;
        let message = format!("Comparative judgment assessment completed for batch {batch_id}");
        let ranked = self.processing_summary.successful;
        let payload = payload! {
            "batch_id" => batch_id.clone(),
            "assessment_job_id" => self.cj_assessment_job_id,
            "rankings_available" => ranked > 0,
            "rankings_count" => ranked,
            "message" => message,
        };
        Ok(NotificationParts::new(Recipient::OwnerOf(OwnerKey::Batch(batch_id.clone())), payload)
            .batch(Some(batch_id))
            .at(self.timestamp.map(|timestamp| timestamp.0)))
    }
}
