//! The audit trail: one appended row per change, with who, what, when and a short before/after.
//!
//! Rows are written in the same transaction as the change they describe. The table is
//! append-only: triggers refuse UPDATE and DELETE, and there is no API to edit it.

use crate::store::At;
use crate::store::Sql;
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection};
use serde::{Deserialize, Serialize};

use crate::domain::identity::Actor;
use crate::store::StoreError;

/// One change to record.
#[derive(Debug, Clone, Default)]
pub struct Change {
    pub action: &'static str,
    pub room: Option<String>,
    pub stay: Option<i64>,
    pub subject: Option<String>,
    pub before: Option<String>,
    pub after: Option<String>,
    /// The facts of the change, for saying it in another language (`audit.<action>` in the
    /// console's catalogue).
    pub params: Option<serde_json::Value>,
}

impl Change {
    pub fn new(action: &'static str) -> Self {
        Change { action, ..Default::default() }
    }
    pub fn room(mut self, room: &str) -> Self {
        self.room = Some(room.to_string());
        self
    }
    pub fn stay(mut self, stay: i64) -> Self {
        self.stay = Some(stay);
        self
    }
    pub fn subject(mut self, s: impl Into<String>) -> Self {
        self.subject = Some(s.into());
        self
    }
    pub fn before(mut self, s: impl Into<String>) -> Self {
        self.before = Some(s.into());
        self
    }
    pub fn after(mut self, s: impl Into<String>) -> Self {
        self.after = Some(s.into());
        self
    }
    pub fn params(mut self, v: serde_json::Value) -> Self {
        self.params = Some(v);
        self
    }
}

/// Appends one row.
pub fn record(conn: &Connection, at: DateTime<Utc>, actor: &Actor, c: &Change) -> Result<(), StoreError> {
    conn.exec(
        "INSERT INTO audit(at, staff, action, room, stay, subject, before, after, params)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            At(at),
            actor.login,
            c.action,
            c.room,
            c.stay,
            c.subject,
            c.before,
            c.after,
            c.params.as_ref().map(|p| p.to_string())
        ],
    )?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRow {
    pub id: i64,
    pub at: String,
    pub staff: String,
    pub action: String,
    pub room: Option<String>,
    pub stay: Option<i64>,
    pub subject: Option<String>,
    pub before: Option<String>,
    pub after: Option<String>,
    /// The change's facts (see [`Change::params`]); null for rows written before they had any.
    #[serde(default)]
    pub params: Option<serde_json::Value>,
}

/// Filters for reading the trail; all optional.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    pub room: Option<String>,
    pub staff: Option<String>,
    /// RFC 3339 instant or a date (YYYY-MM-DD, from its start in UTC).
    pub since: Option<String>,
    pub limit: Option<u32>,
}

/// Reads `since` (an RFC 3339 time, or a date from its start in UTC), or says what is wrong with it.
pub fn parse_since(since: &str) -> Result<DateTime<Utc>, String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(since) {
        return Ok(t.with_timezone(&Utc));
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(since, "%Y-%m-%d") {
        return Ok(d.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc());
    }
    Err(format!("since: {since:?} is not a date (YYYY-MM-DD) or an RFC 3339 time"))
}

/// Newest first.
pub fn query(conn: &Connection, q: &AuditQuery) -> Result<Vec<AuditRow>, StoreError> {
    let since = match &q.since {
        Some(s) => Some(At(parse_since(s).map_err(StoreError::Corrupt)?)),
        None => None,
    };
    let limit = q.limit.unwrap_or(500).min(10_000);
    let mut stmt = conn.prepare_cached(
        "SELECT id, at, staff, action, room, stay, subject, before, after, params FROM audit
         WHERE (?1 IS NULL OR room = ?1) AND (?2 IS NULL OR staff = ?2) AND (?3 IS NULL OR at >= ?3)
         ORDER BY id DESC LIMIT ?4",
    )?;
    let rows = stmt
        .query_map(params![q.room, q.staff, since, limit], |r| {
            Ok(AuditRow {
                id: r.get(0)?,
                at: r.get(1)?,
                staff: r.get(2)?,
                action: r.get(3)?,
                room: r.get(4)?,
                stay: r.get(5)?,
                subject: r.get(6)?,
                before: r.get(7)?,
                after: r.get(8)?,
                params: r.get::<_, Option<String>>(9)?.and_then(|p| serde_json::from_str(&p).ok()),
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Priority, Store};

    #[tokio::test]
    async fn the_trail_is_append_only() {
        let s = Store::open_in_memory().unwrap();
        s.write(Priority::Normal, move |tx| {
            record(tx, "2026-01-01T00:00:00Z".parse().unwrap(), &Actor::system(), &Change::new("checkin").room("101"))
        })
        .await
        .unwrap();
        let upd = s
            .write(Priority::Normal, move |tx| tx.exec("UPDATE audit SET staff = 'x'", []).map_err(StoreError::from))
            .await;
        assert!(upd.unwrap_err().to_string().contains("append-only"));
        let del = s.write(Priority::Normal, move |tx| tx.exec("DELETE FROM audit", []).map_err(StoreError::from)).await;
        assert!(del.unwrap_err().to_string().contains("append-only"));
    }

    #[tokio::test]
    async fn filters() {
        let s = Store::open_in_memory().unwrap();
        let a = Actor::system();
        s.write(Priority::Normal, move |tx| {
            record(tx, "2026-01-01T10:00:00Z".parse().unwrap(), &a, &Change::new("checkin").room("101"))?;
            record(tx, "2026-01-02T10:00:00Z".parse().unwrap(), &a, &Change::new("checkout").room("101"))?;
            record(
                tx,
                "2026-01-02T11:00:00Z".parse().unwrap(),
                &Actor::local("root"),
                &Change::new("checkin").room("102"),
            )
        })
        .await
        .unwrap();
        let q = async |q: AuditQuery| s.read(move |c| query(c, &q)).await.unwrap();
        assert_eq!(q(AuditQuery { room: Some("101".into()), ..Default::default() }).await.len(), 2);
        assert_eq!(q(AuditQuery { staff: Some("local:root".into()), ..Default::default() }).await.len(), 1);
        let since = q(AuditQuery { since: Some("2026-01-02".into()), ..Default::default() }).await;
        assert_eq!(since.iter().map(|r| r.action.as_str()).collect::<Vec<_>>(), ["checkin", "checkout"]);
        assert!(parse_since("yesterday").is_err());
    }
}
