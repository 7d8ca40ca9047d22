//! Rooms, stays, desk operations and the PBX link.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::Timelike;

use super::error::{ApiError, ApiResult};
use super::extract::{blocking, ApiJson, ApiQuery, Id, OptionalJson, Segment};
use super::mount::Created;
use super::state::AppState;
use crate::domain::identity::{Actor, Permission};
use crate::hotel::audit::{self, Change};
use crate::http::contract::{
    Call, CallsQuery, CheckIn, CheckOut, DateQuery, DayReport, Folio, GuestQuery, HousekeepingQuery, MoveTo, PbxStatus,
    PrintQuery, Quote, QuoteQuery, ResyncReply, RoomHousekeeping, SetClass, SetHousekeeping, SimCall, SimCallReply,
    StaysQuery, Switch, TariffReloaded, TariffView,
};
use crate::store::rooms::{RoomView, Stay};
use crate::store::{outbox, Priority};

fn redact_stay(mut s: Stay, actor: &Actor) -> Stay {
    if s.private && !actor.can(Permission::SeePrivate) {
        s.guest_name = String::new();
        s.first_name = None;
    }
    s
}

fn redact_room(r: RoomView, actor: &Actor) -> RoomView {
    r.redacted(actor.can(Permission::SeePrivate))
}

pub async fn list_rooms(State(s): State<AppState>, actor: Actor) -> ApiResult<Json<Vec<RoomView>>> {
    Ok(Json(s.desk.rooms().await?.into_iter().map(|r| redact_room(r, &actor)).collect()))
}

pub async fn get_room(State(s): State<AppState>, actor: Actor, Segment(room): Segment) -> ApiResult<Json<RoomView>> {
    Ok(Json(redact_room(s.desk.room(&room).await?, &actor)))
}

/// With `[pms] owns_stays`, check-in, check-out and moves come from the PMS only.
fn desk_may_change_stays(s: &AppState) -> ApiResult<()> {
    match &s.pms {
        Some(p) if p.status.borrow().owns_stays => Err(ApiError::Conflict(
            "stays are managed by the PMS: check in, check out and move guests there ([pms] owns_stays)".into(),
        )),
        _ => Ok(()),
    }
}

fn pms(s: &AppState) -> ApiResult<&crate::links::pms::PmsHandle> {
    s.pms.as_ref().ok_or_else(|| ApiError::Conflict("no PMS is configured ([pms] in hotel.toml)".into()))
}

pub async fn pms_status(State(s): State<AppState>) -> ApiResult<Json<crate::links::pms::PmsStatus>> {
    Ok(Json(pms(&s)?.status()))
}

pub async fn pms_resync(State(s): State<AppState>, actor: Actor) -> ApiResult<Created<ResyncReply>> {
    if !pms(&s)?.resync().await {
        return Err(ApiError::Unavailable("the PMS link task is not running".into()));
    }
    let now = s.desk.now_utc();
    s.store
        .write(Priority::Normal, move |tx| {
            audit::record(tx, now, &actor, &Change::new("pms_resync").subject("database resync (DR)"))
        })
        .await?;
    Ok((StatusCode::ACCEPTED, Json(ResyncReply { resync: "requested".into() })))
}

pub async fn check_in(
    State(s): State<AppState>,
    actor: Actor,
    Segment(room): Segment,
    ApiJson(req): ApiJson<CheckIn>,
) -> ApiResult<Created<Stay>> {
    desk_may_change_stays(&s)?;
    let stay = s.desk.check_in(&actor, &room, req).await?;
    Ok((StatusCode::CREATED, Json(redact_stay(stay, &actor))))
}

pub async fn check_out(
    State(s): State<AppState>,
    actor: Actor,
    Segment(room): Segment,
    OptionalJson(req): OptionalJson<CheckOut>,
) -> ApiResult<Json<Stay>> {
    desk_may_change_stays(&s)?;
    let stay = s.desk.check_out(&actor, &room, req.discard_messages).await?;
    Ok(Json(redact_stay(stay, &actor)))
}

pub async fn move_room(
    State(s): State<AppState>,
    actor: Actor,
    Segment(room): Segment,
    ApiJson(req): ApiJson<MoveTo>,
) -> ApiResult<Json<Stay>> {
    desk_may_change_stays(&s)?;
    let stay = s.desk.move_room_with(&actor, &room, &req.to, req.not_ready_ok).await?;
    Ok(Json(redact_stay(stay, &actor)))
}

/// The message lamp by hand (until the next message change).
pub async fn set_lamp(
    State(s): State<AppState>,
    actor: Actor,
    Segment(room): Segment,
    ApiJson(req): ApiJson<Switch>,
) -> ApiResult<Json<RoomView>> {
    s.messages.set_lamp(&actor, &room, req.on).await?;
    Ok(Json(redact_room(s.desk.room(&room).await?, &actor)))
}

