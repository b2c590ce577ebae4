//! Events for one batch or class keep their Kafka order while one of them waits for its owner,
//! however each names its recipient.

use std::time::Duration;

use serde_json::{json, Value};

use super::cluster::{fixture, spawn_consuming_app, wait_for_assignment, Cluster};
use crate::contracts::fixtures::{BATCH, TEACHER};

const PROVISIONED: &str = "huleedu.batch.content.provisioning.completed.v1";

/// The platform's example of `topic`, with a fresh event id and `changes` applied to `data`.
pub fn example(topic: &str, changes: Value) -> Vec<u8> {
    let mut event: Value = serde_json::from_slice(&fixture(&format!("examples/{topic}.json"))).unwrap();
    event["event_id"] = json!(uuid::Uuid::new_v4().to_string());
    for (field, value) in changes.as_object().unwrap() {
        event["data"][field] = value.clone();
    }
    event.to_string().into_bytes()
}

#[tokio::test]
async fn an_event_that_names_its_teacher_does_not_overtake_a_held_event_of_its_batch() {
    let cluster = Cluster::new(1, &[PROVISIONED]);
    let app = spawn_consuming_app(&cluster.bootstrap(), &[PROVISIONED], |s| {
        s.ownership.hold_timeout = Duration::from_secs(30);
    });
    let mut teacher = app.connect(TEACHER).await;
    wait_for_assignment(&app, 1).await;

    // ELS did not know the user: the batch's owner is awaited.
    cluster
        .produce(PROVISIONED, BATCH, &example(PROVISIONED, json!({ "user_id": "unknown", "provisioned_count": 1 })))
        .await;
    app.wait_for_status("the first event to be held", |s| s["kafka"]["topic_consumers"][PROVISIONED]["held"] == 1)
        .await;
    // The next one names the teacher (and so teaches the owner): it goes after the first.
    cluster
        .produce(PROVISIONED, BATCH, &example(PROVISIONED, json!({ "user_id": TEACHER, "provisioned_count": 2 })))
        .await;

    for n in 1..=2 {
        let frame = teacher.next_notification().await;
        assert_eq!(frame["data"]["provisioned_count"], n, "Kafka order: {frame}");
    }
    teacher.expect_silence(Duration::from_millis(200)).await;
    let status = app.status().await;
    assert_eq!(status["kafka"]["topic_consumers"][PROVISIONED]["held"], 0);
    assert_eq!(status["kafka"]["topic_consumers"][PROVISIONED]["delivered"], 2);
}
