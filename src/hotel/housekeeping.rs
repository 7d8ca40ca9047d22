//! Housekeeping status: is a room ready for the next guest?
//!
//! Room attendants dial a code on the room phone when they have cleaned or inspected a room;
//! the PBX reports it (FIAS `RE` with `RS`, and the attendant's `ID` where it sends one). The
//! desk sets out of order / out of service (and may set any status by hand). A check-out makes
//! the room dirty; a check-in into a room that is not clean or inspected is refused unless the
//! desk says so explicitly (recorded in the audit trail). Every change records who and when.

use crate::store::At;
use crate::store::Sql;
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection};
use serde::{Deserialize, Serialize};

use crate::domain::event::Event;
use crate::domain::identity::Actor;
use crate::hotel::audit::{self, Change};
use crate::hotel::changes;
use crate::store::StoreError;

pub use crate::domain::housekeeping::Housekeeping;

/// One room's housekeeping status, as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomHousekeeping {
    pub room: String,
    pub status: Housekeeping,
    pub occupied: bool,
    /// When the status was last set (UTC, RFC 3339); null if never.
    pub since: Option<String>,
    /// Who set it: a staff login, `handset` (no attendant code), `attendant:ID`, or `check-out`.
    pub by: Option<String>,
}

/// The status of `room` (None if there is no such room).
pub fn get(conn: &Connection, room: &str) -> Result<Option<Housekeeping>, StoreError> {
    use rusqlite::OptionalExtension;
    Ok(conn.row("SELECT housekeeping FROM rooms WHERE number = ?1", [room], |r| r.get(0)).optional()?)
}

/// Sets the status, recording who and when, with an audit row.
pub fn set(
    tx: &Connection,
    now: DateTime<Utc>,
    actor: &Actor,
    room: &str,
    status: Housekeeping,
    by: &str,
) -> Result<Option<Housekeeping>, StoreError> {
    let before = get(tx, room)?;
    tx.exec(
        "UPDATE rooms SET housekeeping = ?2, housekeeping_since = ?3, housekeeping_by = ?4 WHERE number = ?1",
        params![room, status, At(now), by],
    )?;
    changes::record(tx, Event::RoomStatus { room: room.into(), status, by: by.into() })?;
    if before != Some(status) {
        let facts = serde_json::json!({ "before": before, "after": status, "by": by });
        let mut change = Change::new("room_status").room(room).after(status.as_str()).params(facts);
        if let Some(b) = before {
            change = change.before(b.as_str());
        }
        audit::record(tx, now, actor, &change.subject(format!("by {by}")))?;
    }
    Ok(before)
}

/// What the PBX reported from the handset (`RS`, and the attendant's `ID`).
pub fn from_pbx(
    tx: &Connection,
    now: DateTime<Utc>,
    room: &str,
    rs: u8,
    attendant: Option<&str>,
) -> Result<(), StoreError> {
    let Some(status) = Housekeeping::from_fias(rs) else { return Ok(()) };
    let by = attendant.map_or_else(|| "handset".to_string(), |a| format!("attendant:{a}"));
    set(tx, now, &Actor::handset(), room, status, &by)?;
    Ok(())
}

