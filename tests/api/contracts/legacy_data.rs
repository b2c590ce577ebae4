//! How the legacy `data` object is assembled, beyond what the fixtures show.

use hub::contracts::Priority;
use serde_json::{json, Value};

use super::fixtures::{decode_bytes, patched, NOTIFICATION_TOPIC};

const FIXTURE: &str = "examples/teacher_notifications/batch_files_uploaded.json";

#[test]
fn an_overwritten_payload_key_keeps_its_position_like_a_python_dict_update() {
    let value = patched(FIXTURE, |envelope| {
        envelope["data"]["payload"] = json!({"priority": "whatever", "message": "m", "batch_id": "b"});
    });
    let notification = decode_bytes(NOTIFICATION_TOPIC, &value).expect("valid").notification;
    let data = notification.legacy_data();
    let keys: Vec<&str> = data.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "priority",
            "message",
            "batch_id",
            "category",
            "action_required",
            "deadline",
            "class_id",
            "correlation_id",
            "timestamp",
        ]
    );
    assert_eq!(data["priority"], Value::from(Priority::Standard.as_str()));
    assert_eq!(data["batch_id"], json!("9a1f3c5e-7b2d-4e8f-a6c4-0d2e8b7f1a35"));
}

#[test]
fn a_deadline_is_renamed_and_written_in_isoformat() {
    let value = patched(FIXTURE, |envelope| {
        envelope["data"]["deadline_timestamp"] = json!("2025-11-19T08:00:00Z");
    });
    let notification = decode_bytes(NOTIFICATION_TOPIC, &value).expect("valid").notification;
    let data = notification.legacy_data();
    assert_eq!(data["deadline"], json!("2025-11-19T08:00:00+00:00"));
    assert!(!data.contains_key("deadline_timestamp"));
}
