//! Runs the simulated PBX over any byte stream, with fault knobs between the engine and the wire.
//!
//! [`spawn`] takes anything `AsyncRead + AsyncWrite` (a pseudo-terminal master, a
//! `tokio::io::duplex` half) and returns a [`SimHandle`] to steer it and watch its state.

use std::io;
use std::time::Duration;

use fias::frame::{ACK, ETX, STX};
use fias::{FieldId, RecordId, Timers};
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::engine::{default_declarations, Command, PbxEngine, SimState};
use crate::mitel::MitelEngine;
use crate::neax::NeaxEngine;
use crate::state::Published;

/// The protocol the simulated PBX speaks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Protocol {
    #[default]
    Fias,
    Neax,
    Mitel,
}

/// What the runner needs of a simulated PBX, whatever its protocol.
trait SimEngine: Send + 'static {
    fn poll_transmit(&mut self) -> Option<Vec<u8>>;
    /// The state the engine keeps, and what changed in it since it was last published.
    fn published(&mut self) -> &mut Published;
    fn poll_timeout(&self) -> Option<std::time::Instant>;
    fn handle_input(&mut self, now: std::time::Instant, wall: chrono::NaiveDateTime, bytes: &[u8]);
    fn handle_timeout(&mut self, now: std::time::Instant, wall: chrono::NaiveDateTime);
    fn command(&mut self, now: std::time::Instant, wall: chrono::NaiveDateTime, cmd: Command);
}

macro_rules! sim_engine {
    ($t:ty) => {
        impl SimEngine for $t {
            fn poll_transmit(&mut self) -> Option<Vec<u8>> {
                <$t>::poll_transmit(self)
            }
            fn published(&mut self) -> &mut Published {
                &mut self.sim
            }
            fn poll_timeout(&self) -> Option<std::time::Instant> {
                <$t>::poll_timeout(self)
            }
            fn handle_input(&mut self, now: std::time::Instant, wall: chrono::NaiveDateTime, bytes: &[u8]) {
                <$t>::handle_input(self, now, wall, bytes)
            }
            fn handle_timeout(&mut self, now: std::time::Instant, wall: chrono::NaiveDateTime) {
                <$t>::handle_timeout(self, now, wall)
            }
            fn command(&mut self, now: std::time::Instant, wall: chrono::NaiveDateTime, cmd: Command) {
                <$t>::command(self, now, wall, cmd)
            }
        }
    };
}
sim_engine!(PbxEngine);
sim_engine!(NeaxEngine);
sim_engine!(MitelEngine);

/// Line faults, each "every Nth" (0 = never).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Faults {
    /// Corrupt every Nth frame from the PMS, so it is NAKed.
    pub nak_every: u32,
    /// Lose every Nth ACK the PBX sends.
    pub drop_ack_every: u32,
    /// Put two bytes of line noise before every Nth write.
    pub noise_every: u32,
    /// NAK every frame of this record type (a PBX that cannot take it), e.g. `*b"GC"`.
    pub refuse_record: Option<[u8; 2]>,
}

/// How the simulator is set up.
#[derive(Debug, Clone)]
pub struct SimOptions {
    pub timers: Timers,
    pub declarations: Vec<(RecordId, Vec<FieldId>)>,
    /// Delay between a `WR` and its `WA`.
    pub ring_time: Duration,
    /// Start from this state (e.g. loaded from a state file).
    pub initial: SimState,
    /// Serial framing (LRC, ACK/NAK) or TCP framing (neither); FIAS only.
    pub framing: fias::Framing,
    pub protocol: Protocol,
    /// The PBX's clock's zone (the hotel's); `None`: the machine's. A NEAX rings a wake-up at
    /// its own clock's minute.
    pub timezone: Option<chrono_tz::Tz>,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            timers: Timers::default(),
            declarations: default_declarations(),
            ring_time: Duration::ZERO,
            initial: SimState::default(),
            framing: fias::Framing::Serial,
            protocol: Protocol::Fias,
            timezone: None,
        }
    }
}

enum Control {
    Command(Box<Command>),
    Faults(Faults),
    Silence(Duration),
}

