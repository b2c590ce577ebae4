//! Builds the application from settings: the engine's actors, the HTTP listeners and the
//! shutdown sequence. `main` and the tests both go through [`Application::build`].

use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use actix::{Actor, Addr, AsyncContext};
use actix_web::dev::Server;
use actix_web::{web, App, HttpServer};
use hub_actors::connection::ConnectionDeps;
use hub_actors::registry::Drain;
use hub_actors::{Bridge, ConnectionSettings, EngineStats, LocalBridge, LocalPresence, MemoryHistory, Registry};
use tokio::sync::Notify;

use crate::admission::HandshakeRate;
use crate::auth::{JwtAuth, KeyError};
use crate::cluster::{Cluster, ClusterHandle};
use crate::ingest::owners::{MemoryOwners, OwnerIndex};
use crate::kafka::Kafka;
use crate::metrics::Metrics;
use crate::routes;
use crate::settings::Settings;
use crate::state::AppState;
use crate::telemetry::RequestSpans;

/// Why the application could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The auth key in the settings is unusable.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// The Kafka clients could not be created (a malformed property, say).
    #[error("cannot start the Kafka consumer")]
    Kafka(#[from] rdkafka::error::KafkaError),
    /// Redis could not be reached at start (clustered mode).
    #[error("cannot connect to Redis")]
    Redis(#[from] redis::RedisError),
    /// A listener could not bind.
    #[error("cannot listen on {addr}")]
    Bind {
        /// The address.
        addr: String,
        /// The cause.
        source: std::io::Error,
    },
}

/// The engine as the mode builds it.
struct Engine {
    registry: Addr<Registry>,
    bridge: Arc<dyn Bridge>,
    owners: Arc<dyn OwnerIndex>,
    cluster: Option<ClusterHandle>,
}

impl Engine {
    /// One process: in-process bridge, memory history, memory ownership index.
    fn embedded(settings: &Settings, stats: &Arc<EngineStats>) -> Engine {
        let history = Arc::new(MemoryHistory::new(hub_actors::HistorySettings {
            max_len: settings.history.max_len,
            max_age: settings.history.max_age,
            max_users: settings.history.max_users,
            max_bytes: settings.history.max_bytes,
        }));
        let registry =
            Registry::new(history.clone(), Arc::new(LocalPresence), stats.clone(), settings.ws.max_sockets_per_user)
                .start();
        let bridge =
            Arc::new(LocalBridge::new(history, registry.clone(), stats.clone(), settings.history.dedupe_capacity));
        Engine { registry, bridge, owners: Arc::new(MemoryOwners::new(settings.ownership.capacity)), cluster: None }
    }

    /// Redis between instances: hand-off script, history streams, one subscriber per instance.
    async fn clustered(settings: &Settings, stats: &Arc<EngineStats>, instance_id: &str) -> Result<Engine, StartError> {
        let mut cluster = Cluster::connect(settings, stats.clone()).await?;
        let store = cluster.store.clone();
        let mut subscriber = None;
        let registry = Registry::create(|ctx| {
            let started = Arc::new(cluster.start(ctx.address(), stats.clone(), instance_id, settings));
            subscriber = Some(started.clone());
            Registry::new(Arc::new(store.clone()), started, stats.clone(), settings.ws.max_sockets_per_user)
        });
        let handle = cluster.handle(subscriber.expect("created with the registry"));
        tracing::info!(instance_id, "clustered mode: Redis bridge, history and subscriber connected");
        Ok(Engine { registry, bridge: Arc::new(store), owners: cluster.owners.clone(), cluster: Some(handle) })
    }
}

/// Asks a running application to shut down gracefully.
#[derive(Clone, Default)]
pub struct ShutdownTrigger(Arc<Notify>);

impl ShutdownTrigger {
    /// Begins the graceful shutdown (idempotent).
    pub fn trigger(&self) {
        self.0.notify_one();
    }
}

/// A built, bound, not yet running hub.
pub struct Application {
    port: u16,
    admin_port: Option<u16>,
    servers: Vec<Server>,
    state: web::Data<AppState>,
    shutdown: ShutdownTrigger,
}

impl Application {
    /// Starts the engine's actors (connecting to Redis first in the clustered mode) and binds
    /// the listeners. Must run inside an actix system.
    pub async fn build(settings: Settings) -> Result<Application, StartError> {
        let metrics = Metrics::install();
        let auth = Arc::new(JwtAuth::new(&settings.auth)?);
        let stats = Arc::new(EngineStats::default());
        let instance_id = settings
            .server
            .instance_id
            .clone()
            .unwrap_or_else(|| format!("hub-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]));
        let engine = if settings.redis.enabled() {
            Engine::clustered(&settings, &stats, &instance_id).await?
        } else {
            Engine::embedded(&settings, &stats)
        };
        let Engine { registry, bridge, owners, cluster } = engine;
        let kafka =
            settings.kafka.enabled().then(|| Kafka::start(&settings, bridge.clone(), owners.clone())).transpose()?;
        let connection_deps = ConnectionDeps {
            registry: registry.clone(),
            verifier: auth.clone(),
            settings: Arc::new(ConnectionSettings {
                ping_interval: settings.ws.ping_interval,
                client_timeout: settings.ws.client_timeout,
                max_frame_bytes: settings.ws.max_frame_bytes,
                outbound_queue_bytes: settings.ws.outbound_queue_bytes,
                max_invalid_frames: settings.ws.max_invalid_frames,
                renew_notice: settings.auth.renew_notice,
                close_timeout: settings.ws.close_timeout,
            }),
            stats: stats.clone(),
        };
        let public = bind(&format!("{}:{}", settings.server.host, settings.server.port))?;
        let port = public.local_addr().map_err(|source| StartError::Bind { addr: "public".into(), source })?.port();
        let admin = settings.server.admin_addr.map(|addr| bind(&addr.to_string())).transpose()?;
        let admin_port = admin.as_ref().and_then(|l| l.local_addr().ok()).map(|a| a.port());

        let state = web::Data::new(AppState {
            socket_cap: settings.socket_cap(),
            handshakes: HandshakeRate::new(settings.server.max_handshakes_per_second),
            settings,
            auth,
            bridge,
            registry,
            owners,
            kafka,
            cluster,
            connection_deps,
            stats,
            draining: AtomicBool::new(false),
            instance_id,
            started_at: Instant::now(),
            metrics,
        });
        let with_admin_routes = admin.is_none();
        let mut servers = vec![serve(public, state.clone(), move |cfg| {
            routes::public(cfg);
            if with_admin_routes {
                routes::admin(cfg);
            }
        })?];
        if let Some(admin) = admin {
            servers.push(serve(admin, state.clone(), routes::admin)?);
        }
        tracing::info!(
            port,
            admin_port,
            instance_id = %state.instance_id,
            socket_cap = state.socket_cap,
            "hub listening on {}:{port}",
            state.settings.server.host
        );
        Ok(Application { port, admin_port, servers, state, shutdown: ShutdownTrigger::default() })
    }

    /// The public listener's port (useful with port 0).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The admin listener's port, when one is configured.
    pub fn admin_port(&self) -> Option<u16> {
        self.admin_port
    }

    /// A handle that starts the graceful shutdown.
    pub fn shutdown_trigger(&self) -> ShutdownTrigger {
        self.shutdown.clone()
    }

    /// Serves until the listeners stop or a graceful shutdown completes.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let handles: Vec<_> = self.servers.iter().map(Server::handle).collect();
        let servers = futures::future::try_join_all(self.servers);
        tokio::pin!(servers);
        tokio::select! {
            result = &mut servers => return result.map(drop),
            () = self.shutdown.0.notified() => {}
        }
        let grace = self.state.settings.shutdown.grace_period;
        let deadline = Instant::now() + grace;
        if let Some(kafka) = &self.state.kafka {
            // Stop taking events first; what was stored is committed, the rest is redelivered.
            let _ = tokio::time::timeout(grace / 2, kafka.stop()).await;
        }
        drain(&self.state, deadline).await;
        tracing::info!(sockets_left = self.state.stats.connections(), "sockets closed; stopping listeners");
        // The server futures must be polled for the stop commands to be processed.
        let stop = futures::future::join_all(handles.iter().map(|handle| handle.stop(true)));
        let remaining = deadline.saturating_duration_since(Instant::now());
        let _ = tokio::time::timeout(remaining, futures::future::join(stop, servers)).await;
        tracing::info!("hub stopped");
        Ok(())
    }
}

/// Marks the instance as draining, then has the engine close every socket with 1001 in paced
/// batches and wait (until `deadline`) for the connection actors to stop.
async fn drain(state: &AppState, deadline: Instant) {
    state.draining.store(true, Ordering::Relaxed);
    let settings = &state.settings.shutdown;
    tracing::info!(sockets = state.stats.connections(), "draining: closing sockets with 1001 in batches");
    let drain =
        Drain { batch_size: settings.close_batch_size, batch_interval: settings.close_batch_interval, deadline };
    let closed = state.registry.send(drain).await.unwrap_or(0);
    tracing::debug!(closed, "draining: sockets told to close");
}

fn bind(addr: &str) -> Result<TcpListener, StartError> {
    TcpListener::bind(addr).map_err(|source| StartError::Bind { addr: addr.to_owned(), source })
}

fn serve(
    listener: TcpListener,
    state: web::Data<AppState>,
    routes: impl Fn(&mut web::ServiceConfig) + Clone + Send + 'static,
) -> Result<Server, StartError> {
    let workers = state.settings.server.workers;
    let grace = state.settings.shutdown.grace_period;
    // actix-web's own per-worker limit (25,600 by default) must never stall accepts below our
    // socket cap; the cap itself is enforced per handshake, with room left for HTTP requests.
    let per_worker = state.socket_cap.saturating_add(1024);
    let addr = listener.local_addr().map(|a| a.to_string()).unwrap_or_default();
    let mut server = HttpServer::new(move || {
        App::new()
            .wrap(tracing_actix_web::TracingLogger::<RequestSpans>::new())
            .app_data(state.clone())
            .configure(routes.clone())
            .default_service(web::to(routes::not_found))
    })
    .max_connections(per_worker)
    // Each connection's socket, so that a WebSocket client that stopped reading can be dropped.
    .on_connect(hub_actors::connection::Socket::remember)
    // A notification is a small write that must leave now: without this, Nagle's algorithm
    // holds it while an earlier segment waits for the client's delayed ACK (tens of ms).
    .tcp_nodelay(true)
    // We drive shutdown ourselves: actix-web's handler would drop sockets without close frames.
    .disable_signals()
    .shutdown_timeout(grace.as_secs().max(1));
    if let Some(workers) = workers {
        server = server.workers(workers);
    }
    Ok(server.listen(listener).map_err(|source| StartError::Bind { addr, source })?.run())
}
