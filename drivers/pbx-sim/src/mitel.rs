//! The simulated PBX speaking Mitel's "light" PMS link: the same rooms as the FIAS one
//! ([`crate::engine`]), over [`mitel::Exchange`] on the PBX's side. It takes `CHK`, `NAM`, `MW`,
//! `DND`, `RST` and the keep-alive, keeps wake-ups handed to it (`WKP`, never reporting a
//! result, as the notes say a Mitel does not), and sends `STS` when housekeeping dials a status.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use chrono::{NaiveDateTime, Timelike};
use mitel::exchange::{Exchange, ExchangeEvent, Side, Timers};
use mitel::record::{Ext, Record};

use crate::engine::Command;
use crate::state::{Published, RoomState};

#[derive(Debug)]
pub struct MitelEngine {
    x: Exchange<u64>,
    pub(crate) sim: Published,
    /// Wake-ups kept: room -> (hour, minute).
    pub wakeups: BTreeMap<String, (u8, u8)>,
    /// The last instant it was given.
    now: Option<Instant>,
}

impl MitelEngine {
    pub fn new(answer: Duration) -> Self {
        MitelEngine {
            x: Exchange::new(Side::Pbx, Timers { answer, keepalive: None, ..Timers::default() }),
            sim: Published::default(),
            wakeups: BTreeMap::new(),
            now: None,
        }
    }

    fn room(&mut self, rn: &str) -> &mut RoomState {
        self.sim.room(rn)
    }

    pub fn handle_input(&mut self, now: Instant, wall: NaiveDateTime, bytes: &[u8]) {
        self.now = Some(now);
        self.x.handle_input(now, bytes);
        self.drain(wall);
    }

    pub fn handle_timeout(&mut self, now: Instant, wall: NaiveDateTime) {
        self.now = Some(now);
        self.x.handle_timeout(now);
        // A kept wake-up whose minute has come rings (and nothing is reported).
        let minute = (wall.hour() as u8, wall.minute() as u8);
        let due: Vec<String> = self.wakeups.iter().filter(|(_, at)| **at == minute).map(|(r, _)| r.clone()).collect();
        for room in due {
            self.wakeups.remove(&room);
            let r = self.room(&room);
            r.kept_wakeup = None;
            r.rings += 1;
            if !r.occupied {
                r.rings_vacant += 1;
            }
        }
        self.drain(wall);
    }

    pub fn poll_timeout(&self) -> Option<Instant> {
        // On the clock it is given (a test's paused clock too), never a clock of its own.
        let tick = self.now.filter(|_| !self.wakeups.is_empty()).map(|now| now + Duration::from_secs(1));
        [self.x.poll_timeout(), tick].into_iter().flatten().min()
    }

    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        self.x.poll_transmit()
    }

    fn drain(&mut self, _wall: NaiveDateTime) {
        while let Some(ev) = self.x.poll_event() {
            match ev {
                ExchangeEvent::Received(text) => match Record::parse(&text) {
                    Ok(r) => self.received(r),
                    Err(e) => {
                        tracing::debug!("Mitel simulator: {e}");
                        self.sim.state.bad_frames += 1;
                        self.sim.touch();
                    }
                },
                ExchangeEvent::Garbled(_) => {
                    self.sim.state.bad_frames += 1;
                    self.sim.touch();
                }
                _ => {}
            }
        }
    }

    fn received(&mut self, r: Record) {
        if !self.sim.state.link_up {
            self.sim.state.link_up = true;
            self.sim.state.link_starts += 1;
        }
        self.sim.touch();
        if r != Record::KeepAlive {
            self.sim.state.records_received += 1;
        }
        match r {
            Record::Check { ext, r#in: true } => self.room(ext.as_str()).set_guest(Some((None, None, None, None))),
            Record::Check { ext, r#in: false } => {
                self.wakeups.remove(ext.as_str());
                let r = self.room(ext.as_str());
                r.set_guest(None);
                r.kept_wakeup = None;
            }
            Record::Name { ext, name, .. } => self.room(ext.as_str()).guest_name = Some(name),
            Record::Lamp { ext, on } => self.room(ext.as_str()).message_lamp = on,
            Record::Dnd { ext, on } => self.room(ext.as_str()).dnd = on,
            // Kept as the PMS says it: level 0, 1 or 2.
            Record::Restrict { ext, level } => self.room(ext.as_str()).class_of_service = level,
            Record::Wakeup { ext, at: Some(at) } => {
                self.wakeups.insert(ext.to_string(), at);
                self.room(ext.as_str()).kept_wakeup = Some(format!("{:02}:{:02}", at.0, at.1));
            }
            Record::Wakeup { ext, at: None } => {
                self.wakeups.remove(ext.as_str());
                self.room(ext.as_str()).kept_wakeup = None;
            }
            Record::Status { .. } | Record::KeepAlive | Record::Unknown(_) => {}
        }
    }

    /// What the simulator is told to do, as a Mitel says it (what it cannot say is ignored).
    pub fn command(&mut self, now: Instant, _wall: NaiveDateTime, cmd: Command) {
        let msg = match cmd {
            Command::RoomStatus { room, status } | Command::MaidCode { room, status, .. } => {
                // FIAS RS 1-6 (dirty/clean/inspected, vacant/occupied) as STS: 9 vacant not
                // clean, 7 occupied not clean, 8 vacant clean, 6 occupied clean.
                let code = match status {
                    1 => Some(9),
                    2 => Some(7),
                    3 | 5 => Some(8),
                    4 | 6 => Some(6),
                    _ => None,
                };
                code.zip(Ext::new(&room).ok()).map(|(code, ext)| Record::Status { ext, code })
            }
            Command::SetRing { room, behaviour } => {
                self.room(&room).ring_behaviour = behaviour;
                None
            }
            Command::Restart | Command::EndLink => {
                self.x.abort_all();
                self.sim.state.link_up = false;
                self.sim.touch();
                None
            }
            _ => None,
        };
        if let Some(r) = msg {
            if let Ok(text) = r.to_text() {
                self.x.send(now, 0, &text);
            }
        }
    }
}
