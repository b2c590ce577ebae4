//! HTTP routes. The public listener serves `/ws` and `/api`; the admin routes (`/healthz`,
//! `/readyz`, `/metrics`, `/status`) join it unless `server.admin_addr` gives them their own.

mod admin;
mod assets;
mod authorized;
mod health;
mod origin;
mod owners;
mod publish;
mod ws;

use actix_web::{web, HttpRequest};
use futures::StreamExt;

use crate::error::ApiError;

/// Routes of the public listener.
pub(crate) fn public(cfg: &mut web::ServiceConfig) {
    cfg.route("/ws", web::get().to(ws::connect)).route("/ws/", web::get().to(ws::connect)).service(
        web::scope("/api/v1")
            .route("/publish", web::post().to(publish::publish))
            .route("/publish/batch", web::post().to(publish::publish_batch))
            .route("/owners", web::post().to(owners::learn))
            .route("/users/{user_id}/disconnect", web::post().to(admin::disconnect)),
    );
    assets::public(cfg);
}

/// Routes for operators and probes.
pub(crate) fn admin(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(health::readyz))
        .route("/metrics", web::get().to(health::metrics))
        .route("/status", web::get().to(admin::status));
    assets::admin(cfg);
}

/// Any path or method no route serves: a JSON 404 like every other error.
pub(crate) async fn not_found(req: HttpRequest) -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::NotFound(format!("no route for {} {}", req.method(), req.path())))
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
