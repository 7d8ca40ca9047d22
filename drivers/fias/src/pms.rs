//! The PMS side of a FIAS link: start-up, LR lists, link checks and what the PBX sends.
//!
//! Start-up: we send `LS`; the PBX answers `LD`, one `LR` per record type it wants, then `LA`; we
//! answer `LA` and the link is up. Only then are data records sent or processed, and only the
//! record types (and fields) the PBX declared. An `LS` from the PBX while up is its alive-check,
//! answered `LA`; before that it asks for a start-up (answered `LS`). `LE` is answered `LE` and
//! the link restarted, `LA` while up is a link test, `DR` asks for a database resync (the owner
//! answers with `DS`, `GI`/`GO` per room with `SF`, `DE`, using [`PmsLink::send`]).
//!
//! Time enters as parameters: a monotonic `Instant` for timers and the hotel's local wall time for
//! the `DA`/`TI` stamps. Nothing here touches a port.

use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;

use crate::frame::Framing;
use crate::message::Message;
use crate::record::{ids, FieldId, RecordError, RecordId};
use crate::text::WireText;
use crate::transport::{Stats, Timers, Transport, TransportEvent};

/// Settings of the PMS session.
#[derive(Debug, Clone, Copy)]
pub struct PmsConfig {
    pub timers: Timers,
    /// With no `LA` this long after our `LS`, send `LS` again.
    pub startup_timeout: Duration,
    /// Send an `LA` link check after this long without traffic.
    pub link_check: Duration,
    /// Character set, 7-bit folding and the longest field the peer takes.
    pub text: WireText,
    /// Serial (LRC, ACK/NAK) or TCP (neither).
    pub framing: Framing,
}

impl Default for PmsConfig {
    fn default() -> Self {
        PmsConfig {
            timers: Timers::default(),
            startup_timeout: Duration::from_secs(20),
            link_check: Duration::from_secs(120),
            text: WireText::default(),
            framing: Framing::Serial,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkState {
    Down,
    Starting,
    Up,
}

/// Why the link went down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DownReason {
    /// The PBX sent `LE`.
    PeerEnded,
    /// The PBX sent `LS` while the link was up (it restarted).
    PeerRestarted,
    /// Nothing came back for a whole frame's attempts.
    NoAnswer,
}

/// What the session reports to its owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    LinkUp {
        version: Option<String>,
        interface: Option<String>,
    },
    LinkDown(DownReason),
    /// The PBX acknowledged the record sent with this tag.
    Delivered(u64),
    /// The record sent with this tag was not acknowledged (every attempt used, or the link went
    /// down under it). Keep it and send it again later.
    Failed(u64),
    /// An application record from the PBX.
    Received(Message),
    /// The PBX asked for a database resync (`DR`).
    ResyncRequested,
    /// A frame arrived intact but its record made no sense; it was ACKed and dropped.
    Malformed {
        data: Vec<u8>,
        error: RecordError,
    },
    /// A data record arrived before the link was up; dropped.
    Ignored(RecordId),
}

/// Why [`PmsLink::send`] refused a record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    #[error("the FIAS link is not up")]
    NotUp,
    #[error("the peer did not declare the {0} record (no LR for it)")]
    NotDeclared(RecordId),
    #[error("the peer is in a database resync (between DS and DE)")]
    Resyncing,
    #[error(transparent)]
    Record(#[from] RecordError),
}

#[derive(Debug, Clone, Copy)]
enum Tag {
    App(u64),
    Control,
}

/// The PMS session state machine.
#[derive(Debug)]
pub struct PmsLink {
    cfg: PmsConfig,
    transport: Transport<Tag>,
    state: LinkState,
    declared: BTreeMap<RecordId, Vec<FieldId>>,
    peer: (Option<String>, Option<String>),
    startup_deadline: Option<Instant>,
    next_check: Option<Instant>,
    events: VecDeque<Event>,
}

impl PmsLink {
    pub fn new(cfg: PmsConfig) -> Self {
        PmsLink {
            cfg,
            transport: Transport::with_framing(cfg.timers, cfg.framing),
            state: LinkState::Down,
            declared: BTreeMap::new(),
            peer: (None, None),
            startup_deadline: None,
            next_check: None,
            events: VecDeque::new(),
        }
    }

    pub fn state(&self) -> LinkState {
        self.state
    }

    pub fn stats(&self) -> Stats {
        self.transport.stats()
    }

