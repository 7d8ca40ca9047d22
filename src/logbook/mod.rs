//! The night operator's logbook: shifts, entries, follow-ups, system entries.
//!
//! Layout: this module (shifts, entries, amendments, system entries), `followups`, `search`,
//! [`handover`] (the sheet a closing shift produces and the incoming operator acknowledges).
//!
//! Rules from the operator's rulebook: entries are never edited in place (the database refuses
//! it; a correction is a new entry that amends the old one, both stay visible); what cannot be
//! solved at once becomes a follow-up with an owner that carries over from shift to shift until
//! done; one shift is open at a time, only its operator closes it (a manager may force-close,
//! recorded as such), and the next shift opens only after its operator acknowledged the
//! handover. The service writes system entries itself (PBX outages, escalated and missed
//! wake-up calls, alerts acknowledged, check-outs that discarded messages).

mod followups;
pub mod handover;
mod search;

pub use followups::followups;

use std::sync::Arc;

use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::audit::{self, Change};
use crate::clock::SharedClock;
use crate::staff::{Actor, Role};
use crate::store::{Store, StoreError};

pub const CATEGORIES: [&str; 5] = ["incident", "guest_request", "maintenance", "security", "note"];
pub const STATES: [&str; 3] = ["open", "in_progress", "done"];
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
    #[error("{field}: {msg}")]
    Invalid { field: &'static str, msg: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub(crate) fn sql(e: rusqlite::Error) -> LogError {
    LogError::Store(StoreError::from(e))
}

pub(crate) fn invalid(field: &'static str, msg: impl Into<String>) -> LogError {
    LogError::Invalid { field, msg: msg.into() }
}

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
    pub category: String,
    pub priority: String,
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
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Followup {
    pub id: i64,
    /// The entry that opened it.
    pub entry: i64,
    pub owner: String,
    pub due: Option<String>,
    pub state: String,
    pub updated_at: String,
    pub text: String,
    pub room: Option<String>,
}

/// A new entry.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NewEntry {
    pub text: String,
    pub category: Option<String>,
    pub priority: Option<String>,
    pub room: Option<String>,
    /// Opens a follow-up owned by this staff member or role.
    pub followup_owner: Option<String>,
    /// RFC 3339 or "YYYY-MM-DD HH:MM" (hotel local time, as given).
    pub due: Option<String>,
    /// Must be the open shift, when given.
    pub shift: Option<i64>,
}

/// Search filters.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Search {
    pub q: Option<String>,
    pub room: Option<String>,
    pub category: Option<String>,
    pub author: Option<String>,
    /// Dates (YYYY-MM-DD) or RFC 3339 times; `until` is exclusive.
    pub since: Option<String>,
    pub until: Option<String>,
    pub shift: Option<i64>,
}

pub(crate) fn check_text(text: &str) -> Result<String, LogError> {
    let t = text.trim();
    if t.is_empty() {
        return Err(invalid("text", "must not be empty"));
    }
    if t.chars().any(|c| c.is_control() && c != '\n') {
        return Err(invalid("text", "must not contain control characters other than line breaks"));
    }
    if t.chars().count() > MAX_TEXT {
        return Err(invalid("text", format!("at most {MAX_TEXT} characters")));
    }
    Ok(t.to_string())
}

pub(crate) fn check_one_of(field: &'static str, v: &str, allowed: &[&str]) -> Result<String, LogError> {
    if allowed.contains(&v) {
        Ok(v.to_string())
    } else {
        Err(invalid(field, format!("{v:?} is not one of {}", allowed.join(", "))))
    }
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
     (SELECT group_concat(a.id) FROM log_entries a WHERE a.amends = e.id)";

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
        amended_by: amended_by.map(|s| s.split(',').filter_map(|x| x.parse().ok()).collect()).unwrap_or_default(),
    })
}

pub fn open_shift(conn: &Connection) -> Result<Option<Shift>, StoreError> {
    Ok(conn
        .query_row(
            &format!("SELECT {SHIFT_COLUMNS} FROM shifts WHERE closed_at IS NULL ORDER BY id DESC LIMIT 1"),
            [],
            shift_from_row,
        )
        .optional()?)
}

