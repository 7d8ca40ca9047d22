//! What the PMS says, carried out as the desk operations a person would make: the same
//! validation, store transaction, audit row and PBX outbox, with the PMS as the actor (`pms` in
//! the audit trail). So the PBX follows the PMS exactly as it follows the desk.
//!
//! Tolerance: a record that repeats what is already so (a check-in of the guest who is in, a
//! booking that exists, a message already left) is acknowledged and changes nothing, so a PMS
//! that sends again after a reconnect does no harm. A record that cannot be carried out (an
//! unknown room, say) is refused with a reason; the link logs it and carries on.
//!
//! Shared rooms: a `GI` for a room occupied by another reservation (`G#`) adds a second guest
//! to the room's stay (a sharer); the line stays open until the last guest leaves; when the
//! main guest leaves first, the next one takes over the stay and the PBX shows their name.

use crate::store::At;
use crate::store::Sql;
use std::collections::BTreeSet;

use fias::{Guest, Message, RoomEquipment};
use rusqlite::{params, OptionalExtension};

pub use super::applied::Applied;
use super::applied::{desk, msgs};
use super::context::PmsCtx;
use super::requests;
use crate::domain::event::Event;
use crate::domain::identity::Actor;
use crate::domain::pbx_command::PbxCommand;
use crate::hotel::changes;
use crate::hotel::desk::CheckIn;
use crate::store::{outbox, rooms, Priority, StoreError};

/// A database resync the PMS is running (between its `DS` and `DE`).
#[derive(Debug, Default)]
pub struct Resync {
    pub running: bool,
    pub mentioned: BTreeSet<String>,
}

/// A class above the highest one switchboard maps is not applied (refusing it would refuse the
/// whole check-in): the room gets the hotel's default class, and the log says so.
fn class(cs: Option<u8>) -> Option<u8> {
    match cs {
        Some(c) if c > crate::config::MAX_CLASS => {
            tracing::warn!("the PMS sent class of service {c}; the hotel's default class is used");
            None
        }
        other => other,
    }
}

/// Carries out one record from the PMS.
pub async fn apply(ctx: &PmsCtx, resync: &mut Resync, msg: Message) -> Result<Applied, StoreError> {
    let actor = Actor::pms();
    match msg {
        Message::GuestIn(g) => {
            if g.swap && resync.running {
                resync.mentioned.insert(g.room.clone());
            }
            guest_in(ctx, &actor, g).await
        }
        Message::GuestOut { room, stay, swap } => {
            if swap && resync.running {
                resync.mentioned.insert(room.clone());
            }
            guest_out(ctx, &actor, &room, stay.as_deref(), swap).await
        }
        Message::GuestChange { room, old_room, stay, name, first_name, language } => {
            if let Some(old) = old_room.filter(|o| *o != room) {
                let here = ctx
                    .store
                    .read({
                        let room = room.clone();
                        move |c| rooms::active_stay(c, &room)
                    })
                    .await?;
                let moved_already = here.is_some_and(|s| stay.is_none() || s.reservation == stay);
                let r = if moved_already {
                    Applied::Unchanged(format!("the guest is already in room {room}"))
                } else {
                    desk(ctx.desk.move_room_with(&actor, &old, &room, true).await, |s| {
                        Applied::Done(format!("stay {} moved from room {old} to {room}", s.id))
                    })?
                };
                if matches!(r, Applied::Refused(_)) || (name.is_none() && first_name.is_none() && language.is_none()) {
                    return Ok(r);
                }
            }
            desk(
                ctx.desk.update_guest(&actor, &room, name.as_deref(), first_name.as_deref(), language.as_deref()).await,
                |s| Applied::Done(format!("guest data of stay {} updated", s.id)),
            )
        }
        Message::RoomEquipment(e) => equipment(ctx, &actor, e).await,
        Message::WakeRequest(w) => requests::wake_request(ctx, &actor, w).await,
        Message::WakeClear(w) => requests::wake_clear(ctx, &actor, w).await,
        Message::MessageText(m) => requests::message_text(ctx, &actor, m).await,
        Message::MessageDelete(m) => requests::message_delete(ctx, &actor, m).await,
        Message::ResyncStart => {
            resync.running = true;
            resync.mentioned.clear();
            Ok(Applied::Done("database resync started".into()))
        }
        Message::ResyncEnd => resync_end(ctx, resync).await,
        Message::PostingAnswer { room, number, status, .. } => {
            posting_answer(ctx, &room, number.as_deref().unwrap_or_default(), &status).await
        }
        Message::NightAuditStart => {
            let text = "the PMS started its night audit: call charges wait until it ends";
            ctx.journal("pms_night_audit", false, text, serde_json::json!({})).await;
            Ok(Applied::Done("night audit started: postings wait".into()))
        }
        Message::NightAuditEnd => {
            let text = "the PMS ended its night audit: waiting call charges are sent";
            ctx.journal("pms_night_audit_end", false, text, serde_json::json!({})).await;
            Ok(Applied::Done("night audit ended: postings go".into()))
        }
        other => Ok(Applied::Unchanged(format!("{} is not acted on", other.record_id()))),
    }
}

