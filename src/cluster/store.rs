//! The clustered bridge and history: one Lua script hands notifications off (dedupe mark,
//! history stream, publish), a batch of them per call; another reads what a resuming client
//! missed.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

use futures::future::{self, BoxFuture, FutureExt};
use hub_actors::{Accepted, Bridge, BridgeError, Draft, Frame, History, HistoryError, NotificationId, Replay, ResumePoint, UserId};
use redis::aio::ConnectionManager;
use redis::{Script, Value};
use tokio::sync::Semaphore;

use super::keys::Keys;

static HANDOFF: LazyLock<Script> =
    LazyLock::new(|| Script::new(concat!(include_str!("history.lua"), include_str!("handoff.lua"))));
static REPLAY: LazyLock<Script> =
    LazyLock::new(|| Script::new(concat!(include_str!("history.lua"), include_str!("replay.lua"))));

/// Notifications handed off in one script call at most: a script holds Redis for its whole run,
/// so a batch of a thousand goes as several calls.
const HANDOFF_CALL_SIZE: usize = 100;

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

    /// Hands `drafts` off in one script call: their outcomes in order, or the call's error.
    fn hand_off(&self, drafts: &[Draft]) -> BoxFuture<'static, Result<Vec<Accepted>, BridgeError>> {
        let settings = &self.settings;
        let mut invocation = HANDOFF.prepare_invoke();
        invocation.arg(new_epoch()).arg(settings.max_len).arg(settings.max_age_ms).arg(settings.dedupe_ttl_ms);
        for draft in drafts {
            let user = &draft.user_id;
            let dedupe = draft.dedupe_key.as_deref();
            invocation
                .key(self.keys.history(user))
                .key(self.keys.epoch(user))
                .key(self.keys.seen(user, dedupe.unwrap_or_default()))
                .key(self.keys.trimmed(user))
                .arg(draft.frame_tail())
                .arg(Keys::user_channel(user))
                .arg(if dedupe.is_some() { "1" } else { "0" });
        }
        let (mut redis, count) = (self.redis.clone(), drafts.len());
        Box::pin(async move {
            let replies: Vec<Vec<Value>> =
                invocation.invoke_async(&mut redis).await.map_err(|e| BridgeError::Unavailable(unavailable(e)))?;
            let outcomes: Option<Vec<Accepted>> = replies.iter().map(|reply| accepted(reply)).collect();
            match outcomes {
                Some(outcomes) if outcomes.len() == count => Ok(outcomes),
                _ => Err(BridgeError::Unavailable(format!("unexpected hand-off reply {replies:?}"))),
            }
        })
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

/// One notification's `{outcome, id, epoch}` from the hand-off script.
fn accepted(reply: &[Value]) -> Option<Accepted> {
    let id = reply.get(1).and_then(text)?.parse::<NotificationId>().ok()?;
    match reply.first().and_then(text)?.as_str() {
        "new" => Some(Accepted::New(id)),
        "duplicate" => Some(Accepted::Duplicate(id)),
        _ => None,
    }
}

impl Bridge for RedisStore {
    /// Each user's drafts go in one script call, so their order holds; a call carries up to
    /// [`HANDOFF_CALL_SIZE`] drafts, and the calls are pipelined on the one connection.
    fn publish_all(&self, drafts: Vec<Draft>) -> BoxFuture<'static, Vec<Result<Accepted, BridgeError>>> {
        let count = drafts.len();
        let mut calls: Vec<(Vec<usize>, Vec<Draft>)> = Vec::new();
        let mut call_of_user: HashMap<UserId, usize> = HashMap::new();
        for (index, draft) in drafts.into_iter().enumerate() {
            let call = *call_of_user.entry(draft.user_id.clone()).or_insert_with(|| {
                if calls.last().is_none_or(|(indexes, _)| indexes.len() >= HANDOFF_CALL_SIZE) {
                    calls.push((Vec::new(), Vec::new()));
                }
                calls.len() - 1
            });
            calls[call].0.push(index);
            calls[call].1.push(draft);
        }
        let calls = calls.into_iter().map(|(indexes, drafts)| self.hand_off(&drafts).map(move |outcome| (indexes, outcome)));
        future::join_all(calls)
            .map(move |calls| {
                let mut results = vec![None; count];
                for (indexes, outcome) in calls {
                    for (n, index) in indexes.into_iter().enumerate() {
                        results[index] = Some(outcome.as_ref().map(|accepted| accepted[n]).map_err(Clone::clone));
                    }
                }
                results.into_iter().map(|result| result.expect("every draft has an outcome")).collect()
            })
            .boxed()
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
