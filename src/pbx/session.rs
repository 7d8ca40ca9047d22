//! One connection's life on the link: the FIAS engine over an open port, feeding it the
//! outbox (urgent rows first, then a running resync, then the rest in order), deleting rows the
//! PBX ACKed, setting aside what it keeps refusing, and handing what the PBX says to `incoming`.

use std::time::Duration;

use fias::{Event, LinkState, Message, PmsLink, SendError};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

use super::command::PbxCommand;
use super::link::{log_link, queued, LinkCommand, LinkCtx, LinkStatus, Outer, SessionEnd};
use super::{incoming, resync};
use crate::store::{outbox, StoreError};

/// What is on the wire right now.
enum InFlight {
    /// One record: a single outbox row, or several equipment rows of one room merged.
    Outbox(Vec<outbox::OutboxRow>),
    Resync(Message),
}

pub(super) struct Session<'a> {
    ctx: &'a LinkCtx,
    status: &'a watch::Sender<LinkStatus>,
    engine: PmsLink,
    in_flight: Option<(u64, InFlight)>,
    next_tag: u64,
    resync: Option<resync::Job>,
    hold_until: Option<Instant>,
    not_up_since: Instant,
    /// The outbox row that failed last, and how many times in a row.
    refused: Option<(i64, u32)>,
}

/// Rounds of 4 attempts a PBX may refuse (NAK) the same command, with the link up, before it
/// is set aside with an alert, so that one record the PBX cannot take does not hold up the rest.
const REFUSALS_BEFORE_SET_ASIDE: u32 = 3;

impl<'a> Session<'a> {
    pub(super) fn new(ctx: &'a LinkCtx, status: &'a watch::Sender<LinkStatus>) -> Self {
        Session {
            ctx,
            status,
            engine: PmsLink::new(ctx.engine_config()),
            in_flight: None,
            next_tag: 1,
            resync: None,
            hold_until: None,
            not_up_since: Instant::now(),
            refused: None,
        }
    }

