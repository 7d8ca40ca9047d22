//! One connection's life on the link: the protocol's engine (FIAS, or NEAX or Mitel behind FIAS's
//! interface, see [`crate::links::pbx::engine`]) over an open port. The session moves
//! bytes, turns engine events into store writes, and asks the [`Dispatcher`] what to send;
//! every delivery decision is the dispatcher's.
//!
//! Long: one connection's whole life (events, store hand-over, status, resync) reads best in one
//! place; the decisions already live in the dispatcher and the checks.

use std::time::Duration;

use fias::{Event, Message, PmsLink};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::Instant;

use super::context::LinkCtx;
use super::dispatch::{Decision, Dispatcher, Effect, BATCH};
use super::turnaround::Turnaround;
use super::{incoming, resync};
use crate::domain::event::Event as Change;
use crate::domain::link::{LinkState, LinkStatus};
use crate::domain::pbx_protocol::Protocol;
use crate::links::handle::LinkCommand;
use crate::links::keep::Outer;
use crate::links::pbx::command::PbxCommand;
use crate::links::pbx::engine::{mitel::MitelPms, neax::NeaxPms, Engine};
use crate::logsafe::Summary;
use crate::store::{outbox, Priority, Store, StoreError};

/// Why the connection to the PBX was lost: faults of the wire, never of the store (a store
/// that refuses writes is waited out with the link kept up).
#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error("{what} failed: {err}")]
    Io { what: &'static str, err: std::io::Error },
    #[error("the PBX does not answer")]
    Silent,
    #[error("the port was closed")]
    Closed,
    #[error("service stopping")]
    Stopping,
}

/// How a session ended.
pub(super) enum SessionEnd {
    Shutdown(oneshot::Sender<()>),
    Lost(LinkError),
}

/// Work on the outbox the store must take before anything more is sent, in order.
enum Work {
    Effect(Effect),
    Resync,
}

/// The longest pause between tries while the store refuses writes.
const STORE_RETRY_MAX: Duration = Duration::from_secs(30);
/// PBX records kept in memory while the store refuses them, at most (hours of traffic).
const BACKLOG_MAX: usize = 100_000;

/// Writes a logbook system entry about the link (a failure to write is logged, not fatal).
pub(super) async fn log_link(ctx: &LinkCtx, kind: &str, text: &str, facts: serde_json::Value) {
    let now = ctx.clock.now();
    let (kind, text) = (kind.to_string(), text.to_string());
    let wrote = ctx
        .store
        .write(Priority::Urgent, move |tx| {
            crate::hotel::journal::system_entry(tx, now, &kind, None, kind == "pbx_down", &text, &facts)
        })
        .await;
    if let Err(e) = wrote {
        tracing::error!("cannot write the logbook: {e}");
    }
}

async fn queued(ctx: &LinkCtx) -> u64 {
    ctx.store.read(outbox::pending).await.unwrap_or(0)
}

pub(super) struct Session<'a> {
    ctx: &'a LinkCtx,
    status: &'a watch::Sender<LinkStatus>,
    engine: Engine,
    dispatch: Dispatcher,
    not_up_since: Instant,
    /// Outbox work the store has not taken yet; nothing more is sent until it has.
    backlog: std::collections::VecDeque<Work>,
    /// The outbox's next rows, read in the same job that marked the last ones delivered: one
    /// trip to the writer per acknowledged frame instead of a write and then a read.
    next_rows: Option<Vec<outbox::OutboxRow>>,
    /// What the PBX said that the store has not taken yet (it failed); tried again, in order,
    /// at `store_retry`, while the outbox keeps draining.
    inbound: std::collections::VecDeque<Message>,
    store_retry: Option<(Instant, Duration)>,
    store_failing_since: Option<Instant>,
    /// Our side's turnaround per frame (ACK read -> next frame written).
    turnaround: Turnaround,
    /// Repeated malformed or refused records: one log line a minute each, with the count.
    malformed: Summary,
    refusals: Summary,
}

