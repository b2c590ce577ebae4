//! The consumer's librdkafka context: it hands each assigned partition's own queue to the
//! actor of its topic, tells the actor when a partition is revoked, and records statistics.
//! The messages it sends are defined here, with it; it holds each topic actor as the
//! [`Recipient`]s of those messages, so it knows nothing else of the actor.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock, Weak};

use actix::{Message, Recipient};
use rdkafka::client::ClientContext;
use rdkafka::consumer::stream_consumer::StreamPartitionQueue;
use rdkafka::consumer::{BaseConsumer, ConsumerContext, Rebalance, StreamConsumer};
use rdkafka::error::{KafkaError, KafkaResult};
use rdkafka::message::{Message as _, OwnedMessage};
use rdkafka::statistics::Statistics;
use rdkafka::TopicPartitionList;

use super::health::KafkaHealth;

/// The hub's one consumer.
pub(super) type HubConsumer = StreamConsumer<HubContext>;

/// A partition of the topic was assigned here; its queue is the actor's to pump.
#[derive(Message)]
#[rtype(result = "()")]
pub(super) struct Assigned {
    /// The partition.
    pub partition: i32,
    /// Its split queue: its messages come only here.
    pub queue: StreamPartitionQueue<HubContext>,
}

/// A partition left this instance (rebalance): stop pumping it and forget its held events.
/// librdkafka commits what was stored for it; the rest is redelivered to its new owner.
#[derive(Message)]
#[rtype(result = "()")]
pub(super) struct Revoked {
    /// The partition.
    pub partition: i32,
}

/// A message of an assigned partition that reached the consumer's main queue (fetched before its
/// queue was split off): its offset is fenced at once, so no commit passes it, and it is handled
/// like any other.
#[derive(Message)]
#[rtype(result = "()")]
pub(super) struct FromMainQueue {
    /// The message.
    pub message: OwnedMessage,
}

/// The actor of one topic, as the context sends to it.
pub(super) struct TopicRecipients {
    /// Takes the queue of each partition assigned here.
    pub assigned: Recipient<Assigned>,
    /// Hears of each partition revoked.
    pub revoked: Recipient<Revoked>,
    /// Takes the messages that reached the main queue.
    pub from_main_queue: Recipient<FromMainQueue>,
}

/// Callbacks of the consumer. They run inside `recv()` of the consumer loop, so they only send
/// messages: blocking here would stall every partition.
pub(super) struct HubContext {
    health: Arc<KafkaHealth>,
    /// Set right after the consumer is created: splitting a queue needs the consumer itself.
    consumer: OnceLock<Weak<HubConsumer>>,
    /// The actor of each topic.
    topics: OnceLock<HashMap<String, TopicRecipients>>,
}

impl HubContext {
    pub(super) fn new(health: Arc<KafkaHealth>) -> HubContext {
        HubContext { health, consumer: OnceLock::new(), topics: OnceLock::new() }
    }

    /// Completes the context once the consumer and the actors exist.
    pub(super) fn wire(&self, consumer: Weak<HubConsumer>, topics: HashMap<String, TopicRecipients>) {
        let _ = self.consumer.set(consumer);
        let _ = self.topics.set(topics);
    }

    /// Hands a message that reached the main queue to the actor of its topic.
    pub(super) fn forward_from_main_queue(&self, message: OwnedMessage) {
        if let Some(actor) = self.actor(message.topic()) {
            actor.from_main_queue.do_send(FromMainQueue { message });
        }
    }

    fn actor(&self, topic: &str) -> Option<&TopicRecipients> {
        self.topics.get()?.get(topic)
    }

    /// Splits each partition's queue off the consumer's before librdkafka starts fetching it,
    /// so none of its messages reach the main queue.
    fn split(&self, partitions: &TopicPartitionList) {
        let Some(consumer) = self.consumer.get().and_then(Weak::upgrade) else { return };
        for element in partitions.elements() {
            let Some(actor) = self.actor(element.topic()) else { continue };
            if let Some(queue) = consumer.split_partition_queue(element.topic(), element.partition()) {
                actor.assigned.do_send(Assigned { partition: element.partition(), queue });
            }
        }
    }
}

impl ClientContext for HubContext {
    fn stats(&self, statistics: Statistics) {
        self.health.record(&statistics);
    }

    fn error(&self, error: KafkaError, reason: &str) {
        metrics::counter!("hub_kafka_client_errors_total").increment(1);
        tracing::warn!(%error, reason, "kafka client error");
    }
}

impl ConsumerContext for HubContext {
    fn pre_rebalance(&self, _: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        match rebalance {
            Rebalance::Revoke(partitions) => {
                for element in partitions.elements() {
                    if let Some(actor) = self.actor(element.topic()) {
                        actor.revoked.do_send(Revoked { partition: element.partition() });
                    }
                }
            }
            Rebalance::Assign(partitions) => self.split(partitions),
            Rebalance::Error(error) => tracing::warn!(%error, "rebalance error"),
        }
    }

    fn post_rebalance(&self, _: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        if let Rebalance::Assign(partitions) = rebalance {
            let assigned: Vec<String> =
                partitions.elements().iter().map(|e| format!("{}/{}", e.topic(), e.partition())).collect();
            tracing::info!(?assigned, "partitions assigned");
        }
    }

    fn commit_callback(&self, result: KafkaResult<()>, offsets: &TopicPartitionList) {
        if let Err(error) = result {
            // Nothing stored since the last commit is not a failure.
            if !matches!(error, KafkaError::ConsumerCommit(rdkafka::types::RDKafkaErrorCode::NoOffset)) {
                let partitions: Vec<String> = offsets
                    .elements()
                    .iter()
                    .map(|e| format!("{}/{}@{:?}", e.topic(), e.partition(), e.offset()))
                    .collect();
                tracing::warn!(%error, ?partitions, "offset commit failed; it is retried with the next one");
            }
        }
    }
}
