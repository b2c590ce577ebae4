//! One actor per consumed topic: it decodes each event, resolves its teacher, hands it to the
//! bridge, and stores the commit position of each partition only up to the lowest event not
//! yet resolved. Each assigned partition is pumped by a future of the actor, one event at a
//! time, so a refused hand-off is retried in place: nothing behind it is read, and nothing is
//! committed past it, until the bridge takes it.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use actix::prelude::*;
use chrono::Utc;
use hub_actors::{Accepted, Bridge, BridgeError};
use rdkafka::consumer::stream_consumer::StreamPartitionQueue;
use rdkafka::consumer::Consumer;
use rdkafka::message::{Message as _, OwnedMessage};
use rdkafka::{Offset, TopicPartitionList};
use serde::Serialize;
use tracing::Instrument;

use super::context::{Assigned, FromMainQueue, HubConsumer, HubContext, Revoked};
use super::dead_letter::{DeadLetter, DeadLetters};
use super::holds::Holds;
use crate::contracts::{decode, Decoded, Limits, Notification, OwnerKey, Recipient};
use crate::ingest::address::address;
use crate::ingest::owners::OwnerIndex;
use crate::ingest::watermark::Watermark;
use crate::telemetry::ErrorChain;

/// First pause before retrying a refused hand-off; it doubles up to the configured maximum.
const FIRST_BACKOFF: Duration = Duration::from_millis(100);

/// How often held events are checked for an owner learnt elsewhere, and for expiry.
const HOLD_SWEEP_INTERVAL: Duration = Duration::from_millis(500);

/// What every topic actor shares: the way out, the ownership index, the decoding rules.
pub struct Ingest {
    /// Where notifications go.
    pub bridge: Arc<dyn Bridge>,
    /// Who owns which batch or class.
    pub owners: Arc<dyn OwnerIndex>,
    /// Where bad events go, when a dead-letter topic is configured.
    pub dead_letters: Option<DeadLetters>,
    /// Size limits for decoding.
    pub limits: Limits,
    /// Accepted `(topic, event_type)` pairs besides the topic's own.
    pub aliases: Vec<(String, String)>,
    /// Older notifications are dropped.
    pub max_age: Duration,
    /// How long an event waits for its owner.
    pub hold_timeout: Duration,
    /// Events waiting per topic at most.
    pub max_held: usize,
    /// Longest pause between retries.
    pub retry_backoff_max: Duration,
}

/// Counts of one topic, for `/status`.
#[derive(Debug, Default)]
pub struct TopicStats {
    consumed: AtomicU64,
    delivered: AtomicU64,
    duplicates: AtomicU64,
    malformed: AtomicU64,
    stale: AtomicU64,
    held: AtomicU64,
    dead_lettered: AtomicU64,
    partitions: AtomicU64,
}

/// A copy of [`TopicStats`].
#[derive(Debug, Clone, Serialize)]
pub struct TopicSnapshot {
    /// Events read (each offset once, however often it was retried).
    pub consumed: u64,
    /// Notifications the bridge accepted as new.
    pub delivered: u64,
    /// Notifications the bridge recognised as already accepted.
    pub duplicates: u64,
    /// Events that could not be decoded.
    pub malformed: u64,
    /// Notifications dropped as older than `kafka.max_notification_age`.
    pub stale: u64,
    /// Events waiting for their owner right now.
    pub held: u64,
    /// Events sent (or attempted) to the dead-letter topic.
    pub dead_lettered: u64,
    /// Partitions assigned to this instance.
    pub partitions: u64,
}

impl TopicStats {
    /// A copy of every count.
    pub fn snapshot(&self) -> TopicSnapshot {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        TopicSnapshot {
            consumed: get(&self.consumed),
            delivered: get(&self.delivered),
            duplicates: get(&self.duplicates),
            malformed: get(&self.malformed),
            stale: get(&self.stale),
            held: get(&self.held),
            dead_lettered: get(&self.dead_lettered),
            partitions: get(&self.partitions),
        }
    }
}

fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

/// Where an event sits in Kafka; every log line about it names these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Coordinates {
    partition: i32,
    generation: u64,
    offset: i64,
}

/// An event waiting for the owner of its batch or class.
struct HeldEvent {
    at: Coordinates,
    notification: Notification,
    message: Arc<OwnedMessage>,
}

