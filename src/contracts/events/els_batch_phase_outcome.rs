//! `ELSBatchPhaseOutcomeV1`: one pipeline phase finished for a whole batch.
//! ELS sends a differently named notification per phase
//! (`batch_spellcheck_completed`, ...) and none for two phases; the hub
//! sends one `batch_phase_completed` for every phase, with ELS's payload
//! and wording. Names no user: the batch owner is notified.

use serde::de::IgnoredAny;
use serde::Deserialize;

use crate::contracts::error::DecodeError;
use crate::contracts::events::{payload, DomainEvent, NotificationParts};
use crate::contracts::recipient::{OwnerKey, Recipient};
use crate::contracts::user::require_id;
use crate::contracts::uuid::Uuid;
use crate::contracts::vocabulary::{BatchStatus, PhaseName};

#[derive(Deserialize)]
pub(crate) struct ELSBatchPhaseOutcomeV1 {
    /// The batch; its owner is the recipient.
    batch_id: String,
    /// Which phase finished.
    phase_name: PhaseName,
    /// The batch's status after the phase.
    phase_status: BatchStatus,
    /// Essays that go on to the next phase; counted.
    processed_essays: Vec<IgnoredAny>,
    /// Essays that failed the phase; counted.
    failed_essay_ids: Vec<IgnoredAny>,
    /// The request chain.
    #[serde(default)]
    correlation_id: Option<Uuid>,
}

/// The phase as ELS names it in its messages.
fn label(phase: PhaseName) -> &'static str {
    match phase {
        PhaseName::Spellcheck => "Spellcheck",
        PhaseName::AiFeedback => "AI feedback",
        PhaseName::CjAssessment => "CJ assessment",
        PhaseName::Nlp => "NLP analysis",
        PhaseName::StudentMatching => "Student matching",
    }
}

impl DomainEvent for ELSBatchPhaseOutcomeV1 {
    fn into_parts(self) -> Result<NotificationParts, DecodeError> {
        let batch_id = require_id("data.batch_id", self.batch_id)?;
        let succeeded = self.processed_essays.len();
        let failed = self.failed_essay_ids.len();
        let total = succeeded + failed;
        let outcome = if failed == 0 {
            format!("All {total} essays completed successfully")
        } else {
            format!("{succeeded} of {total} essays completed successfully")
        };
        let message = format!("{} completed for batch: {outcome}", label(self.phase_name));
        let payload = payload! {
            "batch_id" => batch_id.clone(),
            "phase_name" => self.phase_name.as_str(),
            "phase_status" => self.phase_status.as_str(),
            "success_count" => succeeded,
            "failed_count" => failed,
            "total_count" => total,
            "message" => message,
        };
        // The event has no time of its own: the envelope's dates it.
        Ok(NotificationParts::new(Recipient::OwnerOf(OwnerKey::Batch(batch_id.clone())), payload)
            .batch(Some(batch_id))
            .correlation(self.correlation_id.map(Uuid::into_string)))
    }
}
