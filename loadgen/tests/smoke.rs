//! A short run of the load generator against the real hub, started in-process (its own thread
//! and actix system, as the hub's API tests do), so the load generator cannot rot. Benchmarks
//! proper are not tests: see docs/benchmarks.md.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use hub::settings::Settings;
use hub::startup::{Application, ShutdownTrigger};
use loadgen::{Config, Report, Via};

const SECRET: &str = "loadgen-smoke-test-secret-0123456789";

struct Hub {
    port: u16,
    shutdown: ShutdownTrigger,
    stopped: mpsc::Receiver<()>,
}

fn spawn_hub() -> Hub {
    let env = [("HUB__AUTH__JWT_SECRET", SECRET), ("HUB__SERVER__PORT", "0"), ("HUB__SERVER__WORKERS", "2")];
    let settings = Settings::load_from(None, env.map(|(k, v)| (k.to_owned(), v.to_owned()))).expect("valid settings");
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
    assert!(latency.p50 <= latency.p90 && latency.p90 <= latency.p99 && latency.p99 <= latency.p999 && latency.p999 <= latency.max, "{line}");
    assert_eq!(latency.count, report.delivered, "{line}");
}

#[test]
fn a_short_run_delivers_every_notification_once_via_http_and_http_batch() {
    let started = Instant::now();
    let hub = spawn_hub();
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    for (via, batch_size) in [(Via::Http, 1), (Via::HttpBatch, 25)] {
        let config = Config {
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
        };
        let report = runtime.block_on(loadgen::run(config)).expect("the run completes");
        eprintln!("{}", report.to_json_line());
        assert_eq!(report.via, via.name());
        check(&report);
    }
    hub.shutdown.trigger();
    hub.stopped.recv_timeout(Duration::from_secs(15)).expect("the hub stops");
    // About 12 s in a debug build; the bound only catches a run that hangs.
    assert!(started.elapsed() < Duration::from_secs(60), "the smoke run stays short: {:?}", started.elapsed());
}

#[test]
fn a_hub_off_loopback_is_refused_before_anything_is_sent() {
    let config = Config { url: "http://192.0.2.1:8080".into(), ..Config::default() };
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let error = runtime.block_on(loadgen::run(config)).unwrap_err();
    assert!(error.to_string().contains("not loopback"), "{error}");
}