/// Every room's status, in room order, optionally only one status.
pub fn list(conn: &Connection, only: Option<Housekeeping>) -> Result<Vec<RoomHousekeeping>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT r.number, r.housekeeping, s.id IS NOT NULL, r.housekeeping_since, r.housekeeping_by
         FROM rooms r LEFT JOIN stays s ON s.room = r.number AND s.checked_out_at IS NULL
         WHERE r.in_config = 1 AND (?1 IS NULL OR r.housekeeping = ?1) ORDER BY r.position",
    )?;
    let rows = stmt
        .query_map([only], |r| {
            Ok(RoomHousekeeping {
                room: r.get(0)?,
                status: r.get(1)?,
                occupied: r.get(2)?,
                since: r.get(3)?,
                by: r.get(4)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// One day's housekeeping: rooms made ready per attendant, and how long rooms waited from
/// check-out to clean.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DayReport {
    pub date: String,
    /// (who, rooms made clean or inspected), most first.
    pub per_attendant: Vec<(String, u32)>,
    /// Rooms cleaned after a check-out that day, and the mean and longest wait in minutes.
    pub turnarounds: u32,
    pub mean_minutes: Option<u32>,
    pub longest_minutes: Option<u32>,
}

/// The report of the UTC instants `[from, until)` (a hotel-local day), read from the audit trail.
pub fn day_report(
    conn: &Connection,
    date: &str,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<DayReport, StoreError> {
    // Check-outs up to two days before still count toward the day's turnarounds.
    let lookback = from - chrono::Duration::days(2);
    let mut stmt = conn.prepare_cached(
        "SELECT at, room, subject, after FROM audit WHERE action = 'room_status' AND at >= ?1 AND at < ?2 ORDER BY id",
    )?;
    type Row = (String, Option<String>, Option<String>, Option<String>);
    let rows: Vec<Row> = stmt
        .query_map(params![At(lookback), At(until)], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<Result<_, _>>()?;
    let mut per: std::collections::BTreeMap<String, u32> = Default::default();
    let mut dirty_since: std::collections::HashMap<String, chrono::DateTime<chrono::Utc>> = Default::default();
    let mut waits = Vec::new();
    for (at, room, subject, after) in rows {
        let (Some(room), Some(after)) = (room, after) else { continue };
        let by = subject.unwrap_or_default().trim_start_matches("by ").to_string();
        let Some(t) = crate::clock::parse_utc(&at) else { continue };
        if after == "dirty" && (by == "check-out" || by == "room move") {
            dirty_since.insert(room.clone(), t);
        }
        if (after == "clean" || after == "inspected") && t >= from {
            *per.entry(by).or_default() += 1;
            if let Some(since) = dirty_since.remove(&room) {
                waits.push(((t - since).num_minutes().max(0)) as u32);
            }
        }
    }
    let mut per_attendant: Vec<(String, u32)> = per.into_iter().collect();
    per_attendant.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    Ok(DayReport {
        date: date.to_string(),
        per_attendant,
        turnarounds: waits.len() as u32,
        mean_minutes: (!waits.is_empty()).then(|| waits.iter().sum::<u32>() / waits.len() as u32),
        longest_minutes: waits.iter().copied().max(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rs_code_and_the_stored_form() {
        let want = [
            (1, Some(Housekeeping::Dirty)),
            (2, Some(Housekeeping::Dirty)),
            (3, Some(Housekeeping::Clean)),
            (4, Some(Housekeeping::Clean)),
            (5, Some(Housekeeping::Inspected)),
            (6, Some(Housekeeping::Inspected)),
            (7, None),
            (8, None),
            (9, None),
            (10, None),
        ];
        for (rs, status) in want {
            assert_eq!(Housekeeping::from_fias(rs), status, "RS {rs}");
        }
        let c = Connection::open_in_memory().unwrap();
        for h in Housekeeping::ALL {
            let back: Housekeeping = c.row("SELECT ?1", [h], |r| r.get(0)).unwrap();
            assert_eq!((back, h.as_str().parse::<Housekeeping>().unwrap()), (h, h));
            assert_eq!(serde_json::to_string(&h).unwrap(), format!("\"{h}\""));
        }
        assert!("tidy".parse::<Housekeeping>().unwrap_err().to_string().starts_with("status:"));
        assert!(Housekeeping::Clean.ready() && Housekeeping::Inspected.ready() && !Housekeeping::Dirty.ready());
        // Back to one RS code with the occupancy, and round trip for every code.
        for rs in 1..=6u8 {
            let h = Housekeeping::from_fias(rs).unwrap();
            assert_eq!(h.to_fias(rs % 2 == 0), Some(rs));
        }
        assert_eq!(Housekeeping::OutOfOrder.to_fias(false), None);
    }
}
