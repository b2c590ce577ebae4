//! `POST /api/v1/publish` and `/api/v1/publish/batch`: parse, build the frame once, write it to
//! every socket of the user. No ids, history, dedupe or validation beyond parsing.

use std::borrow::Cow;

use actix_web::error::{ErrorBadRequest, ErrorForbidden, ErrorUnauthorized};
use actix_web::http::header::{self, ContentType};
use actix_web::{web, HttpRequest, HttpResponse};
use bytestring::ByteString;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::AppState;

/// A publish body; other fields the hub knows (category, priority, ...) are ignored.
#[derive(Deserialize)]
struct Notification<'a> {
    #[serde(borrow)]
    user_id: Cow<'a, str>,
    #[serde(borrow)]
    event: Cow<'a, str>,
    /// Kept as written, key order and all: the load generator reads `seq` and `sent_ns` from it.
    #[serde(borrow)]
    data: &'a RawValue,
}

/// What a socket receives.
#[derive(Serialize)]
struct Frame<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    event: &'a str,
    data: &'a RawValue,
}

/// One item's fate in a batch answer.
#[derive(Serialize)]
struct ItemResult {
    status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

#[derive(Serialize)]
struct BatchAnswer {
    results: Vec<ItemResult>,
}

/// 202 once the frame is in every socket's outbound channel.
pub async fn one(req: HttpRequest, body: web::Bytes, state: web::Data<AppState>) -> actix_web::Result<HttpResponse> {
    authorize(&req, &state)?;
    let notification: Notification = serde_json::from_slice(&body).map_err(ErrorBadRequest)?;
    deliver(&state, &notification).await;
    Ok(HttpResponse::Accepted().content_type(ContentType::json()).body(r#"{"status":"accepted"}"#))
}

/// Each item on its own, in order: a bad item fails alone.
pub async fn batch(req: HttpRequest, body: web::Bytes, state: web::Data<AppState>) -> actix_web::Result<HttpResponse> {
    authorize(&req, &state)?;
    let items: Vec<&RawValue> = serde_json::from_slice(&body).map_err(ErrorBadRequest)?;
    let mut results = Vec::with_capacity(items.len());
    for item in items {
        results.push(match serde_json::from_str::<Notification>(item.get()) {
            Ok(notification) => {
                deliver(&state, &notification).await;
                ItemResult { status: 202, error: None }
            }
            Err(error) => ItemResult { status: 400, error: Some(error.to_string()) },
        });
    }
    Ok(HttpResponse::Ok().json(BatchAnswer { results }))
}

/// The bearer token must verify as the hub's would and carry the role `service`.
fn authorize(req: &HttpRequest, state: &AppState) -> actix_web::Result<()> {
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .ok_or_else(|| ErrorUnauthorized("no bearer token"))?;
    let claims = state.verifier.verify(token).map_err(|_| ErrorUnauthorized("invalid token"))?;
    if claims.roles.iter().any(|role| role == "service") {
        Ok(())
    } else {
        Err(ErrorForbidden("the role `service` is required"))
    }
}

async fn deliver(state: &AppState, notification: &Notification<'_>) {
    let frame = Frame { kind: "notification", event: &notification.event, data: notification.data };
    let frame = serde_json::to_string(&frame).expect("strings and raw JSON always serialise");
    state.sockets.deliver(&notification.user_id, ByteString::from(frame)).await;
}
