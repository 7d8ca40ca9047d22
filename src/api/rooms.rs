//! Rooms, stays, desk operations and the PBX link.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use serde::{Deserialize, Serialize};

use super::error::{ApiError, ApiJson};
use super::AppState;
use crate::audit::{self, Change};
use crate::desk::CheckIn;
use crate::identity::{Actor, Permission};
use crate::pbx::LinkStatus;
use crate::store::outbox;
use crate::store::rooms::{RoomView, Stay};

type ApiResult<T> = Result<T, ApiError>;

fn redact_stay(mut s: Stay, actor: &Actor) -> Stay {
    if s.private && !actor.can(Permission::SeePrivate) {
        s.guest_name = String::new();
        s.first_name = None;
    }
    s
}

pub async fn list_rooms(State(s): State<AppState>, actor: Actor) -> ApiResult<Json<Vec<RoomView>>> {
    let see = actor.can(Permission::SeePrivate);
    Ok(Json(s.desk.rooms()?.into_iter().map(|r| r.redacted(see)).collect()))
}

pub async fn get_room(State(s): State<AppState>, actor: Actor, Path(room): Path<String>) -> ApiResult<Json<RoomView>> {
    Ok(Json(s.desk.room(&room)?.redacted(actor.can(Permission::SeePrivate))))
}

pub async fn check_in(
    State(s): State<AppState>,
    actor: Actor,
    Path(room): Path<String>,
    ApiJson(req): ApiJson<CheckIn>,
) -> ApiResult<impl IntoResponse> {
    let stay = s.desk.check_in(&actor, &room, req)?;
    Ok((StatusCode::CREATED, Json(redact_stay(stay, &actor))))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct CheckOutReq {
    #[serde(default)]
    discard_messages: bool,
}

/// The body is optional: `{"discard_messages": true}` checks out despite undelivered messages.
pub async fn check_out(
    State(s): State<AppState>,
    actor: Actor,
    Path(room): Path<String>,
    body: axum::body::Bytes,
) -> ApiResult<Json<Stay>> {
    let req: CheckOutReq = if body.iter().all(u8::is_ascii_whitespace) {
        CheckOutReq::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| ApiError::BadRequest(format!("bad JSON body: {e}")))?
    };
    let stay = s.desk.check_out(&actor, &room, req.discard_messages)?;
    Ok(Json(redact_stay(stay, &actor)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MoveReq {
    to: String,
}

pub async fn move_room(
    State(s): State<AppState>,
    actor: Actor,
    Path(room): Path<String>,
    ApiJson(req): ApiJson<MoveReq>,
) -> ApiResult<Json<Stay>> {
    let stay = s.desk.move_room(&actor, &room, &req.to)?;
    Ok(Json(redact_stay(stay, &actor)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LampReq {
    on: bool,
}

/// The message lamp by hand (until the next message change).
pub async fn set_lamp(
    State(s): State<AppState>,
    actor: Actor,
    Path(room): Path<String>,
    ApiJson(req): ApiJson<LampReq>,
) -> ApiResult<Json<RoomView>> {
    s.messages.set_lamp(&actor, &room, req.on)?;
    Ok(Json(s.desk.room(&room)?.redacted(actor.can(Permission::SeePrivate))))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DndReq {
    on: bool,
}

pub async fn set_dnd(
    State(s): State<AppState>,
    actor: Actor,
    Path(room): Path<String>,
    ApiJson(req): ApiJson<DndReq>,
) -> ApiResult<Json<RoomView>> {
    Ok(Json(s.desk.set_dnd(&actor, &room, req.on)?.redacted(actor.can(Permission::SeePrivate))))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClassReq {
    class: u8,
}

pub async fn set_class(
    State(s): State<AppState>,
    actor: Actor,
    Path(room): Path<String>,
    ApiJson(req): ApiJson<ClassReq>,
) -> ApiResult<Json<RoomView>> {
    Ok(Json(s.desk.set_class(&actor, &room, req.class)?.redacted(actor.can(Permission::SeePrivate))))
}

#[derive(Deserialize)]
pub struct StaysQuery {
    active: Option<bool>,
}

pub async fn list_stays(
    State(s): State<AppState>,
    actor: Actor,
    Query(q): Query<StaysQuery>,
) -> ApiResult<Json<Vec<Stay>>> {
    let stays = s.desk.stays(q.active.unwrap_or(true))?;
    Ok(Json(stays.into_iter().map(|st| redact_stay(st, &actor)).collect()))
}

pub async fn get_stay(State(s): State<AppState>, actor: Actor, Path(id): Path<String>) -> ApiResult<Json<Stay>> {
    let id: i64 = id.parse().map_err(|_| ApiError::BadRequest(format!("stay id {id:?} is not a number")))?;
    let stay = s.desk.stay(id)?.ok_or_else(|| ApiError::NotFound(format!("stay {id} does not exist")))?;
    Ok(Json(redact_stay(stay, &actor)))
}

#[derive(Deserialize)]
pub struct GuestQuery {
    name: Option<String>,
}

/// Which room is a guest in? Staff only; incognito guests only for managers.
pub async fn find_guests(
    State(s): State<AppState>,
    actor: Actor,
    Query(q): Query<GuestQuery>,
) -> ApiResult<Json<Vec<Stay>>> {
    let name = q.name.ok_or_else(|| ApiError::BadRequest("give ?name=".into()))?;
    Ok(Json(s.desk.find_guests(&name, actor.can(Permission::SeePrivate))?))
}

/// Link status plus the number of commands waiting in the outbox.
#[derive(Serialize)]
pub struct PbxStatusView {
    #[serde(flatten)]
    pub link: LinkStatus,
    pub queued: u64,
}

pub async fn pbx_status(State(s): State<AppState>) -> ApiResult<Json<PbxStatusView>> {
    let queued = s.store.read(outbox::pending)?;
    Ok(Json(PbxStatusView { link: s.link.status(), queued }))
}

pub async fn pbx_resync(State(s): State<AppState>, actor: Actor) -> ApiResult<impl IntoResponse> {
    if !s.link.resync().await {
        return Err(ApiError::Unavailable("the PBX link task is not running".into()));
    }
    let now = crate::clock::timestamp(s.desk.now_utc());
    s.store.write(|tx| audit::record(tx, &now, &actor, &Change::new("pbx_resync").subject("every room")))?;
    Ok((StatusCode::ACCEPTED, Json(serde_json::json!({"resync": "requested"}))))
}
