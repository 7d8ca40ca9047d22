//! `switchboard pbx-sim`: the simulated PBX as a program, on a new pseudo-terminal whose path it
//! prints; FIAS or NEC NEAX (`--protocol`). Its state goes to `--state-file` after every change.
//! What a PBX does on its own comes as JSON lines on stdin, one knob each:
//! `{"knob":"room_status","room":"101","status":3}` (housekeeping dialled it; FIAS RS codes),
//! `{"knob":"handset_dnd","room":"101","on":true}`,
//! `{"knob":"handset_wakeup","room":"101","at":"2026-12-06T06:30:00"}` (and `handset_wake_clear`),
//! `{"knob":"ring","room":"101","behaviour":"busy"}` (how the room answers wake-up rings:
//! answer, no_answer, busy, no_result), `{"knob":"request_resync"}`, `{"knob":"restart"}`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use pbx_sim::{Command, RingBehaviour, SimHandle, SimOptions, SimState};
use serde::Deserialize;
use tokio::io::AsyncBufReadExt;

use crate::app::serve::shutdown_signal;
use crate::links::pbx::simulator;

#[derive(Debug, Deserialize)]
#[serde(tag = "knob", rename_all = "snake_case", deny_unknown_fields)]
enum Knob {
    RoomStatus { room: String, status: u8 },
    HandsetDnd { room: String, on: bool },
    HandsetWakeup { room: String, at: chrono::NaiveDateTime },
    HandsetWakeClear { room: String, at: chrono::NaiveDateTime },
    Ring { room: String, behaviour: RingBehaviour },
    RequestResync,
    Restart,
}

impl Knob {
    fn command(self) -> Command {
        match self {
            Knob::RoomStatus { room, status } => Command::RoomStatus { room, status },
            Knob::HandsetDnd { room, on } => Command::HandsetDnd { room, on },
            Knob::HandsetWakeup { room, at } => Command::HandsetWakeup { room, at },
            Knob::HandsetWakeClear { room, at } => Command::HandsetWakeClear { room, at },
            Knob::Ring { room, behaviour } => Command::SetRing { room, behaviour },
            Knob::RequestResync => Command::RequestResync,
            Knob::Restart => Command::Restart,
        }
    }
}

fn knob(sim: &SimHandle, line: &str) {
    match serde_json::from_str::<Knob>(line) {
        Ok(k) => sim.command(k.command()),
        Err(e) => eprintln!("not a knob ({e}): {line}"),
    }
}

fn write_state(path: &Path, state: &SimState) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, serde_json::to_vec_pretty(state)?)?;
    std::fs::rename(tmp, path)
}

/// Runs the simulator until stopped. `timezone`: its clock's zone (the hotel's).
pub async fn run(
    state_file: Option<PathBuf>,
    ack_timeout: Duration,
    protocol: pbx_sim::Protocol,
    timezone: Option<chrono_tz::Tz>,
) -> anyhow::Result<()> {
    let mut opts = SimOptions { protocol, timezone, ..SimOptions::default() };
    opts.timers.ack_timeout = ack_timeout;
    if let Some(f) = state_file.as_ref().filter(|f| f.exists()) {
        let text = std::fs::read_to_string(f).with_context(|| format!("reading {}", f.display()))?;
        opts.initial =
            serde_json::from_str(&text).with_context(|| format!("{} is not a simulator state file", f.display()))?;
    }
    let sim = simulator::start(opts)?;
    println!("{}", sim.port.display());
    tracing::info!(port = %sim.port.display(), "PBX simulator running; set [pbx] port to this path");
    let mut rx = sim.handle.subscribe();
    if let Some(f) = &state_file {
        write_state(f, &rx.borrow_and_update().clone()).with_context(|| format!("writing {}", f.display()))?;
    }
    let mut lines = tokio::io::BufReader::new(tokio::io::stdin()).lines();
    let mut stdin_open = true;
    loop {
        tokio::select! {
            _ = shutdown_signal() => return Ok(()),
            line = lines.next_line(), if stdin_open => match line {
                Ok(Some(l)) if !l.trim().is_empty() => knob(&sim.handle, &l),
                Ok(Some(_)) => {}
                // stdin closed (or unreadable): keep running until stopped.
                Ok(None) | Err(_) => stdin_open = false,
            },
            changed = rx.changed() => {
                if changed.is_err() {
                    anyhow::bail!("the simulator stopped");
                }
                if let Some(f) = &state_file {
                    let state = rx.borrow_and_update().clone();
                    if let Err(e) = write_state(f, &state) {
                        tracing::error!("cannot write {}: {e}", f.display());
                    }
                }
            }
        }
    }
}
