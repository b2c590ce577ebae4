//! All configuration, in one place: built-in defaults < `Settings.toml` (or the file named by
//! `HUB_CONFIG`) < `HUB__<SECTION>__<KEY>` environment variables. Typed and validated at load:
//! an invalid setting stops start-up with a message naming it.
//!
//! Each section is a file of its own, its fields, defaults and checks together; this module
//! loads them and runs the checks in turn.

mod auth;
mod history;
mod kafka;
mod log;
mod ownership;
mod publish;
mod redis;
mod server;
mod shutdown;
mod ws;

use std::path::PathBuf;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize, Serializer};

pub use auth::{AuthSettings, JwtAlgorithm, DEV_JWT_SECRET};
pub use history::HistorySettings;
pub use kafka::{KafkaProperty, KafkaSettings, OffsetReset, DEFAULT_TOPICS};
pub use log::{LogFormat, LogSettings};
pub use ownership::OwnershipSettings;
pub use publish::PublishSettings;
pub use redis::RedisSettings;
pub use server::ServerSettings;
pub use shutdown::ShutdownSettings;
pub use ws::WsSettings;

/// The whole configuration. It serialises (secrets redacted) so that the README's settings
/// table can be checked against the keys and defaults the code really has.
#[derive(Debug, Clone, Deserialize, Serialize, Default)]
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

    /// Each section checks its own fields; the few checks that span sections get what they
    /// need passed in.
    fn validate(&self) -> Result<(), SettingsError> {
        self.auth.validate(self.server.loopback_only())?;
        self.ws.validate()?;
        self.server.validate()?;
        self.history.validate()?;
        self.publish.validate()?;
        self.shutdown.validate()?;
        self.kafka.validate()?;
        self.ownership.validate(&self.kafka)?;
        self.redis.validate()
    }

    /// The socket cap in force: the configured one, or the file limit less the reserve.
    pub fn socket_cap(&self) -> usize {
        self.server.socket_cap()
    }
}

/// The refusal of `setting`, for the sections' checks.
fn invalid(setting: &'static str, problem: impl Into<String>) -> Result<(), SettingsError> {
    Err(SettingsError::Invalid { setting, problem: problem.into() })
}

/// Refuses the first of `limits` that is zero: every count and capacity needs at least 1.
fn at_least_one(limits: &[(&'static str, usize)]) -> Result<(), SettingsError> {
    match limits.iter().find(|(_, value)| *value == 0) {
        Some((setting, _)) => invalid(setting, "must be at least 1"),
        None => Ok(()),
    }
}

/// Serialises a secret as whether it is set, `""` or `"[redacted]"`, never as its value.
fn redacted<S: Serializer>(secret: &SecretString, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(if secret.expose_secret().is_empty() { "" } else { "[redacted]" })
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::server::open_files_limit;
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
    fn a_key_prefix_with_a_brace_is_refused_since_it_would_tag_every_key() {
        let redis = ("HUB__REDIS__URL", "redis://127.0.0.1:6379");
        assert!(load(&[redis, ("HUB__REDIS__KEY_PREFIX", "hub:staging")]).is_ok());
        let result = load(&[redis, ("HUB__REDIS__KEY_PREFIX", "hub{staging}")]);
        assert_eq!(invalid_setting(result), "redis.key_prefix");
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
    fn a_held_byte_bound_the_largest_event_would_not_fit_in_is_refused() {
        let kafka = ("HUB__KAFKA__BROKERS", "k:9092");
        let zero = load(&[("HUB__OWNERSHIP__MAX_HELD_BYTES", "0")]);
        assert_eq!(invalid_setting(zero), "ownership.max_held_bytes");
        let small =
            load(&[kafka, ("HUB__OWNERSHIP__MAX_HELD_BYTES", "1000"), ("HUB__KAFKA__MAX_MESSAGE_BYTES", "1001")]);
        assert_eq!(invalid_setting(small), "ownership.max_held_bytes");
        let fits =
            load(&[kafka, ("HUB__OWNERSHIP__MAX_HELD_BYTES", "1000"), ("HUB__KAFKA__MAX_MESSAGE_BYTES", "1000")]);
        assert_eq!(fits.unwrap().ownership.max_held_bytes, 1000);
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
