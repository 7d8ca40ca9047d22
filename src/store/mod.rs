//! The hotel's memory: one SQLite file in WAL mode.
//!
//! Layout: [`migrations`] (append-only schema), [`rooms`] (rooms and stays), [`outbox`] (the
//! durable queue of PBX commands), [`pbx_reports`] (what the PBX reported, kept until acted on),
//! [`pms_outbox`] (what the PMS must hear, filled from the events), [`sql`] (the store's error
//! and its statement-cache calls), [`writer`] (the one thread that writes: two queues, group
//! commit), [`checkpoint`] (the WAL copied back into the file by a thread of its own).
//! A change and the PBX commands it implies are written in one transaction through
//! [`Store::write`], so a crash can never keep one without the other.
//!
//! Writes go to the writer thread, which owns the write connection (SQLite serialises writers
//! anyway) and answers each caller once its change is on the disk. Reads run on a small pool of
//! read-only connections (r2d2), several at once and never waiting for the writer: WAL lets them
//! run side by side. A read runs in one read transaction, so everything it reads is one
//! consistent state of the hotel.

pub mod checkpoint;
pub mod migrations;
pub mod outbox;
pub mod pbx_reports;
pub mod pms_outbox;
pub mod rooms;
pub mod sql;
pub mod writer;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::Connection;

pub use sql::{At, Sql, StoreError};
pub use writer::{emit, Priority};

use crate::domain::event::Event;

/// The events of one committed batch, in the order they were recorded.
pub type Batch = Arc<[Event]>;

/// Batches a listener may fall behind before it hears that it lagged.
pub const EVENT_BATCHES: usize = 1024;

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

/// An open read transaction, begun and ended by statements from the cache (rusqlite's
/// `Transaction` parses `BEGIN` and `COMMIT` at every use); ended if it is dropped unfinished.
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

/// Read-only connections, several at once.
const READERS: u32 = 2;

pub struct Store {
    writer: writer::Writer,
    readers: r2d2::Pool<SqliteConnectionManager>,
    /// Checkpoints the WAL.
    checkpointer: Option<Arc<checkpoint::Checkpointer>>,
    path: PathBuf,
    /// The events of each committed batch: whoever shows or forwards the hotel's state (the
    /// links, the console's live events) waits on them instead of polling.
    events: tokio::sync::broadcast::Sender<Batch>,
    /// A scratch store's files, removed with it.
    _scratch: Option<Scratch>,
}

/// The files of a store made for one run (tests, benches), removed when it is dropped.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.0.display()));
        }
    }
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Store({:?})", self.path)
    }
}

