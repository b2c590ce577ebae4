//! The bridge: the one door through which notifications enter the engine.
//!
//! Accepting a notification is one step: the dedupe mark, the append to history and the live
//! route happen together or not at all. The embedded [`LocalBridge`] does it under one lock; a
//! Redis bridge does it in one Lua script and routes through pub/sub.

use std::num::NonZeroUsize;
use std::sync::Arc;

use actix::Addr;
use futures::future::{self, BoxFuture, FutureExt};
use lru::LruCache;
use parking_lot::Mutex;

use crate::error::Cause;
use crate::history::MemoryHistory;
use crate::notification::{Draft, NotificationId, UserId};
use crate::registry::{Registry, Route, RouteAll};
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
    /// The store behind the bridge could not be reached or did not answer.
    #[error("the notification store is unavailable")]
    Unavailable(#[source] Cause),
    /// The store refused this notification; the others handed off with it may have gone in.
    #[error("the notification store refused the notification")]
    Refused(#[source] Cause),
    /// The store answered something the bridge does not understand.
    #[error("the notification store answered something unexpected")]
    BadReply(#[source] Cause),
}

impl BridgeError {
    /// A stable label for metrics and logs.
    pub fn reason(&self) -> &'static str {
        match self {
            BridgeError::Unavailable(_) => "unavailable",
            BridgeError::Refused(_) => "refused",
            BridgeError::BadReply(_) => "bad_reply",
        }
    }
}

/// Hands notifications to the engine.
pub trait Bridge: Send + Sync + 'static {
    /// Deduplicates, stores and routes each of `drafts`, in order: one result per draft. Each
    /// user's drafts keep their order, and so their ids; a store across the network takes the
    /// lot in as few round trips as it can.
    fn publish_all(&self, drafts: Vec<Draft>) -> BoxFuture<'static, Vec<Result<Accepted, BridgeError>>>;

    /// Deduplicates, stores and routes one draft.
    fn publish(&self, draft: Draft) -> BoxFuture<'static, Result<Accepted, BridgeError>> {
        self.publish_all(vec![draft]).map(|mut outcomes| outcomes.pop().expect("one result per draft")).boxed()
    }
}

/// The in-process bridge of the embedded mode: memory history, memory dedupe set, and the
/// local registry as the only router.
pub struct LocalBridge {
    history: Arc<MemoryHistory>,
    registry: Addr<Registry>,
    stats: Arc<EngineStats>,
    /// Dedupe keys of recently accepted notifications, each scoped by its user (a pair, never a
    /// joined string, so no two users' keys can meet), bounded (least recently seen evicted).
    seen: Mutex<LruCache<(UserId, String), NotificationId>>,
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

    /// Accepts `drafts` in order and routes the new ones in one message: the router's thread is
    /// woken once for the lot rather than once per notification.
    fn accept(&self, drafts: Vec<Draft>) -> Vec<Accepted> {
        let mut seen = self.seen.lock();
        let mut history = self.history.appender();
        let mut routes = Vec::with_capacity(drafts.len());
        let mut accepted = Vec::with_capacity(drafts.len());
        for mut draft in drafts {
            let scoped = draft.dedupe_key.take().map(|key| (draft.user_id.clone(), key));
            if let Some(id) = scoped.as_ref().and_then(|scoped| seen.get(scoped)) {
                self.stats.add_duplicates(1);
                accepted.push(Accepted::Duplicate(*id));
                continue;
            }
            let (id, frame) = history.append(&draft);
            routes.push(Route { user_id: draft.user_id, frame });
            if let Some(scoped) = scoped {
                seen.put(scoped, id);
            }
            self.stats.add_published(1);
            accepted.push(Accepted::New(id));
        }
        // Still under the history's lock, so frames reach the registry in id order.
        if !routes.is_empty() {
            self.registry.do_send(RouteAll { routes });
        }
        accepted
    }
}

impl Bridge for LocalBridge {
    fn publish_all(&self, drafts: Vec<Draft>) -> BoxFuture<'static, Vec<Result<Accepted, BridgeError>>> {
        Box::pin(future::ready(self.accept(drafts).into_iter().map(Ok).collect()))
    }
}
