//! What the consumer knows of the cluster: brokers up, consumer lag per partition. Fed by
//! librdkafka's statistics callback, read by `/readyz`, `/status` and `/metrics`.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use hub_actors::clock;
use parking_lot::Mutex;
use rdkafka::statistics::Statistics;
use serde::Serialize;

/// Statistics older than this mean the consumer loop is not being polled.
const STALE_AFTER_MS: u64 = 3_500;

/// Shared between the consumer's context and the HTTP routes.
#[derive(Debug, Default)]
pub struct KafkaHealth {
    brokers_up: AtomicUsize,
    brokers_known: AtomicUsize,
    last_statistics_ms: AtomicU64,
    /// Consumer lag by topic and partition (stored offset to high watermark).
    lag: Mutex<BTreeMap<(String, i32), i64>>,
}

/// A view of [`KafkaHealth`] for JSON bodies.
#[derive(Debug, Clone, Serialize)]
pub struct KafkaState {
    /// `connected` when statistics are fresh and a broker is up, else `disconnected`.
    pub state: &'static str,
    /// Brokers in state UP.
    pub brokers_up: usize,
    /// Brokers the client knows of.
    pub brokers_known: usize,
}

impl KafkaHealth {
    /// Records one statistics report.
    pub fn record(&self, statistics: &Statistics) {
        let real = statistics.brokers.values().filter(|b| b.nodeid >= 0);
        let (known, up) = real.fold((0, 0), |(k, u), b| (k + 1, u + usize::from(b.state == "UP")));
        self.brokers_known.store(known, Ordering::Relaxed);
        self.brokers_up.store(up, Ordering::Relaxed);
        self.last_statistics_ms.store(clock::unix_millis(), Ordering::Relaxed);
        let mut lag = self.lag.lock();
        lag.clear();
        for (topic, t) in &statistics.topics {
            // Partition -1 is librdkafka's internal one; `desired` marks partitions assigned here.
            for p in t.partitions.values().filter(|p| p.partition >= 0 && p.desired && p.consumer_lag_stored >= 0) {
                lag.insert((topic.clone(), p.partition), p.consumer_lag_stored);
                metrics::gauge!(
                    "hub_kafka_consumer_lag",
                    "topic" => topic.clone(),
                    "partition" => p.partition.to_string()
                )
                .set(p.consumer_lag_stored as f64);
            }
        }
        metrics::gauge!("hub_kafka_brokers_up").set(up as f64);
    }

    /// Whether the consumer is connected: fresh statistics and at least one broker up.
    pub fn connected(&self) -> bool {
        let fresh =
            clock::unix_millis().saturating_sub(self.last_statistics_ms.load(Ordering::Relaxed)) < STALE_AFTER_MS;
        fresh && self.brokers_up.load(Ordering::Relaxed) > 0
    }

    /// The state for `/readyz` and `/status`.
    pub fn state(&self) -> KafkaState {
        KafkaState {
            state: if self.connected() { "connected" } else { "disconnected" },
            brokers_up: self.brokers_up.load(Ordering::Relaxed),
            brokers_known: self.brokers_known.load(Ordering::Relaxed),
        }
    }

    /// Consumer lag by `topic/partition`.
    pub fn lag(&self) -> BTreeMap<String, i64> {
        self.lag.lock().iter().map(|((t, p), lag)| (format!("{t}/{p}"), *lag)).collect()
    }
}