pub fn last_closed_shift(conn: &Connection) -> Result<Option<Shift>, StoreError> {
    Ok(conn
        .query_row(
            &format!("SELECT {SHIFT_COLUMNS} FROM shifts WHERE closed_at IS NOT NULL ORDER BY id DESC LIMIT 1"),
            [],
            shift_from_row,
        )
        .optional()?)
}

pub fn get_shift(conn: &Connection, id: i64) -> Result<Option<Shift>, StoreError> {
    Ok(conn.query_row(&format!("SELECT {SHIFT_COLUMNS} FROM shifts WHERE id = ?1"), [id], shift_from_row).optional()?)
}

pub fn get_entry(conn: &Connection, id: i64) -> Result<Option<Entry>, StoreError> {
    Ok(conn
        .query_row(&format!("SELECT {ENTRY_COLUMNS} FROM log_entries e WHERE e.id = ?1"), [id], entry_from_row)
        .optional()?)
}

/// The fields of a new log entry row.
struct EntryRow<'a> {
    at: &'a str,
    author: &'a str,
    category: &'a str,
    priority: &'a str,
    room: Option<&'a str>,
    text: &'a str,
    amends: Option<i64>,
    kind: Option<&'a str>,
}

/// Appends an entry to the open shift (or to no shift, for a system entry between shifts).
fn insert_entry(conn: &Connection, e: &EntryRow) -> Result<i64, StoreError> {
    let shift = open_shift(conn)?.map(|s| s.id);
    conn.execute(
        "INSERT INTO log_entries(shift, at, author, category, priority, room, text, amends, kind)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![shift, e.at, e.author, e.category, e.priority, e.room, e.text, e.amends, e.kind],
    )?;
    Ok(conn.last_insert_rowid())
}

/// An entry written by the service itself, in the open shift (if any). `kind` says what
/// happened (`pbx_down`, `pbx_up`, `wakeup_failed`, `wakeup_missed`, `pbx_offline`,
/// `alert_ack`, `checkout_discarded`, `handover_ack`, `shift_forced`).
pub fn system_entry(
    conn: &Connection,
    at: &str,
    kind: &str,
    room: Option<&str>,
    high: bool,
    text: &str,
) -> Result<i64, StoreError> {
    let priority = if high { "high" } else { "normal" };
    insert_entry(
        conn,
        &EntryRow { at, author: "system", category: "incident", priority, room, text, amends: None, kind: Some(kind) },
    )
}

/// Is `owner` a staff login or a role?
fn check_owner(conn: &Connection, owner: &str) -> Result<String, LogError> {
    let o = owner.trim();
    if o.parse::<Role>().is_ok() {
        return Ok(o.to_string());
    }
    let exists: Option<i64> = conn
        .query_row("SELECT id FROM staff WHERE login = ?1 AND active = 1", [o], |r| r.get(0))
        .optional()
        .map_err(sql)?;
    match exists {
        Some(_) => Ok(o.to_string()),
        None => Err(invalid(
            "followup_owner",
            format!("{o:?} is neither an active staff member nor a role (desk, operator, manager)"),
        )),
    }
}

fn check_due(due: &str) -> Result<String, LogError> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(due) {
        return Ok(audit::timestamp(t.with_timezone(&chrono::Utc)));
    }
    for f in ["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d"] {
        if chrono::NaiveDateTime::parse_from_str(due, f).is_ok() || chrono::NaiveDate::parse_from_str(due, f).is_ok() {
            return Ok(due.to_string());
        }
    }
    Err(invalid("due", format!("{due:?} is not a time like 2026-12-01 09:00")))
}

/// The logbook over the store.
#[derive(Clone)]
pub struct Logbook {
    store: Arc<Store>,
    clock: SharedClock,
    tz: chrono_tz::Tz,
}

impl Logbook {
    pub fn new(store: Arc<Store>, clock: SharedClock, tz: chrono_tz::Tz) -> Self {
        Logbook { store, clock, tz }
    }

    fn now(&self) -> String {
        audit::timestamp(self.clock.now())
    }

