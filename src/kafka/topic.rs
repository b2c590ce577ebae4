//! One topic's pipeline. Every event read from one of its partitions goes through these stages,
//! in this order, each a function below ([`Topic::process`] reads them top to bottom):
//!
//! 1. **decode**: the envelope becomes a notification; a malformed event is dead-lettered and
//!    a stale one dropped, and both are committed;
//! 2. **learn**: the ownership facts it carries (a batch or class with its teacher) are
//!    recorded, before anything can hold it;
//! 3. **find the teacher**: named in the event, or the known owner of its batch or class;
//! 4. **hold** ([`hold`]): an event whose owner is unknown, or one of whose batches or classes
//!    has earlier events waiting (however it names its teacher), waits; it is released in order
//!    once the owner is known, or dead-lettered when the hold expires;
//! 5. **hand off**: the notification, addressed to its teacher, goes to the bridge;
//! 6. **commit**: the event is resolved, and its partition's commit position stored.
//!
//! A stage that cannot go on now says why with a [`Refusal`], and the event is tried again from
//! the top after a pause ([`Topic::handle`]): nothing behind it in its partition is read, and
//! nothing is committed past it, until it goes through.

mod assignment;
mod hold;

use std::sync::{Arc, Weak};
use std::time::Duration;

use chrono::Utc;
use hub_actors::{Accepted, Bridge, BridgeError};
use parking_lot::Mutex;
use rdkafka::message::{Message as _, OwnedMessage};
use tracing::Instrument;

use super::backoff;
use super::commit::{Commits, Coordinates};
use super::context::HubConsumer;
use super::dead_letter::{DeadLetter, DeadLetters};
use super::stats::TopicStats;
use crate::contracts::{decode, topics, Basis, Limits, Notification, OwnerKey, Recipient};
use crate::ingest::address::address;
use crate::ingest::holds::{Holds, Weight};
use crate::ingest::owners::{Learnt, OwnerIndex, OwnersError};
use hub_actors::ErrorChain;

/// What every topic shares: the way out, the ownership index, the decoding rules.
pub(super) struct Ingest {
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
    /// Bytes of events (their Kafka values) waiting per topic at most.
    pub max_held_bytes: usize,
    /// Longest pause between retries.
    pub retry_backoff_max: Duration,
}

/// One topic's stages and what they share. The partitions' pumps run its events through it
/// one at a time each; its locks are held only between awaits, never across one.
pub(super) struct Topic {
    name: Arc<str>,
    /// What the ownership facts of its events rest on (the topic table's rule).
    learns: Option<Basis>,
    ingest: Arc<Ingest>,
    stats: Arc<TopicStats>,
    /// Events waiting for their owner.
    holds: Mutex<Holds<HeldEvent>>,
    /// Where each partition may be committed.
    commits: Mutex<Commits>,
}

/// An event waiting for the owner of its batch or class.
struct HeldEvent {
    /// Where it sits, to commit it once released or expired.
    at: Coordinates,
    /// What to hand off once the owner is known.
    notification: Notification,
    /// The original, for the dead-letter topic.
    message: Arc<OwnedMessage>,
    /// The teacher the event names, when it waits only to keep its order; `None` when it goes
    /// to the owner it waits for.
    teacher: Option<String>,
}

/// A held event weighs its Kafka value, the part that can be large.
impl Weight for HeldEvent {
    fn bytes(&self) -> usize {
        self.message.payload().map_or(0, <[u8]>::len)
    }
}

