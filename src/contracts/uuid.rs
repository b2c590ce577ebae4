//! UUID strings, as the envelope and most event ids carry them.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, Visitor};

/// A UUID in the hyphenated 8-4-4-4-12 form, stored lowercase.
///
/// Python writes `str(uuid)`, which is always this form. Pydantic would also
/// take braces, a `urn:uuid:` prefix or 32 bare hex digits; no platform
/// producer writes those, so the hub treats them as a foreign producer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Uuid(String);

impl Uuid {
    pub(crate) fn parse(text: &str) -> Option<Self> {
        let bytes = text.as_bytes();
        let well_formed = bytes.len() == 36
            && bytes.iter().enumerate().all(|(index, byte)| match index {
                8 | 13 | 18 | 23 => *byte == b'-',
                _ => byte.is_ascii_hexdigit(),
            });
        well_formed.then(|| Self(text.to_ascii_lowercase()))
    }

    pub(crate) fn into_string(self) -> String {
        self.0
    }
}

impl<'de> Deserialize<'de> for Uuid {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(UuidVisitor)
    }
}

struct UuidVisitor;

impl Visitor<'_> for UuidVisitor {
    type Value = Uuid;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a hyphenated UUID string")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Uuid, E> {
        Uuid::parse(text).ok_or_else(|| E::invalid_value(de::Unexpected::Str(text), &self))
    }
}

#[cfg(test)]
mod tests {
    use super::Uuid;

    #[test]
    fn accepts_the_python_form_in_either_case() {
        let id = Uuid::parse("B1360AEA-933b-4d62-b84d-c1a93b39317b").unwrap();
        assert_eq!(id.into_string(), "b1360aea-933b-4d62-b84d-c1a93b39317b");
    }

    #[test]
    fn rejects_other_ids() {
        for text in [
            "evt-20251118-000123",
            "b1360aea933b4d62b84dc1a93b39317b",
            "b1360aea-933b-4d62-b84d-c1a93b39317",
            "g1360aea-933b-4d62-b84d-c1a93b39317b",
        ] {
            assert!(Uuid::parse(text).is_none(), "{text}");
        }
    }
}
