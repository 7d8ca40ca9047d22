//! Wake-up calls and alerts.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use serde::Deserialize;

use super::error::{ApiError, ApiJson};
use super::AppState;
use crate::alerts::{self, Alert};
use crate::identity::Actor;
use crate::wakeup::{rule, Booking, Report, WakeupView};

type ApiResult<T> = Result<T, ApiError>;

fn id_of(id: &str, what: &str) -> ApiResult<i64> {
    id.parse().map_err(|_| ApiError::BadRequest(format!("{what} id {id:?} is not a number")))
}

pub async fn add(
    State(s): State<AppState>,
    actor: Actor,
    ApiJson(b): ApiJson<Booking>,
) -> ApiResult<impl IntoResponse> {
    let view = s.wakeups.add(&actor, &b, "desk")?;
    Ok((StatusCode::CREATED, Json(view)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    room: Option<String>,
    all: Option<bool>,
}

pub async fn list(State(s): State<AppState>, Query(q): Query<ListQuery>) -> ApiResult<Json<Vec<WakeupView>>> {
    Ok(Json(s.wakeups.list(q.room.as_deref(), q.all.unwrap_or(false))?))
}

pub async fn get(State(s): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<WakeupView>> {
    Ok(Json(s.wakeups.get(id_of(&id, "wake-up")?)?))
}

pub async fn cancel(State(s): State<AppState>, actor: Actor, Path(id): Path<String>) -> ApiResult<Json<WakeupView>> {
    let reason = format!("cancelled by {}", actor.login);
    Ok(Json(s.wakeups.cancel(&actor, id_of(&id, "wake-up")?, &reason)?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    date: Option<String>,
}

pub async fn report(State(s): State<AppState>, Query(q): Query<ReportQuery>) -> ApiResult<Json<Report>> {
    let date = match q.date {
        Some(d) => rule::parse_date(&d).map_err(|e| ApiError::Unprocessable(e.to_string()))?,
        None => s.desk.now_utc().with_timezone(&s.wakeups.timezone()).date_naive(),
    };
    Ok(Json(s.wakeups.report(date)?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertsQuery {
    all: Option<bool>,
}

pub async fn list_alerts(State(s): State<AppState>, Query(q): Query<AlertsQuery>) -> ApiResult<Json<Vec<Alert>>> {
    Ok(Json(s.store.read(|c| alerts::list(c, !q.all.unwrap_or(false)))?))
}

pub async fn ack_alert(State(s): State<AppState>, actor: Actor, Path(id): Path<String>) -> ApiResult<Json<Alert>> {
    let id = id_of(&id, "alert")?;
    let now = crate::clock::timestamp(s.desk.now_utc());
    Ok(Json(s.store.write(|tx| alerts::ack(tx, &now, &actor, id))?))
}
