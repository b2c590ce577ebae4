//! librdkafka configuration: the hub's choices, explained, then the operator's properties,
//! which win.

use rdkafka::config::RDKafkaLogLevel;
use rdkafka::ClientConfig;

use crate::settings::KafkaSettings;

/// The consumer: one per instance, one group member.
pub fn consumer(settings: &KafkaSettings) -> ClientConfig {
    let mut config = ClientConfig::new();
    config
        .set("bootstrap.servers", &settings.brokers)
        .set("group.id", &settings.group_id)
        .set("client.id", &settings.client_id)
        .set("auto.offset.reset", settings.auto_offset_reset.as_str())
        // At least once: an offset is stored only once its notification was accepted (or
        // dead-lettered), lowest unresolved first; librdkafka commits what is stored every
        // second and, on its own, for partitions being revoked.
        .set("enable.auto.offset.store", "false")
        .set("enable.auto.commit", "true")
        .set("auto.commit.interval.ms", "1000")
        // Only the moved partitions stop during a rebalance, so a joining instance does not
        // pause or redeliver the others.
        .set("partition.assignment.strategy", "cooperative-sticky")
        .set("session.timeout.ms", "10000")
        .set("heartbeat.interval.ms", "1000")
        // Latency. The broker answers a fetch as soon as one byte is there...
        .set("fetch.min.bytes", "1")
        // ...and an empty long-poll returns within 100 ms instead of 500, so a resumed or
        // seeked partition is fetched again promptly.
        .set("fetch.wait.max.ms", "100")
        // A full prefetch queue backs off 20 ms, not librdkafka's 1 s.
        .set("fetch.queue.backoff.ms", "20")
        .set("fetch.error.backoff.ms", "200")
        // Memory: with split partition queues these bounds apply per partition.
        .set("queued.min.messages", "1000")
        .set("queued.max.messages.kbytes", "2048")
        // A broker that went away is retried quickly, then every 2 s at most.
        .set("reconnect.backoff.ms", "100")
        .set("reconnect.backoff.max.ms", "2000")
        // Broker state for /readyz and lag for /metrics.
        .set("statistics.interval.ms", "1000")
        .set_log_level(RDKafkaLogLevel::Warning);
    for property in &settings.properties {
        config.set(&property.key, &property.value);
    }
    config
}

/// The dead-letter producer: every send is bounded in time, and a full queue fails at once.
pub fn dead_letter_producer(settings: &KafkaSettings) -> ClientConfig {
    let mut config = ClientConfig::new();
    config
        .set("bootstrap.servers", &settings.brokers)
        .set("client.id", format!("{}-dead-letters", settings.client_id))
        .set("message.timeout.ms", "5000")
        .set("request.timeout.ms", "3000")
        .set("queue.buffering.max.ms", "5")
        .set("queue.buffering.max.messages", "10000")
        .set("queue.buffering.max.kbytes", "65536")
        .set_log_level(RDKafkaLogLevel::Warning);
    for property in settings.properties.iter().filter(|p| !is_consumer_only(&p.key)) {
        config.set(&property.key, &property.value);
    }
    config
}

/// Properties librdkafka knows only for consumers: the dead-letter producer is spared them
/// (and the warning librdkafka would log for each).
fn is_consumer_only(key: &str) -> bool {
    const PREFIXES: [&str; 11] = [
        "group.",
        "session.",
        "heartbeat.",
        "auto.",
        "enable.auto.",
        "fetch.",
        "max.poll.",
        "partition.assignment.",
        "queued.",
        "isolation.",
        "check.crcs",
    ];
    PREFIXES.iter().any(|prefix| key.starts_with(prefix))
}
