//! `loadgen`: drives a hub on loopback and prints one JSON line per run (progress on stderr).

use std::net::IpAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, ValueEnum};
use loadgen::{Config, Error, Via, SHARD_CONFIG_ENV, SHARD_FLAG};

/// Load generator for the hub: opens authenticated sockets, publishes probe notifications at a
/// fixed rate, and prints one JSON line with latency (p50/p90/p99/p99.9/max), loss, duplicates,
/// achieved rates and, with --hub-pid, the hub's CPU per delivered notification and RSS per
/// socket. Loopback only; every run is bounded in time and count.
#[derive(Debug, Parser)]
#[command(name = "loadgen", version)]
struct Cli {
    /// The hub's base URL, where publish requests go (and sockets, without --socket-url);
    /// must resolve to loopback.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    url: String,
    /// Hub instances the sockets connect to, round robin (repeat, or comma-separate); default
    /// --url. Publishing to one instance and holding sockets on others measures the Redis path.
    #[arg(long = "socket-url", value_delimiter = ',')]
    socket_urls: Vec<String>,
    /// A name for this run, copied into the JSON line (plots group runs by it).
    #[arg(long)]
    label: Option<String>,
    /// HS256 secret to mint user and service tokens (the hub's auth.jwt_secret).
    #[arg(long, env = "LOADGEN_SECRET", default_value = "dev-secret-change-me", hide_env_values = true)]
    secret: String,
    /// Sockets to open.
    #[arg(long, default_value_t = 1_000)]
    sockets: usize,
    /// Users the sockets are spread over (at most 5 sockets per user, the hub's cap).
    #[arg(long, default_value_t = 500)]
    users: usize,
    /// New sockets per second.
    #[arg(long, default_value_t = 1_000.0)]
    connect_rate: f64,
    /// Notifications per second.
    #[arg(long, default_value_t = 1_000.0)]
    publish_rate: f64,
    /// Length of the publish phase (e.g. 30s, 2m).
    #[arg(long, default_value = "10s", value_parser = humantime::parse_duration)]
    duration: Duration,
    /// How notifications reach the hub.
    #[arg(long, value_enum, default_value_t = ViaArg::Http)]
    via: ViaArg,
    /// With --via redis: the Redis the clustered hub instances share.
    #[arg(long, default_value = "redis://127.0.0.1:6379")]
    redis_url: String,
    /// With --via kafka: bootstrap servers the hub consumes (e.g. from the `mock-kafka` binary).
    #[arg(long, default_value = "")]
    kafka_brokers: String,
    /// With --via kafka: the topic produced to.
    #[arg(long, default_value = loadgen::TEACHER_TOPIC)]
    kafka_topic: String,
    /// Notifications per request with --via http-batch, per pipelined round trip with --via
    /// redis, in flight together with --via kafka.
    #[arg(long, default_value_t = 50)]
    batch_size: usize,
    /// Publish requests in flight at most (the HTTP keep-alive pool size).
    #[arg(long, default_value_t = 32)]
    max_in_flight: usize,
    /// Most notifications to publish (default: publish-rate x duration).
    #[arg(long)]
    max_notifications: Option<u64>,
    /// Wait for late frames after the last publish answer.
    #[arg(long, default_value = "2s", value_parser = humantime::parse_duration)]
    drain: Duration,
    /// The hub's pid: report its CPU seconds per delivered notification and RSS per socket.
    /// Repeat (or comma-separate) for several instances: their figures are summed.
    #[arg(long = "hub-pid", value_delimiter = ',')]
    hub_pids: Vec<u32>,
    /// With --hub-pid: also read the hub's RSS this often while publishing (soaks).
    #[arg(long, value_parser = humantime::parse_duration)]
    rss_every: Option<Duration>,
    /// With --hub-pid: wait this long after connecting before reading the hub's RSS.
    #[arg(long, default_value = "30s", value_parser = humantime::parse_duration)]
    settle: Duration,
    /// Loopback source addresses for client sockets, round robin (127.0.0.1,127.0.0.2,...), to pass
    /// the ~28k ephemeral ports of one address.
    #[arg(long, value_delimiter = ',')]
    source_ips: Vec<IpAddr>,
    /// Processes to spread the sockets over (to pass the per-process file limit).
    #[arg(long, default_value_t = 1)]
    processes: usize,
    /// Bound on connect + handshake + first ping/pong of one socket.
    #[arg(long, default_value = "10s", value_parser = humantime::parse_duration)]
    connect_timeout: Duration,
    /// No progress lines on stderr.
    #[arg(long)]
    quiet: bool,
    /// Internal: run as one of the processes of --processes.
    #[arg(long = "shard-child", hide = true)]
    shard_child: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ViaArg {
    /// POST /api/v1/publish, one notification per request.
    Http,
    /// POST /api/v1/publish/batch, --batch-size notifications per request.
    HttpBatch,
    /// PUBLISH ws:{user_id} of today's {"event","data"} message (the hub runs clustered).
    Redis,
    /// huleedu.notification.teacher.requested.v1 events produced to --kafka-brokers.
    Kafka,
}

impl Cli {
    fn config(self) -> Config {
        Config {
            url: self.url,
            socket_urls: self.socket_urls,
            label: self.label,
            redis_url: self.redis_url,
            kafka_brokers: self.kafka_brokers,
            kafka_topic: self.kafka_topic,
            secret: self.secret,
            sockets: self.sockets,
            users: self.users,
            connect_rate: self.connect_rate,
            publish_rate: self.publish_rate,
            duration: self.duration,
            via: match self.via {
                ViaArg::Http => Via::Http,
                ViaArg::HttpBatch => Via::HttpBatch,
                ViaArg::Redis => Via::Redis,
                ViaArg::Kafka => Via::Kafka,
            },
            batch_size: self.batch_size,
            max_in_flight: self.max_in_flight,
            max_notifications: self.max_notifications,
            drain: self.drain,
            settle: if self.hub_pids.is_empty() { Duration::ZERO } else { self.settle },
            hub_pids: self.hub_pids,
            rss_every: self.rss_every,
            source_ips: self.source_ips,
            processes: self.processes,
            connect_timeout: self.connect_timeout,
            progress: !self.quiet,
            ..Config::default()
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    if cli.shard_child {
        let config = match std::env::var(SHARD_CONFIG_ENV)
            .map_err(|e| e.to_string())
            .and_then(|json| serde_json::from_str::<Config>(&json).map_err(|e| e.to_string()))
        {
            Ok(config) => config,
            Err(e) => {
                eprintln!("loadgen: {SHARD_FLAG} needs {SHARD_CONFIG_ENV}: {e}");
                return ExitCode::from(2);
            }
        };
        return match loadgen::run_child(config).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => fail(&e),
        };
    }
    let config = cli.config();
    let program = match std::env::current_exe() {
        Ok(path) => path,
        Err(e) => return fail(&Error::Run(format!("cannot find this executable: {e}"))),
    };
    match loadgen::run_processes(config, &program).await {
        Ok(report) => {
            println!("{}", report.to_json_line());
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e),
    }
}

fn fail(e: &Error) -> ExitCode {
    eprintln!("loadgen: {e}");
    ExitCode::from(if matches!(e, Error::Config(_)) { 2 } else { 1 })
}
