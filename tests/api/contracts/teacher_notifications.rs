//! Every `TeacherNotificationRequestedV1` example produces exactly the
//! Redis message today's Python websocket service publishes for it.

use hub::contracts::Recipient;
use serde_json::{json, Value};

use super::fixtures::{decode_fixture, envelope_files, read, NOTIFICATION_TOPIC};

const DIR: &str = "examples/teacher_notifications";

/// The golden file's channel and its `message`, parsed in key order.
fn golden(stem: &str) -> (String, Value) {
    let golden: Value = serde_json::from_slice(&read(&format!("{DIR}/{stem}.redis.json"))).expect("golden is JSON");
    let channel = golden["channel"].as_str().expect("channel").to_owned();
    let message = golden["message"].as_str().expect("message is a string");
    (channel, serde_json::from_str(message).expect("message is JSON"))
}

fn keys(value: &Value) -> Vec<&str> {
    value.as_object().expect("an object").keys().map(String::as_str).collect()
}

#[test]
fn every_teacher_notification_matches_the_legacy_redis_message() {
    let files = envelope_files(DIR);
    assert_eq!(files.len(), 16, "EVENTS.md §6 lists 16 notification types");
    for file in files {
        let stem = file.trim_end_matches(".json");
        let decoded = decode_fixture(NOTIFICATION_TOPIC, &format!("{DIR}/{file}"));
        let notification = decoded.notification;
        let (channel, expected) = golden(stem);

        let actual = json!({"event": notification.event, "data": notification.legacy_data()});
        assert_eq!(actual, expected, "{stem}: message differs");
        assert_eq!(keys(&actual["data"]), keys(&expected["data"]), "{stem}: key order differs");
        assert_eq!(notification.event, stem, "{stem}: file is named after the notification type");

        let user = channel.strip_prefix("ws:").expect("channel starts with ws:");
        assert_eq!(notification.recipient, Recipient::User(user.to_owned()), "{stem}");
    }
}
