//! The clustered bridge and history: one Lua script hands notifications off (dedupe mark,
//! history stream, publish), a batch of them per call; another reads what a resuming client
//! missed.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

use futures::future::{self, BoxFuture, FutureExt};
use hub_actors::{
    Accepted, Bridge, BridgeError, Cause, Draft, EngineStats, Frame, History, HistoryError, NotificationId, Replay,
    ResumePoint, UserId,
};
use redis::aio::ConnectionManager;
use redis::{Script, Value};
use tokio::sync::Semaphore;

use super::keys::Keys;

static HANDOFF: LazyLock<Script> =
    LazyLock::new(|| Script::new(concat!(include_str!("history.lua"), include_str!("handoff.lua"))));
static REPLAY: LazyLock<Script> =
    LazyLock::new(|| Script::new(concat!(include_str!("history.lua"), include_str!("replay.lua"))));

/// Notifications handed off in one script call at most: a script holds Redis for its whole run,
/// so a batch of a thousand goes as several calls (see [`plan_calls`]).
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
    /// This instance's counts: what it handed off is counted here, as the embedded bridge counts.
    stats: Arc<EngineStats>,
}

impl RedisStore {
    pub fn new(
        redis: ConnectionManager,
        keys: Keys,
        settings: StoreSettings,
        max_concurrent_replays: usize,
        stats: Arc<EngineStats>,
    ) -> RedisStore {
        RedisStore { redis, keys, settings, replays: Arc::new(Semaphore::new(max_concurrent_replays)), stats }
    }

    /// Hands `drafts` off in one script call: each one's outcome, in order.
    fn hand_off(&self, drafts: &[Draft]) -> BoxFuture<'static, Vec<Result<Accepted, BridgeError>>> {
        let settings = &self.settings;
        let mut invocation = HANDOFF.prepare_invoke();
        invocation.arg(new_epoch()).arg(settings.max_len).arg(settings.max_age_ms).arg(settings.dedupe_ttl_ms);
        for piece in Frame::HEADER {
            invocation.arg(piece);
        }
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
        let (mut redis, count, stats) = (self.redis.clone(), drafts.len(), self.stats.clone());
        Box::pin(async move {
            let replies = match invocation.invoke_async::<Vec<Vec<Value>>>(&mut redis).await {
                Ok(replies) if replies.len() == count => replies,
                Ok(replies) => {
                    let cause = Cause::new(format!("unexpected hand-off reply {replies:?}"));
                    return vec![Err(BridgeError::BadReply(cause)); count];
                }
                Err(error) => return vec![Err(BridgeError::Unavailable(Cause::new(error))); count],
            };
            replies
                .iter()
                .map(|reply| {
                    outcome(reply).inspect(|handed| count_hand_off(&stats, handed)).map(|handed| handed.accepted)
                })
                .collect()
        })
    }
}

fn new_epoch() -> String {
    format!("{:016x}", rand::random::<u64>())
}

fn text(value: &Value) -> Option<String> {
    match value {
        Value::BulkString(bytes) => String::from_utf8(bytes.clone()).ok(),
        Value::SimpleString(text) => Some(text.clone()),
        _ => None,
    }
}

/// What the hand-off script did with one notification.
struct Handed {
    accepted: Accepted,
    /// A new notification's publish reached no instance: no socket of its user anywhere.
    unheard: bool,
}

/// Counts a hand-off on this instance's stats, as the embedded bridge and registry count theirs:
/// accepted as new, as a duplicate, and new for a user with no socket (on any instance).
fn count_hand_off(stats: &EngineStats, handed: &Handed) {
    match handed.accepted {
        Accepted::New(_) => stats.add_published(1),
        Accepted::Duplicate(_) => stats.add_duplicates(1),
    }
    if handed.unheard {
        stats.add_dropped_offline(1);
    }
}

/// One notification's `{outcome, id, epoch[, receivers]}` or `{'error', message}` from the
/// hand-off script.
fn outcome(reply: &[Value]) -> Result<Handed, BridgeError> {
    let field = |n: usize| reply.get(n).and_then(text);
    let id = field(1).and_then(|id| id.parse::<NotificationId>().ok());
    let unheard = matches!(reply.get(3), Some(Value::Int(0)));
    match (field(0).as_deref(), id) {
        (Some("new"), Some(id)) => Ok(Handed { accepted: Accepted::New(id), unheard }),
        (Some("duplicate"), Some(id)) => Ok(Handed { accepted: Accepted::Duplicate(id), unheard: false }),
        (Some("error"), _) => Err(BridgeError::Refused(Cause::new(format!("redis: {}", field(1).unwrap_or_default())))),
        _ => Err(BridgeError::BadReply(Cause::new(format!("unexpected hand-off reply {reply:?}")))),
    }
}

