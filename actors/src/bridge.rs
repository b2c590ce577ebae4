//! The bridge: the one door through which notifications enter the engine.
//!
//! Accepting a notification is one step: the dedupe mark, the append to history and the live
//! route happen together or not at all. The embedded [`LocalBridge`] does it under one lock; a
//! Redis bridge does it in one Lua script and routes through pub/sub.

use std::num::NonZeroUsize;
use std::sync::Arc;

use actix::Addr;
use futures::future::{self, BoxFuture};
use lru::LruCache;
use parking_lot::Mutex;

use crate::history::MemoryHistory;
use crate::notification::{Draft, NotificationId};
use crate::registry::{Registry, Route};
use crate::stats::EngineStats;

/// The bridge took the notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accepted {
    /// Stored and routed under this id.
    New(NotificationId),
    /// Already accepted earlier under this id; not stored or routed again.
    Duplicate(NotificationId),
}

impl Accepted {
    /// The id the notification has, whether new or a duplicate.
    pub fn id(self) -> NotificationId {
        match self {
            Accepted::New(id) | Accepted::Duplicate(id) => id,
        }
    }
}

/// Why the bridge did not take a notification; the producer keeps it and retries.
#[derive(Debug, Clone, thiserror::Error)]
pub enum BridgeError {
    /// The shared store behind the bridge is unreachable.
    #[error("bridge unavailable: {0}")]
    Unavailable(String),
}

/// Hands notifications to the engine.
pub trait Bridge: Send + Sync + 'static {
    /// Deduplicates, stores and routes `draft`.
    fn publish(&self, draft: Draft) -> BoxFuture<'static, Result<Accepted, BridgeError>>;
}

/// The in-process bridge of the embedded mode: memory history, memory dedupe set, and the
/// local registry as the only router.
pub struct LocalBridge {
    history: Arc<MemoryHistory>,
    registry: Addr<Registry>,
    stats: Arc<EngineStats>,
    /// Dedupe keys of recently accepted notifications, bounded (least recently seen evicted).
    seen: Mutex<LruCache<String, NotificationId>>,
}

impl LocalBridge {
    /// A bridge remembering up to `dedupe_capacity` keys.
    pub fn new(
        history: Arc<MemoryHistory>,
        registry: Addr<Registry>,
        stats: Arc<EngineStats>,
        dedupe_capacity: usize,
    ) -> LocalBridge {
        let capacity = NonZeroUsize::new(dedupe_capacity.max(1)).expect("at least one");
        LocalBridge { history, registry, stats, seen: Mutex::new(LruCache::new(capacity)) }
    }

    fn accept(&self, draft: Draft) -> Accepted {
        let mut seen = self.seen.lock();
        if let Some(id) = draft.dedupe_key.as_ref().and_then(|key| seen.get(key)) {
            self.stats.add_duplicates(1);
            return Accepted::Duplicate(*id);
        }
        let registry = &self.registry;
        let user_id = draft.user_id.clone();
        let id = self.history.append(&draft, |frame| registry.do_send(Route { user_id, frame }));
        if let Some(key) = draft.dedupe_key {
            seen.put(key, id);
        }
        self.stats.add_published(1);
        Accepted::New(id)
    }
}

impl Bridge for LocalBridge {
    fn publish(&self, draft: Draft) -> BoxFuture<'static, Result<Accepted, BridgeError>> {
        Box::pin(future::ready(Ok(self.accept(draft))))
    }
}
