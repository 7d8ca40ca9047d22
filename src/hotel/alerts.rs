//! Alerts a person must acknowledge: failed or missed wake-up calls, a PBX that is offline when
//! a call falls due. They stay open (and on every operator's screen) until someone acknowledges
//! them; the acknowledgement is recorded with who and when.

use crate::store::Sql;
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::domain::event::Event;
use crate::domain::identity::Actor;
use crate::hotel::audit::{self, Change};
use crate::hotel::changes;
use crate::store::{At, StoreError};

pub use crate::domain::alert::Kind;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alert {
    pub id: i64,
    pub at: String,
    /// [`Kind::as_str`].
    pub kind: String,
    pub room: Option<String>,
    pub wakeup: Option<i64>,
    /// In English.
    pub message: String,
    /// The facts, by the names [`Kind::params`] lists (`{}` for alerts raised before they had any).
    #[serde(default)]
    pub params: serde_json::Value,
    pub acked_by: Option<String>,
    pub acked_at: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum AlertError {
    #[error("alert {0} does not exist")]
    Unknown(i64),
    #[error("alert {id} was already acknowledged by {by}")]
    AlreadyAcked { id: i64, by: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Raises an alert; returns its id. `params`: the facts [`Kind::params`] names, `message`:
/// the same in English.
pub fn raise(
    conn: &Connection,
    at: DateTime<Utc>,
    kind: Kind,
    room: Option<&str>,
    wakeup: Option<i64>,
    params: serde_json::Value,
    message: &str,
) -> Result<i64, StoreError> {
    debug_assert!(kind.params().iter().all(|p| params.get(p).is_some()), "{kind:?} raised with {params}");
    let kind = kind.as_str();
    conn.exec(
        "INSERT INTO alerts(at, kind, room, wakeup, message, params) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![At(at), kind, room, wakeup, message, params.to_string()],
    )?;
    let id = conn.last_insert_rowid();
    changes::record(conn, Event::AlertRaised { id })?;
    tracing::warn!(
        kind,
        room = room.map(crate::logsafe::text).map(tracing::field::display),
        "ALERT: {}",
        crate::logsafe::text(message)
    );
    let mut facts = params;
    if let Some(map) = facts.as_object_mut() {
        map.insert("alert".into(), id.into());
    }
    crate::hotel::journal::system_entry(conn, at, kind, room, true, &format!("alert {id}: {message}"), &facts)?;
    Ok(id)
}

fn from_row(r: &rusqlite::Row) -> rusqlite::Result<Alert> {
    Ok(Alert {
        id: r.get(0)?,
        at: r.get(1)?,
        kind: r.get(2)?,
        room: r.get(3)?,
        wakeup: r.get(4)?,
        message: r.get(5)?,
        acked_by: r.get(6)?,
        acked_at: r.get(7)?,
        params: serde_json::from_str(&r.get::<_, String>(8)?).unwrap_or_else(|_| serde_json::json!({})),
    })
}

const COLUMNS: &str = "id, at, kind, room, wakeup, message, acked_by, acked_at, params";

/// Open alerts (oldest first), or the last 1000 of all.
pub fn list(conn: &Connection, open_only: bool) -> Result<Vec<Alert>, StoreError> {
    let sql = if open_only {
        format!("SELECT {COLUMNS} FROM alerts WHERE acked_at IS NULL ORDER BY id")
    } else {
        format!("SELECT * FROM (SELECT {COLUMNS} FROM alerts ORDER BY id DESC LIMIT 1000) ORDER BY id")
    };
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([], from_row)?.collect::<Result<_, _>>()?;
    Ok(rows)
}

pub fn get(conn: &Connection, id: i64) -> Result<Option<Alert>, StoreError> {
    Ok(conn.row(&format!("SELECT {COLUMNS} FROM alerts WHERE id = ?1"), [id], from_row).optional()?)
}

/// Acknowledges an open alert.
pub fn ack(conn: &Connection, at: DateTime<Utc>, actor: &Actor, id: i64) -> Result<Alert, AlertError> {
    let alert = get(conn, id)?.ok_or(AlertError::Unknown(id))?;
    if let Some(by) = alert.acked_by {
        return Err(AlertError::AlreadyAcked { id, by });
    }
    conn.exec("UPDATE alerts SET acked_by = ?2, acked_at = ?3 WHERE id = ?1", params![id, actor.login, At(at)])
        .map_err(StoreError::from)?;
    changes::record(conn, Event::AlertAcked { id })?;
    let mut change = Change::new("alert_ack")
        .subject(format!("alert {id}: {}", alert.message))
        .after("acknowledged")
        .params(serde_json::json!({ "alert": id, "kind": alert.kind }));
    if let Some(room) = &alert.room {
        change = change.room(room);
    }
    audit::record(conn, at, actor, &change)?;
    let text = format!("alert {id} acknowledged by {}: {}", actor.login, alert.message);
    let facts = serde_json::json!({ "alert": id, "by": actor.login });
    crate::hotel::journal::system_entry(conn, at, "alert_ack", alert.room.as_deref(), false, &text, &facts)?;
    get(conn, id)?.ok_or(AlertError::Unknown(id))
}
