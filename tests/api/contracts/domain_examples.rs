//! Every example envelope in `examples/` decodes to the notification
//! EVENTS.md leads to. The expectations are written by hand from EVENTS.md
//! (§3 for recipients, §6 for twins, §11 for batch status); a new example
//! file without an expectation fails the scan.

use std::collections::BTreeSet;

use hub::contracts::{Category, Decoded, OwnerKey, Priority, Recipient};
use serde_json::{json, Value};

use super::fixtures::{decode_fixture, envelope_files, BATCH, CLASS, OTHER_BATCH, OTHER_TEACHER, TEACHER};

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

/// The hand-written expectation of every example; the Kafka tests reuse the recipients.
pub fn expectations() -> Vec<Expected> {
    vec![
        Expected {
            topic: "huleedu.file.batch.file.added.v1",
            event: "batch_files_uploaded",
            category: Category::FileOperations,
            priority: Priority::Standard,
            action_required: false,
            recipient: user(TEACHER),
            batch_id: Some(BATCH),
            class_id: None,
            correlation_id: "5a2b8c4d-1e6f-4a7b-9c3d-2e8f4a6b1c59",
            timestamp: "2025-11-18T13:42:07.318204Z",
            payload: json!({
                "batch_id": BATCH,
                "file_upload_id": "7d3e9f21-4b8a-4c6d-9e2f-1a5b7c3d8e40",
                "filename": "Uppsats_Åsa_Lindqvist.docx",
                "message": "File 'Uppsats_Åsa_Lindqvist.docx' uploaded successfully",
                "upload_status": "completed",
            }),
            ownership: vec![(batch(BATCH), TEACHER)],
            traceparent: trace("00-4bf92f3577b34da6a3ce929d0e0e4737-00f067aa0ba902b8-01"),
        },
        Expected {
            topic: "huleedu.file.batch.file.removed.v1",
            event: "batch_file_removed",
            category: Category::FileOperations,
            priority: Priority::Standard,
            action_required: false,
            recipient: user(TEACHER),
            batch_id: Some(BATCH),
            class_id: None,
            correlation_id: "6b3c9d5e-2f70-4b8c-8d4e-3f9a5b7c2d6a",
            timestamp: "2025-11-18T13:43:42.518204Z",
            payload: json!({
                "filename": "file_7d3e9f21-4b8a-4c6d-9e2f-1a5b7c3d8e40",
                "message": "File 'file_7d3e9f21-4b8a-4c6d-9e2f-1a5b7c3d8e40' removed from batch",
            }),
            ownership: vec![(batch(BATCH), TEACHER)],
            traceparent: trace("00-4bf92f3577b34da6a3ce929d0e0e4738-00f067aa0ba902b9-01"),
        },
        Expected {
            topic: "huleedu.els.batch.essays.ready.v1",
            event: "batch_essays_ready",
            category: Category::BatchProgress,
            priority: Priority::Standard,
            action_required: false,
            recipient: batch_owner(BATCH),
            batch_id: Some(BATCH),
            class_id: None,
            // No correlation id in data: the envelope's.
            correlation_id: "2d809b4c-6e3f-40b1-ac5b-7f4e9a3dbc26",
            // data.metadata.timestamp, not the envelope's relay time.
            timestamp: "2025-11-18T14:42:18.718204Z",
            payload: json!({
                "batch_id": BATCH,
                "ready_count": 4,
                "course_code": "ENG5",
                "class_type": "REGULAR",
                "message": "4 essays are ready for processing",
            }),
            ownership: vec![],
            traceparent: None,
        },
        Expected {
            topic: "huleedu.els.batch.validation.errors.v1",
            event: "batch_validation_errors",
            category: Category::SystemAlerts,
            priority: Priority::Immediate,
            action_required: true,
            recipient: batch_owner(OTHER_BATCH),
            batch_id: Some(OTHER_BATCH),
            class_id: None,
            correlation_id: "0b6e7f2a-4c1d-4e9b-8a3f-5d2c7e1b9a04",
            timestamp: "2025-11-18T13:42:10.518204Z",
            payload: json!({
                "failed_count": 1,
                "total_errors": 1,
                "critical_failure": false,
                "failed_files": [{
                    "essay_id": "5fb2a6d8-ae73-4192-8c5f-d34e6c8bafc7",
                    "file_name": "Inlämning_v3.pdf",
                    "error_code": "CONTENT_TOO_SHORT",
                    "error_message": "File 'Inlämning_v3.pdf' content is too short (minimum: 50, actual: 31)",
                }],
                "message": "1 file in the batch failed validation",
            }),
            ownership: vec![],
            traceparent: trace("00-4bf92f3577b34da6a3ce929d0e0e473c-00f067aa0ba902bd-01"),
        },
        Expected {
            topic: "huleedu.batch.content.provisioning.completed.v1",
            event: "batch_content_provisioned",
            category: Category::BatchProgress,
            priority: Priority::Standard,
            action_required: false,
            recipient: user(TEACHER),
            batch_id: Some(BATCH),
            class_id: None,
            correlation_id: "0b6e7f2a-4c1d-4e9b-8a3f-5d2c7e1b9a04",
            timestamp: "2025-11-18T13:42:21.398204Z",
            payload: json!({
                "provisioned_count": 4,
                "expected_count": 4,
                "course_code": "ENG5",
                "message": "Essay text ready for 4 of 4 essays",
            }),
            ownership: vec![(batch(BATCH), TEACHER)],
            traceparent: trace("00-4bf92f3577b34da6a3ce929d0e0e473b-00f067aa0ba902bc-01"),
        },
        Expected {
            topic: "huleedu.cj_assessment.completed.v1",
            event: "batch_assessment_completed",
            category: Category::ProcessingResults,
            priority: Priority::Standard,
            action_required: false,
            recipient: batch_owner(BATCH),
            batch_id: Some(BATCH),
            class_id: None,
            correlation_id: "3e91ac5d-7f40-41c2-bd6c-805fab4ecd37",
            timestamp: "2025-11-18T14:55:18.918204Z",
            payload: json!({
                "batch_id": BATCH,
                "assessment_job_id": "187",
                "rankings_available": true,
                "rankings_count": 3,
                "message": format!("Comparative judgment assessment completed for batch {BATCH}"),
            }),
            ownership: vec![],
            traceparent: trace("00-4bf92f3577b34da6a3ce929d0e0e473e-00f067aa0ba902bf-01"),
        },
        Expected {
            topic: "huleedu.cj_assessment.failed.v1",
            event: "batch_assessment_failed",
            category: Category::SystemAlerts,
            priority: Priority::Immediate,
            action_required: true,
            recipient: batch_owner(OTHER_BATCH),
            batch_id: Some(OTHER_BATCH),
            class_id: None,
            correlation_id: "4fa2bd6e-8051-42d3-ae7d-916abc5fde48",
            timestamp: "2025-11-18T15:07:10.218204Z",
            payload: json!({
                "assessment_job_id": "188",
                "status": "failed_critically",
                "reason": "low_success_rate",
                "message": format!(
                    "Comparative judgment assessment failed for batch {OTHER_BATCH} (low success rate)"
                ),
            }),
            ownership: vec![],
            traceparent: trace("00-4bf92f3577b34da6a3ce929d0e0e473f-00f067aa0ba902c0-01"),
        },
        Expected {
            topic: "huleedu.essay.spellcheck.completed.v1",
            event: "essay_spellcheck_completed",
            category: Category::BatchProgress,
            priority: Priority::Low,
            action_required: false,
            // parent_id is the batch.
            recipient: batch_owner(BATCH),
            batch_id: Some(BATCH),
            class_id: None,
            correlation_id: "3e91ac5d-7f40-41c2-bd6c-805fab4ecd37",
            timestamp: "2025-11-18T14:43:00.198204Z",
            payload: json!({
                "essay_id": "1b7e2c94-6a3f-4d5e-8c1b-9f0a2e4d6c83",
                "status": "spellchecked_success",
                "corrections_made": 17,
                "message": "Spellcheck finished for an essay: 17 corrections",
            }),
            ownership: vec![],
            traceparent: trace("00-4bf92f3577b34da6a3ce929d0e0e4740-00f067aa0ba902c1-01"),
        },
        Expected {
            topic: "huleedu.els.batch.phase.outcome.v1",
            event: "batch_phase_completed",
            category: Category::BatchProgress,
            priority: Priority::Standard,
            action_required: false,
            recipient: batch_owner(BATCH),
            batch_id: Some(BATCH),
            class_id: None,
            correlation_id: "3e91ac5d-7f40-41c2-bd6c-805fab4ecd37",
            // No time in data: the envelope's.
            timestamp: "2025-11-18T14:44:12.618204Z",
            payload: json!({
                "phase_name": "spellcheck",
                "phase_status": "completed_with_failures",
                "success_count": 3,
                "failed_count": 1,
                "total_count": 4,
                "message": "Spellcheck completed for batch: 3 of 4 essays completed successfully",
            }),
            ownership: vec![],
            traceparent: trace("00-4bf92f3577b34da6a3ce929d0e0e473d-00f067aa0ba902be-01"),
        },
        Expected {
            topic: "huleedu.file.essay.content.provisioned.v1",
            event: "essay_text_extracted",
            category: Category::FileOperations,
            priority: Priority::Low,
            action_required: false,
            // entity_id is the batch.
            recipient: batch_owner(BATCH),
            batch_id: Some(BATCH),
            class_id: None,
            correlation_id: "0b6e7f2a-4c1d-4e9b-8a3f-5d2c7e1b9a04",
            timestamp: "2025-11-18T13:42:10.048204Z",
            payload: json!({
                "file_upload_id": "8e4fa032-5c9b-4d7e-8f30-2b6c8d4e9f51",
                "filename": "Uppsats_Åsa_Lindqvist.docx",
                "file_size_bytes": 24817,
                "message": "Text extracted from 'Uppsats_Åsa_Lindqvist.docx'",
            }),
            ownership: vec![],
            traceparent: trace("00-4bf92f3577b34da6a3ce929d0e0e4739-00f067aa0ba902ba-01"),
        },
        Expected {
            topic: "huleedu.file.essay.validation.failed.v1",
            event: "batch_validation_failed",
            category: Category::SystemAlerts,
            priority: Priority::Immediate,
            action_required: true,
            recipient: batch_owner(BATCH),
            batch_id: Some(BATCH),
            class_id: None,
            correlation_id: "0b6e7f2a-4c1d-4e9b-8a3f-5d2c7e1b9a04",
            timestamp: "2025-11-18T13:42:10.238204Z",
            payload: json!({
                "filename": "Inlämning_v3.pdf",
                "validation_error": "CONTENT_TOO_SHORT",
                "error_message": "File 'Inlämning_v3.pdf' content is too short (minimum: 50, actual: 31)",
            }),
            ownership: vec![],
            traceparent: trace("00-4bf92f3577b34da6a3ce929d0e0e473a-00f067aa0ba902bb-01"),
        },
        Expected {
            topic: "huleedu.class.created.v1",
            event: "class_created",
            category: Category::ClassManagement,
            priority: Priority::Standard,
            action_required: false,
            recipient: user(TEACHER),
            batch_id: None,
            class_id: Some(CLASS),
            correlation_id: "7c4dae8f-a193-45e6-b0af-c49def8b2a7b",
            timestamp: "2025-11-17T13:42:07.318204Z",
            payload: json!({
                "class_id": CLASS,
                "class_designation": "NA23b Engelska 5",
                "course_codes": ["ENG5"],
                "message": "Class 'NA23b Engelska 5' created successfully",
            }),
            ownership: vec![(class(CLASS), TEACHER)],
            traceparent: None,
        },
        Expected {
            topic: "huleedu.class.student.created.v1",
            event: "student_added_to_class",
            category: Category::ClassManagement,
            priority: Priority::Low,
            action_required: false,
            recipient: user(TEACHER),
            batch_id: None,
            class_id: Some(CLASS),
            correlation_id: "9e6fc0a1-c3b5-4708-92c1-e6bf01ad4c9e",
            timestamp: "2025-11-17T13:47:07.318204Z",
            payload: json!({
                "student_id": "a0e3c7f1-4b29-4d6e-8f53-e6b1f0ad4c9d",
                "student_name": "Åsa Lindqvist",
                "class_id": CLASS,
                "message": "Student 'Åsa Lindqvist' added to class",
            }),
            ownership: vec![(class(CLASS), TEACHER)],
            traceparent: None,
        },
        Expected {
            topic: "huleedu.class.essay.association.updated.v1",
            event: "essay_student_association_updated",
            category: Category::StudentWorkflow,
            priority: Priority::Standard,
            action_required: false,
            recipient: user(TEACHER),
            batch_id: Some(BATCH),
            class_id: None,
            correlation_id: "b081e2c3-e5d7-492a-b4e3-08d123cf6eb0",
            timestamp: "2025-11-18T14:41:07.318204Z",
            payload: json!({
                "essay_id": "2c8f3da5-7b40-4e6f-9d2c-a01b3f5e7d94",
                "student_id": "b1f4d802-5c3a-4e7f-9064-f7c201be5dae",
                "student_name": "Erik Johansson",
                "association_method": "manual",
                "confidence_score": null,
                "message": "Essay linked to student 'Erik Johansson'",
            }),
            ownership: vec![(batch(BATCH), TEACHER)],
            traceparent: None,
        },
        Expected {
            topic: "huleedu.batch.author.matches.suggested.v1",
            event: "student_matches_suggested",
            category: Category::StudentWorkflow,
            priority: Priority::High,
            action_required: true,
            recipient: class_owner(CLASS),
            batch_id: Some(BATCH),
            class_id: Some(CLASS),
            correlation_id: "2d809b4c-6e3f-40b1-ac5b-7f4e9a3dbc26",
            timestamp: "2025-11-18T13:42:37.818204Z",
            payload: json!({
                "course_code": "ENG5",
                "essay_count": 3,
                "suggested_count": 2,
                "unmatched_count": 1,
                "processing_summary": {
                    "total_essays": 4, "processed": 3, "matched": 2, "unmatched": 1, "failed": 1,
                },
                "message": "Student matches suggested for 2 of 3 essays: please review and confirm them",
            }),
            ownership: vec![],
            traceparent: trace("00-4bf92f3577b34da6a3ce929d0e0e4741-00f067aa0ba902c2-01"),
        },
        Expected {
            topic: "huleedu.class.student.associations.confirmed.v1",
            event: "student_associations_confirmed",
            category: Category::StudentWorkflow,
            priority: Priority::High,
            action_required: false,
            recipient: class_owner(CLASS),
            batch_id: Some(BATCH),
            class_id: Some(CLASS),
            correlation_id: "2d809b4c-6e3f-40b1-ac5b-7f4e9a3dbc26",
            timestamp: "2025-11-18T14:42:07.438204Z",
            payload: json!({
                "confirmed_count": 3,
                "message": "Successfully confirmed 3 student associations",
                "validation_summary": {"total_associations": 4, "confirmed": 3, "rejected": 1},
                "timeout_triggered": false,
            }),
            // Every association was confirmed by hand by the same teacher.
            ownership: vec![(batch(BATCH), TEACHER)],
            traceparent: None,
        },
        Expected {
            topic: "huleedu.class.validation.timeout.processed.v1",
            event: "validation_timeout_processed",
            category: Category::StudentWorkflow,
            priority: Priority::Immediate,
            action_required: false,
            recipient: user(OTHER_TEACHER),
            batch_id: Some(OTHER_BATCH),
            class_id: None,
            correlation_id: "c192f3d4-f6e8-4a3b-85f4-19e234d07fc1",
            timestamp: "2025-11-19T14:42:07.318204Z",
            payload: json!({
                "auto_confirmed_count": 1,
                "timeout_hours": 24,
                "message": "Validation timeout: 1 student matches auto-confirmed after 24 hours",
                "auto_confirmed_associations": [{
                    "essay_id": "6ac3b7e9-bf84-42a3-9d60-e45f7d9cb0d8",
                    "student_name": "Linnea Berg",
                    "confidence_score": 0.93,
                    "is_confirmed": true,
                }],
            }),
            ownership: vec![(batch(OTHER_BATCH), OTHER_TEACHER)],
            traceparent: None,
        },
        Expected {
            topic: "huleedu.notification.teacher.requested.v1",
            event: "batch_validation_failed",
            category: Category::SystemAlerts,
            priority: Priority::Immediate,
            action_required: true,
            recipient: user(TEACHER),
            batch_id: Some(BATCH),
            class_id: None,
            correlation_id: "0b6e7f2a-4c1d-4e9b-8a3f-5d2c7e1b9a04",
            timestamp: "2025-11-18T13:42:10.278204Z",
            payload: json!({
                "file_upload_id": "9f50b143-6dac-4e8f-9041-3c7d9e5fa062",
                "validation_error": "CONTENT_TOO_SHORT",
            }),
            ownership: vec![(batch(BATCH), TEACHER)],
            traceparent: None,
        },
        Expected {
            topic: "huleedu.batch.status.updated.v1",
            event: "batch_status_updated",
            category: Category::BatchProgress,
            // completed_with_failures raises standard to high (§11).
            priority: Priority::High,
            action_required: false,
            recipient: user(TEACHER),
            batch_id: Some(BATCH),
            class_id: None,
            correlation_id: "7e2a9c41-3f5b-4d6e-8a1c-9b0d2f4e6a87",
            timestamp: "2025-11-18T14:05:31.512004Z",
            payload: json!({
                "status": "completed_with_failures",
                "completed_essays": 23,
                "failed_essays": 2,
                "processing_phase": "cj_assessment",
                "completed_at": "2025-11-18T14:05:30.998120Z",
                "message": "Batch completed with failures: 23 essays processed, 2 failed",
            }),
            ownership: vec![(batch(BATCH), TEACHER)],
            traceparent: trace("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
        },
    ]
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
