//! The HTTP API (JSON): rooms, stays, desk operations, PBX link status.
//!
//! Handlers are thin: they call the desk (or the link handle) and map errors in `error.rs`.

pub mod error;

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use crate::desk::{CheckIn, Desk};
use crate::pbx::LinkHandle;
use crate::pbx::LinkStatus;
use crate::store::{outbox, rooms::RoomView, Store, StoreError};
use error::{ApiError, ApiJson};

#[derive(Clone)]
pub struct AppState {
    pub desk: Desk,
    pub link: LinkHandle,
    pub store: Arc<Store>,
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/health", get(|| async { Json(serde_json::json!({"status": "ok"})) }))
        .route("/api/rooms", get(list_rooms))
        .route("/api/rooms/{room}", get(get_room))
        .route("/api/rooms/{room}/checkin", post(check_in))
        .route("/api/rooms/{room}/checkout", post(check_out))
        .route("/api/rooms/{room}/move", post(move_room))
        .route("/api/rooms/{room}/dnd", post(set_dnd))
        .route("/api/rooms/{room}/class", post(set_class))
        .route("/api/stays", get(list_stays))
        .route("/api/stays/{id}", get(get_stay))
        .route("/api/pbx/status", get(pbx_status))
        .route("/api/pbx/resync", post(pbx_resync))
        .fallback(|| async { ApiError::NotFound("no such endpoint".into()) })
        .with_state(state)
}

type ApiResult<T> = Result<T, ApiError>;

async fn list_rooms(State(s): State<AppState>) -> ApiResult<Json<Vec<RoomView>>> {
    Ok(Json(s.desk.rooms()?))
}

async fn get_room(State(s): State<AppState>, Path(room): Path<String>) -> ApiResult<Json<RoomView>> {
    Ok(Json(s.desk.room(&room)?))
}

async fn check_in(
    State(s): State<AppState>,
    Path(room): Path<String>,
    ApiJson(req): ApiJson<CheckIn>,
) -> ApiResult<impl IntoResponse> {
    let stay = s.desk.check_in(&room, req)?;
    Ok((StatusCode::CREATED, Json(stay)))
}

async fn check_out(State(s): State<AppState>, Path(room): Path<String>) -> ApiResult<impl IntoResponse> {
    Ok(Json(s.desk.check_out(&room)?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MoveReq {
    to: String,
}

async fn move_room(
    State(s): State<AppState>,
    Path(room): Path<String>,
    ApiJson(req): ApiJson<MoveReq>,
) -> ApiResult<impl IntoResponse> {
    Ok(Json(s.desk.move_room(&room, &req.to)?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DndReq {
    on: bool,
}

async fn set_dnd(
    State(s): State<AppState>,
    Path(room): Path<String>,
    ApiJson(req): ApiJson<DndReq>,
) -> ApiResult<Json<RoomView>> {
    Ok(Json(s.desk.set_dnd(&room, req.on)?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClassReq {
    class: u8,
}

async fn set_class(
    State(s): State<AppState>,
    Path(room): Path<String>,
    ApiJson(req): ApiJson<ClassReq>,
) -> ApiResult<Json<RoomView>> {
    Ok(Json(s.desk.set_class(&room, req.class)?))
}

#[derive(Deserialize)]
struct StaysQuery {
    active: Option<bool>,
}

async fn list_stays(State(s): State<AppState>, Query(q): Query<StaysQuery>) -> ApiResult<impl IntoResponse> {
    Ok(Json(s.desk.stays(q.active.unwrap_or(true))?))
}

async fn get_stay(State(s): State<AppState>, Path(id): Path<String>) -> ApiResult<impl IntoResponse> {
    let id: i64 = id.parse().map_err(|_| ApiError::BadRequest(format!("stay id {id:?} is not a number")))?;
    let stay = s.desk.stay(id)?.ok_or_else(|| ApiError::NotFound(format!("stay {id} does not exist")))?;
    Ok(Json(stay))
}

/// Link status plus the number of commands waiting in the outbox.
#[derive(Serialize)]
pub struct PbxStatusView {
    #[serde(flatten)]
    pub link: LinkStatus,
    pub queued: u64,
}

async fn pbx_status(State(s): State<AppState>) -> ApiResult<Json<PbxStatusView>> {
    let queued = s.store.read(outbox::pending).map_err(|e: StoreError| ApiError::Internal(e.to_string()))?;
    Ok(Json(PbxStatusView { link: s.link.status(), queued }))
}

async fn pbx_resync(State(s): State<AppState>) -> ApiResult<impl IntoResponse> {
    if !s.link.resync().await {
        return Err(ApiError::Unavailable("the PBX link task is not running".into()));
    }
    Ok((StatusCode::ACCEPTED, Json(serde_json::json!({"resync": "requested"}))))
}
