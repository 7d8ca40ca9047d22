//! Sign-in, staff administration and the audit trail.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::Json;

use super::auth::{self, Token};
use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, ApiQuery, ClientAddr, Segment};
use super::mount::{Cookie, Created};
use super::state::AppState;
use crate::domain::identity::{Actor, Permission};
use crate::hotel::audit::{self, AuditQuery, AuditRow};
use crate::hotel::staff::StaffView;
use crate::http::contract::{Login, LoginReply, NewPassword, NewStaff, OwnPassword, SessionReply};

pub async fn login(
    State(s): State<AppState>,
    ClientAddr(from): ClientAddr,
    ApiJson(req): ApiJson<Login>,
) -> ApiResult<Json<LoginReply>> {
    let staff = s.staff.clone();
    let (token, actor) = staff.login(&req.login, &req.password, from).await?;
    Ok(Json(LoginReply { token, login: actor.login, display_name: actor.display_name, role: actor.role }))
}

/// Ends the session (a console's cookie is cleared too).
pub async fn logout(State(s): State<AppState>, Token(token): Token) -> ApiResult<(StatusCode, Cookie)> {
    s.staff.logout(&token).await?;
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, auth::clear_cookie(s.api.secure_cookies))]))
}

/// The console's sign-in: the token goes into an `HttpOnly` cookie, never to the page.
pub async fn open_session(
    State(s): State<AppState>,
    ClientAddr(from): ClientAddr,
    ApiJson(req): ApiJson<Login>,
) -> ApiResult<(Cookie, Json<SessionReply>)> {
    let staff = s.staff.clone();
    let (token, actor) = staff.login(&req.login, &req.password, from).await?;
    let reply = SessionReply { login: actor.login, display_name: actor.display_name, role: actor.role };
    Ok(([(header::SET_COOKIE, auth::set_cookie(&token, s.api.secure_cookies))], Json(reply)))
}

pub async fn me(actor: Actor) -> ApiResult<Json<Actor>> {
    Ok(Json(actor))
}

pub async fn list(State(s): State<AppState>) -> ApiResult<Json<Vec<StaffView>>> {
    Ok(Json(s.staff.list().await?))
}

pub async fn add(
    State(s): State<AppState>,
    actor: Actor,
    ApiJson(req): ApiJson<NewStaff>,
) -> ApiResult<Created<StaffView>> {
    let staff = s.staff.clone();
    let view = staff.add(&actor, &req.login, req.display_name.as_deref(), req.role, &req.password).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

pub async fn disable(State(s): State<AppState>, actor: Actor, Segment(login): Segment) -> ApiResult<Json<StaffView>> {
    Ok(Json(s.staff.disable(&actor, &login).await?))
}

pub async fn set_password(
    State(s): State<AppState>,
    actor: Actor,
    Segment(login): Segment,
    ApiJson(req): ApiJson<NewPassword>,
) -> ApiResult<StatusCode> {
    let staff = s.staff.clone();
    staff.set_password(&actor, &login, &req.password).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Any signed-in staff member changes their own password.
pub async fn change_own_password(
    State(s): State<AppState>,
    actor: Actor,
    ClientAddr(from): ClientAddr,
    ApiJson(req): ApiJson<OwnPassword>,
) -> ApiResult<StatusCode> {
    let staff = s.staff.clone();
    staff.change_own_password(&actor, &req.current, &req.password, from).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The whole trail for managers; one room's trail for desk and operator staff (up to 10,000
/// rows).
pub async fn audit(
    State(s): State<AppState>,
    actor: Actor,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> ApiResult<Json<Vec<AuditRow>>> {
    actor.require(if q.room.is_some() { Permission::RoomAudit } else { Permission::Audit })?;
    if let Some(since) = &q.since {
        audit::parse_since(since).map_err(ApiError::Unprocessable)?;
    }
    Ok(Json(s.store.read(move |c| audit::query(c, &q)).await?))
}
