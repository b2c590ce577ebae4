//! `POST /api/v1/publish` and `POST /api/v1/publish/batch` (role `service`): notifications for
//! services that do not use Kafka, and the embedded mode's only input.

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use hub_actors::without_position;
use hub_actors::{Accepted, Draft};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::authorized::{Authorized, Service};
use super::read_limited;
use crate::contracts::{frame_timestamp, Category, LegacyKeys, Priority};
use crate::error::ApiError;
use crate::state::AppState;

/// Longest user id or event name accepted.
const MAX_NAME_LEN: usize = 256;

/// The request body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PublishBody {
    /// The recipient (a JWT `sub`).
    user_id: String,
    /// The event name clients switch on.
    event: String,
    /// UI grouping, from the platform's `WebSocketEventCategory`.
    category: Option<Category>,
    /// Urgency, from the platform's `NotificationPriority`; `standard` when absent.
    #[serde(default = "standard_priority")]
    priority: Priority,
    /// The event's own fields.
    data: Map<String, Value>,
    /// Ties the notification to a request chain; one is generated when absent.
    correlation_id: Option<String>,
    /// Whether the teacher must act.
    #[serde(default)]
    action_required: bool,
    /// When the action is due.
    deadline: Option<DateTime<Utc>>,
    /// The same key from the same service within the dedupe window is delivered once.
    dedupe_key: Option<String>,
}

fn standard_priority() -> Priority {
    Priority::Standard
}

pub(super) async fn publish(
    _: Authorized<Service>,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let bytes = read_limited(payload, state.settings.publish.max_body_bytes).await?;
    let deserializer = &mut serde_json::Deserializer::from_slice(&bytes);
    let body = parse(deserializer).and_then(validate)?;
    let accepted = state.bridge.publish(into_draft(body)).await?;
    Ok(HttpResponse::Accepted().json(accepted_json(accepted)))
}

/// Publishes every item of a JSON array, in order, each on its own: one result per item, so a
/// bad item fails alone. 200 with the results, or 400/413 when the array itself is unusable.
pub(super) async fn publish_batch(
    _: Authorized<Service>,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let limits = &state.settings.publish;
    let bytes = read_limited(payload, limits.max_batch_bytes).await?;
    let items: Vec<Value> = serde_json::from_slice(&bytes).map_err(|e| {
        ApiError::BadRequest(format!("the body must be a JSON array of publish bodies: {}", without_position(&e)))
    })?;
    if items.len() > limits.max_batch_items {
        return Err(ApiError::PayloadTooLarge { limit: limits.max_batch_items, unit: "items" });
    }
    let mut results: Vec<Value> = vec![Value::Null; items.len()];
    let mut indexes = Vec::with_capacity(items.len());
    let mut drafts = Vec::with_capacity(items.len());
    for (index, item) in items.into_iter().enumerate() {
        match parse(item).and_then(validate) {
            Ok(body) => {
                indexes.push(index);
                drafts.push(into_draft(body));
            }
            Err(error) => results[index] = error.item_json(),
        }
    }
    for (index, outcome) in indexes.into_iter().zip(state.bridge.publish_all(drafts).await) {
        results[index] = match outcome {
            Ok(accepted) => {
                let mut json = accepted_json(accepted);
                json["status"] = 202.into();
                json
            }
            Err(error) => ApiError::from(error).item_json(),
        };
    }
    let accepted = results.iter().filter(|r| r["status"] == 202).count();
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "accepted": accepted,
        "failed": results.len() - accepted,
        "results": results,
    })))
}

fn accepted_json(accepted: Accepted) -> Value {
    serde_json::json!({
        "id": accepted.id().to_string(),
        "duplicate": matches!(accepted, Accepted::Duplicate(_)),
    })
}

/// Parses one publish body, naming the offending field in the error.
fn parse<'de>(deserializer: impl serde::Deserializer<'de, Error: std::fmt::Display>) -> Result<PublishBody, ApiError> {
    serde_path_to_error::deserialize(deserializer).map_err(|e| {
        let path = e.path().to_string();
        let message = without_position(e.inner());
        if path == "." {
            ApiError::BadRequest(format!("invalid body: {message}"))
        } else {
            ApiError::BadRequest(format!("invalid field `{path}`: {message}"))
        }
    })
}

fn validate(body: PublishBody) -> Result<PublishBody, ApiError> {
    for (field, value) in [("user_id", &body.user_id), ("event", &body.event)] {
        if value.trim().is_empty() {
            return Err(ApiError::BadRequest(format!("invalid field `{field}`: must not be empty")));
        }
        if value.len() > MAX_NAME_LEN {
            return Err(ApiError::BadRequest(format!("invalid field `{field}`: longer than {MAX_NAME_LEN} bytes")));
        }
    }
    Ok(body)
}

fn into_draft(body: PublishBody) -> Draft {
    // Owned, so that `data` itself can move into the frame rather than be copied.
    let text_field = |key: &str| body.data.get(key).and_then(Value::as_str).map(str::to_owned);
    let (batch_id, class_id) = (text_field("batch_id"), text_field("class_id"));
    let correlation_id = body
        .correlation_id
        .or_else(|| text_field("correlation_id"))
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let timestamp = Utc::now();
    let data = LegacyKeys {
        category: body.category,
        priority: body.priority,
        action_required: body.action_required,
        deadline: body.deadline.as_ref(),
        batch_id: batch_id.as_deref(),
        class_id: class_id.as_deref(),
        correlation_id: &correlation_id,
        timestamp: &timestamp,
    }
    .apply(body.data);
    Draft {
        dedupe_key: body.dedupe_key.map(|key| format!("api|{}|{key}", body.user_id)),
        user_id: body.user_id.as_str().into(),
        event: body.event,
        category: body.category.map(|c| c.as_str().to_owned()),
        priority: body.priority.as_str().to_owned(),
        timestamp: frame_timestamp(&timestamp),
        correlation_id: Some(correlation_id),
        data: serde_json::value::to_raw_value(&data).expect("a JSON map serialises"),
    }
}
