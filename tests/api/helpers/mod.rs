//! `spawn_app()` starts the real hub on a random port in its own actix system; `TestApp` and
//! `Client` give tests typed helpers over real HTTP and real WebSockets.

mod app;
mod client;
mod process;
mod tokens;

use std::time::{Duration, Instant};

pub use app::{spawn_app, spawn_app_with, TestApp};
pub use client::{Client, Ending, Refused};
pub use process::HubProcess;
pub use tokens::{now, token_with, AUDIENCE, ISSUER, SECRET};

/// How long a test waits for something that should happen promptly.
pub const PROMPTLY: Duration = Duration::from_secs(5);

/// Polls `check` every 20 ms for up to `within`.
pub async fn eventually(what: &str, within: Duration, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + within;
    while !check() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
