//! Full-text search over every log entry (SQLite FTS5), with filters.

use crate::store::At;
use rusqlite::params;

use super::book::Logbook;
use super::model::{entry_from_row, Entry, LogError, Search, ENTRY_COLUMNS};
use crate::domain::validate::Invalid;
use crate::hotel::audit;

/// Longest search text.
pub const MAX_QUERY: usize = 200;

/// The FTS5 query for what a person typed: every word must match, as a prefix. Each word is
/// quoted (FTS5 operators and punctuation are then plain text); words with nothing searchable
/// in them are dropped; a query left with no words is refused rather than sent to SQLite.
fn fts_query(q: &str) -> Result<String, LogError> {
    if q.chars().count() > MAX_QUERY {
        return Err(Invalid::new("q", format!("is longer than {MAX_QUERY} characters")).into());
    }
    let words: Vec<String> = q
        .split_whitespace()
        .map(|w| w.replace('"', ""))
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .map(|w| format!("\"{w}\"*"))
        .collect();
    if words.is_empty() {
        return Err(Invalid::new("q", format!("{q:?} has no words to search for")).into());
    }
    Ok(words.join(" "))
}

impl Logbook {
    /// Full-text search (every word must match, as a prefix) with filters; newest first.
    pub async fn search(&self, s: &Search) -> Result<Vec<Entry>, LogError> {
        let fts = match s.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
            Some(q) => Some(fts_query(q)?),
            None => None,
        };
        let bound = |v: &Option<String>, field: &'static str| -> Result<Option<At>, LogError> {
            v.as_deref()
                .map(|d| {
                    audit::parse_since(d).map(At).map_err(|m| Invalid::new(field, m.replace("since", field)).into())
                })
                .transpose()
        };
        let since = bound(&s.since, "since")?;
        let until = bound(&s.until, "until")?;
        let s = s.clone();
        self.store
            .read(move |c| {
                let mut stmt = c.prepare_cached(&format!(
                    "SELECT {ENTRY_COLUMNS} FROM log_entries e
                     WHERE (?1 IS NULL OR e.id IN (SELECT rowid FROM log_fts WHERE log_fts MATCH ?1))
                       AND (?2 IS NULL OR e.room = ?2) AND (?3 IS NULL OR e.category = ?3)
                       AND (?4 IS NULL OR e.author = ?4) AND (?5 IS NULL OR e.at >= ?5)
                       AND (?6 IS NULL OR e.at < ?6) AND (?7 IS NULL OR e.shift = ?7)
                     ORDER BY e.id DESC LIMIT 500"
                ))?;
                let rows = stmt
                    .query_map(params![fts, s.room, s.category, s.author, since, until, s.shift], entry_from_row)
                    .and_then(|rows| rows.collect::<Result<Vec<_>, _>>());
                match rows {
                    Ok(rows) => Ok(rows),
                    // Whatever FTS5 still finds wrong with a query is the query's fault, not ours.
                    Err(rusqlite::Error::SqliteFailure(_, Some(m))) if m.starts_with("fts5:") => {
                        Err(Invalid::new("q", format!("cannot be searched ({m})")).into())
                    }
                    Err(e) => Err(e.into()),
                }
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use chrono::TimeZone;

    use super::*;
    use crate::clock::FakeClock;
    use crate::domain::identity::Actor;
    use crate::hotel::logbook::NewEntry;
    use crate::store::Store;

    #[tokio::test]
    async fn no_query_text_is_an_internal_error() {
        let store = Arc::new(Store::open_in_memory().unwrap());
        let clock = FakeClock::new(chrono::Utc.with_ymd_and_hms(2026, 1, 1, 22, 0, 0).unwrap());
        let book = Logbook::new(store, Arc::new(clock), chrono_tz::UTC);
        let op = Actor::system();
        book.open_shift(&op).await.unwrap();
        book.add(&op, &NewEntry { text: "Smoke alarm AND fire door, room 3-12".into(), ..Default::default() })
            .await
            .unwrap();
        let search = async |q: &str| book.search(&Search { q: Some(q.into()), ..Default::default() }).await;
        for q in ["\"", "\"\"", "*", "-", "^", "NEAR(", "a:b", "\"smoke", "AND", "OR NOT", "(", "3-12", "火災 smoke"]
        {
            match search(q).await {
                Ok(_) => {}
                Err(LogError::Invalid(e)) => assert_eq!(e.field, "q", "{q:?}"),
                Err(e) => panic!("{q:?}: {e}"),
            }
        }
        assert_eq!(search("smo").await.unwrap().len(), 1, "prefixes match");
        assert_eq!(search("\"smoke").await.unwrap().len(), 1, "a stray quote is dropped");
        assert_eq!(search("AND").await.unwrap().len(), 1, "an operator is a plain word");
        assert!(matches!(search("\"").await, Err(LogError::Invalid(_))));
        assert!(matches!(search(&"x".repeat(201)).await, Err(LogError::Invalid(_))));
    }
}
