//! `BatchStatus`: the platform's internal lifecycle state of a batch.

use crate::contracts::string_enum::string_enum;

string_enum! {
    /// Internal batch states, as ELS and BOS report them.
    pub enum BatchStatus ("batch status") {
        /// Uploads are being validated.
        AwaitingContentValidation = "awaiting_content_validation",
        /// Content could not be ingested.
        ContentIngestionFailed = "content_ingestion_failed",
        /// Waiting for the teacher to choose a pipeline.
        AwaitingPipelineConfiguration = "awaiting_pipeline_configuration",
        /// Ready to run.
        ReadyForPipelineExecution = "ready_for_pipeline_execution",
        /// A pipeline is running.
        ProcessingPipelines = "processing_pipelines",
        /// Waiting for the teacher to confirm essay authors.
        AwaitingStudentValidation = "awaiting_student_validation",
        /// Essay authors confirmed.
        StudentValidationCompleted = "student_validation_completed",
        /// Essay authors auto-confirmed after the review window.
        ValidationTimeoutProcessed = "validation_timeout_processed",
        /// Every essay succeeded.
        CompletedSuccessfully = "completed_successfully",
        /// Finished, with some essays failed.
        CompletedWithFailures = "completed_with_failures",
        /// The batch failed as a whole.
        FailedCritically = "failed_critically",
        /// Cancelled.
        Cancelled = "cancelled",
    }
}
