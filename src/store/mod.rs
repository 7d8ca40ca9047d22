//! The hotel's memory: one SQLite file in WAL mode.
//!
//! Layout: [`migrations`] (append-only schema), [`rooms`] (rooms and stays), [`outbox`] (the
//! durable queue of PBX commands), [`durable`] (group commit: a write is answered once on disk),
//! [`checkpoint`] (the WAL copied back into the file by a thread of its own, not by a writer),
//! [`lane`] (the API's writers queue behind the scheduler's and the PBX link's).
//! A change and the PBX commands it implies are written in one transaction through
//! [`Store::write`], so a crash can never keep one without the other.
//!
//! Two connections, each behind a mutex: one for writes (SQLite serialises writers anyway, and
//! every statement here is short) and, for a store on a file, one for reads, so that a reader
//! (a sign-in check, a room list, the PBX link looking for its next command) never waits for a
//! writer nor holds one up: WAL lets them run side by side. A read runs in one read transaction,
//! so everything it reads is one consistent state of the hotel. The disk's flush happens after
//! the write mutex is let go, shared by the writers waiting for it.

pub mod checkpoint;
pub mod durable;
pub mod lane;
pub mod migrations;
pub mod outbox;
pub mod rooms;

use std::path::{Path, PathBuf};
use std::sync::Mutex;

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
}

/// `From<rusqlite::Error>` for a layer's error enum with a `Store(StoreError)` variant, so that
/// `?` on a SQL call works there without a conversion helper per layer.
macro_rules! sql_errors_into {
    ($($t:ty),+ $(,)?) => {
        $(impl From<rusqlite::Error> for $t {
            fn from(e: rusqlite::Error) -> Self {
                Self::Store($crate::store::StoreError::from(e))
            }
        })+
    };
}
pub(crate) use sql_errors_into;

/// Guest names, message texts and password hashes are nobody else's business: the store is
/// created readable by its owner only (SQLite gives its `-wal` and `-shm` files the same mode),
/// and a store found open to others is closed to them.
fn private_file(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    match std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            for suffix in ["", "-wal", "-shm"] {
                let p = PathBuf::from(format!("{}{suffix}", path.display()));
                if let Ok(meta) = std::fs::metadata(&p) {
                    if meta.permissions().mode() & 0o077 != 0 {
                        tracing::warn!("{} was readable by others; now by its owner only", p.display());
                        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600))?;
                    }
                }
            }
            Ok(())
        }
        Err(e) => Err(e),
    }
}

/// Switches the file to WAL. SQLite answers "locked" at once, without its busy handler, when
/// another connection opens the same new file at that moment: retry for the busy timeout.
fn wal_mode(conn: &Connection) -> rusqlite::Result<()> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        match conn.pragma_update(None, "journal_mode", "WAL") {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::DatabaseBusy && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            other => return other,
        }
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

/// Distinct statements kept prepared (the service has about 150; the rarely used fall out).
const STATEMENT_CACHE: usize = 128;

/// What every connection gets, on a file or in memory: foreign keys, the schema brought up to
/// date, the statement cache.
fn schema_and_cache(conn: &mut Connection) -> rusqlite::Result<()> {
    conn.pragma_update(None, "foreign_keys", "ON")?;
    migrations::migrate(conn)?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(())
}

/// A panic while holding a connection cannot leave SQLite half-written (the transaction rolls
/// back on drop), so a poisoned lock is safe to keep using.
fn lock(conn: &Mutex<Connection>) -> std::sync::MutexGuard<'_, Connection> {
    conn.lock().unwrap_or_else(|p| p.into_inner())
}

/// An open transaction, begun and ended by statements from the cache (rusqlite's `Transaction`
/// parses `BEGIN` and `COMMIT` at every use, four times a request); rolled back if it is dropped
/// unfinished (an error, a panic, a failed commit).
struct Tx<'c> {
    conn: &'c Connection,
    open: bool,
}