    /// Up, and nothing in flight: the owner may hand over the next record.
    pub fn ready(&self) -> bool {
        self.state == LinkState::Up && self.transport.is_idle()
    }

    /// Did the PBX declare this record type?
    pub fn declared(&self, id: RecordId) -> bool {
        self.declared.contains_key(&id)
    }

    /// The record types the PBX declared, with their fields.
    pub fn declarations(&self) -> &BTreeMap<RecordId, Vec<FieldId>> {
        &self.declared
    }

    /// Starts (or restarts) the handshake by sending `LS`.
    pub fn start(&mut self, now: Instant, wall: NaiveDateTime) {
        self.fail_pending();
        self.handshake(now, wall);
    }

    /// Sends `LS` behind whatever is queued and waits for LD/LR/LA.
    fn handshake(&mut self, now: Instant, wall: NaiveDateTime) {
        self.state = LinkState::Starting;
        self.declared.clear();
        self.send_control(now, Message::LinkStart { at: Some(wall) });
        self.startup_deadline = Some(now + self.cfg.startup_timeout);
    }

    /// Says goodbye (`LE`) before the port is closed.
    pub fn shutdown(&mut self, now: Instant, wall: NaiveDateTime) {
        self.fail_pending();
        self.send_control(now, Message::LinkEnd { at: Some(wall) });
        self.state = LinkState::Down;
    }

    /// Sends an application record, honouring the PBX's LR list for it. A record that sets a
    /// state (see [`repeatable`]) is sent again rather than taken as delivered on an uncertain
    /// `ACK` ([`Transport::send_repeatable`]).
    pub fn send(&mut self, now: Instant, tag: u64, msg: &Message) -> Result<(), SendError> {
        if self.state != LinkState::Up {
            return Err(SendError::NotUp);
        }
        let mut rec = msg.to_record();
        // DR, DS and DE need no LR (FIAS); everything else only as the peer declared it.
        if ![ids::DR, ids::DS, ids::DE].contains(&rec.id) {
            let fields = self.declared.get(&rec.id).ok_or(SendError::NotDeclared(rec.id))?;
            if !fields.is_empty() {
                rec.retain_fields(|f| fields.contains(&f));
            }
        }
        let data = self.cfg.text.outgoing(rec)?;
        if repeatable(msg) {
            self.transport.send_repeatable(now, Tag::App(tag), &data);
        } else {
            self.transport.send(now, Tag::App(tag), &data);
        }
        // Over TCP the transport reports the frame delivered at once.
        while let Some(ev) = self.transport.poll_event() {
            self.transport_event(now, None, ev);
        }
        Ok(())
    }

    fn send_control(&mut self, now: Instant, msg: Message) {
        let data = msg.to_record().encode().expect("link records are always encodable");
        self.transport.send(now, Tag::Control, &data);
    }

    fn fail_pending(&mut self) {
        for tag in self.transport.abort_all() {
            if let Tag::App(t) = tag {
                self.events.push_back(Event::Failed(t));
            }
        }
    }

    fn go_down(&mut self, reason: DownReason) {
        self.fail_pending();
        if self.state != LinkState::Down {
            self.state = LinkState::Down;
            self.events.push_back(Event::LinkDown(reason));
        }
        self.startup_deadline = None;
        self.next_check = None;
    }

    /// Feeds bytes read from the port.
    pub fn handle_input(&mut self, now: Instant, wall: NaiveDateTime, bytes: &[u8]) {
        self.transport.handle_input(now, bytes);
        self.drain_transport(now, wall);
    }

    /// Runs the timers due at `now`.
    pub fn handle_timeout(&mut self, now: Instant, wall: NaiveDateTime) {
        self.transport.handle_timeout(now);
        self.drain_transport(now, wall);
        match self.state {
            LinkState::Starting if self.startup_deadline.is_some_and(|d| now >= d) => self.start(now, wall),
            LinkState::Up if self.next_check.is_some_and(|d| now >= d) => {
                if self.transport.is_idle() {
                    self.send_control(now, Message::LinkAlive { at: Some(wall) });
                }
                self.next_check = Some(now + self.cfg.link_check);
            }
            _ => {}
        }
    }

