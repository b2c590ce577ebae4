//! Deserializes a parsed `serde_json::Value` into a typed contract struct and,
//! on failure, says which field was wrong and how.
//!
//! `serde_json`'s own errors name neither the field nor the kind of problem
//! (a wrong type and a missing key are both "data" errors), so this is a thin
//! `Deserializer` over `Value` that records the map key or array index on the
//! way out of every nested value and keeps serde's error kinds apart. It also
//! refuses the one leniency `serde_json` has that the platform's models do
//! not: a JSON array is never accepted where a struct is expected.

use std::fmt;

use serde::de::{
    self, value::StrDeserializer, DeserializeOwned, DeserializeSeed, Deserializer, Expected, IntoDeserializer,
    MapAccess, SeqAccess, Unexpected, Visitor,
};
use serde_json::{Map, Value};

use crate::contracts::error::{echo, DecodeError};
use crate::contracts::json_path::{Segment, UnwoundPath};

/// Deserializes `value` as `T`. `root` is the path of `value` in the
/// envelope (`""` for the envelope itself, `"data"` for its data).
pub(crate) fn from_value<T: DeserializeOwned>(value: Value, root: &str) -> Result<T, DecodeError> {
    T::deserialize(Node(value)).map_err(|error| error.into_decode_error(root))
}

/// The JSON kind of a value, as error messages name it.
pub(crate) fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(number) if number.is_f64() => "number",
        Value::Number(_) => "integer",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// A deserialization failure and where it happened.
#[derive(Debug)]
pub(crate) struct PathError {
    path: UnwoundPath,
    problem: Problem,
}

/// What went wrong, keeping serde's error kinds apart.
#[derive(Debug)]
enum Problem {
    /// A required field (named) is absent from the object at the path.
    Missing(&'static str),
    /// The value has the wrong JSON kind.
    WrongType { found: &'static str, expected: String },
    /// A string outside an enum (shortened).
    UnknownVariant(String),
    /// The right kind, an unusable value.
    Invalid(String),
}

impl PathError {
    fn new(problem: Problem) -> Self {
        Self { path: UnwoundPath::default(), problem }
    }

    fn wrong_type(found: &Value, expected: &str) -> Self {
        Self::new(Problem::WrongType { found: kind(found), expected: expected.to_owned() })
    }

    fn within(mut self, segment: Segment) -> Self {
        self.path.push(segment);
        self
    }

    fn into_decode_error(self, root: &str) -> DecodeError {
        let path = self.path.render(root);
        match self.problem {
            Problem::Missing(name) => DecodeError::MissingField {
                field: if path.is_empty() { name.to_owned() } else { format!("{path}.{name}") },
            },
            Problem::WrongType { found, expected } => DecodeError::WrongType { field: path, found, expected },
            Problem::UnknownVariant(value) => DecodeError::InvalidEnum { field: path, value },
            Problem::Invalid(problem) => DecodeError::InvalidData { field: path, problem },
        }
    }
}

impl fmt::Display for PathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot deserialize `{}`", self.path.render("$"))
    }
}

impl std::error::Error for PathError {}

impl de::Error for PathError {
    fn custom<T: fmt::Display>(message: T) -> Self {
        Self::new(Problem::Invalid(message.to_string()))
    }

    fn invalid_type(unexpected: Unexpected<'_>, expected: &dyn Expected) -> Self {
        Self::new(Problem::WrongType { found: unexpected_kind(&unexpected), expected: expected.to_string() })
    }

    // The value itself is left out: it may be long, and the path names it.
    fn invalid_value(_unexpected: Unexpected<'_>, expected: &dyn Expected) -> Self {
        Self::new(Problem::Invalid(format!("expected {expected}")))
    }

    fn invalid_length(len: usize, expected: &dyn Expected) -> Self {
        Self::new(Problem::Invalid(format!("has {len} elements, expected {expected}")))
    }

    fn unknown_variant(variant: &str, _expected: &'static [&'static str]) -> Self {
        Self::new(Problem::UnknownVariant(echo(variant)))
    }

    fn missing_field(field: &'static str) -> Self {
        Self::new(Problem::Missing(field))
    }
}