struct PartitionState {
    /// Changes on every assignment, so results of an earlier one are ignored.
    generation: u64,
    watermark: Watermark,
    /// The last commit position stored.
    stored: Option<i64>,
    pump: SpawnHandle,
}

/// Consumes one topic.
pub struct TopicConsumer {
    topic: Arc<str>,
    consumer: Weak<HubConsumer>,
    ingest: Arc<Ingest>,
    stats: Arc<TopicStats>,
    partitions: HashMap<i32, PartitionState>,
    next_generation: u64,
    holds: Holds<HeldEvent>,
    /// Keys whose held events are being published: new events for them queue behind.
    releasing: HashSet<OwnerKey>,
}

impl TopicConsumer {
    /// An actor for `topic`; partitions arrive with [`Assigned`].
    pub fn new(topic: &str, consumer: Weak<HubConsumer>, ingest: Arc<Ingest>, stats: Arc<TopicStats>) -> TopicConsumer {
        let max_held = ingest.max_held;
        TopicConsumer {
            topic: topic.into(),
            consumer,
            ingest,
            stats,
            partitions: HashMap::new(),
            next_generation: 0,
            holds: Holds::new(max_held),
            releasing: HashSet::new(),
        }
    }

    fn is_current(&self, at: Coordinates) -> bool {
        self.partitions.get(&at.partition).is_some_and(|p| p.generation == at.generation)
    }

    /// Marks `at` done and stores the partition's new commit position.
    fn resolve(&mut self, at: Coordinates) {
        let Some(state) = self.partitions.get_mut(&at.partition).filter(|p| p.generation == at.generation) else {
            return;
        };
        state.watermark.resolve(at.offset);
        let Some(position) = state.watermark.commit_position() else { return };
        if state.stored.is_some_and(|stored| stored >= position) {
            return;
        }
        let Some(consumer) = self.consumer.upgrade() else { return };
        let mut offsets = TopicPartitionList::new();
        if offsets.add_partition_offset(&self.topic, at.partition, Offset::Offset(position)).is_ok() {
            // Fails for a partition no longer assigned: exactly the fence we want after a revoke.
            match consumer.store_offsets(&offsets) {
                Ok(()) => state.stored = Some(position),
                Err(error) => {
                    tracing::debug!(topic = %self.topic, partition = at.partition, position, %error, "offset not stored")
                }
            }
        }
    }

    /// Publishes how many events wait for their owner, after the holds changed.
    fn count_held(&self) {
        self.stats.held.store(self.holds.len() as u64, Ordering::Relaxed);
    }

    fn dead_letter(&self, message: &OwnedMessage, reason: &'static str) {
        bump(&self.stats.dead_lettered);
        if let Some(dead_letters) = &self.ingest.dead_letters {
            dead_letters.send(DeadLetter {
                topic: self.topic.to_string(),
                partition: message.partition(),
                offset: message.offset(),
                key: message.key().map(<[u8]>::to_vec),
                payload: message.payload().unwrap_or_default().to_vec(),
                reason,
            });
        }
    }

    fn hold(&mut self, key: OwnerKey, event: HeldEvent) {
        tracing::info!(
            topic = %self.topic, partition = event.at.partition, offset = event.at.offset, %key,
            "owner not known yet; holding the event"
        );
        let deadline = Instant::now() + self.ingest.hold_timeout;
        self.holds.push(key, deadline, event);
        self.count_held();
    }

    /// Publishes the events held for `key`, in order, once its owner is known.
    fn release(&mut self, key: OwnerKey, ctx: &mut Context<Self>) {
        if self.releasing.contains(&key) || !self.holds.is_waiting(&key) {
            return;
        }
        self.releasing.insert(key.clone());
        let owners = self.ingest.owners.clone();
        let lookup_key = key.clone();
        async move { owners.lookup(&lookup_key).await }
            .into_actor(self)
            .then(move |owner, act, _| {
                let events: Vec<(HeldEvent, String)> = match owner {
                    Ok(Some(user)) => act.holds.release(&key).into_iter().map(|e| (e, user.clone())).collect(),
                    // Still unknown (or the index is unreachable): the sweep looks again later.
                    _ => Vec::new(),
                };
                act.count_held();
                let released_any = !events.is_empty();
                publish_in_order(act.ingest.clone(), events).into_actor(act).map(move |results, act, ctx| {
                    for (at, outcome) in results {
                        act.count(outcome);
                        act.resolve(at);
                    }
                    act.releasing.remove(&key);
                    if released_any {
                        // Events that queued behind the release go out next.
                        act.release(key, ctx);
                    }
                })
            })
            .spawn(ctx);
    }

