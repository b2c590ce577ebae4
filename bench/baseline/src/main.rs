//! The hub benchmark's baselines: what the hub is measured against.
//!
//! The load benchmark compares the hub with (1) "a bare actix-web + actix-ws socket with one
//! empty actor" for RSS per idle socket, and (2) "a minimal WebSocket fan-out with no actors and
//! no routing" for throughput and latency. This binary is both, chosen with `--mode`, and speaks
//! just enough of the hub's protocol for the load generator (`loadgen/`) to drive it unchanged:
//!
//! - `GET /ws?token=<JWT>` upgrades (401 for a bad token); the socket's user is the token's `sub`.
//!   A text `{"type":"ping"}` is answered `{"type":"pong"}`, a protocol Ping with a Pong, a Close
//!   with a Close.
//! - `POST /api/v1/publish` (202) and `POST /api/v1/publish/batch` (200, one result per item),
//!   with a bearer token that must verify and carry the role `service`, deliver
//!   `{"type":"notification","event":..,"data":..}` to every socket of the user, `data` verbatim.
//! - `GET /healthz` answers 200.
//!
//! Modes:
//! - `actor`: each socket also starts one empty actix actor (`ws::Idle`, no fields, a plain
//!   `Context`), alive exactly as long as the socket. It is never on the delivery path.
//! - `fanout`: no actors at all.
//!
//! In both modes the socket's `actix_ws::Session` goes into one `Mutex<HashMap>` of user ->
//! sessions (a few hundred bytes per socket), so both modes can carry publish load; the modes
//! differ only by the empty actor.
//!
//! The same as the hub, so that the figures compare:
//! - actix-web 4 `HttpServer` as `src/startup.rs` builds it: a listener bound with
//!   `std::net::TcpListener` (same backlog), workers defaulting to the number of cores, the
//!   per-worker connection limit raised out of the way (the hub sets its socket cap + 1024; the
//!   file limit is the real cap in both), default keep-alive and request timeouts, and so the same
//!   two 8 KiB HTTP/1 buffers per connection (a compile-time constant in actix-http).
//! - actix-ws 0.4 as `hub_actors::Connection::start` configures it: 64 KiB frame limit (the hub's
//!   `ws.max_frame_bytes` default), continuations aggregated up to the same limit, and actix-ws's
//!   own 32-message outbound channel per socket.
//! - The token check at the handshake and on publish: HS256 with `exp`, `sub`, `iss`, `aud`
//!   required, issuer, audience and `nbf` checked, no leeway (the hub's defaults).
//! - The allocator: jemalloc, the hub's `#[global_allocator]`. The workspace's release profile
//!   and actix-web features, and `tcp_nodelay(true)` as the hub sets it.
//!
//! Deliberately absent: the registry actor and the per-socket connection actor, heartbeats and
//! the client timeout, token-expiry timers, the per-socket outbox (the hub's writer task and
//! byte-bounded queue; here a publish awaits each session's channel, so a stalled client stalls
//! its publisher), history, replay and resume, dedupe, notification ids, epochs and timestamps
//! (frames here are smaller), body validation beyond parsing, the per-user and per-instance socket
//! caps, the handshake rate limit, the origin check, graceful draining, request tracing and
//! metrics.

mod auth;
mod publish;
mod sockets;
mod ws;

use std::net::{IpAddr, TcpListener};
use std::process::ExitCode;

use actix_web::{web, App, HttpResponse, HttpServer};
use clap::{Parser, ValueEnum};

use crate::auth::Verifier;
use crate::sockets::Sockets;

/// The hub's allocator, so that RSS per socket compares like for like.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// The largest request body: the hub's `publish.max_batch_bytes` default.
const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// Which baseline to serve.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Mode {
    /// One empty actor per socket: the RSS baseline.
    Actor,
    /// No actors: the throughput and latency baseline.
    Fanout,
}

/// A baseline server for the hub's load benchmark (loopback only).
#[derive(Debug, Parser)]
#[command(name = "baseline", version)]
struct Cli {
    /// Which baseline to serve.
    #[arg(long, value_enum)]
    mode: Mode,
    /// Address to listen on; must be loopback.
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 8081)]
    port: u16,
    /// HTTP worker threads; actix-web's default (the number of cores) when absent, as in the hub.
    #[arg(long)]
    workers: Option<usize>,
    /// HS256 secret of user and service tokens (the load generator's default).
    #[arg(long, default_value = "dev-secret-change-me")]
    secret: String,
}

/// What every handler can reach.
struct AppState {
    /// Token verification, as costly as the hub's.
    verifier: Verifier,
    /// The fan-out map.
    sockets: Sockets,
    /// Whether each socket gets an empty actor.
    mode: Mode,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if !cli.host.is_loopback() {
        eprintln!("baseline: --host {} is not a loopback address", cli.host);
        return ExitCode::from(2);
    }
    match actix_web::rt::System::new().block_on(serve(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("baseline: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(cli: Cli) -> std::io::Result<()> {
    let listener = TcpListener::bind((cli.host, cli.port))?;
    let addr = listener.local_addr()?;
    let state =
        web::Data::new(AppState { verifier: Verifier::new(&cli.secret), sockets: Sockets::default(), mode: cli.mode });
    let mut server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .app_data(web::PayloadConfig::new(MAX_BODY_BYTES))
            .route("/ws", web::get().to(ws::connect))
            .route("/healthz", web::get().to(HttpResponse::Ok))
            .service(
                web::scope("/api/v1")
                    .route("/publish", web::post().to(publish::one))
                    .route("/publish/batch", web::post().to(publish::batch)),
            )
    })
    .tcp_nodelay(true)
    // Never the limit: the process's file limit is, as in the hub.
    .max_connections(usize::MAX)
    // Nothing to drain: stop promptly on a signal.
    .shutdown_timeout(1);
    if let Some(workers) = cli.workers {
        server = server.workers(workers);
    }
    let server = server.listen(listener)?.run();
    eprintln!("baseline: {:?} mode listening on {addr}, pid {}", cli.mode, std::process::id());
    server.await
}
