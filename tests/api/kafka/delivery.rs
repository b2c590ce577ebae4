use std::collections::BTreeMap;
use std::time::Duration;

use hub::contracts::{OwnerKey, Recipient};
use serde_json::{json, Value};

use super::cluster::{domain_examples, fixture, spawn_consuming_app, wait_for_assignment, Cluster};
use crate::contracts::domain_examples::expectations;
use crate::contracts::fixtures::{BATCH, CLASS, OTHER_BATCH, OTHER_TEACHER, TEACHER};
use crate::helpers::TestApp;

const TEACHER_TOPIC: &str = "huleedu.notification.teacher.requested.v1";

async fn teach_owners(app: &TestApp) {
    app.learn_owners(json!([
        { "user_id": TEACHER, "batch_id": BATCH, "class_id": CLASS },
        { "user_id": OTHER_TEACHER, "batch_id": OTHER_BATCH },
    ]))
    .await;
}

#[tokio::test]
async fn every_golden_teacher_notification_reaches_its_teacher_exactly_as_todays_service_sends_it() {
    let cluster = Cluster::new(1, &[TEACHER_TOPIC]);
    let app = spawn_consuming_app(&cluster.bootstrap(), &[TEACHER_TOPIC], |_| {});
    let mut tabs = BTreeMap::new();
    for user in [TEACHER, OTHER_TEACHER] {
        tabs.insert(format!("ws:{user}"), app.connect(user).await);
    }
    let mut bystander = app.connect("someone-else").await;
    wait_for_assignment(&app, 1).await;

    let dir = crate::contracts::fixtures::contracts_dir().join("examples/teacher_notifications");
    // channel -> event -> today's message
    let mut goldens: BTreeMap<String, BTreeMap<String, Value>> = BTreeMap::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let Some(kind) = name.strip_suffix(".redis.json") else { continue };
        let golden: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        let message: Value = serde_json::from_str(golden["message"].as_str().unwrap()).unwrap();
        let channel = golden["channel"].as_str().unwrap().to_owned();
        goldens.entry(channel).or_default().insert(kind.to_owned(), message);
        cluster.produce(TEACHER_TOPIC, kind, &fixture(&format!("examples/teacher_notifications/{kind}.json"))).await;
    }
    assert_eq!(goldens.values().map(BTreeMap::len).sum::<usize>(), 16);

    for (channel, mut expected) in goldens {
        let tab = tabs.get_mut(&channel).unwrap_or_else(|| panic!("no tab for {channel}"));
        for _ in 0..expected.len() {
            let frame = tab.next_notification().await;
            let event = frame["event"].as_str().unwrap().to_owned();
            let golden = expected.remove(&event).unwrap_or_else(|| panic!("{channel}: unexpected or repeated {event}"));
            assert_eq!(frame["data"], golden["data"], "{event}: data equals today's message");
            let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
            assert_eq!(keys(&frame["data"]), keys(&golden["data"]), "{event}: in the same key order");
            assert_eq!(frame["correlation_id"], golden["data"]["correlation_id"]);
            assert_eq!(frame["category"], golden["data"]["category"]);
            assert_eq!(frame["priority"], golden["data"]["priority"]);
        }
        tab.expect_silence(Duration::from_millis(300)).await;
    }
    bystander.expect_silence(Duration::from_millis(100)).await;
}

#[tokio::test]
async fn in_domain_mode_every_topic_reaches_its_owner_and_no_one_else() {
    let examples = domain_examples();
    let topics: Vec<&str> = examples.iter().map(|(t, _)| t.as_str()).collect();
    let cluster = Cluster::new(1, &topics);
    let app = spawn_consuming_app(&cluster.bootstrap(), &topics, |_| {});
    teach_owners(&app).await;
    let mut teacher = app.connect(TEACHER).await;
    let mut other = app.connect(OTHER_TEACHER).await;
    let mut bystander = app.connect("someone-else").await;
    wait_for_assignment(&app, topics.len()).await;

    let owner_of = |recipient: &Recipient| match recipient {
        Recipient::User(user) => user.clone(),
        Recipient::OwnerOf(OwnerKey::Batch(b)) if b == OTHER_BATCH => OTHER_TEACHER.to_owned(),
        Recipient::OwnerOf(_) => TEACHER.to_owned(),
    };
    // Each user's events, as a sorted list: two topics may yield the same event name.
    let mut expected: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for expectation in expectations() {
        expected.entry(owner_of(&expectation.recipient)).or_default().push(expectation.event.to_owned());
    }
    for (topic, bytes) in &examples {
        cluster.produce(topic, "k", bytes).await;
    }

    for (user, tab) in [(TEACHER, &mut teacher), (OTHER_TEACHER, &mut other)] {
        let mut want = expected.remove(user).unwrap_or_default();
        want.sort();
        let mut got = Vec::new();
        for _ in 0..want.len() {
            got.push(tab.next_notification().await["event"].as_str().unwrap().to_owned());
        }
        got.sort();
        assert_eq!(got, want, "{user}");
        tab.expect_silence(Duration::from_millis(300)).await;
    }
    assert!(expected.is_empty(), "recipients without a socket: {expected:?}");
    bystander.expect_silence(Duration::from_millis(100)).await;
    let status = app.status().await;
    let consumers = status["kafka"]["topic_consumers"].as_object().unwrap();
    assert_eq!(consumers.len(), topics.len(), "one topic consumer actor per topic");
    assert_eq!(status["actors"]["topic_consumer"], topics.len());
}