fn open_error(path: &Path) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
    move |err| StoreError::Open { path: path.to_path_buf(), err }
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
            // Commits are written to the WAL, not flushed: the writer flushes once per batch.
            conn.pragma_update(None, "synchronous", "NORMAL")?;
            schema_and_cache(&mut conn)?;
            Ok(conn)
        };
        let conn = open().map_err(open_error(path))?;
        // Opened after the writer migrated the schema; they may not write (a bug would show at once).
        let manager = SqliteConnectionManager::file(path).with_init(|c| {
            c.busy_timeout(std::time::Duration::from_secs(5))?;
            c.pragma_update(None, "query_only", "ON")?;
            c.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
            Ok(())
        });
        // One helper thread for every store's pool (r2d2 starts three per pool by default), and
        // connections kept for good: they hold the statement cache.
        static POOL_THREAD: std::sync::OnceLock<Arc<scheduled_thread_pool::ScheduledThreadPool>> =
            std::sync::OnceLock::new();
        let thread = POOL_THREAD.get_or_init(|| {
            Arc::new(
                scheduled_thread_pool::ScheduledThreadPool::builder()
                    .num_threads(1)
                    .thread_name_pattern("store-readers")
                    .build(),
            )
        });
        let readers = r2d2::Pool::builder()
            .max_size(READERS)
            .min_idle(Some(1))
            .max_lifetime(None)
            .idle_timeout(None)
            .thread_pool(thread.clone())
            .build(manager)
            .map_err(|e| StoreError::Readers(e.to_string()))?;
        let checkpointer = checkpoint::Checkpointer::start(path).map(Arc::new);
        if checkpointer.is_some() {
            conn.pragma_update(None, "wal_autocheckpoint", checkpoint::BACKSTOP_PAGES).map_err(open_error(path))?;
        }
        let (events, _) = tokio::sync::broadcast::channel(EVENT_BATCHES);
        let (c, sender) = (checkpointer.clone(), events.clone());
        let on_commit = Box::new(move |batch: Vec<Event>| {
            if let Some(c) = &c {
                c.committed();
            }
            if !batch.is_empty() {
                // No one listening is not an error: the events are a wake-up, not the record.
                let _ = sender.send(Arc::from(batch));
            }
        });
        let wal = PathBuf::from(format!("{}-wal", path.display()));
        let writer = writer::Writer::start(conn, wal, on_commit)
            .map_err(|err| StoreError::File { path: path.to_path_buf(), err })?;
        Ok(Store { writer, readers, checkpointer, path: path.to_path_buf(), events, _scratch: None })
    }

    /// A private store for one run (tests, benches): a file in the system's temporary folder,
    /// removed when the store is dropped. The same code as a hotel's store, writer and all.
    pub fn open_in_memory() -> Result<Store, StoreError> {
        use std::sync::atomic::{AtomicU64, Ordering};
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let name = format!("switchboard-{}-{}.db", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
        let path = std::env::temp_dir().join(name);
        let scratch = Scratch(path.clone());
        let mut store = Store::open(&path)?;
        store._scratch = Some(scratch);
        Ok(store)
    }

    /// Runs `f` on the writer thread, in a transaction shared with the rest of its batch: its own
    /// savepoint is kept if it returns Ok and rolled back otherwise. The answer comes once the
    /// commit is on the disk. `f` owns what it uses (it runs on another thread).
    pub async fn write<T, E>(
        &self,
        priority: Priority,
        f: impl FnOnce(&Connection) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        self.writer.job(priority, false, f).await
    }

    /// Urgent, and answered once committed, before the disk's flush. A kill of the process
    /// loses nothing (the WAL is in the operating system's hands); a power cut may undo it until
    /// the next ordinary write's flush. Only for what may be redone harmlessly: the PBX link's
    /// "delivered" marks, whose loss means sending an idempotent command again. Rows that hold
    /// a ring never take this path.
    pub async fn write_relaxed<T, E>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        self.writer.job(Priority::Urgent, true, f).await
    }

    /// WAL checkpoints made by the checkpoint thread so far.
    pub fn checkpoints(&self) -> u64 {
        self.checkpointer.as_ref().map_or(0, |c| c.checkpoints())
    }

    /// Batches committed and WAL flushes made by the writer so far.
    pub fn writer_stats(&self) -> (u64, u64) {
        use std::sync::atomic::Ordering::Relaxed;
        (self.writer.stats.batches.load(Relaxed), self.writer.stats.flushes.load(Relaxed))
    }

    /// Waits on `events` for a batch with an event `wanted` says is worth a look (or for a gap
    /// in what was heard, which may hide one); false once the store is gone.
    pub async fn until(events: &mut tokio::sync::broadcast::Receiver<Batch>, wanted: fn(&Event) -> bool) -> bool {
        use tokio::sync::broadcast::error::RecvError;
        loop {
            match events.recv().await {
                Ok(batch) if batch.iter().any(wanted) => return true,
                Ok(_) => {}
                Err(RecvError::Lagged(_)) => return true,
                Err(RecvError::Closed) => return false,
            }
        }
    }

    /// The events of every batch committed from now on, one message per batch. A receiver that
    /// falls more than [`EVENT_BATCHES`] behind hears `Lagged` and must read afresh.
    pub fn events(&self) -> tokio::sync::broadcast::Receiver<Batch> {
        self.events.subscribe()
    }

    /// Runs read-only queries on one of the read connections (on the blocking pool), in one read
    /// transaction: they all see the same state, whatever is committed meanwhile.
    pub async fn read<T, E>(&self, f: impl FnOnce(&Connection) -> Result<T, E> + Send + 'static) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let pool = self.readers.clone();
        tokio::task::spawn_blocking(move || read_on(&pool, f))
            .await
            .unwrap_or_else(|e| Err(StoreError::Readers(format!("a read failed: {e}")).into()))
    }

    /// Checkpoints the WAL into the main file (on clean shutdown).
    pub async fn close(&self) -> Result<(), StoreError> {
        self.writer.checkpoint().await
    }
}

