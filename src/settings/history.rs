//! `[history]`: the per-user history kept for resume.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{at_least_one, SettingsError};

/// Per-user history kept for resume.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct HistorySettings {
    /// Notifications kept per user.
    pub max_len: usize,
    /// Notifications older than this are dropped.
    #[serde(with = "humantime_serde")]
    pub max_age: Duration,
    /// Users whose history is kept (least recently used evicted).
    pub max_users: usize,
    /// Bytes of history kept across all users (least recently used users evicted).
    pub max_bytes: usize,
    /// Dedupe keys remembered (least recently seen evicted).
    pub dedupe_capacity: usize,
}

impl Default for HistorySettings {
    fn default() -> Self {
        HistorySettings {
            max_len: 200,
            max_age: Duration::from_secs(3600),
            max_users: 50_000,
            max_bytes: 256 * 1024 * 1024,
            dedupe_capacity: 100_000,
        }
    }
}

impl HistorySettings {
    /// Refuses limits of zero: each bounds a cache that needs room for at least one entry.
    pub(super) fn validate(&self) -> Result<(), SettingsError> {
        at_least_one(&[
            ("history.max_len", self.max_len),
            ("history.max_users", self.max_users),
            ("history.max_bytes", self.max_bytes),
            ("history.dedupe_capacity", self.dedupe_capacity),
        ])
    }
}
