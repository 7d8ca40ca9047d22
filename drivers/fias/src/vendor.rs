//! The vendor side of a FIAS link: the part a PBX plays toward a PMS (Opera's IFC and friends).
//! switchboard plays it on its upstream link, so the hotel's PMS drives it as it would a PBX.
//!
//! Start-up: the PMS sends `LS` (over TCP on every connect); we answer `LD` (date, time,
//! version, interface code), one `LR` per record type we take from the PMS, then `LA`; the PMS
//! answers `LA` and the link is up. An `LS` from the PMS while up means it restarted: the same
//! answer again. We send `LS` ourselves to ask for a start-up when the line is quiet, and as the
//! alive-check while up (the PMS answers `LA`). `LE` is answered with `LE`; the PMS restarts.
//!
//! What we send honours the PMS's own `LR` lists, if it sent any: then only the record types it
//! declared, with only the fields it listed. A PMS that declares nothing gets everything (the
//! specification does not require LRs for records the vendor sends). Between the PMS's `DS` and
//! `DE` (a database resync) we send nothing of our own: [`VendorLink::ready`] is false and
//! [`VendorLink::send`] refuses with [`SendError::Resyncing`]. `DR` goes out only when the owner
//! asks ([`VendorLink::request_resync`]), which it does after data may have been lost.
//!
//! Sans-IO like [`crate::pms`], and made of the same parts (`session`): bytes and
//! instants in, bytes and events out.

use std::time::{Duration, Instant};

use chrono::NaiveDateTime;

use crate::frame::Framing;
use crate::link::{DownReason, Event, LinkState, SendError};
use crate::message::Message;
use crate::record::{ids::*, FieldId, RecordId};
use crate::session::{Arrival, Core};
use crate::text::WireText;
use crate::transport::{Stats, Timers};

/// Settings of the vendor session.
#[derive(Debug, Clone)]
pub struct VendorConfig {
    pub timers: Timers,
    pub framing: Framing,
    pub text: WireText,
    /// `IF` in our `LD` (e.g. `PB`, a PBX interface).
    pub interface: String,
    /// `V#` in our `LD`.
    pub version: String,
    /// The record types (and fields) we ask the PMS for, one `LR` each.
    pub wants: Vec<(RecordId, Vec<FieldId>)>,
    /// While not up, ask for a start-up (`LS`) this often.
    pub startup_retry: Duration,
    /// While up and quiet this long, send the alive-check `LS` (the spec: at most every 5 min).
    pub alive_check: Duration,
}

/// The records switchboard takes from a PMS, with the fields it reads.
pub fn default_wants() -> Vec<(RecordId, Vec<FieldId>)> {
    vec![
        (GI, vec![RN, GNUM, GN, GF, GL, GV, GS, CS, SF]),
        (GO, vec![RN, GNUM, GS, SF]),
        (GC, vec![RN, RO, GNUM, GN, GF, GL, GS]),
        (RE, vec![RN, CS, ML, DN]),
        (WR, vec![RN, DA, TI]),
        (WC, vec![RN, DA, TI]),
        (XL, vec![RN, GNUM, MI, MT, DA, TI]),
        (XD, vec![RN, GNUM, MI]),
        (PA, vec![RN, PNUM, AS, DA, TI]),
        (NS, vec![DA, TI]),
        (NE, vec![DA, TI]),
    ]
}

impl Default for VendorConfig {
    fn default() -> Self {
        VendorConfig {
            timers: Timers::default(),
            framing: Framing::Serial,
            text: WireText::default(),
            interface: "PB".into(),
            version: concat!("switchboard ", env!("CARGO_PKG_VERSION")).into(),
            wants: default_wants(),
            startup_retry: Duration::from_secs(20),
            alive_check: Duration::from_secs(300),
        }
    }
}

/// The vendor session state machine.
#[derive(Debug)]
pub struct VendorLink {
    cfg: VendorConfig,
    /// What the PMS declared with its own LRs (records it takes from us) is `core.declared`.
    core: Core,
    /// Between the PMS's DS and DE.
    resync: bool,
    next_timer: Option<Instant>,
}

impl VendorLink {
    pub fn new(cfg: VendorConfig) -> Self {
        let core = Core::new(cfg.timers, cfg.framing, cfg.text);
        VendorLink { cfg, core, resync: false, next_timer: None }
    }

