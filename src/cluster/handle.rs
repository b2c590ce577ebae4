//! What the routes need of the clustered mode: the cluster-wide operations (the cluster view, an
//! operator disconnect on every instance) and the subscriber's state, so that no route builds a
//! Redis command itself.

use std::sync::Arc;

use redis::aio::ConnectionManager;
use redis::AsyncCommands;
use serde_json::Value;

use super::control::Control;
use super::instances;
use super::keys::Keys;
use super::subscriber::Subscriber;

/// Why a cluster-wide operation failed: Redis refused it or did not answer in time.
#[derive(Debug, thiserror::Error)]
#[error("redis: {source}")]
pub struct ClusterError {
    /// Redis's own error.
    #[from]
    source: redis::RedisError,
}

/// The clustered mode as the routes see it.
pub struct ClusterHandle {
    /// A command connection, shared with the bridge (multiplexed).
    redis: ConnectionManager,
    /// Key and channel names.
    keys: Keys,
    /// The subscriber's state, for `/readyz`.
    pub subscriber: Arc<Subscriber>,
}

impl ClusterHandle {
    /// The handle over `redis`, naming keys with `keys`.
    pub(super) fn new(redis: ConnectionManager, keys: Keys, subscriber: Arc<Subscriber>) -> ClusterHandle {
        ClusterHandle { redis, keys, subscriber }
    }

    /// Every live instance's last heartbeat, and the totals.
    pub async fn view(&self) -> Result<Value, ClusterError> {
        Ok(instances::view(&mut self.redis.clone(), &self.keys).await?)
    }

    /// Has every instance, this one included, close `user_id`'s sockets with 4003: a message on
    /// the control channel. Returns how many instances heard it.
    pub async fn disconnect_everywhere(&self, user_id: &str) -> Result<i64, ClusterError> {
        let message = Control::Disconnect { user_id: user_id.to_owned() }.to_payload();
        Ok(self.redis.clone().publish(self.keys.control_channel(), message).await?)
    }
}
