//! The journal: entries the service writes into the logbook itself (PBX outages, alerts,
//! forced closes, ...). A small primitive below alerts and the logbook, so that raising an alert
//! and the logbook's own writes share one way of appending an entry.

use crate::domain::words::{Category, Priority};
use crate::store::At;
use crate::store::Sql;
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection};

use crate::store::StoreError;

/// The fields of a new log entry row.
pub struct EntryRow<'a> {
    pub at: DateTime<Utc>,
    pub author: &'a str,
    pub category: Category,
    pub priority: Priority,
    pub room: Option<&'a str>,
    pub text: &'a str,
    pub amends: Option<i64>,
    pub kind: Option<&'a str>,
    /// The facts of a system entry, for saying it in another language.
    pub params: Option<&'a serde_json::Value>,
}

/// Appends an entry to the open shift (or to no shift, for a system entry between shifts).
pub fn insert_entry(conn: &Connection, e: &EntryRow) -> Result<i64, StoreError> {
    conn.exec(
        "INSERT INTO log_entries(shift, at, author, category, priority, room, text, amends, kind, params)
         VALUES ((SELECT id FROM shifts WHERE closed_at IS NULL ORDER BY id DESC LIMIT 1),
                 ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            At(e.at),
            e.author,
            e.category,
            e.priority,
            e.room,
            e.text,
            e.amends,
            e.kind,
            e.params.map(|p| p.to_string())
        ],
    )?;
    let id = conn.last_insert_rowid();
    crate::hotel::changes::record(conn, crate::domain::event::Event::LogWritten { id })?;
    Ok(id)
}

/// Every kind of entry the service writes itself besides its alerts (an alert's entry has the
/// alert's kind, [`crate::domain::alert::Kind`]): the console names each in the reader's
/// language (`kind.<kind>`).
pub const KINDS: &[&str] = &[
    "pbx_up",
    "pbx_down",
    "pms_up",
    "pms_down",
    "pms_night_audit",
    "pms_resync_checkout",
    "pms_resync_unmentioned",
    "checkout_discarded",
    "shift_forced",
    "handover_ack",
    "alert_ack",
];

/// An entry written by the service itself, in the open shift (if any). `kind` says what
/// happened (`pbx_down`, `pbx_up`, `wakeup_failed`, `wakeup_missed`, `pbx_offline`,
/// `alert_ack`, `checkout_discarded`, `handover_ack`, `shift_forced`).
pub fn system_entry(
    conn: &Connection,
    at: DateTime<Utc>,
    kind: &str,
    room: Option<&str>,
    high: bool,
    text: &str,
) -> Result<i64, StoreError> {
    system_entry_with(conn, at, kind, room, high, text, None)
}

/// As [`system_entry`], with the entry's facts (an alert's entry: the alert's `params` and its id).
pub fn system_entry_with(
    conn: &Connection,
    at: DateTime<Utc>,
    kind: &str,
    room: Option<&str>,
    high: bool,
    text: &str,
    params: Option<&serde_json::Value>,
) -> Result<i64, StoreError> {
    debug_assert!(
        KINDS.contains(&kind) || crate::domain::alert::Kind::ALL.iter().any(|k| k.as_str() == kind),
        "{kind} is not a kind of system entry"
    );
    let priority = if high { Priority::High } else { Priority::Normal };
    insert_entry(
        conn,
        &EntryRow {
            at,
            author: "system",
            category: Category::Incident,
            priority,
            room,
            text,
            amends: None,
            kind: Some(kind),
            params,
        },
    )
}
