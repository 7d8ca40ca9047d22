//! A hotel in virtual time for the wake-up and message tests: the scheduler, the link and the
//! simulated PBX over an in-memory pipe, with paused tokio time and a clock that follows it.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use pbx_sim::{SimHandle, SimOptions};
use switchboard::app::services::Services;
use switchboard::clock::TokioClock;
use switchboard::config::Config;
use switchboard::domain::identity::Actor;
use switchboard::hotel::alerts;
use switchboard::hotel::desk::CheckIn;
use switchboard::hotel::wakeup::{Booking, WakeupView};
use switchboard::links::pbx::link::Connector;
use switchboard::store::Store;
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};

use crate::fixtures::config_text;

pub fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

pub fn sys() -> Actor {
    Actor::system()
}

/// A hotel on an in-memory line; everything runs on tokio's (paused) clock.
pub struct Site {
    pub services: Services,
    pub sim: SimHandle,
}

pub fn wake_config(wakeup: &str) -> Config {
    let text = format!("{}\n[wakeup]\n{wakeup}\n", config_text("\"101-110\"", "simulator", "127.0.0.1:1", ""));
    Config::parse(&text).unwrap()
}

/// An in-memory "serial port" that can be reopened: each connect gets a fresh pipe, relayed
/// to the one long-lived simulator (as reopening /dev/ttyUSB0 reaches the same PBX).
pub struct Reopenable {
    tx: tokio::sync::mpsc::UnboundedSender<DuplexStream>,
}

impl Connector for Reopenable {
    type Stream = DuplexStream;
    async fn connect(&mut self) -> Result<DuplexStream, String> {
        let (ours, theirs) = tokio::io::duplex(4096);
        self.tx.send(theirs).map_err(|_| "the simulator is gone".to_string())?;
        Ok(ours)
    }
    fn describe(&self) -> String {
        "memory".into()
    }
}

async fn relay(mut sim_side: DuplexStream, mut rx: tokio::sync::mpsc::UnboundedReceiver<DuplexStream>) {
    let (mut a, mut b) = ([0u8; 1024], [0u8; 1024]);
    while let Some(mut link) = rx.recv().await {
        loop {
            tokio::select! {
                n = sim_side.read(&mut a) => match n {
                    Ok(0) | Err(_) => return,
                    Ok(n) => if link.write_all(&a[..n]).await.is_err() { break },
                },
                n = link.read(&mut b) => match n {
                    Ok(0) | Err(_) => break,
                    Ok(n) => if sim_side.write_all(&b[..n]).await.is_err() { return },
                },
            }
        }
    }
}

impl Site {
    pub async fn start(store: Arc<Store>, start: DateTime<Utc>, wakeup: &str) -> Site {
        Self::start_with(store, start, wakeup, SimOptions::default()).await
    }

    pub async fn start_with(store: Arc<Store>, start: DateTime<Utc>, wakeup: &str, opts: SimOptions) -> Site {
        Self::start_config(store, start, wake_config(wakeup), opts).await
    }

    /// A site on `cfg` (a `[pbx] protocol` of its own, say), its PBX simulated as `opts` say.
    pub async fn start_config(store: Arc<Store>, start: DateTime<Utc>, cfg: Config, opts: SimOptions) -> Site {
        let (sim_side, theirs) = tokio::io::duplex(4096);
        let (sim, _t) = pbx_sim::spawn(theirs, opts);
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        tokio::spawn(relay(sim_side, rx));
        let clock = Arc::new(TokioClock::starting_at(start));
        let services = Services::start(&cfg, store, clock, Reopenable { tx }).await.unwrap();
        Site { services, sim }
    }

    pub async fn check_in(&self, room: &str) {
        self.services
            .app
            .desk
            .check_in(&sys(), room, CheckIn { name: format!("Guest {room}"), ..Default::default() })
            .await
            .unwrap();
    }

    pub async fn book(&self, room: &str, time: &str) -> WakeupView {
        let b = Booking { room: room.into(), time: Some(time.into()), ..Default::default() };
        self.services.app.wakeups.add(&sys(), &b, "desk").await.unwrap()
    }

    pub async fn get(&self, id: i64) -> WakeupView {
        self.services.app.wakeups.get(id).await.unwrap()
    }

    pub async fn open_alerts(&self) -> Vec<alerts::Alert> {
        self.services.app.store.read(move |c| alerts::list(c, true)).await.unwrap()
    }

    pub async fn attempts(&self, id: i64) -> Vec<(String, Option<String>)> {
        self.services
            .app
            .store
            .read(move |c| {
                let mut stmt =
                    c.prepare("SELECT started_at, result FROM wakeup_attempts WHERE wakeup = ?1 ORDER BY id")?;
                let rows = stmt.query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?;
                Ok::<_, switchboard::store::StoreError>(rows)
            })
            .await
            .unwrap()
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.services.clock.now()
    }

    pub async fn link_up(&self) {
        let mut st = self.services.app.link.status.clone();
        tokio::time::timeout(Duration::from_secs(60), st.wait_for(|s| s.link == "up")).await.unwrap().unwrap();
    }

    /// Lets virtual time run in quarter-second steps until `cond` holds (or `max` passes).
    pub async fn until(&self, what: &str, max: Duration, cond: impl AsyncFnMut(&Site) -> bool) {
        self.until_step(what, max, Duration::from_millis(250), cond).await
    }

    pub async fn until_step(
        &self,
        what: &str,
        max: Duration,
        step: Duration,
        mut cond: impl AsyncFnMut(&Site) -> bool,
    ) {
        let deadline = tokio::time::Instant::now() + max;
        while !cond(self).await {
            assert!(tokio::time::Instant::now() < deadline, "timed out (virtual {max:?}) waiting for: {what}");
            tokio::time::sleep(step).await;
        }
    }
}

pub fn mem_store() -> Arc<Store> {
    Arc::new(Store::open_in_memory().unwrap())
}

// 2026-11-30 is a Monday; Zurich is UTC+1 then.
pub const T0: &str = "2026-11-30T05:58:00Z"; // 06:58 local