pub async fn set_dnd(
    State(s): State<AppState>,
    actor: Actor,
    Segment(room): Segment,
    ApiJson(req): ApiJson<Switch>,
) -> ApiResult<Json<RoomView>> {
    Ok(Json(redact_room(s.desk.set_dnd(&actor, &room, req.on).await?, &actor)))
}

pub async fn set_class(
    State(s): State<AppState>,
    actor: Actor,
    Segment(room): Segment,
    ApiJson(req): ApiJson<SetClass>,
) -> ApiResult<Json<RoomView>> {
    Ok(Json(redact_room(s.desk.set_class(&actor, &room, req.class).await?, &actor)))
}

pub async fn housekeeping(
    State(s): State<AppState>,
    ApiQuery(q): ApiQuery<HousekeepingQuery>,
) -> ApiResult<Json<Vec<RoomHousekeeping>>> {
    let only = q.status;
    Ok(Json(s.store.read(move |c| crate::hotel::housekeeping::list(c, only)).await?))
}

fn mask(s: &AppState, actor: &Actor) -> Option<usize> {
    (!actor.can(Permission::SeePrivate)).then_some(s.charges.cfg.mask_digits)
}

pub async fn calls(
    State(s): State<AppState>,
    actor: Actor,
    ApiQuery(q): ApiQuery<CallsQuery>,
) -> ApiResult<Json<Vec<Call>>> {
    let m = mask(&s, &actor);
    Ok(Json(s.store.read(move |c| crate::hotel::charges::ledger::list(c, &q, m)).await?))
}

pub async fn folio(State(s): State<AppState>, actor: Actor, Segment(room): Segment) -> ApiResult<Json<Folio>> {
    s.desk.room(&room).await?;
    let m = mask(&s, &actor);
    Ok(Json(s.store.read(move |c| crate::hotel::charges::ledger::folio(c, &room, &s.charges.currency(), m)).await?))
}

/// The guest's printed bill: digits as `[charges] mask_digits` says, whoever prints it.
/// The guest's call bill (`?lang=`, English by default): the same page as `/api/print/bill`.
pub async fn folio_print(
    State(s): State<AppState>,
    actor: Actor,
    Segment(room): Segment,
    ApiQuery(q): ApiQuery<PrintQuery>,
) -> ApiResult<axum::response::Html<String>> {
    let q = PrintQuery { room: Some(room), ..q };
    super::print::page(&s, &actor, "bill", &q).await
}

/// The tariff in use, or 404 when the hotel has none.
fn tariff_in_use(s: &AppState) -> ApiResult<std::sync::Arc<crate::hotel::charges::Tariff>> {
    s.charges.tariff().ok_or_else(|| ApiError::NotFound("this hotel has no tariffs.toml".into()))
}

pub async fn tariff(State(s): State<AppState>) -> ApiResult<Json<TariffView>> {
    Ok(Json(tariff_in_use(&s)?.view()))
}

/// Reads tariffs.toml again (a manager, after editing it): calls reported from now on are priced
/// by it; a wrong file is refused with the key named and the tariff in use stays.
pub async fn tariff_reload(State(s): State<AppState>, actor: Actor) -> ApiResult<Json<TariffReloaded>> {
    let before = s.charges.tariff().map(|t| t.version.clone());
    let charges = s.charges.clone();
    let t = blocking(move || charges.reload().map_err(|e| ApiError::Unprocessable(e.to_string()))).await?;
    let after = t.as_ref().map(|t| t.version.clone());
    let now = s.desk.now_utc();
    let change = Change::new("tariff_reload")
        .subject("tariffs.toml")
        .before(before.unwrap_or_else(|| "no tariff".into()))
        .after(after.clone().unwrap_or_else(|| "no tariff".into()));
    let by = actor.clone();
    s.store.write(Priority::Normal, move |tx| audit::record(tx, now, &by, &change)).await?;
    tracing::info!(version = ?after, by = %actor.login, "tariff reloaded");
    Ok(Json(TariffReloaded {
        version: after,
        currency: t.as_ref().map(|t| t.currency.clone()),
        bands: t.as_ref().map_or(0, |t| t.bands.len()),
    }))
}

pub async fn tariff_quote(State(s): State<AppState>, ApiQuery(q): ApiQuery<QuoteQuery>) -> ApiResult<Json<Quote>> {
    let t = tariff_in_use(&s)?;
    let number = q.number.ok_or_else(|| ApiError::BadRequest("give ?number=".into()))?;
    crate::domain::validate::dialled("number", &number)?;
    let minutes = q.minutes.unwrap_or(1).clamp(1, 600);
    let tz = s.wakeups.timezone();
    let now = s.desk.now_utc().with_timezone(&tz).naive_local();
    let at = match q.at {
        Some(t) => now.date().and_time(crate::domain::wakeup::rule::parse_time(&t)?),
        None => now,
    };
    let free = s.charges.cfg.free_numbers.iter().any(|f| number.starts_with(f.as_str()));
    let priced = if free {
        crate::hotel::charges::Priced { band: "free".into(), amount_minor: 0 }
    } else {
        t.price(&number, at, std::time::Duration::from_secs(u64::from(minutes) * 60))
    };
    Ok(Json(Quote {
        number,
        minutes,
        band: priced.band,
        amount_minor: priced.amount_minor,
        currency: t.currency.clone(),
    }))
}

