//! The clustered bridge and history: one Lua script hands a notification off (dedupe mark,
//! history stream, publish), another reads what a resuming client missed.

use std::sync::{Arc, LazyLock};

use futures::future::BoxFuture;
use hub_actors::{Accepted, Bridge, BridgeError, Draft, Frame, History, HistoryError, NotificationId, Replay, ResumePoint, UserId};
use redis::aio::ConnectionManager;
use redis::{Script, Value};
use tokio::sync::Semaphore;

use super::keys::Keys;

static HANDOFF: LazyLock<Script> =
    LazyLock::new(|| Script::new(concat!(include_str!("history.lua"), include_str!("handoff.lua"))));
static REPLAY: LazyLock<Script> =
    LazyLock::new(|| Script::new(concat!(include_str!("history.lua"), include_str!("replay.lua"))));

/// Limits of the Redis history.
#[derive(Debug, Clone)]
pub struct StoreSettings {
    /// Entries kept per user stream.
    pub max_len: usize,
    /// Entries older than this are trimmed, and idle streams expire.
    pub max_age_ms: u64,
    /// How long a dedupe mark is kept.
    pub dedupe_ttl_ms: u64,
}

/// Notifications in Redis: the clustered mode's [`Bridge`] and [`History`].
#[derive(Clone)]
pub struct RedisStore {
    redis: ConnectionManager,
    keys: Keys,
    settings: StoreSettings,
    /// Caps replays read at once (a reconnect storm), so live hand-offs keep flowing.
    replays: Arc<Semaphore>,
}

impl RedisStore {
    pub fn new(redis: ConnectionManager, keys: Keys, settings: StoreSettings, max_concurrent_replays: usize) -> RedisStore {
        RedisStore { redis, keys, settings, replays: Arc::new(Semaphore::new(max_concurrent_replays)) }
    }
}

fn new_epoch() -> String {
    format!("{:016x}", rand::random::<u64>())
}

fn unavailable(error: redis::RedisError) -> String {
    format!("redis: {error}")
}

fn text(value: &Value) -> Option<String> {
    match value {
        Value::BulkString(bytes) => String::from_utf8(bytes.clone()).ok(),
        Value::SimpleString(text) => Some(text.clone()),
        _ => None,
    }
}

impl Bridge for RedisStore {
    fn publish(&self, draft: Draft) -> BoxFuture<'static, Result<Accepted, BridgeError>> {
        let mut redis = self.redis.clone();
        let keys = self.keys.clone();
        let settings = self.settings.clone();
        Box::pin(async move {
            let user = &draft.user_id;
            let dedupe = draft.dedupe_key.as_deref();
            let reply: Vec<Value> = HANDOFF
                .key(keys.history(user))
                .key(keys.epoch(user))
                .key(keys.seen(user, dedupe.unwrap_or_default()))
                .key(keys.trimmed(user))
                .arg(draft.frame_tail())
                .arg(new_epoch())
                .arg(settings.max_len)
                .arg(settings.max_age_ms)
                .arg(Keys::user_channel(user))
                .arg(settings.dedupe_ttl_ms)
                .arg(if dedupe.is_some() { "1" } else { "0" })
                .invoke_async(&mut redis)
                .await
                .map_err(|e| BridgeError::Unavailable(unavailable(e)))?;
            let outcome = reply.first().and_then(text);
            let id = reply.get(1).and_then(text).and_then(|id| id.parse::<NotificationId>().ok());
            match (outcome.as_deref(), id) {
                (Some("new"), Some(id)) => Ok(Accepted::New(id)),
                (Some("duplicate"), Some(id)) => Ok(Accepted::Duplicate(id)),
                _ => Err(BridgeError::Unavailable(format!("unexpected hand-off reply {reply:?}"))),
            }
        })
    }
}

impl History for RedisStore {
    fn replay(&self, user: &UserId, from: &ResumePoint) -> BoxFuture<'static, Result<Replay, HistoryError>> {
        let mut redis = self.redis.clone();
        let (history, epoch_key, trimmed) = (self.keys.history(user), self.keys.epoch(user), self.keys.trimmed(user));
        let since = from.since.to_string();
        let client_epoch = from.epoch.clone().unwrap_or_default();
        let (max_len, max_age_ms) = (self.settings.max_len, self.settings.max_age_ms);
        let replays = self.replays.clone();
        Box::pin(async move {
            let _permit = replays.acquire_owned().await.map_err(|_| HistoryError::Unavailable("shutting down".into()))?;
            let reply: Vec<Value> = REPLAY
                .key(history)
                .key(epoch_key)
                .key(trimmed)
                .arg(since)
                .arg(client_epoch)
                .arg(new_epoch())
                .arg(max_len)
                .arg(max_age_ms)
                .invoke_async(&mut redis)
                .await
                .map_err(|e| HistoryError::Unavailable(unavailable(e)))?;
            let mut fields = reply.iter().map(text);
            let outcome = fields.next().flatten();
            let epoch = fields.next().flatten().unwrap_or_default();
            match outcome.as_deref() {
                Some("resync") => Ok(Replay::Resync { epoch }),
                Some("frames") => {
                    let mut frames = Vec::new();
                    while let (Some(Some(id)), Some(Some(tail))) = (fields.next(), fields.next()) {
                        let id: NotificationId =
                            id.parse().map_err(|_| HistoryError::Unavailable(format!("bad stream id {id}")))?;
                        frames.push(Frame::from_tail(id, &epoch, &tail));
                    }
                    Ok(Replay::Frames(frames))
                }
                _ => Err(HistoryError::Unavailable(format!("unexpected replay reply {reply:?}"))),
            }
        })
    }
}
