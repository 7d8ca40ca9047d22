//! Checkpoints off the writers' path.
//!
//! SQLite copies the WAL back into the database file (a checkpoint) by itself, inside the commit
//! that takes the WAL past 1,000 pages. Under load that was one write in about a hundred holding
//! the store, and every writer and the wake-up scheduler behind it, through a copy and a flush of
//! the database file (3 % of a busy service's time, all of it under the lock). Here a thread of
//! its own does it on its own connection, nudged every [`EVERY`] commits; a `PASSIVE` checkpoint
//! waits for nobody, and writers go on meanwhile. The writer's own automatic checkpoint stays as
//! a backstop at [`BACKSTOP_PAGES`], should this thread ever fall behind.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, SyncSender};
use std::sync::Arc;

use rusqlite::Connection;

/// Commits between two checkpoints (a check-in writes about ten pages).
pub const EVERY: u64 = 100;
/// The writer checkpoints by itself only past this many WAL pages (40 MiB).
pub const BACKSTOP_PAGES: u32 = 10_000;

pub struct Checkpointer {
    nudge: SyncSender<()>,
    commits: AtomicU64,
    done: Arc<AtomicU64>,
}

impl Checkpointer {
    /// Starts the checkpoint thread on its own connection to `path` (it ends with the store).
    /// `None` (logged) if it cannot: the writer then checkpoints by itself, as SQLite does.
    pub fn start(path: &Path) -> Option<Checkpointer> {
        let conn = Connection::open(path).and_then(|c| c.busy_timeout(std::time::Duration::from_secs(5)).map(|_| c));
        let conn = conn.inspect_err(|e| tracing::warn!("no checkpoint thread for the store ({e})")).ok()?;
        let (nudge, nudged) = sync_channel::<()>(1);
        let done = Arc::new(AtomicU64::new(0));
        let counter = done.clone();
        std::thread::Builder::new()
            .name("store-checkpoint".into())
            .spawn(move || {
                while nudged.recv().is_ok() {
                    // (busy, WAL pages, pages copied): only failures matter here.
                    match conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
                        Ok(()) => {
                            counter.fetch_add(1, Ordering::Relaxed);
                        }
                        Err(e) => tracing::warn!(
                            "checkpoint of the store's WAL failed ({e}); the writer's own one backs it up"
                        ),
                    }
                }
            })
            .inspect_err(|e| tracing::warn!("no checkpoint thread for the store ({e})"))
            .ok()?;
        Some(Checkpointer { nudge, commits: AtomicU64::new(0), done })
    }

    /// A commit was made; every [`EVERY`]th nudges the thread (never waits for it).
    pub fn committed(&self) {
        if self.commits.fetch_add(1, Ordering::Relaxed) % EVERY == EVERY - 1 {
            let _ = self.nudge.try_send(());
        }
    }

    /// Checkpoints made so far.
    pub fn checkpoints(&self) -> u64 {
        self.done.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Priority;
    use crate::store::{Sql, Store, StoreError};

    #[tokio::test]
    async fn the_thread_checkpoints_every_hundred_commits_and_the_writer_does_not() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(&dir.path().join("hotel.db")).unwrap();
        let backstop: u32 = s
            .write(Priority::Normal, move |tx| {
                tx.row("PRAGMA wal_autocheckpoint", [], |r| r.get(0)).map_err(StoreError::from)
            })
            .await
            .unwrap();
        assert_eq!(backstop, BACKSTOP_PAGES);
        let before = s.checkpoints();
        for i in 0..EVERY {
            s.write(Priority::Normal, move |tx| {
                tx.exec("INSERT INTO pbx_events(at, kind, detail) VALUES ('t', 'k', ?1)", [i.to_string()])
                    .map_err(StoreError::from)
            })
            .await
            .unwrap();
        }
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while s.checkpoints() == before {
            assert!(std::time::Instant::now() < deadline, "no checkpoint after {EVERY} commits");
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
    }
}
