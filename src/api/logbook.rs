//! The operator's logbook: shifts, handover, entries, follow-ups, search.

use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use serde::Deserialize;

use super::error::{ApiError, ApiJson};
use super::AppState;
use crate::identity::Actor;
use crate::logbook::{handover::Handover, Entry, Followup, NewEntry, Search, Shift};

type ApiResult<T> = Result<T, ApiError>;

fn id_of(id: &str, what: &str) -> ApiResult<i64> {
    id.parse().map_err(|_| ApiError::BadRequest(format!("{what} id {id:?} is not a number")))
}

pub async fn open_shift(State(s): State<AppState>, actor: Actor) -> ApiResult<impl IntoResponse> {
    Ok((StatusCode::CREATED, Json(s.logbook.open_shift(&actor)?)))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct CloseReq {
    #[serde(default)]
    force: bool,
}

pub async fn close_shift(
    State(s): State<AppState>,
    actor: Actor,
    body: axum::body::Bytes,
) -> ApiResult<Json<Handover>> {
    let req: CloseReq = if body.iter().all(u8::is_ascii_whitespace) {
        CloseReq::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| ApiError::BadRequest(format!("bad JSON body: {e}")))?
    };
    Ok(Json(s.logbook.close_shift(&actor, req.force)?))
}

pub async fn current_shift(State(s): State<AppState>) -> ApiResult<Json<Option<Shift>>> {
    Ok(Json(s.logbook.current_shift()?))
}

/// The last handover (null before the first shift closes); shown to everyone.
pub async fn handover(State(s): State<AppState>) -> ApiResult<Json<Option<Handover>>> {
    Ok(Json(s.logbook.handover()?))
}

/// The last handover as a printable page.
pub async fn handover_print(State(s): State<AppState>) -> ApiResult<impl IntoResponse> {
    let sheet = s.logbook.handover()?.ok_or_else(|| ApiError::NotFound("no shift has been closed yet".into()))?;
    Ok(([(header::CONTENT_TYPE, "text/html; charset=utf-8")], sheet.to_html(&s.hotel_name)))
}

pub async fn ack_handover(State(s): State<AppState>, actor: Actor) -> ApiResult<Json<Shift>> {
    Ok(Json(s.logbook.ack_handover(&actor)?))
}

pub async fn add(
    State(s): State<AppState>,
    actor: Actor,
    ApiJson(e): ApiJson<NewEntry>,
) -> ApiResult<impl IntoResponse> {
    Ok((StatusCode::CREATED, Json(s.logbook.add(&actor, &e)?)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AmendReq {
    text: String,
}

pub async fn amend(
    State(s): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<AmendReq>,
) -> ApiResult<impl IntoResponse> {
    Ok((StatusCode::CREATED, Json(s.logbook.amend(&actor, id_of(&id, "log entry")?, &req.text)?)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// A shift id; default the open shift.
    shift: Option<i64>,
}

pub async fn list(State(s): State<AppState>, Query(q): Query<ListQuery>) -> ApiResult<Json<Vec<Entry>>> {
    Ok(Json(s.logbook.list(q.shift)?))
}

pub async fn search(State(s): State<AppState>, Query(q): Query<Search>) -> ApiResult<Json<Vec<Entry>>> {
    Ok(Json(s.logbook.search(&q)?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FollowupQuery {
    open: Option<bool>,
}

pub async fn followups(State(s): State<AppState>, Query(q): Query<FollowupQuery>) -> ApiResult<Json<Vec<Followup>>> {
    Ok(Json(s.logbook.followups(q.open.unwrap_or(false))?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FollowupReq {
    state: String,
    text: Option<String>,
}

pub async fn update_followup(
    State(s): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<FollowupReq>,
) -> ApiResult<Json<Followup>> {
    Ok(Json(s.logbook.update_followup(&actor, id_of(&id, "follow-up")?, &req.state, req.text.as_deref())?))
}
