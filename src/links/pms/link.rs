//! The PMS link task: the one owner of the connection to the PMS. The shared driver
//! ([`keep::run`]) opens the port (a device, `tcp://` or `tcp-listen://`, reconnecting with
//! back-off); each session plays the vendor side of FIAS over it
//! ([`fias::VendorLink`]), carries out what the PMS says ([`super::apply`]) and sends what waits
//! in the PMS outbox ([`super::outbox`]), one record at a time, deleting each only once sent.
//!
//! What the PMS says is taken in order; a store that refuses writes is waited out (doubling
//! pauses) with the link kept up, the records kept in memory meanwhile. The outbox is looked at
//! whenever the link is idle and whenever a committed change may have queued a record (the
//! store's events, [`crate::domain::event::Event::for_pms`]). A resync or night audit of the PMS
//! holds records back ([`super::holds`]), at most for its time-out.

use std::collections::VecDeque;
use std::time::Duration;

use fias::{Event, Message, SendError, Timers, VendorConfig, VendorLink, WireText};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::apply::{self, Applied, Resync};
use super::context::PmsCtx;
use super::holds::{Expired, Holds};
use super::outbox;
use super::status::{LinkState, PmsStatus};
use crate::domain::event::Event as Change;
use crate::links::handle::{Handle, LinkCommand};
use crate::links::keep::{self, End, Outer, Role};
use crate::links::port::Connector;
use crate::store::{Priority, Store, StoreError};

const STORE_RETRY_MAX: Duration = Duration::from_secs(30);

/// The rest of the service's way to talk to the PMS link (whether the PMS owns stays is in
/// its status).
pub type PmsHandle = Handle<PmsStatus>;

/// Starts the PMS link task.
pub fn spawn<C: Connector>(ctx: PmsCtx, connector: C) -> (PmsHandle, JoinHandle<()>) {
    let (cmd_tx, cmd_rx) = mpsc::channel(16);
    let (status_tx, status_rx) = watch::channel(PmsStatus::new(connector.describe(), ctx.cfg.owns_stays));
    let task = tokio::spawn(async move {
        let mut outer = Outer::new(None, false);
        // A run that ended without LE (a crash, a kill) may have lost what the PMS sent last.
        match ctx.store.write(Priority::Urgent, outbox::begin_run).await {
            Ok(true) => {}
            Ok(false) => {
                tracing::warn!("the last run did not end the PMS link cleanly: a database resync will be asked for");
                outer.resync_wanted = true;
            }
            Err(e) => tracing::error!("cannot read the PMS link's last stop: {e}"),
        }
        keep::run(PmsRole { ctx, status: status_tx }, connector, cmd_rx, outer).await
    });
    (Handle { commands: cmd_tx, status: status_rx }, task)
}

/// The link was up and is not: logged once, and a resync is asked for once it is back.
async fn went_down(outer: &mut Outer, ctx: &PmsCtx, why: &str) {
    if outer.went_down() {
        outer.resync_wanted = true;
        let text = format!("PMS link down: {why}; what the PMS must hear waits in the queue");
        ctx.journal("pms_down", true, &text, serde_json::json!({})).await;
    }
}

/// The PMS link's part in [`keep::run`].
struct PmsRole {
    ctx: PmsCtx,
    status: watch::Sender<PmsStatus>,
}

impl Role for PmsRole {
    const PEER: &'static str = "PMS";

    async fn session<S: AsyncRead + AsyncWrite + Send + 'static>(
        &mut self,
        stream: S,
        framing: fias::Framing,
        peer: Option<String>,
        commands: &mut mpsc::Receiver<LinkCommand>,
        outer: &mut Outer,
    ) -> End {
        self.status.send_modify(|s| {
            s.last_error = None;
            s.peer = peer;
        });
        Session::new(&self.ctx, &self.status, framing).run(stream, commands, outer).await
    }

    async fn lost(&mut self, why: &str, outer: &mut Outer) {
        went_down(outer, &self.ctx, why).await;
        let since = self.ctx.now_text();
        self.status.send_modify(|s| {
            if s.link != LinkState::Down {
                s.since = Some(since);
            }
            s.link = LinkState::Down;
            s.last_error = Some(why.to_string());
            s.counters.reconnects += 1;
            s.resync_in_progress = false;
            s.night_audit_in_progress = false;
            s.held = None;
        });
    }

    /// The link ended (or was never up): the next run need not ask for a resync.
    async fn stopping(&mut self) {
        if let Err(e) = self.ctx.store.write(Priority::Urgent, outbox::clean_stop).await {
            tracing::error!("cannot record the PMS link's clean stop: {e}");
        }
    }

    fn reconnect_max(&self) -> Duration {
        self.ctx.cfg.reconnect_max
    }
}

