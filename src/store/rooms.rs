//! Rooms (from hotel.toml) and stays (one active per room), and the desired state of each room's
//! phone line: class of service, message lamp, DND.

use crate::store::Sql;
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};

use super::StoreError;

/// One room as the desk sees it: the stay in it and what its phone should be set to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomView {
    pub room: String,
    pub occupied: bool,
    pub stay_id: Option<i64>,
    pub guest_name: Option<String>,
    pub first_name: Option<String>,
    pub language: Option<String>,
    pub reservation: Option<String>,
    pub checked_in_at: Option<String>,
    /// The stay is incognito (see [`Stay::private`]).
    pub private: bool,
    /// The stay is a VIP's (see [`Stay::vip`]).
    #[serde(default)]
    pub vip: bool,
    pub class_of_service: u8,
    pub message_lamp: bool,
    pub dnd: bool,
    /// Last room status dialled on the handset (FIAS RS), if any.
    pub room_status: Option<u8>,
    /// Housekeeping: dirty, clean, inspected, out-of-order, out-of-service.
    pub housekeeping: crate::domain::housekeeping::Housekeeping,
    pub voicemail: u32,
    /// Guest messages waiting for delivery.
    pub messages_waiting: u32,
    /// True once the PBX acknowledged the room's current state (nothing waiting for it).
    pub pbx_synced: bool,
    /// PBX commands for this room not yet acknowledged.
    pub pbx_pending: u32,
}

/// A guest's stay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stay {
    pub id: i64,
    pub room: String,
    pub guest_name: String,
    pub first_name: Option<String>,
    pub language: Option<String>,
    pub class_of_service: u8,
    pub reservation: Option<String>,
    pub checked_in_at: String,
    pub checked_out_at: Option<String>,
    /// Incognito: no name on the PBX, hidden from desk lists and name look-ups.
    pub private: bool,
    /// A VIP's stay (from the desk, or the PMS's `GV`): marked on the board; with `[wakeup]
    /// vip_to_operator`, an unanswered wake-up ring goes to a person at once.
    #[serde(default)]
    pub vip: bool,
}

impl Stay {
    /// The guest as a fact of an entry or an audit row: the name, or null for an incognito
    /// guest (each reader's console says "incognito guest" in its own language).
    pub fn guest_fact(&self) -> Option<&str> {
        (!self.private).then_some(self.guest_name.as_str())
    }

    /// The name as it may appear in the audit trail.
    pub fn audit_name(&self) -> &str {
        if self.private {
            "(incognito guest)"
        } else {
            &self.guest_name
        }
    }
}

impl RoomView {
    /// Hides an incognito guest's name from staff who may not see it.
    pub fn redacted(mut self, see_private: bool) -> RoomView {
        if self.private && !see_private {
            self.guest_name = None;
            self.first_name = None;
        }
        self
    }
}

const ROOM_SELECT: &str = "
    SELECT r.number, r.class_of_service, r.message_lamp, r.dnd, r.room_status, r.voicemail,
           s.id, s.guest_name, s.first_name, s.language, s.reservation, s.checked_in_at, COALESCE(s.private, 0),
           (SELECT COUNT(*) FROM (SELECT DISTINCT attr FROM outbox o WHERE o.room = r.number)),
           (SELECT COUNT(*) FROM messages m WHERE m.room = r.number AND m.status = 'waiting'),
           r.housekeeping, COALESCE(s.vip, 0)
    FROM rooms r LEFT JOIN stays s ON s.room = r.number AND s.checked_out_at IS NULL
    WHERE r.in_config = 1";

fn room_from_row(row: &Row) -> rusqlite::Result<RoomView> {
    let pending: u32 = row.get(13)?;
    let stay_id: Option<i64> = row.get(6)?;
    Ok(RoomView {
        room: row.get(0)?,
        class_of_service: row.get(1)?,
        message_lamp: row.get(2)?,
        dnd: row.get(3)?,
        room_status: row.get(4)?,
        voicemail: row.get(5)?,
        occupied: stay_id.is_some(),
        stay_id,
        guest_name: row.get(7)?,
        first_name: row.get(8)?,
        language: row.get(9)?,
        reservation: row.get(10)?,
        checked_in_at: row.get(11)?,
        private: row.get(12)?,
        messages_waiting: row.get(14)?,
        housekeeping: row.get(15)?,
        vip: row.get(16)?,
        pbx_synced: pending == 0,
        pbx_pending: pending,
    })
}