impl<'a> Session<'a> {
    pub(super) fn new(ctx: &'a LinkCtx, status: &'a watch::Sender<LinkStatus>, framing: fias::Framing) -> Self {
        Session {
            ctx,
            status,
            engine: match ctx.cfg.protocol {
                Protocol::Neax => Engine::Neax(NeaxPms::new(ctx.cfg.ack_timeout, ctx.cfg.link_check)),
                Protocol::Mitel => Engine::Mitel(MitelPms::new(ctx.cfg.ack_timeout, ctx.cfg.link_check)),
                Protocol::Fias => Engine::Fias(PmsLink::new(fias::PmsConfig { framing, ..ctx.engine_config() })),
            },
            dispatch: Dispatcher::new(ctx.cfg.ack_timeout),
            not_up_since: Instant::now(),
            backlog: std::collections::VecDeque::new(),
            next_rows: None,
            inbound: std::collections::VecDeque::new(),
            store_retry: None,
            store_failing_since: None,
            turnaround: Turnaround::default(),
            malformed: Summary::per_minute(),
            refusals: Summary::per_minute(),
        }
    }

    fn state(&self) -> LinkState {
        self.engine.state().into()
    }

    pub(super) async fn run<S: AsyncRead + AsyncWrite>(
        &mut self,
        stream: S,
        commands: &mut mpsc::Receiver<LinkCommand>,
        outer: &mut Outer,
    ) -> SessionEnd {
        let (mut rd, mut wr) = tokio::io::split(stream);
        let mut buf = vec![0u8; 1024];
        // Subscribed before the first look at the outbox: nothing queued after it goes unseen.
        let mut changes = self.ctx.store.events();
        self.engine.start(Instant::now().into_std(), self.ctx.wall());
        self.set_state();
        // Give up on this connection (and reopen the port) after this long without a link.
        let reopen_after = self.ctx.engine_config().startup_timeout * 3;
        loop {
            self.handle_events(outer).await;
            if self.drain_backlog().await {
                match self.feed().await {
                    Ok(()) => self.store_recovered().await,
                    Err(e) => self.store_failed(e),
                }
            }
            while let Some(bytes) = self.engine.poll_transmit() {
                if let Err(err) = wr.write_all(&bytes).await {
                    return SessionEnd::Lost(LinkError::Io { what: "writing to the port", err });
                }
                if bytes.contains(&fias::frame::STX) {
                    if let Some((p50, p99)) = self.turnaround.frame_written() {
                        self.status.send_modify(|s| {
                            s.turnaround_p50_us = Some(p50);
                            s.turnaround_p99_us = Some(p99);
                        });
                    }
                }
            }
            if self.engine.has_events() {
                continue; // over TCP a record is delivered as soon as it is written
            }
            if self.state() != LinkState::Up && self.not_up_since.elapsed() > reopen_after {
                return SessionEnd::Lost(LinkError::Silent);
            }
            let idle = self.engine.ready() && self.dispatch.is_idle();
            let far = Instant::now() + Duration::from_secs(3600);
            let engine_deadline = self.engine.poll_timeout().map(Instant::from_std).unwrap_or(far);
            let deadline = match self.dispatch.deadline() {
                Some(h) => engine_deadline.min(Instant::from_std(h)),
                None => engine_deadline,
            }
            .min(self.not_up_since + reopen_after + Duration::from_millis(1))
            .min(self.store_retry.map_or(far, |(at, _)| at));
            tokio::select! {
                r = rd.read(&mut buf) => match r {
                    Ok(0) => return SessionEnd::Lost(LinkError::Closed),
                    Ok(n) => {
                        let now = self.turnaround.read();
                        self.engine.handle_input(now.into_std(), self.ctx.wall(), &buf[..n]);
                    }
                    Err(err) => return SessionEnd::Lost(LinkError::Io { what: "reading from the port", err }),
                },
                _ = tokio::time::sleep_until(deadline) => {
                    self.engine.handle_timeout(Instant::now().into_std(), self.ctx.wall());
                }
                // Commands were queued (anywhere in the service): the top of the loop sends them.
                open = Store::until(&mut changes, Change::for_pbx), if idle => if !open {
                    return SessionEnd::Lost(LinkError::Closed);
                },
                cmd = commands.recv() => match cmd {
                    Some(LinkCommand::Resync) => {
                        if self.state() == LinkState::Up {
                            self.backlog.push_back(Work::Resync);
                        } else {
                            outer.resync_wanted = true;
                        }
                    }
                    Some(LinkCommand::Shutdown(done)) => {
                        self.engine.shutdown(Instant::now().into_std(), self.ctx.wall());
                        while let Some(bytes) = self.engine.poll_transmit() {
                            let _ = wr.write_all(&bytes).await;
                        }
                        // Wait briefly for the PBX to ACK the LE.
                        let _ = tokio::time::timeout(self.ctx.cfg.ack_timeout, rd.read(&mut buf)).await;
                        self.status.send_modify(|s| { s.link = LinkState::Down; s.since = Some(self.ctx.now_text()); });
                        return SessionEnd::Shutdown(done);
                    }
                    None => return SessionEnd::Lost(LinkError::Stopping),
                },
            }
        }
    }

