//! Wake-up bookings and messages from the PMS: `WR`/`WC` and `XL`/`XD`, each kept with the
//! PMS's own time or message id so what goes back (`WA`, `XD`) names them as the PMS did.

use crate::domain::wakeup::status::ACTIVE_SQL;
use crate::store::Sql;
use chrono::{Duration as ChronoDuration, NaiveDateTime};
use fias::{GuestMessage, Wake};
use rusqlite::{params, OptionalExtension};

use super::applied::{msgs, Applied};
use super::context::PmsCtx;
use super::outbox::format_pms_at;
use crate::domain::identity::Actor;
use crate::hotel::messages::NewMessage;
use crate::hotel::wakeup::{Booking, WakeupError};
use crate::store::{Priority, StoreError};

/// How much earlier than now a PMS wake-up may be and still be rung at once (FIAS lets a PMS
/// send the `WR` right at wake-up time).
const LATE_WAKE: ChronoDuration = ChronoDuration::minutes(5);

pub(super) async fn wake_request(ctx: &PmsCtx, actor: &Actor, w: Wake) -> Result<Applied, StoreError> {
    let pms_at = format_pms_at(w.at);
    let now_local = ctx.clock.now().with_timezone(&ctx.timezone).naive_local();
    // Right at (or just after) wake-up time: ring at once.
    let ring_at: NaiveDateTime =
        if w.at <= now_local && now_local - w.at <= LATE_WAKE { now_local + ChronoDuration::seconds(1) } else { w.at };
    let booking = Booking {
        room: w.room.clone(),
        time: Some(ring_at.format("%H:%M:%S").to_string()),
        date: Some(ring_at.format("%Y-%m-%d").to_string()),
        ..Default::default()
    };
    let (wakeups, actor, room) = (ctx.wakeups.clone(), actor.clone(), w.room.clone());
    let r = ctx
        .store
        .write(Priority::Urgent, move |tx| {
            let known: Option<i64> = tx
                .row(
                    &format!("SELECT id FROM wakeups WHERE room = ?1 AND pms_at = ?2 AND status IN {ACTIVE_SQL}"),
                    params![room, pms_at],
                    |r| r.get(0),
                )
                .optional()?;
            if let Some(id) = known {
                return Ok(Applied::Unchanged(format!("wake-up {id} is booked already")));
            }
            match wakeups.add_in(tx, &actor, &booking, "pms") {
                Ok(id) => {
                    tx.exec("UPDATE wakeups SET pms_at = ?2 WHERE id = ?1", params![id, pms_at])?;
                    Ok(Applied::Done(format!("wake-up {id} booked for room {room} at {}", w.at)))
                }
                Err(WakeupError::Store(e)) => Err(e),
                Err(e) => Ok(Applied::Refused(e.to_string())),
            }
        })
        .await?;
    ctx.wakeups.changed.notify_one();
    Ok(r)
}

pub(super) async fn wake_clear(ctx: &PmsCtx, actor: &Actor, w: Wake) -> Result<Applied, StoreError> {
    let pms_at = format_pms_at(w.at);
    let minute = pms_at[..10].to_string();
    let (wakeups, actor) = (ctx.wakeups.clone(), actor.clone());
    let r = ctx
        .store
        .write(Priority::Urgent, move |tx| {
            // Exactly as booked, else the same minute (a PMS that keeps times to the minute).
            let id: Option<i64> = tx
                .row(
                    &format!(
                        "SELECT id FROM wakeups WHERE room = ?1 AND status IN {ACTIVE_SQL}
                         AND (pms_at = ?2 OR substr(pms_at, 1, 10) = ?3) ORDER BY pms_at = ?2 DESC, id LIMIT 1"
                    ),
                    params![w.room, pms_at, minute],
                    |r| r.get(0),
                )
                .optional()?;
            let Some(id) = id else {
                return Ok(Applied::Unchanged(format!("no wake-up of room {} at {} to cancel", w.room, w.at)));
            };
            match wakeups.cancel_in(tx, &actor, id, "cancelled by the PMS") {
                Ok(()) => Ok(Applied::Done(format!("wake-up {id} cancelled"))),
                Err(WakeupError::Store(e)) => Err(e),
                Err(e) => Ok(Applied::Refused(e.to_string())),
            }
        })
        .await?;
    ctx.wakeups.changed.notify_one();
    Ok(r)
}

/// The waiting message the PMS sent with this id for this room, if any.
async fn waiting_message(ctx: &PmsCtx, m: &GuestMessage) -> Result<Option<i64>, StoreError> {
    let (room, id) = (m.room.clone(), m.id.clone());
    ctx.store
        .read(move |c| {
            Ok(c.row(
                "SELECT id FROM messages WHERE room = ?1 AND pms_id = ?2 AND status = 'waiting'",
                params![room, id],
                |r| r.get(0),
            )
            .optional()?)
        })
        .await
}

pub(super) async fn message_text(ctx: &PmsCtx, actor: &Actor, m: GuestMessage) -> Result<Applied, StoreError> {
    let known = waiting_message(ctx, &m).await?;
    if let Some(id) = known {
        return Ok(Applied::Unchanged(format!("message {id} is waiting already")));
    }
    let new = NewMessage {
        room: m.room.clone(),
        text: m.text.clone().filter(|t| !t.trim().is_empty()).unwrap_or_else(|| "(message at the front desk)".into()),
        from: Some("PMS".into()),
        callback: None,
        pms_id: Some(m.id.clone()),
    };
    msgs(ctx.messages.leave(actor, &new).await, |v| Applied::Done(format!("message {} left for room {}", v.id, m.room)))
}

pub(super) async fn message_delete(ctx: &PmsCtx, actor: &Actor, m: GuestMessage) -> Result<Applied, StoreError> {
    let id = waiting_message(ctx, &m).await?;
    match id {
        None => Ok(Applied::Unchanged(format!("no waiting message {} in room {}", m.id, m.room))),
        Some(id) => msgs(ctx.messages.clear(actor, id).await, |_| Applied::Done(format!("message {id} removed"))),
    }
}
