//! What every module that speaks SQL shares: the store's error, and `exec`/`row` through the
//! statement cache.

use std::path::PathBuf;

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