/// The script calls that hand `drafts` off, in waves: the calls of a wave go out together
/// (pipelined), each wave after the one before has answered. A call takes up to
/// [`HANDOFF_CALL_SIZE`] drafts; a user's drafts fill a call of the first wave, and any beyond
/// that size go in the next waves, so that each user's ids keep the drafts' order. Each call is the
/// drafts' indexes in `drafts` and the drafts.
fn plan_calls(drafts: Vec<Draft>) -> Vec<Vec<(Vec<usize>, Vec<Draft>)>> {
    let mut per_user: Vec<Vec<(usize, Draft)>> = Vec::new();
    let mut user_at: HashMap<UserId, usize> = HashMap::new();
    for (index, draft) in drafts.into_iter().enumerate() {
        let at = *user_at.entry(draft.user_id.clone()).or_insert_with(|| {
            per_user.push(Vec::new());
            per_user.len() - 1
        });
        per_user[at].push((index, draft));
    }
    let mut waves: Vec<Vec<(Vec<usize>, Vec<Draft>)>> = Vec::new();
    for drafts in per_user {
        let mut drafts = drafts.into_iter().peekable();
        let mut wave = 0;
        while drafts.peek().is_some() {
            let part: Vec<(usize, Draft)> = drafts.by_ref().take(HANDOFF_CALL_SIZE).collect();
            if waves.len() == wave {
                waves.push(Vec::new());
            }
            let calls = &mut waves[wave];
            if calls.last().is_none_or(|(indexes, _)| indexes.len() + part.len() > HANDOFF_CALL_SIZE) {
                calls.push((Vec::new(), Vec::new()));
            }
            let (indexes, call) = calls.last_mut().expect("a call to fill");
            for (index, draft) in part {
                indexes.push(index);
                call.push(draft);
            }
            wave += 1;
        }
    }
    waves
}

impl Bridge for RedisStore {
    /// In as few script calls as [`plan_calls`] can make, pipelined on the one connection.
    fn publish_all(&self, drafts: Vec<Draft>) -> BoxFuture<'static, Vec<Result<Accepted, BridgeError>>> {
        let count = drafts.len();
        let waves = plan_calls(drafts);
        let store = self.clone();
        Box::pin(async move {
            let mut results = vec![None; count];
            for wave in waves {
                let calls = wave
                    .into_iter()
                    .map(|(indexes, drafts)| store.hand_off(&drafts).map(move |outcomes| (indexes, outcomes)));
                for (indexes, outcomes) in future::join_all(calls).await {
                    for (index, outcome) in indexes.into_iter().zip(outcomes) {
                        results[index] = Some(outcome);
                    }
                }
            }
            results.into_iter().map(|result| result.expect("every draft has an outcome")).collect()
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
            let _permit = replays.acquire_owned().await.map_err(|e| HistoryError::Unavailable(Cause::new(e)))?;
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
                .map_err(|e| HistoryError::Unavailable(Cause::new(e)))?;
            let mut fields = reply.iter().map(text);
            let outcome = fields.next().flatten();
            let epoch = fields.next().flatten().unwrap_or_default();
            match outcome.as_deref() {
                Some("resync") => Ok(Replay::Resync { epoch }),
                Some("frames") => {
                    let mut frames = Vec::new();
                    while let (Some(Some(id)), Some(Some(tail))) = (fields.next(), fields.next()) {
                        let id: NotificationId = id
                            .parse()
                            .map_err(|_| HistoryError::BadReply(Cause::new(format!("bad stream id {id}"))))?;
                        frames.push(Frame::from_tail(id, &epoch, &tail));
                    }
                    Ok(Replay::Frames(frames))
                }
                _ => Err(HistoryError::BadReply(Cause::new(format!("unexpected replay reply {reply:?}")))),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::value::RawValue;

    use super::*;

    fn draft(user: &str) -> Draft {
        Draft {
            user_id: user.into(),
            event: "e".into(),
            category: None,
            priority: "standard".into(),
            timestamp: "2026-01-01T00:00:00Z".into(),
            correlation_id: None,
            data: RawValue::from_string("{}".into()).unwrap(),
            dedupe_key: None,
        }
    }

    /// Checks the promises of a plan for `users` (one per draft): every draft in exactly one
    /// call, no call over the size, a user in one call per wave at most, its indexes increasing
    /// from wave to wave. Returns the number of calls in each wave.
    fn check_plan(users: &[String]) -> Vec<usize> {
        let waves = plan_calls(users.iter().map(|user| draft(user)).collect());
        let mut seen = vec![false; users.len()];
        let mut last_of_user: HashMap<&str, usize> = HashMap::new();
        for wave in &waves {
            let mut in_wave = HashMap::new();
            for (call, (indexes, drafts)) in wave.iter().enumerate() {
                assert!(!indexes.is_empty() && indexes.len() <= HANDOFF_CALL_SIZE, "a call of {}", indexes.len());
                for (&index, draft) in indexes.iter().zip(drafts) {
                    assert_eq!(*draft.user_id, *users[index]);
                    assert!(!std::mem::replace(&mut seen[index], true), "draft {index} planned twice");
                    let user = users[index].as_str();
                    assert_eq!(*in_wave.entry(user).or_insert(call), call, "{user} in two calls of one wave");
                    if let Some(last) = last_of_user.insert(user, index) {
                        assert!(last < index, "{user}: draft {index} after {last}");
                    }
                }
            }
        }
        assert!(seen.iter().all(|&planned| planned), "a draft was left out");
        waves.iter().map(Vec::len).collect()
    }

    #[test]
    fn a_batch_of_many_users_goes_in_one_wave_of_full_calls() {
        let users: Vec<String> = (0..2).flat_map(|_| (0..150).map(|n| format!("u{n}"))).collect();
        assert_eq!(check_plan(&users), vec![3]);
    }

    #[test]
    fn a_user_with_more_than_a_call_takes_waves_and_no_call_grows_past_the_size() {
        let mut users: Vec<String> = (0..250).map(|_| "heavy".to_owned()).collect();
        users.extend((0..150).map(|n| format!("u{n}")));
        users.extend((0..30).map(|_| "heavy".to_owned()));
        assert_eq!(check_plan(&users), vec![3, 1, 1], "280 of heavy: 100, 100 and 80");
    }

    #[test]
    fn no_drafts_make_no_call() {
        assert!(plan_calls(Vec::new()).is_empty());
    }
}
