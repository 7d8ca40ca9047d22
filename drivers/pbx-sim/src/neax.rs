//! The simulated PBX speaking NEC NEAX (the IMS PMS interface): the same rooms and knobs as
//! the FIAS one ([`crate::engine`]), over [`neax::Exchange`] on the PBX's side.
//!
//! It takes check-in / out (16-1 / 16-2), the name (the assumed FTC), the lamp (13-x), the
//! restriction (15-1: class and DND), wake-ups (19-4 / 19-5) which it rings at their minute and
//! answers with a 19-3 chosen by the room's [`RingBehaviour`], and recovery (70-3 ... 70-4);
//! it sends what a NEAX sends on its own: maid codes, a DND set on the handset, handset
//! wake-up bookings, a recovery request.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use chrono::{NaiveDateTime, Timelike};
use neax::{Exchange, ExchangeEvent, Ext, Message, Restriction, Retries, Side, Timers, WakeResult, WakeSource};

use crate::engine::Command;
use crate::state::{Published, RingBehaviour, RoomState};

#[derive(Debug)]
pub struct NeaxEngine {
    x: Exchange<u64>,
    pub(crate) sim: Published,
    ring_time: Duration,
    /// Wake-ups kept: room -> (hour, minute).
    wakeups: BTreeMap<String, (u8, u8)>,
    /// The last instant it was given.
    now: Option<Instant>,
    /// Rings under way: when each ends, and its room.
    rings: Vec<(Instant, String, (u8, u8))>,
}

impl NeaxEngine {
    pub fn new(answer: Duration) -> Self {
        NeaxEngine {
            x: Exchange::new(Side::Pbx, Timers { answer, ..Timers::default() }, Retries::default()),
            sim: Published::default(),
            ring_time: Duration::ZERO,
            wakeups: BTreeMap::new(),
            now: None,
            rings: Vec::new(),
        }
    }

    pub fn set_ring_time(&mut self, d: Duration) {
        self.ring_time = d;
    }

    fn room(&mut self, rn: &str) -> &mut RoomState {
        self.sim.room(rn)
    }

    fn send(&mut self, now: Instant, m: Message) {
        // The simulator's own messages are valid NEAX.
        let _ = self.x.send(now, 0, &m.to_frame());
    }

    pub fn handle_input(&mut self, now: Instant, wall: NaiveDateTime, bytes: &[u8]) {
        self.now = Some(now);
        self.x.handle_input(now, bytes);
        self.drain(now, wall);
    }

    pub fn handle_timeout(&mut self, now: Instant, wall: NaiveDateTime) {
        self.now = Some(now);
        self.x.handle_timeout(now);
        // Wake-ups whose minute has come ring now.
        let minute = (wall.hour() as u8, wall.minute() as u8);
        let due: Vec<String> = self.wakeups.iter().filter(|(_, at)| **at == minute).map(|(r, _)| r.clone()).collect();
        for room in due {
            self.wakeups.remove(&room);
            self.ring(now, room, minute);
        }
        let (ended, going): (Vec<_>, Vec<_>) =
            std::mem::take(&mut self.rings).into_iter().partition(|(t, ..)| now >= *t);
        self.rings = going;
        for (_, room, at) in ended {
            let result = match self.sim.state.rooms.get(&room).map(|r| r.ring_behaviour).unwrap_or_default() {
                RingBehaviour::Answer => WakeResult::Answered,
                RingBehaviour::NoAnswer => WakeResult::NoAnswer,
                RingBehaviour::Busy => WakeResult::Busy,
                RingBehaviour::NoResult => continue,
            };
            if let Ok(ext) = Ext::new(&room) {
                self.send(now, Message::WakeupResult { ext, at: Some(at), result });
            }
        }
        self.drain(now, wall);
    }

