//! `GET /api/print/{sheet}?lang=...`: the printouts (see [`crate::http::print`]), each made of
//! what the same reader's API calls return (an incognito guest's name only for those who may
//! see it; the call bill's digits masked as `[charges] mask_digits` says).

use axum::extract::State;
use axum::response::Html;
use serde_json::{json, Value};

use super::error::{ApiError, ApiResult};
use super::extract::{ApiQuery, Segment};
use super::state::AppState;
use crate::domain::identity::{Actor, Permission};
use crate::http::contract::PrintQuery;
use crate::http::print::{self, PrintError};
use crate::store::rooms::RoomView;

pub async fn sheet(
    State(s): State<AppState>,
    actor: Actor,
    Segment(sheet): Segment,
    ApiQuery(q): ApiQuery<PrintQuery>,
) -> ApiResult<Html<String>> {
    page(&s, &actor, &sheet, &q).await
}

/// The sheet `sheet` as `actor` may read it, in the language `q` asks for (also behind the older
/// `/api/handover/print` and `/api/rooms/{room}/folio/print`).
pub async fn page(s: &AppState, actor: &Actor, sheet: &str, q: &PrintQuery) -> ApiResult<Html<String>> {
    let lang = print::language(q.lang.as_deref());
    let see_private = actor.can(Permission::SeePrivate);
    // The rooms as this reader may see them: read only for the sheets that name guests.
    let rooms: Vec<RoomView> = match sheet {
        "rooms" | "wakeups" | "messages" => {
            s.desk.rooms().await?.into_iter().map(|r| r.redacted(see_private)).collect()
        }
        _ => Vec::new(),
    };
    let guest = |room: &str| -> (Option<String>, bool, bool) {
        match rooms.iter().find(|r| r.room == room && r.occupied) {
            Some(r) => (whole_name(r.guest_name.as_deref(), r.first_name.as_deref()), r.private, r.vip),
            None => (None, false, false),
        }
    };
    let data = match sheet {
        "rooms" => json!({ "rooms": rooms.iter().map(|r| json!({
            "room": r.room, "floor": crate::config::rooms::floor_of(&r.room), "occupied": r.occupied,
            "guest": whole_name(r.guest_name.as_deref(), r.first_name.as_deref()), "vip": r.vip,
            "housekeeping": r.housekeeping, "dnd": r.dnd, "message_lamp": r.message_lamp,
            "class_of_service": r.class_of_service,
        })).collect::<Vec<_>>() }),
        "wakeups" => {
            let until = s.desk.now_utc() + chrono::Duration::hours(24);
            let calls: Vec<Value> = s
                .wakeups
                .list(None, false)
                .await?
                .into_iter()
                .filter(|w| w.status.is_active())
                .filter(|w| w.due_utc.as_deref().and_then(crate::clock::parse_utc).is_some_and(|d| d <= until))
                .map(|w| {
                    let (name, incognito, vip) = guest(&w.room);
                    json!({ "due": w.due_utc, "room": w.room, "guest": name, "incognito": incognito, "vip": vip, "status": w.status })
                })
                .collect();
            json!({ "calls": calls })
        }
        "messages" => {
            let list: Vec<Value> = s
                .messages
                .list(None, true)
                .await?
                .into_iter()
                .map(|m| {
                    let (name, incognito, _) = guest(&m.room);
                    json!({ "room": m.room, "guest": name, "incognito": incognito, "left_at": m.left_at, "from": m.from,
                            "callback": m.callback, "taken_by": m.taken_by, "text": m.text })
                })
                .collect();
            json!({ "messages": list })
        }
        "handover" => {
            if !actor.can(Permission::Operate) {
                return Err(ApiError::Forbidden("the handover sheet is for operators and managers".into()));
            }
            print::handover(s.logbook.handover().await?.as_ref(), lang)
        }
        "bill" => {
            let room = q.room.clone().ok_or_else(|| ApiError::BadRequest("the bill needs ?room=".into()))?;
            s.desk.room(&room).await?;
            let m = Some(s.charges.cfg.mask_digits).filter(|n| *n > 0);
            let currency = s.charges.currency();
            let (folio, stay) = s
                .store
                .read(move |c| {
                    let folio = crate::hotel::charges::ledger::folio(c, &room, &currency, m)?;
                    let stay = match folio.stay {
                        Some(id) => crate::store::rooms::stay(c, id)?,
                        None => None,
                    };
                    Ok::<_, crate::store::StoreError>((folio, stay))
                })
                .await?;
            print::bill(&folio, stay.as_ref(), see_private)
        }
        other => return Err(ApiError::NotFound(PrintError::NoSheet(other.into()).to_string())),
    };
    let html = print::render(sheet, lang, s.wakeups.timezone(), &s.hotel_name, s.desk.now_utc(), data)
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(Html(html))
}

/// The whole name of a guest whose family name may be withheld (an incognito guest's, redacted).
fn whole_name(family: Option<&str>, given: Option<&str>) -> Option<String> {
    family.map(|f| crate::hotel::desk::whole_name(f, given))
}
