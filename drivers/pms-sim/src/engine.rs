//! The simulated PMS as a pure state machine: its own view of the hotel, the knobs a front
//! desk would turn, and what it hears back from the vendor (switchboard). Built on the FIAS
//! crate's PMS session, so it speaks exactly as a PMS does: `LS` on every connect, data only
//! after the vendor's `LD`/`LR`/`LA`, only the records and fields the vendor asked for.
//!
//! What the PMS has to send waits in its own queue, one record on the wire at a time, and
//! survives a lost connection (a real PMS queues while the interface is down).

use std::collections::{BTreeMap, VecDeque};
use std::time::Instant;

use chrono::NaiveDateTime;
use fias::{Event, Guest, GuestMessage, Message, PmsConfig, PmsLink, RoomEquipment, SendError, Wake};
use serde::{Deserialize, Serialize};

/// A guest as the PMS knows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PmsGuest {
    pub reservation: String,
    pub name: String,
}

/// One `WA` the PMS received: the room, `DA`+`TI` exactly as sent (`YYMMDDHHMMSS`), `AS`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WakeResultSeen {
    pub room: String,
    pub at: String,
    pub status: String,
}

/// What the PMS knows and has heard.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PmsView {
    pub link_up: bool,
    /// Times the link came up.
    pub link_ups: u64,
    /// Who is in which room, by the PMS's books.
    pub occupancy: BTreeMap<String, Vec<PmsGuest>>,
    pub wake_results: Vec<WakeResultSeen>,
    /// `WC` from the vendor: (room, `YYMMDDHHMMSS`).
    pub wake_clears: Vec<(String, String)>,
    /// `XD` from the vendor (the guest read the message): (room, message id).
    pub message_reads: Vec<(String, String)>,
    /// Room status codes (`RE RS`) by room, the last one heard.
    pub room_status: BTreeMap<String, u8>,
    pub voicemail: BTreeMap<String, u32>,
    /// Postings (`PS`): (room, posting number, amount in minor units).
    pub postings: Vec<(String, String, String)>,
    /// `DR` from the vendor.
    pub resync_requests: u64,
    /// Records the vendor took from us.
    pub sent: u64,
    /// Records still waiting to go.
    pub queued: usize,
}

/// What a front desk (or a test) does on the PMS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "knob", rename_all = "snake_case")]
pub enum PmsKnob {
    CheckIn {
        room: String,
        reservation: String,
        name: String,
        first_name: Option<String>,
        language: Option<String>,
        /// A second guest in an occupied room (`GS` Y).
        #[serde(default)]
        share: bool,
        /// The PMS's VIP code (`GV`), if the guest is one.
        #[serde(default)]
        vip: Option<String>,
    },
    /// One guest (`reservation`) or the whole room leaves.
    CheckOut {
        room: String,
        reservation: Option<String>,
    },
    Move {
        from: String,
        to: String,
        reservation: String,
    },
    Rename {
        room: String,
        reservation: String,
        name: String,
    },
    Equipment {
        room: String,
        class: Option<u8>,
        dnd: Option<bool>,
        lamp: Option<bool>,
    },
    BookWakeup {
        room: String,
        at: NaiveDateTime,
    },
    CancelWakeup {
        room: String,
        at: NaiveDateTime,
    },
    Message {
        room: String,
        id: String,
        text: String,
    },
    DeleteMessage {
        room: String,
        id: String,
    },
    /// A database swap: `DS`, `GI`+`SF` for each occupied room, `GO`+`SF` for each vacant one,
    /// `DE`, leaving out the rooms in `omit` (to try what the vendor does with silence).
    Resync {
        #[serde(default)]
        omit: Vec<String>,
    },
    /// Any one record, as text without framing (`DS|`, `NS|DA261204|TI020000|`): to try what the
    /// vendor does with a resync that never ends, a night audit, ...
    Raw {
        record: String,
    },
    /// How postings are answered from now on (`PA` `AS`): `OK`, or `NA`/`RY` (try later), ...
    AnswerPostings {
        status: String,
    },
}

/// The simulated PMS.
#[derive(Debug)]
pub struct PmsEngine {
    link: PmsLink,
    cfg: PmsConfig,
    view: PmsView,
    /// Every room of the hotel (for resyncs).
    rooms: Vec<String>,
    queue: VecDeque<Message>,
    in_flight: Option<(u64, Message)>,
    next_tag: u64,
    changed: bool,
    /// `AS` of the next `PA`s.
    posting_answer: String,
}

