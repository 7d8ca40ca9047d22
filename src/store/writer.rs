//! The one writer: a thread that owns the write connection and commits for everyone.
//!
//! Work arrives on two queues, [`Priority::Urgent`] (the PBX link, the PMS link, the wake-up
//! scheduler) and [`Priority::Normal`] (HTTP requests, property jobs). The writer takes every
//! urgent request first, runs what it finds waiting as one transaction with a savepoint per
//! request (one that fails rolls back its own savepoint only and gets its own error), commits
//! once, flushes the WAL once, and only then answers: group commit in one place. Once an urgent
//! request is in a batch no more normal ones join it, so a ring waits for at most the request
//! in hand, not for a queue of desk work.
//!
//! Commits run with `synchronous = NORMAL` (written to the WAL, not flushed) and the writer
//! flushes the WAL file itself, once per batch, and only if a request in it must be durable: a
//! "relaxed" request (an idempotent "delivered" mark) is answered right after the commit, and a
//! batch of only relaxed requests is never flushed by itself. `synchronous = FULL` would flush
//! at every commit, relaxed or not.
//!
//! A request is a job: a closure that owns what it uses, run on this thread; its caller awaits
//! the answer. A job that panics is rolled back and its caller told; the writer goes on.
//!
//! A job records what it changed as [`Event`]s ([`emit`]); the events of the jobs whose work
//! stands are handed to `on_commit` once the batch is committed (a rolled-back job's are dropped
//! with its savepoint).

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::{bounded, select_biased, unbounded, Receiver, Sender};
use rusqlite::Connection;

use super::sql::{Sql, StoreError};
use crate::domain::event::Event;

/// Who is waiting for the write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Priority {
    /// The phones: PBX link, PMS link, wake-up scheduler.
    Urgent,
    /// Everyone else: the desk's requests, property jobs.
    Normal,
}

/// Requests in one transaction, at most; and the longest a batch keeps taking new ones. Both
/// bound how long a caller waits behind others for its commit.
const MAX_BATCH: usize = 64;
const MAX_BATCH_TIME: Duration = Duration::from_millis(5);

/// What became of a request's part of the batch: whether its work stands, and how to tell its
/// caller once the commit is known (`Some(why)`: the batch was not kept).
pub(super) struct Ran {
    kept: bool,
    answer: Answer,
}

/// Tells a job's caller how it ended, given why the batch was not kept (if it was not).
type Answer = Box<dyn FnOnce(Option<&str>) + Send>;

pub(super) type Job = Box<dyn FnOnce(&Connection) -> Ran + Send>;

pub(super) enum Work {
    Job(Job),
    /// Copy the WAL into the file (a clean stop); outside any transaction.
    Checkpoint(Sender<Result<(), StoreError>>),
}

pub(super) struct Request {
    pub work: Work,
    /// Answered once committed, before the flush.
    pub relaxed: bool,
}

/// The callers' end: the two queues, and what the writer counts.
#[derive(Clone)]
pub struct Writer {
    urgent: Sender<Request>,
    normal: Sender<Request>,
    pub(super) stats: Arc<Stats>,
}

#[derive(Default)]
pub struct Stats {
    pub batches: AtomicU64,
    pub flushes: AtomicU64,
}

/// What the writer does after each commit with the batch's events (broadcast them, nudge the
/// checkpoint thread).
pub(super) type OnCommit = Box<dyn Fn(Vec<Event>) + Send>;

impl Writer {
    /// Starts the writer thread on `conn`; `wal`: the file to flush.
    pub(super) fn start(conn: Connection, wal: PathBuf, on_commit: OnCommit) -> std::io::Result<Writer> {
        let (urgent, urgent_rx) = unbounded();
        let (normal, normal_rx) = unbounded();
        let stats = Arc::new(Stats::default());
        let mut thread = Thread { conn, urgent: urgent_rx, normal: normal_rx, wal, wal_file: None, on_commit };
        let counters = stats.clone();
        std::thread::Builder::new().name("store-writer".into()).spawn(move || thread.run(&counters))?;
        Ok(Writer { urgent, normal, stats })
    }

