//! `BatchContentProvisioningCompletedV1`: every expected essay of a batch
//! now has extracted text. ELS writes the placeholder `"unknown"` as the
//! user when its tracker has none; then the batch owner is notified.

use serde::Deserialize;

use crate::contracts::error::DecodeError;
use crate::contracts::events::{payload, DomainEvent, NotificationParts};
use crate::contracts::recipient::{OwnerKey, Recipient};
use crate::contracts::timestamp::Timestamp;
use crate::contracts::user::{is_user, require_id};
use crate::contracts::uuid::Uuid;
use crate::contracts::vocabulary::CourseCode;

#[derive(Deserialize)]
pub(crate) struct BatchContentProvisioningCompletedV1 {
    /// The batch.
    batch_id: String,
    /// Essays with text.
    provisioned_count: u64,
    /// Essays the batch was registered with.
    expected_count: u64,
    /// Course of the batch.
    course_code: CourseCode,
    /// The batch owner, or the placeholder `"unknown"`.
    user_id: String,
    /// The request chain.
    #[serde(default)]
    correlation_id: Option<Uuid>,
    /// When provisioning completed.
    #[serde(default)]
    timestamp: Option<Timestamp>,
}

impl DomainEvent for BatchContentProvisioningCompletedV1 {
    fn into_parts(self) -> Result<NotificationParts, DecodeError> {
        let batch_id = require_id("data.batch_id", self.batch_id)?;
        if self.user_id.trim().is_empty() {
            return Err(DecodeError::EmptyUserId { field: "data.user_id".to_owned() });
        }
        let recipient = if is_user(&self.user_id) {
            Recipient::User(self.user_id.clone())
        } else {
            Recipient::OwnerOf(OwnerKey::Batch(batch_id.clone()))
        };
        let message = format!("Essay text ready for {} of {} essays", self.provisioned_count, self.expected_count);
        let payload = payload! {
            "batch_id" => batch_id.clone(),
            "provisioned_count" => self.provisioned_count,
            "expected_count" => self.expected_count,
            "course_code" => self.course_code.as_str(),
            "message" => message,
        };
        Ok(NotificationParts::new(recipient, payload)
            .batch(Some(batch_id.clone()))
            .correlation(self.correlation_id.map(Uuid::into_string))
            .at(self.timestamp.map(|timestamp| timestamp.0))
            .learns(OwnerKey::Batch(batch_id), &self.user_id))
    }
}
