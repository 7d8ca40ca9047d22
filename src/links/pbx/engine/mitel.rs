//! A Mitel (SX-200 / SX-2000 "light" PMS link) behind the link's engine interface, as
//! [`super::neax`] does for a NEAX: each FIAS record the session sends is said in Mitel's short
//! records, and what the Mitel reports (`STS` room status) comes back as the record the link
//! acts on.
//!
//! What Mitel cannot say is not declared: no wake-up result, no message texts. A wake-up is
//! handed over to keep (`WKP` with its time of day, less than a day ahead: the scheduler's
//! "kept by the PBX"), not rung now. A resync is room
//! by room: its start and end say nothing on the wire. The link is up once the PBX takes a
//! keep-alive (`AREYUTHERE`), sent again after `link_check` without traffic.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use chrono::{NaiveDateTime, Timelike};
use fias::ids;
use fias::{Event, FieldId, LinkState, Message, RecordId, RoomEquipment, SendError, Stats};
use mitel::exchange::{Exchange, ExchangeEvent, Failure, Side, Timers};
use mitel::record::{name_for_wire, Ext, Record};

use super::keeper::Keeper;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tag {
    Owner(u64),
    Probe,
}

/// The record types a Mitel can take and give, in FIAS terms (its capabilities).
pub fn declarations() -> BTreeMap<RecordId, Vec<FieldId>> {
    use ids::*;
    BTreeMap::from([
        (GI, vec![RN, GN, GF, CS]),
        (GO, vec![RN]),
        (RE, vec![RN, CS, ML, DN, RS]),
        // A wake-up handed over to keep (`WKP`): the PBX rings it at that time of day.
        (WR, vec![RN, DA, TI]),
        (WC, vec![RN, DA, TI]),
    ])
}

/// FIAS class of service as Mitel's restriction level: 0 internal only, 1 local, 2 long distance
/// (FIAS 2 national and 3 unrestricted both).
pub fn restriction_level(class: u8) -> u8 {
    class.min(2)
}

/// `STS` 1-9 as the FIAS room status the link acts on (RS 1/2 dirty, 3/4 clean, vacant/occupied):
/// 2 clean, 5 to be inspected (cleaned) and 8 vacant clean are clean, 6 occupied clean; 3 not
/// clean and 9 vacant not clean are dirty, 7 occupied not clean. 1 (maid present) and 4 (out of
/// service) are not acted on.
pub fn room_status(sts: u8) -> Option<u8> {
    match sts {
        2 | 5 | 8 => Some(3),
        6 => Some(4),
        3 | 9 => Some(1),
        7 => Some(2),
        _ => None,
    }
}

#[derive(Debug)]
pub struct MitelPms {
    x: Exchange<Tag>,
    link: Keeper,
    stats: Stats,
}

fn bad_room(record: RecordId, room: &str) -> SendError {
    SendError::Record(fias::RecordError::BadValue {
        record,
        field: ids::RN,
        value: room.to_string(),
        why: "a Mitel extension is 1 to 5 digits",
    })
}

impl MitelPms {
    pub fn new(answer: Duration, link_check: Duration) -> Self {
        MitelPms {
            x: Exchange::new(Side::Pms, Timers { answer, keepalive: None, ..Timers::default() }),
            link: Keeper::new(declarations(), link_check, "Mitel"),
            stats: Stats::default(),
        }
    }

    pub fn state(&self) -> LinkState {
        self.link.state()
    }

    pub fn stats(&self) -> Stats {
        self.stats
    }

    pub fn ready(&self) -> bool {
        self.link.ready(self.x.is_idle())
    }

    pub fn declared(&self, id: RecordId) -> bool {
        self.link.declared(id)
    }

    pub fn declarations(&self) -> &BTreeMap<RecordId, Vec<FieldId>> {
        self.link.declarations()
    }

    pub fn start(&mut self, now: Instant) {
        self.x.abort_all();
        self.link.starting();
        self.probe(now);
    }

    pub fn shutdown(&mut self) {
        self.x.abort_all();
        self.link.stopped();
    }

    fn probe(&mut self, now: Instant) {
        self.x.send(now, Tag::Probe, mitel::record::KEEPALIVE);
    }

    pub fn send(&mut self, now: Instant, tag: u64, msg: &Message) -> Result<(), SendError> {
        if self.link.state() != LinkState::Up {
            return Err(SendError::NotUp);
        }
        let records = self.translate(msg)?;
        let mut texts = Vec::with_capacity(records.len());
        for r in &records {
            texts.push(r.to_text().map_err(|e| {
                SendError::Record(fias::RecordError::BadValue {
                    record: msg.record_id(),
                    field: ids::RN,
                    value: format!("{r:?}"),
                    why: if matches!(e, mitel::RecordError::Char(_)) {
                        "not in Mitel's characters"
                    } else {
                        "off Mitel's layout"
                    },
                })
            })?);
        }
        // Nothing to say (a resync's start or end) is delivered at once.
        if self.link.sending(tag, texts.len()) {
            for t in texts {
                self.x.send(now, Tag::Owner(tag), &t);
            }
        }
        Ok(())
    }