    fn count(&self, accepted: Accepted) {
        match accepted {
            Accepted::New(_) => bump(&self.stats.delivered),
            Accepted::Duplicate(_) => bump(&self.stats.duplicates),
        }
    }

    fn sweep_holds(&mut self, ctx: &mut Context<Self>) {
        for (key, event) in self.holds.expire(Instant::now()) {
            tracing::warn!(
                topic = %self.topic, partition = event.at.partition, offset = event.at.offset, %key,
                "no owner became known in time; dead-lettering the event"
            );
            metrics::counter!("hub_kafka_rejected_total", "topic" => self.topic.to_string(), "reason" => "owner_unknown")
                .increment(1);
            self.dead_letter(&event.message, "owner_unknown");
            self.resolve(event.at);
        }
        // An owner may have been learnt by another instance: look again.
        let keys: Vec<OwnerKey> = self.holds.keys().filter(|k| !self.releasing.contains(*k)).cloned().collect();
        for key in keys {
            self.release(key, ctx);
        }
        self.count_held();
    }

    /// The decoded event's way to the bridge; `Err` asks the pump to retry it later.
    fn route(&mut self, at: Coordinates, decoded: Decoded, message: Arc<OwnedMessage>) -> RouteStep {
        let notification = decoded.notification;
        match notification.recipient.clone() {
            Recipient::User(user) => RouteStep::Publish { user, notification },
            Recipient::OwnerOf(key) if self.holds.is_waiting(&key) || self.releasing.contains(&key) => {
                if !self.holds.has_room() {
                    return RouteStep::Retry("too many events are waiting for their owners".into());
                }
                self.hold(key, HeldEvent { at, notification, message });
                RouteStep::Done
            }
            Recipient::OwnerOf(key) => RouteStep::Lookup { key, notification, message },
        }
    }
}

/// What to do next with a decoded event.
enum RouteStep {
    /// Hand it to the bridge for this user.
    Publish { user: String, notification: Notification },
    /// Find the owner of the key first.
    Lookup { key: OwnerKey, notification: Notification, message: Arc<OwnedMessage> },
    /// Handled (held).
    Done,
    /// Not now; the pump tries again after a pause.
    Retry(String),
}

/// Publishes `events` one after the other (the order of a key), retrying each until the bridge
/// takes it.
async fn publish_in_order(ingest: Arc<Ingest>, events: Vec<(HeldEvent, String)>) -> Vec<(Coordinates, Accepted)> {
    let mut results = Vec::with_capacity(events.len());
    for (event, user) in events {
        let accepted = publish_until_accepted(&ingest, &event.notification, &user).await;
        results.push((event.at, accepted));
    }
    results
}

async fn publish_until_accepted(ingest: &Ingest, notification: &Notification, user: &str) -> Accepted {
    let mut backoff = FIRST_BACKOFF;
    loop {
        match ingest.bridge.publish(address(notification, user)).await {
            Ok(accepted) => return accepted,
            Err(error) => {
                tracing::warn!(%error, ?backoff, "the bridge refused a released event; retrying");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(ingest.retry_backoff_max);
            }
        }
    }
}

impl Actor for TopicConsumer {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        let learned = self.ingest.owners.learned();
        ctx.add_stream(futures::stream::unfold(learned, |mut receiver| async move {
            loop {
                match receiver.recv().await {
                    Ok(key) => return Some((OwnerLearned { key }, receiver)),
                    // Missed announcements are caught by the periodic sweep.
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
                }
            }
        }));
        ctx.run_interval(HOLD_SWEEP_INTERVAL, |act, ctx| act.sweep_holds(ctx));
        tracing::info!(topic = %self.topic, "topic consumer started");
    }
}

impl Handler<Assigned> for TopicConsumer {
    type Result = ();

    fn handle(&mut self, assigned: Assigned, ctx: &mut Context<Self>) {
        let partition = assigned.partition;
        if let Some(previous) = self.partitions.remove(&partition) {
            ctx.cancel_future(previous.pump);
        }
        self.next_generation += 1;
        let generation = self.next_generation;
        let pump = pump(ctx.address(), assigned.queue, partition, generation, self.ingest.retry_backoff_max);
        let pump = ctx.spawn(pump.into_actor(self));
        self.partitions
            .insert(partition, PartitionState { generation, watermark: Watermark::default(), stored: None, pump });
        self.stats.partitions.store(self.partitions.len() as u64, Ordering::Relaxed);
        tracing::info!(topic = %self.topic, partition, "partition assigned");
    }
}

