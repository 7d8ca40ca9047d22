//! What the PBX tells us: stored, logged, never silently dropped.
//!
//! Room status and voicemail counts update the room; DND set on the handset becomes the room's
//! desired DND (so a resync does not undo the guest's choice). Everything else the PBX reports
//! (handset wake-up bookings, wake-up answers, call charges, message deletions, records we do not
//! know) is kept in `pbx_events` for the features that act on them, and logged.

use crate::store::Sql;
use chrono::{DateTime, Utc};
use fias::Message;
use rusqlite::{params, Connection};

use crate::charges::Charges;
use crate::messages;
use crate::pbx::report::{self, PbxReport, WakeResult};
use crate::store::{rooms, Store, StoreError};

/// Stores an event; returns its id.
pub fn record_event(
    conn: &Connection,
    at: &str,
    room: Option<&str>,
    kind: &str,
    detail: &str,
) -> Result<i64, StoreError> {
    conn.exec(
        "INSERT INTO pbx_events(at, room, kind, detail) VALUES (?1, ?2, ?3, ?4)",
        params![at, room, kind, detail],
    )?;
    Ok(conn.last_insert_rowid())
}

/// Stores what the PBX said and acts on it in one transaction (at `now`). What the wake-up
/// scheduler must act on goes into the inbox in the same transaction; returns whether it did.
pub fn handle(store: &Store, now: DateTime<Utc>, msg: Message, charges: &Charges) -> Result<bool, StoreError> {
    let now_utc = now;
    let now = crate::clock::timestamp(now);
    let detail = format!("{:?}", msg.to_record());
    store.write(|tx| {
        let (room, kind) = match &msg {
            Message::RoomEquipment(e) => {
                if !rooms::exists(tx, &e.room)? {
                    tracing::warn!(room = %e.room, "PBX reported a room that is not in hotel.toml: {detail}");
                } else {
                    rooms::set_reported(tx, &e.room, e.room_status, e.voicemail)?;
                    if let Some(rs) = e.room_status {
                        crate::housekeeping::from_pbx(tx, &now, &e.room, rs, e.attendant.as_deref())?;
                    }
                    if let Some(dnd) = e.dnd {
                        rooms::set_line(tx, &e.room, None, None, Some(dnd))?;
                    }
                    if e.voicemail.is_some() {
                        // Voicemail counts toward the message lamp.
                        messages::sync_lamp(tx, &now, &e.room)?;
                    }
                }
                (Some(e.room.as_str()), "room_equipment")
            }
            Message::WakeRequest(w) => (Some(w.room.as_str()), "handset_wakeup"),
            Message::WakeClear(w) => (Some(w.room.as_str()), "handset_wakeup_clear"),
            Message::WakeAnswer { wake, .. } => (Some(wake.room.as_str()), "wakeup_answer"),
            Message::Posting(p) => {
                // Priced onto the stay and answered (PA) with what became of it.
                crate::charges::ledger::post(tx, now_utc, charges, p)?;
                (Some(p.room.as_str()), "call_charge")
            }
            Message::MessageText(m) => (Some(m.room.as_str()), "message_text"),
            Message::MessageDelete(m) => {
                if !messages::read_on_handset(tx, &now, &m.room, &m.id)? {
                    tracing::info!(room = %m.room, id = %m.id, "the PBX deleted a message that is not waiting");
                }
                (Some(m.room.as_str()), "message_deleted")
            }
            Message::GuestIn(g) => (Some(g.room.as_str()), "unexpected"),
            Message::GuestOut { room, .. } | Message::GuestChange { room, .. } => (Some(room.as_str()), "unexpected"),
            _ => (None, "unknown_record"),
        };
        if kind == "unknown_record" || kind == "unexpected" {
            tracing::warn!("PBX sent a record switchboard does not act on: {detail}");
        } else {
            tracing::info!(kind, "from PBX: {detail}");
        }
        let event = record_event(tx, &now, room, kind, &detail)?;
        // Decoded here, where it arrives: the scheduler reads typed reports from the inbox.
        let report = match &msg {
            Message::WakeAnswer { wake, status } => Some(PbxReport::WakeAnswer {
                room: wake.room.clone(),
                at: wake.at,
                result: WakeResult::from_fias(status),
            }),
            Message::WakeRequest(w) => Some(PbxReport::HandsetBooking { room: w.room.clone(), at: w.at }),
            Message::WakeClear(w) => Some(PbxReport::HandsetClear { room: w.room.clone(), at: w.at }),
            _ => None,
        };
        if let Some(report) = &report {
            report::push(tx, event, report)?;
        }
        Ok(report.is_some())
    })
}
