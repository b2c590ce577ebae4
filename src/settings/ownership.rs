//! `[ownership]`: events that name only a batch or class wait here for the user who owns it.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{at_least_one, invalid, SettingsError};

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
}

impl Default for OwnershipSettings {
    fn default() -> Self {
        OwnershipSettings { capacity: 100_000, hold_timeout: Duration::from_secs(60), max_held: 10_000 }
    }
}

impl OwnershipSettings {
    /// Refuses limits of zero and, where events are held (only Kafka's are), a hold that would
    /// expire at once.
    pub(super) fn validate(&self, kafka_enabled: bool) -> Result<(), SettingsError> {
        at_least_one(&[("ownership.capacity", self.capacity), ("ownership.max_held", self.max_held)])?;
        if kafka_enabled && self.hold_timeout.is_zero() {
            return invalid("ownership.hold_timeout", "must be positive");
        }
        Ok(())
    }
}