#[tokio::test]
async fn an_event_whose_owner_is_learnt_later_is_delivered_then_in_order_with_later_ones() {
    let topic = "huleedu.cj_assessment.completed.v1";
    let cluster = Cluster::new(1, &[topic]);
    let app = spawn_consuming_app(&cluster.bootstrap(), &[topic], |s| {
        s.ownership.hold_timeout = Duration::from_secs(30);
    });
    let mut teacher = app.connect(TEACHER).await;
    wait_for_assignment(&app, 1).await;

    // Three completions of the owner-less batch, same key so same partition, each distinct.
    let example: Value = serde_json::from_slice(&fixture(&format!("examples/{topic}.json"))).unwrap();
    for n in 0..3 {
        let mut event = example.clone();
        event["event_id"] = json!(uuid::Uuid::new_v4().to_string());
        event["data"]["cj_assessment_job_id"] = json!(format!("job-{n}"));
        cluster.produce(topic, BATCH, event.to_string().as_bytes()).await;
    }
    app.wait_for_status_within("the events to be held", Duration::from_secs(20), |s| {
        s["kafka"]["topic_consumers"][topic]["held"] == 3
    })
    .await;
    teacher.expect_silence(Duration::from_millis(300)).await;

    app.learn_owners(json!({ "user_id": TEACHER, "batch_id": BATCH })).await;
    for n in 0..3 {
        let frame = teacher.next_notification().await;
        assert_eq!(frame["event"], "batch_assessment_completed");
        assert_eq!(frame["data"]["assessment_job_id"], format!("job-{n}"), "{frame}");
    }
    let status = app.status().await;
    assert_eq!(status["kafka"]["topic_consumers"][topic]["held"], 0);
    assert_eq!(status["kafka"]["topic_consumers"][topic]["delivered"], 3);
}

#[tokio::test]
async fn a_held_event_whose_owner_never_comes_is_dead_lettered_with_the_reason() {
    let topic = "huleedu.cj_assessment.failed.v1";
    let dead = "hub.dead-letters";
    let cluster = Cluster::new(1, &[topic, dead]);
    let app = spawn_consuming_app(&cluster.bootstrap(), &[topic], |s| {
        s.ownership.hold_timeout = Duration::from_secs(1);
        s.kafka.dead_letter_topic = Some(dead.into());
    });
    wait_for_assignment(&app, 1).await;
    let bytes = fixture(&format!("examples/{topic}.json"));
    cluster.produce(topic, "k", &bytes).await;
    let letters = super::malformed::read_dead_letters(&cluster.bootstrap(), dead, 1).await;
    assert_eq!(letters[0].reason, "owner_unknown");
    assert_eq!(letters[0].payload, bytes);
    let status =
        app.wait_for_status("the commit", |s| s["kafka"]["topic_consumers"][topic]["dead_lettered"] == 1).await;
    assert_eq!(status["kafka"]["topic_consumers"][topic]["held"], 0);
}

#[tokio::test]
async fn stale_notifications_are_dropped_and_counted_not_delivered() {
    let cluster = Cluster::new(1, &[TEACHER_TOPIC]);
    let app = spawn_consuming_app(&cluster.bootstrap(), &[TEACHER_TOPIC], |s| {
        s.kafka.max_notification_age = Duration::from_secs(3600);
    });
    let mut teacher = app.connect(TEACHER).await;
    wait_for_assignment(&app, 1).await;
    // The fixture is from 2025: far older than an hour.
    cluster.produce(TEACHER_TOPIC, TEACHER, &fixture("examples/teacher_notifications/class_created.json")).await;
    let mut fresh: Value =
        serde_json::from_slice(&fixture("examples/teacher_notifications/class_created.json")).unwrap();
    fresh["data"]["timestamp"] = json!(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true));
    cluster.produce(TEACHER_TOPIC, TEACHER, fresh.to_string().as_bytes()).await;
    let frame = teacher.next_notification().await;
    assert_eq!(frame["data"]["timestamp"].as_str().unwrap()[..19], fresh["data"]["timestamp"].as_str().unwrap()[..19]);
    teacher.expect_silence(Duration::from_millis(300)).await;
    let status = app.status().await;
    assert_eq!(status["kafka"]["topic_consumers"][TEACHER_TOPIC]["stale"], 1);
}
