//! All configuration, in one place: built-in defaults < `Settings.toml` (or the file named by
//! `HUB_CONFIG`) < `HUB__<SECTION>__<KEY>` environment variables. Typed and validated at load:
//! an invalid setting stops start-up with a message naming it.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

/// The development secret the shipped `Settings.toml` uses (the platform's identity service
/// defaults to the same); refused on any host but loopback.
pub const DEV_JWT_SECRET: &str = "dev-secret-change-me";

/// Shortest HS256 secret accepted on a non-loopback listener (RFC 7518: at least the hash size).
const MIN_SECRET_BYTES: usize = 32;

/// actix-server refuses more worker threads than this.
const MAX_WORKERS: usize = 512;

/// File descriptors kept free for the hub's own work (listeners, logs, Kafka, Redis) below the
/// process limit when checking `server.max_connections`.
const RESERVED_FDS: u64 = 256;

/// The whole configuration.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Listeners and admission.
    pub server: ServerSettings,
    /// Token verification.
    pub auth: AuthSettings,
    /// Per-socket limits and intervals.
    pub ws: WsSettings,
    /// Per-user history for resume.
    pub history: HistorySettings,
    /// The HTTP publish API.
    pub publish: PublishSettings,
    /// Graceful shutdown.
    pub shutdown: ShutdownSettings,
    /// Log output.
    pub log: LogSettings,
    /// Kafka ingestion; off while `kafka.brokers` is empty.
    pub kafka: KafkaSettings,
    /// Events that name only a batch or class: who owns what, and how long to wait.
    pub ownership: OwnershipSettings,
    /// The clustered mode's Redis; the embedded bridge while `redis.url` is empty.
    pub redis: RedisSettings,
}

impl AuthSettings {
    /// The PEM text of `jwt_public_key`: the value itself when it is PEM, else the file it names.
    pub fn public_key_pem(&self) -> Result<Vec<u8>, String> {
        let key =
            self.jwt_public_key.as_deref().ok_or_else(|| format!("{:?} needs a PEM public key", self.jwt_algorithm))?;
        let pem = if key.trim_start().starts_with("-----BEGIN") {
            key.as_bytes().to_vec()
        } else {
            std::fs::read(key).map_err(|e| format!("cannot read {key}: {e}"))?
        };
        let parsed = match self.jwt_algorithm {
            JwtAlgorithm::RS256 => jsonwebtoken::DecodingKey::from_rsa_pem(&pem).map(drop),
            JwtAlgorithm::ES256 => jsonwebtoken::DecodingKey::from_ec_pem(&pem).map(drop),
            JwtAlgorithm::HS256 => Ok(()),
        };
        parsed.map_err(|e| format!("not a {:?} public key: {e}", self.jwt_algorithm))?;
        Ok(pem)
    }
}

/// Listeners and admission control.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerSettings {
    /// Address the public listener binds.
    pub host: IpAddr,
    /// Port of the public listener (`/ws`, `/api`); 0 picks a free one.
    pub port: u16,
    /// When set, `/healthz`, `/readyz`, `/metrics` and `/status` move to this listener.
    pub admin_addr: Option<SocketAddr>,
    /// HTTP worker threads; defaults to the number of cores.
    pub workers: Option<usize>,
    /// Sockets this instance accepts at most; unset means the process's file limit less a
    /// reserve for the hub's own descriptors.
    pub max_connections: Option<usize>,
    /// New sockets admitted per second (with a burst of as many); more get 503 and
    /// `Retry-After: 1`, so a reconnect storm cannot starve this instance.
    pub max_handshakes_per_second: u32,
    /// Browser origins allowed to open a socket; a request without `Origin` is allowed.
    pub allowed_origins: Vec<String>,
    /// This instance's name in `/status`; a random one when unset.
    pub instance_id: Option<String>,
}

