//! `POST /api/v1/owners` (role `service`): tells the hub who owns a batch or a class, so
//! events that name only the batch or class reach that teacher (and held ones are released).
//! Each fact establishes the owner, as a class's creation does.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::authorized::{Authorized, Service};
use super::read_limited;
use crate::contracts::{Basis, OwnerKey};
use crate::ingest::owners::Learnt;
use hub_actors::without_position;

use crate::error::ApiError;
use crate::state::AppState;

/// One ownership fact: a user with a batch, a class, or both.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Ownership {
    /// The owner (a JWT `sub`).
    user_id: String,
    /// A batch the user owns.
    batch_id: Option<String>,
    /// A class the user owns.
    class_id: Option<String>,
}

/// One fact or a list of them.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Body {
    One(Ownership),
    Many(Vec<Ownership>),
}

pub(super) async fn learn(
    _: Authorized<Service>,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let bytes = read_limited(payload, state.settings.publish.max_body_bytes).await?;
    let body: Body = serde_json::from_slice(&bytes).map_err(|e| {
        ApiError::BadRequest(format!(
            "the body is {{\"user_id\", \"batch_id\"?, \"class_id\"?}} or a list of them: {}",
            without_position(&e)
        ))
    })?;
    let facts = match body {
        Body::One(fact) => vec![fact],
        Body::Many(facts) => facts,
    };
    let mut keys = Vec::new();
    for (index, fact) in facts.into_iter().enumerate() {
        if fact.user_id.trim().is_empty() {
            return Err(ApiError::BadRequest(format!("item {index}: invalid field `user_id`: must not be empty")));
        }
        let before = keys.len();
        keys.extend(fact.batch_id.filter(|b| !b.is_empty()).map(|b| (OwnerKey::Batch(b), fact.user_id.clone())));
        keys.extend(fact.class_id.filter(|c| !c.is_empty()).map(|c| (OwnerKey::Class(c), fact.user_id.clone())));
        if keys.len() == before {
            return Err(ApiError::BadRequest(format!("item {index}: give a `batch_id`, a `class_id` or both")));
        }
    }
    let learned = keys.len();
    // A service that says who owns a batch or class states it: the fact replaces what was known.
    for (key, user) in keys {
        if let Learnt::Replaced { previous } = state.owners.learn(key.clone(), user.clone(), Basis::Owner).await? {
            tracing::warn!(%key, %previous, owner = %user, "owner changed; the latest owner fact wins");
        }
    }
    Ok(HttpResponse::Accepted().json(serde_json::json!({ "learned": learned })))
}
