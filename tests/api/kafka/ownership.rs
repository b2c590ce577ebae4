//! An owner established by the event that establishes it (a class's creation) is not moved by
//! an event that only names who acted (the teacher who added a student): the conflict is
//! counted, and the owner keeps getting the class's notifications, in both modes.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::cluster::{configure, spawn_consuming_app, wait_for_assignment, Cluster};
use super::ordering::example;
use crate::cluster::redis_server::{spawn_instance_with, RedisServer};
use crate::contracts::fixtures::{CLASS, OTHER_TEACHER, TEACHER};
use crate::helpers::{now, token_with, HubProcess, TestApp};

const CREATED: &str = "huleedu.class.created.v1";
const STUDENT: &str = "huleedu.class.student.created.v1";
const CONFIRMED: &str = "huleedu.class.student.associations.confirmed.v1";
const TOPICS: [&str; 3] = [CREATED, STUDENT, CONFIRMED];

/// The three steps, each awaited before the next: the topics are separate, so only the
/// sockets tell that an event (and the facts learnt before its hand-off) went through.
async fn an_actor_does_not_move_the_class_owner(cluster: &Cluster, app: &TestApp) {
    let mut owner = app.connect(TEACHER).await;
    let mut helper = app.connect(OTHER_TEACHER).await;
    wait_for_assignment(app, TOPICS.len()).await;

    cluster.produce(CREATED, CLASS, &example(CREATED, json!({ "user_id": TEACHER, "class_id": CLASS }))).await;
    assert_eq!(owner.next_notification().await["event"], "class_created");

    // Another teacher adds a student to the class: that names who acted, not who owns it.
    let added = example(STUDENT, json!({ "created_by_user_id": OTHER_TEACHER, "class_ids": [CLASS] }));
    cluster.produce(STUDENT, CLASS, &added).await;
    assert_eq!(helper.next_notification().await["event"], "student_added_to_class", "it goes to who acted");

    cluster.produce(CONFIRMED, CLASS, &example(CONFIRMED, json!({ "class_id": CLASS }))).await;
    let frame = owner.next_notification().await;
    assert_eq!(frame["event"], "student_associations_confirmed", "the class's owner still gets its events");
    helper.expect_silence(Duration::from_millis(200)).await;

    let metrics = reqwest::get(app.url("/metrics")).await.unwrap().text().await.unwrap();
    let series = format!("hub_kafka_ownership_conflicts_total{{topic=\"{STUDENT}\"}} 1");
    assert!(metrics.contains(&series), "the conflict is counted:\n{metrics}");
}

#[tokio::test]
async fn a_teacher_who_adds_a_student_does_not_become_the_owner_of_the_class() {
    let cluster = Cluster::new(1, &TOPICS);
    let app = spawn_consuming_app(&cluster.bootstrap(), &TOPICS, |_| {});
    an_actor_does_not_move_the_class_owner(&cluster, &app).await;
}

#[tokio::test]
async fn in_the_clustered_mode_a_teacher_who_adds_a_student_does_not_become_the_owner_of_the_class() {
    let redis = RedisServer::volatile();
    let cluster = Cluster::new(1, &TOPICS);
    let (bootstrap, group) = (cluster.bootstrap(), format!("owners-{}", uuid::Uuid::new_v4().simple()));
    let topics = TOPICS.iter().map(|topic| topic.to_string()).collect();
    let app = spawn_instance_with(&redis, "consumer", move |s| configure(s, &bootstrap, &group, topics));
    assert_eq!(app.status().await["mode"], "clustered");
    an_actor_does_not_move_the_class_owner(&cluster, &app).await;
}

#[tokio::test]
async fn the_conflict_is_logged_with_its_kafka_coordinates() {
    let cluster = Cluster::new(1, &[STUDENT]);
    let (bootstrap, group) = (cluster.bootstrap(), format!("conflict-{}", uuid::Uuid::new_v4().simple()));
    let hub = HubProcess::start(&[
        ("HUB__KAFKA__BROKERS", bootstrap.as_str()),
        ("HUB__KAFKA__GROUP_ID", group.as_str()),
        ("HUB__KAFKA__TOPICS", STUDENT),
        ("HUB__KAFKA__AUTO_OFFSET_RESET", "earliest"),
        ("HUB__KAFKA__MAX_NOTIFICATION_AGE", "36500d"),
        ("HUB__LOG__FILTER", "warn,hub::startup=info"),
    ]);
    let port = hub.port().await;
    // A service states who owns the class before the event is even produced.
    let service = token_with(json!({ "sub": "svc", "exp": now() + 3600, "roles": ["service"] }));
    let response = reqwest::Client::new()
        .post(format!("http://127.0.0.1:{port}/api/v1/owners"))
        .bearer_auth(service)
        .json(&json!({ "user_id": TEACHER, "class_id": CLASS }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
    let added = example(STUDENT, json!({ "created_by_user_id": OTHER_TEACHER, "class_ids": [CLASS] }));
    cluster.produce_to(STUDENT, Some(1), CLASS, &added).await;

    let deadline = Instant::now() + Duration::from_secs(20);
    let conflict = loop {
        let found = hub.lines.lock().unwrap().iter().find_map(|line| {
            let entry: Value = serde_json::from_str(line).ok()?;
            entry["message"].as_str()?.contains("the owner stays").then_some(entry)
        });
        if let Some(entry) = found {
            break entry;
        }
        assert!(Instant::now() < deadline, "no conflict logged: {:#?}", hub.lines.lock().unwrap());
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(conflict["topic"], STUDENT, "{conflict}");
    assert_eq!(conflict["partition"], 1, "{conflict}");
    assert_eq!(conflict["offset"], 0, "{conflict}");
    assert_eq!(conflict["key"], format!("class:{CLASS}"), "{conflict}");
    assert_eq!(conflict["owner"], TEACHER, "{conflict}");
    assert_eq!(conflict["actor"], OTHER_TEACHER, "{conflict}");
}