impl Default for ServerSettings {
    fn default() -> Self {
        ServerSettings {
            host: IpAddr::from([127, 0, 0, 1]),
            port: 8080,
            admin_addr: None,
            workers: None,
            max_connections: None,
            max_handshakes_per_second: 2000,
            allowed_origins: vec![
                "http://localhost:5173".into(),
                "http://127.0.0.1:5173".into(),
                "http://localhost:3000".into(),
                "http://127.0.0.1:3000".into(),
            ],
            instance_id: None,
        }
    }
}

/// JWT signing algorithms the hub verifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum JwtAlgorithm {
    /// HMAC with SHA-256 and a shared secret (the platform's default).
    HS256,
    /// RSA with SHA-256; needs `auth.jwt_public_key`.
    RS256,
    /// ECDSA P-256 with SHA-256; needs `auth.jwt_public_key`.
    ES256,
}

/// How tokens are verified.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthSettings {
    /// Shared secret for HS256.
    pub jwt_secret: SecretString,
    /// The one algorithm accepted; tokens signed otherwise are refused.
    pub jwt_algorithm: JwtAlgorithm,
    /// PEM public key (or a path to one) for RS256 / ES256.
    pub jwt_public_key: Option<String>,
    /// Required `iss`.
    pub issuer: String,
    /// Required `aud`.
    pub audience: String,
    /// Clock skew tolerated on `exp` and `nbf`.
    #[serde(with = "humantime_serde")]
    pub leeway: Duration,
    /// How long before `exp` the server asks the client to renew.
    #[serde(with = "humantime_serde")]
    pub renew_notice: Duration,
}

impl Default for AuthSettings {
    fn default() -> Self {
        AuthSettings {
            jwt_secret: SecretString::from(""),
            jwt_algorithm: JwtAlgorithm::HS256,
            jwt_public_key: None,
            issuer: "huleedu-identity-service".into(),
            audience: "huleedu-platform".into(),
            leeway: Duration::ZERO,
            renew_notice: Duration::from_secs(60),
        }
    }
}

/// Per-socket limits and intervals.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WsSettings {
    /// How often the server pings each socket.
    #[serde(with = "humantime_serde")]
    pub ping_interval: Duration,
    /// A socket silent for this long is dropped; must exceed `ping_interval`.
    #[serde(with = "humantime_serde")]
    pub client_timeout: Duration,
    /// Largest inbound message in bytes; larger closes with 1009.
    pub max_frame_bytes: usize,
    /// Outbound queue per socket in bytes; overflow closes with 4002.
    pub outbound_queue_bytes: usize,
    /// Sockets per user on this instance; the next closes with 4000.
    pub max_sockets_per_user: usize,
    /// Consecutive invalid client frames before closing with 1008.
    pub max_invalid_frames: u32,
    /// How long a close frame may wait behind queued frames.
    #[serde(with = "humantime_serde")]
    pub close_timeout: Duration,
}

impl Default for WsSettings {
    fn default() -> Self {
        WsSettings {
            ping_interval: Duration::from_secs(20),
            client_timeout: Duration::from_secs(60),
            max_frame_bytes: 64 * 1024,
            outbound_queue_bytes: 1024 * 1024,
            max_sockets_per_user: 5,
            max_invalid_frames: 5,
            close_timeout: Duration::from_secs(5),
        }
    }
}

/// Per-user history kept for resume.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HistorySettings {
    /// Notifications kept per user.
    pub max_len: usize,
    /// Notifications older than this are dropped.
    #[serde(with = "humantime_serde")]
    pub max_age: Duration,
    /// Users whose history is kept (least recently used evicted).
    pub max_users: usize,
    /// Bytes of history kept across all users (least recently used users evicted).
    pub max_bytes: usize,
    /// Dedupe keys remembered (least recently seen evicted).
    pub dedupe_capacity: usize,
}

impl Default for HistorySettings {
    fn default() -> Self {
        HistorySettings {
            max_len: 200,
            max_age: Duration::from_secs(3600),
            max_users: 50_000,
            max_bytes: 256 * 1024 * 1024,
            dedupe_capacity: 100_000,
        }
    }
}

