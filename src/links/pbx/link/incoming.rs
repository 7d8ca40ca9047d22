//! What the PBX tells us: stored, logged, never silently dropped.
//!
//! Room status and voicemail counts update the room; DND set on the handset becomes the room's
//! desired DND (so a resync does not undo the guest's choice). Everything else the PBX reports
//! (handset wake-up bookings, wake-up answers, call charges, message deletions, records we do not
//! know) is kept in `pbx_events` for the features that act on them, and logged.

use crate::store::At;
use crate::store::Sql;
use chrono::{DateTime, Utc};
use fias::Message;
use rusqlite::{params, Connection};

use crate::domain::event::Event;
use crate::domain::pbx_report::{PbxReport, WakeResult};
use crate::hotel::changes;
use crate::hotel::charges::Charges;
use crate::hotel::messages;
use crate::links::pbx::checks::{self, Refused};
use crate::links::pbx::command::PbxCommand;
use crate::store::outbox;
use crate::store::pbx_reports as report;
use crate::store::{rooms, Priority, Store, StoreError};
use std::sync::Arc;

/// Stores an event; returns its id.
pub fn record_event(
    conn: &Connection,
    at: DateTime<Utc>,
    room: Option<&str>,
    kind: &str,
    detail: &str,
) -> Result<i64, StoreError> {
    conn.exec(
        "INSERT INTO pbx_events(at, room, kind, detail) VALUES (?1, ?2, ?3, ?4)",
        params![At(at), room, kind, detail],
    )?;
    Ok(conn.last_insert_rowid())
}

/// What became of a record from the PBX.
#[derive(Debug, Default)]
pub struct Handled {
    /// Something went into the wake-up scheduler's inbox.
    pub scheduler: bool,
    /// The record was out of range and refused ([`checks`]); nothing of it was stored.
    pub refused: Option<Refused>,
}

/// Stores what the PBX said and acts on it in one transaction (at `now`). What the wake-up
/// scheduler must act on goes into the inbox in the same transaction. A record out of range is
/// refused: not stored, a posting answered `UR` and shown to a person.
pub async fn handle(
    store: &Store,
    now: DateTime<Utc>,
    msg: Message,
    charges: &Arc<Charges>,
) -> Result<Handled, StoreError> {
    let now_utc = now;
    let detail = format!("{:?}", msg.to_record());
    if let Err(refused) = checks::check(&msg) {
        let r = refused.clone();
        store.write(Priority::Urgent, move |tx| refuse(tx, now, &msg, &r)).await?;
        return Ok(Handled { scheduler: false, refused: Some(refused) });
    }
    let charges = charges.clone();
    let scheduler = store
        .write(Priority::Urgent, move |tx| {
            let (room, kind) = match &msg {
                Message::RoomEquipment(e) => {
                    if !rooms::exists(tx, &e.room)? {
                        tracing::warn!(room = %e.room, "PBX reported a room that is not in hotel.toml: {detail}");
                    } else {
                        let voicemail: u32 =
                            tx.row("SELECT voicemail FROM rooms WHERE number = ?1", [&e.room], |r| r.get(0))?;
                        rooms::set_reported(tx, &e.room, e.room_status, e.voicemail)?;
                        if e.room_status.is_some() {
                            changes::record(tx, Event::HandsetStatus { room: e.room.clone() })?;
                        }
                        if let Some(count) = e.voicemail.filter(|n| *n != voicemail) {
                            changes::record(tx, Event::Voicemail { room: e.room.clone(), count })?;
                        }
                        if let Some(rs) = e.room_status {
                            crate::hotel::housekeeping::from_pbx(tx, now, &e.room, rs, e.attendant.as_deref())?;
                        }
                        if let Some(dnd) = e.dnd {
                            rooms::set_line(tx, &e.room, None, None, Some(dnd))?;
                        }
                        if e.voicemail.is_some() {
                            // Voicemail counts toward the message lamp.
                            messages::sync_lamp(tx, now, &e.room)?;
                        }
                    }
                    (Some(e.room.as_str()), "room_equipment")
                }
                Message::WakeRequest(w) => (Some(w.room.as_str()), "handset_wakeup"),
                Message::WakeClear(w) => (Some(w.room.as_str()), "handset_wakeup_clear"),
                Message::WakeAnswer { wake, .. } => (Some(wake.room.as_str()), "wakeup_answer"),
                Message::Posting(p) => {
                    // Priced onto the stay and answered (PA) with what became of it.
                    crate::hotel::charges::ledger::post(tx, now_utc, &charges, p)?;
                    (Some(p.room.as_str()), "call_charge")
                }
                Message::MessageText(m) => (Some(m.room.as_str()), "message_text"),
                Message::MessageDelete(m) => {
                    if !messages::read_on_handset(tx, now, &m.room, &m.id)? {
                        tracing::info!(room = %m.room, id = %m.id, "the PBX deleted a message that is not waiting");
                    }
                    (Some(m.room.as_str()), "message_deleted")
                }
                Message::Other(r) if r.id == fias::ids::XM => {
                    let room = r.get(fias::ids::RN).unwrap_or_default();
                    messages_asked(tx, now, room)?;
                    (r.get(fias::ids::RN), "message_texts_asked")
                }
                Message::GuestIn(g) => (Some(g.room.as_str()), "unexpected"),
                Message::GuestOut { room, .. } | Message::GuestChange { room, .. } => {
                    (Some(room.as_str()), "unexpected")
                }
                _ => (None, "unknown_record"),
            };
            if kind == "unknown_record" || kind == "unexpected" {
                tracing::warn!("PBX sent a record switchboard does not act on: {}", crate::logsafe::text(&detail));
            } else {
                tracing::info!(kind, "from PBX: {}", crate::logsafe::text(&detail));
            }
            let event = record_event(tx, now, room, kind, &detail)?;
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
            Ok::<_, StoreError>(report.is_some())
        })
        .await?;
    Ok(Handled { scheduler, refused: None })
}

