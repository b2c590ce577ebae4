//! Every count in `/status` and `/metrics` is true from the first scrape and means the same in
//! both modes: a fresh instance has every family the README lists at zero, and after the same
//! publishes the embedded and the clustered hub report the same counts, each counted once, by the
//! instance that accepted (or delivered) it.

use hub::settings::{Settings, DEFAULT_TOPICS};
use serde_json::{json, Value};

use crate::cluster::redis_server::{spawn_instance, spawn_instance_with, RedisServer};
use crate::helpers::{spawn_app_with, TestApp};
use crate::kafka::cluster::{configure, Cluster};
use crate::readme::metrics_table::{assert_every_documented_family_at_zero, parse_exposition};

/// The `/status` counts and the `/metrics` counter that says the same.
const COUNTS: [(&str, &str); 5] = [
    ("/notifications/published", "hub_notifications_published_total"),
    ("/notifications/delivered", "hub_notifications_delivered_total"),
    ("/notifications/dropped/duplicate", "hub_notifications_duplicate_total"),
    ("/notifications/dropped/user_offline", "hub_notifications_user_offline_total"),
    ("/notifications/dropped/slow_client", "hub_notifications_dropped_slow_client_total"),
];

/// Kafka on (the mock broker), so its families are there too.
fn with_kafka(cluster: &Cluster) -> impl FnOnce(&mut Settings) {
    let bootstrap = cluster.bootstrap();
    move |s| configure(s, &bootstrap, "counts", DEFAULT_TOPICS.map(String::from).to_vec())
}

async fn metrics(app: &TestApp) -> String {
    reqwest::get(app.url("/metrics")).await.unwrap().text().await.unwrap()
}

/// Publishes the same traffic whatever the mode, through `publisher`: 5 notifications (each with
/// its dedupe key) to `reader`, whose socket is `tab`, the first of them again (a duplicate), and
/// 2 to a user with no socket anywhere. Waits for `tab` to get its 5.
async fn publish_traffic(publisher: &TestApp, tab: &mut crate::helpers::Client) {
    for n in 0..5 {
        let (code, _) = publisher
            .publish(json!({ "user_id": "reader", "event": "e", "data": {}, "dedupe_key": format!("k{n}") }))
            .await;
        assert_eq!(code, 202);
    }
    let (_, again) =
        publisher.publish(json!({ "user_id": "reader", "event": "e", "data": {}, "dedupe_key": "k0" })).await;
    assert_eq!(again["duplicate"], true);
    for _ in 0..2 {
        publisher.notify("absent", "e", json!({})).await;
    }
    for _ in 0..5 {
        tab.next_notification().await;
    }
}

/// Waits until `app`'s `/status` has `expected` (one per [`COUNTS`]); returns them.
async fn status_counts(app: &TestApp, expected: [u64; 5]) -> [u64; 5] {
    let read =
        |status: &Value| COUNTS.map(|(path, _)| status.pointer(path).and_then(Value::as_u64).unwrap_or(u64::MAX));
    let status = app.wait_for_status(&format!("counts {expected:?}"), |status| read(status) == expected).await;
    read(&status)
}

/// `/metrics`' value of each of [`COUNTS`] (the process's, so every instance in it).
async fn metric_counts(app: &TestApp) -> [u64; 5] {
    let exposition = parse_exposition(&metrics(app).await);
    COUNTS.map(|(_, series)| exposition.samples.get(series).copied().unwrap_or(f64::NAN) as u64)
}

#[tokio::test]
async fn embedded_counts_are_true_from_the_first_scrape_and_agree_between_status_and_metrics() {
    let kafka = Cluster::new(1, &DEFAULT_TOPICS);
    let app = spawn_app_with(with_kafka(&kafka));
    assert_every_documented_family_at_zero(&metrics(&app).await, false);

    let mut tab = app.connect("reader").await;
    publish_traffic(&app, &mut tab).await;
    // published, delivered, duplicate, user_offline, slow_client
    let expected = [7, 5, 1, 2, 0];
    assert_eq!(status_counts(&app, expected).await, expected);
    assert_eq!(metric_counts(&app).await, expected);
}

#[tokio::test]
async fn clustered_counts_are_true_from_the_first_scrape_and_each_instance_counts_what_it_accepted() {
    let kafka = Cluster::new(1, &DEFAULT_TOPICS);
    let redis = RedisServer::volatile();
    let publisher = spawn_instance_with(&redis, "publisher", with_kafka(&kafka));
    assert_every_documented_family_at_zero(&metrics(&publisher).await, true);

    let holder = spawn_instance(&redis, "holder");
    let mut tab = holder.connect("reader").await;
    publish_traffic(&publisher, &mut tab).await;
    // The publisher accepted all 7 (one a duplicate, 2 for a user with no socket on any
    // instance); the holder delivered the 5 to its socket.
    assert_eq!(status_counts(&publisher, [7, 0, 1, 2, 0]).await, [7, 0, 1, 2, 0]);
    assert_eq!(status_counts(&holder, [0, 5, 0, 0, 0]).await, [0, 5, 0, 0, 0]);
    // Both instances share this test's process, so its /metrics is their sum.
    assert_eq!(metric_counts(&publisher).await, [7, 5, 1, 2, 0]);
}