    pub fn current_shift(&self) -> Result<Option<Shift>, LogError> {
        Ok(self.store.read(open_shift)?)
    }

    /// Opens a shift for `actor`: none may be open, and the last handover must be acknowledged.
    pub fn open_shift(&self, actor: &Actor) -> Result<Shift, LogError> {
        let now = self.now();
        self.store.write(|tx| {
            if let Some(s) = open_shift(tx)? {
                return Err(LogError::ShiftOpen { id: s.id, operator: s.operator });
            }
            if let Some(last) = last_closed_shift(tx)? {
                if last.handover_acked_by.is_none() {
                    return Err(LogError::HandoverPending { id: last.id });
                }
            }
            tx.execute("INSERT INTO shifts(operator, opened_at) VALUES (?1, ?2)", params![actor.login, now])
                .map_err(sql)?;
            let id = tx.last_insert_rowid();
            audit::record(tx, &now, actor, &Change::new("shift_open").subject(format!("shift {id}")))?;
            Ok(get_shift(tx, id)?.expect("just inserted"))
        })
    }

    /// Closes the open shift (its operator, or a manager with `force`) and stores its handover.
    pub fn close_shift(&self, actor: &Actor, force: bool) -> Result<handover::Handover, LogError> {
        let now = self.now();
        self.store.write(|tx| {
            let shift = open_shift(tx)?.ok_or(LogError::NoShift)?;
            let forced = shift.operator != actor.login;
            if forced && !(force && actor.role == Role::Manager) {
                return Err(LogError::NotYourShift { id: shift.id, operator: shift.operator });
            }
            if forced {
                system_entry(
                    tx,
                    &now,
                    "shift_forced",
                    None,
                    true,
                    &format!("shift {} of {} force-closed by {}", shift.id, shift.operator, actor.login),
                )?;
            }
            tx.execute(
                "UPDATE shifts SET closed_at = ?2, closed_by = ?3, forced = ?4 WHERE id = ?1",
                params![shift.id, now, actor.login, forced],
            )
            .map_err(sql)?;
            let sheet = handover::build(tx, self.tz, shift.id)?;
            let json = serde_json::to_string(&sheet).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            tx.execute("UPDATE shifts SET handover = ?2 WHERE id = ?1", params![shift.id, json]).map_err(sql)?;
            let change = Change::new("shift_close").subject(format!("shift {}", shift.id)).after(if forced {
                "force-closed"
            } else {
                "closed"
            });
            audit::record(tx, &now, actor, &change)?;
            Ok(sheet)
        })
    }

    /// The handover of the last closed shift, if any.
    pub fn handover(&self) -> Result<Option<handover::Handover>, LogError> {
        self.store.read(|c| {
            let Some(last) = last_closed_shift(c)? else { return Ok(None) };
            let json: Option<String> =
                c.query_row("SELECT handover FROM shifts WHERE id = ?1", [last.id], |r| r.get(0)).map_err(sql)?;
            let mut sheet: handover::Handover = match json {
                Some(j) => serde_json::from_str(&j).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                None => handover::build(c, self.tz, last.id)?,
            };
            sheet.shift = last;
            Ok(Some(sheet))
        })
    }

    /// The incoming operator acknowledges the last handover (not the one who closed it).
    pub fn ack_handover(&self, actor: &Actor) -> Result<Shift, LogError> {
        let now = self.now();
        self.store.write(|tx| {
            let last = last_closed_shift(tx)?.filter(|s| s.handover_acked_by.is_none()).ok_or(LogError::NoHandover)?;
            if last.operator == actor.login || last.closed_by.as_deref() == Some(actor.login.as_str()) {
                return Err(LogError::OwnHandover { id: last.id });
            }
            tx.execute(
                "UPDATE shifts SET handover_acked_by = ?2, handover_acked_at = ?3 WHERE id = ?1",
                params![last.id, actor.login, now],
            )
            .map_err(sql)?;
            system_entry(
                tx,
                &now,
                "handover_ack",
                None,
                false,
                &format!("handover of shift {} acknowledged by {}", last.id, actor.login),
            )?;
            audit::record(tx, &now, actor, &Change::new("handover_ack").subject(format!("shift {}", last.id)))?;
            Ok(get_shift(tx, last.id)?.expect("exists"))
        })
    }