    pub fn state(&self) -> LinkState {
        self.core.state
    }

    pub fn stats(&self) -> Stats {
        self.core.stats()
    }

    /// The PMS is in a database resync (between its `DS` and `DE`).
    pub fn resyncing(&self) -> bool {
        self.resync
    }

    /// Gives up on a resync whose `DE` never came (the owner's time-out): records may go again.
    /// Returns whether one was running.
    pub fn abandon_resync(&mut self) -> bool {
        std::mem::take(&mut self.resync)
    }

    /// Up, not in a resync, and nothing in flight: the owner may hand over the next record.
    pub fn ready(&self) -> bool {
        self.core.idle_and_up() && !self.resync
    }

    /// Would the PMS take this record type (its LR lists, or everything if it sent none)?
    pub fn accepts(&self, id: RecordId) -> bool {
        self.core.declared.is_empty() || self.core.declared.contains_key(&id)
    }

    /// The connection is open. On a serial line, ask the PMS to start the link (`LS`); over TCP
    /// the PMS sends `LS` on every connect, and we ask only if it has not after a while.
    pub fn start(&mut self, now: Instant, wall: NaiveDateTime) {
        self.core.fail_pending();
        self.core.state = LinkState::Down;
        if self.cfg.framing == Framing::Serial {
            self.core.send_control(now, Message::LinkStart { at: Some(wall) });
        }
        self.next_timer = Some(now + self.cfg.startup_retry);
    }

    /// Says goodbye (`LE`) before the connection is closed.
    pub fn shutdown(&mut self, now: Instant, wall: NaiveDateTime) {
        self.core.fail_pending();
        self.core.send_control(now, Message::LinkEnd { at: Some(wall) });
        self.core.state = LinkState::Down;
    }

    /// Asks the PMS for a database resync (`DR`): only after data may have been lost.
    pub fn request_resync(&mut self, now: Instant) -> Result<(), SendError> {
        if self.core.state != LinkState::Up {
            return Err(SendError::NotUp);
        }
        self.core.send_control(now, Message::ResyncRequest);
        Ok(())
    }

    /// Sends an application record, honouring the PMS's LR list for it.
    pub fn send(&mut self, now: Instant, tag: u64, msg: &Message) -> Result<(), SendError> {
        if self.core.state != LinkState::Up {
            return Err(SendError::NotUp);
        }
        if self.resync {
            return Err(SendError::Resyncing);
        }
        // A PMS that declared nothing gets everything.
        let as_declared = !self.core.declared.is_empty();
        self.core.send(now, tag, msg, as_declared, false)?;
        // Over TCP a frame counts as delivered once written: report it at once.
        self.drain(now, None);
        Ok(())
    }

    fn go_down(&mut self, reason: DownReason) {
        self.resync = false;
        self.core.go_down(reason);
    }

    /// Feeds bytes read from the connection.
    pub fn handle_input(&mut self, now: Instant, wall: NaiveDateTime, bytes: &[u8]) {
        self.core.handle_input(now, bytes);
        self.drain(now, Some(wall));
    }

    fn drain(&mut self, now: Instant, wall: Option<NaiveDateTime>) {
        while let Some(arrival) = self.core.next_arrival() {
            match arrival {
                Arrival::Frame(msg) => {
                    if self.core.state == LinkState::Up {
                        self.next_timer = Some(now + self.cfg.alive_check);
                    }
                    if let Some(msg) = msg {
                        self.handle_message(now, wall.expect("frames arrive only through handle_input"), msg);
                    }
                }
                Arrival::Delivered => {}
                Arrival::Silent => self.go_down(DownReason::NoAnswer),
            }
        }
    }

    /// Runs the timers due at `now`.
    pub fn handle_timeout(&mut self, now: Instant, wall: NaiveDateTime) {
        self.core.handle_timeout(now);
        self.drain(now, Some(wall));
        if self.next_timer.is_some_and(|t| now >= t) {
            match self.core.state {
                // Quiet line: ask the PMS again to start the link.
                LinkState::Down | LinkState::Starting => {
                    self.core.state = LinkState::Down;
                    self.core.send_control(now, Message::LinkStart { at: Some(wall) });
                    self.next_timer = Some(now + self.cfg.startup_retry);
                }
                // The vendor's alive-check is LS; the PMS answers LA.
                LinkState::Up => {
                    if self.core.is_idle() {
                        self.core.send_control(now, Message::LinkStart { at: Some(wall) });
                    }
                    self.next_timer = Some(now + self.cfg.alive_check);
                }
            }
        }
    }

