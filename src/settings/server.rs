//! `[server]`: the listeners and admission control.

use std::net::{IpAddr, SocketAddr};

use serde::{Deserialize, Serialize};

use super::{at_least_one, invalid, SettingsError};

/// actix-server refuses more worker threads than this.
const MAX_WORKERS: usize = 512;

/// File descriptors kept free for the hub's own work (listeners, logs, Kafka, Redis) below the
/// process limit when checking `server.max_connections`.
const RESERVED_FDS: u64 = 256;

/// Listeners and admission control.
#[derive(Debug, Clone, Deserialize, Serialize)]
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

impl ServerSettings {
    /// Refuses limits of zero, worker counts actix cannot run, and a socket cap the process's
    /// file limit cannot hold.
    pub(super) fn validate(&self) -> Result<(), SettingsError> {
        at_least_one(&[
            ("server.max_connections", self.max_connections.unwrap_or(1)),
            ("server.max_handshakes_per_second", self.max_handshakes_per_second as usize),
        ])?;
        if self.workers.is_some_and(|w| !(1..=MAX_WORKERS).contains(&w)) {
            return invalid("server.workers", format!("must be between 1 and {MAX_WORKERS}"));
        }
        if let (Some(wanted), Some(limit)) = (self.max_connections, open_files_limit()) {
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

    /// Whether no listener is reachable from another machine (the development secret is only
    /// allowed then).
    pub(super) fn loopback_only(&self) -> bool {
        self.host.is_loopback() && self.admin_addr.is_none_or(|a| a.ip().is_loopback())
    }

    /// The socket cap in force: the configured one, or the file limit less the reserve.
    pub(super) fn socket_cap(&self) -> usize {
        self.max_connections.unwrap_or_else(|| {
            let limit = open_files_limit().unwrap_or(1024);
            limit.saturating_sub(RESERVED_FDS).max(1) as usize
        })
    }
}

/// The soft limit on open files of this process, when the platform says.
pub(super) fn open_files_limit() -> Option<u64> {
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