/// Steers a running simulator and reads its state.
#[derive(Clone)]
pub struct SimHandle {
    tx: mpsc::UnboundedSender<Control>,
    state: watch::Receiver<SimState>,
}

impl SimHandle {
    /// The PBX's state now.
    pub fn state(&self) -> SimState {
        self.state.borrow().clone()
    }

    /// A receiver that sees every published state.
    pub fn subscribe(&self) -> watch::Receiver<SimState> {
        self.state.clone()
    }

    pub fn command(&self, cmd: Command) {
        let _ = self.tx.send(Control::Command(Box::new(cmd)));
    }

    pub fn set_faults(&self, faults: Faults) {
        let _ = self.tx.send(Control::Faults(faults));
    }

    /// Pulls the cable: nothing in, nothing out, for `d`.
    pub fn go_silent(&self, d: Duration) {
        let _ = self.tx.send(Control::Silence(d));
    }

    /// Waits until `pred` holds for the published state, or `timeout` passes (then the last
    /// state is returned as the error, for the test's message).
    pub async fn wait_for(
        &self,
        timeout: Duration,
        mut pred: impl FnMut(&SimState) -> bool,
    ) -> Result<SimState, SimState> {
        let mut rx = self.state.clone();
        let res = tokio::time::timeout(timeout, rx.wait_for(|s| pred(s))).await;
        match res {
            Ok(Ok(s)) => Ok(s.clone()),
            _ => Err(self.state()),
        }
    }
}

/// Starts the simulator on `stream`.
pub fn spawn<S>(stream: S, opts: SimOptions) -> (SimHandle, JoinHandle<io::Result<()>>)
where
    S: AsyncRead + AsyncWrite + Send + 'static,
{
    let (tx, rx) = mpsc::unbounded_channel();
    let (state_tx, state_rx) = watch::channel(opts.initial.clone());
    let mut initial = opts.initial;
    initial.link_up = false;
    let task = match opts.protocol {
        Protocol::Fias => {
            let mut engine = PbxEngine::with_framing(opts.timers, opts.declarations, opts.framing);
            engine.set_ring_time(opts.ring_time);
            engine.sim.replace(initial);
            tokio::spawn(run(stream, engine, rx, state_tx, opts.timezone))
        }
        Protocol::Mitel => {
            let mut engine = MitelEngine::new(opts.timers.ack_timeout);
            engine.sim.replace(initial);
            tokio::spawn(run(stream, engine, rx, state_tx, opts.timezone))
        }
        Protocol::Neax => {
            let mut engine = NeaxEngine::new(opts.timers.ack_timeout);
            engine.set_ring_time(opts.ring_time);
            engine.sim.replace(initial);
            tokio::spawn(run(stream, engine, rx, state_tx, opts.timezone))
        }
    };
    (SimHandle { tx, state: state_rx }, task)
}

/// The simulated PBX has its own clock, like the hardware it stands for, set to `tz`'s time.
#[allow(clippy::disallowed_methods)]
fn wall_in(tz: Option<chrono_tz::Tz>) -> chrono::NaiveDateTime {
    match tz {
        Some(tz) => chrono::Utc::now().with_timezone(&tz).naive_local(),
        None => chrono::Local::now().naive_local(),
    }
}

#[derive(Default)]
struct FaultState {
    faults: Faults,
    frames_in: u32,
    corrupt_next: bool,
    /// Bytes of the current incoming frame seen so far (for `refuse_record`).
    frame_pos: Option<usize>,
    acks_out: u32,
    writes: u32,
    out_in_frame: bool,
    out_after_etx: bool,
}

/// What a spoiled byte becomes: DEL, which no protocol here carries as data, so a frame holding
/// it is refused whether the protocol has a checksum (FIAS, NEAX) or not (Mitel).
const SPOILED: u8 = 0x7f;

