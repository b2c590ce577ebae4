//! What a run does, and the checks that keep every run bounded and on loopback.

use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::Error;

/// The hub's per-user socket cap (`ws.max_sockets_per_user`, default 5): a run never asks for
/// more sockets per user, or the hub would close the extra ones with 4000.
pub const MAX_SOCKETS_PER_USER: usize = 5;

/// Longest publish phase a run may ask for.
pub const MAX_DURATION: Duration = Duration::from_secs(24 * 3600);

/// Most notifications one run may publish, whatever rate and duration say.
pub const MAX_NOTIFICATIONS: u64 = 50_000_000;

/// The topic `Via::Kafka` produces to: the one event that names its teacher.
pub const TEACHER_TOPIC: &str = "huleedu.notification.teacher.requested.v1";

/// File descriptors a load-generator process keeps for itself (HTTP pool, stdio, runtime).
const RESERVED_FDS: u64 = 200;

/// Ephemeral ports per source address left for other programs on the machine.
const RESERVED_PORTS: u64 = 1_000;

/// How notifications reach the hub.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Via {
    /// `POST /api/v1/publish`, one notification per request.
    Http,
    /// `POST /api/v1/publish/batch`, `batch_size` notifications per request.
    HttpBatch,
    /// `PUBLISH ws:{user_id}` of the legacy `{"event","data"}` message, as today's producers
    /// do, `batch_size` commands pipelined per round trip; the hub must run clustered on the
    /// same Redis.
    Redis,
    /// A `huleedu.notification.teacher.requested.v1` event per notification, produced to Kafka
    /// (`batch_size` in flight per request); the hub must consume the same brokers.
    Kafka,
}

impl Via {
    /// The name used on the command line and in the report.
    pub fn name(self) -> &'static str {
        match self {
            Via::Http => "http",
            Via::HttpBatch => "http-batch",
            Via::Redis => "redis",
            Via::Kafka => "kafka",
        }
    }
}

/// One run of the load generator. Every field is plain data; `Config::default()` is a small,
/// short run against `http://127.0.0.1:8080`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Config {
    /// The hub's base URL (`http://host:port`); the host must resolve to loopback only.
    /// Publish requests go here, and sockets too unless `socket_urls` names other instances.
    pub url: String,
    /// Base URLs of the hub instances sockets connect to, round robin by socket (so a user's
    /// tabs may sit on different instances, as behind a load balancer); empty means `url`.
    pub socket_urls: Vec<String>,
    /// A name for the run, copied into the report (plots group runs by it).
    pub label: Option<String>,
    /// With `Via::Redis`: the Redis the hub instances share (loopback only).
    pub redis_url: String,
    /// With `Via::Kafka`: bootstrap servers the hub consumes (loopback only).
    pub kafka_brokers: String,
    /// With `Via::Kafka`: the topic produced to.
    pub kafka_topic: String,
    /// HS256 secret used to mint user and service tokens.
    pub secret: String,
    /// JWT `iss` the hub requires.
    pub issuer: String,
    /// JWT `aud` the hub requires.
    pub audience: String,
    /// Sockets to open.
    pub sockets: usize,
    /// Users the sockets are spread over (socket `i` belongs to user `i % users`).
    pub users: usize,
    /// New sockets per second.
    pub connect_rate: f64,
    /// Notifications per second.
    pub publish_rate: f64,
    /// Length of the publish phase.
    pub duration: Duration,
    /// How notifications are published.
    pub via: Via,
    /// Notifications per request with `Via::HttpBatch`.
    pub batch_size: usize,
    /// Most publish requests in flight at once (also the HTTP connection pool size).
    pub max_in_flight: usize,
    /// How long to wait for late frames after the last publish answer.
    pub drain: Duration,
    /// With `hub_pid`: how long to wait after connecting before reading the hub's RSS.
    pub settle: Duration,
    /// The hub's process ids (one per instance), for CPU and RSS figures from `/proc`, summed.
    pub hub_pids: Vec<u32>,
    /// With `hub_pids`: also read the hubs' RSS this often while publishing (a soak's curve).
    pub rss_every: Option<Duration>,
    /// Local addresses client sockets bind to, round robin (empty: the kernel picks).
    pub source_ips: Vec<IpAddr>,
    /// Processes to spread the sockets over (the binary re-executes itself).
    pub processes: usize,
    /// Most notifications to publish; `None` means `publish_rate * duration`.
    pub max_notifications: Option<u64>,
    /// Per-socket bound on connecting, the handshake and the first ping/pong.
    pub connect_timeout: Duration,
    /// Timeout of one publish request.
    pub request_timeout: Duration,
    /// Progress lines on stderr.
    pub progress: bool,
    /// Names this run's users (`lg-<run_id>-<n>`), so runs never share users; random when empty.
    pub run_id: String,
    /// Which part of the run this process does; `{0, 1}` outside `--processes`.
    pub shard: Shard,
}

