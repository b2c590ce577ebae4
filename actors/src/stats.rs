//! Live counts of the engine, exact at all times: actors count themselves in `started` and
//! `stopped`, so the status route reads the truth rather than a sampled gauge.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use serde::Serialize;

/// Counters shared by every actor of one engine.
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
    ($($name:ident => $inc:ident),* $(,)?) => {
        $(
            #[doc = concat!("Counts one more `", stringify!($name), "`.")]
            pub fn $inc(&self, n: u64) {
                self.$name.fetch_add(n, Ordering::Relaxed);
            }
        )*
    };
}

impl EngineStats {
    counters! {
        published => add_published,
        duplicates => add_duplicates,
        delivered => add_delivered,
        dropped_offline => add_dropped_offline,
        dropped_slow_client => add_dropped_slow_client,
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
