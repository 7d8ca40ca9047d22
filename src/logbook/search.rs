//! Full-text search over every log entry (SQLite FTS5), with filters.

use rusqlite::params;

use super::book::Logbook;
use super::model::{entry_from_row, Entry, LogError, Search, CATEGORIES, ENTRY_COLUMNS};
use crate::audit;
use crate::validate::{one_of, Invalid};

impl Logbook {
    /// Full-text search (every word must match, as a prefix) with filters; newest first.
    pub fn search(&self, s: &Search) -> Result<Vec<Entry>, LogError> {
        let fts = match s.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
            Some(q) => Some(
                q.split_whitespace()
                    .map(|w| format!("\"{}\"*", w.replace('"', "")))
                    .filter(|w| w != "\"\"*")
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
            None => None,
        };
        if let Some(c) = &s.category {
            one_of("category", c, &CATEGORIES)?;
        }
        let bound = |v: &Option<String>, field: &'static str| -> Result<Option<String>, LogError> {
            v.as_deref()
                .map(|d| audit::parse_since(d).map_err(|m| Invalid::new(field, m.replace("since", field)).into()))
                .transpose()
        };
        let since = bound(&s.since, "since")?;
        let until = bound(&s.until, "until")?;
        self.store.read(|c| {
            let mut stmt = c.prepare(&format!(
                "SELECT {ENTRY_COLUMNS} FROM log_entries e
                     WHERE (?1 IS NULL OR e.id IN (SELECT rowid FROM log_fts WHERE log_fts MATCH ?1))
                       AND (?2 IS NULL OR e.room = ?2) AND (?3 IS NULL OR e.category = ?3)
                       AND (?4 IS NULL OR e.author = ?4) AND (?5 IS NULL OR e.at >= ?5)
                       AND (?6 IS NULL OR e.at < ?6) AND (?7 IS NULL OR e.shift = ?7)
                     ORDER BY e.id DESC LIMIT 500"
            ))?;
            let rows = stmt
                .query_map(params![fts, s.room, s.category, s.author, since, until, s.shift], entry_from_row)?
                .collect::<Result<_, _>>()?;
            Ok(rows)
        })
    }
}