struct Session<'a> {
    ctx: &'a PmsCtx,
    status: &'a watch::Sender<PmsStatus>,
    engine: VendorLink,
    resync: Resync,
    /// Why records wait while the link is up (resync, night audit, a posting refused for now).
    holds: Holds,
    /// The outbox row on the wire.
    in_flight: Option<i64>,
    /// What the PMS said that the store has not taken yet.
    inbound: VecDeque<Message>,
    store_retry: Option<(Instant, Duration)>,
    /// Repeated malformed or oversized records and noise: one log line a minute each.
    malformed: crate::logsafe::Summary,
    oversized: crate::logsafe::Summary,
    noise: crate::logsafe::Summary,
    /// The transport's counters as last logged.
    seen: fias::Stats,
}

impl<'a> Session<'a> {
    fn new(ctx: &'a PmsCtx, status: &'a watch::Sender<PmsStatus>, framing: fias::Framing) -> Self {
        let cfg = &ctx.cfg;
        let serial = framing == fias::Framing::Serial;
        let engine = VendorLink::new(VendorConfig {
            timers: Timers { ack_timeout: cfg.ack_timeout, ..Timers::default() },
            framing,
            text: WireText {
                encoding: cfg.encoding,
                seven_bit: serial && cfg.line.data_bits == 7,
                max_field: cfg.max_field,
            },
            interface: cfg.interface.clone(),
            startup_retry: cfg.ack_timeout * 7,
            alive_check: cfg.link_check,
            ..VendorConfig::default()
        });
        Session {
            ctx,
            status,
            engine,
            resync: Resync::default(),
            holds: Holds::new(cfg.resync_timeout, cfg.night_audit_timeout, cfg.posting_retry),
            in_flight: None,
            inbound: VecDeque::new(),
            store_retry: None,
            malformed: crate::logsafe::Summary::per_minute(),
            oversized: crate::logsafe::Summary::per_minute(),
            noise: crate::logsafe::Summary::per_minute(),
            seen: fias::Stats::default(),
        }
    }

    fn state(&self) -> LinkState {
        self.engine.state().into()
    }

    async fn run<S: AsyncRead + AsyncWrite>(
        &mut self,
        stream: S,
        commands: &mut mpsc::Receiver<LinkCommand>,
        outer: &mut Outer,
    ) -> End {
        let (mut rd, mut wr) = tokio::io::split(stream);
        let mut buf = vec![0u8; 2048];
        // Subscribed before the first look at the outbox: nothing queued after it goes unseen.
        let mut changes = self.ctx.store.events();
        self.engine.start(Instant::now().into_std(), self.ctx.wall());
        loop {
            self.handle_events(outer).await;
            self.expire_holds().await;
            self.take_inbound().await;
            if let Err(e) = self.feed().await {
                self.store_failed(e);
            }
            self.refresh().await;
            while let Some(bytes) = self.engine.poll_transmit() {
                if let Err(e) = wr.write_all(&bytes).await {
                    return End::Lost(format!("writing to the PMS failed: {e}"));
                }
            }
            if self.engine.has_events() {
                continue;
            }
            let now = Instant::now();
            let mut deadline =
                self.engine.poll_timeout().map(Instant::from_std).unwrap_or(now + Duration::from_secs(3600));
            if let Some(at) = self.holds.deadline() {
                deadline = deadline.min(at);
            }
            if let Some((at, _)) = self.store_retry {
                deadline = deadline.min(at);
            }
            tokio::select! {
                r = rd.read(&mut buf) => match r {
                    Ok(0) => return End::Lost("the PMS closed the connection".into()),
                    Ok(n) => self.engine.handle_input(Instant::now().into_std(), self.ctx.wall(), &buf[..n]),
                    Err(e) => return End::Lost(format!("reading from the PMS failed: {e}")),
                },
                _ = tokio::time::sleep_until(deadline) => {
                    self.engine.handle_timeout(Instant::now().into_std(), self.ctx.wall());
                }
                // The top of the loop looks at the outbox and `queued`.
                open = Store::until(&mut changes, Change::for_pms) => if !open {
                    return End::Lost("service stopping".into());
                },
                cmd = commands.recv() => match cmd {
                    Some(LinkCommand::Resync) => self.request_resync(outer),
                    Some(LinkCommand::Shutdown(done)) => {
                        self.engine.shutdown(Instant::now().into_std(), self.ctx.wall());
                        while let Some(bytes) = self.engine.poll_transmit() {
                            let _ = wr.write_all(&bytes).await;
                        }
                        let _ = tokio::time::timeout(self.ctx.cfg.ack_timeout, rd.read(&mut buf)).await;
                        self.status.send_modify(|s| { s.link = LinkState::Down; s.since = Some(self.ctx.now_text()); });
                        return End::Shutdown(done);
                    }
                    None => return End::Lost("service stopping".into()),
                },
            }
        }
    }

