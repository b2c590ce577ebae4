//! `EssayContentProvisionedV1`: text was extracted from one uploaded file.
//! Names no user: the owner of the batch (`entity_id`) is notified.

use serde::Deserialize;

use crate::contracts::error::DecodeError;
use crate::contracts::events::{payload, DomainEvent, NotificationParts};
use crate::contracts::recipient::{OwnerKey, Recipient};
use crate::contracts::timestamp::Timestamp;
use crate::contracts::user::require_id;
use crate::contracts::uuid::Uuid;

#[derive(Deserialize)]
pub(crate) struct EssayContentProvisionedV1 {
    /// Despite its name, the batch id.
    entity_id: String,
    /// The upload the text came from.
    file_upload_id: String,
    /// Shown to the teacher.
    original_file_name: String,
    /// Size of the upload.
    file_size_bytes: u64,
    /// The request chain.
    #[serde(default)]
    correlation_id: Option<Uuid>,
    /// When the text was stored.
    #[serde(default)]
    timestamp: Option<Timestamp>,
}

impl DomainEvent for EssayContentProvisionedV1 {
    fn into_parts(self) -> Result<NotificationParts, DecodeError> {
        let batch_id = require_id("data.entity_id", self.entity_id)?;
        let message = format!("Text extracted from '{}'", self.original_file_name);
        let payload = payload! {
            "batch_id" => batch_id.clone(),
            "file_upload_id" => self.file_upload_id,
            "filename" => self.original_file_name,
            "file_size_bytes" => self.file_size_bytes,
            "message" => message,
        };
        Ok(NotificationParts::new(Recipient::OwnerOf(OwnerKey::Batch(batch_id.clone())), payload)
            .batch(Some(batch_id))
            .correlation(self.correlation_id.map(Uuid::into_string))
            .at(self.timestamp.map(|timestamp| timestamp.0)))
    }
}