fn read_on<T, E: From<StoreError>>(
    pool: &r2d2::Pool<SqliteConnectionManager>,
    f: impl FnOnce(&Connection) -> Result<T, E>,
) -> Result<T, E> {
    let conn = pool.get().map_err(|e| StoreError::Readers(e.to_string()))?;
    let tx = Tx::begin(&conn, "BEGIN")?;
    let out = f(&conn)?;
    // Nothing to keep: ending the read transaction only lets go of its snapshot.
    tx.commit()?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_relaxed_write_commits_and_a_failed_one_does_not() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(&dir.path().join("hotel.db")).unwrap();
        s.write_relaxed(move |tx| {
            tx.exec("INSERT INTO pbx_events(at, kind, detail) VALUES ('t', 'k', 'd')", []).map_err(StoreError::from)
        })
        .await
        .unwrap();
        let failed: Result<(), StoreError> = s
            .write_relaxed(move |tx| {
                tx.exec("INSERT INTO pbx_events(at, kind, detail) VALUES ('t', 'k', 'd')", [])?;
                Err(StoreError::Corrupt("no".into()))
            })
            .await;
        assert!(failed.is_err());
        let n: i64 = s
            .read(|c| c.row("SELECT COUNT(*) FROM pbx_events", [], |r| r.get(0)).map_err(StoreError::from))
            .await
            .unwrap();
        assert_eq!(n, 1);
    }

    #[tokio::test]
    async fn migrations_apply_once_and_survive_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/hotel.db");
        let s = Store::open(&path).unwrap();
        let v: i64 =
            s.read(|c| c.row("PRAGMA user_version", [], |r| r.get(0)).map_err(StoreError::from)).await.unwrap();
        assert_eq!(v as usize, migrations::MIGRATIONS.len());
        let mode: String =
            s.read(|c| c.row("PRAGMA journal_mode", [], |r| r.get(0)).map_err(StoreError::from)).await.unwrap();
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

    #[tokio::test]
    async fn the_store_and_its_wal_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hotel.db");
        let s = Store::open(&path).unwrap();
        add_room(&s, "1").await;
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

    #[tokio::test]
    async fn failed_writes_roll_back() {
        let s = Store::open_in_memory().unwrap();
        let r: Result<(), StoreError> = s
            .write(Priority::Normal, move |tx| {
                tx.exec("INSERT INTO rooms(number, position) VALUES ('1', 0)", [])?;
                Err(StoreError::Corrupt("boom".into()))
            })
            .await;
        assert!(r.is_err());
        assert_eq!(s.read(rooms_in).await.unwrap(), 0);
    }

    fn rooms_in(c: &Connection) -> Result<i64, StoreError> {
        Ok(c.row("SELECT COUNT(*) FROM rooms", [], |r| r.get(0))?)
    }

    async fn add_room(s: &Store, n: &str) {
        let n = n.to_string();
        s.write(Priority::Normal, move |tx| {
            tx.exec("INSERT INTO rooms(number, position) VALUES (?1, 0)", [n]).map_err(StoreError::from)
        })
        .await
        .unwrap();
    }

    #[tokio::test]
    async fn a_read_sees_one_state_while_writes_go_on_beside_it() {
        // Reads have their own connection: a write may commit in the middle of one, and the read
        // still sees the state it began with, as the PBX resync's snapshot (rooms and outbox
        // position together) needs.
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(&dir.path().join("hotel.db")).unwrap();
        add_room(&s, "101").await;
        let (begun_tx, begun) = tokio::sync::oneshot::channel();
        let (written, written_rx) = std::sync::mpsc::channel::<()>();
        let read = s.read(move |c| {
            let before = rooms_in(c)?;
            begun_tx.send(()).ok();
            written_rx.recv().ok();
            Ok::<_, StoreError>((before, rooms_in(c)?))
        });
        let (seen, ()) = tokio::join!(read, async {
            begun.await.unwrap();
            add_room(&s, "102").await;
            written.send(()).unwrap();
        });
        assert_eq!(seen.unwrap(), (1, 1));
        assert_eq!(s.read(rooms_in).await.unwrap(), 2, "the next read sees the write");
    }

    #[tokio::test]
    async fn the_read_connection_cannot_write() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(&dir.path().join("hotel.db")).unwrap();
        let e = s
            .read(|c| c.exec("INSERT INTO rooms(number, position) VALUES ('1', 0)", []).map_err(StoreError::from))
            .await
            .unwrap_err();
        assert!(e.to_string().contains("readonly"), "{e}");
        assert_eq!(s.read(rooms_in).await.unwrap(), 0);
    }

    #[tokio::test]
    async fn a_write_that_panics_is_rolled_back_and_the_store_goes_on() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(&dir.path().join("hotel.db")).unwrap();
        // The panic happens on the writer thread, which survives it; the caller gets an error.
        let e = s
            .write(Priority::Normal, move |tx| {
                tx.exec("INSERT INTO rooms(number, position) VALUES ('1', 0)", []).map_err(StoreError::from)?;
                panic!("a bug in the middle of a change");
                #[allow(unreachable_code)]
                Ok::<_, StoreError>(())
            })
            .await
            .unwrap_err();
        assert!(e.to_string().contains("could not take the change"), "{e}");
        add_room(&s, "2").await;
        let rooms: Vec<String> = s
            .read(|c| {
                let mut st = c.prepare_cached("SELECT number FROM rooms ORDER BY number")?;
                let rows = st.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
                Ok::<_, StoreError>(rows)
            })
            .await
            .unwrap();
        assert_eq!(rooms, ["2"]);
    }
}