impl PmsEngine {
    pub fn new(cfg: PmsConfig, rooms: Vec<String>) -> Self {
        PmsEngine {
            link: PmsLink::new(cfg),
            cfg,
            view: PmsView::default(),
            rooms,
            queue: VecDeque::new(),
            in_flight: None,
            next_tag: 1,
            changed: true,
            posting_answer: "OK".into(),
        }
    }

    pub fn view(&self) -> &PmsView {
        &self.view
    }

    /// True once since the last call if the view changed.
    pub fn take_changed(&mut self) -> bool {
        std::mem::take(&mut self.changed)
    }

    /// A new connection: start the link (`LS`).
    pub fn connected(&mut self, now: Instant, wall: NaiveDateTime) {
        self.link = PmsLink::new(self.cfg);
        if let Some((_, m)) = self.in_flight.take() {
            self.queue.push_front(m);
        }
        self.link.start(now, wall);
        self.set_link(false);
    }

    /// The connection is gone: what was on the wire goes again on the next one.
    pub fn disconnected(&mut self) {
        if let Some((_, m)) = self.in_flight.take() {
            self.queue.push_front(m);
        }
        self.set_link(false);
    }

    fn set_link(&mut self, up: bool) {
        if self.view.link_up != up {
            self.view.link_up = up;
            if up {
                self.view.link_ups += 1;
            }
            self.changed = true;
        }
    }

    fn enqueue(&mut self, m: Message) {
        self.queue.push_back(m);
        self.changed = true;
    }

    pub fn knob(&mut self, now: Instant, k: PmsKnob) {
        match k {
            PmsKnob::CheckIn { room, reservation, name, first_name, language, share, vip } => {
                self.view
                    .occupancy
                    .entry(room.clone())
                    .or_default()
                    .push(PmsGuest { reservation: reservation.clone(), name: name.clone() });
                self.enqueue(Message::GuestIn(Guest {
                    room,
                    stay: Some(reservation),
                    name: Some(name),
                    first_name,
                    language,
                    share: share.then_some(true),
                    vip,
                    ..Default::default()
                }));
            }
            PmsKnob::CheckOut { room, reservation } => {
                let guests = self.view.occupancy.entry(room.clone()).or_default();
                match &reservation {
                    Some(r) => guests.retain(|g| &g.reservation != r),
                    None => guests.clear(),
                }
                if guests.is_empty() {
                    self.view.occupancy.remove(&room);
                }
                self.enqueue(Message::GuestOut { room, stay: reservation, swap: false });
            }
            PmsKnob::Move { from, to, reservation } => {
                if let Some(g) = self.view.occupancy.remove(&from) {
                    self.view.occupancy.insert(to.clone(), g);
                }
                self.enqueue(Message::GuestChange {
                    room: to,
                    old_room: Some(from),
                    stay: Some(reservation),
                    name: None,
                    first_name: None,
                    language: None,
                });
            }
            PmsKnob::Rename { room, reservation, name } => {
                if let Some(g) = self
                    .view
                    .occupancy
                    .get_mut(&room)
                    .and_then(|gs| gs.iter_mut().find(|g| g.reservation == reservation))
                {
                    g.name = name.clone();
                }
                self.enqueue(Message::GuestChange {
                    room,
                    old_room: None,
                    stay: Some(reservation),
                    name: Some(name),
                    first_name: None,
                    language: None,
                });
            }
            PmsKnob::Equipment { room, class, dnd, lamp } => self.enqueue(Message::RoomEquipment(RoomEquipment {
                room,
                class_of_service: class,
                dnd,
                message_lamp: lamp,
                ..Default::default()
            })),
            PmsKnob::BookWakeup { room, at } => self.enqueue(Message::WakeRequest(Wake { room, at })),
            PmsKnob::CancelWakeup { room, at } => self.enqueue(Message::WakeClear(Wake { room, at })),
            PmsKnob::Message { room, id, text } => {
                self.enqueue(Message::MessageText(GuestMessage { room, id, text: Some(text), ..Default::default() }))
            }
            PmsKnob::DeleteMessage { room, id } => {
                self.enqueue(Message::MessageDelete(GuestMessage { room, id, ..Default::default() }))
            }
            PmsKnob::Resync { omit } => self.resync(&omit),
            PmsKnob::Raw { record } => {
                match fias::Record::parse(record.as_bytes()).and_then(|r| Message::from_record(&r)) {
                    Ok(m) => self.enqueue(m),
                    Err(e) => tracing::warn!("PMS simulator: {record:?} is no record: {e}"),
                }
            }
            PmsKnob::AnswerPostings { status } => self.posting_answer = status,
        }
        self.feed(now);
    }

