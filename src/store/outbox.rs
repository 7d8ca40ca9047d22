//! The durable outbox of PBX commands.
//!
//! Every command is an idempotent "set this attribute of this room to this state", written in
//! the same transaction as the change that implies it. A new row supersedes (deletes) the older
//! rows for its (room, attribute): only the latest state need reach the PBX, and a backlog (a PBX
//! away all night, a busy desk) then holds at most one row per pair instead of growing with every
//! change. The link task reads the oldest row that is the latest for its pair and deletes it
//! only once the PBX acknowledged it (a row superseded while in flight is simply gone: its
//! successor goes next). Delivery is in write order per room; `priority` lets urgent
//! commands (a wake-up ring) overtake the rest, but not a change of their own room's line.

use crate::store::At;
use crate::store::Sql;
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection};

use super::StoreError;
use crate::domain::event::Event;
use crate::domain::pbx_command::PbxCommand;

/// Normal desk traffic.
pub const PRIORITY_NORMAL: i64 = 0;
/// Ahead of everything (wake-up rings).
pub const PRIORITY_URGENT: i64 = 10;

#[derive(Debug, Clone, PartialEq)]
pub struct OutboxRow {
    pub id: i64,
    pub room: String,
    pub attr: String,
    pub priority: i64,
    pub command: PbxCommand,
}

/// Appends a command for `room`, under the attribute it sets.
pub fn push(
    conn: &Connection,
    now: DateTime<Utc>,
    room: &str,
    cmd: &PbxCommand,
    priority: i64,
) -> Result<i64, StoreError> {
    push_attr(conn, now, room, cmd.attr(), cmd, priority)
}

/// Appends a command under an explicit attribute key (e.g. one per guest message, so that
/// messages never supersede each other).
pub fn push_attr(
    conn: &Connection,
    now: DateTime<Utc>,
    room: &str,
    attr: &str,
    cmd: &PbxCommand,
    priority: i64,
) -> Result<i64, StoreError> {
    let json = serde_json::to_string(cmd).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    conn.exec(
        "INSERT INTO outbox(room, attr, priority, command, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![room, attr, priority, json, At(now)],
    )?;
    let id = conn.last_insert_rowid();
    conn.exec("DELETE FROM outbox WHERE room = ?1 AND attr = ?2 AND id < ?3", params![room, attr, id])?;
    super::emit(Event::PbxQueued { room: room.to_string() });
    Ok(id)
}

/// The next commands to send, at most `limit`, in sending order: by priority then age, each
/// the latest for its (room, attribute). An urgent row (a ring) does not overtake its own room's
/// line: when that room's check-in, move or check-out written before it still waits, it goes
/// first, carrying the urgent row's priority (a ring on a line the PBX still has barred is lost;
/// the room's lamp, DND or name can wait, they do not decide whether the phone rings).
pub fn next_batch(conn: &Connection, limit: usize) -> Result<Vec<OutboxRow>, StoreError> {
    let batch = rows(
        conn,
        "SELECT id, room, attr, priority, command FROM outbox o WHERE {LATEST} ORDER BY priority DESC, id LIMIT ?1",
        params![limit as i64],
    )?;
    let Some(first) = batch.first().filter(|r| r.priority > PRIORITY_NORMAL) else { return Ok(batch) };
    let mut ahead = rows(
        conn,
        "SELECT id, room, attr, priority, command FROM outbox o WHERE room = ?1 AND attr = ?2 AND id < ?3 AND {LATEST}
         ORDER BY id LIMIT ?4",
        params![first.room, PbxCommand::LINE, first.id, limit as i64],
    )?;
    if ahead.is_empty() {
        return Ok(batch);
    }
    for row in &mut ahead {
        row.priority = first.priority;
    }
    Ok(ahead)
}

/// A row that no later row of its (room, attribute) supersedes.
const LATEST: &str = "NOT EXISTS (SELECT 1 FROM outbox n WHERE n.room = o.room AND n.attr = o.attr AND n.id > o.id)";