/// Why a stage cannot take an event now; it is tried again after a pause.
#[derive(Debug, thiserror::Error)]
pub(super) enum Refusal {
    /// The ownership index did not answer.
    #[error(transparent)]
    Owners(#[from] OwnersError),
    /// The bridge did not take the notification.
    #[error(transparent)]
    Bridge(#[from] BridgeError),
    /// `ownership.max_held` events, or `ownership.max_held_bytes` bytes, wait already: the
    /// partition pauses until room frees.
    #[error("too many events are waiting for their owners")]
    HoldsFull,
}

impl Refusal {
    /// Which stage refused, a stable label for logs.
    fn stage(&self) -> &'static str {
        match self {
            Refusal::Owners(_) => "owners",
            Refusal::Bridge(_) => "bridge",
            Refusal::HoldsFull => "holds",
        }
    }

    /// Why, as the refusing seam labels it; the error's chain gives the detail.
    fn reason(&self) -> &'static str {
        match self {
            Refusal::Owners(error) => error.reason(),
            Refusal::Bridge(error) => error.reason(),
            Refusal::HoldsFull => "full",
        }
    }
}

/// Whom to notify, as far as is known.
enum Teacher {
    /// This user, now.
    Known(String),
    /// Not before the events waiting for the owner of `key`: the owner is unknown yet, or
    /// earlier events for the key wait.
    Awaited {
        /// The batch or class whose queue the event joins.
        key: OwnerKey,
        /// The teacher the event names; `None` when it goes to the owner of `key`.
        named: Option<String>,
    },
}

impl Topic {
    /// The stages of `name`; commit positions are stored on `consumer`.
    pub(super) fn new(name: &str, consumer: Weak<HubConsumer>, ingest: Arc<Ingest>, stats: Arc<TopicStats>) -> Topic {
        let name: Arc<str> = name.into();
        Topic {
            learns: topics().find(|spec| *spec.topic == *name).and_then(|spec| spec.learns),
            holds: Mutex::new(Holds::new(ingest.max_held, ingest.max_held_bytes)),
            commits: Mutex::new(Commits::new(name.clone(), consumer)),
            name,
            ingest,
            stats,
        }
    }

    /// The topic's name.
    pub(super) fn name(&self) -> &str {
        &self.name
    }

    /// Takes one event through the stages, trying it again after a pause while a stage refuses
    /// it; done once it is resolved or held, or its partition has left.
    pub(super) async fn handle(&self, at: Coordinates, message: Arc<OwnedMessage>) {
        let span = tracing::info_span!(
            "kafka_event",
            topic = %self.name,
            partition = at.partition,
            offset = at.offset,
            event_id = tracing::field::Empty,
            trace_id = tracing::field::Empty,
            parent_span_id = tracing::field::Empty,
        );
        let refused = |refusal: &Refusal, _: Duration| {
            let (stage, reason, error) = (refusal.stage(), refusal.reason(), ErrorChain(refusal));
            tracing::warn!(stage, reason, %error, "event not handed off; it will be retried");
            self.stats.retried();
        };
        backoff::retry(self.ingest.retry_backoff_max, || self.process(at, &message), refused).instrument(span).await
    }

    /// The stages, in order. `Err` leaves the event as it was: neither resolved nor held.
    async fn process(&self, at: Coordinates, message: &Arc<OwnedMessage>) -> Result<(), Refusal> {
        if !self.commits.lock().is_current(at) {
            return Ok(()); // Revoked meanwhile: the partition's next reader reads it again.
        }
        let Some(notification) = self.decode(at, message) else { return Ok(()) };
        self.learn(at, &notification).await?;
        let teacher = match self.find_teacher(&notification).await? {
            Teacher::Known(user) => user,
            Teacher::Awaited { key, named } => {
                let event = HeldEvent { at, notification, message: message.clone(), teacher: named };
                return self.hold(key, event);
            }
        };
        let accepted = self.hand_off(&notification, &teacher).await?;
        self.stats.accepted(accepted);
        self.commit(at);
        Ok(())
    }

