//! The operator's logbook: shifts, handover, entries, follow-ups, search.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;

use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, ApiQuery, Id, OptionalJson};
use super::mount::Created;
use super::state::AppState;
use crate::domain::identity::Actor;
use crate::http::contract::{
    Amend, CloseShift, Entry, Followup, FollowupChange, FollowupsQuery, Handover, LogQuery, NewEntry, PrintQuery,
    Search, Shift,
};

pub async fn open_shift(State(s): State<AppState>, actor: Actor) -> ApiResult<Created<Shift>> {
    Ok((StatusCode::CREATED, Json(s.logbook.open_shift(&actor).await?)))
}

pub async fn close_shift(
    State(s): State<AppState>,
    actor: Actor,
    OptionalJson(req): OptionalJson<CloseShift>,
) -> ApiResult<Json<Handover>> {
    Ok(Json(s.logbook.close_shift(&actor, req.force).await?))
}

pub async fn current_shift(State(s): State<AppState>) -> ApiResult<Json<Option<Shift>>> {
    Ok(Json(s.logbook.current_shift().await?))
}

/// The last handover (null before the first shift closes); shown to everyone.
pub async fn handover(State(s): State<AppState>) -> ApiResult<Json<Option<Handover>>> {
    Ok(Json(s.logbook.handover().await?))
}

/// The last handover as a printable page.
/// The handover sheet's printout (`?lang=`, English by default): the same page as
/// `/api/print/handover`, and 404 while no shift has been closed.
pub async fn handover_print(
    State(s): State<AppState>,
    actor: Actor,
    ApiQuery(q): ApiQuery<PrintQuery>,
) -> ApiResult<axum::response::Html<String>> {
    s.logbook.handover().await?.ok_or_else(|| ApiError::NotFound("no shift has been closed yet".into()))?;
    super::print::page(&s, &actor, "handover", &q).await
}

pub async fn ack_handover(State(s): State<AppState>, actor: Actor) -> ApiResult<Json<Shift>> {
    Ok(Json(s.logbook.ack_handover(&actor).await?))
}

pub async fn add(State(s): State<AppState>, actor: Actor, ApiJson(e): ApiJson<NewEntry>) -> ApiResult<Created<Entry>> {
    Ok((StatusCode::CREATED, Json(s.logbook.add(&actor, &e).await?)))
}

pub async fn amend(
    State(s): State<AppState>,
    actor: Actor,
    Id(id): Id,
    ApiJson(req): ApiJson<Amend>,
) -> ApiResult<Created<Entry>> {
    Ok((StatusCode::CREATED, Json(s.logbook.amend(&actor, id, &req.text).await?)))
}

pub async fn list(State(s): State<AppState>, ApiQuery(q): ApiQuery<LogQuery>) -> ApiResult<Json<Vec<Entry>>> {
    Ok(Json(s.logbook.list(q.shift).await?))
}

/// Full-text search.
pub async fn search(State(s): State<AppState>, ApiQuery(q): ApiQuery<Search>) -> ApiResult<Json<Vec<Entry>>> {
    Ok(Json(s.logbook.search(&q).await?))
}

pub async fn followups(
    State(s): State<AppState>,
    ApiQuery(q): ApiQuery<FollowupsQuery>,
) -> ApiResult<Json<Vec<Followup>>> {
    Ok(Json(s.logbook.followups(q.open.unwrap_or(false)).await?))
}

pub async fn update_followup(
    State(s): State<AppState>,
    actor: Actor,
    Id(id): Id,
    ApiJson(req): ApiJson<FollowupChange>,
) -> ApiResult<Json<Followup>> {
    Ok(Json(s.logbook.update_followup(&actor, id, req.state, req.text.as_deref()).await?))
}