/// A part of a run done by one process: the users `u` with `u % count == index`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// This process's index.
    pub index: usize,
    /// Processes in the run.
    pub count: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            url: "http://127.0.0.1:8080".into(),
            socket_urls: Vec::new(),
            label: None,
            redis_url: "redis://127.0.0.1:6379".into(),
            kafka_brokers: String::new(),
            kafka_topic: TEACHER_TOPIC.into(),
            secret: "dev-secret-change-me".into(),
            issuer: "huleedu-identity-service".into(),
            audience: "huleedu-platform".into(),
            sockets: 100,
            users: 50,
            connect_rate: 1_000.0,
            publish_rate: 100.0,
            duration: Duration::from_secs(5),
            via: Via::Http,
            batch_size: 50,
            max_in_flight: 32,
            drain: Duration::from_secs(2),
            settle: Duration::ZERO,
            hub_pids: Vec::new(),
            rss_every: None,
            source_ips: Vec::new(),
            processes: 1,
            max_notifications: None,
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(10),
            progress: false,
            run_id: String::new(),
            shard: Shard { index: 0, count: 1 },
        }
    }
}

/// Where the hub is, once checked.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    /// `http://host:port` without a trailing slash.
    pub base: String,
    /// The loopback address sockets connect to.
    pub addr: SocketAddr,
    /// `host:port` as written in the URL (the `Host` of requests).
    pub authority: String,
}

impl Config {
    /// Notifications in one request: `batch_size`, except one with `Via::Http`.
    pub fn per_request(&self) -> usize {
        if self.via == Via::Http {
            1
        } else {
            self.batch_size
        }
    }

    /// Notifications this run publishes at most.
    pub fn notification_cap(&self) -> u64 {
        let planned = (self.publish_rate * self.duration.as_secs_f64()).ceil() as u64;
        self.max_notifications.unwrap_or(planned).min(planned).min(MAX_NOTIFICATIONS)
    }

    /// Checks everything that does not depend on this process's limits.
    pub fn validate(&self) -> Result<(), Error> {
        let bad = |msg: String| Err(Error::Config(msg));
        if self.sockets == 0 {
            return bad("--sockets must be at least 1".into());
        }
        if self.users == 0 || self.users > self.sockets {
            return bad(format!("--users must be between 1 and --sockets ({})", self.sockets));
        }
        if self.sockets.div_ceil(self.users) > MAX_SOCKETS_PER_USER {
            return bad(format!(
                "{} sockets over {} users is more than {MAX_SOCKETS_PER_USER} sockets per user, the hub's cap: use --users {} or more",
                self.sockets,
                self.users,
                self.sockets.div_ceil(MAX_SOCKETS_PER_USER)
            ));
        }
        if !(self.connect_rate.is_finite() && self.connect_rate > 0.0) {
            return bad("--connect-rate must be a positive number".into());
        }
        if !(self.publish_rate.is_finite() && self.publish_rate > 0.0) {
            return bad("--publish-rate must be a positive number".into());
        }
        if self.duration.is_zero() || self.duration > MAX_DURATION {
            return bad(format!("--duration must be between 1ms and {}", humantime::format_duration(MAX_DURATION)));
        }
        if self.drain > Duration::from_secs(600) || self.settle > Duration::from_secs(3600) {
            return bad("--drain is at most 10m and --settle at most 1h".into());
        }
        if self.batch_size == 0 || self.batch_size > 1_000 {
            return bad("--batch-size must be between 1 and 1000 (the hub's publish.max_batch_items)".into());
        }
        if self.max_in_flight == 0 || self.max_in_flight > 1_024 {
            return bad("--max-in-flight must be between 1 and 1024".into());
        }
        if self.processes == 0 || self.processes > 64 || self.processes > self.users {
            return bad("--processes must be between 1 and 64, and at most --users".into());
        }
        if self.shard.count == 0 || self.shard.index >= self.shard.count {
            return bad("invalid shard".into());
        }
        if let Some(ip) = self.source_ips.iter().find(|ip| !ip.is_loopback()) {
            return bad(format!("--source-ips: {ip} is not a loopback address"));
        }
        if self.secret.is_empty() {
            return bad("--secret must not be empty".into());
        }
        self.target()?;
        self.socket_targets()?;
        match self.via {
            Via::Redis => check_loopback_url("--redis-url", &self.redis_url)?,
            Via::Kafka => {
                if self.kafka_brokers.trim().is_empty() {
                    return bad("--via kafka needs --kafka-brokers".into());
                }
                for broker in self.kafka_brokers.split(',') {
                    check_loopback_url("--kafka-brokers", &format!("kafka://{}", broker.trim()))?;
                }
            }
            Via::Http | Via::HttpBatch => {}
        }
        if self.rss_every.is_some_and(|every| every < Duration::from_secs(1)) {
            return bad("--rss-every must be at least 1s".into());
        }
        let per_ip = (self.sockets as u64).div_ceil(self.source_ips.len().max(1) as u64);
        // Half: with 19,000 sockets on each of three addresses (of 28,232 ports), handshakes
        // past about 14,000 per address failed (docs/benchmarks.md, scenario (a)).
        let ports = ephemeral_ports().saturating_sub(RESERVED_PORTS) / 2;
        if per_ip > ports {
            return bad(format!(
                "{} sockets need {per_ip} local ports per source address, more than half of its ephemeral ports ({ports}), past which handshakes fail: pass more --source-ips (127.0.0.2, 127.0.0.3, ...)",
                self.sockets
            ));
        }
        Ok(())
    }

