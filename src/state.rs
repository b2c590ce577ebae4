//! What every request handler can reach: the application's shared state, built once by
//! `startup` and handed to the routes as `web::Data<AppState>`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use actix::Addr;
use hub_actors::connection::ConnectionDeps;
use hub_actors::{Bridge, EngineStats, Registry};

use crate::admission::HandshakeRate;
use crate::auth::JwtAuth;
use crate::cluster::ClusterHandle;
use crate::ingest::owners::OwnerIndex;
use crate::kafka::Kafka;
use crate::metrics::Metrics;
use crate::settings::Settings;

/// What every request handler can reach.
pub(crate) struct AppState {
    /// The loaded settings.
    pub(crate) settings: Settings,
    /// Token verification.
    pub(crate) auth: Arc<JwtAuth>,
    /// The door into the engine.
    pub(crate) bridge: Arc<dyn Bridge>,
    /// The router, for operator disconnects and counts.
    pub(crate) registry: Addr<Registry>,
    /// Who owns which batch or class.
    pub(crate) owners: Arc<dyn OwnerIndex>,
    /// Kafka ingestion, when brokers are configured.
    pub(crate) kafka: Option<Kafka>,
    /// The Redis side, in the clustered mode.
    pub(crate) cluster: Option<ClusterHandle>,
    /// What a new connection actor needs.
    pub(crate) connection_deps: ConnectionDeps,
    /// Live counts.
    pub(crate) stats: Arc<EngineStats>,
    /// The socket cap in force.
    pub(crate) socket_cap: usize,
    /// The handshake rate limit.
    pub(crate) handshakes: HandshakeRate,
    /// Set once shutdown begins: `/readyz` turns 503 and new sockets are refused.
    pub(crate) draining: AtomicBool,
    /// This instance's name.
    pub(crate) instance_id: String,
    /// When the instance started.
    pub(crate) started_at: Instant,
    /// Prometheus rendering.
    pub(crate) metrics: Metrics,
}

impl AppState {
    /// `clustered` with Redis, else `embedded`.
    pub(crate) fn mode(&self) -> &'static str {
        if self.cluster.is_some() {
            "clustered"
        } else {
            "embedded"
        }
    }

    /// Whether shutdown has begun.
    pub(crate) fn is_draining(&self) -> bool {
        self.draining.load(Ordering::Relaxed)
    }
}
