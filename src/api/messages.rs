//! Guest messages.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use serde::Deserialize;

use super::error::{ApiError, ApiJson};
use super::AppState;
use crate::identity::Actor;
use crate::messages::{MessageView, NewMessage};

type ApiResult<T> = Result<T, ApiError>;

fn id_of(id: &str) -> ApiResult<i64> {
    id.parse().map_err(|_| ApiError::BadRequest(format!("message id {id:?} is not a number")))
}

pub async fn leave(
    State(s): State<AppState>,
    actor: Actor,
    ApiJson(m): ApiJson<NewMessage>,
) -> ApiResult<impl IntoResponse> {
    Ok((StatusCode::CREATED, Json(s.messages.leave(&actor, &m)?)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    room: Option<String>,
    undelivered: Option<bool>,
}

/// Messages of current stays, oldest first; `undelivered=true` is the night round.
pub async fn list(State(s): State<AppState>, Query(q): Query<ListQuery>) -> ApiResult<Json<Vec<MessageView>>> {
    Ok(Json(s.messages.list(q.room.as_deref(), q.undelivered.unwrap_or(false))?))
}

pub async fn get(State(s): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<MessageView>> {
    Ok(Json(s.messages.get(id_of(&id)?)?))
}

pub async fn deliver(State(s): State<AppState>, actor: Actor, Path(id): Path<String>) -> ApiResult<Json<MessageView>> {
    Ok(Json(s.messages.deliver(&actor, id_of(&id)?)?))
}

pub async fn clear(State(s): State<AppState>, actor: Actor, Path(id): Path<String>) -> ApiResult<Json<MessageView>> {
    Ok(Json(s.messages.clear(&actor, id_of(&id)?)?))
}
