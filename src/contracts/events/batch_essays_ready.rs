//! `BatchEssaysReady` (no `V1` suffix in the platform): every essay of a
//! regular batch is linked to a student and ready for the pipeline. Names no
//! user: the batch owner is notified.

use serde::de::IgnoredAny;
use serde::Deserialize;

use crate::contracts::error::DecodeError;
use crate::contracts::events::system_processing_metadata::SystemProcessingMetadata;
use crate::contracts::events::{payload, DomainEvent, NotificationParts};
use crate::contracts::recipient::{OwnerKey, Recipient};
use crate::contracts::user::require_id;
use crate::contracts::vocabulary::CourseCode;

#[derive(Deserialize)]
pub(crate) struct BatchEssaysReady {
    /// The batch; its owner is the recipient.
    batch_id: String,
    /// The essays ready; only their number is shown.
    ready_essays: Vec<IgnoredAny>,
    /// Processing bookkeeping; its timestamp dates the notification.
    metadata: SystemProcessingMetadata,
    /// Course of the batch, shown on the dashboard.
    course_code: CourseCode,
    /// `REGULAR` or `GUEST`.
    class_type: String,
}

impl DomainEvent for BatchEssaysReady {
    fn into_parts(self) -> Result<NotificationParts, DecodeError> {
        let batch_id = require_id("data.batch_id", self.batch_id)?;
        let ready = self.ready_essays.len();
        let message = format!(
            "{} ready for processing",
            match ready {
                1 => "1 essay is".to_owned(),
                n => format!("{n} essays are"),
            }
        );
        let payload = payload! {
            "batch_id" => batch_id.clone(),
            "ready_count" => ready,
            "course_code" => self.course_code.as_str(),
            "class_type" => self.class_type,
            "message" => message,
        };
        Ok(NotificationParts::new(Recipient::OwnerOf(OwnerKey::Batch(batch_id.clone())), payload)
            .batch(Some(batch_id))
            .at(self.metadata.timestamp.map(|timestamp| timestamp.0)))
    }
}
