//! A booking's state, and its one mapping to and from the store's text.

use crate::domain::words::words;

words! {
    /// Where a booking stands. Active ones ([`WakeStatus::is_active`]): scheduled, ringing, retrying.
    pub enum WakeStatus ("a wake-up status") {
        /// Waiting for its next due time.
        Scheduled = "scheduled",
        /// The room is ringing now.
        Ringing = "ringing",
        /// Not answered; the next attempt is due.
        Retrying = "retrying",
        /// Every occurrence was rung (answered or escalated) and no more are due.
        Done = "done",
        /// Not answered after every attempt: escalated to a person.
        Failed = "failed",
        /// Due while the service was down for longer than the late grace: escalated.
        Missed = "missed",
        Cancelled = "cancelled",
        /// Handed to the PBX, which keeps and rings it itself and reports no result (a Mitel);
        /// over when its time has come.
        KeptByPbx = "kept_by_pbx",
    }
}

/// The active states as an SQL list, for `status IN {ACTIVE_SQL}`.
pub const ACTIVE_SQL: &str = "('scheduled','ringing','retrying','kept_by_pbx')";

/// How many rooms ring now (bind `?1` to [`WakeStatus::Ringing`]).
pub const RINGING_NOW: &str = "SELECT COUNT(*) FROM wakeups WHERE status = ?1";

/// The states a booking waits in for its next due time, for `status IN {WAITING_SQL}` (a call
/// kept by the PBX waits for its time, to be over).
pub const WAITING_SQL: &str = "('scheduled','retrying','kept_by_pbx')";

/// The states in which a booking waits for its occurrence's own time, for `status IN
/// {AT_OCCURRENCE_SQL}` (a retry waits for the retry's time instead).
pub const AT_OCCURRENCE_SQL: &str = "('scheduled','kept_by_pbx')";

impl WakeStatus {
    pub fn is_active(self) -> bool {
        matches!(self, WakeStatus::Scheduled | WakeStatus::Ringing | WakeStatus::Retrying | WakeStatus::KeptByPbx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Sql;

    #[test]
    fn store_text_round_trips_and_active_sql_agrees() {
        let c = rusqlite::Connection::open_in_memory().unwrap();
        for &s in WakeStatus::ALL {
            let back: WakeStatus = c.row("SELECT ?1", [s], |r| r.get(0)).unwrap();
            assert_eq!(back, s);
            assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{s}\""));
            assert_eq!(s.is_active(), ACTIVE_SQL.contains(&format!("'{s}'")));
            let waiting = matches!(s, WakeStatus::Scheduled | WakeStatus::Retrying | WakeStatus::KeptByPbx);
            assert_eq!(waiting, WAITING_SQL.contains(&format!("'{s}'")));
            let at_occurrence = matches!(s, WakeStatus::Scheduled | WakeStatus::KeptByPbx);
            assert_eq!(at_occurrence, AT_OCCURRENCE_SQL.contains(&format!("'{s}'")));
        }
        assert!(c.row("SELECT 'asleep'", [], |r| r.get::<_, WakeStatus>(0)).is_err());
    }
}
