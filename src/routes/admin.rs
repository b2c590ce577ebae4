//! Operator routes: instance status and disconnecting a user.

use actix_web::{web, HttpResponse};
use hub_actors::registry::{CountUsers, DisconnectUser};
use hub_actors::CloseReason;
use serde_json::json;

use super::authorized::{Admin, Authorized};
use crate::error::ApiError;
use crate::state::AppState;

/// `GET /status` (role `admin`): what this instance is and holds.
pub(super) async fn status(_: Authorized<Admin>, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let users = state.registry.send(CountUsers).await.unwrap_or(0);
    let stats = state.stats.snapshot();
    let cluster = match &state.cluster {
        None => json!(null),
        Some(cluster) => cluster.view().await.unwrap_or_else(|error| json!({ "error": error.to_string() })),
    };
    let kafka = state.kafka.as_ref().map_or_else(
        || json!({ "state": "disabled" }),
        |kafka| {
            let topics: serde_json::Map<String, serde_json::Value> =
                kafka.topics().map(|(topic, counts)| (topic.to_owned(), json!(counts))).collect();
            json!({ "health": kafka.health().state(), "lag": kafka.health().lag(), "topic_consumers": topics })
        },
    );
    Ok(HttpResponse::Ok().json(json!({
        "instance_id": state.instance_id,
        "version": env!("CARGO_PKG_VERSION"),
        "uptime_seconds": state.started_at.elapsed().as_secs(),
        "mode": state.mode(),
        "cluster": cluster,
        "draining": state.is_draining(),
        "actors": {
            "connection": stats.connections,
            "user_session": stats.sessions,
            "registry": stats.registries,
            "topic_consumer": state.kafka.as_ref().map_or(0, |k| k.topics().count()),
        },
        "kafka": kafka,
        "sockets": stats.connections,
        "socket_cap": state.socket_cap,
        "unique_users": users,
        "notifications": {
            "published": stats.published,
            "delivered": stats.delivered,
            "dropped": {
                "duplicate": stats.duplicates,
                "user_offline": stats.dropped_offline,
                "slow_client": stats.dropped_slow_client,
            },
        },
    })))
}

/// `POST /api/v1/users/{user_id}/disconnect` (role `admin`): closes the user's sockets here
/// with 4003.
pub(super) async fn disconnect(
    operator: Authorized<Admin>,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let user_id = path.into_inner();
    if let Some(cluster) = &state.cluster {
        // Every instance, this one included, hears it on the control channel.
        let instances =
            cluster.disconnect_everywhere(&user_id).await.map_err(|e| ApiError::Unavailable(e.to_string()))?;
        tracing::info!(%user_id, operator = %operator.principal.user_id, instances, "operator disconnect sent to every instance");
        return Ok(HttpResponse::Ok().json(json!({ "user_id": user_id, "instances_notified": instances })));
    }
    let closed = state
        .registry
        .send(DisconnectUser { user_id: user_id.as_str().into(), reason: CloseReason::DisconnectedByOperator })
        .await
        .map_err(|_| ApiError::Unavailable("the registry is not running".into()))?;
    tracing::info!(%user_id, operator = %operator.principal.user_id, closed, "operator disconnected user");
    Ok(HttpResponse::Ok().json(json!({ "user_id": user_id, "sockets_closed": closed })))
}