    /// Checks that this process may hold its share of sockets; raises the soft file limit to
    /// the hard one first.
    pub(crate) fn check_file_limit(&self, sockets_here: usize) -> Result<(), Error> {
        let limit = raise_file_limit();
        let room = limit.saturating_sub(RESERVED_FDS);
        if sockets_here as u64 > room {
            return Err(Error::Config(format!(
                "{sockets_here} sockets in one process, but its file limit ({limit}) leaves room for {room}: use --processes {}",
                (self.sockets as u64).div_ceil(room.max(1))
            )));
        }
        Ok(())
    }

    /// The hub publish requests go to, checked to be on loopback.
    pub(crate) fn target(&self) -> Result<Target, Error> {
        self.parse_target("--url", &self.url)
    }

    /// The hubs sockets connect to, round robin; checked to be on loopback.
    pub(crate) fn socket_targets(&self) -> Result<Vec<Target>, Error> {
        if self.socket_urls.is_empty() {
            return Ok(vec![self.target()?]);
        }
        self.socket_urls.iter().map(|url| self.parse_target("--socket-url", url)).collect()
    }

    /// Parses a hub's base URL and checks that it names loopback.
    fn parse_target(&self, flag: &str, raw: &str) -> Result<Target, Error> {
        let bad = |msg: String| Err(Error::Config(format!("{flag} {raw}: {msg}")));
        let url = match reqwest::Url::parse(raw) {
            Ok(url) => url,
            Err(e) => return bad(e.to_string()),
        };
        if url.scheme() != "http" {
            return bad("only http:// (loopback, no TLS) is supported".into());
        }
        if url.path() != "/" || url.query().is_some() {
            return bad("give the base URL only, e.g. http://127.0.0.1:8080".into());
        }
        let Some(host) = url.host_str() else { return bad("no host".into()) };
        let addrs = match loopback_addrs(&url, 80) {
            Ok(addrs) => addrs,
            Err(msg) => return bad(msg),
        };
        // Prefer IPv4 (the hub binds 127.0.0.1 by default), and an address family the source
        // addresses share.
        let wants_v6 = self.source_ips.first().is_some_and(|ip| ip.is_ipv6());
        let addr = addrs.iter().copied().find(|a| a.is_ipv6() == wants_v6).unwrap_or(addrs[0]);
        if self.source_ips.iter().any(|ip| ip.is_ipv6() != addr.is_ipv6()) {
            return bad("--source-ips must be of the same address family as the hub's address".into());
        }
        let authority = match url.port() {
            Some(p) => format!("{host}:{p}"),
            None => host.to_owned(),
        };
        Ok(Target { base: format!("http://{authority}"), addr, authority })
    }
}

/// Checks that a Redis or Kafka address resolves to loopback only.
fn check_loopback_url(flag: &str, raw: &str) -> Result<(), Error> {
    let checked = reqwest::Url::parse(raw).map_err(|e| e.to_string()).and_then(|url| loopback_addrs(&url, 6379));
    checked.map(drop).map_err(|msg| Error::Config(format!("{flag} {raw}: {msg}")))
}

/// The addresses `url`'s host resolves to (with `default_port` when it names none), all of
/// them loopback, or why not.
fn loopback_addrs(url: &reqwest::Url, default_port: u16) -> Result<Vec<SocketAddr>, String> {
    let host = url.host_str().ok_or("no host")?.trim_start_matches('[').trim_end_matches(']');
    let port = url.port_or_known_default().unwrap_or(default_port);
    let addrs: Vec<SocketAddr> = (host, port).to_socket_addrs().map_err(|e| format!("cannot resolve: {e}"))?.collect();
    if addrs.is_empty() {
        return Err("resolves to no address".into());
    }
    if let Some(outside) = addrs.iter().find(|a| !a.ip().is_loopback()) {
        return Err(format!(
            "resolves to {}, which is not loopback: the load generator only runs on loopback",
            outside.ip()
        ));
    }
    Ok(addrs)
}

