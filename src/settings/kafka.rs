//! `[kafka]`: ingestion from the platform's topics; off while `kafka.brokers` is empty.

use std::time::Duration;

use serde::{Deserialize, Serialize, Serializer};

use super::{at_least_one, invalid, SettingsError};

/// The teacher-notification topic and the batch-status topic: the default subscription.
pub const DEFAULT_TOPICS: [&str; 2] = ["huleedu.notification.teacher.requested.v1", "huleedu.batch.status.updated.v1"];

/// Kafka ingestion.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct KafkaSettings {
    /// Bootstrap servers, comma-separated; empty turns Kafka off.
    pub brokers: String,
    /// The consumer group: one per deployment, shared by its instances.
    pub group_id: String,
    /// The client id brokers see in their logs and quotas.
    pub client_id: String,
    /// Topics consumed; each must be one the hub has a contract for.
    pub topics: Vec<String>,
    /// Extra librdkafka properties, `key=value` (TLS, SASL, ...); they win over the hub's own.
    pub properties: Vec<KafkaProperty>,
    /// Where undecodable or undeliverable events go, with the reason in a header.
    pub dead_letter_topic: Option<String>,
    /// Where a group with no committed offset starts: `latest` (no flood of old
    /// notifications at cutover) or `earliest`.
    pub auto_offset_reset: OffsetReset,
    /// Notifications older than this are dropped and counted, not delivered.
    #[serde(with = "humantime_serde")]
    pub max_notification_age: Duration,
    /// `topic=event_type` pairs accepted although the envelope's `event_type` is not the topic.
    pub event_type_aliases: Vec<String>,
    /// Largest message value decoded; larger is dead-lettered.
    pub max_message_bytes: usize,
    /// Largest single string field in an event; larger is dead-lettered.
    pub max_string_bytes: usize,
    /// Longest pause between retries of a hand-off the bridge refused.
    #[serde(with = "humantime_serde")]
    pub retry_backoff_max: Duration,
}

impl Default for KafkaSettings {
    fn default() -> Self {
        KafkaSettings {
            brokers: String::new(),
            group_id: "huleedu-notification-hub".into(),
            client_id: "notification-hub".into(),
            topics: DEFAULT_TOPICS.map(String::from).to_vec(),
            properties: Vec::new(),
            dead_letter_topic: None,
            auto_offset_reset: OffsetReset::Latest,
            max_notification_age: Duration::from_secs(3600),
            event_type_aliases: Vec::new(),
            max_message_bytes: 1_048_576,
            max_string_bytes: 64 * 1024,
            retry_backoff_max: Duration::from_secs(5),
        }
    }
}

impl KafkaSettings {
    /// Whether Kafka ingestion is on.
    pub fn enabled(&self) -> bool {
        !self.brokers.trim().is_empty()
    }

    /// The aliases as `(topic, event_type)` pairs (validated at load).
    pub fn aliases(&self) -> Vec<(String, String)> {
        self.event_type_aliases
            .iter()
            .filter_map(|a| a.split_once('='))
            .map(|(t, e)| (t.trim().to_owned(), e.trim().to_owned()))
            .collect()
    }

    /// Refuses size limits of zero and, when Kafka is on, a subscription the hub cannot decode,
    /// an empty group, a malformed alias, and a dead-letter topic it would read back.
    pub(super) fn validate(&self) -> Result<(), SettingsError> {
        at_least_one(&[
            ("kafka.max_message_bytes", self.max_message_bytes),
            ("kafka.max_string_bytes", self.max_string_bytes),
        ])?;
        if !self.enabled() {
            return Ok(());
        }
        if self.topics.is_empty() {
            return invalid("kafka.topics", "name at least one topic, or leave kafka.brokers empty");
        }
        let known: Vec<&str> = crate::contracts::topics().map(|spec| spec.topic).collect();
        if let Some(unknown) = self.topics.iter().find(|t| !known.contains(&t.as_str())) {
            return invalid(
                "kafka.topics",
                format!("no contract for topic `{unknown}`; known topics: {}", known.join(", ")),
            );
        }
        if self.group_id.trim().is_empty() {
            return invalid("kafka.group_id", "must not be empty");
        }
        if let Some(bad) = self.event_type_aliases.iter().find(|a| !a.contains('=')) {
            return invalid("kafka.event_type_aliases", format!("`{bad}` is not `topic=event_type`"));
        }
        if let Some(dead) = &self.dead_letter_topic {
            if dead.trim().is_empty() || self.topics.contains(dead) {
                return invalid(
                    "kafka.dead_letter_topic",
                    format!("`{dead}` must be a topic the hub does not consume"),
                );
            }
        }
        Ok(())
    }
}

/// One librdkafka property, `key=value`; values of keys naming a password or secret never print.
#[derive(Clone, Deserialize, PartialEq, Eq)]
#[serde(try_from = "String")]
pub struct KafkaProperty {
    /// The librdkafka property name, e.g. `security.protocol`.
    pub key: String,
    /// Its value.
    pub value: String,
}

impl TryFrom<String> for KafkaProperty {
    type Error = String;

    fn try_from(text: String) -> Result<Self, String> {
        let (key, value) = text.split_once('=').ok_or("a Kafka property is written `key=value`")?;
        let key = key.trim();
        if key.is_empty() {
            return Err("a Kafka property needs a key before `=`".into());
        }
        Ok(KafkaProperty { key: key.to_owned(), value: value.trim().to_owned() })
    }
}

impl std::fmt::Debug for KafkaProperty {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let secret = ["password", "secret", "key.pem", "token"].iter().any(|s| self.key.contains(s));
        write!(f, "{}={}", self.key, if secret { "[redacted]" } else { &self.value })
    }
}

/// Written as it prints, `key=value` with secret values redacted, so serialised settings are as
/// safe to show as their `Debug`.
impl Serialize for KafkaProperty {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&format_args!("{self:?}"))
    }
}

/// Where a consumer group with no committed offset starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OffsetReset {
    /// Only what is produced from now on.
    Latest,
    /// Everything retained.
    Earliest,
}

impl OffsetReset {
    /// The librdkafka value.
    pub fn as_str(self) -> &'static str {
        match self {
            OffsetReset::Latest => "latest",
            OffsetReset::Earliest => "earliest",
        }
    }
}
