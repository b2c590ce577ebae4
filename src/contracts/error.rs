//! Why a Kafka message could not become a notification.

/// A message the hub must not deliver. Each variant says what was wrong and
/// where; [`DecodeError::reason`] gives the stable label for metrics and
/// dead-letter headers.
///
/// Field paths are dotted from the envelope root, with array indices in
/// brackets: `data.payload.message`, `data.associations[2].student_id`.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// Zero bytes: a tombstone or an empty produce.
    #[error("message value is empty")]
    EmptyValue,

    /// The whole value is over [`crate::contracts::Limits::max_value_bytes`].
    #[error("message value is {size} bytes, over the {max}-byte limit")]
    ValueTooLarge {
        /// Size of the value received.
        size: usize,
        /// The configured limit.
        max: usize,
    },

    /// The hub has no contract for the topic the message arrived on.
    #[error("no contract for topic `{topic}`")]
    UnknownTopic {
        /// The Kafka topic the caller passed.
        topic: String,
    },

    /// The value is not UTF-8; the platform only writes ASCII JSON.
    #[error("message value is not UTF-8 (first bad byte at offset {offset})")]
    InvalidUtf8 {
        /// Byte offset of the first invalid sequence.
        offset: usize,
    },

    /// The value is not one complete JSON document.
    #[error("message value is not valid JSON")]
    InvalidJson(#[source] serde_json::Error),

    /// The JSON root is not an object, so it cannot be an envelope.
    #[error("message value is a JSON {found}, not an envelope object")]
    NotAnObject {
        /// JSON kind of the root (`array`, `string`, ...).
        found: &'static str,
    },

    /// One string (value or key) is over [`crate::contracts::Limits::max_string_bytes`].
    #[error("`{field}` is {size} bytes, over the {max}-byte limit for one string")]
    FieldTooLarge {
        /// Path of the string.
        field: String,
        /// Its size in UTF-8 bytes.
        size: usize,
        /// The configured limit.
        max: usize,
    },

    /// A field the contract requires is absent.
    #[error("required field `{field}` is missing")]
    MissingField {
        /// Path of the missing field.
        field: String,
    },

    /// A field has the wrong JSON type.
    #[error("`{field}` is a JSON {found}, expected {expected}")]
    WrongType {
        /// Path of the field.
        field: String,
        /// JSON kind received.
        found: &'static str,
        /// What the contract wants there.
        expected: String,
    },

    /// A string field holds a value outside its enum.
    #[error("`{field}` has unknown value `{value}`")]
    InvalidEnum {
        /// Path of the field.
        field: String,
        /// The value received (shortened if long).
        value: String,
    },

    /// A field has the right type but an unusable value.
    #[error("`{field}` is invalid: {problem}")]
    InvalidData {
        /// Path of the field.
        field: String,
        /// What is wrong with it.
        problem: String,
    },

    /// The envelope's `event_type` is neither the topic nor an allowed alias.
    #[error("event_type `{event_type}` does not belong on topic `{topic}`")]
    EventTypeMismatch {
        /// The Kafka topic.
        topic: String,
        /// The envelope's `event_type` (shortened if long).
        event_type: String,
    },

    /// The field naming the teacher is empty, so there is no one to deliver to.
    #[error("user field `{field}` is empty")]
    EmptyUserId {
        /// Path of the user field.
        field: String,
    },
}

impl DecodeError {
    /// Every [`Self::reason`], so each label can be registered at zero.
    pub const REASONS: [&'static str; 13] = [
        "empty_value",
        "value_too_large",
        "unknown_topic",
        "invalid_utf8",
        "invalid_json",
        "not_an_object",
        "field_too_large",
        "missing_field",
        "wrong_type",
        "invalid_enum",
        "invalid_data",
        "event_type_mismatch",
        "empty_user_id",
    ];