/// The HTTP publish API.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PublishSettings {
    /// Largest single publish body in bytes; larger gets 413.
    pub max_body_bytes: usize,
    /// Largest batch body in bytes; larger gets 413.
    pub max_batch_bytes: usize,
    /// Most items in one batch; more gets 413.
    pub max_batch_items: usize,
}

impl Default for PublishSettings {
    fn default() -> Self {
        PublishSettings { max_body_bytes: 256 * 1024, max_batch_bytes: 4 * 1024 * 1024, max_batch_items: 1000 }
    }
}

/// Graceful shutdown on SIGTERM / SIGINT.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ShutdownSettings {
    /// The process exits within this time after the signal.
    #[serde(with = "humantime_serde")]
    pub grace_period: Duration,
    /// Sockets closed with 1001 per batch.
    pub close_batch_size: usize,
    /// Pause between batches, so clients do not all reconnect in the same instant.
    #[serde(with = "humantime_serde")]
    pub close_batch_interval: Duration,
}

impl Default for ShutdownSettings {
    fn default() -> Self {
        ShutdownSettings {
            grace_period: Duration::from_secs(30),
            close_batch_size: 500,
            close_batch_interval: Duration::from_millis(100),
        }
    }
}

/// Log output.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogSettings {
    /// `tracing` filter, e.g. `info,hub=debug`; `RUST_LOG` wins when set.
    pub filter: String,
    /// `json` for one JSON object per line, `pretty` for people.
    pub format: LogFormat,
}

impl Default for LogSettings {
    fn default() -> Self {
        LogSettings { filter: "info".into(), format: LogFormat::Pretty }
    }
}

/// How log lines look.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    Pretty,
    /// One JSON object per line.
    Json,
}

/// The teacher-notification topic and the batch-status topic: the default subscription.
pub const DEFAULT_TOPICS: [&str; 2] = ["huleedu.notification.teacher.requested.v1", "huleedu.batch.status.updated.v1"];

/// Kafka ingestion.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KafkaSettings {
    /// Bootstrap servers, comma-separated; empty turns Kafka off.
    pub brokers: String,
    /// The consumer group: one per deployment, shared by its instances.
    pub group_id: String,
    /// The client id brokers see in their logs and quotas.
    pub client_id: String,
    /// Topics consumed; each must be one the hub has a contract for.
    pub topics: Vec<String>,
    /// Extra librdkafka properties, `key=value` (TLS, SASL, ...); they win over the hub's own.
    pub properties: Vec<KafkaProperty>,
    /// Where undecodable or undeliverable events go, with the reason in a header.
    pub dead_letter_topic: Option<String>,
    /// Where a group with no committed offset starts: `latest` (no flood of old
    /// notifications at cutover) or `earliest`.
    pub auto_offset_reset: OffsetReset,
    /// Notifications older than this are dropped and counted, not delivered.
    #[serde(with = "humantime_serde")]
    pub max_notification_age: Duration,
    /// `topic=event_type` pairs accepted although the envelope's `event_type` is not the topic.
    pub event_type_aliases: Vec<String>,
    /// Largest message value decoded; larger is dead-lettered.
    pub max_message_bytes: usize,
    /// Largest single string field in an event; larger is dead-lettered.
    pub max_string_bytes: usize,
    /// Longest pause between retries of a hand-off the bridge refused.
    #[serde(with = "humantime_serde")]
    pub retry_backoff_max: Duration,
}

impl Default for KafkaSettings {
    fn default() -> Self {
        KafkaSettings {
            brokers: String::new(),
            group_id: "huleedu-notification-hub".into(),
            client_id: "notification-hub".into(),
            topics: DEFAULT_TOPICS.map(String::from).to_vec(),
            properties: Vec::new(),
            dead_letter_topic: None,
            auto_offset_reset: OffsetReset::Latest,
            max_notification_age: Duration::from_secs(3600),
            event_type_aliases: Vec::new(),
            max_message_bytes: 1_048_576,
            max_string_bytes: 64 * 1024,
            retry_backoff_max: Duration::from_secs(5),
        }
    }
}

