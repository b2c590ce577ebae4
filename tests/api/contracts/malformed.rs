//! Every file in `malformed/` is rejected, each with its own reason and,
//! where there is one, the field at fault.

use std::collections::BTreeSet;

use hub::contracts::{decode, DecodeError, Limits};
use serde_json::json;

use super::fixtures::{decode_bytes, envelope_files, patched, read, NOTIFICATION_TOPIC};

const CJ_FAILED_TOPIC: &str = "huleedu.cj_assessment.failed.v1";

/// One malformed file, the topic it would arrive on, and the expected
/// `(reason, field)`.
struct Case {
    file: &'static str,
    topic: &'static str,
    reason: &'static str,
    field: Option<&'static str>,
}

const CASES: [Case; 15] = [
    Case { file: "truncated_json.json", topic: NOTIFICATION_TOPIC, reason: "invalid_json", field: None },
    Case { file: "envelope_is_json_array.json", topic: NOTIFICATION_TOPIC, reason: "not_an_object", field: None },
    Case {
        file: "missing_event_type.json",
        topic: NOTIFICATION_TOPIC,
        reason: "missing_field",
        field: Some("event_type"),
    },
    // The file's own event_type is the topic it would be published on.
    Case {
        file: "unknown_event_type.json",
        topic: "huleedu.grading.rubric.changed.v1",
        reason: "unknown_topic",
        field: None,
    },
    Case { file: "event_type_not_topic_form.json", topic: CJ_FAILED_TOPIC, reason: "event_type_mismatch", field: None },
    // The first bad field in wire order is event_id; see the tests below
    // for the other two and for the accepted epoch timestamp.
    Case {
        file: "wrong_types_in_envelope_fields.json",
        topic: NOTIFICATION_TOPIC,
        reason: "invalid_data",
        field: Some("event_id"),
    },
    Case {
        file: "notification_missing_teacher_id.json",
        topic: NOTIFICATION_TOPIC,
        reason: "missing_field",
        field: Some("data.teacher_id"),
    },
    Case {
        file: "notification_empty_teacher_id.json",
        topic: NOTIFICATION_TOPIC,
        reason: "empty_user_id",
        field: Some("data.teacher_id"),
    },
    Case {
        file: "batch_file_added_missing_user_id.json",
        topic: "huleedu.file.batch.file.added.v1",
        reason: "missing_field",
        field: Some("data.user_id"),
    },
    // Over Kafka's default message size, so rejected before parsing.
    Case { file: "huge_string_field_1_2MiB.json", topic: NOTIFICATION_TOPIC, reason: "value_too_large", field: None },
    Case { file: "non_utf8_bytes_in_filename.json", topic: NOTIFICATION_TOPIC, reason: "invalid_utf8", field: None },
    // category comes before priority on the wire.
    Case {
        file: "data_invalid_enum_priority_and_category.json",
        topic: NOTIFICATION_TOPIC,
        reason: "invalid_enum",
        field: Some("data.category"),
    },
    Case {
        file: "data_wrong_field_types_content_provisioning.json",
        topic: "huleedu.batch.content.provisioning.completed.v1",
        reason: "wrong_type",
        field: Some("data.provisioned_count"),
    },
    Case {
        file: "data_double_encoded_string.json",
        topic: NOTIFICATION_TOPIC,
        reason: "wrong_type",
        field: Some("data"),
    },
    Case { file: "empty_value_zero_bytes.json", topic: NOTIFICATION_TOPIC, reason: "empty_value", field: None },
];

fn rejected(topic: &str, value: &[u8]) -> DecodeError {
    match decode_bytes(topic, value) {
        Ok(decoded) => panic!("accepted: {decoded:?}"),
        Err(error) => error,
    }
}

#[test]
fn every_malformed_file_is_rejected_with_its_reason() {
    let covered: BTreeSet<String> = CASES.iter().map(|case| case.file.to_owned()).collect();
    let files: BTreeSet<String> = envelope_files("malformed").into_iter().collect();
    assert_eq!(files, covered, "every malformed file needs a case, and every case a file");

    for case in &CASES {
        let error = rejected(case.topic, &read(&format!("malformed/{}", case.file)));
        assert_eq!(error.reason(), case.reason, "{}: {error}", case.file);
        assert_eq!(error.field(), case.field, "{}: {error}", case.file);
    }
}

#[test]
fn invalid_utf8_reports_the_byte_offset() {
    let error = rejected(NOTIFICATION_TOPIC, &read("malformed/non_utf8_bytes_in_filename.json"));
    assert!(matches!(error, DecodeError::InvalidUtf8 { offset: 603 }), "{error:?}");
}