    /// When [`handle_timeout`](Self::handle_timeout) next wants to run.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let own = match self.state {
            LinkState::Starting => self.startup_deadline,
            LinkState::Up => self.next_check,
            LinkState::Down => None,
        };
        [self.transport.poll_timeout(), own].into_iter().flatten().min()
    }

    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        self.transport.poll_transmit()
    }

    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// Events wait to be polled (over TCP a send is delivered at once, so one may be waiting
    /// right after [`send`](Self::send)).
    pub fn has_events(&self) -> bool {
        !self.events.is_empty()
    }

    fn drain_transport(&mut self, now: Instant, wall: NaiveDateTime) {
        while let Some(ev) = self.transport.poll_event() {
            self.transport_event(now, Some(wall), ev);
        }
    }

    /// One transport event. `wall` is there whenever a frame can have arrived (input and
    /// timers); after [`send`](Self::send) only deliveries can be waiting.
    fn transport_event(&mut self, now: Instant, wall: Option<NaiveDateTime>, ev: TransportEvent<Tag>) {
        match ev {
            TransportEvent::Received(data) => {
                let wall = wall.expect("frames arrive only through handle_input");
                if self.state == LinkState::Up {
                    self.next_check = Some(now + self.cfg.link_check);
                }
                match self.cfg.text.incoming(&data) {
                    Ok(msg) => self.handle_message(now, wall, msg),
                    Err(error) => self.events.push_back(Event::Malformed { data, error }),
                }
            }
            TransportEvent::Delivered(Tag::App(t)) => {
                self.next_check = Some(now + self.cfg.link_check);
                self.events.push_back(Event::Delivered(t));
            }
            TransportEvent::Delivered(Tag::Control) => {}
            TransportEvent::Failed { tag, silent } => {
                if let Tag::App(t) = tag {
                    self.events.push_back(Event::Failed(t));
                }
                if silent {
                    self.go_down(DownReason::NoAnswer);
                }
            }
        }
    }

    fn handle_message(&mut self, now: Instant, wall: NaiveDateTime, msg: Message) {
        match msg {
            // While up, an LS from the PBX is its alive-check: answered LA (FIAS). Otherwise
            // it asks for a start-up: answered with our LS, and the PBX sends LD/LR/LA.
            Message::LinkStart { .. } if self.state == LinkState::Up => {
                self.send_control(now, Message::LinkAlive { at: Some(wall) });
            }
            Message::LinkStart { .. } => self.start(now, wall),
            Message::LinkDescription { version, interface, .. } => {
                if self.state == LinkState::Down {
                    self.state = LinkState::Starting;
                    self.startup_deadline = Some(now + self.cfg.startup_timeout);
                }
                if self.state == LinkState::Starting {
                    self.declared.clear();
                }
                self.peer = (version, interface);
            }
            Message::LinkRecord { record, fields } => {
                self.declared.insert(record, fields);
            }
            Message::LinkAlive { .. } => match self.state {
                LinkState::Starting => {
                    self.send_control(now, Message::LinkAlive { at: Some(wall) });
                    self.state = LinkState::Up;
                    self.startup_deadline = None;
                    self.next_check = Some(now + self.cfg.link_check);
                    let (version, interface) = self.peer.clone();
                    self.events.push_back(Event::LinkUp { version, interface });
                }
                LinkState::Up => {} // link test: the transport's ACK is the whole answer
                LinkState::Down => self.start(now, wall),
            },
            Message::LinkEnd { .. } => {
                // FIAS: answer LE, keep what is queued (the caller's outbox), restart with LS.
                self.go_down(DownReason::PeerEnded);
                self.send_control(now, Message::LinkEnd { at: Some(wall) });
                self.handshake(now, wall);
            }
            other if self.state != LinkState::Up => {
                self.events.push_back(Event::Ignored(other.record_id()));
                if self.state == LinkState::Down {
                    // The PBX is talking again: reactivate.
                    self.start(now, wall);
                }
            }
            Message::ResyncRequest => self.events.push_back(Event::ResyncRequested),
            other => self.events.push_back(Event::Received(other)),
        }
    }
}

/// Records the PBX may get twice without harm: each sets a state (a guest in or out, a room's
/// class, lamp and DND, a message text by its id, a cancelled wake-up). Not a ring (`WR`: it
/// would ring twice), a move (`GC` with the old room: the old room is empty the second time), a
/// posting answer or the resync's markers.
pub fn repeatable(msg: &Message) -> bool {
    match msg {
        Message::GuestIn(_)
        | Message::GuestOut { .. }
        | Message::RoomEquipment(_)
        | Message::MessageText(_)
        | Message::MessageDelete(_)
        | Message::WakeClear(_) => true,
        Message::GuestChange { old_room, .. } => old_room.is_none(),
        _ => false,
    }
}