    fn request_resync(&mut self, outer: &mut Outer) {
        match self.engine.request_resync(Instant::now().into_std()) {
            Ok(()) => {
                tracing::info!("asked the PMS for a database resync (DR)");
                self.status.send_modify(|s| s.counters.resync_requests += 1);
            }
            Err(_) => outer.resync_wanted = true,
        }
    }

    async fn handle_events(&mut self, outer: &mut Outer) {
        while let Some(ev) = self.engine.poll_event() {
            match ev {
                Event::LinkUp { .. } => {
                    let outage = outer.down_since.map(|t| t.elapsed());
                    tracing::info!("PMS link up");
                    if std::mem::take(&mut outer.logged_down) {
                        let queued = self.ctx.store.read(outbox::pending).await.unwrap_or(0);
                        let outage = outage.unwrap_or_default();
                        let text = format!(
                            "PMS link restored after {}; {queued} record(s) for the PMS were waiting",
                            crate::clock::human(outage)
                        );
                        let facts = serde_json::json!({ "minutes": outage.as_secs().div_ceil(60), "waiting": queued });
                        self.ctx.journal("pms_up", false, &text, facts).await;
                    }
                    outer.was_up = true;
                    self.status.send_modify(|s| {
                        s.since = Some(self.ctx.now_text());
                        s.last_error = None;
                    });
                    // Data may have been lost while the link was down: ask for a resync, once.
                    let long_enough = outage.is_none_or(|o| o >= self.ctx.cfg.resync_after);
                    if std::mem::take(&mut outer.resync_wanted) && long_enough {
                        self.request_resync(outer);
                    }
                }
                Event::LinkDown(reason) => {
                    tracing::warn!(?reason, "PMS link down");
                    self.in_flight = None;
                    self.holds.resync_ended();
                    went_down(outer, self.ctx, &format!("{reason:?}")).await;
                    self.status.send_modify(|s| s.since = Some(self.ctx.now_text()));
                }
                Event::Delivered(tag) => {
                    self.in_flight = None;
                    match self.ctx.store.write(Priority::Urgent, move |tx| outbox::done(tx, tag as i64)).await {
                        Ok(()) => self.status.send_modify(|s| s.counters.sent += 1),
                        // Sent again later: the PMS takes a repeat (WA, XD, RE are idempotent).
                        Err(e) => tracing::error!("cannot mark PMS record {tag} sent: {e}"),
                    }
                }
                Event::Failed(_) => self.in_flight = None,
                Event::Received(msg) => {
                    self.note_holds(&msg);
                    self.inbound.push_back(msg);
                }
                Event::ResyncRequested => tracing::debug!("the PMS sent DR; a vendor has nothing to resync"),
                Event::Malformed { data, error } => {
                    if let Some(n) = self.malformed.tick() {
                        tracing::warn!(record = %crate::logsafe::peer(&data), count = n, "the PMS sent a malformed record: {error}");
                    }
                    self.status.send_modify(|s| s.counters.malformed += 1);
                }
                Event::Ignored(id) => tracing::debug!("the PMS sent {id} before the link was up; ignored"),
            }
        }
    }

    /// Records that start or end a hold on what we send.
    fn note_holds(&mut self, msg: &Message) {
        let now = Instant::now();
        match msg {
            Message::ResyncStart => self.holds.resync_started(now),
            Message::ResyncEnd => self.holds.resync_ended(),
            Message::NightAuditStart => self.holds.night_audit_started(now),
            Message::NightAuditEnd => {
                self.holds.night_audit_ended();
            }
            Message::PostingAnswer { status, .. } if super::holds::try_again_later(status) => {
                self.holds.posting_refused(now, status)
            }
            _ => {}
        }
    }

    /// A resync or night audit whose end never came is abandoned: logged, an alert for a person,
    /// and what it held goes.
    async fn expire_holds(&mut self) {
        for expired in self.holds.expired(Instant::now()) {
            if expired == Expired::Resync {
                self.engine.abandon_resync();
                self.resync = Resync::default();
            }
            let waiting = self.ctx.store.read(outbox::pending).await.unwrap_or(0);
            let (kind, facts, text) = expired.alert(&self.ctx.cfg, waiting);
            let now = self.ctx.clock.now();
            if let Err(e) = self
                .ctx
                .store
                .write(Priority::Urgent, {
                    let text = text.clone();
                    move |tx| crate::hotel::alerts::raise(tx, now, kind, None, None, facts, &text)
                })
                .await
            {
                tracing::error!("{text} (and the alert could not be stored: {e})");
            }
        }
    }