#[test]
fn a_huge_string_under_a_raised_value_limit_is_still_too_large() {
    let limits = Limits { max_value_bytes: 2 * 1024 * 1024, ..Limits::default() };
    let value = read("malformed/huge_string_field_1_2MiB.json");
    let error = decode(NOTIFICATION_TOPIC, &value, &limits, &[]).unwrap_err();
    assert_eq!(error.reason(), "field_too_large");
    assert_eq!(error.field(), Some("data.payload.message"));
}

#[test]
fn the_double_encoded_data_is_reported_as_a_string() {
    let error = rejected(NOTIFICATION_TOPIC, &read("malformed/data_double_encoded_string.json"));
    assert!(matches!(error, DecodeError::WrongType { found: "string", .. }), "{error:?}");
}

#[test]
fn an_unknown_event_type_on_a_known_topic_is_a_mismatch() {
    let error = rejected(NOTIFICATION_TOPIC, &read("malformed/unknown_event_type.json"));
    assert_eq!(error.reason(), "event_type_mismatch");
}

#[test]
fn an_allowed_alias_lets_the_short_event_type_through() {
    let aliases = [(CJ_FAILED_TOPIC.to_owned(), "cj_assessment.failed.v1".to_owned())];
    let value = read("malformed/event_type_not_topic_form.json");
    let decoded = decode(CJ_FAILED_TOPIC, &value, &Limits::default(), &aliases).expect("alias allowed");
    assert_eq!(decoded.notification.event, "batch_assessment_failed");
    // An alias for another topic does not apply.
    let elsewhere = [(NOTIFICATION_TOPIC.to_owned(), "cj_assessment.failed.v1".to_owned())];
    let error = decode(CJ_FAILED_TOPIC, &value, &Limits::default(), &elsewhere).unwrap_err();
    assert_eq!(error.reason(), "event_type_mismatch");
}

const WRONG_TYPES: &str = "malformed/wrong_types_in_envelope_fields.json";

#[test]
fn a_non_integer_schema_version_and_an_integer_correlation_id_are_wrong_types() {
    let value = patched(WRONG_TYPES, |envelope| {
        envelope["event_id"] = json!("b1360aea-933b-4d62-b84d-c1a93b39317b");
    });
    let error = rejected(NOTIFICATION_TOPIC, &value);
    assert_eq!((error.reason(), error.field()), ("wrong_type", Some("schema_version")));

    let value = patched(WRONG_TYPES, |envelope| {
        envelope["event_id"] = json!("b1360aea-933b-4d62-b84d-c1a93b39317b");
        envelope["schema_version"] = json!(1);
    });
    let error = rejected(NOTIFICATION_TOPIC, &value);
    assert_eq!((error.reason(), error.field()), ("wrong_type", Some("correlation_id")));
}

#[test]
fn an_epoch_event_timestamp_is_accepted_like_pydantic_does() {
    let value = patched(WRONG_TYPES, |envelope| {
        envelope["event_id"] = json!("b1360aea-933b-4d62-b84d-c1a93b39317b");
        envelope["schema_version"] = json!(1);
        envelope["correlation_id"] = json!("2069ec63-8411-4896-b794-c1d54dcaafe1");
        // Without data.timestamp the envelope's dates the notification.
        envelope["data"].as_object_mut().expect("data is an object").remove("timestamp");
    });
    let decoded = decode_bytes(NOTIFICATION_TOPIC, &value).expect("epoch accepted");
    assert_eq!(decoded.notification.frame_timestamp(), "2025-11-18T13:42:10Z");
}

#[test]
fn a_placeholder_teacher_id_is_not_a_recipient() {
    let value = patched("examples/huleedu.notification.teacher.requested.v1.json", |envelope| {
        envelope["data"]["teacher_id"] = json!("unknown");
    });
    let error = rejected(NOTIFICATION_TOPIC, &value);
    assert_eq!((error.reason(), error.field()), ("invalid_data", Some("data.teacher_id")));
}

#[test]
fn an_invalid_priority_alone_is_an_invalid_enum_on_priority() {
    let value = patched("examples/huleedu.notification.teacher.requested.v1.json", |envelope| {
        envelope["data"]["priority"] = json!("urgent");
    });
    let error = rejected(NOTIFICATION_TOPIC, &value);
    assert!(
        matches!(&error, DecodeError::InvalidEnum { field, value } if field == "data.priority" && value == "urgent"),
        "{error:?}"
    );
}
