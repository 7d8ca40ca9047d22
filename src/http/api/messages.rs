//! Guest messages.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;

use super::error::ApiResult;
use super::extract::{ApiJson, ApiQuery, Id};
use super::mount::Created;
use super::state::AppState;
use crate::domain::identity::Actor;
use crate::http::contract::{MessageView, MessagesQuery, NewMessage};

pub async fn leave(
    State(s): State<AppState>,
    actor: Actor,
    ApiJson(m): ApiJson<NewMessage>,
) -> ApiResult<Created<MessageView>> {
    Ok((StatusCode::CREATED, Json(s.messages.leave(&actor, &m).await?)))
}

/// Messages of current stays, oldest first; `undelivered=true` is the night round (up to
/// thousands of rows).
pub async fn list(
    State(s): State<AppState>,
    ApiQuery(q): ApiQuery<MessagesQuery>,
) -> ApiResult<Json<Vec<MessageView>>> {
    let list = s.messages.list(q.room.as_deref(), q.undelivered.unwrap_or(false)).await?;
    Ok(Json(list))
}

pub async fn get(State(s): State<AppState>, Id(id): Id) -> ApiResult<Json<MessageView>> {
    Ok(Json(s.messages.get(id).await?))
}

pub async fn deliver(State(s): State<AppState>, actor: Actor, Id(id): Id) -> ApiResult<Json<MessageView>> {
    Ok(Json(s.messages.deliver(&actor, id).await?))
}

pub async fn clear(State(s): State<AppState>, actor: Actor, Id(id): Id) -> ApiResult<Json<MessageView>> {
    Ok(Json(s.messages.clear(&actor, id).await?))
}
