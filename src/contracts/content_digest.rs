//! A fingerprint of an event's `data` that survives the outbox relay.
//!
//! The relay stores `data` in a database row and publishes it again inside
//! a new envelope, so the key order and whitespace of the JSON may change
//! but its content does not. The digest therefore hashes a canonical form:
//! object keys sorted, every value tagged with its kind and length-prefixed,
//! numbers by their JSON text.

use std::fmt;

use serde_json::Value;
use sha2::{Digest, Sha256};

/// SHA-256 of the canonical form of an event's `data`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct ContentDigest([u8; 32]);

impl ContentDigest {
    pub(crate) fn of(data: &Value) -> Self {
        let mut hasher = Sha256::new();
        feed(&mut hasher, data);
        Self(hasher.finalize().into())
    }
}

/// Lowercase hex.
impl fmt::Display for ContentDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|byte| write!(f, "{byte:02x}"))
    }
}

fn feed(hasher: &mut Sha256, value: &Value) {
    match value {
        Value::Null => hasher.update(b"n"),
        Value::Bool(true) => hasher.update(b"t"),
        Value::Bool(false) => hasher.update(b"f"),
        Value::Number(number) => feed_text(hasher, b'#', &number.to_string()),
        Value::String(text) => feed_text(hasher, b's', text),
        Value::Array(items) => {
            feed_len(hasher, b'[', items.len());
            for item in items {
                feed(hasher, item);
            }
        }
        Value::Object(fields) => {
            feed_len(hasher, b'{', fields.len());
            let mut entries: Vec<_> = fields.iter().collect();
            entries.sort_unstable_by_key(|(key, _)| *key);
            for (key, item) in entries {
                feed_text(hasher, b'k', key);
                feed(hasher, item);
            }
        }
    }
}

fn feed_len(hasher: &mut Sha256, tag: u8, len: usize) {
    hasher.update([tag]);
    hasher.update((len as u64).to_le_bytes());
}

fn feed_text(hasher: &mut Sha256, tag: u8, text: &str) {
    feed_len(hasher, tag, text.len());
    hasher.update(text.as_bytes());
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::ContentDigest;

    #[test]
    fn key_order_does_not_matter() {
        let a = json!({"a": 1, "b": {"c": [1, "x"], "d": null}});
        let b = json!({"b": {"d": null, "c": [1, "x"]}, "a": 1});
        assert_eq!(ContentDigest::of(&a), ContentDigest::of(&b));
    }

    #[test]
    fn content_and_kinds_matter() {
        let base = ContentDigest::of(&json!({"a": "1"}));
        assert_ne!(base, ContentDigest::of(&json!({"a": 1})));
        assert_ne!(base, ContentDigest::of(&json!({"a": "2"})));
        assert_ne!(ContentDigest::of(&json!(["ab", "c"])), ContentDigest::of(&json!(["a", "bc"])));
    }

    #[test]
    fn displays_as_64_hex_digits() {
        let text = ContentDigest::of(&json!({})).to_string();
        assert_eq!(text.len(), 64);
        assert!(text.bytes().all(|byte| byte.is_ascii_hexdigit()));
    }
}
