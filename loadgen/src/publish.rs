//! The publisher: a fixed-rate pacer that sends probe notifications to random users through
//! the HTTP publish API, with a bounded number of requests in flight over a small keep-alive
//! pool. Each notification carries `data.seq` (unique in the run) and `data.sent_ns` (wall
//! clock, taken just before its request is handed to the HTTP client).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE};
use serde::Deserialize;
use tokio::sync::Semaphore;
use tokio::time::{Instant, MissedTickBehavior};

use crate::clock::unix_nanos;
use crate::config::{Shard, Via};
use crate::Error;

/// The event name of probe notifications.
pub const PROBE_EVENT: &str = "loadgen_probe";

/// A notification's fate, per local sequence number.
pub(crate) const PENDING: u8 = 0;
pub(crate) const ACCEPTED: u8 = 1;
pub(crate) const REFUSED: u8 = 2;

pub(crate) struct Plan {
    pub base: String,
    pub service_token: String,
    pub via: Via,
    pub batch_size: usize,
    pub rate: f64,
    pub duration: Duration,
    pub cap: u64,
    pub max_in_flight: usize,
    pub request_timeout: Duration,
    pub shard: Shard,
    /// User names of this shard; notifications go to uniformly random ones.
    pub users: Arc<Vec<String>>,
}

pub(crate) struct Outcome {
    /// User index per local sequence number `n` (global `seq = n * shards + shard`).
    pub seq_user: Vec<u32>,
    /// `PENDING`, `ACCEPTED` or `REFUSED` per local sequence number.
    pub status: Vec<u8>,
    pub requests: u64,
    pub errors: BTreeMap<String, u64>,
    /// Wall clock of the first request.
    pub first_sent_ns: u64,
    /// Time spent issuing requests (the pacing window).
    pub issue_elapsed: Duration,
    /// Largest delay of a request behind its schedule.
    pub max_lag: Duration,
    /// Ticks that found every in-flight slot taken.
    pub saturated_ticks: u64,
}

#[derive(Deserialize)]
struct BatchAnswer {
    results: Vec<ItemAnswer>,
}

#[derive(Deserialize)]
struct ItemAnswer {
    status: u16,
    #[serde(default)]
    error: Option<String>,
}

struct Shared {
    status: Mutex<Vec<u8>>,
    errors: Mutex<BTreeMap<String, u64>>,
}

impl Shared {
    fn settle(&self, first: u64, fates: &[Result<(), String>]) {
        let mut status = self.status.lock().unwrap();
        let mut errors = self.errors.lock().unwrap();
        for (i, fate) in fates.iter().enumerate() {
            status[first as usize + i] = match fate {
                Ok(()) => ACCEPTED,
                Err(reason) => {
                    *errors.entry(reason.clone()).or_default() += 1;
                    REFUSED
                }
            };
        }
    }
}

