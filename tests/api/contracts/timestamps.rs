//! Timestamps in, isoformat and RFC 3339 out, through the public API.

use serde_json::json;

use super::fixtures::{decode_bytes, patched, NOTIFICATION_TOPIC};

const FIXTURE: &str = "examples/teacher_notifications/batch_files_uploaded.json";

/// `(legacy isoformat, frame timestamp)` for a notification created at `input`.
fn written(input: serde_json::Value) -> (String, String) {
    let value = patched(FIXTURE, |envelope| envelope["data"]["timestamp"] = input);
    let notification = decode_bytes(NOTIFICATION_TOPIC, &value).expect("valid").notification;
    let legacy = notification.legacy_data()["timestamp"].as_str().expect("a string").to_owned();
    (legacy, notification.frame_timestamp())
}

#[test]
fn a_fraction_ending_in_zeros_keeps_all_six_digits() {
    let (legacy, frame) = written(json!("2025-11-18T13:42:10.12Z"));
    assert_eq!(legacy, "2025-11-18T13:42:10.120000+00:00");
    assert_eq!(frame, "2025-11-18T13:42:10.120000Z");
}

#[test]
fn a_zero_fraction_is_left_out() {
    let (legacy, frame) = written(json!("2025-11-18T13:42:10.000000Z"));
    assert_eq!(legacy, "2025-11-18T13:42:10+00:00");
    assert_eq!(frame, "2025-11-18T13:42:10Z");
}

#[test]
fn an_offset_is_converted_to_utc() {
    let (legacy, _) = written(json!("2025-11-18T15:42:10.278204+02:00"));
    assert_eq!(legacy, "2025-11-18T13:42:10.278204+00:00");
}

#[test]
fn a_naive_timestamp_is_utc() {
    let (legacy, _) = written(json!("2025-11-18T13:42:10.5"));
    assert_eq!(legacy, "2025-11-18T13:42:10.500000+00:00");
}

#[test]
fn an_unparseable_timestamp_is_invalid_data() {
    let value = patched(FIXTURE, |envelope| envelope["data"]["timestamp"] = json!("yesterday"));
    let error = decode_bytes(NOTIFICATION_TOPIC, &value).unwrap_err();
    assert_eq!(error.reason(), "invalid_data");
    assert_eq!(error.field(), Some("data.timestamp"));
}
