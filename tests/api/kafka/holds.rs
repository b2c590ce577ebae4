//! Events held for an unknown owner are bounded in bytes as well as in count; at the bound the
//! partition waits, and nothing is lost.

use std::time::Duration;

use serde_json::json;

use super::cluster::{spawn_consuming_app, wait_for_assignment, Cluster};
use super::ordering::example;
use crate::contracts::fixtures::{BATCH, TEACHER};

const COMPLETED: &str = "huleedu.cj_assessment.completed.v1";

#[tokio::test]
async fn at_the_held_byte_bound_the_partition_waits_and_nothing_is_lost() {
    let events: Vec<Vec<u8>> =
        (0..4).map(|n| example(COMPLETED, json!({ "cj_assessment_job_id": format!("job-{n}") }))).collect();
    let size = events[0].len();
    assert!(events.iter().all(|event| event.len() == size));
    let cluster = Cluster::new(1, &[COMPLETED]);
    let app = spawn_consuming_app(&cluster.bootstrap(), &[COMPLETED], |s| {
        s.ownership.hold_timeout = Duration::from_secs(30);
        s.kafka.max_message_bytes = size;
        // Room for two events' bytes, not three; the count bound is far away.
        s.ownership.max_held_bytes = 2 * size + size / 2;
    });
    let mut teacher = app.connect(TEACHER).await;
    wait_for_assignment(&app, 1).await;

    for event in &events {
        cluster.produce(COMPLETED, BATCH, event).await;
    }
    // The third was read and waits for room; the fourth waits behind it, unread.
    app.wait_for_status("two events held and the third waiting for room", |s| {
        let topic = &s["kafka"]["topic_consumers"][COMPLETED];
        topic["held"] == 2 && topic["consumed"] == 3
    })
    .await;
    teacher.expect_silence(Duration::from_millis(200)).await;

    app.learn_owners(json!({ "user_id": TEACHER, "batch_id": BATCH })).await;
    for n in 0..4 {
        let frame = teacher.next_notification().await;
        assert_eq!(frame["data"]["assessment_job_id"], format!("job-{n}"), "in Kafka order: {frame}");
    }
    let status = app
        .wait_for_status("every event resolved", |s| s["kafka"]["topic_consumers"][COMPLETED]["delivered"] == 4)
        .await;
    assert_eq!(status["kafka"]["topic_consumers"][COMPLETED]["held"], 0);
}