/// `NA` (night audit running) and `RY` (retry) mean "not now": the posting is queued again for
/// a later try, never dropped. Other refusals are final and counted.
async fn posting_answer(ctx: &PmsCtx, room: &str, n: &str, status: &str) -> Result<Applied, StoreError> {
    match status {
        "OK" => Ok(Applied::Done(format!("the PMS posted call {n} of room {room}"))),
        _ if super::holds::try_again_later(status) => {
            let queued = match n.parse::<i64>() {
                Ok(call) => {
                    let room = room.to_string();
                    ctx.store.write(Priority::Urgent, move |tx| super::outbox::requeue_posting(tx, &room, call)).await?
                }
                Err(_) => false,
            };
            Ok(if queued {
                Applied::Done(format!("call {n} of room {room} waits for another try: the PMS answered {status}"))
            } else {
                Applied::Refused(format!("the PMS answered {status} to call {n} of room {room}, not posted from here"))
            })
        }
        _ => Ok(Applied::Refused(format!("the PMS answered {status} to call {n} of room {room}"))),
    }
}

/// The room's active stay (`Some(None)`: vacant), or `None` where the room does not exist here.
async fn room_stay(ctx: &PmsCtx, room: &str) -> Result<Option<Option<rooms::Stay>>, StoreError> {
    let room = room.to_string();
    ctx.store
        .read(move |c| {
            if !rooms::exists(c, &room)? {
                return Ok(None);
            }
            Ok(Some(rooms::active_stay(c, &room)?))
        })
        .await
}

