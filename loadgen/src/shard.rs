//! One process's part of a run: connect its sockets, publish its share, drain, close, count.
//! Between phases it stops at a checkpoint where the hub is measured (in-process) or where the
//! parent process synchronises its children (`--processes`).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};
use tokio::sync::{oneshot, watch, Semaphore};
use tokio::time::{Instant, MissedTickBehavior};

use crate::config::Config;
use crate::publish::{self, Plan, ACCEPTED, PENDING};
use crate::sockets::{self, SocketResult, SocketSpec};
use crate::token::Minter;
use crate::{procfs, Error};

/// Handshakes in progress at once, whatever the connect rate.
const MAX_PENDING_HANDSHAKES: usize = 1_024;

/// What one process measured; the parent of `--processes` gets it as a JSON line.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct ShardOutcome {
    pub sockets_target: u64,
    pub sockets_connected: u64,
    pub connect_failures: BTreeMap<String, u64>,
    pub connect_seconds: f64,
    pub users: u64,
    pub publish_attempted: u64,
    pub published: u64,
    pub publish_requests: u64,
    pub publish_errors: BTreeMap<String, u64>,
    pub publish_seconds: f64,
    pub max_publish_lag_ms: f64,
    pub in_flight_saturated: u64,
    pub expected: u64,
    pub frames: u64,
    pub delivered: u64,
    pub duplicates: u64,
    pub misrouted: u64,
    pub unexpected: u64,
    pub other_frames: u64,
    pub socket_endings: BTreeMap<String, u64>,
    pub first_sent_ns: u64,
    pub last_arrival_ns: u64,
    /// Latency histogram in microseconds, as `(value, count)` pairs.
    pub latency_us: Vec<(u64, u64)>,
    pub loadgen_cpu_seconds: f64,
}

/// The stops between phases.
pub(crate) trait Checkpoints {
    /// Every socket of this process has joined (or failed).
    async fn connected(&mut self) -> Result<(), Error>;
    /// Publishing and the drain period are over; sockets are still open.
    async fn drained(&mut self) -> Result<(), Error>;
}

/// Latency histogram: 1 µs to 1 h, 3 significant digits.
pub(crate) fn new_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 3_600_000_000, 3).expect("valid histogram bounds")
}

pub(crate) async fn run(config: &Config, checkpoints: &mut impl Checkpoints) -> Result<ShardOutcome, Error> {
    let target = config.target()?;
    let socket_targets = config.socket_targets()?;
    let shard = config.shard;
    let label = (shard.count > 1).then(|| format!("loadgen[{}/{}]", shard.index + 1, shard.count));
    let label = label.as_deref().unwrap_or("loadgen");
    let say = |msg: String| {
        if config.progress {
            eprintln!("{label}: {msg}");
        }
    };

    // Users of this shard: global user `u` with `u % count == index`, local index `u / count`.
    let users: Vec<String> =
        (shard.index..config.users).step_by(shard.count).map(|u| format!("lg-{}-{u}", config.run_id)).collect();
    let sockets_here: Vec<(usize, u32)> = (0..config.sockets)
        .filter(|i| (i % config.users) % shard.count == shard.index)
        .map(|i| (i, ((i % config.users) / shard.count) as u32))
        .collect();
    config.check_file_limit(sockets_here.len())?;
    let lifetime = config.duration + config.settle + config.drain + Duration::from_secs(3_600);
    let minter = Minter::new(&config.secret, &config.issuer, &config.audience, lifetime);
    let tokens: Vec<String> = users.iter().map(|u| minter.user(u)).collect();

    // Connect, paced.
    let (stop_tx, stop_rx) = watch::channel(false);
    let pending = Arc::new(Semaphore::new(MAX_PENDING_HANDSHAKES));
    let rate = config.connect_rate / shard.count as f64;
    let mut pace = tokio::time::interval(Duration::from_secs_f64(1.0 / rate));
    pace.set_missed_tick_behavior(MissedTickBehavior::Burst);
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(sockets_here.len());
    let mut joins = Vec::with_capacity(sockets_here.len());
    for &(global, user) in &sockets_here {
        pace.tick().await;
        let permit = pending.clone().acquire_owned().await.expect("never closed");
        let to = &socket_targets[global % socket_targets.len()];
        let spec = SocketSpec {
            user,
            url: format!("ws://{}/ws?token={}", to.authority, tokens[user as usize]),
            addr: to.addr,
            bind: (!config.source_ips.is_empty()).then(|| config.source_ips[global % config.source_ips.len()]),
            timeout: config.connect_timeout,
        };
        let (ready_tx, ready_rx) = oneshot::channel();
        tasks.push(tokio::spawn(sockets::run(spec, permit, ready_tx, stop_rx.clone())));
        joins.push(ready_rx);
    }
    let mut connect_failures: BTreeMap<String, u64> = BTreeMap::new();
    let mut sockets_of = vec![0u64; users.len()];
    for (join, &(_, user)) in joins.into_iter().zip(&sockets_here) {
        match join.await {
            Ok(Ok(())) => sockets_of[user as usize] += 1,
            Ok(Err(reason)) => *connect_failures.entry(reason).or_default() += 1,
            Err(_) => *connect_failures.entry("task_failed".into()).or_default() += 1,
        }
    }
    let connect_seconds = started.elapsed().as_secs_f64();
    let connected: u64 = sockets_of.iter().sum();
    say(format!(
        "{connected}/{} sockets joined in {connect_seconds:.1}s, failures {connect_failures:?}",
        sockets_here.len()
    ));

    checkpoints.connected().await?;

    // Publish, paced, then wait for late frames.
    let cpu_before = procfs::cpu_seconds("self").unwrap_or(0.0);
    let share = |total: u64| total / shard.count as u64 + u64::from((shard.index as u64) < total % shard.count as u64);
    let plan = Plan {
        base: target.base.clone(),
        service_token: minter.service(),
        redis_url: config.redis_url.clone(),
        kafka_brokers: config.kafka_brokers.clone(),
        kafka_topic: config.kafka_topic.clone(),
        via: config.via,
        per_request: config.per_request(),
        rate: config.publish_rate / shard.count as f64,
        duration: config.duration,
        cap: share(config.notification_cap()),
        max_in_flight: config.max_in_flight,
        request_timeout: config.request_timeout,
        shard,
        users: Arc::new(users.clone()),
    };
    say(format!("publishing {:.0}/s for {:?} via {}", plan.rate, plan.duration, config.via.name()));
    let published = publish::run(plan, config.progress.then_some(label)).await?;
    tokio::time::sleep(config.drain).await;
    let loadgen_cpu_seconds = procfs::cpu_seconds("self").unwrap_or(0.0) - cpu_before;
    checkpoints.drained().await?;

    // Close every socket and collect what each saw.
    let _ = stop_tx.send(true);
    let mut results = Vec::with_capacity(tasks.len());
    for task in tasks {
        if let Ok(result) = task.await {
            results.push(result);
        }
    }
    drop(stop_rx);
    let outcome = tally(config, &published, &sockets_of, results, users.len(), loadgen_cpu_seconds);
    say(format!(
        "published {} (expected deliveries {}), delivered {}, lost {}, duplicates {}",
        outcome.published,
        outcome.expected,
        outcome.delivered,
        outcome.expected.saturating_sub(outcome.delivered),
        outcome.duplicates
    ));
    Ok(ShardOutcome {
        sockets_target: sockets_here.len() as u64,
        sockets_connected: connected,
        connect_failures,
        connect_seconds,
        ..outcome
    })
}