fn rows(conn: &Connection, sql: &str, args: impl rusqlite::Params) -> Result<Vec<OutboxRow>, StoreError> {
    let mut stmt = conn.prepare_cached(&sql.replace("{LATEST}", LATEST))?;
    let rows = stmt
        .query_map(args, |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get::<_, String>(4)?)))?
        .collect::<Result<Vec<(i64, String, String, i64, String)>, _>>()?;
    rows.into_iter()
        .map(|(id, room, attr, priority, json)| {
            let command =
                serde_json::from_str(&json).map_err(|e| StoreError::Corrupt(format!("outbox row {id}: {e}")))?;
            Ok(OutboxRow { id, room, attr, priority, command })
        })
        .collect()
}

/// The next command to send (see [`next_batch`]).
pub fn next(conn: &Connection) -> Result<Option<OutboxRow>, StoreError> {
    Ok(next_batch(conn, 1)?.pop())
}

/// The PBX acknowledged row `id`: remove it and the rows it superseded.
pub fn done(conn: &Connection, row: &OutboxRow) -> Result<(), StoreError> {
    conn.exec("DELETE FROM outbox WHERE room = ?1 AND attr = ?2 AND id <= ?3", params![row.room, row.attr, row.id])?;
    super::emit(Event::PbxTook { room: row.room.clone() });
    Ok(())
}

/// Commands waiting, counting each (room, attribute) once.
pub fn pending(conn: &Connection) -> Result<u64, StoreError> {
    Ok(conn.row("SELECT COUNT(*) FROM (SELECT DISTINCT room, attr FROM outbox)", [], |r| r.get(0))?)
}

/// Highest row id now (a resync covers every row up to it).
pub fn max_id(conn: &Connection) -> Result<i64, StoreError> {
    Ok(conn.row("SELECT COALESCE(MAX(id), 0) FROM outbox", [], |r| r.get(0))?)
}

