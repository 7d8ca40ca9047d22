//! What the PMS must hear, in a durable queue of its own (`pms_outbox`, migration 10).
//!
//! Rows are written from the change's own events ([`queue_for`], called by
//! `crate::hotel::changes::record`) in the same transaction as the change they report: a wake-up
//! booked by the PMS ended (`WA`) or was cancelled here (`WC`), a message from the PMS was read
//! (`XD`), the handset reported a room status (`RS`) or voicemail (`VM`), a call was posted
//! (`PS`). A row is deleted only once the PMS has it, so an outage or a restart loses nothing;
//! the PMS link turns each into its FIAS record when it sends it (`crate::links::pms::outbox`).
//! (Until migration 12 store triggers wrote the same rows.)

use rusqlite::{params, Connection, OptionalExtension};
use serde_json::Value;

use super::sql::{Sql, StoreError};
use crate::domain::event::Event;
use crate::domain::message_status::MessageStatus;
use crate::domain::wakeup::status::WakeStatus;

/// One queued row.
#[derive(Debug, Clone, PartialEq)]
pub struct PmsRow {
    pub id: i64,
    pub room: String,
    pub kind: String,
    pub data: Value,
}

/// Whether changes the PBX reports are queued for a PMS (set at start from `[pms]`).
pub fn set_enabled(conn: &Connection, on: bool) -> Result<(), StoreError> {
    conn.exec("UPDATE pms_link SET enabled = ?1 WHERE id = 1", [on])?;
    Ok(())
}

/// Whether what the PBX reports goes on to a PMS.
fn enabled(conn: &Connection) -> Result<bool, StoreError> {
    Ok(conn.row("SELECT enabled FROM pms_link WHERE id = 1", [], |r| r.get(0))?)
}

/// Queues what the PMS must hear of `event`, if anything: what came from the PMS (a booking
/// with `pms_at`, a message with `pms_id`) always, what the PBX reports only while the link is
/// enabled.
pub fn queue_for(conn: &Connection, event: &Event) -> Result<(), StoreError> {
    use serde_json::json;
    match event {
        Event::WakeupEnded { id, room, status } => {
            let (at, ended_by): (Option<String>, Option<String>) =
                conn.row("SELECT pms_at, ended_by FROM wakeups WHERE id = ?1", [id], |r| Ok((r.get(0)?, r.get(1)?)))?;
            let Some(at) = at else { return Ok(()) };
            match status {
                WakeStatus::Done | WakeStatus::Failed | WakeStatus::Missed => {
                    let result: Option<String> = conn
                        .row(
                            "SELECT result FROM wakeup_attempts WHERE wakeup = ?1 ORDER BY id DESC LIMIT 1",
                            [id],
                            |r| r.get(0),
                        )
                        .optional()?
                        .flatten();
                    let data = json!({ "wakeup": id, "at": at, "status": status, "result": result });
                    push(conn, room, "WA", &data)?;
                }
                WakeStatus::Cancelled if ended_by.as_deref() != Some("pms") => {
                    push(conn, room, "WC", &json!({ "wakeup": id, "at": at }))?;
                }
                _ => {}
            }
        }
        Event::MessageEnded { id, room, status: MessageStatus::Delivered } => {
            let (pms_id, reservation): (Option<String>, Option<String>) = conn.row(
                "SELECT m.pms_id, s.reservation FROM messages m LEFT JOIN stays s ON s.id = m.stay WHERE m.id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            if let Some(pms_id) = pms_id {
                push(conn, room, "XD", &json!({ "id": pms_id, "reservation": reservation }))?;
            }
        }
        Event::RoomStatus { room, status, by } => {
            let attendant = by.strip_prefix("attendant:");
            if (by == "handset" || attendant.is_some()) && enabled(conn)? {
                let occupied: bool = conn.row(
                    "SELECT EXISTS (SELECT 1 FROM stays WHERE room = ?1 AND checked_out_at IS NULL)",
                    [room],
                    |r| r.get(0),
                )?;
                let data = json!({ "housekeeping": status, "occupied": i64::from(occupied), "attendant": attendant });
                push(conn, room, "RS", &data)?;
            }
        }
        Event::Voicemail { room, count } if enabled(conn)? => {
            push(conn, room, "VM", &json!({ "count": count }))?;
        }
        Event::CallPosted { id, room, posted: true } if enabled(conn)? => {
            push(conn, room, "PS", &json!({ "call": id }))?;
        }
        _ => {}
    }
    Ok(())
}

/// Marks the start of a run (returns whether the last one stopped cleanly), or a clean stop.
pub fn begin_run(conn: &Connection) -> Result<bool, StoreError> {
    let clean: bool = conn.row("SELECT clean_stop FROM pms_link WHERE id = 1", [], |r| r.get(0))?;
    conn.exec("UPDATE pms_link SET clean_stop = 0 WHERE id = 1", [])?;
    Ok(clean)
}

pub fn clean_stop(conn: &Connection) -> Result<(), StoreError> {
    conn.exec("UPDATE pms_link SET clean_stop = 1 WHERE id = 1", [])?;
    Ok(())
}

pub fn pending(conn: &Connection) -> Result<u64, StoreError> {
    Ok(conn.row("SELECT COUNT(*) FROM pms_outbox", [], |r| r.get(0))?)
}

/// The oldest rows, at most `limit`; postings (`PS`) only if `postings` (they wait out a night
/// audit while the rest goes on).
pub fn next(conn: &Connection, limit: usize, postings: bool) -> Result<Vec<PmsRow>, StoreError> {
    let mut stmt = conn
        .prepare_cached("SELECT id, room, kind, data FROM pms_outbox WHERE ?2 OR kind != 'PS' ORDER BY id LIMIT ?1")?;
    let rows = stmt
        .query_map(params![limit as i64, postings], |r| {
            let data: String = r.get(3)?;
            Ok(PmsRow {
                id: r.get(0)?,
                room: r.get(1)?,
                kind: r.get(2)?,
                data: serde_json::from_str(&data).unwrap_or(Value::Null),
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

pub fn done(conn: &Connection, id: i64) -> Result<(), StoreError> {
    conn.exec("DELETE FROM pms_outbox WHERE id = ?1", [id])?;
    Ok(())
}

/// Queues call `call` of `room` for the PMS again (it answered `NA` or `RY`); false if no such
/// call was posted from here. A call already waiting is not queued twice.
pub fn requeue_posting(conn: &Connection, room: &str, call: i64) -> Result<bool, StoreError> {
    let ours: Option<i64> =
        conn.row("SELECT id FROM calls WHERE id = ?1 AND room = ?2", params![call, room], |r| r.get(0)).optional()?;
    if ours.is_none() {
        return Ok(false);
    }
    let waiting: i64 = conn.row(
        "SELECT COUNT(*) FROM pms_outbox WHERE kind = 'PS' AND json_extract(data, '$.call') = ?1",
        [call],
        |r| r.get(0),
    )?;
    if waiting == 0 {
        push(conn, room, "PS", &serde_json::json!({ "call": call }))?;
    }
    Ok(true)
}

/// Queues a record for the PMS.
pub fn push(conn: &Connection, room: &str, kind: &str, data: &Value) -> Result<i64, StoreError> {
    conn.exec("INSERT INTO pms_outbox(room, kind, data) VALUES (?1, ?2, ?3)", params![room, kind, data.to_string()])?;
    Ok(conn.last_insert_rowid())
}
