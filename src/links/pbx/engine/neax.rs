//! A NEC NEAX behind the link's engine interface: the session and its dispatcher speak FIAS
//! records (the richest of the protocols), and this turns each into the NEAX messages that
//! say it, and what the NEAX reports back into the records the link already acts on.
//!
//! What the NEAX cannot say is not declared ([`declarations`]), so the dispatcher skips or
//! reports it as it does for a FIAS PBX without that record. The tables (class of service to
//! restriction code, maid codes to room status, wake-up results) are in the README, "NEC NEAX".
//!
//! The link has no start-up handshake: it is up once the PBX takes a link test (70-2), and down
//! when a message goes unanswered through every try.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use chrono::{NaiveDateTime, NaiveTime, Timelike};
use fias::ids;
use fias::{Event, LinkState, Message, RoomEquipment, SendError, Stats, Wake};
use fias::{FieldId, RecordId};
use neax::{Exchange, ExchangeEvent, Ext, Failure, Restriction, Retries, Side, Timers, WakeResult, WakeSource};

use super::keeper::Keeper;

/// What each queued NEAX message is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tag {
    /// A frame of the owner's record `u64`.
    Owner(u64),
    /// A link test: the link is up once one is taken.
    Probe,
}

/// The record types a NEAX can take and give, in FIAS terms (its capabilities).
pub fn declarations() -> BTreeMap<RecordId, Vec<FieldId>> {
    use ids::*;
    BTreeMap::from([
        (GI, vec![RN, GN, GF, CS]),
        (GO, vec![RN]),
        (RE, vec![RN, CS, ML, DN, RS]),
        (WR, vec![RN, DA, TI]),
        (WC, vec![RN, DA, TI]),
        (WA, vec![RN, DA, TI, AS]),
    ])
}

/// A room's line as last told to the PBX: the restriction code says class and DND at once.
#[derive(Debug, Clone, Copy)]
struct Line {
    outside_calls: bool,
    dnd: bool,
}

impl Default for Line {
    fn default() -> Self {
        Line { outside_calls: true, dnd: false }
    }
}

/// Class 0 (barred or internal only) cuts outside calls off (restriction 1); 1 (local), 2
/// (national) and 3 (unrestricted) do not: the NEAX's restriction codes tell only these two apart.
pub fn outside_calls(class: u8) -> bool {
    class >= 1
}

#[derive(Debug)]
pub struct NeaxPms {
    x: Exchange<Tag>,
    link: Keeper,
    lines: HashMap<String, Line>,
    /// The date-time of each room's last ring, to echo in its result (19-3 gives HH:MM only).
    rings: HashMap<String, NaiveDateTime>,
    /// The wall clock as last given (the PBX's local time): a ring goes for this minute.
    wall: Option<NaiveDateTime>,
    stats: Stats,
}

fn bad_room(record: RecordId, room: &str) -> SendError {
    SendError::Record(fias::RecordError::BadValue {
        record,
        field: ids::RN,
        value: room.to_string(),
        why: "a NEAX extension is 1 to 6 digits",
    })
}

impl NeaxPms {
    pub fn new(answer: Duration, link_check: Duration) -> Self {
        NeaxPms {
            x: Exchange::new(Side::Pms, Timers { answer, ..Timers::default() }, Retries::default()),
            link: Keeper::new(declarations(), link_check, "NEC NEAX"),
            lines: HashMap::new(),
            rings: HashMap::new(),
            wall: None,
            stats: Stats::default(),
        }
    }

    pub fn state(&self) -> LinkState {
        self.link.state()
    }