impl Handler<Revoked> for TopicConsumer {
    type Result = ();

    fn handle(&mut self, revoked: Revoked, ctx: &mut Context<Self>) {
        let partition = revoked.partition;
        if let Some(state) = self.partitions.remove(&partition) {
            ctx.cancel_future(state.pump);
            tracing::info!(topic = %self.topic, partition, in_flight = state.watermark.in_flight(), "partition revoked");
        }
        self.holds.retain(|event| event.at.partition != partition);
        self.stats.partitions.store(self.partitions.len() as u64, Ordering::Relaxed);
        self.count_held();
    }
}

/// The owner of `key` was just learnt.
#[derive(Message)]
#[rtype(result = "()")]
struct OwnerLearned {
    key: OwnerKey,
}

impl StreamHandler<OwnerLearned> for TopicConsumer {
    fn handle(&mut self, learned: OwnerLearned, ctx: &mut Context<Self>) {
        self.release(learned.key, ctx);
    }

    fn finished(&mut self, _: &mut Context<Self>) {
        // The index is gone only at shutdown; the sweep still releases holds until then.
    }
}

/// Why an event was not taken now.
#[derive(Debug)]
struct Retry(String);

/// One event from a partition.
#[derive(Message)]
#[rtype(result = "Result<(), Retry>")]
struct Process {
    generation: u64,
    message: Arc<OwnedMessage>,
}

impl Handler<Process> for TopicConsumer {
    type Result = ResponseActFuture<Self, Result<(), Retry>>;

    fn handle(&mut self, process: Process, _: &mut Context<Self>) -> Self::Result {
        let message = process.message;
        let at =
            Coordinates { partition: message.partition(), generation: process.generation, offset: message.offset() };
        let span = tracing::info_span!(
            "kafka_event",
            topic = %self.topic,
            partition = at.partition,
            offset = at.offset,
            event_id = tracing::field::Empty,
            trace_id = tracing::field::Empty,
            parent_span_id = tracing::field::Empty,
        );
        let Some(state) = self.partitions.get_mut(&at.partition).filter(|p| p.generation == at.generation) else {
            return Box::pin(fut::ready(Ok(())));
        };
        if !state.watermark.is_pending(at.offset) {
            bump(&self.stats.consumed);
        }
        state.watermark.begin(at.offset);
        let _entered = span.enter();

        let decoded = match decode(
            &self.topic,
            message.payload().unwrap_or_default(),
            &self.ingest.limits,
            &self.ingest.aliases,
        ) {
            Ok(decoded) => decoded,
            Err(error) => {
                tracing::warn!(reason = error.reason(), %error, "malformed event; dead-lettering it");
                metrics::counter!("hub_kafka_rejected_total", "topic" => self.topic.to_string(), "reason" => error.reason())
                    .increment(1);
                bump(&self.stats.malformed);
                self.dead_letter(&message, error.reason());
                self.resolve(at);
                return Box::pin(fut::ready(Ok(())));
            }
        };
        span.record("event_id", decoded.event_id.as_str());
        if let Some(parent) = &decoded.traceparent {
            span.record("trace_id", parent.trace_id());
            span.record("parent_span_id", parent.parent_id());
        }
        let age = Utc::now().signed_duration_since(decoded.notification.timestamp);
        if age.to_std().is_ok_and(|age| age > self.ingest.max_age) {
            tracing::info!(age_seconds = age.num_seconds(), "stale notification dropped");
            metrics::counter!("hub_kafka_stale_total", "topic" => self.topic.to_string()).increment(1);
            bump(&self.stats.stale);
            self.resolve(at);
            return Box::pin(fut::ready(Ok(())));
        }

        // Ownership facts are recorded before the event is routed (or held): a failed record
        // retries the whole event, which must not have been held already.
        let owners = self.ingest.owners.clone();
        let facts = decoded.notification.ownership.clone();
        let learn = async move {
            for (key, user) in facts {
                owners.learn(key, user).await?;
            }
            Ok::<(), crate::ingest::owners::OwnersError>(())
        };
        drop(_entered);
        let route_span = span.clone();
        Box::pin(learn.into_actor(self).then(move |learned, act, _| {
            let step = match learned {
                Ok(()) if act.is_current(at) => act.route(at, decoded, message),
                Ok(()) => RouteStep::Done,
                Err(error) => RouteStep::Retry(ErrorChain(&error).to_string()),
            };
            let ingest = act.ingest.clone();
            let work = async move {
                match step {
                    RouteStep::Done => Ok(None),
                    RouteStep::Retry(why) => Err(Retry(why)),
                    RouteStep::Publish { user, notification } => publish(&ingest, &notification, &user).await.map(Some),
                    RouteStep::Lookup { key, notification, message } => match ingest.owners.lookup(&key).await {
                        Ok(Some(user)) => publish(&ingest, &notification, &user).await.map(Some),
                        Ok(None) => Ok(Some(Outcome::Unowned { key, notification: Box::new(notification), message })),
                        Err(error) => Err(Retry(ErrorChain(&error).to_string())),
                    },
                }
            }
            .instrument(route_span);
            work.into_actor(act).map(move |result, act, _| {
                let _entered = span.enter();
                match result {
                    Ok(None) => Ok(()),
                    Ok(Some(Outcome::Accepted(accepted))) => {
                        act.count(accepted);
                        act.resolve(at);
                        Ok(())
                    }
                    Ok(Some(Outcome::Unowned { key, notification, message })) if act.is_current(at) => {
                        if act.holds.is_waiting(&key) || act.holds.has_room() {
                            act.hold(key, HeldEvent { at, notification: *notification, message });
                            Ok(())
                        } else {
                            Err(Retry("too many events are waiting for their owners".into()))
                        }
                    }
                    Ok(Some(Outcome::Unowned { .. })) => Ok(()),
                    Err(retry) => {
                        tracing::warn!(reason = %retry.0, "event not handed off; it will be retried");
                        Err(retry)
                    }
                }
            })
        }))
    }
}

