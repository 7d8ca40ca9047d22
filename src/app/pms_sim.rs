//! `switchboard pms-sim`: the PMS simulator as a program, for anyone without an Opera at hand.
//!
//! It speaks the PMS side of FIAS over a new pseudo-terminal (serial framing), as a TCP server
//! (`--listen`, as Opera's interface is) or as a TCP client (`--connect`), reconnecting as a
//! PMS interface does. Knobs come as JSON lines on stdin (one [`pms_sim::PmsKnob`] each, plus
//! `{"knob":"silent","seconds":N}` and `{"knob":"disconnect"}`); what the PMS hears back is
//! printed, one line per record.

use std::time::Duration;

use anyhow::Context;
use pms_sim::{PmsKnob, PmsSimHandle, PmsSimOptions, PmsView};
use tokio::io::AsyncBufReadExt;

/// How to run it.
pub struct Options {
    pub listen: Option<String>,
    pub connect: Option<String>,
    pub rooms: Vec<String>,
    pub ack: Duration,
}

/// Knobs only the program has (the rest are the simulator's own).
#[derive(serde::Deserialize)]
#[serde(tag = "knob", rename_all = "snake_case")]
enum Extra {
    Silent { seconds: u64 },
    Disconnect,
}

pub async fn run(opts: Options) -> anyhow::Result<()> {
    let framing =
        if opts.listen.is_some() || opts.connect.is_some() { fias::Framing::Tcp } else { fias::Framing::Serial };
    let timers = fias::Timers { ack_timeout: opts.ack, ..fias::Timers::default() };
    let sim = pms_sim::serve(PmsSimOptions { framing, timers, rooms: opts.rooms.clone(), ..Default::default() });
    let mut _pty = None;
    if let Some(addr) = &opts.listen {
        let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| format!("cannot listen on {addr}"))?;
        println!("PMS simulator listening on {} (switchboard: [pms] port = \"tcp://{0}\")", listener.local_addr()?);
        let s = sim.clone();
        tokio::spawn(async move {
            while let Ok((stream, peer)) = listener.accept().await {
                tracing::info!(%peer, "switchboard connected");
                s.attach(stream);
            }
        });
    } else if let Some(addr) = opts.connect.clone() {
        println!("PMS simulator connecting to {addr} (switchboard: [pms] port = \"tcp-listen://{addr}\")");
        let s = sim.clone();
        tokio::spawn(async move {
            let mut view = s.subscribe();
            loop {
                match tokio::net::TcpStream::connect(&addr).await {
                    Ok(stream) => {
                        s.attach(stream);
                        // Wait for the link to drop before connecting again.
                        let _ = view.wait_for(|v| v.link_up).await;
                        let _ = view.wait_for(|v| !v.link_up).await;
                    }
                    Err(e) => tracing::debug!("cannot connect to {addr}: {e}"),
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
    } else {
        let pty = crate::links::pbx::serial::open_pty()?;
        let stream = crate::links::pbx::serial::FdStream::new(pty.master)?;
        println!("{}", pty.slave_path.display());
        println!("PMS simulator on this pseudo-terminal (switchboard: [pms] port = \"{}\")", pty.slave_path.display());
        sim.attach(stream);
        _pty = Some(pty.slave_hold);
    }
    tokio::spawn(print_what_it_hears(sim.clone()));
    let mut lines = tokio::io::BufReader::new(tokio::io::stdin()).lines();
    loop {
        tokio::select! {
            _ = crate::app::serve::shutdown_signal() => return Ok(()),
            line = lines.next_line() => match line? {
                None => {
                    // stdin closed: keep running until stopped.
                    crate::app::serve::shutdown_signal().await;
                    return Ok(());
                }
                Some(l) if l.trim().is_empty() => {}
                Some(l) => knob(&sim, &l),
            },
        }
    }
}

fn knob(sim: &PmsSimHandle, line: &str) {
    if let Ok(extra) = serde_json::from_str::<Extra>(line) {
        match extra {
            Extra::Silent { seconds } => sim.go_silent(Duration::from_secs(seconds)),
            Extra::Disconnect => sim.disconnect(),
        }
        return;
    }
    match serde_json::from_str::<PmsKnob>(line) {
        Ok(k) => sim.knob(k),
        Err(e) => eprintln!("not a knob ({e}): {line}"),
    }
}

/// One line per thing the PMS hears.
async fn print_what_it_hears(sim: PmsSimHandle) {
    let mut rx = sim.subscribe();
    let mut seen = PmsView::default();
    while rx.changed().await.is_ok() {
        let v = rx.borrow_and_update().clone();
        if v.link_up != seen.link_up {
            println!("link {}", if v.link_up { "up" } else { "down" });
        }
        for w in v.wake_results.iter().skip(seen.wake_results.len()) {
            println!("WA room {} at {} {}", w.room, w.at, w.status);
        }
        for (room, at) in v.wake_clears.iter().skip(seen.wake_clears.len()) {
            println!("WC room {room} at {at}");
        }
        for (room, id) in v.message_reads.iter().skip(seen.message_reads.len()) {
            println!("XD room {room} message {id} read");
        }
        for (room, rs) in &v.room_status {
            if seen.room_status.get(room) != Some(rs) {
                println!("RE room {room} status {rs}");
            }
        }
        for (room, n) in &v.voicemail {
            if seen.voicemail.get(room) != Some(n) {
                println!("RE room {room} voicemail {n}");
            }
        }
        for (room, number, amount) in v.postings.iter().skip(seen.postings.len()) {
            println!("PS room {room} posting {number} amount {amount}");
        }
        if v.resync_requests > seen.resync_requests {
            println!("DR: switchboard asked for a database resync; sending every room");
        }
        seen = v;
    }
}
