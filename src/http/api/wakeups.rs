//! Wake-up calls and alerts.

use crate::store::Priority;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;

use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, ApiQuery, Id};
use super::mount::Created;
use super::state::AppState;
use crate::domain::identity::Actor;
use crate::domain::wakeup::rule;
use crate::hotel::alerts::{self, Alert};
use crate::http::contract::{AlertsQuery, Booking, DateQuery, Report, WakeupView, WakeupsQuery};

pub async fn add(
    State(s): State<AppState>,
    actor: Actor,
    ApiJson(b): ApiJson<Booking>,
) -> ApiResult<Created<WakeupView>> {
    let view = s.wakeups.add(&actor, &b, "desk").await?;
    Ok((StatusCode::CREATED, Json(view)))
}

pub async fn list(State(s): State<AppState>, ApiQuery(q): ApiQuery<WakeupsQuery>) -> ApiResult<Json<Vec<WakeupView>>> {
    Ok(Json(s.wakeups.list(q.room.as_deref(), q.all.unwrap_or(false)).await?))
}

pub async fn get(State(s): State<AppState>, Id(id): Id) -> ApiResult<Json<WakeupView>> {
    Ok(Json(s.wakeups.get(id).await?))
}

pub async fn cancel(State(s): State<AppState>, actor: Actor, Id(id): Id) -> ApiResult<Json<WakeupView>> {
    let reason = format!("cancelled by {}", actor.login);
    Ok(Json(s.wakeups.cancel(&actor, id, &reason).await?))
}

pub async fn report(State(s): State<AppState>, ApiQuery(q): ApiQuery<DateQuery>) -> ApiResult<Json<Report>> {
    let date = match q.date {
        Some(d) => rule::parse_date(&d).map_err(|e| ApiError::Unprocessable(e.to_string()))?,
        None => s.desk.now_utc().with_timezone(&s.wakeups.timezone()).date_naive(),
    };
    Ok(Json(s.wakeups.report(date).await?))
}

pub async fn list_alerts(State(s): State<AppState>, ApiQuery(q): ApiQuery<AlertsQuery>) -> ApiResult<Json<Vec<Alert>>> {
    Ok(Json(s.store.read(move |c| alerts::list(c, !q.all.unwrap_or(false))).await?))
}

pub async fn ack_alert(State(s): State<AppState>, actor: Actor, Id(id): Id) -> ApiResult<Json<Alert>> {
    let now = s.desk.now_utc();
    Ok(Json(s.store.write(Priority::Normal, move |tx| alerts::ack(tx, now, &actor, id)).await?))
}
