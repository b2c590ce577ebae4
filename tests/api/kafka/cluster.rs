//! A `MockCluster` (librdkafka's in-process Kafka-protocol broker) with a producer, and a hub
//! consuming from it. The cluster is `!Send`: it stays on the test's thread.

use std::path::Path;
use std::time::Duration;

use hub::settings::{OffsetReset, Settings};
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::mocking::MockCluster;
use rdkafka::producer::{DefaultProducerContext, FutureProducer, FutureRecord};
use rdkafka::ClientConfig;

use crate::helpers::{spawn_app_with, TestApp};

/// Partitions of every test topic.
pub const PARTITIONS: i32 = 3;

pub struct Cluster {
    pub mock: MockCluster<'static, DefaultProducerContext>,
    producer: FutureProducer,
}

impl Cluster {
    /// A cluster of `brokers` with `topics`, each of [`PARTITIONS`] partitions.
    pub fn new(brokers: i32, topics: &[&str]) -> Cluster {
        let mock = MockCluster::new(brokers).expect("the mock cluster starts");
        for topic in topics {
            mock.create_topic(topic, PARTITIONS, 1).expect("the topic is created");
        }
        let producer = ClientConfig::new()
            .set("bootstrap.servers", mock.bootstrap_servers())
            .set("message.timeout.ms", "30000")
            .set("linger.ms", "0")
            .set("message.max.bytes", "2000000")
            .create()
            .expect("the producer starts");
        Cluster { mock, producer }
    }

    pub fn bootstrap(&self) -> String {
        self.mock.bootstrap_servers()
    }

    /// Produces `value` with `key`; waits for the acknowledgement.
    pub async fn produce(&self, topic: &str, key: &str, value: &[u8]) {
        self.produce_to(topic, None, key, value).await;
    }

    /// Produces to one partition.
    pub async fn produce_to(&self, topic: &str, partition: Option<i32>, key: &str, value: &[u8]) {
        let mut record = FutureRecord::to(topic)
            .key(key)
            .payload(value)
            .headers(OwnedHeaders::new().insert(Header { key: "test", value: Some("1") }));
        if let Some(partition) = partition {
            record = record.partition(partition);
        }
        self.producer.send(record, Duration::from_secs(30)).await.expect("the broker acknowledges");
    }
}

/// A hub consuming `topics` from `cluster`, from the earliest offset, with notifications of any
/// age accepted (the fixtures are from 2025), in its own consumer group.
pub fn spawn_consuming_app(bootstrap: &str, topics: &[&str], customise: impl FnOnce(&mut Settings)) -> TestApp {
    let group = format!("test-{}", uuid::Uuid::new_v4().simple());
    let bootstrap = bootstrap.to_owned();
    let topics: Vec<String> = topics.iter().map(|t| t.to_string()).collect();
    spawn_app_with(move |s| {
        configure(s, &bootstrap, &group, topics);
        customise(s);
    })
}

/// Kafka settings for tests: a fast group join on the mock broker.
pub fn configure(s: &mut Settings, bootstrap: &str, group: &str, topics: Vec<String>) {
    s.kafka.brokers = bootstrap.to_owned();
    s.kafka.group_id = group.to_owned();
    s.kafka.topics = topics;
    s.kafka.auto_offset_reset = OffsetReset::Earliest;
    s.kafka.max_notification_age = Duration::from_secs(100 * 365 * 24 * 3600);
    s.kafka.retry_backoff_max = Duration::from_millis(500);
    s.kafka.properties = ["session.timeout.ms=6000", "heartbeat.interval.ms=500"]
        .into_iter()
        .map(|p| p.to_owned().try_into().unwrap())
        .collect();
}

/// Waits until the hub has every partition of its topics assigned.
pub async fn wait_for_assignment(app: &TestApp, topics: usize) {
    let expected = topics as u64 * PARTITIONS as u64;
    app.wait_for_status_within("all partitions to be assigned", Duration::from_secs(30), |s| {
        let assigned: u64 = s["kafka"]["topic_consumers"]
            .as_object()
            .map(|t| t.values().map(|c| c["partitions"].as_u64().unwrap_or(0)).sum())
            .unwrap_or(0);
        assigned == expected
    })
    .await;
}

/// A fixture's bytes, by path relative to the contracts folder.
pub fn fixture(relative: &str) -> Vec<u8> {
    std::fs::read(crate::contracts::fixtures::contracts_dir().join(relative)).unwrap()
}

/// Every `examples/*.json` envelope: (topic, bytes).
pub fn domain_examples() -> Vec<(String, Vec<u8>)> {
    let dir = crate::contracts::fixtures::contracts_dir().join("examples");
    let mut examples: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| (topic_of(&p), std::fs::read(&p).unwrap()))
        .collect();
    examples.sort();
    examples
}

fn topic_of(path: &Path) -> String {
    path.file_stem().unwrap().to_string_lossy().into_owned()
}