    fn set_state(&mut self) {
        let state = self.state();
        let stats = self.engine.stats();
        let declared: Vec<String> = self.engine.declarations().keys().map(|k| k.to_string()).collect();
        let resync = self.dispatch.resync_running();
        self.status.send_if_modified(|s| {
            let before = s.clone();
            if (s.link == LinkState::Up) != (state == LinkState::Up) {
                s.since = Some(self.ctx.now_text());
            }
            s.link = state;
            s.declared = declared;
            s.resync_in_progress = resync;
            s.frames_sent = stats.frames_sent;
            s.frames_received = stats.frames_received;
            s.retransmits = stats.retransmits;
            s.bad_lrc = stats.bad_lrc;
            s.noise_bytes = stats.noise_bytes;
            *s != before
        });
    }

    async fn begin_resync(&mut self) -> Result<(), StoreError> {
        let job = resync::Job::snapshot(&self.ctx.store, self.ctx.timezone).await?;
        tracing::info!(rooms = job.rooms(), "resync of every room started");
        self.dispatch.begin_resync(job);
        self.set_state();
        Ok(())
    }

    /// Turns what the engine says into state changes and work for the store (done, in order,
    /// by [`Session::drain_backlog`]).
    async fn handle_events(&mut self, outer: &mut Outer) {
        let mut changed = false;
        while let Some(ev) = self.engine.poll_event() {
            changed = true;
            match ev {
                Event::LinkUp { version, interface } => {
                    let outage = outer.down_since.map(|t| t.elapsed()).unwrap_or_default();
                    tracing::info!(?version, ?interface, "PBX link up after {outage:.1?}");
                    if outer.logged_down {
                        let waiting = queued(self.ctx).await;
                        let text = format!(
                            "PBX link restored after {}; {waiting} change(s) were waiting",
                            crate::clock::human(outage)
                        );
                        let facts = serde_json::json!({ "minutes": outage.as_secs().div_ceil(60), "waiting": waiting });
                        log_link(self.ctx, "pbx_up", &text, facts).await;
                    }
                    outer.logged_down = false;
                    outer.was_up = true;
                    self.status.send_modify(|s| {
                        s.pbx_version = version.clone();
                        s.degraded = false;
                    });
                    if outer.resync_wanted || outage >= self.ctx.cfg.resync_after {
                        outer.resync_wanted = false;
                        self.backlog.push_back(Work::Resync);
                    }
                    for need in [fias::ids::GI, fias::ids::GO, fias::ids::RE] {
                        if !self.engine.declared(need) {
                            tracing::warn!("the PBX did not declare {need}: those changes cannot reach it");
                        }
                    }
                }
                Event::LinkDown(reason) => {
                    tracing::warn!(?reason, "PBX link down");
                    // Down since now even if it never came up: the outage is counted from the last try.
                    outer.down_since = Some(Instant::now());
                    if outer.went_down() {
                        log_link(
                            self.ctx,
                            "pbx_down",
                            &format!("PBX link down ({reason:?}); changes wait in the queue"),
                            serde_json::json!({}),
                        )
                        .await;
                    }
                    self.not_up_since = Instant::now();
                    if self.dispatch.link_lost() {
                        outer.resync_wanted = true;
                    }
                }
                Event::Delivered(tag) => {
                    self.turnaround.acked();
                    let effect = self.dispatch.delivered(tag);
                    self.backlog.push_back(Work::Effect(effect));
                }
                Event::Failed(tag) => {
                    let link_up = self.state() == LinkState::Up;
                    let effect = self.dispatch.failed(tag, Instant::now().into_std(), link_up);
                    self.status.send_modify(|s| {
                        s.degraded = true;
                        s.failed_deliveries += 1;
                    });
                    self.backlog.push_back(Work::Effect(effect));
                }
                Event::Received(msg) => {
                    if self.inbound.len() >= BACKLOG_MAX {
                        tracing::error!(record = %crate::logsafe::text(&format!("{:?}", msg.to_record())), "the store has refused writes for too long; a PBX record is dropped");
                    } else {
                        self.inbound.push_back(msg);
                    }
                }
                Event::ResyncRequested => self.backlog.push_back(Work::Resync),
                Event::Malformed { data, error } => {
                    if let Some(n) = self.malformed.tick() {
                        tracing::warn!(record = %crate::logsafe::peer(&data), count = n, "PBX sent a malformed record: {error}");
                    }
                    self.status.send_modify(|s| s.malformed_received += 1);
                }
                Event::Ignored(id) => {
                    tracing::debug!("PBX sent {id} before the link was up; ignored")
                }
            }
        }
        if self.state() == LinkState::Up {
            // (Up is refreshed on every pass; Starting/Down keep their first instant.)
            self.not_up_since = Instant::now();
        }
        if changed {
            self.set_state();
        }
    }

