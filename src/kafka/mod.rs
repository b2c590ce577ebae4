//! Kafka ingestion: one consumer per instance (one group member), whose partition queues feed
//! one [`TopicConsumer`] actor per topic, which takes each event through its topic's pipeline
//! ([`topic`]). Off while `kafka.brokers` is empty.

mod backoff;
mod client_config;
mod commit;
mod context;
mod dead_letter;
pub mod health;
mod stats;
mod topic;
mod topic_consumer;
mod watermark;

use std::collections::HashMap;
use std::sync::Arc;

use actix::{Actor, Arbiter};
use hub_actors::Bridge;
use rdkafka::consumer::{CommitMode, Consumer};
use rdkafka::error::KafkaError;
use rdkafka::message::Message as _;
use tokio::sync::watch;

use crate::contracts::Limits;
use crate::ingest::owners::OwnerIndex;
use crate::settings::Settings;
use context::{HubConsumer, HubContext, TopicRecipients};
use dead_letter::DeadLetters;
use health::KafkaHealth;
pub use stats::TopicSnapshot;
use stats::TopicStats;
use topic::{Ingest, Topic};
use topic_consumer::TopicConsumer;

/// The running ingestion.
pub struct Kafka {
    consumer: Arc<HubConsumer>,
    health: Arc<KafkaHealth>,
    topics: Vec<Arc<TopicStats>>,
    stop: watch::Sender<bool>,
    arbiter: Arbiter,
}

impl Kafka {
    /// Creates the consumer and the topic actors (on an arbiter of their own) and subscribes.
    /// A broker that is down is no error: the consumer connects when it comes up.
    pub fn start(
        settings: &Settings,
        bridge: Arc<dyn Bridge>,
        owners: Arc<dyn OwnerIndex>,
    ) -> Result<Kafka, KafkaError> {
        let kafka = &settings.kafka;
        let health = Arc::new(KafkaHealth::default());
        let consumer: Arc<HubConsumer> =
            Arc::new(client_config::consumer(kafka).create_with_context(HubContext::new(health.clone()))?);
        let dead_letters =
            kafka.dead_letter_topic.as_deref().map(|topic| DeadLetters::new(kafka, topic)).transpose()?;
        let ingest = Arc::new(Ingest {
            bridge,
            owners,
            dead_letters,
            limits: Limits { max_value_bytes: kafka.max_message_bytes, max_string_bytes: kafka.max_string_bytes },
            aliases: kafka.aliases(),
            max_age: kafka.max_notification_age,
            hold_timeout: settings.ownership.hold_timeout,
            max_held: settings.ownership.max_held,
            max_held_bytes: settings.ownership.max_held_bytes,
            retry_backoff_max: kafka.retry_backoff_max,
        });

        stats::register_metrics();
        let arbiter = Arbiter::new();
        let mut actors = HashMap::new();
        let mut topics = Vec::new();
        for name in &kafka.topics {
            let stats = Arc::new(TopicStats::new(name));
            let topic = Topic::new(name, Arc::downgrade(&consumer), ingest.clone(), stats.clone());
            let actor = TopicConsumer::start_in_arbiter(&arbiter.handle(), |_| TopicConsumer::new(topic));
            let recipients = TopicRecipients {
                assigned: actor.clone().recipient(),
                revoked: actor.clone().recipient(),
                from_main_queue: actor.recipient(),
            };
            actors.insert(name.clone(), recipients);
            topics.push(stats);
        }
        consumer.context().wire(Arc::downgrade(&consumer), actors);
        let names: Vec<&str> = kafka.topics.iter().map(String::as_str).collect();
        consumer.subscribe(&names)?;

        let (stop, stopped) = watch::channel(false);
        arbiter.spawn(run_main_queue(consumer.clone(), stopped));
        tracing::info!(brokers = %kafka.brokers, group = %kafka.group_id, topics = ?names, "kafka consumer started");
        Ok(Kafka { consumer, health, topics, stop, arbiter })
    }

    /// Broker state, for `/readyz` and `/status`.
    pub fn health(&self) -> &KafkaHealth {
        &self.health
    }

    /// Counts per topic actor, for `/status`.
    pub fn topics(&self) -> impl Iterator<Item = (&str, TopicSnapshot)> {
        self.topics.iter().map(|stats| (stats.topic(), stats.snapshot()))
    }

    /// Stops consuming and commits what was stored; librdkafka's close blocks, so it runs off
    /// the async threads.
    pub async fn stop(&self) {
        let _ = self.stop.send(true);
        self.arbiter.stop();
        let consumer = self.consumer.clone();
        let _ = tokio::task::spawn_blocking(move || {
            if let Err(error) = consumer.commit_consumer_state(CommitMode::Sync) {
                tracing::debug!(%error, "final commit");
            }
            consumer.unsubscribe();
        })
        .await;
        tracing::info!("kafka consumer stopped");
    }
}

/// Polls the consumer's own queue. Messages come through the partition queues; this loop runs
/// the rebalance, statistics and error callbacks. A message that does arrive here (its partition
/// fetched before its queue was split) goes to its topic's actor, which fences its offset at once.
async fn run_main_queue(consumer: Arc<HubConsumer>, mut stop: watch::Receiver<bool>) {
    loop {
        let message = tokio::select! {
            _ = stop.changed() => return,
            message = consumer.recv() => message,
        };
        match message {
            Ok(message) => {
                tracing::warn!(
                    topic = message.topic(),
                    partition = message.partition(),
                    offset = message.offset(),
                    "message on the main queue"
                );
                metrics::counter!("hub_kafka_main_queue_messages_total").increment(1);
                consumer.context().forward_from_main_queue(message.detach());
            }
            Err(error) => {
                // Broker trouble surfaces here as well as in the error callback, which logs it.
                tracing::debug!(%error, "consumer poll error");
            }
        }
    }
}
