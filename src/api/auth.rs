//! Bearer tokens and permissions for the API.
//!
//! [`authenticate`] turns the `Authorization: Bearer` token into an [`Actor`] (or a 401);
//! [`require`] wraps a group of routes with the one [`Permission`] they need (or a 403).

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;
use axum::Router;

use super::error::ApiError;
use super::state::AppState;
use crate::identity::{Actor, Permission};

/// The bearer token of the request (for logout).
#[derive(Clone)]
pub struct Token(pub String);

fn bearer(req: &Request) -> Option<String> {
    let value = req.headers().get(axum::http::header::AUTHORIZATION)?.to_str().ok()?;
    let token = value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer "))?;
    Some(token.trim().to_string())
}

pub async fn authenticate(State(s): State<AppState>, mut req: Request, next: Next) -> Result<Response, ApiError> {
    let token = bearer(&req)
        .ok_or_else(|| ApiError::Unauthorized("sign in first: no bearer token (switchboard login)".into()))?;
    let actor = s.staff.authenticate(&token)?;
    req.extensions_mut().insert(actor);
    req.extensions_mut().insert(Token(token));
    Ok(next.run(req).await)
}

/// Wraps `routes` so that only roles allowed `p` reach them.
pub fn require(routes: Router<AppState>, p: Permission) -> Router<AppState> {
    routes.route_layer(axum::middleware::from_fn(move |req: Request, next: Next| async move {
        let actor = req.extensions().get::<Actor>().ok_or_else(|| ApiError::Unauthorized("sign in first".into()))?;
        actor.require(p)?;
        Ok::<_, ApiError>(next.run(req).await)
    }))
}

impl<S: Send + Sync> FromRequestParts<S> for Actor {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Actor>().cloned().ok_or_else(|| ApiError::Unauthorized("sign in first".into()))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Token {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Token>().cloned().ok_or_else(|| ApiError::Unauthorized("sign in first".into()))
    }
}
