//! The handover sheet: what the outgoing operator hands on, built when a shift closes.
//!
//! Open follow-ups (whatever shift opened them), high-priority entries of the shift, failed or
//! missed wake-up calls, messages still waiting, PBX outages, check-in/out counts, and the
//! alerts nobody acknowledged yet. Kept with the shift as it was at closing time, shown as JSON,
//! text, or a printable HTML page for hotels that keep a paper book.

use crate::store::Sql;
use rusqlite::{params, Connection};
use serde::{Deserialize, Serialize};

use super::followups::followups;
use super::model::{entry_from_row, get_shift, Entry, Followup, Shift, ENTRY_COLUMNS};
use crate::hotel::alerts::{self, Alert};
use crate::store::StoreError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaitingMessage {
    pub id: i64,
    pub room: String,
    pub left_at: String,
    pub from: Option<String>,
    pub taken_by: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Handover {
    pub shift: Shift,
    pub open_followups: Vec<Followup>,
    pub high_priority: Vec<Entry>,
    /// Wake-up calls that failed, were missed, or met an offline PBX during the shift.
    pub wakeup_problems: Vec<Alert>,
    pub undelivered_messages: Vec<WaitingMessage>,
    /// The PBX link going down and coming back during the shift.
    pub pbx_outages: Vec<Entry>,
    pub check_ins: u32,
    pub check_outs: u32,
    /// Alerts nobody has acknowledged yet, whenever raised.
    pub open_alerts: Vec<Alert>,
}

/// Builds the sheet of shift `id` from the store.
pub fn build(c: &Connection, _tz: chrono_tz::Tz, id: i64) -> Result<Handover, StoreError> {
    let shift = get_shift(c, id)?.ok_or_else(|| StoreError::Corrupt(format!("shift {id} vanished")))?;
    let from = shift.opened_at.clone();
    let until = shift.closed_at.clone().unwrap_or_else(|| "9999".into());
    let entries = |filter: &str| -> Result<Vec<Entry>, StoreError> {
        let mut stmt = c.prepare_cached(&format!(
            "SELECT {ENTRY_COLUMNS} FROM log_entries e WHERE e.at >= ?1 AND e.at <= ?2 AND {filter} ORDER BY e.id"
        ))?;
        let rows = stmt.query_map(params![from, until], entry_from_row)?.collect::<Result<_, _>>()?;
        Ok(rows)
    };
    let high_priority = entries("e.priority = 'high'")?;
    let pbx_outages = entries("e.kind IN ('pbx_down', 'pbx_up')")?;
    let wakeup_problems: Vec<Alert> = alerts::list(c, false)?
        .into_iter()
        .filter(|a| a.at >= from && a.at <= until)
        .filter(|a| {
            matches!(a.kind.as_str(), "wakeup_failed" | "wakeup_missed" | "pbx_offline" | "handset_booking_refused")
        })
        .collect();
    let undelivered_messages = {
        let mut stmt = c.prepare_cached(
            "SELECT id, room, left_at, caller, taken_by FROM messages WHERE status = 'waiting' ORDER BY id",
        )?;
        let rows = stmt
            .query_map([], |r| {
                Ok(WaitingMessage {
                    id: r.get(0)?,
                    room: r.get(1)?,
                    left_at: r.get(2)?,
                    from: r.get(3)?,
                    taken_by: r.get(4)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        rows
    };
    let count = |action: &str| -> Result<u32, StoreError> {
        Ok(c.row(
            "SELECT COUNT(*) FROM audit WHERE action = ?1 AND at >= ?2 AND at <= ?3",
            params![action, from, until],
            |r| r.get(0),
        )?)
    };
    Ok(Handover {
        open_followups: followups(c, true)?,
        high_priority,
        wakeup_problems,
        undelivered_messages,
        pbx_outages,
        check_ins: count("checkin")?,
        check_outs: count("checkout")?,
        open_alerts: alerts::list(c, true)?,
        shift,
    })
}

impl Handover {
    /// Plain text, for the terminal.
    pub fn to_text(&self) -> String {
        let s = &self.shift;
        let mut out = format!(
            "Handover of shift {} ({}), {} to {}{}\n",
            s.id,
            s.operator,
            s.opened_at,
            s.closed_at.as_deref().unwrap_or("(open)"),
            if s.forced { " [force-closed]" } else { "" }
        );
        out += &match &s.handover_acked_by {
            Some(by) => format!("Acknowledged by {by} at {}\n", s.handover_acked_at.as_deref().unwrap_or("?")),
            None => "NOT YET ACKNOWLEDGED: the incoming operator runs `switchboard handover ack`\n".to_string(),
        };
        out += &format!("Check-ins: {}, check-outs: {}\n", self.check_ins, self.check_outs);
        let mut section = |title: &str, lines: Vec<String>| {
            out += &format!("\n{title} ({})\n", lines.len());
            for l in lines {
                out += &format!("  - {l}\n");
            }
        };
        section(
            "Open follow-ups",
            self.open_followups
                .iter()
                .map(|f| {
                    format!(
                        "#{} [{}] owner {}{}: {}",
                        f.id,
                        f.state,
                        f.owner,
                        f.due.as_ref().map(|d| format!(", due {d}")).unwrap_or_default(),
                        f.text
                    )
                })
                .collect(),
        );
        section(
            "High-priority entries",
            self.high_priority
                .iter()
                .map(|e| format!("{} {} {}: {}", e.at, e.author, e.room.as_deref().unwrap_or(""), e.text))
                .collect(),
        );
        section(
            "Wake-up calls that need a person",
            self.wakeup_problems.iter().map(|a| format!("{} {}", a.at, a.message)).collect(),
        );
        section(
            "Undelivered messages",
            self.undelivered_messages
                .iter()
                .map(|m| {
                    format!("#{} room {} since {} from {}", m.id, m.room, m.left_at, m.from.as_deref().unwrap_or("?"))
                })
                .collect(),
        );
        section("PBX outages", self.pbx_outages.iter().map(|e| format!("{} {}", e.at, e.text)).collect());
        section("Open alerts", self.open_alerts.iter().map(|a| format!("#{} {} {}", a.id, a.at, a.message)).collect());
        out
    }
}
