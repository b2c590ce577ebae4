//! `[redis]`: the clustered mode's Redis; the embedded in-process bridge while `redis.url` is
//! empty.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use super::{invalid, SettingsError};

/// The clustered mode: Redis pub/sub between instances, Redis Streams for history.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct RedisSettings {
    /// `redis://[user:password@]host:port[/db]`; empty keeps the embedded in-process bridge.
    #[serde(serialize_with = "super::redacted")]
    pub url: SecretString,
    /// Prefix of every key and internal channel (user channels stay `ws:{user_id}`).
    pub key_prefix: String,
    /// How long a dedupe mark is kept.
    #[serde(with = "humantime_serde")]
    pub dedupe_ttl: Duration,
    /// How often this instance writes its counts for the cluster view.
    #[serde(with = "humantime_serde")]
    pub heartbeat_interval: Duration,
    /// An instance silent this long leaves the cluster view.
    #[serde(with = "humantime_serde")]
    pub instance_ttl: Duration,
    /// Replays read from Redis at once; more wait, so a reconnect storm cannot starve live traffic.
    pub max_concurrent_replays: usize,
    /// A command not answered in this time fails (the publish API then answers 503).
    #[serde(with = "humantime_serde")]
    pub response_timeout: Duration,
    /// How long an ownership fact is remembered.
    #[serde(with = "humantime_serde")]
    pub ownership_ttl: Duration,
}

impl Default for RedisSettings {
    fn default() -> Self {
        RedisSettings {
            url: SecretString::from(""),
            key_prefix: "hub".into(),
            dedupe_ttl: Duration::from_secs(24 * 3600),
            heartbeat_interval: Duration::from_secs(5),
            instance_ttl: Duration::from_secs(15),
            max_concurrent_replays: 64,
            response_timeout: Duration::from_secs(1),
            ownership_ttl: Duration::from_secs(30 * 24 * 3600),
        }
    }
}

impl RedisSettings {
    /// Whether the clustered mode is on.
    pub fn enabled(&self) -> bool {
        !self.url.expose_secret().trim().is_empty()
    }

    /// When clustered: refuses a URL Redis cannot parse, a cluster view that forgets live
    /// instances between heartbeats, an empty prefix or replay allowance, and a prefix with a brace.
    pub(super) fn validate(&self) -> Result<(), SettingsError> {
        if !self.enabled() {
            return Ok(());
        }
        if let Err(error) = ::redis::Client::open(self.url.expose_secret()) {
            return invalid("redis.url", format!("not a Redis URL: {:?}", error.kind()));
        }
        if self.instance_ttl <= self.heartbeat_interval {
            return invalid("redis.instance_ttl", "must be longer than redis.heartbeat_interval");
        }
        if self.key_prefix.is_empty() || self.max_concurrent_replays == 0 {
            return invalid("redis.key_prefix", "a prefix and at least one concurrent replay are needed");
        }
        // A brace in the prefix would be the hash tag of every key, not the user's.
        if self.key_prefix.contains(['{', '}']) {
            return invalid("redis.key_prefix", "must not contain `{` or `}`: a user's keys are tagged with `{user}`");
        }
        Ok(())
    }
}