/// A completed resync sent the full state as of `upto`: rows up to it are delivered.
pub fn covered_by_resync(conn: &Connection, upto: i64) -> Result<usize, StoreError> {
    let mut rooms: Vec<String> = {
        let mut stmt = conn.prepare_cached("DELETE FROM outbox WHERE id <= ?1 AND priority <= ?2 RETURNING room")?;
        let rows = stmt.query_map(params![upto, PRIORITY_NORMAL], |r| r.get(0))?.collect::<Result<_, _>>()?;
        rows
    };
    let n = rooms.len();
    rooms.sort();
    rooms.dedup();
    for room in rooms {
        super::emit(Event::PbxTook { room });
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Priority, Store};

    async fn push_n(s: &Store, room: &str, cmd: PbxCommand) -> i64 {
        let room = room.to_string();
        s.write(Priority::Normal, move |tx| push(tx, chrono::DateTime::UNIX_EPOCH, &room, &cmd, PRIORITY_NORMAL))
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn coalesces_per_room_and_attribute_in_write_order() {
        let s = Store::open_in_memory().unwrap();
        push_n(&s, "101", PbxCommand::Dnd { on: true }).await;
        push_n(&s, "101", PbxCommand::MessageLamp { on: true }).await;
        push_n(&s, "102", PbxCommand::Dnd { on: true }).await;
        push_n(&s, "101", PbxCommand::Dnd { on: false }).await;
        assert_eq!(s.read(pending).await.unwrap(), 3);
        let mut sent = Vec::new();
        while let Some(row) = s.read(next).await.unwrap() {
            sent.push((row.room.clone(), row.command.clone()));
            s.write(Priority::Normal, move |c| done(c, &row)).await.unwrap();
        }
        assert_eq!(
            sent,
            vec![
                ("101".into(), PbxCommand::MessageLamp { on: true }),
                ("102".into(), PbxCommand::Dnd { on: true }),
                ("101".into(), PbxCommand::Dnd { on: false }),
            ]
        );
    }

    #[tokio::test]
    async fn a_row_written_while_in_flight_survives_the_ack() {
        let s = Store::open_in_memory().unwrap();
        push_n(&s, "101", PbxCommand::Dnd { on: true }).await;
        let in_flight = s.read(next).await.unwrap().unwrap();
        push_n(&s, "101", PbxCommand::Dnd { on: false }).await;
        s.write(Priority::Normal, move |c| done(c, &in_flight)).await.unwrap();
        let row = s.read(next).await.unwrap().unwrap();
        assert_eq!(row.command, PbxCommand::Dnd { on: false });
    }

    #[tokio::test]
    async fn a_backlog_holds_one_row_per_room_and_attribute() {
        // A PBX away while the desk checks the same room in and out all day: the queue does not
        // grow with every change (reading the next row stays cheap).
        let s = Store::open_in_memory().unwrap();
        for i in 0..500 {
            push_n(&s, "101", PbxCommand::Dnd { on: i % 2 == 0 }).await;
            push_n(&s, "102", PbxCommand::MessageLamp { on: i % 2 == 0 }).await;
        }
        let rows: i64 = s
            .read(move |c| c.row("SELECT COUNT(*) FROM outbox", [], |r| r.get(0)).map_err(StoreError::from))
            .await
            .unwrap();
        assert_eq!(rows, 2);
        assert_eq!(s.read(next).await.unwrap().unwrap().command, PbxCommand::Dnd { on: false });
    }

    #[tokio::test]
    async fn urgent_rows_overtake() {
        let s = Store::open_in_memory().unwrap();
        push_n(&s, "101", PbxCommand::Dnd { on: true }).await;
        s.write(Priority::Normal, move |tx| {
            push(tx, chrono::DateTime::UNIX_EPOCH, "102", &PbxCommand::MessageLamp { on: true }, PRIORITY_URGENT)
        })
        .await
        .unwrap();
        assert_eq!(s.read(next).await.unwrap().unwrap().room, "102");
    }

    #[tokio::test]
    async fn a_ring_waits_for_its_rooms_check_in_and_for_nothing_else() {
        let s = Store::open_in_memory().unwrap();
        let urgent = |room: &'static str, cmd: PbxCommand| {
            s.write(Priority::Normal, move |tx| push(tx, DateTime::UNIX_EPOCH, room, &cmd, PRIORITY_URGENT))
        };
        let ring = || PbxCommand::Ring {
            at: chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap().and_hms_opt(7, 0, 0).unwrap(),
            expires: "2026-03-01T07:05:00Z".into(),
        };
        push_n(&s, "102", PbxCommand::Dnd { on: true }).await;
        let check_in = PbxCommand::CheckIn {
            name: Some("Early".into()),
            first_name: None,
            language: None,
            class_of_service: 2,
            stay: 1,
        };
        push_n(&s, "101", check_in.clone()).await;
        push_n(&s, "101", PbxCommand::Dnd { on: true }).await;
        urgent("101", ring()).await.unwrap();
        urgent("103", ring()).await.unwrap();

        let mut sent = Vec::new();
        while let Some(row) = s.read(next).await.unwrap() {
            sent.push((row.room.clone(), row.priority, row.command.clone()));
            s.write(Priority::Normal, move |c| done(c, &row)).await.unwrap();
        }
        assert_eq!(
            sent,
            vec![
                // The ring for 101 is first in line, after 101's check-in, at its urgency.
                ("101".into(), PRIORITY_URGENT, check_in),
                ("101".into(), PRIORITY_URGENT, ring()),
                // 103's ring had no check-in waiting: it overtakes the rest.
                ("103".into(), PRIORITY_URGENT, ring()),
                // 101's DND does not decide whether the phone rings: it waits its turn.
                ("102".into(), PRIORITY_NORMAL, PbxCommand::Dnd { on: true }),
                ("101".into(), PRIORITY_NORMAL, PbxCommand::Dnd { on: true }),
            ]
        );
    }
}