    pub(super) fn send(&self, priority: Priority, r: Request) -> Result<(), StoreError> {
        // A change that writes from inside another would wait for itself forever: a bug, said.
        if ON_WRITER.with(|w| w.get()) {
            return Err(StoreError::NotKept("a change tried to write from inside another change".into()));
        }
        let queue = if priority == Priority::Urgent { &self.urgent } else { &self.normal };
        queue.send(r).map_err(|_| StoreError::WriterGone)
    }

    /// Queues `f` to run on the writer thread; the receiver gets its result once the batch is
    /// committed (and, unless `relaxed`, flushed). It is dropped unanswered only if `f`
    /// panicked (rolled back) or its batch could not begin (both logged).
    fn submit<T, E>(
        &self,
        priority: Priority,
        relaxed: bool,
        f: impl FnOnce(&Connection) -> Result<T, E> + Send + 'static,
    ) -> Result<Receiver<Result<T, E>>, StoreError>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let (reply, answered) = bounded(1);
        let job: Job = Box::new(move |conn| {
            let out = f(conn);
            let kept = out.is_ok();
            let answer = Box::new(move |failed: Option<&str>| {
                let _ = reply.send(match (out, failed) {
                    (Ok(_), Some(why)) => Err(StoreError::NotKept(why.to_string()).into()),
                    (out, _) => out,
                });
            });
            Ran { kept, answer }
        });
        self.send(priority, Request { work: Work::Job(job), relaxed })?;
        Ok(answered)
    }

    /// Runs `f` on the writer thread and waits for its answer. The wait sits on the blocking
    /// pool: tokio's paused clock (the scheduler's tests) does not jump ahead while a blocking
    /// task runs, and a wait on the writer thread must count as work, not as an idle runtime.
    pub(super) async fn job<T, E>(
        &self,
        priority: Priority,
        relaxed: bool,
        f: impl FnOnce(&Connection) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let answered = self.submit(priority, relaxed, f)?;
        answer(answered).await.unwrap_or_else(|| Err(not_taken().into()))
    }

    /// Requests waiting in the queues (tests).
    pub fn waiting(&self) -> usize {
        self.urgent.len() + self.normal.len()
    }

    pub(super) async fn checkpoint(&self) -> Result<(), StoreError> {
        let (tx, rx) = bounded(1);
        self.send(Priority::Normal, Request { work: Work::Checkpoint(tx), relaxed: false })?;
        answer(rx).await.unwrap_or(Err(StoreError::WriterGone))
    }
}

/// The writer's answer, waited for on the blocking pool (see [`Writer::job`] for why); `None`
/// if it was dropped unanswered.
async fn answer<R: Send + 'static>(rx: Receiver<R>) -> Option<R> {
    tokio::task::spawn_blocking(move || rx.recv()).await.ok().and_then(Result::ok)
}

