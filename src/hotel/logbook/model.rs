//! The logbook's vocabulary: shifts, entries, follow-ups, search filters, errors; how they are
//! read from the store.

use crate::domain::words::{Category, FollowupState, Priority};
use crate::store::Sql;
use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::domain::validate::Invalid;
use crate::store::StoreError;

pub const MAX_TEXT: usize = 4000;

#[derive(Debug, thiserror::Error)]
pub enum LogError {
    #[error("no shift is open: open one first (switchboard shift open)")]
    NoShift,
    #[error("shift {id} is closed: entries go into the open shift")]
    ShiftClosed { id: i64 },
    #[error("shift {id} of {operator} is still open: they close it (or a manager force-closes it)")]
    ShiftOpen { id: i64, operator: String },
    #[error("shift {id} belongs to {operator}: only they close it (a manager may force-close with --force)")]
    NotYourShift { id: i64, operator: String },
    #[error("acknowledge the handover of shift {id} first (switchboard handover ack)")]
    HandoverPending { id: i64 },
    #[error("you closed shift {id}: the incoming operator acknowledges its handover, not you")]
    OwnHandover { id: i64 },
    #[error("there is no handover waiting for acknowledgement")]
    NoHandover,
    #[error("log entry {0} does not exist")]
    UnknownEntry(i64),
    #[error("follow-up {0} does not exist")]
    UnknownFollowup(i64),
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error(transparent)]
    Store(#[from] StoreError),
}

crate::store::sql_errors_into!(LogError);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shift {
    pub id: i64,
    pub operator: String,
    pub opened_at: String,
    pub closed_at: Option<String>,
    pub closed_by: Option<String>,
    pub forced: bool,
    pub handover_acked_by: Option<String>,
    pub handover_acked_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub id: i64,
    pub shift: Option<i64>,
    pub at: String,
    pub author: String,
    pub category: Category,
    pub priority: Priority,
    pub room: Option<String>,
    pub text: String,
    /// The entry this one corrects.
    pub amends: Option<i64>,
    /// Later entries that correct this one.
    #[serde(default)]
    pub amended_by: Vec<i64>,
    /// The follow-up this entry opened or updated.
    pub followup: Option<i64>,
    /// Set on entries the service wrote itself (`pbx_down`, `wakeup_failed`, ...).
    pub kind: Option<String>,
    /// The facts of an entry the service wrote itself, for saying it in another language (an
    /// alert's entry: the alert's `params` and `alert`, its id); null otherwise.
    #[serde(default)]
    pub params: Option<serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Followup {
    pub id: i64,
    /// The entry that opened it.
    pub entry: i64,
    pub owner: String,
    pub due: Option<String>,
    pub state: FollowupState,
    pub updated_at: String,
    pub text: String,
    pub room: Option<String>,
}

/// A new entry.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NewEntry {
    pub text: String,
    /// `note` when left out.
    pub category: Option<Category>,
    /// `normal` when left out.
    pub priority: Option<Priority>,
    pub room: Option<String>,
    /// Opens a follow-up owned by this staff member or role.
    pub followup_owner: Option<String>,
    /// RFC 3339 or "YYYY-MM-DD HH:MM" (hotel local time, as given).
    pub due: Option<String>,
    /// Must be the open shift, when given.
    pub shift: Option<i64>,
}

/// Search filters.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Search {
    pub q: Option<String>,
    pub room: Option<String>,
    pub category: Option<Category>,
    pub author: Option<String>,
    /// Dates (YYYY-MM-DD) or RFC 3339 times; `until` is exclusive.
    pub since: Option<String>,
    pub until: Option<String>,
    pub shift: Option<i64>,
}

/// An entry's text: several lines, at most [`MAX_TEXT`] characters.
pub(crate) fn check_text(text: &str) -> Result<String, LogError> {
    Ok(crate::domain::validate::Text::lines(MAX_TEXT).required("text", text)?)
}

const SHIFT_COLUMNS: &str =
    "id, operator, opened_at, closed_at, closed_by, forced, handover_acked_by, handover_acked_at";

fn shift_from_row(r: &rusqlite::Row) -> rusqlite::Result<Shift> {
    Ok(Shift {
        id: r.get(0)?,
        operator: r.get(1)?,
        opened_at: r.get(2)?,
        closed_at: r.get(3)?,
        closed_by: r.get(4)?,
        forced: r.get(5)?,
        handover_acked_by: r.get(6)?,
        handover_acked_at: r.get(7)?,
    })
}

// An entry's follow-up: the one it updates (its own column), or the one it opened.
pub(crate) const ENTRY_COLUMNS: &str =
    "e.id, e.shift, e.at, e.author, e.category, e.priority, e.room, e.text, e.amends,
     COALESCE(e.followup, (SELECT f.id FROM followups f WHERE f.entry = e.id)), e.kind,
     (SELECT group_concat(a.id) FROM log_entries a WHERE a.amends = e.id), e.params";

pub(crate) fn entry_from_row(r: &rusqlite::Row) -> rusqlite::Result<Entry> {
    let amended_by: Option<String> = r.get(11)?;
    Ok(Entry {
        id: r.get(0)?,
        shift: r.get(1)?,
        at: r.get(2)?,
        author: r.get(3)?,
        category: r.get(4)?,
        priority: r.get(5)?,
        room: r.get(6)?,
        text: r.get(7)?,
        amends: r.get(8)?,
        followup: r.get(9)?,
        kind: r.get(10)?,
        params: r.get::<_, Option<String>>(12)?.and_then(|p| serde_json::from_str(&p).ok()),
        amended_by: amended_by.map(|s| s.split(',').filter_map(|x| x.parse().ok()).collect()).unwrap_or_default(),
    })
}

pub fn open_shift(conn: &Connection) -> Result<Option<Shift>, StoreError> {
    Ok(conn
        .row(
            &format!("SELECT {SHIFT_COLUMNS} FROM shifts WHERE closed_at IS NULL ORDER BY id DESC LIMIT 1"),
            [],
            shift_from_row,
        )
        .optional()?)
}

pub fn last_closed_shift(conn: &Connection) -> Result<Option<Shift>, StoreError> {
    Ok(conn
        .row(
            &format!("SELECT {SHIFT_COLUMNS} FROM shifts WHERE closed_at IS NOT NULL ORDER BY id DESC LIMIT 1"),
            [],
            shift_from_row,
        )
        .optional()?)
}

pub fn get_shift(conn: &Connection, id: i64) -> Result<Option<Shift>, StoreError> {
    Ok(conn.row(&format!("SELECT {SHIFT_COLUMNS} FROM shifts WHERE id = ?1"), [id], shift_from_row).optional()?)
}

pub fn get_entry(conn: &Connection, id: i64) -> Result<Option<Entry>, StoreError> {
    Ok(conn
        .row(&format!("SELECT {ENTRY_COLUMNS} FROM log_entries e WHERE e.id = ?1"), [id], entry_from_row)
        .optional()?)
}
