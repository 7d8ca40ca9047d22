//! Runs the simulated PMS over one connection after another: the state (and what the PMS still
//! has to send) outlives each connection, as a real PMS's interface queue does.
//!
//! [`serve`] starts the PMS and returns a [`PmsSimHandle`]; hand it streams with
//! [`PmsSimHandle::attach`] (a TCP connection, a pseudo-terminal master, a `tokio::io::duplex`
//! half). A new stream replaces the current one. [`PmsSimHandle::disconnect`] drops the current
//! one (a pulled cable, an interface restart); [`PmsSimHandle::go_silent`] ignores the line.

use std::pin::Pin;
use std::time::Duration;

use chrono::NaiveDateTime;
use fias::{Framing, PmsConfig, Timers};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

use crate::engine::{PmsEngine, PmsKnob, PmsView};

/// Any stream the PMS can talk over.
pub trait SimStream: AsyncRead + AsyncWrite + Send {}
impl<T: AsyncRead + AsyncWrite + Send> SimStream for T {}
type Stream = Pin<Box<dyn SimStream>>;

/// How the simulated PMS is set up.
#[derive(Debug, Clone)]
pub struct PmsSimOptions {
    pub framing: Framing,
    pub timers: Timers,
    /// Every room of the hotel (for resyncs).
    pub rooms: Vec<String>,
    /// The character set on the wire (some PMS interfaces use a DOS code page).
    pub encoding: fias::Encoding,
}

impl Default for PmsSimOptions {
    fn default() -> Self {
        PmsSimOptions {
            framing: Framing::Tcp,
            timers: Timers::default(),
            rooms: Vec::new(),
            encoding: fias::Encoding::Utf8,
        }
    }
}

enum Control {
    Attach(Stream),
    Knob(PmsKnob),
    Disconnect,
    Silence(Duration),
}

/// Steers the simulated PMS and reads its view.
#[derive(Clone)]
pub struct PmsSimHandle {
    tx: mpsc::UnboundedSender<Control>,
    view: watch::Receiver<PmsView>,
}

impl PmsSimHandle {
    pub fn view(&self) -> PmsView {
        self.view.borrow().clone()
    }

    pub fn subscribe(&self) -> watch::Receiver<PmsView> {
        self.view.clone()
    }

    /// Talks over `stream` from now on (the previous connection, if any, is dropped).
    pub fn attach(&self, stream: impl SimStream + 'static) {
        let _ = self.tx.send(Control::Attach(Box::pin(stream)));
    }

    pub fn knob(&self, k: PmsKnob) {
        let _ = self.tx.send(Control::Knob(k));
    }

    /// Drops the current connection.
    pub fn disconnect(&self) {
        let _ = self.tx.send(Control::Disconnect);
    }

    /// Ignores the line (reads nothing, writes nothing) for `d`.
    pub fn go_silent(&self, d: Duration) {
        let _ = self.tx.send(Control::Silence(d));
    }

    /// Waits until `pred` holds, or `timeout` passes (then the last view is the error).
    pub async fn wait_for(
        &self,
        timeout: Duration,
        mut pred: impl FnMut(&PmsView) -> bool,
    ) -> Result<PmsView, PmsView> {
        let mut rx = self.view.clone();
        let found = match tokio::time::timeout(timeout, rx.wait_for(|v| pred(v))).await {
            Ok(Ok(v)) => Some(v.clone()),
            _ => None,
        };
        found.ok_or_else(|| self.view())
    }
}

/// The PMS keeps its own clock, like the system it stands for.
#[allow(clippy::disallowed_methods)]
fn wall() -> NaiveDateTime {
    chrono::Local::now().naive_local()
}

/// Starts the simulated PMS (not connected yet).
pub fn serve(opts: PmsSimOptions) -> PmsSimHandle {
    let text = fias::WireText { encoding: opts.encoding, ..Default::default() };
    let cfg = PmsConfig { framing: opts.framing, timers: opts.timers, text, ..PmsConfig::default() };
    let engine = PmsEngine::new(cfg, opts.rooms);
    let (tx, rx) = mpsc::unbounded_channel();
    let (view_tx, view) = watch::channel(engine.view().clone());
    tokio::spawn(run(engine, rx, view_tx));
    PmsSimHandle { tx, view }
}

async fn run(mut engine: PmsEngine, mut rx: mpsc::UnboundedReceiver<Control>, view: watch::Sender<PmsView>) {
    let mut stream: Option<Stream> = None;
    let mut silent_until: Option<Instant> = None;
    let mut buf = vec![0u8; 4096];
    loop {
        let silent = silent_until.is_some_and(|t| Instant::now() < t);
        if let Some(s) = stream.as_mut() {
            while let Some(bytes) = engine.poll_transmit() {
                if silent {
                    continue;
                }
                if s.write_all(&bytes).await.is_err() {
                    engine.disconnected();
                    stream = None;
                    break;
                }
            }
        }
        if engine.take_changed() {
            view.send_replace(engine.view().clone());
        }
        let far = Instant::now() + Duration::from_secs(3600);
        let deadline = engine.poll_timeout().map(Instant::from_std).unwrap_or(far).min(silent_until.unwrap_or(far));
        tokio::select! {
            n = async { stream.as_mut().expect("guarded").read(&mut buf).await }, if stream.is_some() => match n {
                Ok(0) | Err(_) => {
                    engine.disconnected();
                    stream = None;
                }
                Ok(n) => {
                    if silent_until.is_none_or(|t| Instant::now() >= t) {
                        engine.handle_input(Instant::now().into_std(), wall(), &buf[..n]);
                    }
                }
            },
            _ = tokio::time::sleep_until(deadline) => {
                if silent_until.is_some_and(|t| Instant::now() >= t) {
                    silent_until = None;
                }
                engine.handle_timeout(Instant::now().into_std(), wall());
            }
            ctl = rx.recv() => match ctl {
                Some(Control::Attach(s)) => {
                    stream = Some(s);
                    engine.connected(Instant::now().into_std(), wall());
                }
                Some(Control::Knob(k)) => engine.knob(Instant::now().into_std(), k),
                Some(Control::Disconnect) => {
                    stream = None;
                    engine.disconnected();
                }
                Some(Control::Silence(d)) => silent_until = Some(Instant::now() + d),
                None => return,
            },
        }
    }
}
