//! Group commit: a write is answered only once it is on the disk, and writers that commit while
//! the disk is busy share the next flush instead of waiting for one each.
//!
//! The connection commits with `synchronous = NORMAL` (in WAL mode: the transaction is written to
//! the `-wal` file, not flushed) and lets go of the store at once; the writer then waits here
//! until the WAL file has been flushed (`fdatasync`) past its commit. One writer flushes at a time;
//! whoever commits meanwhile is covered by the next flush, which one of them makes for all.
//! That is what `synchronous = FULL` gives each commit (SQLite flushes the WAL at every commit),
//! without holding the store through the flush and without a flush per writer.
//!
//! A process kill loses nothing either way (what was written is in the kernel's hands); a power
//! cut can lose only commits that no caller has been told are done.

use std::path::PathBuf;
use std::sync::{Condvar, Mutex};

/// How the WAL reaches the disk (a real file's flush; a test's stand-in).
pub type Flush = Box<dyn Fn() -> std::io::Result<()> + Send + Sync>;

#[derive(Default)]
struct State {
    /// Commits made so far (each writer's ticket).
    committed: u64,
    /// Every commit up to this one is on the disk.
    flushed: u64,
    /// A writer is flushing now.
    flushing: bool,
    /// Flushes made (for tests and the curious).
    flushes: u64,
}

pub struct Durable {
    flush: Option<Flush>,
    state: Mutex<State>,
    done: Condvar,
}

impl Durable {
    /// Flushes the WAL file beside `db` (opened on first use: SQLite creates it at the first
    /// write). `None`: nothing to flush (an in-memory store).
    pub fn for_store(db: Option<PathBuf>) -> Durable {
        let flush = db.map(|db| {
            let wal = PathBuf::from(format!("{}-wal", db.display()));
            let file: Mutex<Option<std::fs::File>> = Mutex::new(None);
            Box::new(move || {
                let mut f = file.lock().unwrap_or_else(|p| p.into_inner());
                if f.is_none() {
                    let opened = std::fs::File::open(&wal)?;
                    // The WAL's directory entry must survive a power cut too.
                    if let Some(dir) = wal.parent().filter(|d| !d.as_os_str().is_empty()) {
                        std::fs::File::open(dir)?.sync_all()?;
                    }
                    *f = Some(opened);
                }
                f.as_ref().expect("opened above").sync_data()
            }) as Flush
        });
        Durable::new(flush)
    }

    pub fn new(flush: Option<Flush>) -> Durable {
        Durable { flush, state: Mutex::new(State::default()), done: Condvar::new() }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Takes a ticket for a commit just made; call while still holding the store, so that
    /// tickets follow the order of commits.
    pub fn committed(&self) -> u64 {
        let mut st = self.state();
        st.committed += 1;
        st.committed
    }

    /// Returns once every commit up to `ticket` is on the disk, flushing if nobody else is.
    pub fn wait(&self, ticket: u64) -> std::io::Result<()> {
        let Some(flush) = &self.flush else { return Ok(()) };
        let mut st = self.state();
        loop {
            if st.flushed >= ticket {
                return Ok(());
            }
            if st.flushing {
                st = self.done.wait(st).unwrap_or_else(|p| p.into_inner());
                continue;
            }
            // Everything committed so far is in the file: one flush covers it all.
            let upto = st.committed;
            st.flushing = true;
            drop(st);
            let res = flush();
            st = self.state();
            st.flushing = false;
            st.flushes += 1;
            if res.is_ok() {
                st.flushed = st.flushed.max(upto);
            }
            self.done.notify_all();
            res?;
        }
    }

    /// Flushes made so far.
    pub fn flushes(&self) -> u64 {
        self.state().flushes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Sql;
    use std::sync::{mpsc, Arc};

    #[test]
    fn writers_who_commit_during_a_flush_share_the_next_one() {
        // The first flush blocks until the test lets it go; meanwhile two more writers commit.
        let (entered_tx, entered) = mpsc::channel::<()>();
        let (release, release_rx) = mpsc::channel::<()>();
        let gate = Mutex::new((entered_tx, release_rx));
        let calls = Arc::new(std::sync::atomic::AtomicU32::new(0));
        let c = calls.clone();
        let d = Arc::new(Durable::new(Some(Box::new(move || {
            if c.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
                let g = gate.lock().unwrap();
                g.0.send(()).unwrap();
                g.1.recv().unwrap();
            }
            Ok(())
        }))));
        let first = d.committed();
        let d1 = d.clone();
        let a = std::thread::spawn(move || d1.wait(first));
        entered.recv().unwrap();
        let (second, third) = (d.committed(), d.committed());
        let (d2, d3) = (d.clone(), d.clone());
        let b = std::thread::spawn(move || d2.wait(second));
        let c3 = std::thread::spawn(move || d3.wait(third));
        release.send(()).unwrap();
        for h in [a, b, c3] {
            h.join().unwrap().unwrap();
        }
        assert_eq!(d.flushes(), 2, "one flush for the first writer, one shared by the other two");
        // Already flushed: no flush at all.
        d.wait(third).unwrap();
        assert_eq!(d.flushes(), 2);
    }

    #[test]
    fn a_failed_flush_is_reported_and_tried_again_by_the_next_waiter() {
        let fail = Arc::new(std::sync::atomic::AtomicBool::new(true));
        let f = fail.clone();
        let d = Durable::new(Some(Box::new(move || {
            if f.swap(false, std::sync::atomic::Ordering::SeqCst) {
                Err(std::io::Error::other("disk on fire"))
            } else {
                Ok(())
            }
        })));
        let t = d.committed();
        assert_eq!(d.wait(t).unwrap_err().to_string(), "disk on fire");
        d.wait(t).unwrap();
        assert_eq!(d.flushes(), 2);
    }

    #[test]
    fn the_wal_of_a_real_store_is_flushed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hotel.db");
        let store = super::super::Store::open(&path).unwrap();
        let before = store.durable.flushes();
        store
            .write(|tx| {
                tx.exec("INSERT INTO pbx_events(at, kind, detail) VALUES ('t', 'k', 'd')", [])
                    .map_err(super::super::StoreError::from)
            })
            .unwrap();
        assert_eq!(store.durable.flushes(), before + 1);
        store.write_relaxed(|_| Ok::<_, super::super::StoreError>(())).unwrap();
        assert_eq!(store.durable.flushes(), before + 1, "a relaxed write does not wait for the disk");
    }
}