    /// Hands the store what it has not taken yet, in order, once the back-off after a refusal
    /// allows: outbox work first (nothing more is sent before it is done), then what the PBX
    /// said. On a store error the rest waits and the link stays up. Returns whether the outbox
    /// may be fed.
    async fn drain_backlog(&mut self) -> bool {
        if self.store_retry.is_some_and(|(at, _)| Instant::now() < at) {
            // Waiting out the store's refusal: what must be written waits for the pause to end
            // (not for every wake-up of the loop); sending goes on if nothing waits.
            return self.backlog.is_empty();
        }
        while let Some(work) = self.backlog.pop_front() {
            let result = match &work {
                Work::Effect(effect) => self.apply(effect.clone()).await,
                Work::Resync => self.begin_resync().await,
            };
            if let Err(e) = result {
                self.backlog.push_front(work);
                self.store_failed(e);
                return false;
            }
        }
        while let Some(msg) = self.inbound.pop_front() {
            if let Err(e) = self.received(msg.clone()).await {
                self.inbound.push_front(msg);
                self.store_failed(e);
                return true;
            }
        }
        true
    }

    /// Everything the store was refused has been taken: say so once.
    async fn store_recovered(&mut self) {
        if !self.inbound.is_empty() {
            return;
        }
        let Some(since) = self.store_failing_since.take() else { return };
        self.store_retry = None;
        let text = format!(
            "the store refused writes for {}; the PBX link stayed up and what it said meanwhile is stored now",
            crate::clock::human(since.elapsed())
        );
        let facts = serde_json::json!({ "minutes": since.elapsed().as_secs().div_ceil(60) });
        tracing::warn!("{text}");
        let now = self.ctx.clock.now();
        let raised = self
            .ctx
            .store
            .write(Priority::Urgent, move |tx| {
                crate::hotel::alerts::raise(
                    tx,
                    now,
                    crate::hotel::alerts::Kind::StoreRecovered,
                    None,
                    None,
                    facts,
                    &text,
                )
            })
            .await;
        if let Err(e) = raised {
            tracing::error!("cannot raise an alert: {e}");
        }
        self.status.send_modify(|s| s.last_error = None);
    }

