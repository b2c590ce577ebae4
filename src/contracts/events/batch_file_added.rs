//! `BatchFileAddedV1`: a teacher added a file to a batch. Becomes
//! `batch_files_uploaded`, the same notification file_service sends.

use serde::Deserialize;

use crate::contracts::error::DecodeError;
use crate::contracts::events::{payload, DomainEvent, NotificationParts};
use crate::contracts::recipient::{OwnerKey, Recipient};
use crate::contracts::timestamp::Timestamp;
use crate::contracts::user::require_user;
use crate::contracts::uuid::Uuid;

#[derive(Deserialize)]
pub(crate) struct BatchFileAddedV1 {
    /// The batch the file was added to.
    batch_id: String,
    /// The upload, so the dashboard can show its progress.
    file_upload_id: String,
    /// Shown to the teacher.
    filename: String,
    /// The teacher who uploaded it: the recipient.
    user_id: String,
    /// A fresh uuid4 per file, unrelated to the envelope's.
    #[serde(default)]
    correlation_id: Option<Uuid>,
    /// When the file was added.
    #[serde(default)]
    timestamp: Option<Timestamp>,
}

impl DomainEvent for BatchFileAddedV1 {
    fn into_parts(self) -> Result<NotificationParts, DecodeError> {
        let user_id = require_user("data.user_id", self.user_id)?;
        let message = format!("File '{}' uploaded successfully", self.filename);
        let payload = payload! {
            "batch_id" => self.batch_id.clone(),
            "file_upload_id" => self.file_upload_id,
            "filename" => self.filename,
            "message" => message,
            "upload_status" => "completed",
        };
        Ok(NotificationParts::new(Recipient::User(user_id.clone()), payload)
            .batch(Some(self.batch_id.clone()))
            .correlation(self.correlation_id.map(Uuid::into_string))
            .at(self.timestamp.map(|timestamp| timestamp.0))
            .learns(OwnerKey::Batch(self.batch_id), &user_id))
    }
}
