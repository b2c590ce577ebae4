use std::time::{Duration, Instant};

use serde_json::json;

use super::redis_server::{spawn_instance, RedisServer};
use crate::helpers::{eventually, TestApp, PROMPTLY};

async fn subscriber_state(app: &TestApp) -> String {
    let (_, ready) = app.get_json(&app.url("/readyz"), None).await;
    ready["redis"]["state"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn a_redis_outage_keeps_sockets_open_answers_503_quickly_and_loses_nothing_accepted() {
    let mut redis = RedisServer::persistent();
    let a = spawn_instance(&redis, "a");
    let b = spawn_instance(&redis, "b");
    let mut tab = a.connect("teacher").await;
    b.notify("teacher", "before", json!({ "n": 0 })).await;
    assert_eq!(tab.next_notification().await["data"]["n"], 0);

    redis.kill();
    let started = Instant::now();
    let (code, body) = b.publish(json!({ "user_id": "teacher", "event": "during", "data": {} })).await;
    assert_eq!(code, 503, "{body}");
    assert!(started.elapsed() < Duration::from_millis(1500), "503 within about a second: {:?}", started.elapsed());
    let item = json!({ "user_id": "teacher", "event": "during", "data": {} });
    let (code, body) = b.publish_batch(&json!([item, item]).to_string()).await;
    assert_eq!((code, body["accepted"].as_u64(), body["failed"].as_u64()), (200, Some(0), Some(2)), "{body}");
    assert!(body["results"].as_array().unwrap().iter().all(|result| result["status"] == 503), "{body}");
    let (code, ready) = a.get_json(&a.url("/readyz"), None).await;
    assert_eq!(code, 200, "an outage of Redis does not take the instance out of the load balancer");
    assert!(ready["redis"]["state"].is_string());

    redis.start();
    // Accepted right after the restart, published before a's subscriber is back: the catch-up
    // from history delivers it to the socket that stayed open.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (code, _) = b.publish(json!({ "user_id": "teacher", "event": "after", "data": { "n": 1 } })).await;
        if code == 202 {
            break;
        }
        assert!(Instant::now() < deadline, "publishing never recovered");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let frame = tab.next_notification().await;
    assert_eq!(frame["data"]["n"], 1, "{frame}");
    b.notify("teacher", "later", json!({ "n": 2 })).await;
    assert_eq!(tab.next_notification().await["data"]["n"], 2);
    tab.expect_silence(Duration::from_millis(300)).await;
}

#[tokio::test]
async fn when_redis_loses_its_data_connected_clients_are_told_to_resync() {
    let mut redis = RedisServer::volatile();
    let a = spawn_instance(&redis, "a");
    let mut tab = a.connect("teacher").await;
    a.notify("teacher", "before", json!({})).await;
    let before = tab.next_notification().await;

    redis.kill();
    redis.start();
    let resync = tab.next_frame_within(Duration::from_secs(10)).await.expect("a resync after the data loss");
    assert_eq!(resync["type"], "resync", "{resync}");
    assert_ne!(resync["epoch"], before["epoch"], "the epoch changes when history is lost");
    let frame = loop {
        let (code, body) = a.publish(json!({ "user_id": "teacher", "event": "after", "data": {} })).await;
        if code == 202 {
            break tab.next_notification().await;
        }
        assert_eq!(code, 503, "{body}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(frame["epoch"], resync["epoch"]);
}

#[tokio::test]
async fn a_notification_published_while_the_subscription_was_down_reaches_the_open_socket_before_later_ones() {
    let redis = RedisServer::volatile();
    let a = spawn_instance(&redis, "a");
    let mut tab = a.connect("teacher").await;
    a.notify("teacher", "before", json!({})).await;
    assert_eq!(tab.next_notification().await["event"], "before");

    // The subscriber connection drops, and the client library reconnects and resubscribes by
    // itself. The hub's own check (a PING every second), after which sessions catch up from
    // history, is held off until a notification was stored while no one heard it (as one
    // published during the drop is) and a later one was heard live.
    redis.refuse_ping(true);
    redis.kill_subscribers();
    let deadline = Instant::now() + PROMPTLY;
    while subscriber_state(&a).await != "disconnected" {
        assert!(Instant::now() < deadline, "the instance noticed its subscriber connection dropped");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    eventually("the client library's own resubscription", PROMPTLY, || !redis.channels_with("teacher").is_empty())
        .await;
    let gap = redis.append_unpublished(r#""event":"before""#, r#""event":"gap""#);
    a.notify("teacher", "live", json!({})).await;
    redis.refuse_ping(false);

    let first = tab.next_frame().await;
    if first["type"] != "resync" {
        assert_eq!((&first["event"], &first["id"]), (&json!("gap"), &json!(gap)), "the missed one first: {first}");
    }
    assert_eq!(tab.next_notification().await["event"], "live");
    tab.expect_silence(Duration::from_millis(300)).await;
}