    pub(super) async fn run<S: AsyncRead + AsyncWrite>(
        &mut self,
        stream: S,
        commands: &mut mpsc::Receiver<LinkCommand>,
        outer: &mut Outer,
    ) -> SessionEnd {
        let (mut rd, mut wr) = tokio::io::split(stream);
        let mut buf = vec![0u8; 1024];
        self.engine.start(Instant::now().into_std(), self.ctx.wall());
        self.set_state();
        // Give up on this connection (and reopen the port) after this long without a link.
        let reopen_after = self.ctx.engine_config().startup_timeout * 3;
        loop {
            if let Err(e) = self.handle_events(outer).and_then(|()| self.feed()) {
                tracing::error!("PBX link: store error: {e}");
                return SessionEnd::Lost(format!("store error: {e}"));
            }
            while let Some(bytes) = self.engine.poll_transmit() {
                if let Err(e) = wr.write_all(&bytes).await {
                    return SessionEnd::Lost(format!("write failed: {e}"));
                }
            }
            if self.engine.state() != LinkState::Up && self.not_up_since.elapsed() > reopen_after {
                return SessionEnd::Lost("the PBX does not answer".into());
            }
            let idle = self.engine.ready() && self.in_flight.is_none();
            let far = Instant::now() + Duration::from_secs(3600);
            let engine_deadline = self.engine.poll_timeout().map(Instant::from_std).unwrap_or(far);
            let deadline = match self.hold_until {
                Some(h) => engine_deadline.min(h),
                None => engine_deadline,
            }
            .min(self.not_up_since + reopen_after + Duration::from_millis(1));
            tokio::select! {
                r = rd.read(&mut buf) => match r {
                    Ok(0) => return SessionEnd::Lost("the port was closed".into()),
                    Ok(n) => self.engine.handle_input(Instant::now().into_std(), self.ctx.wall(), &buf[..n]),
                    Err(e) => return SessionEnd::Lost(format!("read failed: {e}")),
                },
                _ = tokio::time::sleep_until(deadline) => {
                    if self.hold_until.is_some_and(|h| Instant::now() >= h) {
                        self.hold_until = None;
                    }
                    self.engine.handle_timeout(Instant::now().into_std(), self.ctx.wall());
                }
                _ = self.ctx.outbox_changed.notified(), if idle => {}
                cmd = commands.recv() => match cmd {
                    Some(LinkCommand::Resync) => {
                        if self.engine.state() == LinkState::Up {
                            if let Err(e) = self.begin_resync() {
                                tracing::error!("resync: {e}");
                            }
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
                        self.status.send_modify(|s| { s.link = "down"; s.since = Some(self.ctx.now_text()); });
                        return SessionEnd::Shutdown(done);
                    }
                    None => return SessionEnd::Lost("service stopping".into()),
                },
            }
        }
    }

    fn set_state(&mut self) {
        let state = match self.engine.state() {
            LinkState::Up => "up",
            LinkState::Starting => "starting",
            LinkState::Down => "down",
        };
        let stats = self.engine.stats();
        let declared: Vec<String> = self.engine.declarations().keys().map(|k| k.to_string()).collect();
        let resync = self.resync.is_some();
        self.status.send_if_modified(|s| {
            let before = s.clone();
            if (s.link == "up") != (state == "up") {
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

    fn begin_resync(&mut self) -> Result<(), StoreError> {
        let job = resync::Job::snapshot(&self.ctx.store)?;
        tracing::info!(rooms = job.rooms(), "resync of every room started");
        self.resync = Some(job);
        self.set_state();
        Ok(())
    }

    fn handle_events(&mut self, outer: &mut Outer) -> Result<(), StoreError> {
        let mut changed = false;
        while let Some(ev) = self.engine.poll_event() {
            changed = true;
            match ev {
                Event::LinkUp { version, interface } => {
                    let outage = outer.down_since.elapsed();
                    tracing::info!(?version, ?interface, "PBX link up after {outage:.1?}");
                    if outer.logged_down {
                        let text = format!(
                            "PBX link restored after {}; {} change(s) were waiting",
                            crate::clock::human(outage),
                            queued(self.ctx)
                        );
                        log_link(self.ctx, "pbx_up", &text);
                    }
                    outer.logged_down = false;
                    outer.was_up = true;
                    self.status.send_modify(|s| {
                        s.pbx_version = version.clone();
                        s.degraded = false;
                    });
                    if outer.resync_wanted || outage >= self.ctx.cfg.resync_after {
                        outer.resync_wanted = false;
                        self.begin_resync()?;
                    }
                    for need in [fias::ids::GI, fias::ids::GO, fias::ids::RE] {
                        if !self.engine.declared(need) {
                            tracing::warn!("the PBX did not declare {need}: those changes cannot reach it");
                        }
                    }
                }
                Event::LinkDown(reason) => {
                    tracing::warn!(?reason, "PBX link down");
                    outer.down_since = Instant::now();
                    if std::mem::take(&mut outer.was_up) {
                        outer.logged_down = true;
                        log_link(
                            self.ctx,
                            "pbx_down",
                            &format!("PBX link down ({reason:?}); changes wait in the queue"),
                        );
                    }
                    self.not_up_since = Instant::now();
                    if self.resync.take().is_some() {
                        outer.resync_wanted = true;
                    }
                }
                Event::Delivered(tag) => self.delivered(tag)?,
                Event::Failed(tag) => self.failed(tag)?,
                Event::Received(msg) => incoming::handle(self.ctx, msg)?,
                Event::ResyncRequested => self.begin_resync()?,
                Event::Malformed { data, error } => {
                    tracing::warn!(record = %String::from_utf8_lossy(&data), "PBX sent a malformed record: {error}");
                    self.status.send_modify(|s| s.malformed_received += 1);
                }
                Event::Ignored(id) => {
                    tracing::debug!("PBX sent {id} before the link was up; ignored")
                }
            }
        }
        if self.engine.state() == LinkState::Up {
            // (Up is refreshed on every pass; Starting/Down keep their first instant.)
            self.not_up_since = Instant::now();
        }
        if changed {
            self.set_state();
        }
        Ok(())
    }

    /// Takes the in-flight item if `tag` is its tag.
    fn take_in_flight(&mut self, tag: u64) -> Option<InFlight> {
        match self.in_flight.take() {
            Some((t, item)) if t == tag => Some(item),
            other => {
                self.in_flight = other;
                None
            }
        }
    }

    fn delivered(&mut self, tag: u64) -> Result<(), StoreError> {
        match self.take_in_flight(tag) {
            Some(InFlight::Outbox(rows)) => {
                self.ctx.store.write(|tx| rows.iter().try_for_each(|r| outbox::done(tx, r)))?
            }
            Some(InFlight::Resync(_)) => {
                if let Some(job) = self.resync.as_mut() {
                    job.delivered();
                    if job.is_finished() {
                        let job = self.resync.take().expect("checked");
                        let n = self.ctx.store.write(|tx| outbox::covered_by_resync(tx, job.upto()))?;
                        tracing::info!(rooms = job.rooms(), covered = n, "resync of every room finished");
                    }
                }
            }
            None => {}
        }
        Ok(())
    }

    fn failed(&mut self, tag: u64) -> Result<(), StoreError> {
        match self.take_in_flight(tag) {
            Some(InFlight::Outbox(rows)) => {
                for row in &rows {
                    tracing::warn!(room = %row.room, attr = %row.attr, "PBX did not acknowledge a command; it stays queued");
                }
                let first = rows[0].id;
                let n = match self.refused {
                    Some((id, n)) if id == first => n + 1,
                    _ => 1,
                };
                self.refused = Some((first, n));
                if n >= REFUSALS_BEFORE_SET_ASIDE && self.engine.state() == LinkState::Up {
                    self.set_aside(&rows)?;
                    self.refused = None;
                }
            }
            Some(InFlight::Resync(msg)) => {
                if let Some(job) = self.resync.as_mut() {
                    job.retry(msg);
                }
            }
            None => {}
        }
        self.status.send_modify(|s| {
            s.degraded = true;
            s.failed_deliveries += 1;
        });
        // Let the line settle before trying again.
        self.hold_until = Some(Instant::now() + self.ctx.cfg.ack_timeout);
        Ok(())
    }

    /// The PBX keeps refusing these rows: take them out of the queue, keep them on record, and
    /// tell a person (a resync sends the room's whole state again once the PBX is fixed).
    fn set_aside(&mut self, rows: &[outbox::OutboxRow]) -> Result<(), StoreError> {
        let now = self.ctx.now_text();
        let room = rows[0].room.clone();
        let what: Vec<String> = rows.iter().map(|r| format!("{:?}", r.command)).collect();
        let msg = format!(
            "the PBX refuses a command for room {room} ({}); it was set aside: check the PBX, then run `switchboard pbx resync`",
            what.join(", ")
        );
        self.ctx.store.write(|tx| {
            for r in rows {
                incoming::record_event(tx, &now, Some(&r.room), "refused", &format!("{:?}", r.command))?;
                outbox::done(tx, r)?;
            }
            crate::alerts::raise(tx, &now, "pbx_refused", Some(&room), None, &msg)?;
            Ok(())
        })
    }

    /// Hands the engine the next record when it is ready: urgent outbox rows, then a running
    /// resync, then the outbox in order.
    fn feed(&mut self) -> Result<(), StoreError> {
        loop {
            if !self.engine.ready() || self.in_flight.is_some() || self.hold_until.is_some() {
                return Ok(());
            }
            let batch = self.ctx.store.read(|c| outbox::next_batch(c, 8))?;
            let urgent = batch.first().is_some_and(|r| r.priority > outbox::PRIORITY_NORMAL);
            let (msg, item) = match (urgent, self.resync.as_mut().and_then(|j| j.next_record())) {
                (false, Some(msg)) => (msg.clone(), InFlight::Resync(msg)),
                (_, resync_msg) => {
                    if let (Some(m), Some(job)) = (resync_msg, self.resync.as_mut()) {
                        job.retry(m);
                    }
                    let rows = take_one_record(batch);
                    let Some(first) = rows.first() else { return Ok(()) };
                    if first.command.expired(self.ctx.clock.now()) {
                        let now = self.ctx.now_text();
                        tracing::warn!(room = %first.room, "wake-up ring expired before the PBX could take it; not sent");
                        self.ctx.store.write(|tx| {
                            incoming::record_event(
                                tx,
                                &now,
                                Some(&first.room),
                                "ring_expired",
                                &format!("{:?}", first.command),
                            )?;
                            outbox::done(tx, first)
                        })?;
                        continue;
                    }
                    let msg = if rows.len() > 1 {
                        let cmds: Vec<&PbxCommand> = rows.iter().map(|r| &r.command).collect();
                        PbxCommand::merged_equipment(&first.room, &cmds)
                    } else {
                        first.command.to_fias(&first.room, |id| self.engine.declared(id))
                    };
                    (msg, InFlight::Outbox(rows))
                }
            };
            let tag = self.next_tag;
            self.next_tag += 1;
            match self.engine.send(Instant::now().into_std(), tag, &msg) {
                Ok(()) => {
                    self.in_flight = Some((tag, item));
                    return Ok(());
                }
                Err(SendError::NotDeclared(id)) if matches!(&item, InFlight::Outbox(rows) if rows.iter().all(|r| r.command.optional())) =>
                {
                    // An optional feature this PBX does not have (it declared no such record).
                    tracing::debug!("the PBX has no {id} record; skipped");
                    if let InFlight::Outbox(rows) = item {
                        self.ctx.store.write(|tx| rows.iter().try_for_each(|r| outbox::done(tx, r)))?;
                    }
                }
                Err(e @ (SendError::NotDeclared(_) | SendError::Record(_))) => {
                    // It can never be delivered as it stands: say so loudly, keep a record, move on.
                    tracing::error!(record = ?msg.to_record(), "cannot send to the PBX: {e}; dropped");
                    self.status.send_modify(|s| s.dropped_unsupported += 1);
                    match item {
                        InFlight::Outbox(rows) => {
                            let now = self.ctx.now_text();
                            self.ctx.store.write(|tx| {
                                rows.iter().try_for_each(|row| {
                                    let detail = format!("{e}: {:?}", row.command);
                                    incoming::record_event(tx, &now, Some(&row.room), "undeliverable", &detail)?;
                                    outbox::done(tx, row)
                                })
                            })?;
                        }
                        InFlight::Resync(_) => {
                            if let Some(job) = self.resync.as_mut() {
                                job.delivered();
                            }
                        }
                    }
                }
                Err(SendError::NotUp) => return Ok(()),
            }
        }
    }
}

/// The rows that travel as the next record: the first row, plus, when it is a room-equipment
/// command, the other equipment commands of the same room that follow it with nothing else of
/// that room in between (so per-room order is kept).
fn take_one_record(batch: Vec<outbox::OutboxRow>) -> Vec<outbox::OutboxRow> {
    let mut rows = batch.into_iter();
    let Some(first) = rows.next() else { return Vec::new() };
    if first.command.equipment().is_none() {
        return vec![first];
    }
    let mut group = vec![first];
    for row in rows {
        if row.room != group[0].room {
            continue;
        }
        let fits = row.priority == group[0].priority
            && row.command.equipment().is_some()
            && group.iter().all(|g| g.attr != row.attr);
        if !fits {
            break;
        }
        group.push(row);
    }
    group
}
