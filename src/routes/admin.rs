//! Operator routes: instance status and disconnecting a user.

use actix_web::{web, HttpRequest, HttpResponse};
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
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let user_id = path_user_id(&req)?;
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

/// The `{user_id}` of `…/users/{user_id}/disconnect`, percent-decoded from the path as sent. A
/// user id is a JWT `sub`, always UTF-8; actix decodes the path lossily, so `%FF` would name the
/// user "\u{FFFD}" and close that user's sockets: a segment that is not UTF-8 is refused instead.
fn path_user_id(req: &HttpRequest) -> Result<String, ApiError> {
    // The segment before the last; it holds no raw `/`, so the split finds it whatever the prefix.
    let segment = req.uri().path().rsplit('/').nth(1).unwrap_or_default();
    percent_decode(segment)
        .ok_or_else(|| ApiError::BadRequest("invalid path parameter `user_id`: not UTF-8 once percent-decoded".into()))
}

/// `%XX` escapes decoded to bytes, the rest kept (a `%` not followed by two hex digits is kept
/// as it is, as actix does); `None` when the bytes are not UTF-8.
fn percent_decode(segment: &str) -> Option<String> {
    let bytes = segment.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escape = bytes.get(i + 1..i + 3).filter(|hex| bytes[i] == b'%' && hex.iter().all(u8::is_ascii_hexdigit));
        match escape.and_then(|hex| u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()) {
            Some(byte) => {
                decoded.push(byte);
                i += 3;
            }
            None => {
                decoded.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8(decoded).ok()
}

#[cfg(test)]
mod tests {
    use super::percent_decode;

    #[test]
    fn escapes_decode_to_utf8_and_anything_else_stays_as_sent() {
        assert_eq!(percent_decode("a%2Fb%20c").as_deref(), Some("a/b c"));
        assert_eq!(percent_decode("%C3%A9l%C3%A8ve").as_deref(), Some("élève"));
        assert_eq!(percent_decode("100%").as_deref(), Some("100%"));
        assert_eq!(percent_decode("%zz%4").as_deref(), Some("%zz%4"));
        assert_eq!(percent_decode("%+1").as_deref(), Some("%+1"));
        assert_eq!(percent_decode("\u{e9}").as_deref(), Some("\u{e9}"));
    }

    #[test]
    fn a_segment_that_decodes_to_other_than_utf8_is_refused() {
        assert_eq!(percent_decode("%FF"), None);
        assert_eq!(percent_decode("a%C3"), None);
    }
}
