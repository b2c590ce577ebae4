//! Every example envelope in `examples/` decodes to the notification
//! EVENTS.md leads to. The expectations are written by hand from EVENTS.md
//! (§3 for recipients, §6 for twins, §11 for batch status); a new example
//! file without an expectation fails the scan.

mod classes;
mod files;
mod processing;

use std::collections::BTreeSet;

use hub::contracts::{Category, Decoded, OwnerKey, Priority, Recipient};
use serde_json::Value;

use super::fixtures::{decode_fixture, envelope_files};

/// What one example must decode to.
pub struct Expected {
    /// Topic, which is also the file name without `.json`.
    pub topic: &'static str,
    pub event: &'static str,
    category: Category,
    priority: Priority,
    action_required: bool,
    pub recipient: Recipient,
    batch_id: Option<&'static str>,
    class_id: Option<&'static str>,
    correlation_id: &'static str,
    timestamp: &'static str,
    /// Payload entries that must be present with these values.
    payload: Value,
    ownership: Vec<(OwnerKey, &'static str)>,
    traceparent: Option<&'static str>,
}

fn user(id: &str) -> Recipient {
    Recipient::User(id.to_owned())
}

fn batch_owner(id: &str) -> Recipient {
    Recipient::OwnerOf(OwnerKey::Batch(id.to_owned()))
}

fn class_owner(id: &str) -> Recipient {
    Recipient::OwnerOf(OwnerKey::Class(id.to_owned()))
}

fn batch(id: &str) -> OwnerKey {
    OwnerKey::Batch(id.to_owned())
}

fn class(id: &str) -> OwnerKey {
    OwnerKey::Class(id.to_owned())
}

fn trace(last: &'static str) -> Option<&'static str> {
    Some(last)
}

/// The hand-written expectation of every example, by producer; the Kafka tests reuse the
/// recipients.
pub fn expectations() -> Vec<Expected> {
    [files::expectations(), processing::expectations(), classes::expectations()].into_iter().flatten().collect()
}

fn check(expected: &Expected, decoded: &Decoded) {
    let topic = expected.topic;
    let notification = &decoded.notification;
    assert_eq!(notification.event, expected.event, "{topic}: event");
    assert_eq!(notification.category, expected.category, "{topic}: category");
    assert_eq!(notification.priority, expected.priority, "{topic}: priority");
    assert_eq!(notification.action_required, expected.action_required, "{topic}: action_required");
    assert_eq!(notification.recipient, expected.recipient, "{topic}: recipient");
    assert_eq!(notification.batch_id.as_deref(), expected.batch_id, "{topic}: batch_id");
    assert_eq!(notification.class_id.as_deref(), expected.class_id, "{topic}: class_id");
    assert_eq!(notification.correlation_id, expected.correlation_id, "{topic}: correlation_id");
    assert_eq!(notification.frame_timestamp(), expected.timestamp, "{topic}: timestamp");
    assert_eq!(notification.deadline, None, "{topic}: deadline");
    for (key, value) in expected.payload.as_object().expect("payload expectation is an object") {
        assert_eq!(notification.payload.get(key), Some(value), "{topic}: payload.{key}");
    }
    assert!(
        notification.payload.get("message").is_some_and(Value::is_string),
        "{topic}: every notification has a human message"
    );
    let ownership: Vec<(OwnerKey, &str)> =
        notification.ownership.iter().map(|(key, user)| (key.clone(), user.as_str())).collect();
    assert_eq!(ownership, expected.ownership, "{topic}: ownership");
    assert_eq!(decoded.traceparent.as_ref().map(|trace| trace.as_str()), expected.traceparent, "{topic}: traceparent");
}

#[test]
fn every_domain_example_decodes_to_its_expected_notification() {
    let expectations = expectations();
    let expected_files: BTreeSet<String> =
        expectations.iter().map(|expected| format!("{}.json", expected.topic)).collect();
    let files: BTreeSet<String> = envelope_files("examples").into_iter().collect();
    let unexpected: Vec<_> = files.difference(&expected_files).collect();
    assert!(unexpected.is_empty(), "example files without an expectation: {unexpected:?}");
    let missing: Vec<_> = expected_files.difference(&files).collect();
    assert!(missing.is_empty(), "expectations without an example file: {missing:?}");

    for expected in &expectations {
        let decoded = decode_fixture(expected.topic, &format!("examples/{}.json", expected.topic));
        check(expected, &decoded);
    }
}

#[test]
fn envelope_facts_are_reported_for_logging() {
    let decoded = decode_fixture("huleedu.file.batch.file.added.v1", "examples/huleedu.file.batch.file.added.v1.json");
    assert_eq!(decoded.event_id, "aee10a25-918f-48e5-a665-2f8e085a5b04");
    assert_eq!(decoded.correlation_id, "0b6e7f2a-4c1d-4e9b-8a3f-5d2c7e1b9a04");
    assert_eq!(decoded.source_service, "file-service");
}

/// `(domain example, teacher notification example)` pairs for the same
/// fact: the hub's payload must be the one the platform's projector builds.
const TWINS: [(&str, &str); 8] = [
    ("huleedu.file.batch.file.added.v1", "batch_files_uploaded"),
    ("huleedu.file.batch.file.removed.v1", "batch_file_removed"),
    ("huleedu.file.essay.validation.failed.v1", "batch_validation_failed"),
    ("huleedu.class.created.v1", "class_created"),
    ("huleedu.cj_assessment.completed.v1", "batch_assessment_completed"),
    ("huleedu.els.batch.phase.outcome.v1", "batch_spellcheck_completed"),
    ("huleedu.class.student.associations.confirmed.v1", "student_associations_confirmed"),
    ("huleedu.class.validation.timeout.processed.v1", "validation_timeout_processed"),
];

#[test]
fn a_domain_event_with_a_twin_carries_the_twins_payload() {
    for (topic, twin) in TWINS {
        let domain = decode_fixture(topic, &format!("examples/{topic}.json")).notification;
        let requested =
            decode_fixture(super::fixtures::NOTIFICATION_TOPIC, &format!("examples/teacher_notifications/{twin}.json"))
                .notification;
        assert_eq!(domain.payload, requested.payload, "{topic} vs {twin}");
        let domain_keys: Vec<_> = domain.payload.keys().collect();
        let twin_keys: Vec<_> = requested.payload.keys().collect();
        assert_eq!(domain_keys, twin_keys, "{topic} vs {twin}: key order");
    }
}
