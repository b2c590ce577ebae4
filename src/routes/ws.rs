//! `GET /ws`: admission, origin and token checks before the upgrade, then one connection actor
//! per socket. A refused handshake never creates an actor.

use actix_web::{web, HttpRequest, HttpResponse};
use hub_actors::TokenStage;
use hub_actors::{Connection, Identity, NotificationId, ResumePoint};
use serde::Deserialize;

use super::authorized::bearer;
use crate::error::ApiError;
use crate::state::AppState;

/// Query parameters of the handshake.
#[derive(Debug, Deserialize)]
struct ConnectParams {
    /// The JWT, for browsers (which cannot set headers on a WebSocket).
    token: Option<String>,
    /// The last notification id the client processed.
    since: Option<String>,
    /// The epoch `since` belongs to.
    epoch: Option<String>,
}

pub(super) async fn connect(
    req: HttpRequest,
    body: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    if state.is_draining() {
        return Err(ApiError::Unavailable("the instance is shutting down".into()));
    }
    check_origin(&req, &state.settings.server.allowed_origins)?;
    if !state.handshakes.admit() {
        metrics::counter!("hub_ws_refused_total", "why" => "rate_limited").increment(1);
        return Err(ApiError::TooManyHandshakes);
    }
    if state.stats.connections() >= state.socket_cap as i64 {
        metrics::counter!("hub_ws_refused_total", "why" => "at_capacity").increment(1);
        return Err(ApiError::Unavailable("the instance is at its socket capacity".into()));
    }
    let params = web::Query::<ConnectParams>::from_query(req.query_string())
        .map_err(|e| ApiError::BadRequest(format!("invalid query: {e}")))?
        .into_inner();
    let token = params.token.as_deref().filter(|t| !t.is_empty()).or_else(|| bearer(&req));
    let principal = state
        .auth
        .authenticate(token, TokenStage::Handshake)
        .inspect_err(|e| tracing::info!(reason = e.reason(), "websocket handshake refused"))?;
    let resume = resume_point(params.since, params.epoch)?;
    let identity = Identity { user_id: principal.user_id.into(), expires_at: principal.expires_at };
    Connection::start(&req, body, identity, resume, state.connection_deps.clone())
        .await
        .map_err(|e| ApiError::BadRequest(format!("not a WebSocket handshake: {e}")))
}

/// Browsers send `Origin`; a page from another site must not open a socket with a token it
/// obtained. Non-browser clients send none and are allowed.
fn check_origin(req: &HttpRequest, allowed: &[String]) -> Result<(), ApiError> {
    if super::origin::allowed(req, allowed) {
        Ok(())
    } else {
        metrics::counter!("hub_ws_refused_total", "why" => "origin").increment(1);
        Err(ApiError::OriginNotAllowed)
    }
}

fn resume_point(since: Option<String>, epoch: Option<String>) -> Result<Option<ResumePoint>, ApiError> {
    match (since, epoch) {
        (None, None) => Ok(None),
        (Some(since), Some(epoch)) => {
            let since: NotificationId =
                since.parse().map_err(|e| ApiError::BadRequest(format!("invalid query parameter `since`: {e}")))?;
            Ok(Some(ResumePoint { since, epoch: Some(epoch) }))
        }
        (Some(_), None) => Err(ApiError::BadRequest("`since` needs `epoch`".into())),
        (None, Some(_)) => Err(ApiError::BadRequest("`epoch` needs `since`".into())),
    }
}
