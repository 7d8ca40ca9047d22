//! The queue at the store for those who can wait.
//!
//! Writes take the one write connection in turn. The API's request threads are many (six per
//! core) and the wake-up scheduler and the PBX link are few: with a dozen request threads waiting
//! at the connection, the scheduler's write waited behind all of them, and a call falling due
//! meanwhile was late (scheduling lateness p99 3-4 ms under API load). A thread that marked
//! itself with [`yield_to_the_phones`] first queues here, and at most [`AT_THE_STORE`] such
//! threads at once go on to the connection; everyone else goes straight to it and finds at most
//! that many ahead.

use std::cell::Cell;
use std::sync::{Condvar, Mutex};

/// Marked threads waiting at (or holding) the write connection at once.
pub const AT_THE_STORE: usize = 2;

thread_local!(static YIELDS: Cell<bool> = const { Cell::new(false) });

/// Marks this thread (an API request thread) as one that queues behind the phones.
pub fn yield_to_the_phones() {
    YIELDS.with(|y| y.set(true));
}

#[derive(Debug, Default)]
pub struct Lane {
    at_the_store: Mutex<usize>,
    free: Condvar,
}

/// A marked thread's place at the store, given back when dropped.
pub struct Pass<'l>(&'l Lane);

impl Lane {
    fn count(&self) -> std::sync::MutexGuard<'_, usize> {
        self.at_the_store.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// For a marked thread, waits for a place at the store; others pass at once (`None`).
    pub fn enter(&self) -> Option<Pass<'_>> {
        if !YIELDS.with(|y| y.get()) {
            return None;
        }
        let mut n = self.count();
        while *n >= AT_THE_STORE {
            n = self.free.wait(n).unwrap_or_else(|p| p.into_inner());
        }
        *n += 1;
        Some(Pass(self))
    }
}

impl Drop for Pass<'_> {
    fn drop(&mut self) {
        *self.0.count() -= 1;
        self.0.free.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    #[test]
    fn marked_threads_go_to_the_store_a_few_at_a_time_and_others_straight() {
        let lane = Arc::new(Lane::default());
        assert!(lane.enter().is_none(), "an unmarked thread does not queue");
        let (inside, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let (lane, inside, most) = (lane.clone(), inside.clone(), most.clone());
                std::thread::spawn(move || {
                    yield_to_the_phones();
                    for _ in 0..200 {
                        let pass = lane.enter();
                        assert!(pass.is_some());
                        let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(now, Ordering::SeqCst);
                        std::thread::yield_now();
                        inside.fetch_sub(1, Ordering::SeqCst);
                        drop(pass);
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(most.load(Ordering::SeqCst), AT_THE_STORE, "never more, and the places were used");
        assert_eq!(*lane.count(), 0);
    }
}
