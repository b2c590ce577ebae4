//! Wall-clock time as the hub's wire formats and ids count it: since the Unix epoch.
//!
//! A clock set before 1970 reads as the epoch itself rather than failing: ids and expiries
//! compare against it, and none of them is worth a panic.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Whole seconds since the Unix epoch, as JWT `exp` counts them.
pub fn unix_secs() -> u64 {
    since_epoch().as_secs()
}

/// Milliseconds since the Unix epoch, as notification ids count them.
pub fn unix_millis() -> u64 {
    since_epoch().as_millis() as u64
}

fn since_epoch() -> Duration {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default()
}
