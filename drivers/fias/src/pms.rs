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

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;

use crate::frame::Framing;
use crate::message::Message;
use crate::record::{ids, FieldId, RecordId};
use crate::session::{Arrival, Core};
use crate::text::WireText;
use crate::transport::{Stats, Timers};

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

pub use crate::link::{DownReason, Event, LinkState, SendError};

/// The PMS session state machine.
#[derive(Debug)]
pub struct PmsLink {
    cfg: PmsConfig,
    core: Core,
    peer: (Option<String>, Option<String>),
    startup_deadline: Option<Instant>,
    next_check: Option<Instant>,
}

impl PmsLink {
    pub fn new(cfg: PmsConfig) -> Self {
        PmsLink {
            cfg,
            core: Core::new(cfg.timers, cfg.framing, cfg.text),
            peer: (None, None),
            startup_deadline: None,
            next_check: None,
        }
    }

    pub fn state(&self) -> LinkState {
        self.core.state
    }

    pub fn stats(&self) -> Stats {
        self.core.stats()
    }

    /// Up, and nothing in flight: the owner may hand over the next record.
    pub fn ready(&self) -> bool {
        self.core.idle_and_up()
    }

    /// Did the PBX declare this record type?
    pub fn declared(&self, id: RecordId) -> bool {
        self.core.declared.contains_key(&id)
    }

    /// The record types the PBX declared, with their fields.
    pub fn declarations(&self) -> &BTreeMap<RecordId, Vec<FieldId>> {
        &self.core.declared
    }

    /// Starts (or restarts) the handshake by sending `LS`.
    pub fn start(&mut self, now: Instant, wall: NaiveDateTime) {
        self.core.fail_pending();
        self.handshake(now, wall);
    }

    /// Sends `LS` behind whatever is queued and waits for LD/LR/LA.
    fn handshake(&mut self, now: Instant, wall: NaiveDateTime) {
        self.core.state = LinkState::Starting;
        self.core.declared.clear();
        self.core.send_control(now, Message::LinkStart { at: Some(wall) });
        self.startup_deadline = Some(now + self.cfg.startup_timeout);
    }

    /// Says goodbye (`LE`) before the port is closed.
    pub fn shutdown(&mut self, now: Instant, wall: NaiveDateTime) {
        self.core.fail_pending();
        self.core.send_control(now, Message::LinkEnd { at: Some(wall) });
        self.core.state = LinkState::Down;
    }

    /// Sends an application record, honouring the PBX's LR list for it. A record that sets a
    /// state (see [`repeatable`]) is sent again rather than taken as delivered on an uncertain
    /// `ACK` ([`Transport::send_repeatable`](crate::Transport::send_repeatable)).
    pub fn send(&mut self, now: Instant, tag: u64, msg: &Message) -> Result<(), SendError> {
        if self.core.state != LinkState::Up {
            return Err(SendError::NotUp);
        }
        // DR, DS and DE need no LR (FIAS); everything else only as the peer declared it.
        let as_declared = ![ids::DR, ids::DS, ids::DE].contains(&msg.record_id());
        self.core.send(now, tag, msg, as_declared, repeatable(msg))?;
        // Over TCP the transport reports the frame delivered at once.
        self.drain(now, None);
        Ok(())
    }

    fn go_down(&mut self, reason: DownReason) {
        self.core.go_down(reason);
        self.startup_deadline = None;
        self.next_check = None;
    }

    /// Feeds bytes read from the port.
    pub fn handle_input(&mut self, now: Instant, wall: NaiveDateTime, bytes: &[u8]) {
        self.core.handle_input(now, bytes);
        self.drain(now, Some(wall));
    }

    /// Runs the timers due at `now`.
    pub fn handle_timeout(&mut self, now: Instant, wall: NaiveDateTime) {
        self.core.handle_timeout(now);
        self.drain(now, Some(wall));
        match self.core.state {
            LinkState::Starting if self.startup_deadline.is_some_and(|d| now >= d) => self.start(now, wall),
            LinkState::Up if self.next_check.is_some_and(|d| now >= d) => {
                if self.core.is_idle() {
                    self.core.send_control(now, Message::LinkAlive { at: Some(wall) });
                }
                self.next_check = Some(now + self.cfg.link_check);
            }
            _ => {}
        }
    }