impl KafkaSettings {
    /// Whether Kafka ingestion is on.
    pub fn enabled(&self) -> bool {
        !self.brokers.trim().is_empty()
    }

    /// The aliases as `(topic, event_type)` pairs (validated at load).
    pub fn aliases(&self) -> Vec<(String, String)> {
        self.event_type_aliases
            .iter()
            .filter_map(|a| a.split_once('='))
            .map(|(t, e)| (t.trim().to_owned(), e.trim().to_owned()))
            .collect()
    }
}

/// One librdkafka property, `key=value`; values of keys naming a password or secret never print.
#[derive(Clone, Deserialize, PartialEq, Eq)]
#[serde(try_from = "String")]
pub struct KafkaProperty {
    /// The librdkafka property name, e.g. `security.protocol`.
    pub key: String,
    /// Its value.
    pub value: String,
}

impl TryFrom<String> for KafkaProperty {
    type Error = String;

    fn try_from(text: String) -> Result<Self, String> {
        let (key, value) = text.split_once('=').ok_or("a Kafka property is written `key=value`")?;
        let key = key.trim();
        if key.is_empty() {
            return Err("a Kafka property needs a key before `=`".into());
        }
        Ok(KafkaProperty { key: key.to_owned(), value: value.trim().to_owned() })
    }
}

impl std::fmt::Debug for KafkaProperty {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let secret = ["password", "secret", "key.pem", "token"].iter().any(|s| self.key.contains(s));
        write!(f, "{}={}", self.key, if secret { "[redacted]" } else { &self.value })
    }
}

/// Where a consumer group with no committed offset starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OffsetReset {
    /// Only what is produced from now on.
    Latest,
    /// Everything retained.
    Earliest,
}

impl OffsetReset {
    /// The librdkafka value.
    pub fn as_str(self) -> &'static str {
        match self {
            OffsetReset::Latest => "latest",
            OffsetReset::Earliest => "earliest",
        }
    }
}

/// Events that name only a batch or class.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OwnershipSettings {
    /// Batches and classes whose owner is remembered (least recently used forgotten).
    pub capacity: usize,
    /// How long an event waits for its owner before it is dead-lettered.
    #[serde(with = "humantime_serde")]
    pub hold_timeout: Duration,
    /// Events waiting per topic at most; beyond it the partition waits.
    pub max_held: usize,
}

impl Default for OwnershipSettings {
    fn default() -> Self {
        OwnershipSettings { capacity: 100_000, hold_timeout: Duration::from_secs(60), max_held: 10_000 }
    }
}

/// The clustered mode: Redis pub/sub between instances, Redis Streams for history.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RedisSettings {
    /// `redis://[user:password@]host:port[/db]`; empty keeps the embedded in-process bridge.
    pub url: SecretString,
    /// Prefix of every key and internal channel (user channels stay `ws:{user_id}`).
    pub key_prefix: String,
    /// How long a dedupe mark is kept.
    #[serde(with = "humantime_serde")]
    pub dedupe_ttl: Duration,
    /// How often this instance writes its counts for the cluster view.
    #[serde(with = "humantime_serde")]
    pub heartbeat_interval: Duration,
    /// An instance silent this long leaves the cluster view.
    #[serde(with = "humantime_serde")]
    pub instance_ttl: Duration,
    /// Replays read from Redis at once; more wait, so a reconnect storm cannot starve live traffic.
    pub max_concurrent_replays: usize,
    /// A command not answered in this time fails (the publish API then answers 503).
    #[serde(with = "humantime_serde")]
    pub response_timeout: Duration,
    /// How long an ownership fact is remembered.
    #[serde(with = "humantime_serde")]
    pub ownership_ttl: Duration,
}