    /// Writes an entry into the open shift; may open a follow-up.
    pub fn add(&self, actor: &Actor, e: &NewEntry) -> Result<Entry, LogError> {
        let text = check_text(&e.text)?;
        let category = check_one_of("category", e.category.as_deref().unwrap_or("note"), &CATEGORIES)?;
        let priority = check_one_of("priority", e.priority.as_deref().unwrap_or("normal"), &["normal", "high"])?;
        let due = e.due.as_deref().map(check_due).transpose()?;
        if due.is_some() && e.followup_owner.is_none() {
            return Err(invalid("due", "a due time goes with a follow-up (followup_owner)"));
        }
        let now = self.now();
        self.store.write(|tx| {
            let shift = open_shift(tx)?;
            match (e.shift, &shift) {
                (Some(id), Some(open)) if id != open.id => return Err(LogError::ShiftClosed { id }),
                (Some(id), None) => return Err(LogError::ShiftClosed { id }),
                (None, None) => return Err(LogError::NoShift),
                _ => {}
            }
            if let Some(room) = &e.room {
                if !crate::store::rooms::exists(tx, room)? {
                    return Err(invalid("room", format!("room {room} does not exist")));
                }
            }
            let owner = e.followup_owner.as_deref().map(|o| check_owner(tx, o)).transpose()?;
            let row = EntryRow {
                at: &now,
                author: &actor.login,
                category: &category,
                priority: &priority,
                room: e.room.as_deref(),
                text: &text,
                amends: None,
                kind: None,
            };
            let id = insert_entry(tx, &row)?;
            if let Some(owner) = owner {
                tx.execute(
                    "INSERT INTO followups(entry, owner, due, state, updated_at) VALUES (?1, ?2, ?3, 'open', ?4)",
                    params![id, owner, due, now],
                )
                .map_err(sql)?;
            }
            let mut change =
                Change::new("log_add").subject(format!("log entry {id}")).after(format!("{category}, {priority}"));
            if let Some(room) = &e.room {
                change = change.room(room);
            }
            audit::record(tx, &now, actor, &change)?;
            Ok(get_entry(tx, id)?.expect("just inserted"))
        })
    }

    /// A correction: a new entry that amends `id`; both stay visible.
    pub fn amend(&self, actor: &Actor, id: i64, text: &str) -> Result<Entry, LogError> {
        let text = check_text(text)?;
        let now = self.now();
        self.store.write(|tx| {
            let old = get_entry(tx, id)?.ok_or(LogError::UnknownEntry(id))?;
            if open_shift(tx)?.is_none() {
                return Err(LogError::NoShift);
            }
            let row = EntryRow {
                at: &now,
                author: &actor.login,
                category: &old.category,
                priority: &old.priority,
                room: old.room.as_deref(),
                text: &text,
                amends: Some(id),
                kind: None,
            };
            let nid = insert_entry(tx, &row)?;
            audit::record(tx, &now, actor, &Change::new("log_amend").subject(format!("log entry {nid} amends {id}")))?;
            Ok(get_entry(tx, nid)?.expect("just inserted"))
        })
    }

    /// Entries of a shift (default: the open one), oldest first.
    pub fn list(&self, shift: Option<i64>) -> Result<Vec<Entry>, LogError> {
        self.store.read(|c| {
            let id = match shift {
                Some(id) => get_shift(c, id)?.ok_or_else(|| invalid("shift", format!("shift {id} does not exist")))?.id,
                None => open_shift(c)?.ok_or(LogError::NoShift)?.id,
            };
            let mut stmt = c
                .prepare(&format!("SELECT {ENTRY_COLUMNS} FROM log_entries e WHERE e.shift = ?1 ORDER BY e.id"))
                .map_err(sql)?;
            let rows = stmt.query_map([id], entry_from_row).map_err(sql)?.collect::<Result<_, _>>().map_err(sql)?;
            Ok(rows)
        })
    }
}