    fn translate(&mut self, msg: &Message) -> Result<Vec<Record>, SendError> {
        let id = msg.record_id();
        let ext = |room: &str| Ext::new(room).map_err(|_| bad_room(id, room));
        Ok(match msg {
            Message::GuestIn(g) => {
                let e = ext(&g.room)?;
                let mut out = vec![Record::Check { ext: e.clone(), r#in: true }];
                if let Some(class) = g.class_of_service {
                    out.push(Record::Restrict { ext: e.clone(), level: restriction_level(class) });
                }
                let name = name_for_wire(g.name.as_deref().unwrap_or(""), g.first_name.as_deref());
                if !name.is_empty() {
                    out.push(Record::Name { ext: e, op: 1, name });
                }
                out
            }
            Message::GuestOut { room, .. } => vec![Record::Check { ext: ext(room)?, r#in: false }],
            Message::RoomEquipment(re) => {
                let e = ext(&re.room)?;
                let mut out = Vec::new();
                if let Some(on) = re.message_lamp {
                    out.push(Record::Lamp { ext: e.clone(), on });
                }
                if let Some(on) = re.dnd {
                    out.push(Record::Dnd { ext: e.clone(), on });
                }
                if let Some(class) = re.class_of_service {
                    out.push(Record::Restrict { ext: e, level: restriction_level(class) });
                }
                out
            }
            // Handed over to keep: the PBX rings at that time of day (the scheduler hands it
            // over less than a day ahead), and reports nothing.
            Message::WakeRequest(w) => {
                vec![Record::Wakeup { ext: ext(&w.room)?, at: Some((w.at.hour() as u8, w.at.minute() as u8)) }]
            }
            Message::WakeClear(w) => vec![Record::Wakeup { ext: ext(&w.room)?, at: None }],
            // A resync is room by room: nothing to say at its start and end.
            Message::ResyncStart | Message::ResyncEnd => Vec::new(),
            other => return Err(SendError::NotDeclared(other.record_id())),
        })
    }

    pub fn handle_input(&mut self, now: Instant, _wall: NaiveDateTime, bytes: &[u8]) {
        self.x.handle_input(now, bytes);
        self.drain(now);
    }

    pub fn handle_timeout(&mut self, now: Instant, _wall: NaiveDateTime) {
        self.x.handle_timeout(now);
        if self.link.check_due(now, self.x.is_idle()) {
            self.probe(now);
        }
        self.drain(now);
    }

    pub fn poll_timeout(&self) -> Option<Instant> {
        self.link.poll_timeout(self.x.poll_timeout())
    }

    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        let out = self.x.poll_transmit();
        if out.as_ref().is_some_and(|b| b.first() == Some(&mitel::exchange::STX)) {
            self.stats.frames_sent += 1;
        }
        out
    }

    pub fn poll_event(&mut self) -> Option<Event> {
        self.link.poll_event()
    }

    pub fn has_events(&self) -> bool {
        self.link.has_events()
    }

    fn drain(&mut self, now: Instant) {
        while let Some(ev) = self.x.poll_event() {
            match ev {
                ExchangeEvent::Delivered(Tag::Probe) => self.link.up(now),
                ExchangeEvent::Delivered(Tag::Owner(t)) => self.link.delivered(now, t),
                ExchangeEvent::Failed { tag: Tag::Owner(t), why: Failure::Refused } => {
                    // The PBX is there and will not take it: this record fails, the link stays;
                    // others queued behind it fail too and are sent again by the dispatcher.
                    self.link.refused(t);
                    for other in self.x.abort_all() {
                        if let Tag::Owner(o) = other {
                            self.link.refused(o);
                        }
                    }
                }
                ExchangeEvent::Failed { why, .. } => {
                    tracing::warn!("Mitel: {why}");
                    self.x.abort_all();
                    self.link.lost();
                    self.probe(now);
                }
                ExchangeEvent::Received(text) => {
                    self.link.up(now);
                    self.stats.frames_received += 1;
                    match Record::parse(&text) {
                        Ok(Record::Status { ext, code }) => match room_status(code) {
                            Some(rs) => self.link.push(Event::Received(Message::RoomEquipment(RoomEquipment {
                                room: ext.to_string(),
                                room_status: Some(rs),
                                ..Default::default()
                            }))),
                            None => tracing::info!(room = %ext, "Mitel: STS{code} not acted on"),
                        },
                        Ok(Record::KeepAlive) => {}
                        Ok(other) => tracing::info!("Mitel: {other:?} not acted on"),
                        Err(e) => tracing::warn!("Mitel: a record off its layout, not acted on: {e}"),
                    }
                }
                ExchangeEvent::Garbled(_) => self.stats.naks_sent += 1,
                ExchangeEvent::Noise(n) => self.stats.noise_bytes += n as u64,
            }
        }
    }
}
