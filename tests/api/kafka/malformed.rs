use std::collections::HashMap;
use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{Headers, Message};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};
use serde_json::{json, Value};

use super::cluster::{fixture, spawn_consuming_app, wait_for_assignment, Cluster, PARTITIONS};
use crate::contracts::fixtures::TEACHER;

const TEACHER_TOPIC: &str = "huleedu.notification.teacher.requested.v1";
const DEAD: &str = "hub.dead-letters";

/// A message read back from the dead-letter topic.
#[derive(Debug)]
pub struct Letter {
    pub reason: String,
    pub payload: Vec<u8>,
    pub headers: HashMap<String, String>,
}

/// Reads `count` messages from every partition of `topic`, from the beginning.
pub async fn read_dead_letters(bootstrap: &str, topic: &str, count: usize) -> Vec<Letter> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", format!("reader-{}", uuid::Uuid::new_v4().simple()))
        .set("enable.auto.commit", "false")
        .create()
        .unwrap();
    let mut partitions = TopicPartitionList::new();
    for p in 0..PARTITIONS {
        partitions.add_partition_offset(topic, p, Offset::Beginning).unwrap();
    }
    consumer.assign(&partitions).unwrap();
    let mut letters = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while letters.len() < count {
        assert!(Instant::now() < deadline, "only {} of {count} dead letters arrived: {letters:?}", letters.len());
        match consumer.poll(Duration::ZERO) {
            Some(Ok(message)) => {
                let headers: HashMap<String, String> = message
                    .headers()
                    .map(|h| {
                        h.iter()
                            .map(|h| {
                                (h.key.to_owned(), String::from_utf8_lossy(h.value.unwrap_or_default()).into_owned())
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                letters.push(Letter {
                    reason: headers.get("hub-dead-letter-reason").cloned().unwrap_or_default(),
                    payload: message.payload().unwrap_or_default().to_vec(),
                    headers,
                });
            }
            Some(Err(error)) => panic!("reading dead letters: {error}"),
            None => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    }
    letters
}

/// The topic a malformed fixture is produced to: the one its envelope claims when the hub
/// consumes it, else the teacher-notification topic.
fn topic_for(bytes: &[u8], topics: &[&'static str]) -> &'static str {
    let claimed = serde_json::from_slice::<Value>(bytes).ok().and_then(|v| v["event_type"].as_str().map(str::to_owned));
    topics.iter().copied().find(|t| claimed.as_deref() == Some(*t)).unwrap_or(TEACHER_TOPIC)
}

#[tokio::test]
async fn every_malformed_input_is_dead_lettered_counted_and_committed_and_the_next_good_event_arrives() {
    let topics = [
        TEACHER_TOPIC,
        "huleedu.file.batch.file.added.v1",
        "huleedu.batch.content.provisioning.completed.v1",
        "huleedu.cj_assessment.failed.v1",
    ];
    let cluster = Cluster::new(1, &[&topics[..], &[DEAD]].concat());
    let app = spawn_consuming_app(&cluster.bootstrap(), &topics, |s| s.kafka.dead_letter_topic = Some(DEAD.into()));
    let mut teacher = app.connect(TEACHER).await;
    wait_for_assignment(&app, topics.len()).await;

    let dir = crate::contracts::fixtures::contracts_dir().join("malformed");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 15);
    let good: Value = serde_json::from_slice(&fixture("examples/teacher_notifications/class_created.json")).unwrap();
    for (n, file) in files.iter().enumerate() {
        let bytes = fixture(&format!("malformed/{file}"));
        let topic = topic_for(&bytes, &topics);
        // The same key as the good event after it: the same partition.
        cluster.produce(topic, "one-partition", &bytes).await;
        if topic == TEACHER_TOPIC {
            let mut next = good.clone();
            next["data"]["payload"]["message"] = json!(format!("after {file}"));
            next["data"]["correlation_id"] = json!(format!("after-{n}"));
            cluster.produce(TEACHER_TOPIC, "one-partition", next.to_string().as_bytes()).await;
        }
    }
    let follow_ups =
        files.iter().filter(|f| topic_for(&fixture(&format!("malformed/{f}")), &topics) == TEACHER_TOPIC).count();
    for _ in 0..follow_ups {
        let frame = teacher.next_notification().await;
        assert!(frame["data"]["message"].as_str().unwrap().starts_with("after "), "{frame}");
    }
    teacher.expect_silence(Duration::from_millis(300)).await;

    let letters = read_dead_letters(&cluster.bootstrap(), DEAD, files.len()).await;
    assert!(letters.iter().all(|l| !l.reason.is_empty() && l.headers.contains_key("hub-source-offset")), "{letters:?}");
    let huge =
        letters.iter().find(|l| l.headers.contains_key("hub-truncated")).expect("the 1.2 MiB event went truncated");
    let original = fixture("malformed/huge_string_field_1_2MiB.json");
    assert_eq!(huge.headers["hub-original-size"], original.len().to_string());
    assert_eq!(huge.headers["hub-original-sha256"].len(), 64);
    assert!(huge.payload.len() < original.len() && original.starts_with(&huge.payload));
    let whole: Vec<&Letter> = letters.iter().filter(|l| !l.headers.contains_key("hub-truncated")).collect();
    for letter in whole {
        assert!(
            files.iter().any(|f| fixture(&format!("malformed/{f}")) == letter.payload),
            "a dead letter carries the original bytes"
        );
    }

    let metrics = reqwest::get(app.url("/metrics")).await.unwrap().text().await.unwrap();
    for reason in ["invalid_json", "empty_value", "empty_user_id", "invalid_utf8"] {
        assert!(metrics.contains(&format!("reason=\"{reason}\"")), "{reason} is counted:\n{metrics}");
    }
    let status = app.status().await;
    let malformed: u64 = status["kafka"]["topic_consumers"]
        .as_object()
        .unwrap()
        .values()
        .map(|c| c["malformed"].as_u64().unwrap())
        .sum();
    assert_eq!(malformed, files.len() as u64);
}

#[tokio::test]
async fn a_dead_letter_topic_that_refuses_writes_never_blocks_the_partition() {
    let cluster = Cluster::new(1, &[TEACHER_TOPIC, DEAD]);
    cluster
        .mock
        .topic_error(DEAD, rdkafka::types::RDKafkaRespErr::RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED)
        .unwrap();
    let app =
        spawn_consuming_app(&cluster.bootstrap(), &[TEACHER_TOPIC], |s| s.kafka.dead_letter_topic = Some(DEAD.into()));
    let mut teacher = app.connect(TEACHER).await;
    wait_for_assignment(&app, 1).await;
    cluster.produce(TEACHER_TOPIC, "k", b"{ not json").await;
    cluster.produce(TEACHER_TOPIC, "k", &fixture("examples/teacher_notifications/class_created.json")).await;
    let started = Instant::now();
    assert_eq!(teacher.next_notification().await["event"], "class_created");
    assert!(started.elapsed() < Duration::from_secs(3), "the good event was not held up by the dead letter");
}
