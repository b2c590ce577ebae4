//! Who owns a batch or a class: learnt from events that name both, and from
//! `POST /api/v1/owners`, so events that name only a batch or class can reach a teacher.
//!
//! A fact that establishes the owner ([`Basis::Owner`]) replaces what was known; one that only
//! names who acted ([`Basis::Actor`]) fills a gap and never moves a known owner.

use std::num::NonZeroUsize;

use futures::future::{self, BoxFuture};
use lru::LruCache;
use parking_lot::Mutex;
use tokio::sync::broadcast;

use crate::contracts::{Basis, OwnerKey};

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

/// What became of a fact offered to the index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Learnt {
    /// Recorded, or it confirmed what was known.
    Recorded,
    /// An owner fact replaced `previous`, another user.
    Replaced {
        /// The owner known before.
        previous: String,
    },
    /// An actor fact named someone other than `owner`, who stays the owner.
    Conflict {
        /// The owner known, kept.
        owner: String,
    },
}

impl Learnt {
    /// What `basis` makes of a fact for a key whose owner was `previous` (before an owner fact
    /// replaced it, or as an actor fact found it).
    pub fn of(basis: Basis, user: &str, previous: Option<String>) -> Learnt {
        match (basis, previous) {
            (_, None) => Learnt::Recorded,
            (_, Some(previous)) if previous == user => Learnt::Recorded,
            (Basis::Owner, Some(previous)) => Learnt::Replaced { previous },
            (Basis::Actor, Some(owner)) => Learnt::Conflict { owner },
        }
    }

    /// Whether the index now holds the fact, so waiting events can be released.
    pub fn announces(&self) -> bool {
        !matches!(self, Learnt::Conflict { .. })
    }
}

/// Maps batches and classes to their owner.
pub trait OwnerIndex: Send + Sync + 'static {
    /// Offers the fact that `user` owns `key`, resting on `basis`: an owner fact replaces what
    /// was known, an actor fact is recorded only where no owner is known.
    fn learn(&self, key: OwnerKey, user: String, basis: Basis) -> BoxFuture<'static, Result<Learnt, OwnersError>>;
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
    fn learn(&self, key: OwnerKey, user: String, basis: Basis) -> BoxFuture<'static, Result<Learnt, OwnersError>> {
        let previous = {
            let mut owners = self.owners.lock();
            match basis {
                Basis::Owner => owners.put(key.clone(), user.clone()),
                Basis::Actor => match owners.get(&key) {
                    Some(owner) => Some(owner.clone()),
                    None => owners.put(key.clone(), user.clone()),
                },
            }
        };
        let learnt = Learnt::of(basis, &user, previous);
        if learnt.announces() {
            // Nobody listening is fine: no event is waiting.
            let _ = self.learned.send(key);
        }
        Box::pin(future::ready(Ok(learnt)))
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
        owners.learn(batch.clone(), "teacher".into(), Basis::Owner).await.unwrap();
        assert_eq!(owners.lookup(&batch).await.unwrap().as_deref(), Some("teacher"));
        assert_eq!(learned.recv().await.unwrap(), batch);
    }

    #[tokio::test]
    async fn the_index_is_bounded() {
        let owners = MemoryOwners::new(2);
        for id in ["a", "b", "c"] {
            owners.learn(OwnerKey::Class(id.into()), "t".into(), Basis::Owner).await.unwrap();
        }
        assert_eq!(owners.lookup(&OwnerKey::Class("a".into())).await.unwrap(), None);
        assert!(owners.lookup(&OwnerKey::Class("c".into())).await.unwrap().is_some());
    }

    #[tokio::test]
    async fn an_actor_fills_a_gap_but_never_moves_an_established_owner() {
        let owners = MemoryOwners::new(10);
        let (class, other) = (OwnerKey::Class("c".into()), OwnerKey::Class("d".into()));
        let learn = |key: &OwnerKey, user: &str, basis| owners.learn(key.clone(), user.into(), basis);
        assert_eq!(learn(&class, "owner", Basis::Owner).await.unwrap(), Learnt::Recorded);
        let conflict = learn(&class, "helper", Basis::Actor).await.unwrap();
        assert_eq!(conflict, Learnt::Conflict { owner: "owner".into() });
        assert_eq!(learn(&class, "owner", Basis::Actor).await.unwrap(), Learnt::Recorded);
        assert_eq!(owners.lookup(&class).await.unwrap().as_deref(), Some("owner"));

        assert_eq!(learn(&other, "helper", Basis::Actor).await.unwrap(), Learnt::Recorded, "a gap is filled");
        assert_eq!(owners.lookup(&other).await.unwrap().as_deref(), Some("helper"));
        let replaced = learn(&other, "owner", Basis::Owner).await.unwrap();
        assert_eq!(replaced, Learnt::Replaced { previous: "helper".into() });
        assert_eq!(owners.lookup(&other).await.unwrap().as_deref(), Some("owner"));
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
