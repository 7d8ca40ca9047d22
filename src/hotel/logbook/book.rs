//! The [`Logbook`] service and its entries: writing, amending, listing.

use crate::store::At;
use crate::store::{Priority, Sql};
use chrono::{DateTime, Utc};
use std::sync::Arc;

use rusqlite::{params, Connection, OptionalExtension};

use super::model::{
    check_text, entry_from_row, get_entry, get_shift, open_shift, Entry, LogError, NewEntry, ENTRY_COLUMNS,
};
use crate::clock::SharedClock;
use crate::domain::identity::{Actor, Role};
use crate::domain::validate::Invalid;
use crate::domain::words::{Category, Priority as EntryPriority};
use crate::hotel::audit::{self, Change};
use crate::hotel::journal::{insert_entry, EntryRow};
use crate::store::Store;

/// Is `owner` a staff login or a role?
fn check_owner(conn: &Connection, owner: &str) -> Result<String, LogError> {
    let o = owner.trim();
    if o.parse::<Role>().is_ok() {
        return Ok(o.to_string());
    }
    let exists: Option<i64> =
        conn.row("SELECT id FROM staff WHERE login = ?1 AND active = 1", [o], |r| r.get(0)).optional()?;
    match exists {
        Some(_) => Ok(o.to_string()),
        None => Err(Invalid::new(
            "followup_owner",
            format!("{o:?} is neither an active staff member nor a role (desk, operator, manager)"),
        )
        .into()),
    }
}

fn check_due(due: &str) -> Result<String, LogError> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(due) {
        return Ok(crate::clock::timestamp(t.with_timezone(&chrono::Utc)));
    }
    for f in ["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d"] {
        if chrono::NaiveDateTime::parse_from_str(due, f).is_ok() || chrono::NaiveDate::parse_from_str(due, f).is_ok() {
            return Ok(due.to_string());
        }
    }
    Err(Invalid::new("due", format!("{due:?} is not a time like 2026-12-01 09:00")).into())
}

/// The logbook over the store.
#[derive(Clone)]
pub struct Logbook {
    pub(super) store: Arc<Store>,
    pub(super) clock: SharedClock,
    pub(super) tz: chrono_tz::Tz,
}

impl Logbook {
    pub fn new(store: Arc<Store>, clock: SharedClock, tz: chrono_tz::Tz) -> Self {
        Logbook { store, clock, tz }
    }

    pub(super) fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Writes an entry into the open shift; may open a follow-up.
    pub async fn add(&self, actor: &Actor, e: &NewEntry) -> Result<Entry, LogError> {
        let text = check_text(&e.text)?;
        let category = e.category.unwrap_or(Category::Note);
        let priority = e.priority.unwrap_or(EntryPriority::Normal);
        let due = e.due.as_deref().map(check_due).transpose()?;
        if due.is_some() && e.followup_owner.is_none() {
            return Err(Invalid::new("due", "a due time goes with a follow-up (followup_owner)").into());
        }
        let now = self.now();
        let actor = actor.clone();
        let e = e.clone();
        self.store
            .write(Priority::Normal, move |tx| {
                let actor = &actor;
                let e = &e;
                let shift = open_shift(tx)?;
                match (e.shift, &shift) {
                    (Some(id), Some(open)) if id != open.id => return Err(LogError::ShiftClosed { id }),
                    (Some(id), None) => return Err(LogError::ShiftClosed { id }),
                    (None, None) => return Err(LogError::NoShift),
                    _ => {}
                }
                if let Some(room) = &e.room {
                    if !crate::store::rooms::exists(tx, room)? {
                        return Err(Invalid::new("room", format!("room {room} does not exist")).into());
                    }
                }
                let owner = e.followup_owner.as_deref().map(|o| check_owner(tx, o)).transpose()?;
                let row = EntryRow {
                    at: now,
                    author: &actor.login,
                    category,
                    priority,
                    room: e.room.as_deref(),
                    text: &text,
                    amends: None,
                    kind: None,
                    params: None,
                };
                let id = insert_entry(tx, &row)?;
                if let Some(owner) = owner {
                    tx.exec(
                        "INSERT INTO followups(entry, owner, due, state, updated_at) VALUES (?1, ?2, ?3, 'open', ?4)",
                        params![id, owner, due, At(now)],
                    )?;
                    crate::hotel::changes::record(tx, crate::domain::event::Event::ShiftChanged)?;
                }
                let mut change =
                    Change::new("log_add").subject(format!("log entry {id}")).after(format!("{category}, {priority}"));
                if let Some(room) = &e.room {
                    change = change.room(room);
                }
                audit::record(tx, now, actor, &change)?;
                Ok(get_entry(tx, id)?.expect("just inserted"))
            })
            .await
    }

    /// A correction: a new entry that amends `id`; both stay visible.
    pub async fn amend(&self, actor: &Actor, id: i64, text: &str) -> Result<Entry, LogError> {
        let text = check_text(text)?;
        let now = self.now();
        let actor = actor.clone();
        let text = text.to_string();
        self.store
            .write(Priority::Normal, move |tx| {
                let actor = &actor;
                let text = text.as_str();
                let old = get_entry(tx, id)?.ok_or(LogError::UnknownEntry(id))?;
                if open_shift(tx)?.is_none() {
                    return Err(LogError::NoShift);
                }
                let row = EntryRow {
                    at: now,
                    author: &actor.login,
                    category: old.category,
                    priority: old.priority,
                    room: old.room.as_deref(),
                    text,
                    amends: Some(id),
                    kind: None,
                    params: None,
                };
                let nid = insert_entry(tx, &row)?;
                audit::record(
                    tx,
                    now,
                    actor,
                    &Change::new("log_amend").subject(format!("log entry {nid} amends {id}")),
                )?;
                Ok(get_entry(tx, nid)?.expect("just inserted"))
            })
            .await
    }

    /// Entries of a shift (default: the open one), oldest first.
    pub async fn list(&self, shift: Option<i64>) -> Result<Vec<Entry>, LogError> {
        self.store
            .read(move |c| {
                let id = match shift {
                    Some(id) => {
                        get_shift(c, id)?.ok_or_else(|| Invalid::new("shift", format!("shift {id} does not exist")))?.id
                    }
                    None => open_shift(c)?.ok_or(LogError::NoShift)?.id,
                };
                let mut stmt = c.prepare_cached(&format!(
                    "SELECT {ENTRY_COLUMNS} FROM log_entries e WHERE e.shift = ?1 ORDER BY e.id"
                ))?;
                let rows = stmt.query_map([id], entry_from_row)?.collect::<Result<_, _>>()?;
                Ok(rows)
            })
            .await
    }
}