pub(crate) async fn run(plan: Plan, progress: Option<&str>) -> Result<Outcome, Error> {
    let client = reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(plan.max_in_flight)
        .tcp_nodelay(true)
        .timeout(plan.request_timeout)
        .build()
        .map_err(|e| Error::Run(format!("HTTP client: {e}")))?;
    let batch = plan.via == Via::HttpBatch;
    let per_request = if batch { plan.batch_size as u64 } else { 1 };
    let url = Arc::new(format!("{}/api/v1/publish{}", plan.base, if batch { "/batch" } else { "" }));
    let auth = Arc::new(format!("Bearer {}", plan.service_token));
    let shared = Arc::new(Shared { status: Mutex::new(vec![PENDING; plan.cap as usize]), errors: Mutex::default() });
    let slots = Arc::new(Semaphore::new(plan.max_in_flight));
    let mut seq_user: Vec<u32> = Vec::with_capacity(plan.cap as usize);
    let mut rng = StdRng::seed_from_u64(unix_nanos() ^ plan.shard.index as u64);

    let period = Duration::from_secs_f64(per_request as f64 / plan.rate);
    let mut ticks = tokio::time::interval(period);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Burst);
    let start = Instant::now();
    let deadline = start + plan.duration;
    let (mut next, mut requests, mut saturated_ticks, mut max_lag, mut first_sent_ns) = (0u64, 0u64, 0u64, Duration::ZERO, 0u64);
    let mut last_progress = start;
    while next < plan.cap {
        let scheduled = ticks.tick().await;
        if scheduled >= deadline || Instant::now() >= deadline {
            break;
        }
        let permit = match slots.clone().try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) => {
                saturated_ticks += 1;
                tokio::select! {
                    permit = slots.clone().acquire_owned() => permit.expect("never closed"),
                    () = tokio::time::sleep_until(deadline) => break,
                }
            }
        };
        max_lag = max_lag.max(Instant::now().saturating_duration_since(scheduled));
        let count = per_request.min(plan.cap - next);
        let first = next;
        next += count;
        requests += 1;
        let users: Vec<u32> = (0..count).map(|_| rng.random_range(0..plan.users.len()) as u32).collect();
        seq_user.extend_from_slice(&users);
        let (client, url, auth, shared, names, shard) =
            (client.clone(), url.clone(), auth.clone(), shared.clone(), plan.users.clone(), plan.shard);
        let sent_ns = unix_nanos();
        if first_sent_ns == 0 {
            first_sent_ns = sent_ns;
        }
        tokio::spawn(async move {
            let _permit = permit;
            let mut body = String::with_capacity(128 * users.len());
            if batch {
                body.push('[');
            }
            for (i, user) in users.iter().enumerate() {
                if i > 0 {
                    body.push(',');
                }
                let seq = (first + i as u64) * shard.count as u64 + shard.index as u64;
                let _ = write!(
                    body,
                    r#"{{"user_id":"{}","event":"{PROBE_EVENT}","data":{{"seq":{seq},"sent_ns":{sent_ns}}}}}"#,
                    names[*user as usize]
                );
            }
            if batch {
                body.push(']');
            }
            let fates = send(&client, &url, &auth, body, batch, users.len()).await;
            shared.settle(first, &fates);
        });
        if let Some(label) = progress {
            if last_progress.elapsed() >= Duration::from_secs(5) {
                last_progress = Instant::now();
                eprintln!("{label}: published {next} in {:.0?}", start.elapsed());
            }
        }
    }
    let issue_elapsed = start.elapsed();
    // Every answer, or the request timeout.
    let all = plan.max_in_flight as u32;
    let _ = tokio::time::timeout(plan.request_timeout + Duration::from_secs(1), slots.acquire_many(all)).await;
    let status = shared.status.lock().unwrap()[..next as usize].to_vec();
    let errors = shared.errors.lock().unwrap().clone();
    Ok(Outcome { seq_user, status, requests, errors, first_sent_ns, issue_elapsed, max_lag, saturated_ticks })
}

/// Sends one request; one fate per notification in it.
async fn send(client: &reqwest::Client, url: &str, auth: &str, body: String, batch: bool, items: usize) -> Vec<Result<(), String>> {
    let all = |reason: String| vec![Err(reason); items];
    let response = match client.post(url).header(AUTHORIZATION, auth).header(CONTENT_TYPE, "application/json").body(body).send().await {
        Ok(response) => response,
        Err(e) => return all(request_error(&e)),
    };
    let status = response.status().as_u16();
    let bytes = match response.bytes().await {
        Ok(bytes) => bytes,
        Err(e) => return all(request_error(&e)),
    };
    match (batch, status) {
        (false, 202) => vec![Ok(())],
        (true, 200) => match serde_json::from_slice::<BatchAnswer>(&bytes) {
            Ok(answer) if answer.results.len() == items => answer
                .results
                .into_iter()
                .map(|r| match r.status {
                    202 => Ok(()),
                    other => Err(format!("item_{other}_{}", r.error.unwrap_or_default())),
                })
                .collect(),
            _ => all("batch_answer_unreadable".into()),
        },
        (_, other) => all(format!("http_{other}")),
    }
}

fn request_error(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timeout".into()
    } else if e.is_connect() {
        "connect".into()
    } else {
        "request".into()
    }
}
