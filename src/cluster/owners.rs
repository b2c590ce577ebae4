//! The ownership index of the clustered mode: facts live in Redis, and every instance hears of
//! a new one on the owners channel, so events held anywhere are released. The announcement is
//! the owner key as it displays itself, read back by [`announced`].

use std::sync::LazyLock;
use std::time::Duration;

use futures::future::BoxFuture;
use redis::aio::ConnectionManager;
use redis::{AsyncCommands, Script};
use tokio::sync::broadcast;

use super::keys::Keys;
use crate::contracts::{Basis, OwnerKey};
use crate::ingest::owners::{Learnt, OwnerIndex, OwnersError};

/// Offers one fact, in one step so that two instances cannot interleave: an owner fact
/// replaces the known owner, an actor fact is set only where none is known. Answers the owner
/// known before (`SET NX GET` would do, but only from Redis 7).
static LEARN: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"local previous = redis.call('GET', KEYS[1])
        if previous and ARGV[3] == 'actor' then return previous end
        redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
        return previous",
    )
});

/// Owners in Redis.
pub struct RedisOwners {
    redis: ConnectionManager,
    keys: Keys,
    ttl: Duration,
    /// Fed by the subscriber from the owners channel.
    learned: broadcast::Sender<OwnerKey>,
}

impl RedisOwners {
    pub fn new(
        redis: ConnectionManager,
        keys: Keys,
        ttl: Duration,
        learned: broadcast::Sender<OwnerKey>,
    ) -> RedisOwners {
        RedisOwners { redis, keys, ttl, learned }
    }
}

fn unavailable(error: redis::RedisError) -> OwnersError {
    OwnersError::Unavailable(Box::new(error))
}

impl OwnerIndex for RedisOwners {
    fn learn(&self, key: OwnerKey, user: String, basis: Basis) -> BoxFuture<'static, Result<Learnt, OwnersError>> {
        let mut redis = self.redis.clone();
        let (owner_key, channel, ttl) = (self.keys.owner(&key), self.keys.owners_channel(), self.ttl.as_secs().max(1));
        Box::pin(async move {
            let rests_on = match basis {
                Basis::Owner => "owner",
                Basis::Actor => "actor",
            };
            let previous: Option<String> = LEARN
                .key(&owner_key)
                .arg(&user)
                .arg(ttl)
                .arg(rests_on)
                .invoke_async(&mut redis)
                .await
                .map_err(unavailable)?;
            let learnt = Learnt::of(basis, &user, previous);
            if learnt.announces() {
                let _: i64 = redis.publish(channel, key.to_string()).await.map_err(unavailable)?;
            }
            Ok(learnt)
        })
    }

    fn lookup(&self, key: &OwnerKey) -> BoxFuture<'static, Result<Option<String>, OwnersError>> {
        let mut redis = self.redis.clone();
        let owner_key = self.keys.owner(key);
        Box::pin(async move { redis.get(owner_key).await.map_err(unavailable) })
    }

    fn learned(&self) -> broadcast::Receiver<OwnerKey> {
        self.learned.subscribe()
    }
}

/// The owner key an owners channel message announces: `batch:<id>` or `class:<id>`, as
/// [`OwnerKey`] displays itself.
pub fn announced(text: &str) -> Option<OwnerKey> {
    match text.split_once(':')? {
        ("batch", id) if !id.is_empty() => Some(OwnerKey::Batch(id.to_owned())),
        ("class", id) if !id.is_empty() => Some(OwnerKey::Class(id.to_owned())),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owner_keys_round_trip_through_their_display() {
        for key in [OwnerKey::Batch("b-1".into()), OwnerKey::Class("c:2".into())] {
            assert_eq!(announced(&key.to_string()), Some(key));
        }
        assert_eq!(announced("school:1"), None);
    }
}
