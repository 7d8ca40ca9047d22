//! What the PBX reported that another part of the service acts on (the wake-up scheduler), and
//! the inbox that keeps it until that part has acted: a report is stored with its PBX event,
//! marked pending, and marked done in the same transaction as its effect, so a crash in
//! between loses nothing and a restart picks it up.

use crate::store::Sql;
use rusqlite::{params, Connection};
use serde::{Deserialize, Serialize};

use crate::store::StoreError;

/// How a wake-up ring ended, as the PBX said (`WA` `AS`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WakeResult {
    /// `OK`: the guest answered.
    Answered,
    /// `NR`: no answer.
    NoAnswer,
    /// `BY`: the line was busy.
    Busy,
    /// Any other code, kept as the PBX sent it.
    Other(String),
}

impl WakeResult {
    /// Decodes a FIAS `AS` answer status.
    pub fn from_fias(code: &str) -> WakeResult {
        match code {
            "OK" => WakeResult::Answered,
            "NR" => WakeResult::NoAnswer,
            "BY" => WakeResult::Busy,
            other => WakeResult::Other(other.to_string()),
        }
    }

    pub fn answered(&self) -> bool {
        *self == WakeResult::Answered
    }

    /// The attempt's result as stored and shown.
    pub fn as_text(&self) -> String {
        match self {
            WakeResult::Answered => "answered".into(),
            WakeResult::NoAnswer => "no_answer".into(),
            WakeResult::Busy => "busy".into(),
            WakeResult::Other(code) => format!("not answered (AS={code})"),
        }
    }
}

/// A report from the PBX for the rest of the service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PbxReport {
    /// The final result of a wake-up ring (`WA`); `at` echoes the ring's time.
    WakeAnswer { room: String, at: chrono::NaiveDateTime, result: WakeResult },
    /// A guest booked a wake-up call on the handset (`WR`).
    HandsetBooking { room: String, at: chrono::NaiveDateTime },
    /// A guest cancelled one on the handset (`WC`).
    HandsetClear { room: String, at: chrono::NaiveDateTime },
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answer_codes_are_decoded_where_they_arrive() {
        assert_eq!(WakeResult::from_fias("OK"), WakeResult::Answered);
        assert_eq!(WakeResult::from_fias("NR").as_text(), "no_answer");
        assert_eq!(WakeResult::from_fias("BY").as_text(), "busy");
        assert_eq!(WakeResult::from_fias("XX").as_text(), "not answered (AS=XX)");
        assert!(!WakeResult::from_fias("BY").answered());
    }
}
