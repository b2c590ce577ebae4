//! The instance's one subscriber connection: `ws:{user}` for every user with a socket here
//! (subscribed on the first, unsubscribed on the last), plus the cluster's control and
//! ownership channels. It routes what arrives to the registry, relays messages existing
//! producers publish in the legacy `{"event", "data"}` shape, and after a lost connection
//! resubscribes and has every session catch up from history; from the drop on, sessions hold what
//! they hear until their catch-up is read, since the client library resubscribes sooner.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use actix::Addr;
use chrono::{DateTime, SecondsFormat, Utc};
use futures::future::BoxFuture;
use hub_actors::registry::{CatchUpAll, CatchUpUser, DisconnectUser, LiveInterrupted, Route};
use hub_actors::{CloseReason, Frame, Presence, Registry, UserId};
use redis::aio::ConnectionManager;
use redis::{PushInfo, PushKind, Value};
use serde::Deserialize;
use serde_json::value::RawValue;
use tokio::sync::{broadcast, mpsc, oneshot};

use super::control::Control;
use super::keys::Keys;
use super::owners;
use crate::contracts::OwnerKey;

/// How long a join waits for its user's subscription before going on without it (a catch-up
/// covers the gap once Redis answers again).
const SUBSCRIBE_WAIT: Duration = Duration::from_secs(2);

/// How often the subscriber connection is pinged: a half-dead TCP connection must not hang it.
const PING_INTERVAL: Duration = Duration::from_secs(1);

enum Command {
    Subscribe { channel: String, done: oneshot::Sender<()> },
    Unsubscribe { channel: String },
}

/// The [`Presence`] of the clustered mode.
pub struct Subscriber {
    commands: mpsc::UnboundedSender<Command>,
    /// Whether every desired channel is subscribed on a live connection.
    connected: Arc<AtomicBool>,
}

impl Presence for Subscriber {
    fn arrived(&self, user: &UserId) -> BoxFuture<'static, ()> {
        let (done, subscribed) = oneshot::channel();
        let _ = self.commands.send(Command::Subscribe { channel: Keys::user_channel(user), done });
        Box::pin(async move {
            let _ = tokio::time::timeout(SUBSCRIBE_WAIT, subscribed).await;
        })
    }

    fn left(&self, user: &UserId) {
        let _ = self.commands.send(Command::Unsubscribe { channel: Keys::user_channel(user) });
    }
}

/// What the subscriber's loop needs.
pub struct SubscriberParts {
    /// A RESP3 connection whose pushes arrive on `pushes`.
    pub redis: ConnectionManager,
    /// Pub/sub messages and disconnection notices.
    pub pushes: mpsc::UnboundedReceiver<PushInfo>,
    /// Names of the internal channels.
    pub keys: Keys,
    /// Announces owners learnt anywhere in the cluster.
    pub owners_learned: broadcast::Sender<OwnerKey>,
}

impl Subscriber {
    /// Starts the loop on the current runtime; it routes to `registry`.
    pub fn start(parts: SubscriberParts, registry: Addr<Registry>) -> Subscriber {
        let (commands, receiver) = mpsc::unbounded_channel();
        let connected = Arc::new(AtomicBool::new(false));
        tokio::spawn(run(parts, receiver, registry, connected.clone()));
        Subscriber { commands, connected }
    }

    /// Whether the subscriber is connected with every subscription in place.
    pub fn connected(&self) -> bool {
        self.connected.load(Ordering::Relaxed)
    }
}

