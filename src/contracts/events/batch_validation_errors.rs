//! `BatchValidationErrorsV1`: the essays of a batch that failed validation,
//! with a summary. ELS has a publisher for it but nothing builds it yet.
//! Names no user: the batch owner is notified.

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::contracts::error::DecodeError;
use crate::contracts::events::system_processing_metadata::SystemProcessingMetadata;
use crate::contracts::events::{count, payload, DomainEvent, NotificationParts};
use crate::contracts::recipient::{OwnerKey, Recipient};
use crate::contracts::user::require_id;
use crate::contracts::uuid::Uuid;

#[derive(Deserialize)]
pub(crate) struct BatchValidationErrorsV1 {
    /// The batch; its owner is the recipient.
    batch_id: String,
    /// One entry per failed essay, listed for the teacher.
    failed_essays: Vec<EssayValidationError>,
    /// Totals shown with the list.
    error_summary: BatchErrorSummary,
    /// The request chain the validation ran in.
    #[serde(default)]
    correlation_id: Option<Uuid>,
    /// Processing bookkeeping; its timestamp dates the notification.
    metadata: SystemProcessingMetadata,
}

#[derive(Deserialize)]
struct EssayValidationError {
    /// The failed essay.
    essay_id: String,
    /// The file it came from, as the teacher named it.
    file_name: String,
    /// What went wrong.
    error_detail: ErrorDetail,
}

/// The parts of the platform's `ErrorDetail` a teacher can read.
#[derive(Deserialize)]
struct ErrorDetail {
    /// Machine code, from one of several platform enums.
    error_code: String,
    /// Human-readable explanation.
    message: String,
}

#[derive(Deserialize)]
struct BatchErrorSummary {
    /// Number of errors in the batch.
    total_errors: u64,
    /// Whether the whole batch is unusable.
    #[serde(default)]
    critical_failure: bool,
}

impl DomainEvent for BatchValidationErrorsV1 {
    fn into_parts(self) -> Result<NotificationParts, DecodeError> {
        let batch_id = require_id("data.batch_id", self.batch_id)?;
        let failed = self.failed_essays.len();
        let message = format!("{} in the batch failed validation", count(failed, "file", "files"));
        let failed_files: Vec<Map<String, Value>> = self
            .failed_essays
            .into_iter()
            .map(|essay| {
                payload! {
                    "essay_id" => essay.essay_id,
                    "file_name" => essay.file_name,
                    "error_code" => essay.error_detail.error_code,
                    "error_message" => essay.error_detail.message,
                }
            })
            .collect();
        let payload = payload! {
            "batch_id" => batch_id.clone(),
            "failed_count" => failed,
            "total_errors" => self.error_summary.total_errors,
            "critical_failure" => self.error_summary.critical_failure,
            "failed_files" => failed_files,
            "message" => message,
        };
        Ok(NotificationParts::new(Recipient::OwnerOf(OwnerKey::Batch(batch_id.clone())), payload)
            .batch(Some(batch_id))
            .correlation(self.correlation_id.map(Uuid::into_string))
            .at(self.metadata.timestamp.map(|timestamp| timestamp.0)))
    }
}
