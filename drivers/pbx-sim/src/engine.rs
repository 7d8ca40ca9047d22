//! The simulated PBX itself: a pure state machine, like the FIAS engine it talks to.
//!
//! It answers `LS` with `LD`, its `LR` lists and `LA`; keeps every room's line class, guest name,
//! language, message lamp, DND and message texts as a PBX would; rings a room on `WR` and answers
//! with one `WA` chosen by the room's [`RingBehaviour`]; and sends what a PBX sends on its own
//! (room status, handset wake-up bookings, call charges, a resync request, a restart).

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crate::state::Published;
pub use crate::state::{RingBehaviour, RoomState, SimState};
use chrono::NaiveDateTime;
use fias::ids::*;
use fias::{
    FieldId, Guest, Message, Posting, Record, RecordId, RoomEquipment, Timers, Transport, TransportEvent, Wake,
};

/// What the simulator can be told to do.
#[derive(Debug, Clone)]
pub enum Command {
    /// Housekeeping dialled a room status (`RE RS`).
    RoomStatus { room: String, status: u8 },
    /// A room attendant dialled a room status with their code (`RE RS ID`).
    MaidCode { room: String, status: u8, attendant: String },
    /// The guest toggled DND on the handset (`RE DN`).
    HandsetDnd { room: String, on: bool },
    /// Voicemail count changed (`RE VM`).
    Voicemail { room: String, count: u32 },
    /// A guest booked a wake-up from the handset (`WR`).
    HandsetWakeup { room: String, at: NaiveDateTime },
    /// A guest cancelled a wake-up from the handset (`WC`).
    HandsetWakeClear { room: String, at: NaiveDateTime },
    /// A call charge (`PS`).
    Posting(Posting),
    /// Ask the PMS for a database resync (`DR`).
    RequestResync,
    /// Delete a message on the handset (`XD`).
    MessageDeleted { room: String, id: String },
    /// Ask for the room's message texts (`XM`); the answers (`XT`) land in `texts_answered`.
    AskMessageTexts { room: String },
    /// Send any record as it is (a broken or hostile PBX, in tests).
    Raw(fias::Record),
    /// The PBX restarts: it forgets the link and sends `LS`.
    Restart,
    /// The PBX ends the link (`LE`).
    EndLink,
    /// Change how a room answers wake-up rings.
    SetRing { room: String, behaviour: RingBehaviour },
}