enum Outcome {
    Accepted(Accepted),
    /// Nobody owns the key yet: the event is to be held (boxed: it is the rare, large case).
    Unowned {
        key: OwnerKey,
        notification: Box<Notification>,
        message: Arc<OwnedMessage>,
    },
}

async fn publish(ingest: &Ingest, notification: &Notification, user: &str) -> Result<Outcome, Retry> {
    ingest
        .bridge
        .publish(address(notification, user))
        .await
        .map(Outcome::Accepted)
        .map_err(|BridgeError::Unavailable(why)| Retry(why))
}

/// Reads one partition's queue and hands each event to the actor, retrying a refused one with
/// backoff before reading the next.
async fn pump(
    actor: Addr<TopicConsumer>,
    queue: StreamPartitionQueue<HubContext>,
    partition: i32,
    generation: u64,
    backoff_max: Duration,
) {
    loop {
        let message = match queue.recv().await {
            Ok(message) => Arc::new(message.detach()),
            Err(error) => {
                tracing::warn!(partition, %error, "partition queue error");
                tokio::time::sleep(FIRST_BACKOFF).await;
                continue;
            }
        };
        if !hand_over(&actor, generation, message, backoff_max).await {
            return;
        }
    }
}

/// Hands one event to the actor, retrying with backoff until it is taken; `false` once the
/// actor is gone.
async fn hand_over(
    actor: &Addr<TopicConsumer>,
    generation: u64,
    message: Arc<OwnedMessage>,
    backoff_max: Duration,
) -> bool {
    let mut backoff = FIRST_BACKOFF;
    loop {
        match actor.send(Process { generation, message: message.clone() }).await {
            Ok(Ok(())) => return true,
            Ok(Err(_)) => {
                metrics::counter!("hub_kafka_retries_total").increment(1);
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(backoff_max);
            }
            Err(_) => return false,
        }
    }
}

impl Handler<FromMainQueue> for TopicConsumer {
    type Result = ();

    fn handle(&mut self, from_main: FromMainQueue, ctx: &mut Context<Self>) {
        let message = from_main.message;
        // Not assigned here (any more): its partition's owner reads it from the commit position.
        let Some(state) = self.partitions.get_mut(&message.partition()) else { return };
        state.watermark.begin(message.offset());
        bump(&self.stats.consumed);
        let (generation, backoff_max) = (state.generation, self.ingest.retry_backoff_max);
        let actor = ctx.address();
        ctx.spawn(
            async move {
                hand_over(&actor, generation, Arc::new(message), backoff_max).await;
            }
            .into_actor(self),
        );
    }
}