    /// The store refused: wait (doubling, at most `STORE_RETRY_MAX`) before trying again.
    fn store_failed(&mut self, e: StoreError) {
        let pause = self.store_retry.map_or(Duration::from_millis(250), |(_, p)| (p * 2).min(STORE_RETRY_MAX));
        self.store_retry = Some((Instant::now() + pause, pause));
        if self.store_failing_since.is_none() {
            self.store_failing_since = Some(Instant::now());
            tracing::error!("the store refuses writes ({e}); the PBX link stays up, PBX records are kept in memory");
        } else {
            let waiting = self.backlog.len() + self.inbound.len();
            tracing::warn!(waiting, "the store still refuses writes ({e}); next try in {pause:?}");
        }
        self.status.send_modify(|s| {
            s.last_error = Some(format!("store: {e}"));
            s.store_errors += 1;
        });
    }

    /// Stores what the PBX said; wakes the scheduler when it has something in its inbox.
    async fn received(&mut self, msg: Message) -> Result<(), StoreError> {
        let handled = incoming::handle(&self.ctx.store, self.ctx.clock.now(), msg, &self.ctx.charges).await?;
        if handled.scheduler {
            self.ctx.inbox.notify_one();
        }
        if let Some(refused) = handled.refused {
            self.status.send_modify(|s| s.refused_received += 1);
            let n = self.refusals.tick();
            n.inspect(|n| tracing::warn!(count = n, "the PBX sent a record out of range, refused: {refused}"));
        }
        Ok(())
    }

    /// Carries out what the dispatcher decided about the store.
    async fn apply(&mut self, effect: Effect) -> Result<(), StoreError> {
        let now = self.ctx.clock.now();
        match effect {
            Effect::None => {}
            // The PBX has these: the mark may skip the disk wait (a power cut at worst sends an
            // idempotent command again), except for a ring, which must never ring twice.
            Effect::Done(rows) if rows.iter().all(|r| !matches!(r.command, PbxCommand::Ring { .. })) => {
                let next = self
                    .ctx
                    .store
                    .write_relaxed(move |tx| {
                        rows.iter().try_for_each(|r| outbox::done(tx, r))?;
                        outbox::next_batch(tx, BATCH)
                    })
                    .await?;
                self.next_rows = Some(next);
            }
            Effect::Done(rows) => {
                let done = move |tx: &rusqlite::Connection| rows.iter().try_for_each(|r| outbox::done(tx, r));
                self.ctx.store.write(Priority::Urgent, done).await?
            }
            Effect::ResyncFinished { upto, rooms } => {
                let n = self.ctx.store.write(Priority::Urgent, move |tx| outbox::covered_by_resync(tx, upto)).await?;
                tracing::info!(rooms, covered = n, "resync of every room finished");
            }
            Effect::SetAside(rows) => {
                // The PBX keeps refusing these rows: take them out of the queue, keep them on
                // record, and tell a person (a resync sends the room's whole state again once
                // the PBX is fixed).
                let room = rows[0].room.clone();
                let what: Vec<String> = rows.iter().map(|r| format!("{:?}", r.command)).collect();
                let commands: Vec<&str> = rows.iter().map(|r| r.attr.as_str()).collect();
                let facts = serde_json::json!({ "room": room, "commands": commands.join(", ") });
                let msg = format!(
                    "the PBX refuses a command for room {room} ({}); it was set aside: check the PBX, then run `switchboard pbx resync`",
                    what.join(", ")
                );
                self.ctx
                    .store
                    .write(Priority::Urgent, move |tx| {
                        for r in &rows {
                            incoming::record_event(tx, now, Some(&r.room), "refused", &format!("{:?}", r.command))?;
                            outbox::done(tx, r)?;
                        }
                        let kind = crate::hotel::alerts::Kind::PbxRefused;
                        crate::hotel::alerts::raise(tx, now, kind, Some(&room), None, facts, &msg)?;
                        Ok::<_, StoreError>(())
                    })
                    .await?;
            }
            Effect::Expired(rows) => {
                tracing::warn!(room = %rows[0].room, "wake-up ring expired before the PBX could take it; not sent");
                self.drop_rows(rows, "ring_expired", String::new()).await?;
            }
            Effect::Undeliverable { rows, why } => {
                // It can never be delivered as it stands: say so loudly, keep a record, move on.
                tracing::error!(room = %rows[0].room, "cannot send to the PBX: {why}; dropped");
                self.status.send_modify(|s| s.dropped_unsupported += 1);
                self.drop_rows(rows, "undeliverable", format!("{why}: ")).await?;
            }
        }
        Ok(())
    }