/// A refused record: noted in `pbx_events` (the field and why, not the record), a posting
/// answered `UR` (unprocessable, do not retry) and put before a person, once per room until
/// acknowledged (a PBX that repeats itself raises no flood).
fn refuse(tx: &Connection, now: DateTime<Utc>, msg: &Message, refused: &Refused) -> Result<(), StoreError> {
    let room = match msg {
        Message::Posting(p) => Some(p.room.as_str()),
        Message::RoomEquipment(e) => Some(e.room.as_str()),
        _ => None,
    };
    record_event(tx, now, room, "refused", &refused.to_string())?;
    let Message::Posting(p) = msg else { return Ok(()) };
    let number = p.number.clone().filter(|_| refused.field != "P#");
    let answer = PbxCommand::PostingAnswer { number: number.clone(), status: "UR".into(), at: p.at };
    let key = format!("posting:{}", number.as_deref().unwrap_or("refused"));
    outbox::push_attr(tx, now, &p.room, &key, &answer, outbox::PRIORITY_NORMAL)?;
    let open: i64 = tx.row(
        "SELECT COUNT(*) FROM alerts WHERE kind = 'pbx_refused_call' AND room IS ?1 AND acked_at IS NULL",
        [room],
        |r| r.get(0),
    )?;
    if open == 0 {
        let text = format!("the PBX reported a call the service refused: room {}, {refused}", p.room);
        let facts = serde_json::json!({ "room": p.room, "reason": refused.to_string() });
        crate::hotel::alerts::raise(tx, now, crate::hotel::alerts::Kind::PbxRefusedCall, room, None, facts, &text)?;
    }
    Ok(())
}

/// The PBX asked for a room's message texts (`XM`): one `XT` per waiting message of the stay
/// (`MI`, `MT`), or one without them when none waits.
fn messages_asked(tx: &Connection, now: DateTime<Utc>, room: &str) -> Result<(), StoreError> {
    let stay = rooms::active_stay(tx, room)?.map(|s| s.id);
    let waiting = match stay {
        Some(id) => messages::waiting_of_stay(tx, id)?,
        None => Vec::new(),
    };
    if waiting.is_empty() {
        let none = PbxCommand::MessageTexts { stay, id: None, text: None };
        outbox::push_attr(tx, now, room, "xt", &none, outbox::PRIORITY_NORMAL)?;
    }
    for m in waiting {
        let text = m.text.as_deref().map(messages::display_text);
        let one = PbxCommand::MessageTexts { stay, id: Some(m.id), text };
        outbox::push_attr(tx, now, room, &format!("xt:{}", m.id), &one, outbox::PRIORITY_NORMAL)?;
    }
    Ok(())
}
