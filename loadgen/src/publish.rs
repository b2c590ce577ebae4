//! The publisher: a fixed-rate pacer that sends probe notifications to random users through
//! the HTTP publish API (single or batch), Redis `PUBLISH` or Kafka, with a bounded number of
//! requests in flight. Each notification carries `data.seq` (unique in the run) and
//! `data.sent_ns` (wall clock, taken just before its request is handed to its client).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::ClientConfig;
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
    pub redis_url: String,
    pub kafka_brokers: String,
    pub kafka_topic: String,
    pub via: Via,
    /// Notifications per request (`Config::per_request`).
    pub per_request: usize,
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
    let sink = Arc::new(Sink::connect(&plan).await?);
    let per_request = plan.per_request as u64;
    let shared = Arc::new(Shared { status: Mutex::new(vec![PENDING; plan.cap as usize]), errors: Mutex::default() });
    let slots = Arc::new(Semaphore::new(plan.max_in_flight));
    let mut seq_user: Vec<u32> = Vec::with_capacity(plan.cap as usize);
    let mut rng = StdRng::seed_from_u64(unix_nanos() ^ plan.shard.index as u64);

    let period = Duration::from_secs_f64(per_request as f64 / plan.rate);
    let mut ticks = tokio::time::interval(period);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Burst);
    let start = Instant::now();
    let deadline = start + plan.duration;
    let (mut next, mut requests, mut saturated_ticks, mut max_lag, mut first_sent_ns) =
        (0u64, 0u64, 0u64, Duration::ZERO, 0u64);
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
        let (sink, shared, names, shard) = (sink.clone(), shared.clone(), plan.users.clone(), plan.shard);
        let sent_ns = unix_nanos();
        if first_sent_ns == 0 {
            first_sent_ns = sent_ns;
        }
        tokio::spawn(async move {
            let _permit = permit;
            let probes: Vec<Probe> = users
                .iter()
                .enumerate()
                .map(|(i, user)| Probe {
                    user: &names[*user as usize],
                    seq: (first + i as u64) * shard.count as u64 + shard.index as u64,
                    sent_ns,
                })
                .collect();
            let fates = sink.send(&probes).await;
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

/// One probe notification: `seq` is unique in the run, `sent_ns` the wall clock at sending.
struct Probe<'a> {
    user: &'a str,
    seq: u64,
    sent_ns: u64,
}

impl Probe<'_> {
    /// The publish API's body, and the `data` every path carries.
    fn http_body(&self) -> String {
        format!(r#"{{"user_id":"{}","event":"{PROBE_EVENT}","data":{}}}"#, self.user, self.data())
    }

    fn data(&self) -> String {
        format!(r#"{{"seq":{},"sent_ns":{}}}"#, self.seq, self.sent_ns)
    }

    /// Today's producers' Redis message: `{"event","data"}` on `ws:{user_id}`.
    fn legacy_message(&self) -> String {
        format!(r#"{{"event":"{PROBE_EVENT}","data":{}}}"#, self.data())
    }

    /// A teacher notification request as the platform's producers serialise it (see
    /// shared/contracts/examples/huleedu.notification.teacher.requested.v1.json); the probe's
    /// fields travel in `payload`, which becomes the frame's `data`.
    fn kafka_event(&self, topic: &str, event_id: &str) -> String {
        let now = humantime::format_rfc3339_micros(std::time::SystemTime::now());
        format!(
            r#"{{"event_id":"{event_id}","event_type":"{topic}","event_timestamp":"{now}","source_service":"loadgen","schema_version":1,"correlation_id":"{event_id}","data_schema_uri":null,"data":{{"teacher_id":"{user}","notification_type":"{PROBE_EVENT}","category":"system_alerts","priority":"standard","payload":{data},"action_required":false,"deadline_timestamp":null,"correlation_id":"{event_id}","batch_id":null,"class_id":null,"timestamp":"{now}"}},"metadata":null}}"#,
            user = self.user,
            data = self.data(),
        )
    }
}

/// Where notifications go.
enum Sink {
    Http { client: reqwest::Client, url: String, auth: String, batch: bool },
    Redis(redis::aio::MultiplexedConnection),
    Kafka { producer: FutureProducer, topic: String, timeout: Duration },
}

impl Sink {
    async fn connect(plan: &Plan) -> Result<Sink, Error> {
        Ok(match plan.via {
            Via::Http | Via::HttpBatch => {
                let client = reqwest::Client::builder()
                    .no_proxy()
                    .pool_max_idle_per_host(plan.max_in_flight)
                    .tcp_nodelay(true)
                    .timeout(plan.request_timeout)
                    .build()
                    .map_err(|e| Error::Run(format!("HTTP client: {e}")))?;
                let batch = plan.via == Via::HttpBatch;
                let url = format!("{}/api/v1/publish{}", plan.base, if batch { "/batch" } else { "" });
                Sink::Http { client, url, auth: format!("Bearer {}", plan.service_token), batch }
            }
            Via::Redis => {
                let client = redis::Client::open(plan.redis_url.as_str())
                    .map_err(|e| Error::Config(format!("--redis-url: {e}")))?;
                let connection = tokio::time::timeout(plan.request_timeout, client.get_multiplexed_async_connection())
                    .await
                    .map_err(|_| Error::Run(format!("Redis {}: connect timed out", plan.redis_url)))?
                    .map_err(|e| Error::Run(format!("Redis {}: {e}", plan.redis_url)))?;
                Sink::Redis(connection)
            }
            Via::Kafka => {
                let producer = ClientConfig::new()
                    .set("bootstrap.servers", &plan.kafka_brokers)
                    .set("client.id", "loadgen")
                    .set("linger.ms", "1")
                    .set("message.timeout.ms", plan.request_timeout.as_millis().to_string())
                    .create()
                    .map_err(|e| Error::Run(format!("Kafka producer for {}: {e}", plan.kafka_brokers)))?;
                Sink::Kafka { producer, topic: plan.kafka_topic.clone(), timeout: plan.request_timeout }
            }
        })
    }

    /// Sends one request's probes; one fate per probe, in order.
    async fn send(&self, probes: &[Probe<'_>]) -> Vec<Result<(), String>> {
        match self {
            Sink::Http { client, url, auth, batch } => {
                let body = if *batch {
                    format!("[{}]", probes.iter().map(Probe::http_body).collect::<Vec<_>>().join(","))
                } else {
                    probes[0].http_body()
                };
                send_http(client, url, auth, body, *batch, probes.len()).await
            }
            Sink::Redis(connection) => {
                let mut pipe = redis::pipe();
                for probe in probes {
                    pipe.publish(format!("ws:{}", probe.user), probe.legacy_message());
                }
                // PUBLISH answers how many subscribers got it; delivery is judged at the sockets.
                match pipe.query_async::<Vec<i64>>(&mut connection.clone()).await {
                    Ok(_) => vec![Ok(()); probes.len()],
                    Err(e) => vec![Err(format!("redis_{:?}", e.kind())); probes.len()],
                }
            }
            Sink::Kafka { producer, topic, timeout } => {
                let sends = probes.iter().map(|probe| {
                    let value = probe.kafka_event(topic, &uuid::Uuid::new_v4().to_string());
                    async move {
                        let record = FutureRecord::to(topic).key(probe.user).payload(&value);
                        producer.send(record, *timeout).await.map(|_| ()).map_err(|(e, _)| format!("kafka_{e}"))
                    }
                });
                futures::future::join_all(sends).await
            }
        }
    }
}

/// Sends one HTTP request; one fate per notification in it.
async fn send_http(
    client: &reqwest::Client,
    url: &str,
    auth: &str,
    body: String,
    batch: bool,
    items: usize,
) -> Vec<Result<(), String>> {
    let all = |reason: String| vec![Err(reason); items];
    let response = match client
        .post(url)
        .header(AUTHORIZATION, auth)
        .header(CONTENT_TYPE, "application/json")
        .body(body)
        .send()
        .await
    {
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
