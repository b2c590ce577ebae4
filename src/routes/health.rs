//! Probes and metrics, without auth.

use actix_web::{web, HttpResponse};
use serde_json::json;

use crate::state::AppState;

/// Liveness: the process answers HTTP.
pub(super) async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

/// Readiness: 200 while the instance accepts sockets and is not draining. The state of shared
/// dependencies goes in the body, never in the status: their outage must not take every
/// instance out of the load balancer at once.
pub(super) async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let sockets = state.stats.connections();
    let at_capacity = sockets >= state.socket_cap as i64;
    let draining = state.is_draining();
    let body = json!({
        "status": if draining { "draining" } else if at_capacity { "at_capacity" } else { "ready" },
        "draining": draining,
        "sockets": sockets,
        "socket_cap": state.socket_cap,
        "mode": state.mode(),
        "redis": state.cluster.as_ref().map_or_else(
            || json!({ "state": "disabled" }),
            |c| json!({ "state": if c.subscriber.connected() { "connected" } else { "disconnected" } }),
        ),
        "kafka": state.kafka.as_ref().map_or_else(|| json!({ "state": "disabled" }), |k| json!(k.health().state())),
    });
    if draining || at_capacity {
        HttpResponse::ServiceUnavailable().json(body)
    } else {
        HttpResponse::Ok().json(body)
    }
}

/// Prometheus text exposition.
pub(super) async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain; version=0.0.4").body(state.metrics.render())
}