fn stay_from_row(row: &Row) -> rusqlite::Result<Stay> {
    Ok(Stay {
        id: row.get(0)?,
        room: row.get(1)?,
        guest_name: row.get(2)?,
        first_name: row.get(3)?,
        language: row.get(4)?,
        class_of_service: row.get(5)?,
        reservation: row.get(6)?,
        checked_in_at: row.get(7)?,
        checked_out_at: row.get(8)?,
        private: row.get(9)?,
        vip: row.get(10)?,
    })
}

const STAY_COLUMNS: &str =
    "id, room, guest_name, first_name, language, class_of_service, reservation, checked_in_at, checked_out_at, private, vip";

/// Makes the rooms table match hotel.toml: new rooms are added (line barred), rooms no longer
/// listed are kept for history but hidden.
pub fn sync_rooms(conn: &Connection, rooms: &[String]) -> Result<(), StoreError> {
    conn.exec("UPDATE rooms SET in_config = 0", [])?;
    let mut stmt = conn.prepare_cached(
        "INSERT INTO rooms(number, position, in_config) VALUES (?1, ?2, 1)
         ON CONFLICT(number) DO UPDATE SET position = excluded.position, in_config = 1",
    )?;
    for (i, room) in rooms.iter().enumerate() {
        stmt.execute(params![room, i as i64])?;
    }
    Ok(())
}

/// Is this a room of the hotel (as configured now)?
pub fn exists(conn: &Connection, room: &str) -> Result<bool, StoreError> {
    Ok(conn.row("SELECT 1 FROM rooms WHERE number = ?1 AND in_config = 1", [room], |_| Ok(())).optional()?.is_some())
}

pub fn view(conn: &Connection, room: &str) -> Result<Option<RoomView>, StoreError> {
    let sql = format!("{ROOM_SELECT} AND r.number = ?1");
    Ok(conn.row(&sql, [room], room_from_row).optional()?)
}

pub fn list(conn: &Connection) -> Result<Vec<RoomView>, StoreError> {
    let sql = format!("{ROOM_SELECT} ORDER BY r.position");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([], room_from_row)?.collect::<Result<_, _>>()?;
    Ok(rows)
}

pub fn active_stay(conn: &Connection, room: &str) -> Result<Option<Stay>, StoreError> {
    let sql = format!("SELECT {STAY_COLUMNS} FROM stays WHERE room = ?1 AND checked_out_at IS NULL");
    Ok(conn.row(&sql, [room], stay_from_row).optional()?)
}

pub fn stay(conn: &Connection, id: i64) -> Result<Option<Stay>, StoreError> {
    let sql = format!("SELECT {STAY_COLUMNS} FROM stays WHERE id = ?1");
    Ok(conn.row(&sql, [id], stay_from_row).optional()?)
}

pub fn list_stays(conn: &Connection, active_only: bool) -> Result<Vec<Stay>, StoreError> {
    let filter = if active_only { "WHERE checked_out_at IS NULL" } else { "" };
    let sql = format!("SELECT {STAY_COLUMNS} FROM stays {filter} ORDER BY id DESC LIMIT 1000");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([], stay_from_row)?.collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Sets the desired phone state of a room; `None` leaves a value as it is.
pub fn set_line(
    conn: &Connection,
    room: &str,
    class: Option<u8>,
    lamp: Option<bool>,
    dnd: Option<bool>,
) -> Result<(), StoreError> {
    conn.exec(
        "UPDATE rooms SET class_of_service = COALESCE(?2, class_of_service),
                          message_lamp = COALESCE(?3, message_lamp),
                          dnd = COALESCE(?4, dnd)
         WHERE number = ?1",
        params![room, class, lamp, dnd],
    )?;
    super::emit(crate::domain::event::Event::LineChanged { room: room.to_string() });
    Ok(())
}

/// Records what the PBX reported about a room (handset room status, voicemail count).
pub fn set_reported(
    conn: &Connection,
    room: &str,
    status: Option<u8>,
    voicemail: Option<u32>,
) -> Result<bool, StoreError> {
    let n = conn.exec(
        "UPDATE rooms SET room_status = COALESCE(?2, room_status), voicemail = COALESCE(?3, voicemail)
         WHERE number = ?1",
        params![room, status, voicemail],
    )?;
    Ok(n > 0)
}
