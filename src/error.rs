//! The one place where errors become HTTP responses: a status and a stable JSON body
//! `{"error": <code>, "message": <text>}`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use hub_actors::{BridgeError, ErrorChain};
use serde::Serialize;

use crate::auth::AuthError;
use crate::ingest::owners::OwnersError;

/// An error the HTTP API answers with.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ApiError {
    /// The body or a parameter is invalid; the message names the field.
    #[error("{0}")]
    BadRequest(String),
    /// No valid token.
    #[error(transparent)]
    Unauthorized(#[from] AuthError),
    /// A valid token without the role the route needs.
    #[error("this route needs the `{0}` role")]
    Forbidden(&'static str),
    /// No such route.
    #[error("{0}")]
    NotFound(String),
    /// The body is larger than a configured limit.
    #[error("the body exceeds the limit of {limit} {unit}")]
    PayloadTooLarge {
        /// The limit.
        limit: usize,
        /// What it counts: `bytes` or `items`.
        unit: &'static str,
    },
    /// The browser origin is not on the allow-list.
    #[error("origin not allowed")]
    OriginNotAllowed,
    /// More handshakes than `server.max_handshakes_per_second`: retry in a second, with jitter.
    #[error("too many connection attempts; retry shortly")]
    TooManyHandshakes,
    /// The instance cannot take the request now (draining, at capacity, a dependency down).
    #[error("{0}")]
    Unavailable(String),
}

impl ApiError {
    /// The error as one item's result in a batch: `{"status", "error", "message"}`.
    pub(crate) fn item_json(&self) -> serde_json::Value {
        serde_json::json!({
            "status": self.status_code().as_u16(),
            "error": self.code(),
            "message": self.to_string(),
        })
    }

    fn code(&self) -> &'static str {
        match self {
            ApiError::BadRequest(_) => "invalid_request",
            ApiError::Unauthorized(_) => "unauthorized",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::NotFound(_) => "not_found",
            ApiError::PayloadTooLarge { .. } => "payload_too_large",
            ApiError::OriginNotAllowed => "origin_not_allowed",
            ApiError::Unavailable(_) | ApiError::TooManyHandshakes => "unavailable",
        }
    }
}

#[derive(Serialize)]
struct Body<'a> {
    error: &'a str,
    message: String,
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) | ApiError::OriginNotAllowed => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Unavailable(_) | ApiError::TooManyHandshakes => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        match self {
            ApiError::Unauthorized(_) => {
                response.insert_header(("WWW-Authenticate", "Bearer"));
            }
            ApiError::Unavailable(_) => {
                response.insert_header(("Retry-After", "5"));
            }
            ApiError::TooManyHandshakes => {
                response.insert_header(("Retry-After", "1"));
            }
            _ => {}
        }
        response.json(Body { error: self.code(), message: self.to_string() })
    }
}

/// The bridge could not take a notification: the caller retries later.
impl From<BridgeError> for ApiError {
    fn from(error: BridgeError) -> ApiError {
        ApiError::Unavailable(ErrorChain(&error).to_string())
    }
}

/// The ownership index could not answer: the caller retries later.
impl From<OwnersError> for ApiError {
    fn from(error: OwnersError) -> ApiError {
        ApiError::Unavailable(ErrorChain(&error).to_string())
    }
}