thread_local! {
    static ON_WRITER: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    /// The events of the job in hand.
    static RECORDED: std::cell::RefCell<Vec<Event>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Records `event` for the job in hand: broadcast once its batch is committed, dropped if the
/// job is rolled back. Off the writer thread (a test's own connection) there is no batch to
/// broadcast from: nothing is kept.
pub fn emit(event: Event) {
    if ON_WRITER.with(|w| w.get()) {
        RECORDED.with(|r| r.borrow_mut().push(event));
    }
}

fn recorded() -> Vec<Event> {
    RECORDED.with(|r| std::mem::take(&mut *r.borrow_mut()))
}

fn not_taken() -> StoreError {
    StoreError::NotKept("the store could not take the change (see the log)".into())
}

struct Thread {
    conn: Connection,
    urgent: Receiver<Request>,
    normal: Receiver<Request>,
    wal: PathBuf,
    /// Opened at the first flush: SQLite creates the WAL at the first write.
    wal_file: Option<std::fs::File>,
    on_commit: OnCommit,
}

/// A job that ran, waiting for the batch's end to be answered.
struct Waiting {
    answer: Answer,
    relaxed: bool,
    events: Vec<Event>,
}

impl Waiting {
    fn relaxed(&self) -> bool {
        self.relaxed
    }

    fn answer(self, failed: Option<&str>) {
        (self.answer)(failed)
    }
}

impl Thread {
    fn run(&mut self, stats: &Stats) {
        ON_WRITER.with(|w| w.set(true));
        loop {
            // Both queues closed: the store is gone.
            let first = select_biased! {
                recv(self.urgent) -> r => r.map(|r| (r, true)),
                recv(self.normal) -> r => r.map(|r| (r, false)),
            };
            let Ok((first, urgent)) = first else { return };
            match first.work {
                Work::Checkpoint(reply) => self.checkpoint(reply),
                Work::Job(job) => {
                    // A checkpoint found while taking work waits for the batch's end.
                    if let Some(reply) = self.batch((job, first.relaxed), urgent, stats) {
                        self.checkpoint(reply);
                    }
                }
            }
        }
    }

    /// Copies the WAL into the file (a clean stop): outside any transaction.
    fn checkpoint(&self, reply: Sender<Result<(), StoreError>>) {
        let _ = reply.send(self.conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);").map_err(Into::into));
    }

    /// One transaction: `first` and whatever waits (urgent first), then commit, flush, answer.
    /// Returns a checkpoint request met while taking work: it runs once the batch is over.
    fn batch(
        &mut self,
        first: (Job, bool),
        mut urgent_seen: bool,
        stats: &Stats,
    ) -> Option<Sender<Result<(), StoreError>>> {
        let mut waiting = Vec::new();
        if let Err(e) = self.conn.exec("BEGIN IMMEDIATE", []) {
            // Nothing ran: dropped unrun, its caller hears that the store could not take it (the
            // reason is in the log); the next batch tries again.
            tracing::error!("store: cannot begin a transaction: {e}");
            drop(first);
            return None;
        }
        let started = Instant::now();
        let mut checkpoint = None;
        let mut next = Some(first);
        while let Some((job, relaxed)) = next.take() {
            if let Some(w) = self.run_one(job, relaxed) {
                waiting.push(w);
            }
            if self.conn.is_autocommit() {
                // An error that ended the whole transaction (a full disk): nothing in it stands.
                self.fail(waiting, "the store's transaction was rolled back (is the disk full?)");
                return checkpoint;
            }
            if waiting.len() >= MAX_BATCH || started.elapsed() >= MAX_BATCH_TIME {
                break;
            }
            let taken = match self.urgent.try_recv() {
                Ok(r) => {
                    urgent_seen = true;
                    Some(r)
                }
                Err(_) if urgent_seen => None,
                Err(_) => self.normal.try_recv().ok(),
            };
            next = match taken.map(|r| (r.work, r.relaxed)) {
                Some((Work::Job(job), relaxed)) => Some((job, relaxed)),
                Some((Work::Checkpoint(reply), _)) => {
                    checkpoint = Some(reply);
                    None
                }
                None => None,
            };
        }
        if let Err(e) = self.conn.exec("COMMIT", []) {
            let _ = self.conn.exec("ROLLBACK", []);
            self.fail(waiting, &e.to_string());
            return checkpoint;
        }
        stats.batches.fetch_add(1, Ordering::Relaxed);
        let mut events = Vec::new();
        for w in &mut waiting {
            events.append(&mut w.events);
        }
        (self.on_commit)(events);
        let (relaxed, durable): (Vec<_>, Vec<_>) = waiting.into_iter().partition(Waiting::relaxed);
        relaxed.into_iter().for_each(|w| w.answer(None));
        if !durable.is_empty() {
            let flushed = self.flush();
            stats.flushes.fetch_add(1, Ordering::Relaxed);
            let why = flushed.err().map(|e| StoreError::Flush(e.to_string()).to_string());
            durable.into_iter().for_each(|w| w.answer(why.as_deref()));
        }
        checkpoint
    }

    fn fail(&mut self, waiting: Vec<Waiting>, why: &str) {
        tracing::error!("store: a batch of {} change(s) was not kept: {why}", waiting.len());
        waiting.into_iter().for_each(|w| w.answer(Some(why)));
    }

    /// Runs one job under its own savepoint; returns what to answer at the batch's end (none
    /// if it panicked: its caller hears so when its reply is dropped).
    fn run_one(&mut self, job: Job, relaxed: bool) -> Option<Waiting> {
        let _ = self.conn.exec("SAVEPOINT job", []);
        let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(&self.conn)));
        let events = recorded();
        match ran {
            Ok(ran) => {
                self.end_savepoint(ran.kept);
                let events = if ran.kept { events } else { Vec::new() };
                Some(Waiting { answer: ran.answer, relaxed, events })
            }
            Err(_) => {
                tracing::error!("store: a change panicked; rolled back");
                self.end_savepoint(false);
                None
            }
        }
    }

    fn end_savepoint(&self, kept: bool) {
        if self.conn.is_autocommit() {
            return;
        }
        if !kept {
            let _ = self.conn.exec("ROLLBACK TO job", []);
        }
        let _ = self.conn.exec("RELEASE job", []);
    }

    /// `fdatasync` of the WAL file: everything committed so far is on the disk.
    fn flush(&mut self) -> std::io::Result<()> {
        let wal = &self.wal;
        if self.wal_file.is_none() {
            let opened = std::fs::File::open(wal)?;
            // The WAL's directory entry must survive a power cut too.
            if let Some(dir) = wal.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::File::open(dir)?.sync_all()?;
            }
            self.wal_file = Some(opened);
        }
        self.wal_file.as_ref().expect("opened above").sync_data()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Store, StoreError};
    use std::sync::mpsc;

    fn log(tx: &Connection, who: &str) -> Result<(), StoreError> {
        tx.exec("INSERT INTO pbx_events(at, kind, detail) VALUES ('t', 'order', ?1)", [who])?;
        Ok(())
    }

    async fn order(s: &Store) -> Vec<String> {
        s.read(move |c| {
            let mut st = c.prepare("SELECT detail FROM pbx_events WHERE kind = 'order' ORDER BY id")?;
            let rows = st.query_map([], |r| r.get(0))?.collect::<Result<Vec<String>, _>>()?;
            Ok::<_, StoreError>(rows)
        })
        .await
        .unwrap()
    }

    /// Holds the writer inside a write until the returned sender is used.
    async fn hold_the_writer(s: &Arc<Store>) -> (mpsc::Sender<()>, tokio::task::JoinHandle<()>) {
        let (entered_tx, entered) = tokio::sync::oneshot::channel();
        let (release, released) = mpsc::channel::<()>();
        let s2 = s.clone();
        let t = tokio::spawn(async move {
            s2.write(Priority::Normal, move |tx| {
                entered_tx.send(()).unwrap();
                released.recv().unwrap();
                log(tx, "holder")
            })
            .await
            .unwrap()
        });
        entered.await.unwrap();
        (release, t)
    }

    async fn until_waiting(s: &Store, n: usize) {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while s.writer.waiting() < n {
            assert!(std::time::Instant::now() < deadline, "{} waiting, not {n}", s.writer.waiting());
            tokio::task::yield_now().await;
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn urgent_work_goes_first_and_waiting_work_shares_one_commit_and_one_flush() {
        let s = Arc::new(Store::open_in_memory().unwrap());
        let (release, holder) = hold_the_writer(&s).await;
        let (batches, flushes) = s.writer_stats();
        let mut normal = Vec::new();
        for i in 0..5 {
            let s2 = s.clone();
            normal.push(tokio::spawn(async move {
                s2.write(Priority::Normal, move |tx| log(tx, &format!("normal {i}"))).await
            }));
            until_waiting(&s, i + 1).await;
        }
        let s2 = s.clone();
        let urgent = tokio::spawn(async move { s2.write(Priority::Urgent, |tx| log(tx, "urgent")).await });
        until_waiting(&s, 6).await;
        release.send(()).unwrap();
        holder.await.unwrap();
        urgent.await.unwrap().unwrap();
        for n in normal {
            n.await.unwrap().unwrap();
        }
        assert_eq!(order(&s).await, ["holder", "urgent", "normal 0", "normal 1", "normal 2", "normal 3", "normal 4"]);
        let (b, f) = s.writer_stats();
        // The holder's batch takes the urgent job (or ends first after MAX_BATCH_TIME), then the
        // five normal ones share one (a loaded machine may split them): seven writes, 2 to 5 commits.
        assert!((2..=5).contains(&(b - batches)), "{} batches", b - batches);
        assert_eq!(f - flushes, b - batches, "one flush per batch");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failing_or_panicking_job_loses_only_its_own_work() {
        let s = Arc::new(Store::open_in_memory().unwrap());
        let (release, holder) = hold_the_writer(&s).await;
        // Queued one at a time, so that the queue's order is the order written here.
        let mut jobs = Vec::new();
        for (i, who) in ["kept 1", "fails", "panics", "kept 2"].into_iter().enumerate() {
            let s2 = s.clone();
            jobs.push(tokio::spawn(async move {
                s2.write(Priority::Normal, move |tx| {
                    log(tx, who)?;
                    match who {
                        "fails" => Err(StoreError::Corrupt("no".into())),
                        "panics" => panic!("a bug in the middle of a change"),
                        _ => Ok(()),
                    }
                })
                .await
            }));
            until_waiting(&s, i + 1).await;
        }
        release.send(()).unwrap();
        holder.await.unwrap();
        let results: Vec<bool> =
            futures_util::future::join_all(jobs).await.into_iter().map(|r| r.unwrap().is_ok()).collect();
        assert_eq!(results, [true, false, false, true]);
        assert_eq!(order(&s).await, ["holder", "kept 1", "kept 2"]);
        s.write(Priority::Normal, move |tx| log(tx, "after")).await.unwrap();
        assert_eq!(order(&s).await.last().map(String::as_str), Some("after"), "the writer goes on");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_checkpoint_queued_behind_work_runs_once_that_work_is_committed() {
        let s = Arc::new(Store::open_in_memory().unwrap());
        let (release, holder) = hold_the_writer(&s).await;
        let s2 = s.clone();
        let job = tokio::spawn(async move { s2.write(Priority::Normal, |tx| log(tx, "before the stop")).await });
        until_waiting(&s, 1).await;
        let s3 = s.clone();
        let closing = tokio::spawn(async move { s3.close().await });
        until_waiting(&s, 2).await;
        release.send(()).unwrap();
        holder.await.unwrap();
        job.await.unwrap().unwrap();
        closing.await.unwrap().expect("the clean stop's checkpoint is not refused for coming mid-batch");
        assert_eq!(order(&s).await, ["holder", "before the stop"]);
    }

    #[tokio::test]
    async fn a_change_that_writes_from_inside_another_is_refused_not_stuck() {
        use futures_util::FutureExt;
        let s = Arc::new(Store::open_in_memory().unwrap());
        let inner = s.clone();
        // Polled once from inside the job: refused at once, where a wait would never end.
        let e = s
            .write(Priority::Normal, move |_| {
                inner.write(Priority::Normal, move |tx| log(tx, "nested")).now_or_never().expect("answered at once")
            })
            .await
            .unwrap_err();
        assert!(e.to_string().contains("from inside another change"), "{e}");
        assert!(order(&s).await.is_empty());
    }

    #[tokio::test]
    async fn a_relaxed_batch_is_not_flushed_and_an_ordinary_one_is() {
        let s = Store::open_in_memory().unwrap();
        let (_, before) = s.writer_stats();
        s.write_relaxed(move |tx| log(tx, "relaxed")).await.unwrap();
        assert_eq!(s.writer_stats().1, before);
        s.write(Priority::Normal, move |tx| log(tx, "ordinary")).await.unwrap();
        assert_eq!(s.writer_stats().1, before + 1);
    }
}
