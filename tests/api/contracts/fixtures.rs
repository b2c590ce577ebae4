//! Reading fixtures and decoding them.

use std::path::{Path, PathBuf};

use hub::contracts::{decode, DecodeError, Decoded, Limits};
use serde_json::Value;

pub const NOTIFICATION_TOPIC: &str = "huleedu.notification.teacher.requested.v1";
pub const TEACHER: &str = "3f6c1a2e-8d4b-4e7f-9a15-c2b7d0e9f481";
pub const OTHER_TEACHER: &str = "b81d4f07-2c9e-4a63-8e5d-61f0a7c3d2b9";
pub const BATCH: &str = "9a1f3c5e-7b2d-4e8f-a6c4-0d2e8b7f1a35";
pub const OTHER_BATCH: &str = "c4e7a912-5d3b-4f06-8b1e-7a9c2d5f3e60";
pub const CLASS: &str = "6e2b9d41-0f7a-4c58-93d6-e1a4b8c70f2d";

/// The platform's contract fixtures: `$HUB_CONTRACTS_DIR` if set, else the team's
/// `shared/contracts` beside the repository when it is there, else the copy in
/// `tests/fixtures/contracts` (so a fresh clone tests on its own).
pub fn contracts_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("HUB_CONTRACTS_DIR") {
        return PathBuf::from(dir);
    }
    let shared = shared_dir();
    if shared.is_dir() {
        shared
    } else {
        vendored_dir()
    }
}

/// `shared/contracts` beside the repository.
pub fn shared_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/contracts")
}

/// The copy kept in the repository.
pub fn vendored_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/contracts")
}

/// The bytes of a fixture, by path relative to `shared/contracts`.
pub fn read(relative: &str) -> Vec<u8> {
    let path = contracts_dir().join(relative);
    std::fs::read(&path).unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()))
}

/// Sorted names of the `.json` files in a fixture folder, minus those
/// ending in `.redis.json`.
pub fn envelope_files(relative_dir: &str) -> Vec<String> {
    let dir = contracts_dir().join(relative_dir);
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|error| panic!("cannot list {}: {error}", dir.display()))
        .map(|entry| entry.expect("directory entry").file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".json") && !name.ends_with(".redis.json"))
        .collect();
    names.sort();
    names
}

pub fn decode_bytes(topic: &str, value: &[u8]) -> Result<Decoded, DecodeError> {
    decode(topic, value, &Limits::default(), &[])
}

/// Decodes a fixture that must be valid.
pub fn decode_fixture(topic: &str, relative: &str) -> Decoded {
    decode_bytes(topic, &read(relative)).unwrap_or_else(|error| panic!("{relative}: {error}"))
}

/// A fixture, parsed, changed by `change`, and serialized again.
pub fn patched(relative: &str, change: impl FnOnce(&mut Value)) -> Vec<u8> {
    let mut value: Value = serde_json::from_slice(&read(relative)).expect("fixture is JSON");
    change(&mut value);
    serde_json::to_vec(&value).expect("serializable")
}
