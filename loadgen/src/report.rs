//! The result of a run: one JSON line.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::shard::{new_histogram, ShardOutcome};

/// Everything a run measured. `to_json_line()` gives the one line the binary prints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// The run's name (`--label`), for tables and plots.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// `http`, `http-batch`, `redis` or `kafka`.
    pub via: String,
    /// The hub's base URL publish requests went to.
    pub url: String,
    /// Hub instances the sockets were spread over.
    #[serde(default = "one")]
    pub instances: usize,
    /// Names this run's users (`lg-<run_id>-<n>`).
    pub run_id: String,
    /// Load-generator processes.
    pub processes: usize,
    /// Local source addresses used (0: the kernel's choice).
    pub source_ips: usize,
    /// Sockets asked for.
    pub sockets: u64,
    /// Sockets that joined (handshake and ping/pong).
    pub sockets_connected: u64,
    /// Sockets that did not join, by reason (`handshake_http_503`, `connect_AddrNotAvailable`, ...).
    pub connect_failures: BTreeMap<String, u64>,
    /// Time to open every socket.
    pub connect_seconds: f64,
    /// Users the sockets belong to.
    pub users: u64,
    /// Target length of the publish phase.
    pub duration_s: f64,
    /// Notifications per request (1 with `http`).
    pub batch_size: usize,
    /// Notifications per second asked for.
    pub publish_rate_target: f64,
    /// Notifications per second the hub accepted, over the publish window.
    pub publish_rate_achieved: f64,
    /// Whether requests went out at 95 % of the target rate or better.
    pub rate_held: bool,
    /// Largest delay of a request behind its schedule.
    pub max_publish_lag_ms: f64,
    /// Times every in-flight slot was taken when a request was due.
    pub in_flight_saturated: u64,
    /// Notifications sent.
    pub publish_attempted: u64,
    /// Notifications the hub accepted (202).
    pub published: u64,
    /// HTTP requests sent.
    pub publish_requests: u64,
    /// Notifications not accepted, by reason.
    pub publish_errors: BTreeMap<String, u64>,
    /// Deliveries owed: each accepted notification times its user's joined sockets.
    pub expected: u64,
    /// Distinct (socket, notification) pairs delivered, among those owed.
    pub delivered: u64,
    /// Probe frames received, repeats included.
    pub frames: u64,
    /// `expected - delivered`.
    pub loss: u64,
    /// Repeated (socket, notification) pairs.
    pub duplicates: u64,
    /// Frames that reached a socket of another user than the one published to.
    pub misrouted: u64,
    /// Frames of notifications whose publish request failed or was not answered.
    pub unexpected: u64,
    /// Deliveries per second, from the first publish to the last arrival.
    pub delivery_rate: f64,
    /// Publish-to-socket latency of delivered notifications; `None` when nothing arrived.
    pub latency_ms: Option<Latency>,
    /// Sockets the hub ended before the run did, by how (`closed_4002`, `dropped`, ...).
    pub socket_endings: BTreeMap<String, u64>,
    /// Non-probe text frames received (pong, token_expiring, ...).
    pub other_frames: u64,
    /// Figures read from `/proc/<hub_pid>`, with `hub_pid`.
    pub hub: Option<HubFigures>,
    /// CPU seconds the load generator used while publishing and draining (all processes).
    pub loadgen_cpu_seconds: f64,
    /// Wall-clock length of the whole run.
    pub elapsed_s: f64,
}

/// Latency percentiles in milliseconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Latency {
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub p999: f64,
    pub max: f64,
    pub mean: f64,
    /// Samples (equal to `delivered`).
    pub count: u64,
}

fn one() -> usize {
    1
}

/// The hub's CPU and memory, from `/proc/<pid>/stat` and `/proc/<pid>/status`, summed over its
/// instances.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HubFigures {
    pub pids: Vec<u32>,
    /// CPU seconds (user + system) while the sockets were opened.
    pub cpu_seconds_connect: f64,
    /// CPU seconds (user + system) from the first publish to the end of the drain period.
    pub cpu_seconds_publish: f64,
    /// `cpu_seconds_publish / delivered`.
    pub cpu_seconds_per_delivered: Option<f64>,
    /// The same in microseconds, for reading.
    pub cpu_us_per_delivered: Option<f64>,
    /// RSS before the first socket opened.
    pub rss_before_bytes: u64,
    /// RSS after every socket joined and the settle time passed.
    pub rss_connected_bytes: u64,
    /// RSS at the end of the drain period.
    pub rss_drained_bytes: u64,
    /// `(rss_connected - rss_before) / sockets_connected`.
    pub rss_bytes_per_socket: Option<f64>,
    /// The settle time before `rss_connected_bytes` was read.
    pub settle_s: f64,
    /// With `--rss-every`: RSS read while publishing, seconds after the first publish.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rss_samples: Vec<RssSample>,
}

/// One RSS reading of a soak.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RssSample {
    pub t_s: f64,
    pub rss_bytes: u64,
}

impl Report {
    /// The report as one line of JSON (no newline).
    pub fn to_json_line(&self) -> String {
        serde_json::to_string(self).expect("a report always serialises")
    }

    /// Parses a line written by `to_json_line`.
    pub fn from_json_line(line: &str) -> Result<Report, serde_json::Error> {
        serde_json::from_str(line)
    }
}