    fn resync(&mut self, omit: &[String]) {
        self.enqueue(Message::ResyncStart);
        for room in self.rooms.clone() {
            if omit.contains(&room) {
                continue;
            }
            match self.view.occupancy.get(&room).filter(|g| !g.is_empty()).cloned() {
                Some(guests) => {
                    for (i, g) in guests.into_iter().enumerate() {
                        self.enqueue(Message::GuestIn(Guest {
                            room: room.clone(),
                            stay: Some(g.reservation),
                            name: Some(g.name),
                            share: (i > 0).then_some(true),
                            swap: true,
                            ..Default::default()
                        }));
                    }
                }
                None => self.enqueue(Message::GuestOut { room, stay: None, swap: true }),
            }
        }
        self.enqueue(Message::ResyncEnd);
    }

    pub fn handle_input(&mut self, now: Instant, wall: NaiveDateTime, bytes: &[u8]) {
        self.link.handle_input(now, wall, bytes);
        self.drain(now, wall);
    }

    pub fn handle_timeout(&mut self, now: Instant, wall: NaiveDateTime) {
        self.link.handle_timeout(now, wall);
        self.drain(now, wall);
    }

    pub fn poll_timeout(&self) -> Option<Instant> {
        self.link.poll_timeout()
    }

    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        self.link.poll_transmit()
    }

    fn drain(&mut self, now: Instant, wall: NaiveDateTime) {
        while let Some(ev) = self.link.poll_event() {
            self.event(now, wall, ev);
        }
        self.feed(now);
    }

    fn event(&mut self, _now: Instant, wall: NaiveDateTime, ev: Event) {
        match ev {
            Event::LinkUp { .. } => self.set_link(true),
            Event::LinkDown(_) => self.set_link(false),
            Event::Delivered(tag) => {
                if self.in_flight.as_ref().is_some_and(|(t, _)| *t == tag) {
                    self.in_flight = None;
                    self.view.sent += 1;
                    self.changed = true;
                }
            }
            Event::Failed(tag) => {
                if let Some((t, m)) = self.in_flight.take() {
                    if t == tag {
                        self.queue.push_front(m);
                    } else {
                        self.in_flight = Some((t, m));
                    }
                }
            }
            Event::Received(msg) => self.heard(wall, msg),
            Event::ResyncRequested => {
                self.view.resync_requests += 1;
                self.changed = true;
                self.resync(&[]);
            }
            Event::Malformed { data, error } => {
                tracing::warn!(record = %String::from_utf8_lossy(&data), "PMS simulator: malformed record: {error}")
            }
            Event::Ignored(_) => {}
        }
    }

    fn heard(&mut self, wall: NaiveDateTime, msg: Message) {
        self.changed = true;
        match msg {
            Message::WakeAnswer { wake, status } => self.view.wake_results.push(WakeResultSeen {
                room: wake.room,
                at: wake.at.format("%y%m%d%H%M%S").to_string(),
                status,
            }),
            Message::WakeClear(w) => self.view.wake_clears.push((w.room, w.at.format("%y%m%d%H%M%S").to_string())),
            Message::MessageDelete(m) => self.view.message_reads.push((m.room, m.id)),
            Message::RoomEquipment(e) => {
                if let Some(rs) = e.room_status {
                    self.view.room_status.insert(e.room.clone(), rs);
                }
                if let Some(vm) = e.voicemail {
                    self.view.voicemail.insert(e.room, vm);
                }
            }
            Message::Posting(p) => {
                self.view.postings.push((
                    p.room.clone(),
                    p.number.clone().unwrap_or_default(),
                    p.amount.clone().unwrap_or_default(),
                ));
                // A PMS answers every posting; PA echoes P#, DA and TI.
                self.enqueue(Message::PostingAnswer {
                    room: p.room,
                    number: p.number,
                    status: self.posting_answer.clone(),
                    at: p.at.or(Some(wall)),
                });
            }
            other => tracing::debug!(record = ?other.to_record(), "PMS simulator: not acted on"),
        }
    }

    fn feed(&mut self, now: Instant) {
        while self.in_flight.is_none() && self.link.ready() {
            let Some(m) = self.queue.pop_front() else { break };
            let tag = self.next_tag;
            self.next_tag += 1;
            self.in_flight = Some((tag, m.clone()));
            match self.link.send(now, tag, &m) {
                Ok(()) => {
                    // Over TCP a record is delivered as soon as it is written.
                    while let Some(ev) = self.link.poll_event() {
                        if let Event::Delivered(t) = ev {
                            if self.in_flight.as_ref().is_some_and(|(f, _)| *f == t) {
                                self.in_flight = None;
                                self.view.sent += 1;
                            }
                        }
                    }
                }
                Err(SendError::NotDeclared(id)) => {
                    self.in_flight = None;
                    tracing::warn!("PMS simulator: the vendor did not ask for {id}; not sent");
                }
                Err(e) => {
                    self.in_flight = None;
                    self.queue.push_front(m);
                    tracing::debug!("PMS simulator: waiting to send: {e}");
                    break;
                }
            }
        }
        self.view.queued = self.queue.len() + usize::from(self.in_flight.is_some());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fias::{Framing, VendorConfig, VendorLink};

    fn wall() -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 11, 29).unwrap().and_hms_opt(6, 30, 15).unwrap()
    }

    /// Moves bytes both ways until neither side has anything to say; returns what the vendor heard.
    fn pump(pms: &mut PmsEngine, vendor: &mut VendorLink, now: Instant) -> Vec<Event> {
        let mut heard = Vec::new();
        for _ in 0..50 {
            let mut quiet = true;
            while let Some(b) = pms.poll_transmit() {
                quiet = false;
                vendor.handle_input(now, wall(), &b);
            }
            while let Some(b) = vendor.poll_transmit() {
                quiet = false;
                pms.handle_input(now, wall(), &b);
            }
            heard.extend(std::iter::from_fn(|| vendor.poll_event()));
            if quiet {
                break;
            }
        }
        heard
    }

    #[test]
    fn the_simulated_pms_and_the_vendor_engine_agree_over_tcp() {
        let now = Instant::now();
        let cfg = PmsConfig { framing: Framing::Tcp, ..PmsConfig::default() };
        let mut pms = PmsEngine::new(cfg, vec!["101".into(), "102".into()]);
        let mut vendor = VendorLink::new(VendorConfig { framing: Framing::Tcp, ..VendorConfig::default() });
        vendor.start(now, wall());
        pms.connected(now, wall());
        let heard = pump(&mut pms, &mut vendor, now);
        assert!(heard.contains(&Event::LinkUp { version: None, interface: None }), "{heard:?}");
        assert!(pms.view().link_up);

        pms.knob(
            now,
            PmsKnob::CheckIn {
                room: "101".into(),
                reservation: "R1".into(),
                name: "Wang Wei".into(),
                first_name: None,
                language: Some("EN".into()),
                share: false,
                vip: None,
            },
        );
        let heard = pump(&mut pms, &mut vendor, now);
        assert!(
            heard.iter().any(|e| matches!(e, Event::Received(Message::GuestIn(g)) if g.room == "101" && g.stay.as_deref() == Some("R1"))),
            "{heard:?}"
        );

        // The vendor's WA and DR: the PMS records the result and answers DR with a full resync.
        let wa = Message::WakeAnswer { wake: Wake { room: "101".into(), at: wall() }, status: "OK".into() };
        vendor.send(now, 1, &wa).unwrap();
        vendor.request_resync(now).unwrap();
        let heard = pump(&mut pms, &mut vendor, now);
        assert_eq!(
            pms.view().wake_results,
            vec![WakeResultSeen { room: "101".into(), at: "261129063015".into(), status: "OK".into() }]
        );
        let resync: Vec<&Event> = heard.iter().filter(|e| matches!(e, Event::Received(_))).collect();
        assert_eq!(resync.len(), 4, "DS, GI for 101, GO for 102, DE: {heard:?}");
        assert_eq!(pms.view().queued, 0);
    }
}
