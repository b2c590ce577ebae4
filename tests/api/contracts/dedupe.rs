//! The dedupe key catches an outbox replay (new event_id and
//! event_timestamp, same data) and nothing else.

use serde_json::{json, Map, Value};

use super::fixtures::{decode_bytes, patched, NOTIFICATION_TOPIC};

const FILE_ADDED_TOPIC: &str = "huleedu.file.batch.file.added.v1";
const FILE_ADDED: &str = "examples/huleedu.file.batch.file.added.v1.json";

fn key(topic: &str, value: &[u8]) -> String {
    decode_bytes(topic, value).expect("valid").notification.dedupe_key()
}

/// What the relay does: a fresh envelope id and time around the same data.
fn relayed(envelope: &mut Value) {
    envelope["event_id"] = json!("0d9c4b7e-2a61-4f3e-9b85-7c1e0a6d3f24");
    envelope["event_timestamp"] = json!("2025-11-18T13:45:00.5Z");
}

#[test]
fn a_relayed_copy_has_the_same_key() {
    let original = key(FILE_ADDED_TOPIC, &patched(FILE_ADDED, |_| {}));
    let replay = key(FILE_ADDED_TOPIC, &patched(FILE_ADDED, relayed));
    assert_eq!(original, replay);
}

#[test]
fn a_copy_with_data_keys_reordered_has_the_same_key() {
    let original = key(FILE_ADDED_TOPIC, &patched(FILE_ADDED, |_| {}));
    let reordered = patched(FILE_ADDED, |envelope| {
        relayed(envelope);
        let data = envelope["data"].as_object().expect("object").clone();
        let reversed: Map<String, Value> = data.into_iter().rev().collect();
        envelope["data"] = Value::Object(reversed);
    });
    assert_eq!(original, key(FILE_ADDED_TOPIC, &reordered));
}

#[test]
fn different_content_has_a_different_key() {
    let original = key(FILE_ADDED_TOPIC, &patched(FILE_ADDED, |_| {}));
    let other_file = patched(FILE_ADDED, |envelope| {
        relayed(envelope);
        envelope["data"]["filename"] = json!("Uppsats_2.docx");
    });
    assert_ne!(original, key(FILE_ADDED_TOPIC, &other_file));
}

#[test]
fn a_renotification_at_another_time_has_a_different_key() {
    let fixture = "examples/teacher_notifications/batch_results_ready.json";
    let first = key(NOTIFICATION_TOPIC, &patched(fixture, |_| {}));
    let again = patched(fixture, |envelope| {
        envelope["data"]["timestamp"] = json!("2025-11-18T15:00:00Z");
    });
    assert_ne!(first, key(NOTIFICATION_TOPIC, &again));
}

#[test]
fn the_key_names_topic_event_and_recipient() {
    let key = key(FILE_ADDED_TOPIC, &patched(FILE_ADDED, |_| {}));
    assert!(
        key.starts_with(
            "huleedu.file.batch.file.added.v1|batch_files_uploaded|user:3f6c1a2e-8d4b-4e7f-9a15-c2b7d0e9f481|"
        ),
        "{key}"
    );
}
