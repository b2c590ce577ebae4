//! `[ownership]`: events that name only a batch or class wait here for the user who owns it.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{at_least_one, invalid, KafkaSettings, SettingsError};

/// Events that name only a batch or class.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct OwnershipSettings {
    /// Batches and classes whose owner is remembered (least recently used forgotten).
    pub capacity: usize,
    /// How long an event waits for its owner before it is dead-lettered.
    #[serde(with = "humantime_serde")]
    pub hold_timeout: Duration,
    /// Events waiting per topic at most; beyond it the partition waits.
    pub max_held: usize,
    /// Bytes of events (their Kafka values) waiting per topic at most; beyond it the partition
    /// waits. At least `kafka.max_message_bytes`, so that any event fits when none waits.
    pub max_held_bytes: usize,
}

impl Default for OwnershipSettings {
    fn default() -> Self {
        OwnershipSettings {
            capacity: 100_000,
            hold_timeout: Duration::from_secs(60),
            max_held: 10_000,
            max_held_bytes: 64 * 1024 * 1024,
        }
    }
}

impl OwnershipSettings {
    /// Refuses limits of zero and, where events are held (only Kafka's are), a hold that would
    /// expire at once or a byte bound that the largest event would not fit in.
    pub(super) fn validate(&self, kafka: &KafkaSettings) -> Result<(), SettingsError> {
        at_least_one(&[
            ("ownership.capacity", self.capacity),
            ("ownership.max_held", self.max_held),
            ("ownership.max_held_bytes", self.max_held_bytes),
        ])?;
        if kafka.enabled() && self.hold_timeout.is_zero() {
            return invalid("ownership.hold_timeout", "must be positive");
        }
        if kafka.enabled() && self.max_held_bytes < kafka.max_message_bytes {
            return invalid("ownership.max_held_bytes", "must be at least kafka.max_message_bytes");
        }
        Ok(())
    }
}
