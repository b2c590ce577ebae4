//! `[ws]`: per-socket limits and intervals.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{at_least_one, invalid, SettingsError};

/// Per-socket limits and intervals.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct WsSettings {
    /// How often the server pings each socket.
    #[serde(with = "humantime_serde")]
    pub ping_interval: Duration,
    /// A socket silent for this long is dropped; must exceed `ping_interval`.
    #[serde(with = "humantime_serde")]
    pub client_timeout: Duration,
    /// Largest inbound message in bytes; larger closes with 1009.
    pub max_frame_bytes: usize,
    /// Outbound queue per socket in bytes; overflow closes with 4002.
    pub outbound_queue_bytes: usize,
    /// Sockets per user on this instance; the next closes with 4000.
    pub max_sockets_per_user: usize,
    /// Consecutive invalid client frames before closing with 1008.
    pub max_invalid_frames: u32,
    /// How long a close frame may wait behind queued frames.
    #[serde(with = "humantime_serde")]
    pub close_timeout: Duration,
}

impl Default for WsSettings {
    fn default() -> Self {
        WsSettings {
            ping_interval: Duration::from_secs(20),
            client_timeout: Duration::from_secs(60),
            max_frame_bytes: 64 * 1024,
            outbound_queue_bytes: 1024 * 1024,
            max_sockets_per_user: 5,
            max_invalid_frames: 5,
            close_timeout: Duration::from_secs(5),
        }
    }
}

impl WsSettings {
    /// Refuses a timeout that would drop healthy clients between two pings, and limits of zero.
    pub(super) fn validate(&self) -> Result<(), SettingsError> {
        if self.ping_interval.is_zero() {
            return invalid("ws.ping_interval", "must be positive");
        }
        if self.client_timeout <= self.ping_interval {
            return invalid(
                "ws.client_timeout",
                format!(
                    "{:?} must be longer than ws.ping_interval ({:?}) or healthy clients are dropped",
                    self.client_timeout, self.ping_interval
                ),
            );
        }
        at_least_one(&[
            ("ws.max_frame_bytes", self.max_frame_bytes),
            ("ws.outbound_queue_bytes", self.outbound_queue_bytes),
            ("ws.max_sockets_per_user", self.max_sockets_per_user),
            ("ws.max_invalid_frames", self.max_invalid_frames as usize),
        ])
    }
}
