//! `EssayValidationFailedV1`: one uploaded file could not be stored or read,
//! or broke a content rule. Becomes `batch_validation_failed`, with the
//! payload file_service sends. file_service finds the uploader from its own
//! upload record; the hub notifies the owner of the batch (`entity_id`).

use serde::Deserialize;

use crate::contracts::error::DecodeError;
use crate::contracts::events::{payload, DomainEvent, NotificationParts};
use crate::contracts::recipient::{OwnerKey, Recipient};
use crate::contracts::timestamp::Timestamp;
use crate::contracts::user::require_id;
use crate::contracts::uuid::Uuid;
use crate::contracts::vocabulary::FileValidationErrorCode;

#[derive(Deserialize)]
pub(crate) struct EssayValidationFailedV1 {
    /// Despite its name, the batch id.
    entity_id: String,
    /// The failed upload.
    file_upload_id: String,
    /// Shown to the teacher.
    original_file_name: String,
    /// Why it failed, as a code.
    validation_error_code: FileValidationErrorCode,
    /// Why it failed, in words.
    validation_error_detail: ValidationErrorDetail,
    /// The request chain.
    #[serde(default)]
    correlation_id: Option<Uuid>,
    /// When validation failed.
    #[serde(default)]
    timestamp: Option<Timestamp>,
}

/// The part of the platform's `ErrorDetail` a teacher can read.
#[derive(Deserialize)]
struct ValidationErrorDetail {
    /// Human-readable explanation.
    message: String,
}

impl DomainEvent for EssayValidationFailedV1 {
    fn into_parts(self) -> Result<NotificationParts, DecodeError> {
        let batch_id = require_id("data.entity_id", self.entity_id)?;
        let error_message = self.validation_error_detail.message;
        let message = format!("File '{}' failed validation: {error_message}", self.original_file_name);
        let payload = payload! {
            "batch_id" => batch_id.clone(),
            "file_upload_id" => self.file_upload_id,
            "filename" => self.original_file_name,
            "validation_error" => self.validation_error_code.as_str(),
            "error_message" => error_message,
            "message" => message,
        };
        Ok(NotificationParts::new(Recipient::OwnerOf(OwnerKey::Batch(batch_id.clone())), payload)
            .batch(Some(batch_id))
            .correlation(self.correlation_id.map(Uuid::into_string))
            .at(self.timestamp.map(|timestamp| timestamp.0)))
    }
}