/// Raw hub readings, turned into `HubFigures` once deliveries are counted.
#[derive(Debug, Clone, Default)]
pub(crate) struct HubReadings {
    pub pids: Vec<u32>,
    pub rss_before: u64,
    pub cpu_start: f64,
    pub cpu_connected: f64,
    pub rss_connected: u64,
    pub cpu_publish_start: f64,
    pub cpu_drained: f64,
    pub rss_drained: u64,
    pub settle_s: f64,
    pub rss_samples: Vec<RssSample>,
}

fn merge<K: Ord + Clone>(into: &mut BTreeMap<K, u64>, from: &BTreeMap<K, u64>) {
    for (k, v) in from {
        *into.entry(k.clone()).or_default() += v;
    }
}

pub(crate) fn build(config: &Config, shards: &[ShardOutcome], hub: Option<HubReadings>, elapsed_s: f64) -> Report {
    let sum = |f: fn(&ShardOutcome) -> u64| shards.iter().map(f).sum::<u64>();
    let max = |f: fn(&ShardOutcome) -> f64| shards.iter().map(f).fold(0.0, f64::max);
    let mut connect_failures = BTreeMap::new();
    let mut publish_errors = BTreeMap::new();
    let mut socket_endings = BTreeMap::new();
    let mut histogram = new_histogram();
    for shard in shards {
        merge(&mut connect_failures, &shard.connect_failures);
        merge(&mut publish_errors, &shard.publish_errors);
        merge(&mut socket_endings, &shard.socket_endings);
        for &(value, count) in &shard.latency_us {
            histogram.saturating_record_n(value, count);
        }
    }
    let expected = sum(|s| s.expected);
    let delivered = sum(|s| s.delivered);
    let attempted = sum(|s| s.publish_attempted);
    let published = sum(|s| s.published);
    let sockets_connected = sum(|s| s.sockets_connected);
    // The publish window is the configured duration unless the pacer ran late.
    let window = max(|s| s.publish_seconds).max(config.duration.as_secs_f64());
    let attempted_rate = attempted as f64 / window;
    let first_sent = shards.iter().map(|s| s.first_sent_ns).filter(|t| *t > 0).min().unwrap_or(0);
    let last_arrival = shards.iter().map(|s| s.last_arrival_ns).max().unwrap_or(0);
    let delivery_window = last_arrival.saturating_sub(first_sent) as f64 / 1e9;
    let ms = |us: u64| us as f64 / 1e3;
    let latency_ms = (!histogram.is_empty()).then(|| Latency {
        p50: ms(histogram.value_at_quantile(0.5)),
        p90: ms(histogram.value_at_quantile(0.9)),
        p99: ms(histogram.value_at_quantile(0.99)),
        p999: ms(histogram.value_at_quantile(0.999)),
        max: ms(histogram.max()),
        mean: round(histogram.mean() / 1e3, 3),
        count: histogram.len(),
    });
    let hub = hub.map(|h| {
        let cpu_publish = h.cpu_drained - h.cpu_publish_start;
        let per_delivered = (delivered > 0).then(|| cpu_publish / delivered as f64);
        HubFigures {
            pids: h.pids,
            cpu_seconds_connect: round(h.cpu_connected - h.cpu_start, 3),
            cpu_seconds_publish: round(cpu_publish, 3),
            cpu_seconds_per_delivered: per_delivered,
            cpu_us_per_delivered: per_delivered.map(|s| round(s * 1e6, 3)),
            rss_before_bytes: h.rss_before,
            rss_connected_bytes: h.rss_connected,
            rss_drained_bytes: h.rss_drained,
            rss_bytes_per_socket: (sockets_connected > 0)
                .then(|| round((h.rss_connected as f64 - h.rss_before as f64) / sockets_connected as f64, 1)),
            settle_s: h.settle_s,
            rss_samples: h.rss_samples,
        }
    });
    Report {
        label: config.label.clone(),
        via: config.via.name().into(),
        url: config.url.clone(),
        instances: config.socket_urls.len().max(1),
        run_id: config.run_id.clone(),
        processes: shards.len(),
        source_ips: config.source_ips.len(),
        sockets: sum(|s| s.sockets_target),
        sockets_connected,
        connect_failures,
        connect_seconds: round(max(|s| s.connect_seconds), 3),
        users: sum(|s| s.users),
        duration_s: config.duration.as_secs_f64(),
        batch_size: config.per_request(),
        publish_rate_target: config.publish_rate,
        publish_rate_achieved: round(published as f64 / window, 1),
        rate_held: attempted_rate >= 0.95 * config.publish_rate.min(config.notification_cap() as f64 / window),
        max_publish_lag_ms: round(max(|s| s.max_publish_lag_ms), 3),
        in_flight_saturated: sum(|s| s.in_flight_saturated),
        publish_attempted: attempted,
        published,
        publish_requests: sum(|s| s.publish_requests),
        publish_errors,
        expected,
        delivered,
        frames: sum(|s| s.frames),
        loss: expected.saturating_sub(delivered),
        duplicates: sum(|s| s.duplicates),
        misrouted: sum(|s| s.misrouted),
        unexpected: sum(|s| s.unexpected),
        delivery_rate: if delivery_window > 0.0 { round(delivered as f64 / delivery_window, 1) } else { 0.0 },
        latency_ms,
        socket_endings,
        other_frames: sum(|s| s.other_frames),
        hub,
        loadgen_cpu_seconds: round(shards.iter().map(|s| s.loadgen_cpu_seconds).sum(), 3),
        elapsed_s: round(elapsed_s, 3),
    }
}

fn round(value: f64, digits: i32) -> f64 {
    let scale = 10f64.powi(digits);
    (value * scale).round() / scale
}