async fn guest_in(ctx: &PmsCtx, actor: &Actor, g: Guest) -> Result<Applied, StoreError> {
    let room = g.room.clone();
    let name = g.name.clone().filter(|n| !n.trim().is_empty()).unwrap_or_else(|| "Guest".into());
    let Some(current) = room_stay(ctx, &room).await? else {
        return Ok(Applied::Refused(format!("room {room} does not exist here")));
    };
    match current {
        None => {
            let req = CheckIn {
                name,
                first_name: g.first_name.clone(),
                language: g.language.clone(),
                class: class(g.class_of_service),
                reservation: g.stay.clone(),
                not_ready_ok: true,
                // `GV`: the PMS's VIP code; any but none, empty or 0 marks a VIP.
                vip: g.vip.as_deref().is_some_and(|v| !v.trim().is_empty() && v.trim() != "0"),
                ..Default::default()
            };
            desk(ctx.desk.check_in(actor, &room, req).await, |s| {
                Applied::Done(format!("room {room} checked in as stay {}", s.id))
            })
        }
        Some(stay) if g.stay.is_none() || stay.reservation.is_none() || stay.reservation == g.stay => {
            if stay.reservation.is_none() && g.stay.is_some() {
                let (id, reservation, at) = (stay.id, g.stay.clone(), room.clone());
                ctx.store
                    .write(Priority::Urgent, move |tx| {
                        tx.exec("UPDATE stays SET reservation = ?2 WHERE id = ?1", params![id, reservation])?;
                        changes::record(tx, Event::GuestChanged { room: at })?;
                        Ok::<_, StoreError>(())
                    })
                    .await?;
            }
            desk(
                ctx.desk.update_guest(actor, &room, Some(&name), g.first_name.as_deref(), g.language.as_deref()).await,
                |_| Applied::Unchanged(format!("room {room}: the guest is in")),
            )
        }
        // A second guest, as the PMS says (GS Y): the room is shared.
        Some(stay) if g.share == Some(true) => add_sharer(ctx, actor, &room, stay.id, &g, &name).await,
        // Another reservation as THE guest of the room: the PMS's check-out of the one before
        // was lost (a record written into a connection that broke). Where the PMS owns stays,
        // its word stands: the stale stay is checked out (logged) and the new guest checked in.
        Some(stay) if ctx.cfg.owns_stays => {
            let waiting = ctx.store.read(move |c| crate::hotel::messages::waiting_of_stay(c, stay.id)).await?.len();
            let out = desk(ctx.desk.check_out(actor, &room, true).await, |_| Applied::Done(String::new()))?;
            if let Applied::Refused(why) = out {
                return Ok(Applied::Refused(why));
            }
            let now = ctx.clock.now();
            let text = format!(
                "the PMS checked {room} in over an active stay: stay {} ({}, reservation {}) ended, its {waiting} waiting message(s) discarded; the new guest is reservation {} (the PMS's check-out of the stay before was probably lost)",
                stay.id,
                stay.audit_name(),
                stay.reservation.as_deref().unwrap_or("-"),
                g.stay.as_deref().unwrap_or("-"),
            );
            let facts = serde_json::json!({ "room": room, "stay": stay.id, "reservation": stay.reservation,
                "new_reservation": g.stay, "discarded": waiting });
            // alerts::raise logs it and writes the logbook entry (kind pms_replaced_stay) too.
            let here = room.clone();
            ctx.store
                .write(Priority::Urgent, move |tx| {
                    let kind = crate::hotel::alerts::Kind::PmsReplacedStay;
                    crate::hotel::alerts::raise(tx, now, kind, Some(&here), None, facts, &text)
                })
                .await?;
            // Once more, now that the room is free (boxed: an async fn calling itself).
            Box::pin(guest_in(ctx, actor, g)).await
        }
        Some(stay) => Ok(Applied::Refused(format!(
            "room {room} is occupied by stay {} ({}), which the PMS does not know; check it out at the desk first",
            stay.id,
            stay.audit_name()
        ))),
    }
}

async fn add_sharer(
    ctx: &PmsCtx,
    actor: &Actor,
    room: &str,
    stay: i64,
    g: &Guest,
    name: &str,
) -> Result<Applied, StoreError> {
    let reservation = g.stay.clone().unwrap_or_default();
    let now = ctx.clock.now();
    let actor_owned = actor.clone();
    let room_owned = room.to_string();
    let g_owned = g.clone();
    let name_owned = name.to_string();
    ctx.store
        .write(Priority::Urgent, move |tx| {
            let actor = &actor_owned;
            let room = room_owned.as_str();
            let g = &g_owned;
            let name = name_owned.as_str();
            let known: Option<i64> = tx
                .row(
                    "SELECT id FROM stay_sharers WHERE stay = ?1 AND reservation = ?2 AND left_at IS NULL",
                    params![stay, reservation],
                    |r| r.get(0),
                )
                .optional()?;
            if known.is_some() {
                return Ok(Applied::Unchanged(format!("room {room}: reservation {reservation} already shares it")));
            }
            tx.exec(
                "INSERT INTO stay_sharers(stay, reservation, guest_name, first_name, language, joined_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![stay, reservation, name, g.first_name, g.language, At(now)],
            )?;
            changes::record(tx, Event::GuestChanged { room: room.to_string() })?;
            let change = crate::hotel::audit::Change::new("share_in")
                .room(room)
                .stay(stay)
                .subject(format!("reservation {reservation}"))
                .params(serde_json::json!({ "guest": name, "reservation": reservation }))
                .after(format!("{name} shares the room"));
            crate::hotel::audit::record(tx, now, actor, &change)?;
            Ok(Applied::Done(format!("room {room}: {name} (reservation {reservation}) shares stay {stay}")))
        })
        .await
}