/// Size of the kernel's ephemeral port range.
fn ephemeral_ports() -> u64 {
    std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|s| {
            let mut it = s.split_whitespace().filter_map(|n| n.parse::<u64>().ok());
            Some(it.next_back()?.saturating_sub(it.next()?) + 1)
        })
        .unwrap_or(28_232)
}

/// Raises the soft open-files limit to the hard one; returns the soft limit in force.
fn raise_file_limit() -> u64 {
    // SAFETY: getrlimit/setrlimit only read and write the struct we pass.
    unsafe {
        let mut rl = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut rl) != 0 {
            return 1_024;
        }
        if rl.rlim_cur < rl.rlim_max {
            let raised = libc::rlimit { rlim_cur: rl.rlim_max, rlim_max: rl.rlim_max };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                rl.rlim_cur = rl.rlim_max;
            }
        }
        rl.rlim_cur
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_url(url: &str) -> Config {
        Config { url: url.into(), ..Config::default() }
    }

    #[test]
    fn only_loopback_hubs_are_accepted() {
        assert!(with_url("http://127.0.0.1:8080").validate().is_ok());
        assert!(with_url("http://localhost:8080").validate().is_ok());
        assert!(with_url("http://[::1]:8080").validate().is_ok());
        assert!(with_url("http://10.0.0.1:8080").validate().is_err());
        assert!(with_url("http://192.0.2.7").validate().is_err());
        assert!(with_url("https://127.0.0.1:8080").validate().is_err());
        assert!(with_url("http://127.0.0.1:8080/api").validate().is_err());
    }

    #[test]
    fn redis_and_kafka_must_be_on_loopback_too() {
        let redis = |url: &str| Config { via: Via::Redis, redis_url: url.into(), ..Config::default() };
        assert!(redis("redis://127.0.0.1:6379").validate().is_ok());
        assert!(redis("redis://10.0.0.1:6379").validate().is_err());
        let kafka = |brokers: &str| Config { via: Via::Kafka, kafka_brokers: brokers.into(), ..Config::default() };
        assert!(kafka("127.0.0.1:9092,localhost:9093").validate().is_ok());
        assert!(kafka("127.0.0.1:9092,192.0.2.7:9092").validate().is_err());
        assert!(kafka("").validate().is_err());
        let sockets = Config {
            socket_urls: vec!["http://127.0.0.1:8081".into(), "http://192.0.2.7:8082".into()],
            ..Config::default()
        };
        assert!(sockets.validate().is_err());
    }

    #[test]
    fn non_loopback_source_addresses_are_refused() {
        let c = Config { source_ips: vec!["10.1.1.1".parse().unwrap()], ..Config::default() };
        assert!(c.validate().is_err());
        let c = Config {
            source_ips: vec!["127.0.0.2".parse().unwrap(), "127.0.0.3".parse().unwrap()],
            ..Config::default()
        };
        assert!(c.validate().is_ok());
    }

    #[test]
    fn more_than_five_sockets_per_user_is_refused() {
        let c = Config { sockets: 600, users: 100, ..Config::default() };
        assert!(c.validate().is_err());
        let c = Config { sockets: 500, users: 100, ..Config::default() };
        assert!(c.validate().is_ok());
    }

    #[test]
    fn sockets_beyond_the_port_range_need_more_source_addresses() {
        let c = Config { sockets: 40_000, users: 10_000, ..Config::default() };
        assert!(c.validate().unwrap_err().to_string().contains("--source-ips"));
        let ips = (2..=3).map(|n| IpAddr::from([127, 0, 0, n])).collect();
        let c = Config { sockets: 40_000, users: 10_000, source_ips: ips, ..Config::default() };
        assert!(c.validate().is_err(), "20,000 per address is more than half of the port range");
        let ips = (2..=5).map(|n| IpAddr::from([127, 0, 0, n])).collect();
        let c = Config { sockets: 40_000, users: 10_000, source_ips: ips, ..Config::default() };
        assert!(c.validate().is_ok());
    }

    #[test]
    fn the_notification_cap_follows_rate_and_duration() {
        let c = Config { publish_rate: 500.0, duration: Duration::from_secs(3), ..Config::default() };
        assert_eq!(c.notification_cap(), 1_500);
        let c = Config { max_notifications: Some(10), ..c };
        assert_eq!(c.notification_cap(), 10);
    }
}