    /// When [`handle_timeout`](Self::handle_timeout) next wants to run.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let own = match self.core.state {
            LinkState::Starting => self.startup_deadline,
            LinkState::Up => self.next_check,
            LinkState::Down => None,
        };
        [self.core.poll_timeout(), own].into_iter().flatten().min()
    }

    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        self.core.poll_transmit()
    }

    pub fn poll_event(&mut self) -> Option<Event> {
        self.core.events.pop_front()
    }

    /// Events wait to be polled (over TCP a send is delivered at once, so one may be waiting
    /// right after [`send`](Self::send)).
    pub fn has_events(&self) -> bool {
        !self.core.events.is_empty()
    }

    /// What the transport has. `wall` is there whenever a frame can have arrived (input and
    /// timers); after [`send`](Self::send) only deliveries can be waiting.
    fn drain(&mut self, now: Instant, wall: Option<NaiveDateTime>) {
        while let Some(arrival) = self.core.next_arrival() {
            match arrival {
                Arrival::Frame(msg) => {
                    if self.core.state == LinkState::Up {
                        self.next_check = Some(now + self.cfg.link_check);
                    }
                    if let Some(msg) = msg {
                        self.handle_message(now, wall.expect("frames arrive only through handle_input"), msg);
                    }
                }
                Arrival::Delivered => self.next_check = Some(now + self.cfg.link_check),
                Arrival::Silent => self.go_down(DownReason::NoAnswer),
            }
        }
    }

    fn handle_message(&mut self, now: Instant, wall: NaiveDateTime, msg: Message) {
        match msg {
            // While up, an LS from the PBX is its alive-check: answered LA (FIAS). Otherwise
            // it asks for a start-up: answered with our LS, and the PBX sends LD/LR/LA.
            Message::LinkStart { .. } if self.core.state == LinkState::Up => {
                self.core.send_control(now, Message::LinkAlive { at: Some(wall) });
            }
            Message::LinkStart { .. } => self.start(now, wall),
            Message::LinkDescription { version, interface, .. } => {
                if self.core.state == LinkState::Down {
                    self.core.state = LinkState::Starting;
                    self.startup_deadline = Some(now + self.cfg.startup_timeout);
                }
                if self.core.state == LinkState::Starting {
                    self.core.declared.clear();
                }
                self.peer = (version, interface);
            }
            Message::LinkRecord { record, fields } => {
                self.core.declared.insert(record, fields);
            }
            Message::LinkAlive { .. } => match self.core.state {
                LinkState::Starting => {
                    self.core.send_control(now, Message::LinkAlive { at: Some(wall) });
                    self.core.state = LinkState::Up;
                    self.startup_deadline = None;
                    self.next_check = Some(now + self.cfg.link_check);
                    let (version, interface) = self.peer.clone();
                    self.core.events.push_back(Event::LinkUp { version, interface });
                }
                LinkState::Up => {} // link test: the transport's ACK is the whole answer
                LinkState::Down => self.start(now, wall),
            },
            Message::LinkEnd { .. } => {
                // FIAS: answer LE, keep what is queued (the caller's outbox), restart with LS.
                self.go_down(DownReason::PeerEnded);
                self.core.send_control(now, Message::LinkEnd { at: Some(wall) });
                self.handshake(now, wall);
            }
            other if self.core.state != LinkState::Up => {
                self.core.events.push_back(Event::Ignored(other.record_id()));
                if self.core.state == LinkState::Down {
                    // The PBX is talking again: reactivate.
                    self.start(now, wall);
                }
            }
            Message::ResyncRequest => self.core.events.push_back(Event::ResyncRequested),
            other => self.core.events.push_back(Event::Received(other)),
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
