//! What every module that speaks SQL shares: the store's error, `exec`/`row` through the
//! statement cache, and how a moment is stored ([`At`]).

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use rusqlite::Connection;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the store {path}: {err}")]
    Open { path: PathBuf, err: rusqlite::Error },
    #[error("cannot create the store's folder {path}: {err}")]
    Folder { path: PathBuf, err: std::io::Error },
    #[error("cannot create or protect the store file {path}: {err}")]
    File { path: PathBuf, err: std::io::Error },
    #[error("store: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("store: bad stored data: {0}")]
    Corrupt(String),
    #[error("store: the disk did not take the change (flushing the write-ahead log failed: {0}); check the disk")]
    Flush(String),
    #[error("store: the change was not kept: {0}")]
    NotKept(String),
    #[error("store: the writer has stopped (the service is stopping)")]
    WriterGone,
    #[error("store: no read connection: {0}")]
    Readers(String),
}

/// A moment as the store keeps it: UTC, RFC 3339, whole seconds (`2026-12-05T06:01:37Z`, as
/// [`crate::clock::timestamp`] writes it), so stored times sort and compare as text. The store's
/// API takes `DateTime<Utc>`; it binds them as `At(t)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct At(pub DateTime<Utc>);

impl ToSql for At {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(crate::clock::timestamp(self.0)))
    }
}

impl FromSql for At {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let text = value.as_str()?;
        crate::clock::parse_utc(text)
            .map(At)
            .ok_or_else(|| FromSqlError::Other(format!("{text:?} is not a time").into()))
    }
}

/// Statements from the statement cache: each SQL text is parsed once per connection, not at
/// every call (parsing was a quarter of the service's CPU under API load). `exec` and `row` are
/// `execute` and `query_row` through the cache (as is `prepare_cached`). For SQL texts of a few
/// fixed forms (a constant column list formatted in is fine); values always go in as parameters.
pub trait Sql {
    fn exec<P: rusqlite::Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize>;
    fn row<T, P, F>(&self, sql: &str, params: P, f: F) -> rusqlite::Result<T>
    where
        P: rusqlite::Params,
        F: FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>;
}

impl Sql for Connection {
    fn exec<P: rusqlite::Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize> {
        self.prepare_cached(sql)?.execute(params)
    }

    fn row<T, P, F>(&self, sql: &str, params: P, f: F) -> rusqlite::Result<T>
    where
        P: rusqlite::Params,
        F: FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    {
        self.prepare_cached(sql)?.query_row(params, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Timelike;

    #[test]
    fn a_moment_is_stored_as_the_text_that_sorts_and_reads_back() {
        let c = Connection::open_in_memory().unwrap();
        let t: DateTime<Utc> = "2026-12-05T06:01:37.900Z".parse().unwrap();
        let text: String = c.row("SELECT ?1", [At(t)], |r| r.get(0)).unwrap();
        assert_eq!(text, "2026-12-05T06:01:37Z", "whole seconds, Z: the form every stored time has");
        let back: At = c.row("SELECT ?1", [text], |r| r.get(0)).unwrap();
        assert_eq!(back.0, t.with_nanosecond(0).unwrap());
        let later: bool = c.row("SELECT ?1 < ?2", [At(t), At(t + chrono::Duration::hours(10))], |r| r.get(0)).unwrap();
        assert!(later, "compares as text in the right order");
        assert!(c.row("SELECT 'yesterday'", [], |r| r.get::<_, At>(0)).is_err());
    }
}
