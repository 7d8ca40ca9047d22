//! The PBX link task: the one owner of the serial port.
//!
//! It opens the port (reconnecting with back-off when the device vanishes or stops answering),
//! runs the FIAS engine over it, drains the durable outbox one record at a time (a row is deleted
//! only when the PBX ACKed it), stores what the PBX reports, and resyncs every room on a PBX `DR`,
//! after a long outage, or on command. The task is generic over the stream so tests can run it
//! over a pseudo-terminal or an in-memory pipe.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDateTime;
use chrono_tz::Tz;
use fias::{PmsConfig, Timers};
use serde::Serialize;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::{mpsc, oneshot, watch, Notify};
use tokio::time::Instant;

use crate::clock::SharedClock;
use crate::config::PbxConfig;
use crate::store::{outbox, Store};

use super::session::Session;

/// What the console, CLI and API show about the link.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct LinkStatus {
    /// "up", "down" or "starting".
    pub link: &'static str,
    pub port: String,
    /// When the link last changed between up and not up (UTC, RFC 3339).
    pub since: Option<String>,
    pub last_error: Option<String>,
    pub pbx_version: Option<String>,
    /// Record types the PBX declared (LR).
    pub declared: Vec<String>,
    pub resync_in_progress: bool,
    /// Some record was not acknowledged after every attempt since the link came up.
    pub degraded: bool,
    pub failed_deliveries: u64,
    pub dropped_unsupported: u64,
    pub malformed_received: u64,
    pub frames_sent: u64,
    pub frames_received: u64,
    pub retransmits: u64,
    pub bad_lrc: u64,
    pub noise_bytes: u64,
    pub reconnects: u64,
}

impl LinkStatus {
    /// A link that has not come up yet (for tools and benches that need a status).
    pub fn default_down(port: &str) -> Self {
        Self::new(port.to_string())
    }

    fn new(port: String) -> Self {
        LinkStatus {
            link: "down",
            port,
            since: None,
            last_error: None,
            pbx_version: None,
            declared: Vec::new(),
            resync_in_progress: false,
            degraded: false,
            failed_deliveries: 0,
            dropped_unsupported: 0,
            malformed_received: 0,
            frames_sent: 0,
            frames_received: 0,
            retransmits: 0,
            bad_lrc: 0,
            noise_bytes: 0,
            reconnects: 0,
        }
    }
}

/// Requests to the link task.
#[derive(Debug)]
pub enum LinkCommand {
    /// Send every room's full state to the PBX.
    Resync,
    /// Say `LE` and stop; answered once the port is closed.
    Shutdown(oneshot::Sender<()>),
}

/// The rest of the service's way to talk to the link task.
#[derive(Clone)]
pub struct LinkHandle {
    pub commands: mpsc::Sender<LinkCommand>,
    pub status: watch::Receiver<LinkStatus>,
}

impl LinkHandle {
    pub fn status(&self) -> LinkStatus {
        self.status.borrow().clone()
    }

    pub async fn resync(&self) -> bool {
        self.commands.send(LinkCommand::Resync).await.is_ok()
    }

    /// Sends `LE`, closes the port and waits (bounded) for the task to finish.
    pub async fn shutdown(&self, wait: Duration) {
        let (tx, rx) = oneshot::channel();
        if self.commands.send(LinkCommand::Shutdown(tx)).await.is_ok() {
            let _ = tokio::time::timeout(wait, rx).await;
        }
    }
}

/// Everything the link task needs.
pub struct LinkCtx {
    pub store: Arc<Store>,
    pub clock: SharedClock,
    pub timezone: Tz,
    pub cfg: PbxConfig,
    pub outbox_changed: Arc<Notify>,
    /// Where reports for other parts of the service go (the wake-up scheduler).
    pub reports: Option<mpsc::UnboundedSender<super::PbxReport>>,
}

impl LinkCtx {
    pub(super) fn wall(&self) -> NaiveDateTime {
        self.clock.now().with_timezone(&self.timezone).naive_local()
    }

    pub(super) fn now_text(&self) -> String {
        self.clock.now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    }

    pub(super) fn engine_config(&self) -> PmsConfig {
        let ack = self.cfg.ack_timeout;
        PmsConfig {
            timers: Timers { ack_timeout: ack, ..Timers::default() },
            startup_timeout: ack * 7,
            link_check: self.cfg.link_check,
            seven_bit: self.cfg.data_bits == 7,
        }
    }
}

