//! Who owns a batch or a class: learnt from events that name both, and from
//! `POST /api/v1/owners`, so events that name only a batch or class can reach a teacher.

use std::num::NonZeroUsize;

use futures::future::{self, BoxFuture};
use lru::LruCache;
use parking_lot::Mutex;
use tokio::sync::broadcast;

use crate::contracts::OwnerKey;

/// Why the index could not answer. The caller retries later; the cause is kept for its log.
#[derive(Debug, thiserror::Error)]
pub enum OwnersError {
    /// The shared store behind the index is unreachable.
    #[error("ownership index unavailable")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl OwnersError {
    /// A stable label for metrics and log fields.
    pub fn reason(&self) -> &'static str {
        match self {
            OwnersError::Unavailable(_) => "unavailable",
        }
    }
}

/// Maps batches and classes to their owner.
pub trait OwnerIndex: Send + Sync + 'static {
    /// Records that `user` owns `key` (the latest fact wins).
    fn learn(&self, key: OwnerKey, user: String) -> BoxFuture<'static, Result<(), OwnersError>>;
    /// The owner of `key`, if known.
    fn lookup(&self, key: &OwnerKey) -> BoxFuture<'static, Result<Option<String>, OwnersError>>;
    /// Keys whose owner was just learnt, so holders can release waiting events at once.
    fn learned(&self) -> broadcast::Receiver<OwnerKey>;
}

/// The embedded index: a bounded map, least recently used entries evicted.
pub struct MemoryOwners {
    owners: Mutex<LruCache<OwnerKey, String>>,
    learned: broadcast::Sender<OwnerKey>,
}

impl MemoryOwners {
    /// An index of at most `capacity` keys.
    pub fn new(capacity: usize) -> MemoryOwners {
        let capacity = NonZeroUsize::new(capacity.max(1)).expect("at least one");
        MemoryOwners { owners: Mutex::new(LruCache::new(capacity)), learned: broadcast::channel(1024).0 }
    }
}

impl OwnerIndex for MemoryOwners {
    fn learn(&self, key: OwnerKey, user: String) -> BoxFuture<'static, Result<(), OwnersError>> {
        let previous = self.owners.lock().put(key.clone(), user.clone());
        if let Some(previous) = previous.filter(|p| *p != user) {
            tracing::warn!(%key, %previous, owner = %user, "owner changed; the latest fact wins");
        }
        // Nobody listening is fine: no event is waiting.
        let _ = self.learned.send(key);
        Box::pin(future::ready(Ok(())))
    }

    fn lookup(&self, key: &OwnerKey) -> BoxFuture<'static, Result<Option<String>, OwnersError>> {
        Box::pin(future::ready(Ok(self.owners.lock().get(key).cloned())))
    }

    fn learned(&self) -> broadcast::Receiver<OwnerKey> {
        self.learned.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_learnt_owner_is_found_and_announced() {
        let owners = MemoryOwners::new(2);
        let mut learned = owners.learned();
        let batch = OwnerKey::Batch("b1".into());
        assert_eq!(owners.lookup(&batch).await.unwrap(), None);
        owners.learn(batch.clone(), "teacher".into()).await.unwrap();
        assert_eq!(owners.lookup(&batch).await.unwrap().as_deref(), Some("teacher"));
        assert_eq!(learned.recv().await.unwrap(), batch);
    }

    #[tokio::test]
    async fn the_index_is_bounded() {
        let owners = MemoryOwners::new(2);
        for id in ["a", "b", "c"] {
            owners.learn(OwnerKey::Class(id.into()), "t".into()).await.unwrap();
        }
        assert_eq!(owners.lookup(&OwnerKey::Class("a".into())).await.unwrap(), None);
        assert!(owners.lookup(&OwnerKey::Class("c".into())).await.unwrap().is_some());
    }

    #[test]
    fn an_unreachable_index_keeps_its_cause_for_the_log_and_a_stable_reason_for_metrics() {
        let cause = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "connection refused");
        let error = OwnersError::Unavailable(Box::new(cause));
        assert_eq!(error.reason(), "unavailable");
        assert_eq!(error.to_string(), "ownership index unavailable");
        assert_eq!(hub_actors::ErrorChain(&error).to_string(), "ownership index unavailable: connection refused");
    }
}
