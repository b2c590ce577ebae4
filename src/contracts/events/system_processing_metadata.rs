//! `SystemProcessingMetadata`: the processing bookkeeping several events
//! nest (as `metadata` or `system_metadata`). Where the top-level id fields
//! are null, the ids live here.

use serde::Deserialize;

use crate::contracts::timestamp::Timestamp;

#[derive(Deserialize)]
pub(crate) struct SystemProcessingMetadata {
    /// The entity processed: a batch id, or an essay id for per-essay events.
    pub(crate) entity_id: String,
    /// The batch an essay belongs to, for per-essay events.
    #[serde(default)]
    pub(crate) parent_id: Option<String>,
    /// When the metadata was written; inside `data`, so stable across
    /// outbox replays.
    #[serde(default)]
    pub(crate) timestamp: Option<Timestamp>,
    /// Failure details, for failure events.
    #[serde(default)]
    pub(crate) error_info: ErrorInfo,
}

/// The parts of `error_info` shown to teachers.
#[derive(Default, Deserialize)]
pub(crate) struct ErrorInfo {
    /// Short machine reason, e.g. `low_success_rate`.
    #[serde(default)]
    pub(crate) reason: Option<String>,
}