/// Opens the stream to the PBX; called again after every loss.
pub trait Connector: Send + 'static {
    type Stream: AsyncRead + AsyncWrite + Send + 'static;
    fn connect(&mut self) -> Result<Self::Stream, String>;
    fn describe(&self) -> String;
}

/// Starts the link task.
pub fn spawn<C: Connector>(ctx: LinkCtx, connector: C) -> (LinkHandle, tokio::task::JoinHandle<()>) {
    let (cmd_tx, cmd_rx) = mpsc::channel(16);
    let (status_tx, status_rx) = watch::channel(LinkStatus::new(connector.describe()));
    let task = tokio::spawn(run(ctx, connector, cmd_rx, status_tx));
    (LinkHandle { commands: cmd_tx, status: status_rx }, task)
}

pub(super) enum SessionEnd {
    Shutdown(oneshot::Sender<()>),
    Lost(String),
}

/// State that outlives one connection.
pub(super) struct Outer {
    pub(super) down_since: Instant,
    pub(super) resync_wanted: bool,
    /// The link was up and its loss is not in the logbook yet.
    pub(super) was_up: bool,
    /// A "link down" entry was written: the next "up" writes its counterpart.
    pub(super) logged_down: bool,
}

/// Writes a logbook system entry about the link (a failure to write is logged, not fatal).
pub(super) fn log_link(ctx: &LinkCtx, kind: &str, text: &str) {
    let now = ctx.now_text();
    if let Err(e) = ctx.store.write(|tx| crate::journal::system_entry(tx, &now, kind, None, kind == "pbx_down", text)) {
        tracing::error!("cannot write the logbook: {e}");
    }
}

pub(super) fn queued(ctx: &LinkCtx) -> u64 {
    ctx.store.read(outbox::pending).unwrap_or(0)
}

async fn run<C: Connector>(
    ctx: LinkCtx,
    mut connector: C,
    mut commands: mpsc::Receiver<LinkCommand>,
    status: watch::Sender<LinkStatus>,
) {
    let mut backoff = Duration::from_millis(250);
    let mut outer = Outer { down_since: Instant::now(), resync_wanted: false, was_up: false, logged_down: false };
    loop {
        let end = match connector.connect() {
            Ok(stream) => {
                backoff = Duration::from_millis(250);
                status.send_modify(|s| s.last_error = None);
                let mut session = Session::new(&ctx, &status);
                session.run(stream, &mut commands, &mut outer).await
            }
            Err(e) => SessionEnd::Lost(e),
        };
        match end {
            SessionEnd::Shutdown(done) => {
                let _ = done.send(());
                return;
            }
            SessionEnd::Lost(why) => {
                tracing::warn!(port = %connector.describe(), "PBX link lost: {why}; retrying in {backoff:?}");
                if std::mem::take(&mut outer.was_up) {
                    outer.down_since = Instant::now();
                    outer.logged_down = true;
                    log_link(&ctx, "pbx_down", &format!("PBX link down: {why}; changes wait in the queue"));
                }
                status.send_modify(|s| {
                    if s.link != "down" {
                        s.since = Some(ctx.now_text());
                    }
                    s.link = "down";
                    s.last_error = Some(why);
                    s.reconnects += 1;
                    s.resync_in_progress = false;
                });
            }
        }
        // Wait out the back-off, still answering commands.
        let until = Instant::now() + backoff;
        backoff = (backoff * 2).min(ctx.cfg.reconnect_max);
        loop {
            tokio::select! {
                _ = tokio::time::sleep_until(until) => break,
                cmd = commands.recv() => match cmd {
                    Some(LinkCommand::Resync) => outer.resync_wanted = true,
                    Some(LinkCommand::Shutdown(done)) => { let _ = done.send(()); return; }
                    None => return,
                },
            }
        }
    }
}

/// A connector over streams made beforehand (in-memory pipes in tests); each reconnect takes
/// the next one.
pub struct Streams<S>(pub VecDeque<S>, pub String);

impl<S: AsyncRead + AsyncWrite + Send + 'static> Connector for Streams<S> {
    type Stream = S;
    fn connect(&mut self) -> Result<S, String> {
        self.0.pop_front().ok_or_else(|| "no more streams".to_string())
    }
    fn describe(&self) -> String {
        self.1.clone()
    }
}
