//! `SpellcheckResultDataV1` on `huleedu.essay.spellcheck.completed.v1`:
//! spellcheck finished for one essay. Nothing publishes this topic today
//! (the spellchecker sends other events); mapped so a future producer is
//! understood. Names no user: the owner of the essay's batch is notified.

use serde::Deserialize;

use crate::contracts::error::DecodeError;
use crate::contracts::events::batch_id::batch_id_from;
use crate::contracts::events::system_processing_metadata::SystemProcessingMetadata;
use crate::contracts::events::{count, payload, DomainEvent, NotificationParts};
use crate::contracts::recipient::{OwnerKey, Recipient};
use crate::contracts::timestamp::Timestamp;

#[derive(Deserialize)]
pub(crate) struct SpellcheckResultDataV1 {
    /// The essay id (may be null; then `system_metadata.entity_id`).
    #[serde(default)]
    entity_id: Option<String>,
    /// The batch id (may be null; then `system_metadata.parent_id`).
    #[serde(default)]
    parent_id: Option<String>,
    /// When the result was produced.
    #[serde(default)]
    timestamp: Option<Timestamp>,
    /// Essay status, e.g. `spellchecked_success` (passed through as text).
    status: String,
    /// Holds the ids when the top-level ones are null.
    system_metadata: SystemProcessingMetadata,
    /// Number of corrections, when known.
    #[serde(default)]
    corrections_made: Option<u64>,
}

impl DomainEvent for SpellcheckResultDataV1 {
    fn into_parts(self) -> Result<NotificationParts, DecodeError> {
        let batch_id = batch_id_from("data.parent_id", [self.parent_id, self.system_metadata.parent_id])?;
        let essay_id = self.entity_id.filter(|id| !id.trim().is_empty()).unwrap_or(self.system_metadata.entity_id);
        let message = match self.corrections_made {
            Some(made) => format!("Spellcheck finished for an essay: {}", count(made, "correction", "corrections")),
            None => "Spellcheck finished for an essay".to_owned(),
        };
        let payload = payload! {
            "batch_id" => batch_id.clone(),
            "essay_id" => essay_id,
            "status" => self.status,
            "corrections_made" => self.corrections_made,
            "message" => message,
        };
        Ok(NotificationParts::new(Recipient::OwnerOf(OwnerKey::Batch(batch_id.clone())), payload)
            .batch(Some(batch_id))
            .at(self.timestamp.map(|timestamp| timestamp.0)))
    }
}
