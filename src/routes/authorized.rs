//! Who may call an API route: a handler names the role it needs in its arguments
//! (`_: Authorized<Service>`), and the request is refused with 401 or 403 before the handler runs.

use std::future::{ready, Ready};
use std::marker::PhantomData;

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use hub_actors::TokenStage;

use crate::auth::Principal;
use crate::error::ApiError;
use crate::state::AppState;

/// A role a route can require, as the identity service spells it in the token.
pub(crate) trait Role {
    /// The role's name in the `roles` or `role` claim.
    const NAME: &'static str;
}

/// Operators: `/status` and disconnecting a user.
pub(crate) struct Admin;

impl Role for Admin {
    const NAME: &'static str = "admin";
}

/// Backend services: publishing and teaching the hub who owns what.
pub(crate) struct Service;

impl Role for Service {
    const NAME: &'static str = "service";
}

/// A caller whose bearer token is valid and carries the role `R`.
pub(crate) struct Authorized<R: Role> {
    /// The caller.
    pub(crate) principal: Principal,
    role: PhantomData<R>,
}

impl<R: Role> FromRequest for Authorized<R> {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        // The state is always there (startup gives it to every app); its absence is actix's 500.
        let authorized = web::Data::<AppState>::from_request(req, payload).into_inner().and_then(|state| {
            let principal = authorize(req, &state, R::NAME)?;
            Ok(Authorized { principal, role: PhantomData })
        });
        ready(authorized)
    }
}

/// The caller's principal, if its bearer token is valid and carries `role`.
fn authorize(req: &HttpRequest, state: &AppState, role: &'static str) -> Result<Principal, ApiError> {
    let principal = state.auth.authenticate(bearer(req), TokenStage::Api)?;
    if !principal.has_role(role) {
        return Err(ApiError::Forbidden(role));
    }
    Ok(principal)
}

/// The bearer token of a request, if it has one.
pub(super) fn bearer(req: &HttpRequest) -> Option<&str> {
    let header = req.headers().get(actix_web::http::header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = header.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}
