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
pub const KINDS: &[(&str, &[&str])] = &[
    ("pbx_up", &["minutes", "waiting"]),
    ("pbx_down", &[]),
    ("pms_up", &["minutes", "waiting"]),
    ("pms_down", &[]),
    ("pms_night_audit", &[]),
    ("pms_night_audit_end", &[]),
    ("pms_resync_checkout", &["stay", "guest", "incognito"]),
    ("pms_resync_unmentioned", &["rooms"]),
    ("checkout_discarded", &["by", "discarded"]),
    ("shift_forced", &["shift", "operator", "by"]),
    ("handover_ack", &["shift", "by"]),
    ("alert_ack", &["alert", "by"]),
];

/// The facts an entry of `kind` carries (an alert's: the alert kind's own).
/// (A kind may be both, such as `pms_resync_unmentioned`: then the facts of either.)
pub fn facts_of(kind: &str) -> Option<Vec<&'static str>> {
    let own = KINDS.iter().find(|(k, _)| *k == kind).map(|(_, facts)| facts.to_vec());
    let alert = crate::domain::alert::Kind::ALL
        .into_iter()
        .find(|k| k.as_str() == kind)
        .map(|k| k.params().iter().copied().chain(["alert"]).collect::<Vec<_>>());
    match (own, alert) {
        (None, None) => None,
        (a, b) => Some(a.into_iter().chain(b).flatten().collect()),
    }
}

/// An entry written by the service itself, in the open shift (if any). `kind` says what
/// happened ([`KINDS`], or an alert's kind) and `facts` the facts it carries by name (an object
/// with the names [`facts_of`] lists), so a reader's console can say it in their language;
/// `text` says it in English.
pub fn system_entry(
    conn: &Connection,
    at: DateTime<Utc>,
    kind: &str,
    room: Option<&str>,
    high: bool,
    text: &str,
    facts: &serde_json::Value,
) -> Result<i64, StoreError> {
    debug_assert!(
        facts_of(kind)
            .is_some_and(|names| facts.as_object().is_some_and(|o| o.keys().all(|k| names.contains(&k.as_str())))),
        "{kind} is not a kind of system entry, or {facts} are not its facts"
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
            params: Some(facts),
        },
    )
}
