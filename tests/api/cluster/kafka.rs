//! Kafka in the clustered mode: events consumed by one instance reach sockets on another, and
//! neither a killed instance nor a Redis restart loses or doubles anything.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{json, Value};

use super::redis_server::{spawn_instance, spawn_instance_with, RedisServer};
use crate::contracts::fixtures::TEACHER;
use crate::helpers::{Client, HubProcess, TestApp};
use crate::kafka::cluster::{configure, fixture, wait_for_assignment, Cluster};

const TOPIC: &str = "huleedu.notification.teacher.requested.v1";

/// A fresh teacher notification, `n`-th of `stream` (its Kafka key, so one partition).
fn event(stream: &str, n: usize) -> Vec<u8> {
    let mut event: Value =
        serde_json::from_slice(&fixture("examples/teacher_notifications/batch_files_uploaded.json")).unwrap();
    event["event_id"] = json!(uuid::Uuid::new_v4().to_string());
    event["data"]["payload"]["stream"] = json!(stream);
    event["data"]["payload"]["n"] = json!(n);
    event["data"]["timestamp"] = json!(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true));
    event.to_string().into_bytes()
}

fn consuming(redis: &RedisServer, instance: &str, bootstrap: &str, group: &str) -> TestApp {
    let (bootstrap, group) = (bootstrap.to_owned(), group.to_owned());
    spawn_instance_with(redis, instance, move |s| configure(s, &bootstrap, &group, vec![TOPIC.into()]))
}

async fn read(tab: &mut Client, count: usize, into: &mut Vec<(String, u64)>) {
    for _ in 0..count {
        let frame = tab.next_notification().await;
        into.push((frame["data"]["stream"].as_str().unwrap().to_owned(), frame["data"]["n"].as_u64().unwrap()));
    }
}

fn assert_once_in_order(received: &[(String, u64)], streams: &[&str], per_stream: u64) {
    let mut by_stream: BTreeMap<&str, Vec<u64>> = BTreeMap::new();
    for (stream, n) in received {
        by_stream.entry(stream.as_str()).or_default().push(*n);
    }
    for stream in streams {
        assert_eq!(by_stream.get(stream), Some(&(0..per_stream).collect()), "stream {stream}: each once, in order");
    }
}

#[tokio::test]
async fn a_user_on_one_instance_receives_events_another_instance_consumed() {
    let redis = RedisServer::volatile();
    let kafka = Cluster::new(1, &[TOPIC]);
    let group = format!("cluster-{}", uuid::Uuid::new_v4().simple());
    let holder = spawn_instance(&redis, "holder");
    let consumer = consuming(&redis, "consumer", &kafka.bootstrap(), &group);
    let mut tab = holder.connect(TEACHER).await;
    wait_for_assignment(&consumer, 1).await;
    for n in 0..5 {
        kafka.produce(TOPIC, "s", &event("s", n)).await;
    }
    let mut received = Vec::new();
    read(&mut tab, 5, &mut received).await;
    assert_once_in_order(&received, &["s"], 5);
}

#[tokio::test]
async fn an_instance_killed_mid_stream_loses_nothing_its_partitions_and_clients_move_to_a_survivor() {
    let redis = RedisServer::volatile();
    let kafka = Cluster::new(1, &[TOPIC]);
    let group = format!("kill-{}", uuid::Uuid::new_v4().simple());
    let bootstrap = kafka.bootstrap();
    let redis_url = redis.url();
    let mut doomed = HubProcess::start(&[
        ("HUB__REDIS__URL", redis_url.as_str()),
        ("HUB__SERVER__INSTANCE_ID", "doomed"),
        ("HUB__KAFKA__BROKERS", bootstrap.as_str()),
        ("HUB__KAFKA__GROUP_ID", group.as_str()),
        ("HUB__KAFKA__TOPICS", TOPIC),
        ("HUB__KAFKA__AUTO_OFFSET_RESET", "earliest"),
        ("HUB__KAFKA__PROPERTIES", "session.timeout.ms=6000,heartbeat.interval.ms=500"),
        ("HUB__LOG__FILTER", "warn,hub::startup=info"),
    ]);
    let doomed_port = doomed.port().await;
    let token = crate::helpers::token_with(json!({ "sub": TEACHER, "exp": crate::helpers::now() + 3600 }));
    let (ws, _) =
        tokio_tungstenite::connect_async(format!("ws://127.0.0.1:{doomed_port}/ws?token={token}")).await.unwrap();
    let mut tab = Client::from_stream(ws);

    let streams = ["s-a", "s-b", "s-c"];
    let mut received = Vec::new();
    for n in 0..4 {
        for stream in streams {
            kafka.produce(TOPIC, stream, &event(stream, n)).await;
        }
    }
    read(&mut tab, 12, &mut received).await;

    // More events, and the instance dies without committing or closing anything.
    for n in 4..6 {
        for stream in streams {
            kafka.produce(TOPIC, stream, &event(stream, n)).await;
        }
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    doomed.kill();

    let survivor = consuming(&redis, "survivor", &kafka.bootstrap(), &group);
    for n in 6..8 {
        for stream in streams {
            kafka.produce(TOPIC, stream, &event(stream, n)).await;
        }
    }
    // The tab reconnects to the survivor and resumes from the last frame it saw.
    let seen = received.len();
    let last = tab.last_notification.clone().expect("the tab saw frames");
    let (since, epoch) = (last["id"].as_str().unwrap(), last["epoch"].as_str().unwrap());
    let mut tab = survivor
        .connect_query(&format!("?token={}&since={since}&epoch={epoch}", survivor.token(TEACHER)))
        .await
        .unwrap();
    wait_for_assignment(&survivor, 1).await;
    let mut after = Vec::new();
    read(&mut tab, 8 * streams.len() - seen, &mut after).await;
    tab.expect_silence(Duration::from_millis(500)).await;
    received.extend(after);
    assert_once_in_order(&received, &streams, 8);
}

#[tokio::test]
async fn redis_stopped_and_restarted_mid_stream_loses_nothing_that_was_accepted() {
    let mut redis = RedisServer::persistent();
    let kafka = Cluster::new(1, &[TOPIC]);
    let group = format!("redis-{}", uuid::Uuid::new_v4().simple());
    let hub = consuming(&redis, "a", &kafka.bootstrap(), &group);
    let mut tab = hub.connect(TEACHER).await;
    wait_for_assignment(&hub, 1).await;
    let mut received = Vec::new();
    for n in 0..3 {
        kafka.produce(TOPIC, "s", &event("s", n)).await;
    }
    read(&mut tab, 3, &mut received).await;

    redis.kill();
    for n in 3..6 {
        kafka.produce(TOPIC, "s", &event("s", n)).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let status = hub.status().await;
    assert_eq!(status["sockets"], 1, "the socket stays open through the outage");
    redis.start();
    for n in 6..9 {
        kafka.produce(TOPIC, "s", &event("s", n)).await;
    }
    read(&mut tab, 6, &mut received).await;
    tab.expect_silence(Duration::from_millis(500)).await;
    assert_once_in_order(&received, &["s"], 9);
}