impl Default for RedisSettings {
    fn default() -> Self {
        RedisSettings {
            url: SecretString::from(""),
            key_prefix: "hub".into(),
            dedupe_ttl: Duration::from_secs(24 * 3600),
            heartbeat_interval: Duration::from_secs(5),
            instance_ttl: Duration::from_secs(15),
            max_concurrent_replays: 64,
            response_timeout: Duration::from_secs(1),
            ownership_ttl: Duration::from_secs(30 * 24 * 3600),
        }
    }
}

impl RedisSettings {
    /// Whether the clustered mode is on.
    pub fn enabled(&self) -> bool {
        !self.url.expose_secret().trim().is_empty()
    }
}

/// Why settings could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// A source could not be read or parsed, or a value has the wrong type.
    #[error("cannot load settings: {0}")]
    Load(#[from] config::ConfigError),
    /// A value was read but makes no sense.
    #[error("invalid setting `{setting}`: {problem}")]
    Invalid {
        /// The setting's dotted name, as in `Settings.toml`.
        setting: &'static str,
        /// What is wrong with it.
        problem: String,
    },
}

impl Settings {
    /// Loads from the file named by `HUB_CONFIG` (or `Settings.toml` in the working directory,
    /// if there is one) and the process environment, then validates.
    pub fn load() -> Result<Settings, SettingsError> {
        let file = match std::env::var_os("HUB_CONFIG") {
            Some(path) => Some(PathBuf::from(path)),
            None => Some(PathBuf::from("Settings.toml")).filter(|p| p.exists()),
        };
        Settings::load_from(file.as_deref(), std::env::vars())
    }