/// The record types and fields the simulator declares with `LR`.
pub fn default_declarations() -> Vec<(RecordId, Vec<FieldId>)> {
    vec![
        (GI, vec![RN, GNUM, GN, GF, GL, CS, SF]),
        (GO, vec![RN, GNUM, SF]),
        (GC, vec![RN, RO, GNUM, GN, GF, GL]),
        (RE, vec![RN, CS, ML, DN, RS, VM, ID]),
        (WR, vec![RN, DA, TI]),
        (WC, vec![RN, DA, TI]),
        (WA, vec![RN, DA, TI, AS]),
        (XL, vec![RN, GNUM, MI, MT, DA, TI]),
        (XD, vec![RN, GNUM, MI, DA, TI]),
        (PS, vec![RN, PNUM, PT, TA, DU, DD, MA, MNUM, DA, TI]),
        (XT, vec![RN, GNUM, MI, MT]),
        (PA, vec![RN, PNUM, AS, DA, TI]),
        (DR, vec![]),
        (DS, vec![]),
        (DE, vec![]),
    ]
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Link {
    Down,
    AwaitingLa,
    Up,
}

/// The simulated PBX.
#[derive(Debug)]
pub struct PbxEngine {
    transport: Transport<u64>,
    link: Link,
    /// Restarted and waiting for the PMS's answer to its `LS`.
    restarted: bool,
    declarations: Vec<(RecordId, Vec<FieldId>)>,
    pub(crate) sim: Published,
    pending: VecDeque<Message>,
    /// Delay between a `WR` and its `WA`.
    ring_time: Duration,
    rings: Vec<(Instant, Wake)>,
}

impl PbxEngine {
    pub fn new(timers: Timers, declarations: Vec<(RecordId, Vec<FieldId>)>) -> Self {
        Self::with_framing(timers, declarations, fias::Framing::Serial)
    }

    /// A PBX on a serial line ([`fias::Framing::Serial`]) or a FIAS TCP socket.
    pub fn with_framing(timers: Timers, declarations: Vec<(RecordId, Vec<FieldId>)>, framing: fias::Framing) -> Self {
        PbxEngine {
            transport: Transport::with_framing(timers, framing),
            link: Link::Down,
            restarted: false,
            declarations,
            sim: Published::default(),
            pending: VecDeque::new(),
            ring_time: Duration::ZERO,
            rings: Vec::new(),
        }
    }

    pub fn set_ring_time(&mut self, d: Duration) {
        self.ring_time = d;
    }

    pub fn state(&self) -> &SimState {
        &self.sim.state
    }

    pub fn replace_state(&mut self, state: SimState) {
        self.sim.replace(state);
    }

    /// Brings `out`, the state as last published, up to date with this one, copying only what
    /// changed since.
    pub fn publish_into(&mut self, out: &mut SimState) {
        self.sim.publish_into(out);
    }

    /// True once since the last call if the state changed.
    pub fn take_changed(&mut self) -> bool {
        self.sim.take_changed()
    }

    fn room(&mut self, rn: &str) -> &mut RoomState {
        self.sim.room(rn)
    }

    fn send(&mut self, now: Instant, msg: Message) {
        // Like a real PBX, only data records the link was set up for go out while it is up.
        let is_link = matches!(
            msg,
            Message::LinkStart { .. }
                | Message::LinkAlive { .. }
                | Message::LinkEnd { .. }
                | Message::LinkDescription { .. }
                | Message::LinkRecord { .. }
        );
        if !is_link && self.link != Link::Up {
            self.pending.push_back(msg);
            return;
        }
        let data = msg.to_record().encode().expect("simulator records are valid");
        self.transport.send(now, 0, &data);
    }

    fn flush_pending(&mut self, now: Instant) {
        while let Some(m) = self.pending.pop_front() {
            self.send(now, m);
        }
    }

    pub fn handle_input(&mut self, now: Instant, wall: NaiveDateTime, bytes: &[u8]) {
        let bad_before = self.transport.stats().bad_lrc;
        self.transport.handle_input(now, bytes);
        if self.transport.stats().bad_lrc != bad_before {
            self.sim.state.bad_frames = self.transport.stats().bad_lrc;
            self.sim.touch();
        }
        self.drain(now, wall);
    }

    pub fn handle_timeout(&mut self, now: Instant, wall: NaiveDateTime) {
        self.transport.handle_timeout(now);
        let due: Vec<Wake> = {
            let (due, later) = self.rings.drain(..).partition(|(t, _)| *t <= now);
            self.rings = later;
            due.into_iter().map(|(_, w)| w).collect()
        };
        for wake in due {
            self.answer_ring(now, wake);
        }
        self.drain(now, wall);
    }

    pub fn poll_timeout(&self) -> Option<Instant> {
        let ring = self.rings.iter().map(|(t, _)| *t).min();
        [self.transport.poll_timeout(), ring].into_iter().flatten().min()
    }

    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        self.transport.poll_transmit()
    }

    pub fn command(&mut self, now: Instant, wall: NaiveDateTime, cmd: Command) {
        match cmd {
            Command::RoomStatus { room, status } => self.send(
                now,
                Message::RoomEquipment(RoomEquipment { room, room_status: Some(status), ..Default::default() }),
            ),
            Command::MaidCode { room, status, attendant } => self.send(
                now,
                Message::RoomEquipment(RoomEquipment {
                    room,
                    room_status: Some(status),
                    attendant: Some(attendant),
                    ..Default::default()
                }),
            ),
            Command::HandsetDnd { room, on } => {
                self.room(&room).dnd = on;
                self.send(now, Message::RoomEquipment(RoomEquipment { room, dnd: Some(on), ..Default::default() }))
            }
            Command::Voicemail { room, count } => self.send(
                now,
                Message::RoomEquipment(RoomEquipment { room, voicemail: Some(count), ..Default::default() }),
            ),
            Command::HandsetWakeup { room, at } => self.send(now, Message::WakeRequest(Wake { room, at })),
            Command::HandsetWakeClear { room, at } => self.send(now, Message::WakeClear(Wake { room, at })),
            Command::Posting(p) => {
                self.sim.state.postings_sent += 1;
                self.sim.touch();
                self.send(now, Message::Posting(Box::new(p)))
            }
            Command::RequestResync => self.send(now, Message::ResyncRequest),
            Command::MessageDeleted { room, id } => {
                self.room(&room).messages.remove(&id);
                self.send(
                    now,
                    Message::MessageDelete(fias::GuestMessage { room, id, at: Some(wall), ..Default::default() }),
                )
            }
            Command::AskMessageTexts { room } => {
                self.room(&room).texts_answered.clear();
                self.send(now, Message::Other(fias::Record::new(XM).with(RN, room)))
            }
            Command::Raw(record) => self.send(now, Message::Other(record)),
            Command::Restart => {
                self.transport.abort_all();
                self.restarted = true;
                self.link = Link::Down;
                self.sim.state.link_up = false;
                self.sim.touch();
                self.send(now, Message::LinkStart { at: Some(wall) });
            }
            Command::EndLink => {
                self.send(now, Message::LinkEnd { at: Some(wall) });
                self.link = Link::Down;
                self.sim.state.link_up = false;
                self.sim.touch();
            }
            Command::SetRing { room, behaviour } => self.room(&room).ring_behaviour = behaviour,
        }
    }

    fn drain(&mut self, now: Instant, wall: NaiveDateTime) {
        while let Some(ev) = self.transport.poll_event() {
            if let TransportEvent::Received(data) = ev {
                match Record::parse(&data).and_then(|r| Message::from_record(&r)) {
                    Ok(msg) => self.handle_message(now, wall, msg),
                    Err(e) => tracing::warn!("simulator: malformed record from PMS: {e}"),
                }
            }
        }
    }

    fn handle_message(&mut self, now: Instant, wall: NaiveDateTime, msg: Message) {
        match msg {
            Message::LinkStart { .. } => {
                self.sim.state.link_starts += 1;
                self.sim.state.link_up = false;
                self.sim.touch();
                self.link = Link::AwaitingLa;
                self.send(
                    now,
                    Message::LinkDescription {
                        at: Some(wall),
                        version: Some("1.0".into()),
                        interface: Some("PB".into()),
                    },
                );
                for (record, fields) in self.declarations.clone() {
                    self.send(now, Message::LinkRecord { record, fields });
                }
                self.send(now, Message::LinkAlive { at: Some(wall) });
            }
            Message::LinkAlive { .. } => {
                if self.link == Link::AwaitingLa {
                    self.link = Link::Up;
                    self.sim.state.link_up = true;
                    self.sim.touch();
                    self.flush_pending(now);
                } else if self.link == Link::Down && std::mem::take(&mut self.restarted) {
                    // The PMS answered our post-restart LS as an alive-check: the link is alive,
                    // but this PBX lost its data, so it asks for a database resync.
                    self.link = Link::Up;
                    self.sim.state.link_up = true;
                    self.sim.touch();
                    self.send(now, Message::ResyncRequest);
                    self.flush_pending(now);
                }
            }
            Message::LinkEnd { .. } => {
                self.link = Link::Down;
                self.sim.state.link_up = false;
                self.sim.touch();
            }
            _ if self.link != Link::Up => {
                tracing::debug!("simulator: data record before link up, ignored");
            }
            msg => {
                self.sim.state.records_received += 1;
                self.sim.touch();
                self.apply(now, msg);
            }
        }
    }

    fn apply(&mut self, now: Instant, msg: Message) {
        match msg {
            Message::GuestIn(Guest { room, stay, name, first_name, language, class_of_service, .. }) => {
                let r = self.room(&room);
                r.set_guest(Some((stay, name, first_name, language)));
                if let Some(cs) = class_of_service {
                    r.class_of_service = cs;
                }
            }
            Message::GuestOut { room, .. } => {
                let r = self.room(&room);
                r.set_guest(None);
                r.class_of_service = 0;
                r.messages.clear();
            }
            Message::GuestChange { room, old_room, stay, name, first_name, language } => {
                if let Some(old) = old_room.filter(|o| *o != room) {
                    let moved = std::mem::take(self.room(&old));
                    let r = self.room(&room);
                    r.set_guest(Some((moved.stay, moved.guest_name, moved.first_name, moved.language)));
                    r.class_of_service = moved.class_of_service;
                    r.messages = moved.messages;
                    self.room(&old).ring_behaviour = moved.ring_behaviour;
                }
                let r = self.room(&room);
                if stay.is_some() {
                    r.stay = stay;
                }
                if name.is_some() {
                    r.guest_name = name;
                }
                if first_name.is_some() {
                    r.first_name = first_name;
                }
                if language.is_some() {
                    r.language = language;
                }
            }
            Message::RoomEquipment(e) => {
                let r = self.room(&e.room);
                if let Some(cs) = e.class_of_service {
                    r.class_of_service = cs;
                }
                if let Some(ml) = e.message_lamp {
                    r.message_lamp = ml;
                }
                if let Some(dn) = e.dnd {
                    r.dnd = dn;
                }
            }
            Message::WakeRequest(wake) => {
                let r = self.room(&wake.room);
                r.rings += 1;
                if !r.occupied {
                    r.rings_vacant += 1;
                }
                self.rings.push((now + self.ring_time, wake));
            }
            Message::WakeClear(wake) => self.rings.retain(|(_, w)| w.room != wake.room),
            Message::MessageText(m) => {
                self.room(&m.room).messages.insert(m.id, m.text.unwrap_or_default());
            }
            Message::MessageDelete(m) => {
                self.room(&m.room).messages.remove(&m.id);
            }
            Message::PostingAnswer { number, status, .. } => {
                self.sim.state.postings_answered += 1;
                self.sim.state.posting_answers.insert(number.unwrap_or_default(), status);
                self.sim.posting_answers_changed();
            }
            Message::Other(r) if r.id == XT => {
                let text = r.get(MT).unwrap_or_default().to_string();
                let room = r.get(RN).unwrap_or_default().to_string();
                self.room(&room).texts_answered.push(text);
            }
            Message::ResyncStart => {
                self.sim.state.resync_in_progress = true;
            }
            Message::ResyncEnd => {
                self.sim.state.resync_in_progress = false;
                self.sim.state.resyncs += 1;
            }
            other => tracing::debug!("simulator: ignoring {:?}", other.record_id()),
        }
    }

    fn answer_ring(&mut self, now: Instant, wake: Wake) {
        let status = match self.room(&wake.room).ring_behaviour {
            RingBehaviour::Answer => "OK",
            RingBehaviour::NoAnswer => "NR",
            RingBehaviour::Busy => "BY",
            RingBehaviour::NoResult => return,
        };
        self.send(now, Message::WakeAnswer { wake, status: status.into() });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fias::{Event, PmsConfig, PmsLink};

    fn wall() -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap().and_hms_opt(7, 0, 0).unwrap()
    }

    /// Wires the PMS engine to the simulator in memory until both are quiet.
    fn pump(pms: &mut PmsLink, pbx: &mut PbxEngine, now: Instant) -> Vec<Event> {
        let mut events = Vec::new();
        loop {
            let mut moved = false;
            while let Some(b) = pms.poll_transmit() {
                pbx.handle_input(now, wall(), &b);
                moved = true;
            }
            while let Some(b) = pbx.poll_transmit() {
                pms.handle_input(now, wall(), &b);
                moved = true;
            }
            pbx.handle_timeout(now, wall());
            while let Some(e) = pms.poll_event() {
                events.push(e);
            }
            if !moved {
                return events;
            }
        }
    }

    #[test]
    fn pms_engine_and_simulator_agree() {
        let now = Instant::now();
        let mut pms = PmsLink::new(PmsConfig::default());
        let mut pbx = PbxEngine::new(Timers::default(), default_declarations());
        pms.start(now, wall());
        let ev = pump(&mut pms, &mut pbx, now);
        assert!(matches!(ev[..], [Event::LinkUp { .. }]), "{ev:?}");
        assert!(pbx.state().link_up);

        let gi = Message::GuestIn(Guest {
            room: "101".into(),
            stay: Some("1".into()),
            name: Some("Wang Wei".into()),
            class_of_service: Some(3),
            ..Default::default()
        });
        pms.send(now, 1, &gi).unwrap();
        pump(&mut pms, &mut pbx, now);
        let room = &pbx.state().rooms["101"];
        assert!(room.occupied);
        assert_eq!(room.guest_name.as_deref(), Some("Wang Wei"));
        assert_eq!(room.class_of_service, 3);

        pbx.command(now, wall(), Command::SetRing { room: "101".into(), behaviour: RingBehaviour::Busy });
        pms.send(now, 2, &Message::WakeRequest(Wake { room: "101".into(), at: wall() })).unwrap();
        let ev = pump(&mut pms, &mut pbx, now);
        assert!(
            ev.iter().any(|e| matches!(e, Event::Received(Message::WakeAnswer { status, .. }) if status == "BY")),
            "{ev:?}"
        );
        assert_eq!(pbx.state().rooms["101"].rings, 1);
    }

    /// A restarted PBX sends LS; the PMS, whose link is alive, answers LA; the PBX, having lost
    /// its data, asks for a resync (DR) and sends what it held back.
    #[test]
    fn restart_sends_ls_and_holds_data_until_up() {
        let now = Instant::now();
        let mut pms = PmsLink::new(PmsConfig::default());
        let mut pbx = PbxEngine::new(Timers::default(), default_declarations());
        pms.start(now, wall());
        pump(&mut pms, &mut pbx, now);
        pbx.command(now, wall(), Command::Restart);
        pbx.command(now, wall(), Command::RoomStatus { room: "102".into(), status: 1 });
        let ev = pump(&mut pms, &mut pbx, now);
        assert_eq!(ev.first(), Some(&Event::ResyncRequested), "{ev:?}");
        assert!(
            ev.iter().any(|e| matches!(
                e,
                Event::Received(Message::RoomEquipment(RoomEquipment { room_status: Some(1), .. }))
            )),
            "{ev:?}"
        );
        assert_eq!(pbx.state().link_starts, 1, "the PMS kept the link: no new start-up");
        assert!(pbx.state().link_up);
    }

    #[test]
    fn what_is_published_piece_by_piece_is_the_whole_state() {
        let now = Instant::now();
        let mut pms = PmsLink::new(PmsConfig::default());
        let mut pbx = PbxEngine::new(Timers::default(), default_declarations());
        let mut published = SimState::default();
        let mut publish = |pbx: &mut PbxEngine| {
            if pbx.take_changed() {
                pbx.publish_into(&mut published);
            }
            published.clone()
        };
        let initial = SimState { rooms: [("100".to_string(), RoomState::default())].into(), ..Default::default() };
        pbx.replace_state(initial);
        assert_eq!(publish(&mut pbx), *pbx.state(), "a replaced state is published whole");
        pms.start(now, wall());
        pump(&mut pms, &mut pbx, now);
        let guest = |room: &str, name: &str| {
            Message::GuestIn(Guest { room: room.into(), name: Some(name.into()), ..Default::default() })
        };
        let records = [
            guest("101", "A"),
            guest("102", "B"),
            Message::GuestChange {
                room: "103".into(),
                old_room: Some("101".into()),
                stay: None,
                name: None,
                first_name: None,
                language: None,
            },
            Message::PostingAnswer { room: "102".into(), number: Some("7".into()), status: "OK".into(), at: None },
        ];
        for (tag, r) in records.iter().enumerate() {
            pms.send(now, tag as u64, r).unwrap();
            pump(&mut pms, &mut pbx, now);
            assert_eq!(publish(&mut pbx), *pbx.state(), "after {r:?}");
        }
        pbx.command(now, wall(), Command::RoomStatus { room: "104".into(), status: 1 });
        pump(&mut pms, &mut pbx, now);
        assert_eq!(publish(&mut pbx), *pbx.state());
        assert!(published.rooms["103"].occupied && !published.rooms["101"].occupied);
        assert_eq!(published.posting_answers["7"], "OK");
    }

    /// A line that drops our `GI` (the PBX silent a moment) after the PBX took our `GO`: our
    /// `ENQ` then gets the PBX's last answer, its `ACK` of the `GO`. That must not count as the
    /// `GI` delivered (it did once: the long day ended with the room vacant at the PBX).
    #[test]
    fn a_frame_the_line_lost_is_not_delivered_by_the_ack_of_the_one_before() {
        let t0 = Instant::now();
        let cfg = PmsConfig::default();
        let mut pms = PmsLink::new(cfg);
        let mut pbx = PbxEngine::new(Timers::default(), default_declarations());
        pms.start(t0, wall());
        pump(&mut pms, &mut pbx, t0);
        let guest_in = Message::GuestIn(Guest { room: "101".into(), name: Some("A".into()), ..Default::default() });
        let guest_out = Message::GuestOut { room: "101".into(), stay: None, swap: false };
        pms.send(t0, 1, &guest_in).unwrap();
        pump(&mut pms, &mut pbx, t0);
        pms.send(t0, 2, &guest_out).unwrap();
        pump(&mut pms, &mut pbx, t0);
        assert!(!pbx.state().rooms["101"].occupied);
        pms.send(t0, 3, &guest_in).unwrap();
        while pms.poll_transmit().is_some() {} // lost on the line
        let later = t0 + cfg.timers.ack_timeout;
        pms.handle_timeout(later, wall()); // ENQ
        let ev = pump(&mut pms, &mut pbx, later);
        assert!(ev.contains(&Event::Delivered(3)), "{ev:?}");
        assert!(pbx.state().rooms["101"].occupied, "the GI went again and reached the PBX");
    }
}
