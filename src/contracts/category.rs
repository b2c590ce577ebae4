//! `WebSocketEventCategory`: how the dashboard groups a notification.

use crate::contracts::string_enum::string_enum;

string_enum! {
    /// UI grouping of a notification (EVENTS.md §5).
    pub enum Category ("category") {
        /// Progress of a batch through the pipeline.
        BatchProgress = "batch_progress",
        /// Results ready to look at.
        ProcessingResults = "processing_results",
        /// Files uploaded or removed.
        FileOperations = "file_operations",
        /// Classes and students.
        ClassManagement = "class_management",
        /// Essay-to-student matching and confirmation.
        StudentWorkflow = "student_workflow",
        /// Errors the teacher must see.
        SystemAlerts = "system_alerts",
    }
}

#[cfg(test)]
mod tests {
    use super::Category;

    #[test]
    fn every_value_round_trips() {
        for value in Category::VALUES {
            let category: Category = value.parse().expect("a listed value parses");
            assert_eq!(category.as_str(), *value);
        }
        let error = "batch_updates".parse::<Category>().unwrap_err();
        assert_eq!(error.to_string(), "unknown category `batch_updates`");
    }
}
