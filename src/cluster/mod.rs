//! The clustered mode: Redis bridges any number of instances behind a load balancer.
//! Notifications are handed off to Redis (dedupe mark, history stream, publish on
//! `ws:{user_id}`) and reach every instance holding a socket of the user through its one
//! subscriber connection. The routes reach the cluster through a [`ClusterHandle`].

mod control;
mod handle;
mod instances;
mod keys;
mod owners;
mod store;
mod subscriber;

use std::sync::Arc;

use actix::Addr;
use hub_actors::{EngineStats, Registry};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{IntoConnectionInfo, ProtocolVersion};
use secrecy::ExposeSecret;
use tokio::sync::{broadcast, mpsc};

pub use handle::ClusterHandle;
use keys::Keys;
pub use owners::RedisOwners;
pub use store::{RedisStore, StoreSettings};
pub use subscriber::Subscriber;
use subscriber::SubscriberParts;

use crate::settings::Settings;

/// The Redis side of a clustered instance.
pub struct Cluster {
    /// Bridge and history.
    pub store: RedisStore,
    /// Ownership facts shared by the instances.
    pub owners: Arc<RedisOwners>,
    /// The command connection, for the heartbeat and the routes' [`ClusterHandle`].
    redis: ConnectionManager,
    /// Key and channel names.
    keys: Keys,
    subscriber: Option<SubscriberParts>,
}

impl Cluster {
    /// Connects the command and subscriber connections (RESP3, with automatic resubscription).
    pub async fn connect(settings: &Settings, stats: Arc<EngineStats>) -> redis::RedisResult<Cluster> {
        register_metrics();
        let redis_settings = &settings.redis;
        let mut info = redis_settings.url.expose_secret().into_connection_info()?;
        let redis_info = info.redis_settings().clone().set_protocol(ProtocolVersion::RESP3);
        info = info.set_redis_settings(redis_info);
        let client = redis::Client::open(info)?;
        let timeout = Some(redis_settings.response_timeout);
        let commands = ConnectionManagerConfig::new()
            .set_response_timeout(timeout)
            .set_connection_timeout(timeout)
            .set_number_of_retries(1);
        let redis = client.get_connection_manager_with_config(commands).await?;
        let (push_sender, pushes) = mpsc::unbounded_channel();
        let subscriber = ConnectionManagerConfig::new()
            .set_response_timeout(timeout)
            .set_connection_timeout(timeout)
            .set_number_of_retries(1)
            .set_push_sender(push_sender)
            .set_automatic_resubscription();
        let subscriber_connection = client.get_connection_manager_with_config(subscriber).await?;

        let keys = Keys::new(&redis_settings.key_prefix);
        let (owners_learned, _) = broadcast::channel(1024);
        let store = RedisStore::new(
            redis.clone(),
            keys.clone(),
            StoreSettings {
                max_len: settings.history.max_len,
                max_age_ms: settings.history.max_age.as_millis() as u64,
                dedupe_ttl_ms: redis_settings.dedupe_ttl.as_millis() as u64,
            },
            redis_settings.max_concurrent_replays,
            stats,
        );
        let owners = Arc::new(RedisOwners::new(
            redis.clone(),
            keys.clone(),
            redis_settings.ownership_ttl,
            owners_learned.clone(),
        ));
        Ok(Cluster {
            store,
            owners,
            redis,
            keys: keys.clone(),
            subscriber: Some(SubscriberParts { redis: subscriber_connection, pushes, keys, owners_learned }),
        })
    }

    /// Starts the subscriber (routing to `registry`) and this instance's heartbeat.
    pub fn start(
        &mut self,
        registry: Addr<Registry>,
        stats: Arc<EngineStats>,
        instance_id: &str,
        settings: &Settings,
    ) -> Subscriber {
        let parts = self.subscriber.take().expect("the cluster starts once");
        instances::start_heartbeat(
            self.redis.clone(),
            self.keys.clone(),
            instance_id.to_owned(),
            stats,
            settings.redis.heartbeat_interval,
            settings.redis.instance_ttl,
        );
        Subscriber::start(parts, registry)
    }

    /// What the routes need, once [`Cluster::start`] has given the `subscriber`.
    pub fn handle(&self, subscriber: Arc<Subscriber>) -> ClusterHandle {
        ClusterHandle::new(self.redis.clone(), self.keys.clone(), subscriber)
    }
}

/// Registers the clustered mode's own families at zero, so the first scrape has them.
fn register_metrics() {
    metrics::counter!("hub_redis_subscriber_disconnects_total").increment(0);
    for why in ["not_utf8", "unknown_shape"] {
        metrics::counter!("hub_redis_ignored_messages_total", "why" => why).increment(0);
    }
}
