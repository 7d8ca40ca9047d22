//! The inbox of PBX reports about wake-ups: a ring's answer, a call booked or cleared on the
//! room's handset. The link stores each report; the scheduler acts on them here, oldest first,
//! each in the transaction that marks it handled.

use chrono::{DateTime, NaiveDateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};

use super::bookings::{Booking, WakeupError};
use super::scheduler::Scheduler;
use crate::clock::local_iso;
use crate::domain::identity::Actor;
use crate::domain::pbx_report::{PbxReport, WakeResult};
use crate::domain::wakeup::status::{WakeStatus, ACTIVE_SQL};
use crate::hotel::alerts;
use crate::store::pbx_reports as report;
use crate::store::{Priority, Sql, StoreError};

impl Scheduler {
    /// Acts on what the PBX reported, oldest first, from the inbox in the store: each report's
    /// effect and its "handled" mark are committed together, so a crash in between loses
    /// nothing (the report is acted on after the restart) and nothing is acted on twice.
    pub async fn process_inbox(&self, now: DateTime<Utc>) -> Result<usize, StoreError> {
        let mut done = 0;
        loop {
            let batch = self.store.read(|c| report::pending(c, 32)).await?;
            if batch.is_empty() {
                break;
            }
            for (event, r) in batch {
                let me = self.clone();
                self.store
                    .write(Priority::Urgent, move |tx| {
                        me.act_on(tx, now, &r)?;
                        report::handled(tx, event)
                    })
                    .await?;
                done += 1;
            }
        }
        if done > 0 {
            self.changed.notify_one();
        }
        Ok(done)
    }

    /// The booking a PBX report is about: `sql` selects an id by room (?1) and local time (?2).
    fn find(tx: &Connection, sql: &str, room: &str, at: NaiveDateTime) -> Result<Option<i64>, StoreError> {
        Ok(tx.row(sql, params![room, local_iso(at)], |r| r.get(0)).optional()?)
    }

    /// One report's effect, inside the transaction that marks it handled.
    fn act_on(&self, tx: &Connection, now: DateTime<Utc>, report: &PbxReport) -> Result<(), StoreError> {
        match report {
            PbxReport::WakeAnswer { result: WakeResult::Other(code), room, .. } if code == "RY" => {
                // Some PBXs report "retrying" while they keep ringing: not a result.
                tracing::debug!(room, "the PBX is still trying the wake-up ring (RY)");
            }
            PbxReport::WakeAnswer { room, at, result } => {
                let id = Self::find(
                    tx,
                    &format!(
                        "SELECT id FROM wakeups WHERE room = ?1 AND status = '{}'
                         ORDER BY ring_local = ?2 DESC, ring_deadline LIMIT 1",
                        WakeStatus::Ringing
                    ),
                    room,
                    *at,
                )?;
                match id {
                    Some(id) => self.outcome(tx, now, id, &result.as_text())?,
                    None => tracing::warn!(
                        room,
                        "the PBX answered a wake-up ring nobody is waiting for ({result:?}); kept as a PBX event"
                    ),
                }
            }
            PbxReport::HandsetBooking { room, at } => {
                let b = Booking {
                    room: room.clone(),
                    time: Some(at.format("%H:%M:%S").to_string()),
                    date: Some(at.format("%Y-%m-%d").to_string()),
                    ..Default::default()
                };
                match self.wakeups.add_in(tx, &Actor::handset(), &b, "handset") {
                    Ok(_) => {}
                    Err(WakeupError::Store(e)) => return Err(e),
                    Err(e) => {
                        let msg =
                            format!("a wake-up call booked on the handset of room {room} for {at} was refused: {e}");
                        let facts = serde_json::json!({ "room": room, "at": at.format("%Y-%m-%d %H:%M").to_string(), "reason": e.to_string() });
                        alerts::raise(tx, now, alerts::Kind::HandsetBookingRefused, Some(room), None, facts, &msg)?;
                    }
                }
            }
            PbxReport::HandsetClear { room, at } => {
                let sql =
                    format!("SELECT id FROM wakeups WHERE room = ?1 AND next_local = ?2 AND status IN {ACTIVE_SQL}");
                match Self::find(tx, &sql, room, *at)? {
                    Some(id) => match self.wakeups.cancel_in(tx, &Actor::handset(), id, "cancelled on the handset") {
                        Ok(()) => {}
                        Err(WakeupError::Store(e)) => return Err(e),
                        Err(e) => tracing::warn!(room, "handset cancel of wake-up {id}: {e}"),
                    },
                    None => tracing::warn!(
                        room,
                        "the guest cancelled a wake-up at {at} on the handset, but none is booked then"
                    ),
                }
            }
        }
        Ok(())
    }
}
