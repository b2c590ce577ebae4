//! The counts of one topic consumer, for `/status`. Where a Prometheus metric tells the same,
//! one call bumps both, so the two cannot disagree.

use std::sync::atomic::{AtomicU64, Ordering};

use hub_actors::Accepted;
use serde::Serialize;

use crate::contracts::DecodeError;

/// Why an event is rejected or dead-lettered: it could not be decoded, or its owner never
/// became known.
const REFUSALS: [&str; DecodeError::REASONS.len() + 1] = {
    let mut all = ["owner_unknown"; DecodeError::REASONS.len() + 1];
    let mut i = 0;
    while i < DecodeError::REASONS.len() {
        all[i] = DecodeError::REASONS[i];
        i += 1;
    }
    all
};

/// Registers the Kafka families that have no per-topic label at zero, so that the first scrape
/// with Kafka on has them (per-topic series come with each topic's [`TopicStats`]).
pub(super) fn register_metrics() {
    for counter in [
        "hub_kafka_retries_total",
        "hub_kafka_dead_letter_failures_total",
        "hub_kafka_client_errors_total",
        "hub_kafka_main_queue_messages_total",
    ] {
        metrics::counter!(counter).increment(0);
    }
    for reason in REFUSALS {
        metrics::counter!("hub_kafka_dead_letters_total", "reason" => reason).increment(0);
    }
    metrics::gauge!("hub_kafka_brokers_up").increment(0.0);
}

/// Counts of one topic.
#[derive(Debug)]
pub(super) struct TopicStats {
    /// The topic: the `topic` label of its metrics.
    topic: String,
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
    /// Zero counts for `topic`, and its metric series registered at zero.
    pub(super) fn new(topic: &str) -> TopicStats {
        metrics::counter!("hub_kafka_stale_total", "topic" => topic.to_owned()).increment(0);
        metrics::counter!("hub_kafka_ownership_conflicts_total", "topic" => topic.to_owned()).increment(0);
        for reason in REFUSALS {
            metrics::counter!("hub_kafka_rejected_total", "topic" => topic.to_owned(), "reason" => reason).increment(0);
        }
        TopicStats {
            topic: topic.to_owned(),
            consumed: AtomicU64::default(),
            delivered: AtomicU64::default(),
            duplicates: AtomicU64::default(),
            malformed: AtomicU64::default(),
            stale: AtomicU64::default(),
            held: AtomicU64::default(),
            dead_lettered: AtomicU64::default(),
            partitions: AtomicU64::default(),
        }
    }

    /// The topic counted.
    pub(super) fn topic(&self) -> &str {
        &self.topic
    }

    /// An event was read for the first time.
    pub(super) fn consumed(&self) {
        bump(&self.consumed);
    }

    /// The bridge took a notification, as new or as a duplicate.
    pub(super) fn accepted(&self, accepted: Accepted) {
        match accepted {
            Accepted::New(_) => bump(&self.delivered),
            Accepted::Duplicate(_) => bump(&self.duplicates),
        }
    }

    /// An event could not be decoded: `hub_kafka_rejected_total{topic, reason}`.
    pub(super) fn malformed(&self, reason: &'static str) {
        self.rejected(reason);
        bump(&self.malformed);
    }

    /// A held event's owner never became known: `hub_kafka_rejected_total{topic, reason}` with
    /// reason `owner_unknown`.
    pub(super) fn owner_unknown(&self) {
        self.rejected("owner_unknown");
    }

    /// A notification was too old to deliver: `hub_kafka_stale_total{topic}`.
    pub(super) fn stale(&self) {
        metrics::counter!("hub_kafka_stale_total", "topic" => self.topic.clone()).increment(1);
        bump(&self.stale);
    }

    /// An event named someone other than the known owner as acting on a batch or class:
    /// `hub_kafka_ownership_conflicts_total{topic}`.
    pub(super) fn ownership_conflict(&self) {
        metrics::counter!("hub_kafka_ownership_conflicts_total", "topic" => self.topic.clone()).increment(1);
    }

    /// An event went (or was attempted) to the dead-letter topic.
    pub(super) fn dead_lettered(&self) {
        bump(&self.dead_lettered);
    }

    /// An event was refused for now and will be tried again: `hub_kafka_retries_total`.
    pub(super) fn retried(&self) {
        metrics::counter!("hub_kafka_retries_total").increment(1);
    }

    /// `held` events wait for their owner now.
    pub(super) fn held(&self, held: usize) {
        self.held.store(held as u64, Ordering::Relaxed);
    }

    /// `partitions` partitions are assigned here now.
    pub(super) fn partitions(&self, partitions: usize) {
        self.partitions.store(partitions as u64, Ordering::Relaxed);
    }

    /// A copy of every count.
    pub(super) fn snapshot(&self) -> TopicSnapshot {
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

    fn rejected(&self, reason: &'static str) {
        metrics::counter!("hub_kafka_rejected_total", "topic" => self.topic.clone(), "reason" => reason).increment(1);
    }
}

fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}
