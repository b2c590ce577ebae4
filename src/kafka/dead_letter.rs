//! The dead-letter topic: undecodable events and events whose owner never became known go
//! there with the original bytes and the reason in headers. Sending never blocks a partition:
//! a full queue or a slow broker is counted and logged, and the partition goes on.

use std::time::Duration;

use rdkafka::error::KafkaError;
use rdkafka::message::{Header, Message as _, OwnedHeaders, OwnedMessage};
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::types::RDKafkaErrorCode;
use sha2::{Digest, Sha256};

use crate::settings::KafkaSettings;

/// librdkafka's default `message.max.bytes`, used unless the operator sets another.
const DEFAULT_MAX_MESSAGE_BYTES: usize = 1_000_000;

/// Room kept for the key, headers and the protocol's framing when truncating.
const OVERHEAD_BYTES: usize = 1024;

/// How long one dead letter may take to be acknowledged.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(6);

/// One event for the dead-letter topic.
#[derive(Debug, Clone)]
pub struct DeadLetter {
    /// Where it was read.
    pub topic: String,
    /// Its partition.
    pub partition: i32,
    /// Its offset.
    pub offset: i64,
    /// The original key.
    pub key: Option<Vec<u8>>,
    /// The original value bytes.
    pub payload: Vec<u8>,
    /// The stable reason label (`invalid_json`, `owner_unknown`, ...).
    pub reason: &'static str,
}

impl DeadLetter {
    /// `message` as it was read, for the stated reason.
    pub(super) fn of(message: &OwnedMessage, reason: &'static str) -> DeadLetter {
        DeadLetter {
            topic: message.topic().to_owned(),
            partition: message.partition(),
            offset: message.offset(),
            key: message.key().map(<[u8]>::to_vec),
            payload: message.payload().unwrap_or_default().to_vec(),
            reason,
        }
    }
}

/// The producer of dead letters.
pub struct DeadLetters {
    producer: FutureProducer,
    topic: String,
    max_message_bytes: usize,
}

impl DeadLetters {
    /// A producer for `topic`, or the error librdkafka gave.
    pub fn new(settings: &KafkaSettings, topic: &str) -> Result<DeadLetters, KafkaError> {
        let config = super::client_config::dead_letter_producer(settings);
        let max_message_bytes =
            config.get("message.max.bytes").and_then(|v| v.parse().ok()).unwrap_or(DEFAULT_MAX_MESSAGE_BYTES);
        Ok(DeadLetters { producer: config.create()?, topic: topic.to_owned(), max_message_bytes })
    }

    /// Sends `letter` in the background; the caller goes on at once.
    pub fn send(&self, letter: DeadLetter) {
        let (payload, truncated) = self.fit(&letter.payload);
        let partition = letter.partition.to_string();
        let offset = letter.offset.to_string();
        let mut headers = OwnedHeaders::new()
            .insert(Header { key: "hub-dead-letter-reason", value: Some(letter.reason) })
            .insert(Header { key: "hub-source-topic", value: Some(letter.topic.as_str()) })
            .insert(Header { key: "hub-source-partition", value: Some(partition.as_str()) })
            .insert(Header { key: "hub-source-offset", value: Some(offset.as_str()) });
        if truncated {
            let size = letter.payload.len().to_string();
            let sha256: String = Sha256::digest(&letter.payload).iter().map(|b| format!("{b:02x}")).collect();
            headers = headers
                .insert(Header { key: "hub-truncated", value: Some("true") })
                .insert(Header { key: "hub-original-size", value: Some(size.as_str()) })
                .insert(Header { key: "hub-original-sha256", value: Some(sha256.as_str()) });
        }
        let key = letter.key.as_deref().unwrap_or_default();
        let record = FutureRecord::to(&self.topic).key(key).payload(payload).headers(headers);
        let delivery = match self.producer.send_result(record) {
            Ok(delivery) => delivery,
            Err((error, _)) => return failed(&letter, &error.to_string()),
        };
        metrics::counter!("hub_kafka_dead_letters_total", "reason" => letter.reason).increment(1);
        tokio::spawn(async move {
            match tokio::time::timeout(DELIVERY_TIMEOUT, delivery).await {
                Ok(Ok(Ok(_))) => {}
                Ok(Ok(Err((error, _)))) => failed(&letter, &error.to_string()),
                Ok(Err(_)) => failed(&letter, "the producer was dropped"),
                Err(_) => failed(&letter, "no acknowledgement in time"),
            }
        });
    }

    /// The payload as sent: whole when it fits the broker's limit, else a truncated copy.
    fn fit<'a>(&self, payload: &'a [u8]) -> (&'a [u8], bool) {
        let room = self.max_message_bytes.saturating_sub(OVERHEAD_BYTES);
        if payload.len() <= room {
            (payload, false)
        } else {
            (&payload[..room], true)
        }
    }
}

fn failed(letter: &DeadLetter, error: &str) {
    metrics::counter!("hub_kafka_dead_letter_failures_total").increment(1);
    let too_large = error.contains(&format!("{:?}", RDKafkaErrorCode::MessageSizeTooLarge));
    tracing::error!(
        topic = %letter.topic,
        partition = letter.partition,
        offset = letter.offset,
        reason = letter.reason,
        too_large,
        %error,
        "dead letter not sent; the event is committed anyway so the partition goes on"
    );
}
