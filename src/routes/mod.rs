//! HTTP routes. The public listener serves `/ws` and `/api`; the admin routes (`/healthz`,
//! `/readyz`, `/metrics`, `/status`) join it unless `server.admin_addr` gives them their own.

mod admin;
mod health;
mod owners;
mod publish;
mod ws;

use actix_web::{web, HttpRequest};
use futures::StreamExt;

use crate::auth::{AuthError, Principal};
use crate::error::ApiError;
use crate::state::AppState;

/// Routes of the public listener.
pub fn public(cfg: &mut web::ServiceConfig) {
    cfg.route("/ws", web::get().to(ws::connect)).route("/ws/", web::get().to(ws::connect)).service(
        web::scope("/api/v1")
            .route("/publish", web::post().to(publish::publish))
            .route("/publish/batch", web::post().to(publish::publish_batch))
            .route("/owners", web::post().to(owners::learn))
            .route("/users/{user_id}/disconnect", web::post().to(admin::disconnect)),
    );
}

/// Routes for operators and probes.
pub fn admin(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(health::readyz))
        .route("/metrics", web::get().to(health::metrics))
        .route("/status", web::get().to(admin::status));
}

/// Any path or method no route serves: a JSON 404 like every other error.
pub async fn not_found(req: HttpRequest) -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::NotFound(format!("no route for {} {}", req.method(), req.path())))
}

/// The bearer token of a request, if it has one.
fn bearer(req: &HttpRequest) -> Option<&str> {
    let header = req.headers().get(actix_web::http::header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = header.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// The caller's principal, if its bearer token is valid and carries `role`.
fn require_role(req: &HttpRequest, state: &AppState, role: &'static str) -> Result<Principal, ApiError> {
    let token = bearer(req).ok_or(AuthError::Missing);
    let principal = token.and_then(|t| state.auth.verify(t)).inspect_err(|e| {
        metrics::counter!("hub_auth_failures_total", "reason" => e.reason()).increment(1);
    })?;
    if !principal.has_role(role) {
        return Err(ApiError::Forbidden(role));
    }
    Ok(principal)
}

/// The request body, refused with a JSON 413 past `limit` bytes.
async fn read_limited(mut payload: web::Payload, limit: usize) -> Result<web::BytesMut, ApiError> {
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::BadRequest(format!("cannot read the body: {e}")))?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::PayloadTooLarge { limit, unit: "bytes" });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}