/// A second guest of a room: (row id, reservation, name, first name, language).
type Sharer = (i64, String, String, Option<String>, Option<String>);

async fn guest_out(
    ctx: &PmsCtx,
    actor: &Actor,
    room: &str,
    reservation: Option<&str>,
    swap: bool,
) -> Result<Applied, StoreError> {
    let Some(stay) = room_stay(ctx, room).await? else {
        return Ok(Applied::Refused(format!("room {room} does not exist here")));
    };
    let Some(stay) = stay else { return Ok(Applied::Unchanged(format!("room {room} is vacant already"))) };
    let now = ctx.clock.now();
    // A sharer leaving, or the main guest leaving with sharers still in: the room stays occupied.
    let (out_stay, out_actor, out_room) = (stay.clone(), actor.clone(), room.to_string());
    let (out_reservation, out_now) = (reservation.map(str::to_string), now);
    let shared = ctx
        .store
        .write(Priority::Urgent, move |tx| {
            let (stay, actor, room, now) = (&out_stay, &out_actor, out_room.as_str(), out_now);
            let reservation = out_reservation.as_deref();
            let sharers: Vec<Sharer> = {
                let mut st = tx.prepare_cached(
                    "SELECT id, reservation, guest_name, first_name, language FROM stay_sharers
                 WHERE stay = ?1 AND left_at IS NULL ORDER BY id",
                )?;
                let rows = st
                    .query_map([stay.id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))?
                    .collect::<Result<Vec<_>, _>>()?;
                rows
            };
            if sharers.is_empty() || swap {
                return Ok::<_, StoreError>(None);
            }
            let leaving_main = reservation.is_none() || stay.reservation.as_deref() == reservation;
            let (leaver, who) = if leaving_main {
                let next = sharers[0].clone();
                tx.exec(
                    "UPDATE stays SET reservation = ?2, guest_name = ?3, first_name = ?4, language = ?5 WHERE id = ?1",
                    params![stay.id, next.1, next.2, next.3, next.4],
                )?;
                let cmd = PbxCommand::GuestData {
                    stay: stay.id,
                    name: (!stay.private).then(|| next.2.clone()),
                    first_name: next.3.clone().filter(|_| !stay.private),
                    language: next.4.clone(),
                };
                outbox::push(tx, now, room, &cmd, outbox::PRIORITY_NORMAL)?;
                (next.0, format!("{} left; {} (reservation {}) holds the room now", stay.audit_name(), next.2, next.1))
            } else {
                match sharers.iter().find(|s| Some(s.1.as_str()) == reservation) {
                    Some(s) => (s.0, format!("{} (reservation {}) left the shared room", s.2, s.1)),
                    None => {
                        return Ok(Some(Applied::Unchanged(format!(
                            "room {room}: no guest with reservation {}",
                            reservation.unwrap_or("")
                        ))))
                    }
                }
            };
            tx.exec("UPDATE stay_sharers SET left_at = ?2 WHERE id = ?1", params![leaver, At(now)])?;
            changes::record(tx, Event::GuestChanged { room: room.to_string() })?;
            let facts = serde_json::json!({ "stay": stay.id });
            let change =
                crate::hotel::audit::Change::new("share_out").room(room).stay(stay.id).after(who.clone()).params(facts);
            crate::hotel::audit::record(tx, now, actor, &change)?;
            Ok(Some(Applied::Done(format!("room {room}: {who}"))))
        })
        .await?;
    if let Some(done) = shared {
        return Ok(done);
    }
    if !swap && reservation.is_some() && stay.reservation.is_some() && stay.reservation.as_deref() != reservation {
        return Ok(Applied::Unchanged(format!("room {room} is held by another reservation")));
    }
    let r = desk(ctx.desk.check_out(actor, room, true).await, |s| {
        Applied::Done(format!("room {room} checked out (stay {})", s.id))
    })?;
    if swap && matches!(r, Applied::Done(_)) {
        let text = format!(
            "the PMS's database resync says room {room} is vacant; it was occupied here by stay {} ({}) and has been checked out",
            stay.id,
            stay.audit_name()
        );
        let room = room.to_string();
        let facts = serde_json::json!({ "stay": stay.id, "guest": stay.guest_fact(), "incognito": stay.private });
        ctx.store
            .write(Priority::Urgent, move |tx| {
                crate::hotel::journal::system_entry(tx, now, "pms_resync_checkout", Some(&room), true, &text, &facts)
            })
            .await?;
    }
    Ok(r)
}