/// Counts deliveries against what was published.
fn tally(
    config: &Config,
    published: &publish::Outcome,
    sockets_of: &[u64],
    results: Vec<SocketResult>,
    users: usize,
    loadgen_cpu_seconds: f64,
) -> ShardOutcome {
    let shard = config.shard;
    let mut out = ShardOutcome {
        users: users as u64,
        publish_attempted: published.status.len() as u64,
        publish_requests: published.requests,
        publish_errors: published.errors.clone(),
        publish_seconds: published.issue_elapsed.as_secs_f64(),
        max_publish_lag_ms: published.max_lag.as_secs_f64() * 1e3,
        in_flight_saturated: published.saturated_ticks,
        first_sent_ns: published.first_sent_ns,
        loadgen_cpu_seconds,
        ..ShardOutcome::default()
    };
    let unanswered = published.status.iter().filter(|s| **s == PENDING).count() as u64;
    if unanswered > 0 {
        *out.publish_errors.entry("no_answer".into()).or_default() += unanswered;
    }
    for (n, status) in published.status.iter().enumerate() {
        if *status == ACCEPTED {
            out.published += 1;
            out.expected += sockets_of[published.seq_user[n] as usize];
        }
    }
    let mut histogram = new_histogram();
    for socket in results.into_iter().filter(|s| s.joined) {
        if let Some(ending) = socket.ended_early {
            *out.socket_endings.entry(ending).or_default() += 1;
        }
        out.other_frames += socket.other_frames;
        out.frames += socket.samples.len() as u64;
        out.last_arrival_ns = out.last_arrival_ns.max(socket.last_arrival_ns);
        let mut samples = socket.samples;
        // Stable: the first arrival of a repeated seq stays first.
        samples.sort_by_key(|s| s.seq);
        let mut previous = None;
        for sample in samples {
            if previous == Some(sample.seq) {
                out.duplicates += 1;
                continue;
            }
            previous = Some(sample.seq);
            let n = (sample.seq / shard.count as u64) as usize;
            let ours = sample.seq % shard.count as u64 == shard.index as u64 && n < published.seq_user.len();
            if !ours || published.seq_user[n] != socket.user {
                out.misrouted += 1;
            } else if published.status[n] != ACCEPTED {
                out.unexpected += 1;
            } else {
                out.delivered += 1;
                histogram.saturating_record((sample.latency_ns / 1_000).max(1));
            }
        }
    }
    out.latency_us = histogram.iter_recorded().map(|v| (v.value_iterated_to(), v.count_at_value())).collect();
    out
}
