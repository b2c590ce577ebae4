//! `BatchFileRemovedV1`: a teacher removed a file from a batch. Becomes
//! `batch_file_removed`, the same notification file_service sends.

use serde::Deserialize;

use crate::contracts::error::DecodeError;
use crate::contracts::events::{payload, DomainEvent, NotificationParts};
use crate::contracts::recipient::{OwnerKey, Recipient};
use crate::contracts::timestamp::Timestamp;
use crate::contracts::user::require_user;
use crate::contracts::uuid::Uuid;

#[derive(Deserialize)]
pub(crate) struct BatchFileRemovedV1 {
    /// The batch the file was removed from.
    batch_id: String,
    /// The removed upload.
    file_upload_id: String,
    /// Always the placeholder `file_<file_upload_id>`, never the real name;
    /// passed on as file_service does.
    filename: String,
    /// The teacher who removed it: the recipient.
    user_id: String,
    /// A fresh uuid4 per file, unrelated to the envelope's.
    #[serde(default)]
    correlation_id: Option<Uuid>,
    /// When the file was removed.
    #[serde(default)]
    timestamp: Option<Timestamp>,
}

impl DomainEvent for BatchFileRemovedV1 {
    fn into_parts(self) -> Result<NotificationParts, DecodeError> {
        let user_id = require_user("data.user_id", self.user_id)?;
        let message = format!("File '{}' removed from batch", self.filename);
        let payload = payload! {
            "batch_id" => self.batch_id.clone(),
            "file_upload_id" => self.file_upload_id,
            "filename" => self.filename,
            "message" => message,
        };
        Ok(NotificationParts::new(Recipient::User(user_id.clone()), payload)
            .batch(Some(self.batch_id.clone()))
            .correlation(self.correlation_id.map(Uuid::into_string))
            .at(self.timestamp.map(|timestamp| timestamp.0))
            .learns(OwnerKey::Batch(self.batch_id), &user_id))
    }
}
