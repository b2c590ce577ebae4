//! The cluster view: each instance heartbeats its counts into Redis with a TTL; `/status` reads
//! every live instance's (through the cluster handle, `handle.rs`), and an instance that died
//! leaves the view when its key expires.

use std::sync::Arc;
use std::time::{Duration, Instant};

use redis::aio::ConnectionManager;
use redis::AsyncCommands;
use serde_json::{json, Value};

use super::keys::Keys;
use hub_actors::EngineStats;

/// Writes this instance's heartbeat every `interval`, expiring after `ttl`.
pub fn start_heartbeat(
    mut redis: ConnectionManager,
    keys: Keys,
    instance_id: String,
    stats: Arc<EngineStats>,
    interval: Duration,
    ttl: Duration,
) {
    let started = Instant::now();
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(interval);
        loop {
            ticks.tick().await;
            let counts = stats.snapshot();
            let beat = json!({
                "instance_id": instance_id,
                "version": env!("CARGO_PKG_VERSION"),
                "uptime_seconds": started.elapsed().as_secs(),
                "sockets": counts.connections,
                "user_sessions": counts.sessions,
                "published": counts.published,
                "delivered": counts.delivered,
            });
            let written: redis::RedisResult<()> = redis::pipe()
                .set_ex(keys.instance(&instance_id), beat.to_string(), ttl.as_secs().max(1))
                .ignore()
                .sadd(keys.instances(), &instance_id)
                .ignore()
                .query_async(&mut redis)
                .await;
            if let Err(error) = written {
                tracing::debug!(%error, "heartbeat not written");
            }
        }
    });
}

/// Every live instance's last heartbeat, and the totals; instances whose heartbeat expired
/// are dropped from the set.
pub async fn view(redis: &mut ConnectionManager, keys: &Keys) -> redis::RedisResult<Value> {
    let ids: Vec<String> = redis.smembers(keys.instances()).await?;
    let mut instances = Vec::new();
    let (mut sockets, mut sessions) = (0, 0);
    for id in ids {
        let beat: Option<String> = redis.get(keys.instance(&id)).await?;
        match beat.and_then(|b| serde_json::from_str::<Value>(&b).ok()) {
            Some(beat) => {
                sockets += beat["sockets"].as_i64().unwrap_or(0);
                sessions += beat["user_sessions"].as_i64().unwrap_or(0);
                instances.push(beat);
            }
            None => {
                let _: i64 = redis.srem(keys.instances(), &id).await?;
            }
        }
    }
    instances.sort_by(|a, b| a["instance_id"].as_str().cmp(&b["instance_id"].as_str()));
    Ok(json!({
        "instances": instances,
        "totals": { "instances": instances.len(), "sockets": sockets, "user_sessions": sessions },
    }))
}