    /// Takes `rows` out of the queue unsent, each kept on record as a PBX event of `kind` whose
    /// detail is `why` followed by the command.
    async fn drop_rows(&self, rows: Vec<outbox::OutboxRow>, kind: &'static str, why: String) -> Result<(), StoreError> {
        let now = self.ctx.clock.now();
        self.ctx
            .store
            .write(Priority::Urgent, move |tx| {
                rows.iter().try_for_each(|row| {
                    let detail = format!("{why}{:?}", row.command);
                    incoming::record_event(tx, now, Some(&row.room), kind, &detail)?;
                    outbox::done(tx, row)
                })
            })
            .await
    }

    /// Hands the engine what the dispatcher says to send, until it says to wait. A store error
    /// leaves the outbox as it was (tried again after the back-off).
    async fn feed(&mut self) -> Result<(), StoreError> {
        // Only as fresh as this very turn of the loop: dropped if not taken now.
        let mut prefetched = self.next_rows.take();
        loop {
            let now = Instant::now().into_std();
            self.dispatch.tick(now);
            if !self.engine.ready() || !self.dispatch.wants_work(now) {
                return Ok(());
            }
            let batch = match prefetched.take() {
                Some(rows) => rows,
                None => self.ctx.store.read(|c| outbox::next_batch(c, BATCH)).await?,
            };
            let engine = &self.engine;
            match self.dispatch.next(now, self.ctx.clock.now(), engine.ready(), batch, |id| engine.declared(id)) {
                Decision::Idle => return Ok(()),
                Decision::Expired(rows) => {
                    let effect = Effect::Expired(rows);
                    if let Err(err) = self.apply(effect.clone()).await {
                        self.backlog.push_back(Work::Effect(effect));
                        return Err(err);
                    }
                }
                Decision::Send { tag, msg } => match self.engine.send(now, tag, &msg) {
                    Ok(()) => return Ok(()),
                    Err(e) => {
                        tracing::debug!(record = ?msg.to_record(), "not sent: {e}");
                        let not_up = matches!(e, fias::SendError::NotUp);
                        let effect = self.dispatch.not_sent(tag, &e);
                        if let Err(err) = self.apply(effect.clone()).await {
                            self.backlog.push_back(Work::Effect(effect));
                            return Err(err);
                        }
                        // The rows read with that mark are this turn's, not a later one's (a
                        // row queued after them, a wake-up's, would go unseen until the next).
                        prefetched = self.next_rows.take();
                        if not_up {
                            return Ok(());
                        }
                    }
                },
            }
        }
    }
}
