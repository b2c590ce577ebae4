//! Summary objects of named integer counts (`dict[str, int]` in the
//! platform), kept in wire order so the dashboard shows them as sent.

use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::{Map, Value};

/// An object whose every value is an integer.
pub(crate) struct Counts(pub(crate) Map<String, Value>);

impl<'de> Deserialize<'de> for Counts {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(CountsVisitor)
    }
}

struct CountsVisitor;

impl<'de> Visitor<'de> for CountsVisitor {
    type Value = Counts;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object of integer counts")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut entries: A) -> Result<Counts, A::Error> {
        let mut counts = Map::new();
        while let Some((name, count)) = entries.next_entry::<String, i64>()? {
            counts.insert(name, Value::from(count));
        }
        Ok(Counts(counts))
    }
}