    /// Decode: the event's notification, or `None` when the event ends here, committed:
    /// dead-lettered as malformed, or dropped as older than `kafka.max_notification_age`.
    fn decode(&self, at: Coordinates, message: &OwnedMessage) -> Option<Notification> {
        let payload = message.payload().unwrap_or_default();
        let decoded = match decode(&self.name, payload, &self.ingest.limits, &self.ingest.aliases) {
            Ok(decoded) => decoded,
            Err(error) => {
                tracing::warn!(reason = error.reason(), %error, "malformed event; dead-lettering it");
                self.stats.malformed(error.reason());
                self.dead_letter(message, error.reason());
                self.commit(at);
                return None;
            }
        };
        let span = tracing::Span::current();
        span.record("event_id", decoded.event_id.as_str());
        if let Some(parent) = &decoded.traceparent {
            span.record("trace_id", parent.trace_id());
            span.record("parent_span_id", parent.parent_id());
        }
        let age = Utc::now().signed_duration_since(decoded.notification.timestamp);
        if age.to_std().is_ok_and(|age| age > self.ingest.max_age) {
            tracing::info!(age_seconds = age.num_seconds(), "stale notification dropped");
            self.stats.stale();
            self.commit(at);
            return None;
        }
        Some(decoded.notification)
    }

    /// Learn: offers the index who owns the batches and classes the event names with their
    /// teacher, as the topic's rule says: an owner fact replaces what was known; an actor fact
    /// only fills a gap, and one that names someone else than the known owner is logged and
    /// counted as a conflict, the owner kept.
    async fn learn(&self, at: Coordinates, notification: &Notification) -> Result<(), OwnersError> {
        let Some(basis) = self.learns else { return Ok(()) };
        for (key, user) in &notification.ownership {
            match self.ingest.owners.learn(key.clone(), user.clone(), basis).await? {
                Learnt::Recorded => {}
                Learnt::Replaced { previous } => tracing::warn!(
                    topic = %self.name, partition = at.partition, offset = at.offset, %key, %previous, owner = %user,
                    "owner changed; the latest owner fact wins"
                ),
                Learnt::Conflict { owner } => {
                    tracing::warn!(
                        topic = %self.name, partition = at.partition, offset = at.offset, %key, %owner, actor = %user,
                        "the event names someone other than the known owner as acting on it; the owner stays"
                    );
                    self.stats.ownership_conflict();
                }
            }
        }
        Ok(())
    }

    /// Find the teacher: named in the event, or the owner of its batch or class. An event
    /// queues behind earlier ones of its batches and classes without asking, so it cannot
    /// overtake them, even when it names its teacher.
    async fn find_teacher(&self, notification: &Notification) -> Result<Teacher, OwnersError> {
        let key = match &notification.recipient {
            Recipient::User(user) => {
                let holds = self.holds.lock();
                return Ok(match notification.keys().find(|key| holds.must_queue_behind(key)) {
                    Some(key) => Teacher::Awaited { key, named: Some(user.clone()) },
                    None => Teacher::Known(user.clone()),
                });
            }
            Recipient::OwnerOf(key) => key,
        };
        let awaited = Teacher::Awaited { key: key.clone(), named: None };
        if self.holds.lock().must_queue_behind(key) {
            return Ok(awaited);
        }
        Ok(match self.ingest.owners.lookup(key).await? {
            Some(user) => Teacher::Known(user),
            None => awaited,
        })
    }

    /// Hand off: the notification, addressed to `teacher`, to the bridge.
    async fn hand_off(&self, notification: &Notification, teacher: &str) -> Result<Accepted, BridgeError> {
        self.ingest.bridge.publish(address(notification, teacher)).await
    }

    /// Commit: `at` is resolved; its partition's commit position follows.
    fn commit(&self, at: Coordinates) {
        self.commits.lock().commit(at);
    }

    /// Sends `message` to the dead-letter topic, when there is one, and counts it either way.
    fn dead_letter(&self, message: &OwnedMessage, reason: &'static str) {
        self.stats.dead_lettered();
        if let Some(dead_letters) = &self.ingest.dead_letters {
            dead_letters.send(DeadLetter::of(message, reason));
        }
    }
}
