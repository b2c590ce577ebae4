use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{json, Value};

use super::cluster::{configure, fixture, wait_for_assignment, Cluster};
use crate::contracts::fixtures::TEACHER;
use crate::helpers::{spawn_app_with, Client, TestApp};

const TOPIC: &str = "huleedu.notification.teacher.requested.v1";

/// A distinct teacher notification: stream `key`, position `n` in it.
fn event(key: &str, n: usize) -> Value {
    let mut event: Value =
        serde_json::from_slice(&fixture("examples/teacher_notifications/batch_files_uploaded.json")).unwrap();
    event["event_id"] = json!(uuid::Uuid::new_v4().to_string());
    event["data"]["payload"]["stream"] = json!(key);
    event["data"]["payload"]["n"] = json!(n);
    event["data"]["timestamp"] = json!(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true));
    event
}

/// The same notification re-published by the outbox relay: new `event_id` and
/// `event_timestamp`, the same `data`.
fn republished(original: &Value) -> Value {
    let mut copy = original.clone();
    copy["event_id"] = json!(uuid::Uuid::new_v4().to_string());
    copy["event_timestamp"] = json!("2030-01-01T00:00:00Z");
    copy
}

fn spawn_member(bootstrap: &str, group: &str) -> TestApp {
    let (bootstrap, group) = (bootstrap.to_owned(), group.to_owned());
    spawn_app_with(move |s| configure(s, &bootstrap, &group, vec![TOPIC.into()]))
}

/// Reads notifications until `want` have arrived, recording (stream, n) in arrival order.
async fn collect(tab: &mut Client, want: usize, into: &mut Vec<(String, u64)>) {
    for _ in 0..want {
        let frame = tab.next_notification().await;
        into.push((frame["data"]["stream"].as_str().unwrap().to_owned(), frame["data"]["n"].as_u64().unwrap()));
    }
}

fn assert_each_once_in_order(received: &[(String, u64)], streams: &[&str], per_stream: u64) {
    let mut by_stream: BTreeMap<&str, Vec<u64>> = BTreeMap::new();
    for (stream, n) in received {
        by_stream.entry(stream.as_str()).or_default().push(*n);
    }
    for stream in streams {
        let expected: Vec<u64> = (0..per_stream).collect();
        assert_eq!(by_stream.get(stream), Some(&expected), "stream {stream}: every event once, in partition order");
    }
}

#[tokio::test]
async fn duplicates_republished_envelopes_malformed_events_and_a_restart_deliver_every_good_event_once_in_order() {
    let cluster = Cluster::new(1, &[TOPIC]);
    let group = format!("restart-{}", uuid::Uuid::new_v4().simple());
    let streams = ["s-a", "s-b", "s-c"];
    const PER_STREAM: usize = 10;
    let first = spawn_member(&cluster.bootstrap(), &group);
    let mut tab = first.connect(TEACHER).await;
    wait_for_assignment(&first, 1).await;

    let mut received = Vec::new();
    for n in 0..PER_STREAM / 2 {
        for key in streams {
            let original = event(key, n);
            cluster.produce(TOPIC, key, original.to_string().as_bytes()).await;
            cluster.produce(TOPIC, key, original.to_string().as_bytes()).await; // an exact duplicate
            cluster.produce(TOPIC, key, republished(&original).to_string().as_bytes()).await;
            cluster.produce(TOPIC, key, b"\x00 not an envelope").await;
        }
    }
    collect(&mut tab, streams.len() * PER_STREAM / 2, &mut received).await;
    tab.expect_silence(Duration::from_millis(300)).await;
    let status = first.status().await;
    assert_eq!(status["kafka"]["topic_consumers"][TOPIC]["duplicates"], streams.len() * PER_STREAM);

    // A graceful restart: what the first member handled is committed, not redelivered.
    first.shutdown().trigger();
    assert_eq!(tab.close_code().await, 1001);
    first.wait_stopped(Duration::from_secs(10)).await;
    let second = spawn_member(&cluster.bootstrap(), &group);
    let mut tab = second.connect(TEACHER).await;
    wait_for_assignment(&second, 1).await;
    for n in PER_STREAM / 2..PER_STREAM {
        for key in streams {
            let original = event(key, n);
            cluster.produce(TOPIC, key, original.to_string().as_bytes()).await;
            cluster.produce(TOPIC, key, republished(&original).to_string().as_bytes()).await;
        }
    }
    collect(&mut tab, streams.len() * PER_STREAM / 2, &mut received).await;
    tab.expect_silence(Duration::from_millis(500)).await;
    assert_each_once_in_order(&received, &streams, PER_STREAM as u64);
}

#[tokio::test]
async fn the_hub_starts_with_the_broker_down_serves_sockets_and_loses_nothing_across_outages() {
    let cluster = Cluster::new(1, &[TOPIC]);
    cluster.mock.broker_down(1).unwrap();
    let group = format!("outage-{}", uuid::Uuid::new_v4().simple());
    let app = spawn_member(&cluster.bootstrap(), &group);

    // Down at start: the hub serves sockets and says so in /readyz's body, not its status.
    let mut tab = app.connect(TEACHER).await;
    let (code, ready) = app.get_json(&app.url("/readyz"), None).await;
    assert_eq!(code, 200, "{ready}");
    assert_eq!(ready["kafka"]["state"], "disconnected");
    app.notify(TEACHER, "via_http", json!({})).await;
    assert_eq!(tab.next_notification().await["event"], "via_http");

    cluster.mock.broker_up(1).unwrap();
    wait_for_assignment(&app, 1).await;
    let mut received = Vec::new();
    for n in 0..3 {
        cluster.produce(TOPIC, "s", event("s", n).to_string().as_bytes()).await;
    }
    collect(&mut tab, 3, &mut received).await;
    app.wait_for_status("kafka to report connected", |s| s["kafka"]["health"]["state"] == "connected").await;

    // Down mid-run: events produced during the outage arrive once it is back.
    cluster.mock.broker_down(1).unwrap();
    app.wait_for_status_within("kafka to report the outage", Duration::from_secs(10), |s| {
        s["kafka"]["health"]["state"] == "disconnected"
    })
    .await;
    let produced = async {
        for n in 3..6 {
            cluster.produce(TOPIC, "s", event("s", n).to_string().as_bytes()).await;
        }
    };
    let restore = async {
        tokio::time::sleep(Duration::from_secs(2)).await;
        cluster.mock.broker_up(1).unwrap();
    };
    tokio::join!(produced, restore);
    collect(&mut tab, 3, &mut received).await;
    assert_each_once_in_order(&received, &["s"], 6);
}
