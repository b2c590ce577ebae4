//! Which strings in a user field are real users.
//!
//! Producers fill user fields with placeholders when they do not know the
//! user: ELS writes `"unknown"` into `BatchContentProvisioningCompletedV1.user_id`,
//! and the timeout path writes `"SYSTEM_TIMEOUT"` into `validated_by`. An
//! empty string is never a user either (the websocket service would publish
//! it to the channel `ws:`).

use crate::contracts::error::DecodeError;

/// Placeholder values producers write into user fields.
const SENTINELS: [&str; 2] = ["unknown", "SYSTEM_TIMEOUT"];

/// Whether `id` names a real user (not empty, blank, or a placeholder).
pub(crate) fn is_user(id: &str) -> bool {
    !id.trim().is_empty() && !SENTINELS.contains(&id)
}

/// Reads a field that must name the teacher to notify.
///
/// An empty value is `empty_user_id`; a placeholder is `invalid_data`, since
/// the field is filled but with something that is not a user.
pub(crate) fn require_user(field: &str, id: String) -> Result<String, DecodeError> {
    if id.trim().is_empty() {
        return Err(DecodeError::EmptyUserId { field: field.to_owned() });
    }
    if SENTINELS.contains(&id.as_str()) {
        return Err(DecodeError::InvalidData {
            field: field.to_owned(),
            problem: format!("`{id}` is a placeholder, not a user"),
        });
    }
    Ok(id)
}

/// Reads an id the recipient depends on (a batch or class whose owner the
/// hub must look up): it must not be blank.
pub(crate) fn require_id(field: &str, id: String) -> Result<String, DecodeError> {
    if id.trim().is_empty() {
        return Err(DecodeError::InvalidData { field: field.to_owned(), problem: "is empty".to_owned() });
    }
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::{is_user, require_user};

    #[test]
    fn placeholders_and_blanks_are_not_users() {
        for id in ["", "  ", "unknown", "SYSTEM_TIMEOUT"] {
            assert!(!is_user(id), "{id:?}");
        }
        assert!(is_user("3f6c1a2e-8d4b-4e7f-9a15-c2b7d0e9f481"));
    }

    #[test]
    fn a_required_user_must_be_real() {
        let empty = require_user("data.user_id", String::new()).unwrap_err();
        assert_eq!(empty.reason(), "empty_user_id");
        let sentinel = require_user("data.user_id", "unknown".to_owned()).unwrap_err();
        assert_eq!(sentinel.reason(), "invalid_data");
    }
}