    /// Loads from `file` (if any) and the given environment, then validates.
    pub fn load_from(
        file: Option<&std::path::Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Settings, SettingsError> {
        let mut builder = config::Config::builder();
        if let Some(path) = file {
            builder = builder.add_source(config::File::from(path).format(config::FileFormat::Toml).required(true));
        }
        let env: config::Map<String, String> = env.into_iter().filter(|(k, _)| k.starts_with("HUB__")).collect();
        let settings: Settings = builder
            .add_source(
                config::Environment::with_prefix("HUB")
                    .prefix_separator("__")
                    .separator("__")
                    .list_separator(",")
                    .with_list_parse_key("server.allowed_origins")
                    .with_list_parse_key("kafka.topics")
                    .with_list_parse_key("kafka.properties")
                    .with_list_parse_key("kafka.event_type_aliases")
                    .try_parsing(true)
                    .source(Some(env)),
            )
            .build()?
            .try_deserialize()?;
        settings.validate()?;
        Ok(settings)
    }

    fn validate(&self) -> Result<(), SettingsError> {
        let invalid = |setting: &'static str, problem: String| Err(SettingsError::Invalid { setting, problem });
        let secret = self.auth.jwt_secret.expose_secret();
        match self.auth.jwt_algorithm {
            JwtAlgorithm::HS256 if secret.is_empty() => {
                return invalid("auth.jwt_secret", "HS256 needs a secret".into());
            }
            JwtAlgorithm::HS256 if !self.loopback_only() && secret == DEV_JWT_SECRET => {
                return invalid(
                    "auth.jwt_secret",
                    "the development secret is refused unless every listener is on loopback".into(),
                );
            }
            JwtAlgorithm::HS256 if !self.loopback_only() && secret.len() < MIN_SECRET_BYTES => {
                return invalid(
                    "auth.jwt_secret",
                    format!("at least {MIN_SECRET_BYTES} bytes are needed unless every listener is on loopback"),
                );
            }
            JwtAlgorithm::RS256 | JwtAlgorithm::ES256 => {
                if let Err(problem) = self.auth.public_key_pem() {
                    return invalid("auth.jwt_public_key", problem);
                }
            }
            JwtAlgorithm::HS256 => {}
        }
        if self.auth.issuer.is_empty() {
            return invalid("auth.issuer", "must not be empty".into());
        }
        if self.auth.audience.is_empty() {
            return invalid("auth.audience", "must not be empty".into());
        }
        if self.ws.ping_interval.is_zero() {
            return invalid("ws.ping_interval", "must be positive".into());
        }
        if self.ws.client_timeout <= self.ws.ping_interval {
            return invalid(
                "ws.client_timeout",
                format!(
                    "{:?} must be longer than ws.ping_interval ({:?}) or healthy clients are dropped",
                    self.ws.client_timeout, self.ws.ping_interval
                ),
            );
        }
        let positive = [
            ("ws.max_frame_bytes", self.ws.max_frame_bytes),
            ("ws.outbound_queue_bytes", self.ws.outbound_queue_bytes),
            ("ws.max_sockets_per_user", self.ws.max_sockets_per_user),
            ("ws.max_invalid_frames", self.ws.max_invalid_frames as usize),
            ("server.max_connections", self.server.max_connections.unwrap_or(1)),
            ("server.max_handshakes_per_second", self.server.max_handshakes_per_second as usize),
            ("history.max_len", self.history.max_len),
            ("history.max_users", self.history.max_users),
            ("history.max_bytes", self.history.max_bytes),
            ("history.dedupe_capacity", self.history.dedupe_capacity),
            ("publish.max_body_bytes", self.publish.max_body_bytes),
            ("publish.max_batch_bytes", self.publish.max_batch_bytes),
            ("publish.max_batch_items", self.publish.max_batch_items),
            ("shutdown.close_batch_size", self.shutdown.close_batch_size),
            ("kafka.max_message_bytes", self.kafka.max_message_bytes),
            ("kafka.max_string_bytes", self.kafka.max_string_bytes),
            ("ownership.capacity", self.ownership.capacity),
            ("ownership.max_held", self.ownership.max_held),
        ];
        if let Some((setting, _)) = positive.iter().find(|(_, value)| *value == 0) {
            return invalid(setting, "must be at least 1".into());
        }
        self.validate_kafka()?;
        if self.redis.enabled() {
            if let Err(error) = redis::Client::open(self.redis.url.expose_secret()) {
                return invalid("redis.url", format!("not a Redis URL: {:?}", error.kind()));
            }
            if self.redis.instance_ttl <= self.redis.heartbeat_interval {
                return invalid("redis.instance_ttl", "must be longer than redis.heartbeat_interval".into());
            }
            if self.redis.key_prefix.is_empty() || self.redis.max_concurrent_replays == 0 {
                return invalid("redis.key_prefix", "a prefix and at least one concurrent replay are needed".into());
            }
        }
        if self.server.workers.is_some_and(|w| !(1..=MAX_WORKERS).contains(&w)) {
            return invalid("server.workers", format!("must be between 1 and {MAX_WORKERS}"));
        }
        if let (Some(wanted), Some(limit)) = (self.server.max_connections, open_files_limit()) {
            let usable = limit.saturating_sub(RESERVED_FDS);
            if wanted as u64 > usable {
                return invalid(
                    "server.max_connections",
                    format!("{wanted} would leave too few of the process's {limit} file descriptors for the hub's own work; at most {usable}"),
                );
            }
        }
        Ok(())
    }

    fn validate_kafka(&self) -> Result<(), SettingsError> {
        let invalid = |setting: &'static str, problem: String| Err(SettingsError::Invalid { setting, problem });
        let kafka = &self.kafka;
        if !kafka.enabled() {
            return Ok(());
        }
        if kafka.topics.is_empty() {
            return invalid("kafka.topics", "name at least one topic, or leave kafka.brokers empty".into());
        }
        let known: Vec<&str> = crate::contracts::topics().map(|spec| spec.topic).collect();
        if let Some(unknown) = kafka.topics.iter().find(|t| !known.contains(&t.as_str())) {
            return invalid(
                "kafka.topics",
                format!("no contract for topic `{unknown}`; known topics: {}", known.join(", ")),
            );
        }
        if kafka.group_id.trim().is_empty() {
            return invalid("kafka.group_id", "must not be empty".into());
        }
        if let Some(bad) = kafka.event_type_aliases.iter().find(|a| !a.contains('=')) {
            return invalid("kafka.event_type_aliases", format!("`{bad}` is not `topic=event_type`"));
        }
        if let Some(dead) = &kafka.dead_letter_topic {
            if dead.trim().is_empty() || kafka.topics.contains(dead) {
                return invalid(
                    "kafka.dead_letter_topic",
                    format!("`{dead}` must be a topic the hub does not consume"),
                );
            }
        }
        if self.ownership.hold_timeout.is_zero() {
            return invalid("ownership.hold_timeout", "must be positive".into());
        }
        Ok(())
    }

    /// Whether no listener is reachable from another machine (the development secret is only
    /// allowed then).
    fn loopback_only(&self) -> bool {
        self.server.host.is_loopback() && self.server.admin_addr.is_none_or(|a| a.ip().is_loopback())
    }

    /// The socket cap in force: the configured one, or the file limit less the reserve.
    pub fn socket_cap(&self) -> usize {
        self.server.max_connections.unwrap_or_else(|| {
            let limit = open_files_limit().unwrap_or(1024);
            limit.saturating_sub(RESERVED_FDS).max(1) as usize
        })
    }
}

/// The soft limit on open files of this process, when the platform says.
fn open_files_limit() -> Option<u64> {
    #[cfg(target_os = "linux")]
    {
        let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
        let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
        line.split_whitespace().nth(3)?.parse().ok()
    }
    #[cfg(not(target_os = "linux"))]
    {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        let mut all = vec![("HUB__AUTH__JWT_SECRET".to_owned(), "a-test-secret-of-enough-length".to_owned())];
        all.extend(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        all
    }

    fn load(pairs: &[(&str, &str)]) -> Result<Settings, SettingsError> {
        Settings::load_from(None, env(pairs))
    }

    fn invalid_setting(result: Result<Settings, SettingsError>) -> &'static str {
        match result {
            Err(SettingsError::Invalid { setting, .. }) => setting,
            other => panic!("expected an invalid setting, got {other:?}"),
        }
    }

    #[test]
    fn environment_overrides_nested_snake_case_keys_and_lists() {
        let s = load(&[
            ("HUB__WS__PING_INTERVAL", "5s"),
            ("HUB__WS__MAX_SOCKETS_PER_USER", "7"),
            ("HUB__SERVER__ALLOWED_ORIGINS", "https://a.example,https://b.example"),
        ])
        .unwrap();
        assert_eq!(s.ws.ping_interval, Duration::from_secs(5));
        assert_eq!(s.ws.max_sockets_per_user, 7);
        assert_eq!(s.server.allowed_origins, vec!["https://a.example", "https://b.example"]);
    }

    #[test]
    fn a_client_timeout_not_longer_than_the_ping_interval_is_refused_by_name() {
        let result = load(&[("HUB__WS__PING_INTERVAL", "30s"), ("HUB__WS__CLIENT_TIMEOUT", "30s")]);
        assert_eq!(invalid_setting(result), "ws.client_timeout");
    }

    #[test]
    fn the_development_secret_is_refused_off_loopback() {
        let dev = [("HUB__AUTH__JWT_SECRET", DEV_JWT_SECRET)];
        assert!(load(&dev).is_ok());
        let exposed = [dev[0], ("HUB__SERVER__HOST", "0.0.0.0")];
        assert_eq!(invalid_setting(load(&exposed)), "auth.jwt_secret");
    }

    #[test]
    fn the_development_secret_is_refused_when_the_admin_listener_is_public() {
        let exposed = [("HUB__AUTH__JWT_SECRET", DEV_JWT_SECRET), ("HUB__SERVER__ADMIN_ADDR", "0.0.0.0:9090")];
        assert_eq!(invalid_setting(load(&exposed)), "auth.jwt_secret");
    }

    #[test]
    fn a_short_secret_is_refused_off_loopback() {
        let short = [("HUB__AUTH__JWT_SECRET", "short"), ("HUB__SERVER__HOST", "0.0.0.0")];
        assert_eq!(invalid_setting(load(&short)), "auth.jwt_secret");
        assert!(load(&[("HUB__AUTH__JWT_SECRET", "short")]).is_ok(), "fine for local development");
    }

    #[test]
    fn an_unreadable_or_unparsable_public_key_is_refused_at_load() {
        let missing = [("HUB__AUTH__JWT_ALGORITHM", "RS256"), ("HUB__AUTH__JWT_PUBLIC_KEY", "/nonexistent/key.pem")];
        assert_eq!(invalid_setting(load(&missing)), "auth.jwt_public_key");
        let garbage = [
            ("HUB__AUTH__JWT_ALGORITHM", "ES256"),
            ("HUB__AUTH__JWT_PUBLIC_KEY", "-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----"),
        ];
        assert_eq!(invalid_setting(load(&garbage)), "auth.jwt_public_key");
    }

    #[test]
    fn worker_counts_actix_cannot_run_are_refused() {
        assert_eq!(invalid_setting(load(&[("HUB__SERVER__WORKERS", "513")])), "server.workers");
        assert_eq!(invalid_setting(load(&[("HUB__SERVER__WORKERS", "0")])), "server.workers");
    }

    #[test]
    fn kafka_lists_come_from_the_environment_and_unknown_topics_are_refused() {
        let s = load(&[
            ("HUB__KAFKA__BROKERS", "k1:9092,k2:9092"),
            ("HUB__KAFKA__TOPICS", "huleedu.class.created.v1,huleedu.file.batch.file.added.v1"),
            ("HUB__KAFKA__PROPERTIES", "security.protocol=SASL_SSL,sasl.password=hunter2"),
        ])
        .unwrap();
        assert_eq!(s.kafka.topics, vec!["huleedu.class.created.v1", "huleedu.file.batch.file.added.v1"]);
        assert_eq!(s.kafka.properties[0].key, "security.protocol");
        assert!(!format!("{s:?}").contains("hunter2"), "SASL passwords never print");
        let unknown = load(&[("HUB__KAFKA__BROKERS", "k:9092"), ("HUB__KAFKA__TOPICS", "huleedu.nonsense.v1")]);
        assert_eq!(invalid_setting(unknown), "kafka.topics");
    }

    #[test]
    fn production_defaults_start_a_new_group_at_the_latest_offset() {
        let s = load(&[]).unwrap();
        assert_eq!(s.kafka.auto_offset_reset, OffsetReset::Latest);
        assert!(!s.kafka.enabled(), "Kafka is off until brokers are named");
        assert_eq!(s.kafka.topics, DEFAULT_TOPICS.to_vec());
    }

    #[test]
    fn asymmetric_algorithms_need_a_public_key() {
        assert_eq!(invalid_setting(load(&[("HUB__AUTH__JWT_ALGORITHM", "RS256")])), "auth.jwt_public_key");
    }

    #[test]
    fn a_socket_cap_beyond_the_file_limit_is_refused() {
        if open_files_limit().is_some() {
            let result = load(&[("HUB__SERVER__MAX_CONNECTIONS", "100000000")]);
            assert_eq!(invalid_setting(result), "server.max_connections");
        }
    }

    #[test]
    fn a_malformed_value_names_its_key() {
        let error = load(&[("HUB__WS__PING_INTERVAL", "often")]).unwrap_err().to_string();
        assert!(error.contains("ping_interval"), "{error}");
    }

    #[test]
    fn secrets_never_print() {
        let s = load(&[]).unwrap();
        assert!(!format!("{s:?}").contains("a-test-secret-of-enough-length"));
    }
}