impl FaultState {
    fn incoming(&mut self, bytes: &mut [u8]) {
        for b in bytes.iter_mut() {
            if let (Some(pos), Some(id)) = (self.frame_pos, self.faults.refuse_record) {
                match pos {
                    0 | 1 if *b == id[pos] => self.frame_pos = Some(pos + 1),
                    // The record ID matched: spoil the byte after it, so the frame is NAKed.
                    2 => {
                        *b = SPOILED;
                        self.frame_pos = None;
                    }
                    _ => self.frame_pos = None,
                }
            }
            if *b == STX {
                self.frame_pos = Some(0);
            }
            if self.corrupt_next {
                self.corrupt_next = false;
                *b = SPOILED;
                continue;
            }
            if *b == STX && self.faults.nak_every > 0 {
                self.frames_in += 1;
                self.corrupt_next = self.frames_in.is_multiple_of(self.faults.nak_every);
            }
        }
    }

    fn outgoing(&mut self, bytes: Vec<u8>) -> Vec<u8> {
        let mut out = Vec::with_capacity(bytes.len() + 2);
        self.writes += 1;
        if self.faults.noise_every > 0 && self.writes.is_multiple_of(self.faults.noise_every) {
            out.extend_from_slice(b"~\x7f");
        }
        for b in bytes {
            if self.out_after_etx {
                self.out_after_etx = false; // the LRC, whatever its value
            } else if self.out_in_frame {
                self.out_in_frame = b != ETX;
                self.out_after_etx = b == ETX;
            } else if b == STX {
                self.out_in_frame = true;
            } else if b == ACK && self.faults.drop_ack_every > 0 {
                self.acks_out += 1;
                if self.acks_out.is_multiple_of(self.faults.drop_ack_every) {
                    continue;
                }
            }
            out.push(b);
        }
        out
    }
}

async fn run<S, E: SimEngine>(
    stream: S,
    mut engine: E,
    mut rx: mpsc::UnboundedReceiver<Control>,
    state_tx: watch::Sender<SimState>,
    tz: Option<chrono_tz::Tz>,
) -> io::Result<()>
where
    S: AsyncRead + AsyncWrite + Send + 'static,
{
    let (mut reader, mut writer) = tokio::io::split(stream);
    // Full duplex, like a real PBX: writing (which may take wire time) never stops reading.
    let (out_tx, mut out_rx) = mpsc::unbounded_channel::<Vec<u8>>();
    let mut write_task = tokio::spawn(async move {
        while let Some(bytes) = out_rx.recv().await {
            writer.write_all(&bytes).await?;
        }
        Ok::<_, io::Error>(())
    });
    let mut buf = vec![0u8; 4096];
    let mut faults = FaultState::default();
    let mut silent_until: Option<Instant> = None;
    let far = Duration::from_secs(3600);
    let wall = || wall_in(tz);
    loop {
        let now = Instant::now();
        let silent = silent_until.is_some_and(|t| now < t);
        while let Some(bytes) = engine.poll_transmit() {
            if !silent && out_tx.send(faults.outgoing(bytes)).is_err() {
                return write_task.await.unwrap_or_else(|e| Err(io::Error::other(e)));
            }
        }
        if engine.published().take_changed() {
            state_tx.send_modify(|published| engine.published().publish_into(published));
        }
        let deadline = engine.poll_timeout().map(Instant::from_std).unwrap_or(now + far);
        tokio::select! {
            w = &mut write_task => {
                return w.unwrap_or_else(|e| Err(io::Error::other(e)));
            }
            n = reader.read(&mut buf) => {
                let n = n?;
                if n == 0 {
                    return Ok(());
                }
                let now = Instant::now();
                if silent_until.is_some_and(|t| now < t) {
                    continue;
                }
                faults.incoming(&mut buf[..n]);
                engine.handle_input(now.into_std(), wall(), &buf[..n]);
            }
            _ = tokio::time::sleep_until(deadline) => {
                engine.handle_timeout(Instant::now().into_std(), wall());
            }
            ctl = rx.recv() => match ctl {
                Some(Control::Command(c)) => engine.command(Instant::now().into_std(), wall(), *c),
                Some(Control::Faults(f)) => faults.faults = f,
                Some(Control::Silence(d)) => silent_until = Some(Instant::now() + d),
                None => return Ok(()),
            },
        }
    }
}
