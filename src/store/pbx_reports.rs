//! The inbox of what the PBX reported for another part of the service: a report is stored with
//! its PBX event, marked pending, and marked done in the same transaction as its effect, so a
//! crash in between loses nothing and a restart picks it up.

use rusqlite::{params, Connection};

use super::sql::Sql;
use super::StoreError;
use crate::domain::pbx_report::PbxReport;

/// Puts `report` in the inbox, with the PBX event `event` (same transaction as storing it).
pub fn push(conn: &Connection, event: i64, report: &PbxReport) -> Result<(), StoreError> {
    let json = serde_json::to_string(report).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    conn.exec("UPDATE pbx_events SET report = ?2, pending = 1 WHERE id = ?1", params![event, json])?;
    Ok(())
}

/// Reports waiting to be acted on, oldest first: (event id, report).
pub fn pending(conn: &Connection, limit: usize) -> Result<Vec<(i64, PbxReport)>, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT id, report FROM pbx_events WHERE pending = 1 ORDER BY id LIMIT ?1")?;
    let rows = stmt
        .query_map([limit as i64], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter()
        .map(|(id, json)| {
            let report =
                serde_json::from_str(&json).map_err(|e| StoreError::Corrupt(format!("PBX event {id}: {e}")))?;
            Ok((id, report))
        })
        .collect()
}

/// The report of event `id` was acted on: call this in the transaction of its effect.
pub fn handled(conn: &Connection, id: i64) -> Result<(), StoreError> {
    conn.exec("UPDATE pbx_events SET pending = 0 WHERE id = ?1", [id])?;
    Ok(())
}