async fn run(
    parts: SubscriberParts,
    mut commands: mpsc::UnboundedReceiver<Command>,
    registry: Addr<Registry>,
    connected: Arc<AtomicBool>,
) {
    let SubscriberParts { mut redis, mut pushes, keys, owners_learned } = parts;
    let fixed = [keys.control_channel(), keys.owners_channel()];
    let mut desired: HashSet<String> = fixed.iter().cloned().collect();
    // Until every desired channel is subscribed on a live connection, frames may be missed, and
    // the sessions hold what they hear until the catch-up has read what they missed.
    let mut lost = true;
    registry.do_send(LiveInterrupted);
    let mut ping = tokio::time::interval(PING_INTERVAL);
    loop {
        connected.store(!lost, Ordering::Relaxed);
        tokio::select! {
            command = commands.recv() => match command {
                Some(Command::Subscribe { channel, done }) => {
                    desired.insert(channel.clone());
                    if let Err(error) = redis.subscribe(&channel).await {
                        tracing::warn!(%channel, %error, "subscribe failed; retried when Redis answers");
                        interrupt(&mut lost, &registry);
                    }
                    // The join gave up waiting and read history already: what was published
                    // between that read and this subscription is read now.
                    if done.send(()).is_err() {
                        if let Some(user) = Keys::user_of_channel(&channel) {
                            registry.do_send(CatchUpUser { user_id: user.into() });
                        }
                    }
                }
                Some(Command::Unsubscribe { channel }) => {
                    desired.remove(&channel);
                    if let Err(error) = redis.unsubscribe(&channel).await {
                        tracing::debug!(%channel, %error, "unsubscribe failed");
                    }
                }
                None => return,
            },
            push = pushes.recv() => match push {
                Some(push) if push.kind == PushKind::Disconnection => {
                    tracing::warn!("the Redis subscriber connection dropped; live frames wait for the catch-up");
                    metrics::counter!("hub_redis_subscriber_disconnects_total").increment(1);
                    // The client library reconnects and resubscribes by itself, so live frames can
                    // come back before the catch-up; they come after this on `pushes`.
                    interrupt(&mut lost, &registry);
                }
                Some(push) if push.kind == PushKind::Message => on_message(push.data, &keys, &registry, &owners_learned),
                Some(_) => {}
                None => return,
            },
            _ = ping.tick() => {
                let alive = tokio::time::timeout(PING_INTERVAL, redis::cmd("PING").query_async::<String>(&mut redis)).await;
                match alive {
                    Ok(Ok(_)) if lost => {
                        if resubscribe(&mut redis, &desired).await {
                            lost = false;
                            tracing::info!(channels = desired.len(), "Redis subscriptions restored; sessions catch up from history");
                            registry.do_send(CatchUpAll);
                        }
                    }
                    Ok(Ok(_)) => {}
                    _ => interrupt(&mut lost, &registry),
                }
            }
        }
    }
}

/// Frames may be missed from now on: the sessions hold live frames from here until `CatchUpAll`.
fn interrupt(lost: &mut bool, registry: &Addr<Registry>) {
    if !*lost {
        *lost = true;
        registry.do_send(LiveInterrupted);
    }
}

async fn resubscribe(redis: &mut ConnectionManager, channels: &HashSet<String>) -> bool {
    for channel in channels {
        if redis.subscribe(channel).await.is_err() {
            return false;
        }
    }
    true
}

/// Handles one pub/sub message; it owns the payload, which becomes the frame's text as it is.
fn on_message(data: Vec<Value>, keys: &Keys, registry: &Addr<Registry>, owners_learned: &broadcast::Sender<OwnerKey>) {
    let mut data = data.into_iter();
    let (Some(Value::BulkString(channel)), Some(Value::BulkString(payload))) = (data.next(), data.next()) else {
        return;
    };
    let (Ok(channel), Ok(payload)) = (String::from_utf8(channel), String::from_utf8(payload)) else {
        metrics::counter!("hub_redis_ignored_messages_total", "why" => "not_utf8").increment(1);
        return;
    };
    if let Some(user) = Keys::user_of_channel(&channel) {
        let bytes = payload.len();
        match frame_of(payload) {
            Some(frame) => registry.do_send(Route { user_id: user.into(), frame }),
            None => {
                metrics::counter!("hub_redis_ignored_messages_total", "why" => "unknown_shape").increment(1);
                tracing::warn!(%channel, bytes, "a message on a user channel is neither a v1 frame nor {{\"event\", \"data\"}}; ignored");
            }
        }
    } else if channel == keys.owners_channel() {
        if let Some(key) = owners::announced(&payload) {
            let _ = owners_learned.send(key);
        }
    } else if channel == keys.control_channel() {
        if let Some(Control::Disconnect { user_id }) = Control::parse(&payload) {
            registry.do_send(DisconnectUser { user_id: user_id.into(), reason: CloseReason::DisconnectedByOperator });
        }
    }
}