pub async fn housekeeping_report(
    State(s): State<AppState>,
    ApiQuery(q): ApiQuery<DateQuery>,
) -> ApiResult<Json<DayReport>> {
    let tz = s.wakeups.timezone();
    let date = match q.date {
        Some(d) => crate::domain::wakeup::rule::parse_date(&d)?,
        None => s.desk.now_utc().with_timezone(&tz).date_naive(),
    };
    let start = |d: chrono::NaiveDate| crate::domain::wakeup::rule::resolve(tz, d.and_time(chrono::NaiveTime::MIN));
    let (from, until) = (start(date), start(date.succ_opt().unwrap_or(date)));
    let report =
        s.store.read(move |c| crate::hotel::housekeeping::day_report(c, &date.to_string(), from, until)).await?;
    Ok(Json(report))
}

pub async fn set_housekeeping(
    State(s): State<AppState>,
    actor: Actor,
    Segment(room): Segment,
    ApiJson(req): ApiJson<SetHousekeeping>,
) -> ApiResult<Json<RoomView>> {
    s.desk.set_housekeeping(&actor, &room, req.status).await?;
    Ok(Json(redact_room(s.desk.room(&room).await?, &actor)))
}

pub async fn list_stays(
    State(s): State<AppState>,
    actor: Actor,
    ApiQuery(q): ApiQuery<StaysQuery>,
) -> ApiResult<Json<Vec<Stay>>> {
    let stays = s.desk.stays(q.active.unwrap_or(true)).await?;
    Ok(Json(stays.into_iter().map(|st| redact_stay(st, &actor)).collect()))
}

pub async fn get_stay(State(s): State<AppState>, actor: Actor, Id(id): Id) -> ApiResult<Json<Stay>> {
    let stay = s.desk.stay(id).await?.ok_or_else(|| ApiError::NotFound(format!("stay {id} does not exist")))?;
    Ok(Json(redact_stay(stay, &actor)))
}

/// Which room is a guest in? Staff only; incognito guests only for managers.
pub async fn find_guests(
    State(s): State<AppState>,
    actor: Actor,
    ApiQuery(q): ApiQuery<GuestQuery>,
) -> ApiResult<Json<Vec<Stay>>> {
    let name = q.name.ok_or_else(|| ApiError::BadRequest("give ?name=".into()))?;
    Ok(Json(s.desk.find_guests(&name, actor.can(Permission::SeePrivate)).await?))
}

pub async fn pbx_status(State(s): State<AppState>) -> ApiResult<Json<PbxStatus>> {
    let queued = s.store.read(outbox::pending).await?;
    Ok(Json(PbxStatus { link: s.link.status(), queued }))
}

/// The built-in simulator reports a call from a room, as a PBX does when the call ends.
pub async fn simulate_call(
    State(s): State<AppState>,
    ApiJson(req): ApiJson<SimCall>,
) -> ApiResult<Created<SimCallReply>> {
    let sim =
        s.simulator.as_ref().ok_or_else(|| ApiError::Conflict("the PBX is a real one: calls come from it".into()))?;
    s.desk.room(&req.room).await?;
    crate::domain::validate::dialled("digits", &req.digits)?;
    let posting = (sim.state().postings_sent + 1).to_string();
    let d = req.duration_s.min(359_999);
    let at = s.desk.now_utc().with_timezone(&s.wakeups.timezone()).naive_local();
    sim.command(pbx_sim::Command::Posting(fias::Posting {
        room: req.room,
        number: Some(posting.clone()),
        kind: Some(if req.amount_minor.is_some() { "C" } else { "T" }.into()),
        pulses: req.pulses.map(|p| p.to_string()),
        amount: req.amount_minor.map(|a| a.to_string()),
        duration: Some(format!("{:02}{:02}{:02}", d / 3600, (d / 60) % 60, d % 60)),
        digits: Some(req.digits),
        at: Some(at.with_nanosecond(0).unwrap_or(at)),
        ..Default::default()
    }));
    Ok((StatusCode::ACCEPTED, Json(SimCallReply { posting })))
}

pub async fn pbx_resync(State(s): State<AppState>, actor: Actor) -> ApiResult<Created<ResyncReply>> {
    if !s.link.resync().await {
        return Err(ApiError::Unavailable("the PBX link task is not running".into()));
    }
    let now = s.desk.now_utc();
    s.store
        .write(Priority::Normal, move |tx| {
            audit::record(tx, now, &actor, &Change::new("pbx_resync").subject("every room"))
        })
        .await?;
    Ok((StatusCode::ACCEPTED, Json(ResyncReply { resync: "requested".into() })))
}