impl<'c> Tx<'c> {
    fn begin(conn: &'c Connection, begin: &str) -> Result<Tx<'c>, StoreError> {
        conn.exec(begin, [])?;
        Ok(Tx { conn, open: true })
    }

    fn commit(mut self) -> Result<(), StoreError> {
        self.conn.exec("COMMIT", [])?;
        self.open = false;
        Ok(())
    }
}

impl Drop for Tx<'_> {
    fn drop(&mut self) {
        if self.open {
            if let Err(e) = self.conn.exec("ROLLBACK", []) {
                tracing::error!("store: cannot roll back a transaction: {e}");
            }
        }
    }
}

pub struct Store {
    conn: Mutex<Connection>,
    /// The read connection (a store on a file; in memory, reads use `conn`).
    reader: Option<Mutex<Connection>>,
    /// Checkpoints the WAL (a store on a file).
    checkpointer: Option<checkpoint::Checkpointer>,
    path: Option<PathBuf>,
    /// Counts committed writes: whoever shows the hotel's state (the console's live events)
    /// watches it instead of polling.
    commits: tokio::sync::watch::Sender<u64>,
    durable: durable::Durable,
    lane: lane::Lane,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Store({:?})", self.path)
    }
}

impl Store {
    /// Opens (creating if needed) the store file and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|err| StoreError::Folder { path: dir.to_path_buf(), err })?;
        }
        private_file(path).map_err(|err| StoreError::File { path: path.to_path_buf(), err })?;
        let open = || -> rusqlite::Result<Connection> {
            let mut conn = Connection::open(path)?;
            // First, so that every step after it waits for another opener instead of failing.
            conn.busy_timeout(std::time::Duration::from_secs(5))?;
            wal_mode(&conn)?;
            // Commits are written to the WAL, not flushed: `Store::write` flushes after letting go
            // of the connection, one flush for every writer waiting (see `durable`).
            conn.pragma_update(None, "synchronous", "NORMAL")?;
            schema_and_cache(&mut conn)?;
            Ok(conn)
        };
        let conn = open().map_err(|err| StoreError::Open { path: path.to_path_buf(), err })?;
        // Opened after the writer migrated the schema; it may not write (a bug would show at once).
        let reader = || -> rusqlite::Result<Connection> {
            let conn = Connection::open(path)?;
            conn.busy_timeout(std::time::Duration::from_secs(5))?;
            conn.pragma_update(None, "query_only", "ON")?;
            conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
            Ok(conn)
        };
        let reader = reader().map_err(|err| StoreError::Open { path: path.to_path_buf(), err })?;
        let checkpointer = checkpoint::Checkpointer::start(path);
        if checkpointer.is_some() {
            conn.pragma_update(None, "wal_autocheckpoint", checkpoint::BACKSTOP_PAGES)
                .map_err(|err| StoreError::Open { path: path.to_path_buf(), err })?;
        }
        Ok(Store {
            checkpointer,
            conn: Mutex::new(conn),
            reader: Some(Mutex::new(reader)),
            path: Some(path.to_path_buf()),
            commits: Default::default(),
            durable: durable::Durable::for_store(Some(path.to_path_buf())),
            lane: lane::Lane::default(),
        })
    }

    /// A private in-memory store (tests, benches).
    pub fn open_in_memory() -> Result<Store, StoreError> {
        let mut conn = Connection::open_in_memory()?;
        schema_and_cache(&mut conn)?;
        Ok(Store {
            conn: Mutex::new(conn),
            reader: None,
            checkpointer: None,
            path: None,
            commits: Default::default(),
            durable: durable::Durable::new(None),
            lane: lane::Lane::default(),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Connection> {
        lock(&self.conn)
    }

    /// Runs `f` in one transaction; commits if it returns Ok, rolls back otherwise. Returns once
    /// the commit is on the disk (the flush is shared with whoever commits meanwhile).
    pub fn write<T, E: From<StoreError>>(&self, f: impl FnOnce(&Connection) -> Result<T, E>) -> Result<T, E> {
        let (out, ticket) = self.commit(f)?;
        self.durable.wait(ticket).map_err(|e| StoreError::Flush(e.to_string()))?;
        self.commits.send_modify(|n| *n += 1);
        Ok(out)
    }

    /// As [`write`](Self::write), without waiting for the disk. A kill of the process loses
    /// nothing (the WAL is in the operating system's hands); a power cut may undo it until the
    /// next ordinary write, whose flush makes it durable too. Only for what may be redone
    /// harmlessly: the PBX link's "delivered" marks, whose loss means sending an idempotent
    /// command again.
    pub fn write_relaxed<T, E: From<StoreError>>(&self, f: impl FnOnce(&Connection) -> Result<T, E>) -> Result<T, E> {
        let (out, _) = self.commit(f)?;
        self.commits.send_modify(|n| *n += 1);
        Ok(out)
    }

    fn commit<T, E: From<StoreError>>(&self, f: impl FnOnce(&Connection) -> Result<T, E>) -> Result<(T, u64), E> {
        let _place = self.lane.enter();
        let conn = self.lock();
        // IMMEDIATE: the write lock is taken at BEGIN, waiting (busy timeout) for another process
        // that writes (the CLI, a restore); a deferred transaction that read first would instead
        // fail at once with "database is locked" when another connection committed meanwhile.
        let tx = Tx::begin(&conn, "BEGIN IMMEDIATE")?;
        let out = f(&conn)?;
        tx.commit()?;
        if let Some(c) = &self.checkpointer {
            c.committed();
        }
        Ok((out, self.durable.committed()))
    }

    /// WAL checkpoints made by the checkpoint thread so far.
    pub fn checkpoints(&self) -> u64 {
        self.checkpointer.as_ref().map_or(0, |c| c.checkpoints())
    }

    /// Changes whenever a write is committed.
    pub fn commits(&self) -> tokio::sync::watch::Receiver<u64> {
        self.commits.subscribe()
    }

    /// Runs read-only queries, in one read transaction: they all see the same state, whatever
    /// is committed meanwhile.
    pub fn read<T, E: From<StoreError>>(&self, f: impl FnOnce(&Connection) -> Result<T, E>) -> Result<T, E> {
        let Some(reader) = &self.reader else { return f(&self.lock()) };
        let conn = lock(reader);
        let tx = Tx::begin(&conn, "BEGIN")?;
        let out = f(&conn)?;
        // Nothing to keep: ending the read transaction only lets go of its snapshot.
        tx.commit()?;
        Ok(out)
    }

    /// Checkpoints the WAL into the main file (on clean shutdown).
    pub fn close(&self) -> Result<(), StoreError> {
        let conn = self.lock();
        conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_relaxed_write_commits_and_a_failed_one_does_not() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(&dir.path().join("hotel.db")).unwrap();
        s.write_relaxed(|tx| {
            tx.exec("INSERT INTO pbx_events(at, kind, detail) VALUES ('t', 'k', 'd')", []).map_err(StoreError::from)
        })
        .unwrap();
        let failed: Result<(), StoreError> = s.write_relaxed(|tx| {
            tx.exec("INSERT INTO pbx_events(at, kind, detail) VALUES ('t', 'k', 'd')", [])?;
            Err(StoreError::Corrupt("no".into()))
        });
        assert!(failed.is_err());
        let n: i64 =
            s.read(|c| c.row("SELECT COUNT(*) FROM pbx_events", [], |r| r.get(0)).map_err(StoreError::from)).unwrap();
        assert_eq!(n, 1);
    }

    #[test]
    fn migrations_apply_once_and_survive_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/hotel.db");
        let s = Store::open(&path).unwrap();
        let v: i64 = s.read(|c| c.row("PRAGMA user_version", [], |r| r.get(0)).map_err(StoreError::from)).unwrap();
        assert_eq!(v as usize, migrations::MIGRATIONS.len());
        let mode: String =
            s.read(|c| c.row("PRAGMA journal_mode", [], |r| r.get(0)).map_err(StoreError::from)).unwrap();
        assert_eq!(mode, "wal");
        drop(s);
        Store::open(&path).unwrap();
    }

    #[test]
    fn many_openers_of_a_new_file_all_succeed() {
        // The service and `staff add` (another process) may open a new store at once: the
        // schema is created by exactly one of them, the others wait and find it done.
        for round in 0..5 {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("hotel.db");
            let barrier = std::sync::Arc::new(std::sync::Barrier::new(6));
            let handles: Vec<_> = (0..6)
                .map(|_| {
                    let (path, barrier) = (path.clone(), barrier.clone());
                    std::thread::spawn(move || {
                        barrier.wait();
                        Store::open(&path).map(|_| ())
                    })
                })
                .collect();
            for h in handles {
                h.join().unwrap().unwrap_or_else(|e| panic!("round {round}: {e}"));
            }
        }
    }

    #[test]
    fn the_store_and_its_wal_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hotel.db");
        let s = Store::open(&path).unwrap();
        s.write(|tx| tx.exec("INSERT INTO rooms(number, position) VALUES ('1', 0)", []).map_err(StoreError::from))
            .unwrap();
        let mode = |suffix: &str| {
            let p = format!("{}{suffix}", path.display());
            std::fs::metadata(&p).unwrap_or_else(|e| panic!("{p}: {e}")).permissions().mode() & 0o777
        };
        for suffix in ["", "-wal", "-shm"] {
            assert_eq!(mode(suffix), 0o600, "hotel.db{suffix}");
        }
        drop(s);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        Store::open(&path).unwrap();
        assert_eq!(mode(""), 0o600, "an old world-readable store is closed");
    }

    #[test]
    fn a_newer_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hotel.db");
        drop(Store::open(&path).unwrap());
        let c = Connection::open(&path).unwrap();
        c.pragma_update(None, "user_version", 999).unwrap();
        drop(c);
        let e = Store::open(&path).unwrap_err().to_string();
        assert!(e.contains("newer"), "{e}");
    }

    #[test]
    fn failed_writes_roll_back() {
        let s = Store::open_in_memory().unwrap();
        let r: Result<(), StoreError> = s.write(|tx| {
            tx.exec("INSERT INTO rooms(number, position) VALUES ('1', 0)", [])?;
            Err(StoreError::Corrupt("boom".into()))
        });
        assert!(r.is_err());
        let n: i64 =
            s.read(|c| c.row("SELECT COUNT(*) FROM rooms", [], |r| r.get(0)).map_err(StoreError::from)).unwrap();
        assert_eq!(n, 0);
    }

    fn rooms_in(c: &Connection) -> Result<i64, StoreError> {
        Ok(c.row("SELECT COUNT(*) FROM rooms", [], |r| r.get(0))?)
    }

    fn add_room(s: &Store, n: &str) {
        s.write(|tx| tx.exec("INSERT INTO rooms(number, position) VALUES (?1, 0)", [n]).map_err(StoreError::from))
            .unwrap();
    }

    #[test]
    fn a_read_sees_one_state_while_writes_go_on_beside_it() {
        // Reads have their own connection: a write may commit in the middle of one (here from
        // inside it, which the separate connections allow), and the read still sees the state
        // it began with, as the PBX resync's snapshot (rooms and outbox position together) needs.
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(&dir.path().join("hotel.db")).unwrap();
        add_room(&s, "101");
        let (before, during) = s
            .read(|c| {
                let before = rooms_in(c)?;
                add_room(&s, "102");
                Ok::<_, StoreError>((before, rooms_in(c)?))
            })
            .unwrap();
        assert_eq!((before, during), (1, 1));
        assert_eq!(s.read(rooms_in).unwrap(), 2, "the next read sees the write");
    }

    #[test]
    fn the_read_connection_cannot_write() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(&dir.path().join("hotel.db")).unwrap();
        let e = s
            .read(|c| c.exec("INSERT INTO rooms(number, position) VALUES ('1', 0)", []).map_err(StoreError::from))
            .unwrap_err();
        assert!(e.to_string().contains("readonly"), "{e}");
        assert_eq!(s.read(rooms_in).unwrap(), 0);
    }

    #[test]
    fn a_write_that_panics_is_rolled_back_and_the_store_goes_on() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(&dir.path().join("hotel.db")).unwrap();
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            s.write(|tx| {
                tx.exec("INSERT INTO rooms(number, position) VALUES ('1', 0)", []).map_err(StoreError::from)?;
                panic!("a bug in the middle of a change");
                #[allow(unreachable_code)]
                Ok::<_, StoreError>(())
            })
        }));
        assert!(panicked.is_err());
        add_room(&s, "2");
        let rooms: Vec<String> = s
            .read(|c| {
                let mut st = c.prepare_cached("SELECT number FROM rooms ORDER BY number")?;
                let rows = st.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
                Ok::<_, StoreError>(rows)
            })
            .unwrap();
        assert_eq!(rooms, ["2"]);
    }
}
