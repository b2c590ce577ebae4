//! The commit stage's books: for each partition of a topic assigned here, which assignment it
//! is in, its [`Watermark`], and the commit position last stored. librdkafka commits the stored
//! positions every second and for partitions being revoked.

use std::collections::HashMap;
use std::sync::{Arc, Weak};

use rdkafka::consumer::Consumer;
use rdkafka::{Offset, TopicPartitionList};

use super::context::HubConsumer;
use super::watermark::Watermark;

/// Where an event sits in Kafka, and which assignment of its partition read it; every log line
/// about it names these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Coordinates {
    /// Its partition.
    pub partition: i32,
    /// The assignment of the partition that read it: results of an earlier one are ignored.
    pub generation: u64,
    /// Its offset.
    pub offset: i64,
}

/// The commit positions of one topic's partitions.
pub(super) struct Commits {
    topic: Arc<str>,
    /// Stores positions; gone only at shutdown.
    consumer: Weak<HubConsumer>,
    partitions: HashMap<i32, Partition>,
    next_generation: u64,
}

/// One assigned partition.
struct Partition {
    /// Changes on every assignment.
    generation: u64,
    watermark: Watermark,
    /// The last commit position stored.
    stored: Option<i64>,
}

impl Commits {
    /// No partition assigned yet.
    pub(super) fn new(topic: Arc<str>, consumer: Weak<HubConsumer>) -> Commits {
        Commits { topic, consumer, partitions: HashMap::new(), next_generation: 0 }
    }

    /// `partition` is (again) assigned here: a new generation, nothing in flight.
    pub(super) fn assign(&mut self, partition: i32) -> u64 {
        self.next_generation += 1;
        let generation = self.next_generation;
        self.partitions.insert(partition, Partition { generation, watermark: Watermark::default(), stored: None });
        generation
    }

    /// `partition` left: how many of its events were in flight, if it was assigned.
    pub(super) fn revoke(&mut self, partition: i32) -> Option<usize> {
        self.partitions.remove(&partition).map(|p| p.watermark.in_flight())
    }

    /// How many partitions are assigned.
    pub(super) fn assigned(&self) -> usize {
        self.partitions.len()
    }

    /// The current generation of `partition`, if it is assigned here.
    pub(super) fn generation(&self, partition: i32) -> Option<u64> {
        self.partitions.get(&partition).map(|p| p.generation)
    }

    /// Whether `at` was read by the current assignment of its partition.
    pub(super) fn is_current(&self, at: Coordinates) -> bool {
        self.generation(at.partition) == Some(at.generation)
    }

    /// Starts tracking `at`, so that no commit passes it until it is resolved: `Some(true)`
    /// the first time, `Some(false)` after, `None` when its assignment is over.
    pub(super) fn fence(&mut self, at: Coordinates) -> Option<bool> {
        let state = self.partitions.get_mut(&at.partition).filter(|p| p.generation == at.generation)?;
        Some(state.watermark.begin(at.offset))
    }

    /// `at` is resolved: stores its partition's new commit position, the lowest event not yet
    /// resolved. Nothing happens when its assignment is over.
    pub(super) fn commit(&mut self, at: Coordinates) {
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
                    let partition = at.partition;
                    tracing::debug!(topic = %self.topic, partition, position, %error, "offset not stored")
                }
            }
        }
    }
}
