//! Short runs of the load generator against the real hub, started in-process (its own thread
//! and actix system, as the hub's API tests do), through each way it publishes (HTTP, HTTP
//! batch, Kafka on librdkafka's mock broker, Redis on a private redis-server), so the load
//! generator cannot rot. Benchmarks
//! proper are not tests: see docs/benchmarks.md.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use hub::settings::Settings;
use hub::startup::{Application, ShutdownTrigger};
use loadgen::{Config, Report, Via};
use rdkafka::mocking::MockCluster;
use rdkafka::producer::DefaultProducerContext;

const SECRET: &str = "loadgen-smoke-test-secret-0123456789";

struct Hub {
    port: u16,
    shutdown: ShutdownTrigger,
    stopped: mpsc::Receiver<()>,
}

/// The hub, with `extra` settings (`HUB__...` pairs) on top of the smoke test's own.
fn spawn_hub(extra: &[(&str, &str)]) -> Hub {
    let env = [("HUB__AUTH__JWT_SECRET", SECRET), ("HUB__SERVER__PORT", "0"), ("HUB__SERVER__WORKERS", "2")];
    let env = env.iter().chain(extra).map(|(k, v)| ((*k).to_owned(), (*v).to_owned()));
    let settings = Settings::load_from(None, env).expect("valid settings");
    let (ready_tx, ready_rx) = mpsc::channel();
    let (stopped_tx, stopped) = mpsc::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let app = Application::build(settings).await.expect("the hub builds");
            ready_tx.send((app.port(), app.shutdown_trigger())).unwrap();
            app.run_until_stopped().await.expect("the hub runs");
        });
        let _ = stopped_tx.send(());
    });
    let (port, shutdown) = ready_rx.recv_timeout(Duration::from_secs(10)).expect("the hub starts");
    Hub { port, shutdown, stopped }
}

fn check(report: &Report) {
    let line = report.to_json_line();
    assert!(!line.contains('\n'), "one line: {line}");
    let parsed = Report::from_json_line(&line).expect("the JSON line parses");
    assert_eq!((parsed.expected, parsed.delivered, parsed.loss), (report.expected, report.delivered, report.loss));
    let value: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert!(value["latency_ms"]["p99"].is_number(), "{line}");

    assert_eq!(report.sockets_connected, 300, "every socket joins: {line}");
    assert!(report.connect_failures.is_empty(), "{line}");
    assert!(report.publish_errors.is_empty(), "the hub accepts every notification: {line}");
    assert!(report.published >= 750, "most of the 1,500 notifications go out: {line}");
    assert_eq!(report.published, report.publish_attempted, "{line}");
    assert!(report.expected >= report.published, "every user has a socket: {line}");
    assert_eq!(report.delivered, report.expected, "{line}");
    assert_eq!(report.loss, 0, "{line}");
    assert_eq!(report.duplicates, 0, "{line}");
    assert_eq!(report.misrouted, 0, "{line}");
    assert_eq!(report.unexpected, 0, "{line}");
    assert!(report.socket_endings.is_empty(), "no socket ended early: {line}");
    let latency = report.latency_ms.as_ref().expect("latencies were measured");
    assert!(latency.p99.is_finite() && latency.p99 > 0.0, "{line}");
    assert!(
        latency.p50 <= latency.p90
            && latency.p90 <= latency.p99
            && latency.p99 <= latency.p999
            && latency.p999 <= latency.max,
        "{line}"
    );
    assert_eq!(latency.count, report.delivered, "{line}");
}

/// 300 sockets over 100 users, 500 notifications/s for 3 s.
fn smoke_config(hub: &Hub, via: Via, batch_size: usize) -> Config {
    Config {
        url: format!("http://127.0.0.1:{}", hub.port),
        secret: SECRET.into(),
        sockets: 300,
        users: 100,
        connect_rate: 2_000.0,
        publish_rate: 500.0,
        duration: Duration::from_secs(3),
        via,
        batch_size,
        drain: Duration::from_secs(2),
        ..Config::default()
    }
}

fn run_and_check(runtime: &tokio::runtime::Runtime, config: Config) {
    let via = config.via;
    let report = runtime.block_on(loadgen::run(config)).expect("the run completes");
    eprintln!("{}", report.to_json_line());
    assert_eq!(report.via, via.name());
    check(&report);
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap()
}

fn stop(hub: Hub, started: Instant) {
    hub.shutdown.trigger();
    hub.stopped.recv_timeout(Duration::from_secs(15)).expect("the hub stops");
    // About 12 s in a debug build; the bound only catches a run that hangs.
    assert!(started.elapsed() < Duration::from_secs(60), "the smoke run stays short: {:?}", started.elapsed());
}

#[test]
fn a_short_run_delivers_every_notification_once_via_http_and_http_batch() {
    let started = Instant::now();
    let hub = spawn_hub(&[]);
    let runtime = runtime();
    for (via, batch_size) in [(Via::Http, 1), (Via::HttpBatch, 25)] {
        run_and_check(&runtime, smoke_config(&hub, via, batch_size));
    }
    stop(hub, started);
}

/// Through librdkafka's in-process mock broker, as `mock-kafka` serves it to benchmarks.
#[test]
fn a_short_run_delivers_every_notification_once_via_kafka() {
    let started = Instant::now();
    let cluster: MockCluster<'static, DefaultProducerContext> = MockCluster::new(1).expect("the mock cluster starts");
    cluster.create_topic(loadgen::TEACHER_TOPIC, 3, 1).expect("the topic is created");
    let brokers = cluster.bootstrap_servers();
    let hub = spawn_hub(&[
        ("HUB__KAFKA__BROKERS", &brokers),
        ("HUB__KAFKA__TOPICS", loadgen::TEACHER_TOPIC),
        ("HUB__KAFKA__AUTO_OFFSET_RESET", "earliest"),
    ]);
    let runtime = runtime();
    run_and_check(&runtime, Config { kafka_brokers: brokers.clone(), ..smoke_config(&hub, Via::Kafka, 25) });
    stop(hub, started);
}

/// Today's producers' `PUBLISH ws:{user_id}` into a clustered hub, on a private redis-server.
#[test]
fn a_short_run_delivers_every_notification_once_via_redis() {
    let started = Instant::now();
    let redis = RedisServer::start();
    let hub = spawn_hub(&[("HUB__REDIS__URL", &redis.url)]);
    let runtime = runtime();
    run_and_check(&runtime, Config { redis_url: redis.url.clone(), ..smoke_config(&hub, Via::Redis, 25) });
    stop(hub, started);
}

/// A redis-server of the test's own, without persistence, killed when dropped.
struct RedisServer {
    process: std::process::Child,
    url: String,
}

impl RedisServer {
    fn start() -> RedisServer {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let process = std::process::Command::new("redis-server")
            .args(["--bind", "127.0.0.1", "--port", &port.to_string(), "--save", "", "--appendonly", "no"])
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("redis-server runs (scripts/test.sh installs it)");
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "redis-server listens on {port}");
            std::thread::sleep(Duration::from_millis(50));
        }
        RedisServer { process, url: format!("redis://127.0.0.1:{port}/") }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

#[test]
fn a_hub_off_loopback_is_refused_before_anything_is_sent() {
    let config = Config { url: "http://192.0.2.1:8080".into(), ..Config::default() };
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let error = runtime.block_on(loadgen::run(config)).unwrap_err();
    assert!(error.to_string().contains("not loopback"), "{error}");
}
