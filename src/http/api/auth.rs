//! Bearer tokens, browser sessions and permissions for the API.
//!
//! [`authenticate`] turns the `Authorization: Bearer` token (CLI, tools) or the console's
//! session cookie into an [`Actor`] (or a 401); [`require`] wraps a group of routes with the one
//! [`Permission`] they need (or a 403).
//!
//! The session cookie is the same kind of token, kept `HttpOnly` (no script reads it) and
//! `SameSite=Strict` (no other site's page sends it). A request that changes anything and is
//! signed in by the cookie must also carry the header [`CSRF_HEADER`]: a form or script on
//! another site cannot add it without the browser asking this service first, which it never
//! allows.

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;
use axum::Router;

use super::error::ApiError;
use super::state::AppState;
use crate::domain::identity::{Actor, Permission};

/// The bearer token of the request (for logout).
#[derive(Clone)]
pub struct Token(pub String);

/// The console's session cookie.
pub const COOKIE: &str = "sb_session";

/// The header a cookie-signed request that changes anything must carry (any value).
pub const CSRF_HEADER: &str = "x-switchboard";

fn bearer(req: &Request) -> Option<String> {
    let value = req.headers().get(axum::http::header::AUTHORIZATION)?.to_str().ok()?;
    let token = value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer "))?;
    Some(token.trim().to_string())
}

/// The session cookie's token, if the request carries one.
pub fn session_cookie(headers: &axum::http::HeaderMap) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.trim().to_string())
}

/// The `Set-Cookie` value that opens a console session with `token`; `secure` (`[api]
/// secure_cookies`, behind a TLS proxy) keeps the browser from sending it over plain HTTP.
pub fn set_cookie(token: &str, secure: bool) -> String {
    format!("{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict{}", if secure { "; Secure" } else { "" })
}

/// The `Set-Cookie` value that ends it.
pub fn clear_cookie(secure: bool) -> String {
    format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{}", if secure { "; Secure" } else { "" })
}

pub async fn authenticate(State(s): State<AppState>, mut req: Request, next: Next) -> Result<Response, ApiError> {
    let token = match bearer(&req) {
        Some(t) => t,
        None => {
            let t = session_cookie(req.headers())
                .ok_or_else(|| ApiError::Unauthorized("sign in first: no bearer token (switchboard login)".into()))?;
            let safe = matches!(*req.method(), axum::http::Method::GET | axum::http::Method::HEAD);
            if !safe && !req.headers().contains_key(CSRF_HEADER) {
                return Err(ApiError::Forbidden(format!(
                    "a request signed in by the console's cookie must carry the {CSRF_HEADER} header"
                )));
            }
            t
        }
    };
    let actor = s.staff.authenticate(&token).await?;
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