fn unexpected_kind(unexpected: &Unexpected<'_>) -> &'static str {
    match unexpected {
        Unexpected::Bool(_) => "boolean",
        Unexpected::Unsigned(_) | Unexpected::Signed(_) => "integer",
        Unexpected::Float(_) => "number",
        Unexpected::Char(_) | Unexpected::Str(_) => "string",
        Unexpected::Unit | Unexpected::Option => "null",
        Unexpected::Seq => "array",
        Unexpected::Map => "object",
        _ => "value",
    }
}

/// One JSON value being deserialized.
struct Node(Value);

impl<'de> Deserializer<'de> for Node {
    type Error = PathError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, PathError> {
        match self.0 {
            Value::Null => visitor.visit_unit(),
            Value::Bool(flag) => visitor.visit_bool(flag),
            Value::Number(number) => {
                if let Some(unsigned) = number.as_u64() {
                    visitor.visit_u64(unsigned)
                } else if let Some(signed) = number.as_i64() {
                    visitor.visit_i64(signed)
                } else {
                    // Without `arbitrary_precision` every other number is an f64.
                    visitor.visit_f64(number.as_f64().unwrap_or(f64::NAN))
                }
            }
            Value::String(text) => visitor.visit_string(text),
            Value::Array(items) => visit_items(items, visitor),
            Value::Object(fields) => visitor.visit_map(Fields::new(fields)),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, PathError> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            value => visitor.visit_some(Node(value)),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, PathError> {
        self.deserialize_map(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, PathError> {
        match self.0 {
            Value::Object(fields) => visitor.visit_map(Fields::new(fields)),
            other => Err(PathError::wrong_type(&other, "an object")),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, PathError> {
        match self.0 {
            Value::String(variant) => visitor.visit_enum(variant.into_deserializer()),
            other => Err(PathError::wrong_type(&other, "a string")),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, PathError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, PathError> {
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct identifier
    }
}

fn visit_items<'de, V: Visitor<'de>>(items: Vec<Value>, visitor: V) -> Result<V::Value, PathError> {
    let len = items.len();
    let mut access = Items { items: items.into_iter(), index: 0 };
    let value = visitor.visit_seq(&mut access)?;
    if access.items.as_slice().is_empty() {
        Ok(value)
    } else {
        Err(de::Error::invalid_length(len, &"fewer elements in array"))
    }
}

/// The elements of an array, each tagged with its index on failure.
struct Items {
    items: std::vec::IntoIter<Value>,
    index: usize,
}

impl<'de> SeqAccess<'de> for Items {
    type Error = PathError;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, PathError> {
        let Some(item) = self.items.next() else {
            return Ok(None);
        };
        let index = self.index;
        self.index += 1;
        seed.deserialize(Node(item)).map(Some).map_err(|error| error.within(Segment::Index(index)))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

/// The entries of an object, each value tagged with its key on failure.
struct Fields {
    entries: serde_json::map::IntoIter,
    /// The entry whose key was handed out and whose value comes next.
    pending: Option<(String, Value)>,
}

impl Fields {
    fn new(fields: Map<String, Value>) -> Self {
        Self { entries: fields.into_iter(), pending: None }
    }
}

impl<'de> MapAccess<'de> for Fields {
    type Error = PathError;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, PathError> {
        let Some((key, value)) = self.entries.next() else {
            return Ok(None);
        };
        let decoded = seed.deserialize(StrDeserializer::<PathError>::new(&key))?;
        self.pending = Some((key, value));
        Ok(Some(decoded))
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, PathError> {
        let (key, value) =
            self.pending.take().ok_or_else(|| de::Error::custom("a map value was requested before its key"))?;
        seed.deserialize(Node(value)).map_err(|error| error.within(Segment::Key(key)))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::json;

    use super::from_value;

    #[derive(Debug, Deserialize)]
    struct Outer {
        items: Vec<Inner>,
    }

    #[derive(Debug, Deserialize)]
    struct Inner {
        count: u32,
    }

    #[test]
    fn a_valid_value_deserializes() {
        let outer = from_value::<Outer>(json!({"items": [{"count": 1, "extra": true}]}), "data").expect("valid");
        assert_eq!(outer.items[0].count, 1);
    }

    #[test]
    fn a_wrong_type_names_the_nested_path() {
        let error = from_value::<Outer>(json!({"items": [{"count": 1}, {"count": "two"}]}), "data").unwrap_err();
        assert_eq!(error.reason(), "wrong_type");
        assert_eq!(error.field(), Some("data.items[1].count"));
    }

    #[test]
    fn a_missing_field_names_the_field_under_its_parent() {
        let error = from_value::<Outer>(json!({"items": [{}]}), "data").unwrap_err();
        assert_eq!(error.reason(), "missing_field");
        assert_eq!(error.field(), Some("data.items[0].count"));
    }

    #[test]
    fn an_array_is_not_accepted_as_a_struct() {
        let error = from_value::<Inner>(json!([3]), "data").unwrap_err();
        assert_eq!(error.reason(), "wrong_type");
        assert_eq!(error.field(), Some("data"));
    }

    #[test]
    fn a_negative_count_is_invalid_data() {
        let error = from_value::<Inner>(json!({"count": -1}), "data").unwrap_err();
        assert_eq!(error.reason(), "invalid_data");
        assert_eq!(error.field(), Some("data.count"));
    }
}
