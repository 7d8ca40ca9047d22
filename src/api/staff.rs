//! Sign-in, staff administration and the audit trail.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use serde::Deserialize;

use super::auth::Token;
use super::error::{ApiError, ApiJson};
use super::AppState;
use crate::audit::{self, AuditQuery, AuditRow};
use crate::identity::{Actor, Permission, Role};
use crate::staff::StaffView;

type ApiResult<T> = Result<T, ApiError>;

/// Runs password hashing (deliberately slow) off the async workers.
async fn hashing<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, crate::staff::StaffError> + Send + 'static,
) -> ApiResult<T> {
    Ok(tokio::task::spawn_blocking(f).await.map_err(|e| ApiError::Internal(e.to_string()))??)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginReq {
    login: String,
    password: String,
}

pub async fn login(State(s): State<AppState>, ApiJson(req): ApiJson<LoginReq>) -> ApiResult<impl IntoResponse> {
    let staff = s.staff.clone();
    let (token, actor) = hashing(move || staff.login(&req.login, &req.password)).await?;
    Ok(Json(serde_json::json!({
        "token": token,
        "login": actor.login,
        "display_name": actor.display_name,
        "role": actor.role,
    })))
}

pub async fn logout(State(s): State<AppState>, Token(token): Token) -> ApiResult<StatusCode> {
    s.staff.logout(&token)?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn me(actor: Actor) -> Json<Actor> {
    Json(actor)
}

pub async fn list(State(s): State<AppState>) -> ApiResult<Json<Vec<StaffView>>> {
    Ok(Json(s.staff.list()?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddReq {
    login: String,
    display_name: Option<String>,
    role: String,
    password: String,
}

pub async fn add(
    State(s): State<AppState>,
    actor: Actor,
    ApiJson(req): ApiJson<AddReq>,
) -> ApiResult<impl IntoResponse> {
    let role: Role = req.role.parse()?;
    let staff = s.staff.clone();
    let view = hashing(move || staff.add(&actor, &req.login, req.display_name.as_deref(), role, &req.password)).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

pub async fn disable(State(s): State<AppState>, actor: Actor, Path(login): Path<String>) -> ApiResult<Json<StaffView>> {
    Ok(Json(s.staff.disable(&actor, &login)?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordReq {
    password: String,
}

pub async fn set_password(
    State(s): State<AppState>,
    actor: Actor,
    Path(login): Path<String>,
    ApiJson(req): ApiJson<PasswordReq>,
) -> ApiResult<StatusCode> {
    let staff = s.staff.clone();
    hashing(move || staff.set_password(&actor, &login, &req.password)).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OwnPasswordReq {
    current: String,
    password: String,
}

/// Any signed-in staff member changes their own password.
pub async fn change_own_password(
    State(s): State<AppState>,
    actor: Actor,
    ApiJson(req): ApiJson<OwnPasswordReq>,
) -> ApiResult<StatusCode> {
    let staff = s.staff.clone();
    hashing(move || staff.change_own_password(&actor, &req.current, &req.password)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The whole trail for managers; one room's trail for desk and operator staff.
pub async fn audit(
    State(s): State<AppState>,
    actor: Actor,
    Query(q): Query<AuditQuery>,
) -> ApiResult<Json<Vec<AuditRow>>> {
    actor.require(if q.room.is_some() { Permission::RoomAudit } else { Permission::Audit })?;
    if let Some(since) = &q.since {
        audit::parse_since(since).map_err(ApiError::Unprocessable)?;
    }
    Ok(Json(s.store.read(|c| audit::query(c, &q))?))
}