/// A v1 frame as the hand-off script published it (its id and epoch read from the header, the
/// JSON not parsed), or a legacy `{"event", "data"}` message wrapped as a v1 frame with
/// `"id": null` (not resumable).
fn frame_of(payload: String) -> Option<Frame> {
    let payload = match Frame::from_text(payload) {
        Ok(numbered) => return Some(numbered),
        Err(payload) => payload,
    };
    #[derive(Deserialize)]
    struct Legacy<'a> {
        event: &'a str,
        #[serde(borrow)]
        data: &'a RawValue,
    }
    #[derive(Deserialize, Default)]
    struct LegacyData {
        category: Option<String>,
        priority: Option<String>,
        correlation_id: Option<String>,
        timestamp: Option<String>,
    }
    let legacy: Legacy = serde_json::from_str(&payload).ok()?;
    let known: LegacyData = serde_json::from_str(legacy.data.get()).ok()?;
    let timestamp = known
        .timestamp
        .as_deref()
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map_or_else(Utc::now, |t| t.with_timezone(&Utc))
        .to_rfc3339_opts(SecondsFormat::AutoSi, true);
    let frame = serde_json::json!({
        "type": "notification",
        "id": null,
        "epoch": null,
        "event": legacy.event,
        "category": known.category,
        "priority": known.priority,
        "timestamp": timestamp,
        "correlation_id": known.correlation_id,
        "data": legacy.data,
    });
    Some(Frame::unnumbered(frame.to_string()))
}

#[cfg(test)]
mod tests {
    use hub_actors::NotificationId;

    use super::*;

    #[test]
    fn a_legacy_message_becomes_an_unnumbered_v1_frame_with_its_data_untouched() {
        let legacy = r#"{"event": "batch_phase_concluded", "data": {"batch_id": "b", "phase": "nlp", "timestamp": "2025-11-18T13:42:10.278204+00:00", "correlation_id": "c"}}"#;
        let frame = frame_of(legacy.into()).unwrap();
        assert_eq!(frame.id, None);
        let parsed: serde_json::Value = serde_json::from_str(&frame.text).unwrap();
        assert_eq!(parsed["type"], "notification");
        assert_eq!(parsed["id"], serde_json::Value::Null);
        assert_eq!(parsed["event"], "batch_phase_concluded");
        assert_eq!(parsed["timestamp"], "2025-11-18T13:42:10.278204Z");
        assert_eq!(parsed["correlation_id"], "c");
        assert_eq!(parsed["data"]["phase"], "nlp");
        assert_eq!(parsed["data"]["timestamp"], "2025-11-18T13:42:10.278204+00:00");
    }

    #[test]
    fn a_numbered_frame_keeps_its_id_and_epoch_and_anything_else_is_ignored() {
        let frame =
            frame_of(r#"{"type":"notification","id":"12-3","epoch":"ab","event":"e","data":{}}"#.into()).unwrap();
        assert_eq!(frame.id, Some(NotificationId { ms: 12, seq: 3 }));
        assert_eq!(frame.epoch.as_deref(), Some("ab"));
        for junk in ["", "not json", "[]", r#"{"event":"e"}"#, r#"{"data":{}}"#] {
            assert!(frame_of(junk.into()).is_none(), "{junk}");
        }
    }
}
