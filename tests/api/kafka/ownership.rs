//! An owner established by the event that establishes it (a class's creation) is not moved by
//! an event that only names who acted (the teacher who added a student): the conflict is
//! counted, and the owner keeps getting the class's notifications, in both modes.

use std::time::Duration;

use serde_json::json;

use super::cluster::{configure, spawn_consuming_app, wait_for_assignment, Cluster};
use super::ordering::example;
use crate::cluster::redis_server::{spawn_instance_with, RedisServer};
use crate::contracts::fixtures::{CLASS, OTHER_TEACHER, TEACHER};
use crate::helpers::TestApp;

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
