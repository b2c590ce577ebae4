//! `BatchClientStatus`: the batch state shown to teachers, as carried by the
//! hub-defined `BatchStatusUpdatedV1` (EVENTS.md §11).

use crate::contracts::string_enum::string_enum;

string_enum! {
    /// Teacher-facing batch state.
    pub enum BatchClientStatus ("batch client status") {
        /// Essays are still being uploaded or extracted.
        PendingContent = "pending_content",
        /// Ready to process.
        Ready = "ready",
        /// A pipeline is running.
        Processing = "processing",
        /// Every essay succeeded.
        CompletedSuccessfully = "completed_successfully",
        /// Finished, with some essays failed.
        CompletedWithFailures = "completed_with_failures",
        /// The batch failed.
        Failed = "failed",
        /// Cancelled.
        Cancelled = "cancelled",
    }
}

impl BatchClientStatus {
    /// Whether the batch has stopped processing with an outcome the teacher
    /// should look at (the statuses that raise the notification priority).
    pub const fn is_outcome(self) -> bool {
        matches!(self, Self::CompletedSuccessfully | Self::CompletedWithFailures | Self::Failed)
    }
}
