//! The README's "Settings" table is the settings code: every key the code accepts is a row, with
//! its `HUB__…` variable and its default, and every row is a key the code accepts.
//!
//! The keys and defaults come from `Settings::default()` serialised (the same derive-generated
//! field list `deny_unknown_fields` accepts, so a key added to the code is missing from the
//! README until a row is written). A README default is read the way a user would use it:
//! - code spans are the value: given to the hub through the row's environment variable (spans
//!   joined with `,`, as lists are written there) they must load to the code's default, so `1h`,
//!   `3600s` and `60m` are all the same duration, and the hub's own parser decides;
//! - without code spans, the first word says which empty value: `empty` is the empty string,
//!   `none` the empty list, `unset` an absent optional value; the rest of the cell is comment;
//! - the few defaults computed at start-up (or too long for the table) are written in words, and
//!   are listed in `in_words()` with the exact text and the code's default it stands for.

use std::collections::BTreeMap;

use hub::settings::{Settings, DEFAULT_TOPICS};
use serde_json::{json, Value};

use super::{code_spans, table_rows};

/// A secret good enough for every listener on loopback, so that loading validates.
const SECRET: (&str, &str) = ("HUB__AUTH__JWT_SECRET", "a-readme-test-secret-of-enough-length");

/// Defaults the README writes in words: the key, the README's exact text, and the code's
/// default it stands for.
fn in_words() -> [(&'static str, &'static str, Value); 4] {
    [
        ("server.workers", "available CPUs", Value::Null),
        ("server.max_connections", "the process's open-file limit minus 256", Value::Null),
        ("server.instance_id", "`hub-<8 random hex>`", Value::Null),
        ("kafka.topics", "the teacher-notification and batch-status topics", json!(DEFAULT_TOPICS)),
    ]
}

/// One row of the README's table.
#[derive(Debug)]
struct Row {
    /// The `HUB__…` environment variable the row names.
    env: String,
    /// The default, as the README writes it.
    default: String,
}

/// The README's rows by dotted key.
fn documented() -> BTreeMap<String, Row> {
    let mut rows = BTreeMap::new();
    for cells in table_rows("## Settings") {
        let [key, env, default, _meaning] = cells.as_slice() else {
            panic!("a settings row has four cells: {cells:?}");
        };
        let ([key], [env]) = (&code_spans(key)[..], &code_spans(env)[..]) else {
            panic!("a settings row names its key and variable in backticks: {cells:?}");
        };
        let row = Row { env: env.to_string(), default: default.clone() };
        assert!(rows.insert(key.to_string(), row).is_none(), "`{key}` has two rows");
    }
    rows
}

/// Every key the code accepts, `section.key`, with its default.
fn in_code() -> BTreeMap<String, Value> {
    flatten(serde_json::to_value(Settings::default()).expect("settings serialise"))
}

/// `{"ws": {"ping_interval": "20s"}}` as `ws.ping_interval` = `"20s"`.
fn flatten(settings: Value) -> BTreeMap<String, Value> {
    let Value::Object(sections) = settings else { panic!("settings serialise to a map") };
    let mut keys = BTreeMap::new();
    for (section, fields) in sections {
        let Value::Object(fields) = fields else { panic!("`{section}` is a section of keys") };
        keys.extend(fields.into_iter().map(|(key, value)| (format!("{section}.{key}"), value)));
    }
    keys
}

/// What a default written as code spans loads to: the value the hub reads from the row's
/// environment variable, or why it refused it.
fn loaded(key: &str, row: &Row, spans: &[&str]) -> Result<Value, String> {
    let env = [SECRET, (row.env.as_str(), &spans.join(","))].map(|(name, value)| (name.to_owned(), value.to_owned()));
    let settings = Settings::load_from(None, env).map_err(|error| error.to_string())?;
    Ok(flatten(serde_json::to_value(settings).expect("settings serialise")).remove(key).unwrap_or(Value::Null))
}

/// Why the README's default for `key` is not the code's `default`, if it is not.
fn wrong_default(key: &str, row: &Row, default: &Value) -> Option<String> {
    if let Some((_, text, stands_for)) = in_words().into_iter().find(|(words, ..)| *words == key) {
        return (row.default != text || *default != stands_for).then(|| {
            format!(
                "`{key}`: the README says {} and the code {default}; in_words() has {text} for {stands_for}",
                row.default
            )
        });
    }
    let spans = code_spans(&row.default);
    let readme = if spans.is_empty() {
        match row.default.split_whitespace().next() {
            Some("empty") => json!(""),
            Some("none") => json!([]),
            Some("unset") => Value::Null,
            _ => {
                return Some(format!(
                    "`{key}`: write the default `{}` in backticks, or as empty, none or unset",
                    row.default
                ))
            }
        }
    } else {
        match loaded(key, row, &spans) {
            Ok(value) => value,
            Err(error) => return Some(format!("`{key}`: the README's default {} is refused: {error}", row.default)),
        }
    };
    (readme != *default).then(|| format!("`{key}`: the README says {}, the code's default is {default}", row.default))
}

#[test]
fn every_setting_the_code_accepts_is_a_readme_row() {
    let documented = documented();
    let missing: Vec<String> = in_code().into_keys().filter(|key| !documented.contains_key(key)).collect();
    assert!(missing.is_empty(), "settings without a row in the README's table: {missing:?}");
}

#[test]
fn every_readme_settings_row_is_a_setting_the_code_accepts() {
    let in_code = in_code();
    let unknown: Vec<String> = documented().into_keys().filter(|key| !in_code.contains_key(key)).collect();
    assert!(unknown.is_empty(), "README rows for settings the hub does not have: {unknown:?}");
}

#[test]
fn every_readme_settings_row_names_its_keys_environment_variable() {
    for (key, row) in documented() {
        let env = format!("HUB__{}", key.to_uppercase().replace('.', "__"));
        assert_eq!(row.env, env, "the environment variable of `{key}`");
    }
}

#[test]
fn every_readme_settings_default_is_the_codes_default() {
    let documented = documented();
    let wrong: Vec<String> =
        in_code().iter().filter_map(|(key, default)| wrong_default(key, documented.get(key)?, default)).collect();
    assert!(wrong.is_empty(), "the README's settings table is wrong:\n{}", wrong.join("\n"));
}