    pub fn poll_timeout(&self) -> Option<Instant> {
        [self.core.poll_timeout(), self.next_timer].into_iter().flatten().min()
    }

    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        self.core.poll_transmit()
    }

    pub fn poll_event(&mut self) -> Option<Event> {
        self.core.events.pop_front()
    }

    pub fn has_events(&self) -> bool {
        !self.core.events.is_empty()
    }

    /// LD, our LRs, LA.
    fn describe_ourselves(&mut self, now: Instant, wall: NaiveDateTime) {
        self.core.send_control(
            now,
            Message::LinkDescription {
                at: Some(wall),
                version: Some(self.cfg.version.clone()),
                interface: Some(self.cfg.interface.clone()),
            },
        );
        for (record, fields) in self.cfg.wants.clone() {
            self.core.send_control(now, Message::LinkRecord { record, fields });
        }
        self.core.send_control(now, Message::LinkAlive { at: Some(wall) });
        self.core.state = LinkState::Starting;
        self.next_timer = Some(now + self.cfg.startup_retry);
    }

    fn handle_message(&mut self, now: Instant, wall: NaiveDateTime, msg: Message) {
        match msg {
            Message::LinkStart { .. } => {
                if self.core.state == LinkState::Up {
                    self.go_down(DownReason::PeerRestarted);
                }
                self.core.declared.clear();
                self.describe_ourselves(now, wall);
            }
            Message::LinkRecord { record, fields } => {
                self.core.declared.insert(record, fields);
            }
            Message::LinkDescription { .. } => {}
            Message::LinkAlive { .. } => match self.core.state {
                LinkState::Starting => {
                    self.core.state = LinkState::Up;
                    self.resync = false;
                    self.next_timer = Some(now + self.cfg.alive_check);
                    self.core.events.push_back(Event::LinkUp { version: None, interface: None });
                }
                LinkState::Up => {}   // the answer to our alive-check
                LinkState::Down => {} // a stray LA: wait for the PMS's LS
            },
            Message::LinkEnd { .. } => {
                self.go_down(DownReason::PeerEnded);
                self.core.send_control(now, Message::LinkEnd { at: Some(wall) });
                self.next_timer = Some(now + self.cfg.startup_retry);
            }
            other if self.core.state != LinkState::Up => self.core.events.push_back(Event::Ignored(other.record_id())),
            Message::ResyncStart => {
                self.resync = true;
                self.core.events.push_back(Event::Received(Message::ResyncStart));
            }
            Message::ResyncEnd => {
                self.resync = false;
                self.core.events.push_back(Event::Received(Message::ResyncEnd));
            }
            other => self.core.events.push_back(Event::Received(other)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::{encode_frame, encode_frame_for, ACK};
    use chrono::NaiveDate;

    fn wall() -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, 29).unwrap().and_hms_opt(6, 30, 15).unwrap()
    }

    fn cfg(framing: Framing) -> VendorConfig {
        VendorConfig {
            framing,
            version: "1.0".into(),
            wants: vec![(GI, vec![RN, GNUM, GN]), (WR, vec![RN, DA, TI])],
            ..VendorConfig::default()
        }
    }

    fn events(v: &mut VendorLink) -> Vec<Event> {
        std::iter::from_fn(|| v.poll_event()).collect()
    }

    /// Brings a TCP link up; returns what we wrote.
    fn up_over_tcp(v: &mut VendorLink, now: Instant, pms_lrs: &[&[u8]]) -> Vec<u8> {
        v.start(now, wall());
        assert_eq!(v.poll_transmit(), None, "over TCP the PMS starts the link");
        let mut written = Vec::new();
        v.handle_input(now, wall(), b"\x02LS|DA261129|TI063000|\x03");
        for lr in pms_lrs {
            v.handle_input(now, wall(), &encode_frame_for(Framing::Tcp, lr));
        }
        written.extend(v.poll_transmit().unwrap());
        v.handle_input(now, wall(), b"\x02LA|DA261129|TI063001|\x03");
        assert_eq!(v.state(), LinkState::Up);
        assert_eq!(events(v), vec![Event::LinkUp { version: None, interface: None }]);
        written
    }

    #[test]
    fn start_up_over_tcp_byte_exact() {
        let now = Instant::now();
        let mut v = VendorLink::new(cfg(Framing::Tcp));
        let written = up_over_tcp(&mut v, now, &[]);
        assert_eq!(
            String::from_utf8(written).unwrap(),
            "\x02LD|DA261129|TI063015|V#1.0|IFPB|\x03\
             \x02LR|RIGI|FLRNG#GN|\x03\
             \x02LR|RIWR|FLRNDATI|\x03\
             \x02LA|DA261129|TI063015|\x03"
        );
    }

    #[test]
    fn start_up_over_serial_acks_every_frame_and_waits_for_each_ack() {
        let now = Instant::now();
        let mut v = VendorLink::new(cfg(Framing::Serial));
        v.start(now, wall());
        assert_eq!(v.poll_transmit().unwrap(), encode_frame(b"LS|DA261129|TI063015|"));
        v.handle_input(now, wall(), &[ACK]);
        v.handle_input(now, wall(), &encode_frame(b"LS|DA261129|TI063000|"));
        // ACK for their LS, then our LD (the LRs wait for the LD's ACK: stop-and-wait).
        let mut want = vec![ACK];
        want.extend(encode_frame(b"LD|DA261129|TI063015|V#1.0|IFPB|"));
        assert_eq!(v.poll_transmit().unwrap(), want);
        v.handle_input(now, wall(), &[ACK]);
        assert_eq!(v.poll_transmit().unwrap(), encode_frame(b"LR|RIGI|FLRNG#GN|"));
        v.handle_input(now, wall(), &[ACK]);
        assert_eq!(v.poll_transmit().unwrap(), encode_frame(b"LR|RIWR|FLRNDATI|"));
        v.handle_input(now, wall(), &[ACK]);
        assert_eq!(v.poll_transmit().unwrap(), encode_frame(b"LA|DA261129|TI063015|"));
        v.handle_input(now, wall(), &[ACK]);
        v.handle_input(now, wall(), &encode_frame(b"LA|DA261129|TI063001|"));
        assert_eq!(v.poll_transmit().unwrap(), vec![ACK]);
        assert_eq!(v.state(), LinkState::Up);
    }

    #[test]
    fn the_pms_lr_lists_are_honoured() {
        let now = Instant::now();
        let mut v = VendorLink::new(cfg(Framing::Tcp));
        up_over_tcp(&mut v, now, &[b"LR|RIWA|FLRNDATIAS|"]);
        let wa = Message::WakeAnswer { wake: crate::Wake { room: "101".into(), at: wall() }, status: "OK".into() };
        v.send(now, 1, &wa).unwrap();
        assert_eq!(v.poll_transmit().unwrap(), b"\x02WA|RN101|DA261129|TI063015|ASOK|\x03".to_vec());
        // The PMS declared WA only: an XD is not sent.
        let xd =
            Message::MessageDelete(crate::GuestMessage { room: "101".into(), id: "7".into(), ..Default::default() });
        assert_eq!(v.send(now, 2, &xd), Err(SendError::NotDeclared(XD)));
        assert_eq!(events(&mut v), vec![Event::Delivered(1)]);
    }

    #[test]
    fn a_pms_that_declares_nothing_gets_everything() {
        let now = Instant::now();
        let mut v = VendorLink::new(cfg(Framing::Tcp));
        up_over_tcp(&mut v, now, &[]);
        let xd =
            Message::MessageDelete(crate::GuestMessage { room: "101".into(), id: "7".into(), ..Default::default() });
        v.send(now, 2, &xd).unwrap();
        assert_eq!(v.poll_transmit().unwrap(), b"\x02XD|RN101|MI7|\x03".to_vec());
    }

    #[test]
    fn nothing_of_ours_goes_out_between_ds_and_de() {
        let now = Instant::now();
        let mut v = VendorLink::new(cfg(Framing::Tcp));
        up_over_tcp(&mut v, now, &[]);
        v.handle_input(now, wall(), b"\x02DS|\x03\x02GI|RN101|G#9|GNLin|SF|\x03");
        assert!(!v.ready());
        let re = Message::RoomEquipment(crate::RoomEquipment {
            room: "101".into(),
            room_status: Some(3),
            ..Default::default()
        });
        assert_eq!(v.send(now, 1, &re), Err(SendError::Resyncing));
        v.handle_input(now, wall(), b"\x02DE|\x03");
        assert!(v.ready());
        let got = events(&mut v);
        assert_eq!(got[0], Event::Received(Message::ResyncStart));
        assert!(matches!(&got[1], Event::Received(Message::GuestIn(g)) if g.swap && g.room == "101"));
        assert_eq!(got[2], Event::Received(Message::ResyncEnd));
    }

    #[test]
    fn an_abandoned_resync_lets_records_go_and_a_late_de_changes_nothing() {
        let now = Instant::now();
        let mut v = VendorLink::new(cfg(Framing::Tcp));
        up_over_tcp(&mut v, now, &[]);
        v.handle_input(now, wall(), b"\x02DS|\x03");
        assert!(v.resyncing() && !v.ready());
        assert!(v.abandon_resync());
        assert!(!v.abandon_resync(), "only once");
        assert!(v.ready());
        v.handle_input(now, wall(), b"\x02DE|\x03");
        assert!(v.ready());
    }

    #[test]
    fn the_night_audit_reaches_the_owner_and_is_asked_for() {
        let now = Instant::now();
        let mut v = VendorLink::new(VendorConfig { framing: Framing::Tcp, ..VendorConfig::default() });
        v.start(now, wall());
        v.handle_input(now, wall(), b"\x02LS|\x03");
        let mut sent = String::new();
        while let Some(b) = v.poll_transmit() {
            sent.push_str(&String::from_utf8(b).unwrap());
        }
        assert!(sent.contains("\x02LR|RINS|FLDATI|\x03") && sent.contains("\x02LR|RINE|FLDATI|\x03"), "{sent}");
        v.handle_input(now, wall(), b"\x02LA|\x03\x02NS|DA261204|TI020000|\x03\x02NE|\x03");
        let got = events(&mut v);
        assert_eq!(got[1..], [Event::Received(Message::NightAuditStart), Event::Received(Message::NightAuditEnd)]);
        assert!(v.ready(), "a night audit holds postings only, and that is the owner's business");
    }

    #[test]
    fn le_is_answered_and_an_ls_while_up_restarts_the_description() {
        let now = Instant::now();
        let mut v = VendorLink::new(cfg(Framing::Tcp));
        up_over_tcp(&mut v, now, &[]);
        v.handle_input(now, wall(), b"\x02LS|DA261129|TI070000|\x03");
        assert_eq!(events(&mut v), vec![Event::LinkDown(DownReason::PeerRestarted)]);
        let out = String::from_utf8(v.poll_transmit().unwrap()).unwrap();
        assert!(out.starts_with("\x02LD|") && out.ends_with("\x02LA|DA261129|TI063015|\x03"), "{out}");
        v.handle_input(now, wall(), b"\x02LA|\x03");
        events(&mut v);
        v.handle_input(now, wall(), b"\x02LE|DA261129|TI070100|\x03");
        assert_eq!(events(&mut v), vec![Event::LinkDown(DownReason::PeerEnded)]);
        assert_eq!(v.poll_transmit().unwrap(), b"\x02LE|DA261129|TI063015|\x03".to_vec());
    }

    #[test]
    fn the_alive_check_is_an_ls_after_a_quiet_spell_and_dr_goes_out_only_on_request() {
        let now = Instant::now();
        let mut v = VendorLink::new(cfg(Framing::Tcp));
        up_over_tcp(&mut v, now, &[]);
        let at = v.poll_timeout().unwrap();
        assert_eq!(at, now + Duration::from_secs(300));
        v.handle_timeout(at, wall());
        assert_eq!(v.poll_transmit().unwrap(), b"\x02LS|DA261129|TI063015|\x03".to_vec());
        v.handle_input(at, wall(), b"\x02LA|\x03");
        assert_eq!(v.state(), LinkState::Up);
        v.request_resync(at).unwrap();
        assert_eq!(v.poll_transmit().unwrap(), b"\x02DR|\x03".to_vec());
    }
}