    /// Carries out what the PMS said, in order; a store error keeps the rest for later.
    async fn take_inbound(&mut self) {
        if self.store_retry.is_some_and(|(at, _)| Instant::now() < at) {
            return;
        }
        while let Some(msg) = self.inbound.pop_front() {
            let id = msg.record_id();
            match apply::apply(self.ctx, &mut self.resync, msg.clone()).await {
                Ok(Applied::Refused(why)) => {
                    tracing::warn!("PMS {id} not carried out: {}", crate::logsafe::text(&why));
                    self.status.send_modify(|s| {
                        s.counters.refused += 1;
                        s.last_error = Some(format!("{id}: {why}"));
                    });
                }
                Ok(done) => {
                    tracing::info!("PMS {id}: {}", crate::logsafe::text(&format!("{done:?}")));
                    if id == fias::ids::DE {
                        self.status.send_modify(|s| s.counters.resyncs += 1);
                    }
                    self.status.send_modify(|s| s.counters.received += 1);
                }
                Err(e) => {
                    self.inbound.push_front(msg);
                    self.store_failed(e);
                    return;
                }
            }
        }
        self.store_retry = None;
    }

    fn store_failed(&mut self, e: StoreError) {
        let pause = self.store_retry.map_or(Duration::from_millis(250), |(_, p)| (p * 2).min(STORE_RETRY_MAX));
        self.store_retry = Some((Instant::now() + pause, pause));
        tracing::error!("the store refuses writes ({e}); PMS records wait in memory, next try in {pause:?}");
        self.status.send_modify(|s| s.last_error = Some(format!("store: {e}")));
    }

    /// Hands the engine the next outbox row when it can take one.
    async fn feed(&mut self) -> Result<(), StoreError> {
        while self.in_flight.is_none() && self.engine.ready() {
            let (postings, tz) = (!self.holds.postings_held(Instant::now()), self.ctx.timezone);
            // The row and its record in one read (one snapshot, one trip to the read pool).
            let next = self.ctx.store.read(move |c| {
                let Some(row) = outbox::next(c, 1, postings)?.pop() else { return Ok(None) };
                let msg = outbox::to_message(c, &row, tz);
                Ok::<_, StoreError>(Some((row, msg)))
            });
            let Some((row, msg)) = next.await? else { return Ok(()) };
            let msg = match msg {
                Ok(Some(m)) => m,
                Ok(None) => {
                    self.ctx.store.write(Priority::Urgent, move |tx| outbox::done(tx, row.id)).await?;
                    continue;
                }
                Err(StoreError::Corrupt(why)) => {
                    tracing::error!("PMS record {} cannot be built: {why}; dropped", row.id);
                    self.ctx.store.write(Priority::Urgent, move |tx| outbox::done(tx, row.id)).await?;
                    continue;
                }
                Err(e) => return Err(e),
            };
            self.in_flight = Some(row.id);
            match self.engine.send(Instant::now().into_std(), row.id as u64, &msg) {
                Ok(()) => {}
                Err(SendError::NotUp | SendError::Resyncing) => {
                    self.in_flight = None;
                    return Ok(());
                }
                Err(e) => {
                    self.in_flight = None;
                    tracing::warn!(record = ?msg.to_record(), "not sent to the PMS: {e}; dropped");
                    self.ctx.store.write(Priority::Urgent, move |tx| outbox::done(tx, row.id)).await?;
                }
            }
        }
        Ok(())
    }

    /// Oversized frames and noise from the PMS: counted in the status, logged once a minute with
    /// the count (not once per byte).
    fn count_garbage(&mut self) {
        let now = self.engine.stats();
        let (big, noise) = (now.oversized - self.seen.oversized, now.noise_bytes - self.seen.noise_bytes);
        if big == 0 && noise == 0 {
            return;
        }
        self.seen = now;
        self.status.send_modify(|s| {
            s.counters.oversized += big;
            s.counters.noise_bytes += noise;
        });
        if big > 0 {
            if let Some(n) = self.oversized.add(big) {
                tracing::warn!(count = n, "the PMS sent records over 2000 bytes (or without an end); dropped");
            }
        } else if let Some(n) = self.noise.add(noise) {
            tracing::warn!(bytes = n, "the PMS sent bytes that were not part of any record; dropped");
        }
    }

    /// The status as it is now.
    async fn refresh(&mut self) {
        self.count_garbage();
        let link = self.state();
        let queued = self.ctx.store.read(outbox::pending).await.unwrap_or(0);
        let resync = self.engine.resyncing();
        let night_audit = self.holds.night_audit();
        let held = self.holds.describe(Instant::now());
        self.status.send_if_modified(|s| {
            let before = (s.link, s.queued, s.resync_in_progress, s.night_audit_in_progress, s.held.clone());
            s.link = link;
            s.queued = queued;
            s.resync_in_progress = resync;
            s.night_audit_in_progress = night_audit;
            s.held = held;
            before != (s.link, s.queued, s.resync_in_progress, s.night_audit_in_progress, s.held.clone())
        });
    }
}
