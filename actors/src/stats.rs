//! Live counts of the engine, exact at all times: actors count themselves in `started` and
//! `stopped`, so the status route reads the truth rather than a sampled gauge.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::OnceLock;

use serde::Serialize;

use crate::close::CloseReason;

/// Counters shared by every actor of one engine. A bridge outside the engine (the clustered
/// store) counts what it accepted through the same methods, so the counts mean the same in
/// every mode.
#[derive(Debug, Default)]
pub struct EngineStats {
    connections: AtomicI64,
    sessions: AtomicI64,
    registries: AtomicI64,
    published: AtomicU64,
    duplicates: AtomicU64,
    delivered: AtomicU64,
    dropped_offline: AtomicU64,
    dropped_slow_client: AtomicU64,
}

/// A point-in-time copy of [`EngineStats`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct StatsSnapshot {
    /// Live connection actors (one per open socket).
    pub connections: i64,
    /// Live user-session actors (one per user with a socket here).
    pub sessions: i64,
    /// Live registry actors (one per engine).
    pub registries: i64,
    /// Notifications the bridge accepted.
    pub published: u64,
    /// Notifications refused as duplicates of one already accepted.
    pub duplicates: u64,
    /// Frames written to sockets (one notification to three tabs counts three).
    pub delivered: u64,
    /// Notifications for users with no socket here; they wait in history.
    pub dropped_offline: u64,
    /// Frames discarded when a slow socket was closed with 4002; the client resumes them.
    pub dropped_slow_client: u64,
}

macro_rules! counters {
    ($($name:ident => $inc:ident, $metric:literal),* $(,)?) => {
        $(
            #[doc = concat!("Counts `n` more `", stringify!($name), "`, here and in `", $metric, "`.")]
            pub fn $inc(&self, n: u64) {
                self.$name.fetch_add(n, Ordering::Relaxed);
                // A cached handle: the per-frame path does no registry lookup.
                static COUNTER: OnceLock<metrics::Counter> = OnceLock::new();
                COUNTER.get_or_init(|| metrics::counter!($metric)).increment(n);
            }
        )*
    };
}

/// Every series of the engine's metric families whose labels are a known set, registered at zero,
/// so that the first scrape has them (a series that appears only when first touched breaks
/// `rate()` and absence alerts). Touching only adds zero: it never resets a count.
pub fn register_metrics() {
    for counter in [
        "hub_notifications_published_total",
        "hub_notifications_duplicate_total",
        "hub_notifications_delivered_total",
        "hub_notifications_user_offline_total",
        "hub_notifications_dropped_slow_client_total",
        "hub_ws_invalid_frames_total",
    ] {
        metrics::counter!(counter).increment(0);
    }
    for gauge in ["hub_ws_connections", "hub_user_sessions"] {
        metrics::gauge!(gauge).increment(0.0);
    }
    // Registered, a histogram renders its buckets at zero.
    let _ = metrics::histogram!("hub_publish_to_socket_seconds");
    for reason in CloseReason::ALL {
        metrics::counter!("hub_ws_closes_total", "code" => reason.code().to_string()).increment(0);
    }
    for why in ["heartbeat_timeout", "peer_gone"] {
        metrics::counter!("hub_ws_drops_total", "why" => why).increment(0);
    }
    for outcome in ["replayed", "resync", "failed"] {
        metrics::counter!("hub_replays_total", "outcome" => outcome).increment(0);
        metrics::counter!("hub_catch_ups_total", "outcome" => outcome).increment(0);
    }
}

impl EngineStats {
    counters! {
        published => add_published, "hub_notifications_published_total",
        duplicates => add_duplicates, "hub_notifications_duplicate_total",
        delivered => add_delivered, "hub_notifications_delivered_total",
        dropped_offline => add_dropped_offline, "hub_notifications_user_offline_total",
        dropped_slow_client => add_dropped_slow_client, "hub_notifications_dropped_slow_client_total",
    }

    pub(crate) fn connection_started(&self) {
        self.connections.fetch_add(1, Ordering::Relaxed);
        metrics::gauge!("hub_ws_connections").increment(1.0);
    }

    pub(crate) fn connection_stopped(&self) {
        self.connections.fetch_sub(1, Ordering::Relaxed);
        metrics::gauge!("hub_ws_connections").decrement(1.0);
    }

    pub(crate) fn session_started(&self) {
        self.sessions.fetch_add(1, Ordering::Relaxed);
        metrics::gauge!("hub_user_sessions").increment(1.0);
    }

    pub(crate) fn session_stopped(&self) {
        self.sessions.fetch_sub(1, Ordering::Relaxed);
        metrics::gauge!("hub_user_sessions").decrement(1.0);
    }

    pub(crate) fn registry_started(&self) {
        self.registries.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn registry_stopped(&self) {
        self.registries.fetch_sub(1, Ordering::Relaxed);
    }

    /// Open sockets right now; admission control compares it with the global cap.
    pub fn connections(&self) -> i64 {
        self.connections.load(Ordering::Relaxed)
    }

    /// A copy of every counter.
    pub fn snapshot(&self) -> StatsSnapshot {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        StatsSnapshot {
            connections: self.connections.load(Ordering::Relaxed),
            sessions: self.sessions.load(Ordering::Relaxed),
            registries: self.registries.load(Ordering::Relaxed),
            published: get(&self.published),
            duplicates: get(&self.duplicates),
            delivered: get(&self.delivered),
            dropped_offline: get(&self.dropped_offline),
            dropped_slow_client: get(&self.dropped_slow_client),
        }
    }
}