async fn equipment(ctx: &PmsCtx, actor: &Actor, e: RoomEquipment) -> Result<Applied, StoreError> {
    let room = e.room.clone();
    let mut done = Vec::new();
    if let Some(c) = e.class_of_service {
        match class(Some(c)) {
            Some(c) => {
                match desk(ctx.desk.set_class(actor, &room, c).await, |_| Applied::Done(format!("class {c}")))? {
                    Applied::Refused(why) => return Ok(Applied::Refused(why)),
                    _ => done.push(format!("class {c}")),
                }
            }
            None => done.push(format!("class {c} ignored")),
        }
    }
    if let Some(on) = e.dnd {
        if let Applied::Refused(why) = desk(ctx.desk.set_dnd(actor, &room, on).await, |_| Applied::Done(String::new()))?
        {
            return Ok(Applied::Refused(why));
        }
        done.push(format!("DND {}", if on { "on" } else { "off" }));
    }
    if let Some(on) = e.message_lamp {
        if let Applied::Refused(why) =
            msgs(ctx.messages.set_lamp(actor, &room, on).await, |_| Applied::Done(String::new()))?
        {
            return Ok(Applied::Refused(why));
        }
        done.push(format!("lamp {}", if on { "on" } else { "off" }));
    }
    Ok(if done.is_empty() {
        Applied::Unchanged(format!("room {room}: nothing the PMS may set"))
    } else {
        Applied::Done(format!("room {room}: {}", done.join(", ")))
    })
}

/// The resync is over: rooms occupied here that it did not mention are reported, not changed.
async fn resync_end(ctx: &PmsCtx, resync: &mut Resync) -> Result<Applied, StoreError> {
    let was_running = std::mem::take(&mut resync.running);
    let mentioned = std::mem::take(&mut resync.mentioned);
    if !was_running {
        return Ok(Applied::Unchanged("DE without DS".into()));
    }
    let occupied: Vec<String> = ctx
        .store
        .read(move |c| Ok::<_, StoreError>(rooms::list_stays(c, true)?.into_iter().map(|s| s.room).collect()))
        .await?;
    let silent: Vec<String> = occupied.into_iter().filter(|r| !mentioned.contains(r)).collect();
    if silent.is_empty() {
        return Ok(Applied::Done(format!("database resync finished: {} room(s)", mentioned.len())));
    }
    let now = ctx.clock.now();
    let text = format!(
        "the PMS's database resync did not mention room(s) {} that are occupied here; they were left as they are: check them with the front desk",
        silent.join(", ")
    );
    let said = text.clone();
    let facts = serde_json::json!({ "rooms": silent.join(", ") });
    ctx.store
        .write(Priority::Urgent, move |tx| {
            crate::hotel::journal::system_entry(tx, now, "pms_resync_unmentioned", None, true, &said, &facts)?;
            crate::hotel::alerts::raise(
                tx,
                now,
                crate::hotel::alerts::Kind::PmsResyncUnmentioned,
                None,
                None,
                facts,
                &said,
            )
        })
        .await?;
    Ok(Applied::Done(text))
}
