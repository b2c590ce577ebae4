//! The `hub` command line: `serve` (the default), `token`, `healthcheck`.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use clap::{Parser, Subcommand};

use crate::auth::JwtAuth;
use crate::settings::Settings;

/// The real-time notification hub.
#[derive(Debug, Parser)]
#[command(name = "hub", version, about)]
pub struct Cli {
    /// What to do; `serve` when omitted.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the hub (the default).
    Serve,
    /// Print a token signed with the configured secret, for trials.
    Token {
        /// The user id (`sub`).
        #[arg(long)]
        sub: String,
        /// A role to include; repeat for several (`service`, `admin`).
        #[arg(long = "role")]
        roles: Vec<String>,
        /// How long the token lives, e.g. `1h`, `15m`.
        #[arg(long, default_value = "1h", value_parser = humantime::parse_duration)]
        ttl: Duration,
    },
    /// Exit 0 if `/healthz` answers 200 (for container health checks; needs no curl).
    Healthcheck {
        /// The address to probe; by default the admin listener, else the public one.
        #[arg(long)]
        addr: Option<SocketAddr>,
    },
}

/// Prints a token; fails unless the hub verifies with a shared secret.
pub fn token(settings: &Settings, sub: &str, roles: &[String], ttl: Duration) -> Result<String, String> {
    let auth = JwtAuth::new(&settings.auth).map_err(|e| e.to_string())?;
    auth.mint(sub, roles, ttl.as_secs())
        .ok_or_else(|| "tokens can only be minted with a shared secret (auth.jwt_algorithm = HS256)".into())
}

/// Probes `/healthz` with a bare HTTP/1.0 request.
pub fn healthcheck(settings: &Settings, addr: Option<SocketAddr>) -> Result<(), String> {
    let addr = addr.or(settings.server.admin_addr).unwrap_or_else(|| {
        let host = if settings.server.host.is_unspecified() { [127, 0, 0, 1].into() } else { settings.server.host };
        SocketAddr::new(host, settings.server.port)
    });
    let timeout = Duration::from_secs(3);
    let mut stream = TcpStream::connect_timeout(&addr, timeout).map_err(|e| format!("{addr}: {e}"))?;
    stream.set_read_timeout(Some(timeout)).map_err(|e| e.to_string())?;
    write!(stream, "GET /healthz HTTP/1.0\r\nHost: {addr}\r\n\r\n").map_err(|e| e.to_string())?;
    let mut response = String::new();
    stream.read_to_string(&mut response).map_err(|e| e.to_string())?;
    let status_line = response.lines().next().unwrap_or_default();
    if status_line.split_whitespace().nth(1) == Some("200") {
        Ok(())
    } else {
        Err(format!("{addr}: unhealthy: {status_line}"))
    }
}