    /// A stable snake_case label for metrics and dead-letter headers; a new one goes in
    /// [`Self::REASONS`] too.
    pub const fn reason(&self) -> &'static str {
        match self {
            Self::EmptyValue => "empty_value",
            Self::ValueTooLarge { .. } => "value_too_large",
            Self::UnknownTopic { .. } => "unknown_topic",
            Self::InvalidUtf8 { .. } => "invalid_utf8",
            Self::InvalidJson(_) => "invalid_json",
            Self::NotAnObject { .. } => "not_an_object",
            Self::FieldTooLarge { .. } => "field_too_large",
            Self::MissingField { .. } => "missing_field",
            Self::WrongType { .. } => "wrong_type",
            Self::InvalidEnum { .. } => "invalid_enum",
            Self::InvalidData { .. } => "invalid_data",
            Self::EventTypeMismatch { .. } => "event_type_mismatch",
            Self::EmptyUserId { .. } => "empty_user_id",
        }
    }

    /// The path of the field at fault, for the variants that have one.
    pub fn field(&self) -> Option<&str> {
        match self {
            Self::FieldTooLarge { field, .. }
            | Self::MissingField { field }
            | Self::WrongType { field, .. }
            | Self::InvalidEnum { field, .. }
            | Self::InvalidData { field, .. }
            | Self::EmptyUserId { field } => Some(field),
            _ => None,
        }
    }
}

/// Longest echo of an input value kept in an error, so a hostile message
/// cannot make log lines or dead-letter headers large.
const MAX_ECHO_BYTES: usize = 64;

/// Shortens `value` to at most [`MAX_ECHO_BYTES`] (on a char boundary),
/// marking the cut with `…`.
pub(crate) fn echo(value: &str) -> String {
    if value.len() <= MAX_ECHO_BYTES {
        return value.to_owned();
    }
    let mut end = MAX_ECHO_BYTES;
    while !value.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &value[..end])
}

#[cfg(test)]
mod tests {
    use super::{echo, DecodeError};

    /// One of each error. The match has no wildcard, so a new variant does not compile until it is
    /// listed here, and then [`DecodeError::REASONS`] is checked to hold its reason.
    fn one_of_each() -> Vec<DecodeError> {
        let (field, text) = (|| "f".to_owned(), || "t".to_owned());
        let json = serde_json::from_str::<serde_json::Value>("{").unwrap_err();
        let all = vec![
            DecodeError::EmptyValue,
            DecodeError::ValueTooLarge { size: 2, max: 1 },
            DecodeError::UnknownTopic { topic: text() },
            DecodeError::InvalidUtf8 { offset: 0 },
            DecodeError::InvalidJson(json),
            DecodeError::NotAnObject { found: "array" },
            DecodeError::FieldTooLarge { field: field(), size: 2, max: 1 },
            DecodeError::MissingField { field: field() },
            DecodeError::WrongType { field: field(), found: "number", expected: text() },
            DecodeError::InvalidEnum { field: field(), value: text() },
            DecodeError::InvalidData { field: field(), problem: text() },
            DecodeError::EventTypeMismatch { topic: text(), event_type: text() },
            DecodeError::EmptyUserId { field: field() },
        ];
        for error in &all {
            match error {
                DecodeError::EmptyValue
                | DecodeError::ValueTooLarge { .. }
                | DecodeError::UnknownTopic { .. }
                | DecodeError::InvalidUtf8 { .. }
                | DecodeError::InvalidJson(_)
                | DecodeError::NotAnObject { .. }
                | DecodeError::FieldTooLarge { .. }
                | DecodeError::MissingField { .. }
                | DecodeError::WrongType { .. }
                | DecodeError::InvalidEnum { .. }
                | DecodeError::InvalidData { .. }
                | DecodeError::EventTypeMismatch { .. }
                | DecodeError::EmptyUserId { .. } => {}
            }
        }
        all
    }

    #[test]
    fn every_reason_is_registered_at_zero() {
        let reasons: Vec<&str> = one_of_each().iter().map(DecodeError::reason).collect();
        assert_eq!(reasons, DecodeError::REASONS);
    }

    #[test]
    fn long_values_are_cut_on_a_char_boundary() {
        let long = "ä".repeat(40);
        let cut = echo(&long);
        assert!(cut.ends_with('…'));
        assert_eq!(cut.chars().filter(|c| *c == 'ä').count(), 32);
        assert_eq!(echo("short"), "short");
    }
}
