//! `[shutdown]`: how the hub lets its sockets go on SIGTERM / SIGINT.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{at_least_one, SettingsError};

/// Graceful shutdown on SIGTERM / SIGINT.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct ShutdownSettings {
    /// The process exits within this time after the signal.
    #[serde(with = "humantime_serde")]
    pub grace_period: Duration,
    /// Sockets closed with 1001 per batch.
    pub close_batch_size: usize,
    /// Pause between batches, so clients do not all reconnect in the same instant.
    #[serde(with = "humantime_serde")]
    pub close_batch_interval: Duration,
}

impl Default for ShutdownSettings {
    fn default() -> Self {
        ShutdownSettings {
            grace_period: Duration::from_secs(30),
            close_batch_size: 500,
            close_batch_interval: Duration::from_millis(100),
        }
    }
}

impl ShutdownSettings {
    /// Refuses a batch of zero sockets, which would close nobody.
    pub(super) fn validate(&self) -> Result<(), SettingsError> {
        at_least_one(&[("shutdown.close_batch_size", self.close_batch_size)])
    }
}