    pub fn stats(&self) -> Stats {
        let s = self.x.stats();
        Stats {
            frames_sent: s.sent,
            frames_received: s.received,
            naks_sent: s.naks_sent,
            timeouts: s.timeouts,
            retransmits: s.naks_received,
            ..self.stats
        }
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

    /// (Re)starts: whatever was in flight fails; a link test finds out whether the PBX is there.
    pub fn start(&mut self, now: Instant) {
        self.x.abort_all();
        self.link.starting();
        self.probe(now);
    }

    /// NEAX has no goodbye: what is queued is dropped (and fails).
    pub fn shutdown(&mut self) {
        self.x.abort_all();
        self.link.stopped();
    }

    fn probe(&mut self, now: Instant) {
        let _ = self.x.send(now, Tag::Probe, &neax::Message::LinkTest.to_frame());
    }

    pub fn send(&mut self, now: Instant, tag: u64, msg: &Message) -> Result<(), SendError> {
        if self.link.state() != LinkState::Up {
            return Err(SendError::NotUp);
        }
        let frames = self.translate(msg)?;
        for m in &frames {
            m.to_frame().encode().map_err(|e| {
                SendError::Record(fias::RecordError::BadValue {
                    record: msg.record_id(),
                    field: ids::RN,
                    value: format!("{m:?}"),
                    why: if matches!(e, neax::FrameError::TooLong(_)) { "too long for NEAX" } else { "not 7-bit" },
                })
            })?;
        }
        // Nothing the NEAX needs to hear (e.g. an RE with nothing it keeps) is delivered at once.
        if self.link.sending(tag, frames.len()) {
            for m in frames {
                // Encodable: checked above.
                let _ = self.x.send(now, Tag::Owner(tag), &m.to_frame());
            }
        }
        Ok(())
    }

    /// The NEAX messages that say `msg`.
    fn translate(&mut self, msg: &Message) -> Result<Vec<neax::Message>, SendError> {
        let id = msg.record_id();
        let ext = |room: &str| Ext::new(room).map_err(|_| bad_room(id, room));
        Ok(match msg {
            Message::GuestIn(g) => {
                let e = ext(&g.room)?;
                let line = self.lines.entry(g.room.clone()).or_default();
                if let Some(class) = g.class_of_service {
                    line.outside_calls = outside_calls(class);
                }
                let code = Restriction::of(line.outside_calls, line.dnd);
                let mut out =
                    vec![neax::Message::CheckIn { ext: e.clone() }, neax::Message::Restrict { ext: e.clone(), code }];
                let whole =
                    [g.name.as_deref(), g.first_name.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(" ");
                let name = neax::message::name_for_wire(&whole);
                if !name.is_empty() {
                    out.push(neax::Message::Name { ext: e, name });
                }
                out
            }
            Message::GuestOut { room, .. } => {
                self.lines.remove(room);
                vec![neax::Message::CheckOut { ext: ext(room)? }]
            }
            Message::RoomEquipment(re) => {
                let e = ext(&re.room)?;
                let mut out = Vec::new();
                if let Some(on) = re.message_lamp {
                    out.push(neax::Message::Lamp { ext: e.clone(), on });
                }
                if re.class_of_service.is_some() || re.dnd.is_some() {
                    let line = self.lines.entry(re.room.clone()).or_default();
                    if let Some(class) = re.class_of_service {
                        line.outside_calls = outside_calls(class);
                    }
                    if let Some(dnd) = re.dnd {
                        line.dnd = dnd;
                    }
                    out.push(neax::Message::Restrict { ext: e, code: Restriction::of(line.outside_calls, line.dnd) });
                }
                out
            }
            // The PBX rings at the minute it is given: a ring asked for now (or late, after an
            // outage) goes for this minute, or the PBX would keep it for tomorrow.
            Message::WakeRequest(w) => {
                self.rings.insert(w.room.clone(), w.at);
                let at = self.wall.map_or(w.at, |now| now.max(w.at));
                vec![neax::Message::WakeupSet {
                    ext: ext(&w.room)?,
                    at: (at.hour() as u8, at.minute() as u8),
                    source: WakeSource::Pms,
                }]
            }
            Message::WakeClear(w) => vec![neax::Message::WakeupCancel { ext: ext(&w.room)?, source: WakeSource::Pms }],
            Message::ResyncStart => vec![neax::Message::RecoveryStart],
            Message::ResyncEnd => vec![neax::Message::RecoveryEnd],
            other => return Err(SendError::NotDeclared(other.record_id())),
        })
    }

    pub fn handle_input(&mut self, now: Instant, wall: NaiveDateTime, bytes: &[u8]) {
        self.wall = Some(wall);
        self.x.handle_input(now, bytes);
        self.drain(now, wall);
    }

    pub fn handle_timeout(&mut self, now: Instant, wall: NaiveDateTime) {
        self.wall = Some(wall);
        self.x.handle_timeout(now);
        if self.link.check_due(now, self.x.is_idle()) {
            self.probe(now);
        }
        self.drain(now, wall);
    }

    pub fn poll_timeout(&self) -> Option<Instant> {
        self.link.poll_timeout(self.x.poll_timeout())
    }

    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        self.x.poll_transmit()
    }

    pub fn poll_event(&mut self) -> Option<Event> {
        self.link.poll_event()
    }

    pub fn has_events(&self) -> bool {
        self.link.has_events()
    }

    fn drain(&mut self, now: Instant, wall: NaiveDateTime) {
        while let Some(ev) = self.x.poll_event() {
            match ev {
                ExchangeEvent::Delivered(Tag::Probe) => self.link.up(now),
                ExchangeEvent::Delivered(Tag::Owner(t)) => self.link.delivered(now, t),
                ExchangeEvent::Failed { tag: Tag::Owner(t), why: Failure::Refused } => {
                    // The PBX is there and will not take it: this record fails, the link stays.
                    self.x.cancel(|x| *x == Tag::Owner(t));
                    self.link.refused(t);
                }
                ExchangeEvent::Failed { why, .. } => {
                    tracing::warn!("NEAX: {why}");
                    self.x.abort_all();
                    self.link.lost();
                    self.probe(now);
                }
                ExchangeEvent::Received(frame) => {
                    self.link.up(now);
                    match neax::Message::from_frame(&frame) {
                        Ok(m) => self.received(m, wall),
                        Err(e) => tracing::warn!("NEAX: a message off its layout, not acted on: {e}"),
                    }
                }
                ExchangeEvent::Garbled(e) => tracing::debug!("NEAX: a broken message NAKed: {e}"),
                ExchangeEvent::Dle(b) => tracing::info!("NEAX: DLE {:?} not acted on", b as char),
                ExchangeEvent::Noise(n) => self.stats.noise_bytes += n as u64,
            }
        }
    }

    /// What the NEAX said, as the FIAS record the link acts on (or logged as not acted on).
    fn received(&mut self, m: neax::Message, wall: NaiveDateTime) {
        let re = |room: &Ext, f: &dyn Fn(&mut RoomEquipment)| {
            let mut e = RoomEquipment { room: room.to_string(), ..Default::default() };
            f(&mut e);
            Message::RoomEquipment(e)
        };
        let at = |hhmm: (u8, u8)| {
            let t = NaiveTime::from_hms_opt(hhmm.0.into(), hhmm.1.into(), 0).unwrap_or_default();
            // The next such time from now (a booking for 06:30 made at 22:00 is tomorrow's).
            let today = wall.date().and_time(t);
            if today < wall - chrono::Duration::minutes(1) {
                today + chrono::Duration::days(1)
            } else {
                today
            }
        };
        let out = match m {
            neax::Message::Restricted { ext, code } => {
                let dnd = matches!(code, Restriction::Dnd | Restriction::DndCutOff);
                self.lines.entry(ext.to_string()).or_default().dnd = dnd;
                Some(re(&ext, &|e| e.dnd = Some(dnd)))
            }
            neax::Message::WakeupBooked { ext, at: Some(t), .. } => {
                Some(Message::WakeRequest(Wake { room: ext.to_string(), at: at(t) }))
            }
            neax::Message::WakeupCancelled { ext, at: Some(t), .. } => {
                Some(Message::WakeClear(Wake { room: ext.to_string(), at: at(t) }))
            }
            neax::Message::WakeupResult { ext, at: t, result } => {
                let room = ext.to_string();
                let at = self.rings.remove(&room).or(t.map(at)).unwrap_or(wall);
                Some(Message::WakeAnswer { wake: Wake { room, at }, status: wake_status(result) })
            }
            neax::Message::Maid { ext, code } => maid_status(code).map(|rs| re(&ext, &|e| e.room_status = Some(rs))),
            neax::Message::MaidDial { ext, code } => {
                dial_status(code).map(|rs| re(&ext, &|e| e.room_status = Some(rs)))
            }
            neax::Message::RecoveryStart => {
                self.link.push(Event::ResyncRequested);
                None
            }
            neax::Message::LinkTest | neax::Message::LampDone { .. } | neax::Message::RecoveryEnd => None,
            neax::Message::Refused { ftc, fc, data } => {
                tracing::warn!(
                    "NEAX: the PBX refused a {}-{} message ({data:?}): it was not acted on there",
                    String::from_utf8_lossy(&ftc),
                    fc as char
                );
                None
            }
            other => {
                tracing::info!("NEAX: {other:?} not acted on");
                None
            }
        };
        if let Some(msg) = out {
            self.link.push(Event::Received(msg));
        }
    }
}

/// A 19-3 result as the answer status the link knows: answered `OK`, busy `BY`, no answer `NR`
/// (FIAS's codes); blocked `BL` and sent to the attendant `AT` (the link's own, for what FIAS
/// has no code for; see [`crate::domain::pbx_report::WakeResult`]). Neither is answered.
pub fn wake_status(r: WakeResult) -> String {
    match r {
        WakeResult::Answered => "OK".into(),
        WakeResult::Busy => "BY".into(),
        WakeResult::NoAnswer => "NR".into(),
        WakeResult::Blocked => "BL".into(),
        WakeResult::ToAttendant => "AT".into(),
        WakeResult::Other(c) => format!("N{}", c as char),
    }
}

/// 12-2 cleaning ended: clean (FIAS RS 3); 12-3 inspected (RS 5); 12-1 started: no new status.
pub fn maid_status(code: u8) -> Option<u8> {
    match code {
        2 => Some(3),
        3 => Some(5),
        _ => None,
    }
}

/// The maid dial codes 52-1..4, an assumption (README): 1 dirty, 2 clean, 3 inspected; 4 not
/// acted on.
pub fn dial_status(code: u8) -> Option<u8> {
    match code {
        1 => Some(1),
        2 => Some(3),
        3 => Some(5),
        _ => None,
    }
}
