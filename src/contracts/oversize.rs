//! Finds the first string in a parsed message that is over the per-string
//! limit, so the error can name it.

use serde_json::{Map, Value};

use crate::contracts::error::DecodeError;
use crate::contracts::json_path::{Segment, UnwoundPath};

/// Fails with `field_too_large` on the first string value or object key in
/// the envelope `fields` longer than `max` bytes. The path is only built on
/// failure.
pub(crate) fn check_strings(fields: &Map<String, Value>, max: usize) -> Result<(), DecodeError> {
    match find_in_object(fields, max) {
        None => Ok(()),
        Some(found) => Err(DecodeError::FieldTooLarge { field: found.path.render(""), size: found.size, max }),
    }
}

/// An oversized string and the path to it.
struct Found {
    size: usize,
    path: UnwoundPath,
}

impl Found {
    fn new(size: usize) -> Self {
        Self { size, path: UnwoundPath::default() }
    }

    fn within(mut self, segment: Segment) -> Self {
        self.path.push(segment);
        self
    }
}

fn find(value: &Value, max: usize) -> Option<Found> {
    match value {
        Value::String(text) if text.len() > max => Some(Found::new(text.len())),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(index, item)| find(item, max).map(|found| found.within(Segment::Index(index)))),
        Value::Object(fields) => find_in_object(fields, max),
        _ => None,
    }
}

fn find_in_object(fields: &Map<String, Value>, max: usize) -> Option<Found> {
    fields.iter().find_map(|(key, item)| {
        let found = if key.len() > max { Some(Found::new(key.len())) } else { find(item, max) };
        found.map(|found| found.within(Segment::Key(key.clone())))
    })
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Map, Value};

    use super::check_strings;

    fn object(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn names_the_path_of_the_first_oversized_string() {
        let value = object(json!({"data": {"items": [{"a": "ok"}, {"b": "too long"}]}}));
        let error = check_strings(&value, 5).unwrap_err();
        assert_eq!(error.field(), Some("data.items[1].b"));
        assert_eq!(error.reason(), "field_too_large");
    }

    #[test]
    fn strings_at_the_limit_pass() {
        assert!(check_strings(&object(json!({"k": "four"})), 4).is_ok());
    }

    #[test]
    fn an_oversized_key_is_caught_too() {
        let error = check_strings(&object(json!({"data": {"long key": 1}})), 4).unwrap_err();
        assert_eq!(error.field(), Some("data.long key"));
    }
}