    pub fn poll_timeout(&self) -> Option<Instant> {
        let ring = self.rings.iter().map(|(t, ..)| *t).min();
        // Kept wake-ups are looked at every second (the PBX's minute tick).
        // On the clock it is given (a test's paused clock too), never a clock of its own.
        let tick = self.now.filter(|_| !self.wakeups.is_empty()).map(|now| now + Duration::from_secs(1));
        [self.x.poll_timeout(), ring, tick].into_iter().flatten().min()
    }

    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        self.x.poll_transmit()
    }

    fn ring(&mut self, now: Instant, room: String, at: (u8, u8)) {
        // One wake-up per extension: the same one set again (a message resent after a lost
        // ACK) is the ring already under way.
        if self.rings.iter().any(|(_, r, a)| *r == room && *a == at) {
            return;
        }
        let r = self.room(&room);
        r.rings += 1;
        if !r.occupied {
            r.rings_vacant += 1;
        }
        self.rings.push((now + self.ring_time, room, at));
    }

    fn drain(&mut self, now: Instant, wall: NaiveDateTime) {
        while let Some(ev) = self.x.poll_event() {
            match ev {
                ExchangeEvent::Received(frame) => match Message::from_frame(&frame) {
                    Ok(m) => self.received(now, wall, m),
                    Err(_) => self.sim.state.bad_frames += 1,
                },
                ExchangeEvent::Garbled(_) => {
                    self.sim.state.bad_frames += 1;
                    self.sim.touch();
                }
                _ => {}
            }
        }
    }

    fn received(&mut self, now: Instant, wall: NaiveDateTime, m: Message) {
        if !self.sim.state.link_up {
            self.sim.state.link_up = true;
            self.sim.state.link_starts += 1;
        }
        self.sim.touch();
        if !matches!(m, Message::LinkTest) {
            self.sim.state.records_received += 1;
        }
        match m {
            Message::CheckIn { ext } => {
                let r = self.room(ext.as_str());
                r.set_guest(Some((None, None, None, None)));
            }
            Message::CheckOut { ext } => {
                self.wakeups.remove(ext.as_str());
                self.room(ext.as_str()).set_guest(None);
            }
            Message::Name { ext, name } => self.room(ext.as_str()).guest_name = Some(name),
            Message::Lamp { ext, on } => self.room(ext.as_str()).message_lamp = on,
            Message::Restrict { ext, code } => {
                let r = self.room(ext.as_str());
                // The NEAX keeps only "outside calls or not": class 0 or 3 as the PMS says them.
                r.class_of_service = if matches!(code, Restriction::CutOff | Restriction::DndCutOff) { 0 } else { 3 };
                r.dnd = matches!(code, Restriction::Dnd | Restriction::DndCutOff);
            }
            Message::WakeupSet { ext, at, .. } => {
                let minute = (wall.hour() as u8, wall.minute() as u8);
                if at == minute {
                    self.ring(now, ext.to_string(), at);
                } else {
                    self.wakeups.insert(ext.to_string(), at);
                }
            }
            Message::WakeupCancel { ext, .. } => {
                self.wakeups.remove(ext.as_str());
            }
            Message::RecoveryStart => self.sim.state.resync_in_progress = true,
            Message::RecoveryEnd => {
                self.sim.state.resync_in_progress = false;
                self.sim.state.resyncs += 1;
            }
            _ => {}
        }
    }

    /// What the simulator is told to do, as a NEAX says it (what a NEAX cannot say is ignored).
    pub fn command(&mut self, now: Instant, _wall: NaiveDateTime, cmd: Command) {
        let ext = |room: &str| Ext::new(room).ok();
        let hhmm = |t: NaiveDateTime| (t.hour() as u8, t.minute() as u8);
        let msg = match cmd {
            Command::RoomStatus { room, status } | Command::MaidCode { room, status, .. } => {
                ext(&room).and_then(|ext| match status {
                    1 | 2 => Some(Message::MaidDial { ext, code: 1 }),
                    3 | 4 => Some(Message::Maid { ext, code: 2 }),
                    5 | 6 => Some(Message::Maid { ext, code: 3 }),
                    _ => None,
                })
            }
            Command::HandsetDnd { room, on } => {
                let outside = self.sim.state.rooms.get(&room).is_none_or(|r| r.class_of_service >= 1);
                self.room(&room).dnd = on;
                ext(&room).map(|ext| Message::Restricted { ext, code: Restriction::of(outside, on) })
            }
            Command::HandsetWakeup { room, at } => {
                self.wakeups.insert(room.clone(), hhmm(at));
                ext(&room).map(|ext| Message::WakeupBooked { ext, at: Some(hhmm(at)), source: WakeSource::Guest })
            }
            Command::HandsetWakeClear { room, at } => {
                self.wakeups.remove(&room);
                ext(&room).map(|ext| Message::WakeupCancelled { ext, at: Some(hhmm(at)), source: WakeSource::Guest })
            }
            Command::RequestResync => Some(Message::RecoveryStart),
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
            // No call records, message texts or raw FIAS on this PBX.
            Command::Posting(_)
            | Command::Voicemail { .. }
            | Command::MessageDeleted { .. }
            | Command::AskMessageTexts { .. }
            | Command::Raw(_) => None,
        };
        if let Some(m) = msg {
            self.send(now, m);
        }
    }
}
