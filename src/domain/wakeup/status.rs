//! A booking's state, and its one mapping to and from the store's text.

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use serde::{Deserialize, Serialize};

/// Where a booking stands. Active ones ([`WakeStatus::is_active`]): scheduled, ringing, retrying.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WakeStatus {
    /// Waiting for its next due time.
    Scheduled,
    /// The room is ringing now.
    Ringing,
    /// Not answered; the next attempt is due.
    Retrying,
    /// Every occurrence was rung (answered or escalated) and no more are due.
    Done,
    /// Not answered after every attempt: escalated to a person.
    Failed,
    /// Due while the service was down for longer than the late grace: escalated.
    Missed,
    Cancelled,
}

/// The active states as an SQL list, for `status IN {ACTIVE_SQL}`.
pub const ACTIVE_SQL: &str = "('scheduled','ringing','retrying')";

/// How many rooms ring now (bind `?1` to [`WakeStatus::Ringing`]).
pub const RINGING_NOW: &str = "SELECT COUNT(*) FROM wakeups WHERE status = ?1";

/// The states a booking waits in for its next due time, for `status IN {WAITING_SQL}`.
pub const WAITING_SQL: &str = "('scheduled','retrying')";

impl WakeStatus {
    pub const ALL: [WakeStatus; 7] = [
        WakeStatus::Scheduled,
        WakeStatus::Ringing,
        WakeStatus::Retrying,
        WakeStatus::Done,
        WakeStatus::Failed,
        WakeStatus::Missed,
        WakeStatus::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            WakeStatus::Scheduled => "scheduled",
            WakeStatus::Ringing => "ringing",
            WakeStatus::Retrying => "retrying",
            WakeStatus::Done => "done",
            WakeStatus::Failed => "failed",
            WakeStatus::Missed => "missed",
            WakeStatus::Cancelled => "cancelled",
        }
    }

    pub fn is_active(self) -> bool {
        matches!(self, WakeStatus::Scheduled | WakeStatus::Ringing | WakeStatus::Retrying)
    }
}

impl std::fmt::Display for WakeStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Compares with the stored/JSON text (`status == "done"` reads as it is shown).
impl PartialEq<&str> for WakeStatus {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl ToSql for WakeStatus {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.as_str()))
    }
}

impl FromSql for WakeStatus {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let text = value.as_str()?;
        WakeStatus::ALL
            .into_iter()
            .find(|s| s.as_str() == text)
            .ok_or_else(|| FromSqlError::Other(format!("{text:?} is not a wake-up status").into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Sql;

    #[test]
    fn store_text_round_trips_and_active_sql_agrees() {
        let c = rusqlite::Connection::open_in_memory().unwrap();
        for s in WakeStatus::ALL {
            let back: WakeStatus = c.row("SELECT ?1", [s], |r| r.get(0)).unwrap();
            assert_eq!(back, s);
            assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{s}\""));
            assert_eq!(s.is_active(), ACTIVE_SQL.contains(&format!("'{s}'")));
            let waiting = matches!(s, WakeStatus::Scheduled | WakeStatus::Retrying);
            assert_eq!(waiting, WAITING_SQL.contains(&format!("'{s}'")));
        }
        assert!(c.row("SELECT 'asleep'", [], |r| r.get::<_, WakeStatus>(0)).is_err());
    }
}
