//! The platform's notification vocabulary (interim: replaced by the full event contracts).

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Deserialize;
use serde_json::{Map, Value};

/// `WebSocketEventCategory`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    BatchProgress,
    ProcessingResults,
    FileOperations,
    ClassManagement,
    StudentWorkflow,
    SystemAlerts,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::BatchProgress => "batch_progress",
            Category::ProcessingResults => "processing_results",
            Category::FileOperations => "file_operations",
            Category::ClassManagement => "class_management",
            Category::StudentWorkflow => "student_workflow",
            Category::SystemAlerts => "system_alerts",
        }
    }
}

/// `NotificationPriority`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Critical,
    Immediate,
    High,
    #[default]
    Standard,
    Low,
}

impl Priority {
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Critical => "critical",
            Priority::Immediate => "immediate",
            Priority::High => "high",
            Priority::Standard => "standard",
            Priority::Low => "low",
        }
    }
}

/// A notification for one teacher.
#[derive(Debug, Clone)]
pub struct Notification {
    pub user_id: String,
    pub event: String,
    pub category: Option<Category>,
    pub priority: Priority,
    pub action_required: bool,
    pub deadline: Option<DateTime<Utc>>,
    pub batch_id: Option<String>,
    pub class_id: Option<String>,
    pub correlation_id: String,
    pub timestamp: DateTime<Utc>,
    pub payload: Map<String, Value>,
}

impl Notification {
    /// `data` as today's Python service builds it.
    pub fn legacy_data(&self) -> Map<String, Value> {
        let mut data = self.payload.clone();
        data.insert("category".into(), self.category.map(|c| c.as_str()).into());
        data.insert("priority".into(), self.priority.as_str().into());
        data.insert("action_required".into(), self.action_required.into());
        data.insert("deadline".into(), self.deadline.map(isoformat).into());
        data.insert("batch_id".into(), self.batch_id.clone().into());
        data.insert("class_id".into(), self.class_id.clone().into());
        data.insert("correlation_id".into(), self.correlation_id.clone().into());
        data.insert("timestamp".into(), isoformat(self.timestamp).into());
        data
    }

    /// The frame's timestamp: RFC 3339 with `Z`.
    pub fn frame_timestamp(&self) -> String {
        self.timestamp.to_rfc3339_opts(SecondsFormat::AutoSi, true)
    }
}

/// Python's `datetime.isoformat()` of a UTC datetime.
fn isoformat(t: DateTime<Utc>) -> String {
    let micros = t.timestamp_subsec_micros();
    if micros == 0 {
        t.format("%Y-%m-%dT%H:%M:%S+00:00").to_string()
    } else {
        format!("{}.{micros:06}+00:00", t.format("%Y-%m-%dT%H:%M:%S"))
    }
}
