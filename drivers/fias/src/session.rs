//! What both roles' sessions ([`crate::pms`], [`crate::vendor`]) are made of: the transport, the
//! link's character set, where the link stands, what the peer declared (`LR`), and the events
//! for the owner. The roles differ only in who starts the link, how it is kept alive and what a
//! record means to them; sending, failing what was in flight, going down and sorting what the
//! transport reports are the same, and live here once.

use std::collections::{BTreeMap, VecDeque};
use std::time::Instant;

use crate::frame::Framing;
use crate::link::{DownReason, Event, LinkState, SendError};
use crate::message::Message;
use crate::record::{FieldId, RecordId};
use crate::text::WireText;
use crate::transport::{Timers, Transport, TransportEvent};

/// What a frame on the wire is for: an owner's record (its tag) or the link's own.
#[derive(Debug, Clone, Copy)]
enum Tag {
    App(u64),
    Control,
}

/// What the transport had for the role.
pub(crate) enum Arrival {
    /// A frame came in: its record, or `None` if it made no sense (already an event).
    Frame(Option<Message>),
    /// One of the owner's records was acknowledged (already an event).
    Delivered,
    /// The peer answers nothing any more: the role goes down.
    Silent,
}

#[derive(Debug)]
pub(crate) struct Core {
    transport: Transport<Tag>,
    text: WireText,
    pub state: LinkState,
    /// The record types the peer declared, with their fields.
    pub declared: BTreeMap<RecordId, Vec<FieldId>>,
    pub events: VecDeque<Event>,
}

impl Core {
    pub fn new(timers: Timers, framing: Framing, text: WireText) -> Self {
        Core {
            transport: Transport::with_framing(timers, framing),
            text,
            state: LinkState::Down,
            declared: BTreeMap::new(),
            events: VecDeque::new(),
        }
    }

    /// Sends an owner's record: all its fields, or (`as_declared`) only if the peer declared its
    /// type, with only the fields it listed. A `repeatable` one is sent again rather than taken
    /// as delivered on an uncertain `ACK`.
    pub fn send(
        &mut self,
        now: Instant,
        tag: u64,
        msg: &Message,
        as_declared: bool,
        repeatable: bool,
    ) -> Result<(), SendError> {
        let mut rec = msg.to_record();
        if as_declared {
            let fields = self.declared.get(&rec.id).ok_or(SendError::NotDeclared(rec.id))?;
            if !fields.is_empty() {
                rec.retain_fields(|f| fields.contains(&f));
            }
        }
        let data = self.text.outgoing(rec)?;
        if repeatable {
            self.transport.send_repeatable(now, Tag::App(tag), &data);
        } else {
            self.transport.send(now, Tag::App(tag), &data);
        }
        Ok(())
    }

    /// The link's own records (LS, LD, LR, LA, LE, DR).
    pub fn send_control(&mut self, now: Instant, msg: Message) {
        let data = self.text.outgoing(msg.to_record()).expect("link records are always encodable");
        self.transport.send(now, Tag::Control, &data);
    }

    /// Everything of the owner's in flight or queued has failed (the link restarts or ends).
    pub fn fail_pending(&mut self) {
        for tag in self.transport.abort_all() {
            if let Tag::App(t) = tag {
                self.events.push_back(Event::Failed(t));
            }
        }
    }

    /// Down for `reason`: what was pending fails, and the owner hears it once.
    pub fn go_down(&mut self, reason: DownReason) {
        self.fail_pending();
        if self.state != LinkState::Down {
            self.state = LinkState::Down;
            self.events.push_back(Event::LinkDown(reason));
        }
    }

    pub fn handle_input(&mut self, now: Instant, bytes: &[u8]) {
        self.transport.handle_input(now, bytes);
    }

    pub fn handle_timeout(&mut self, now: Instant) {
        self.transport.handle_timeout(now);
    }

    /// The next thing the transport has for the role; deliveries, failures and frames that make
    /// no sense become the owner's events here.
    pub fn next_arrival(&mut self) -> Option<Arrival> {
        loop {
            match self.transport.poll_event()? {
                TransportEvent::Received(data) => {
                    return Some(Arrival::Frame(match self.text.incoming(&data) {
                        Ok(msg) => Some(msg),
                        Err(error) => {
                            self.events.push_back(Event::Malformed { data, error });
                            None
                        }
                    }))
                }
                TransportEvent::Delivered(Tag::App(t)) => {
                    self.events.push_back(Event::Delivered(t));
                    return Some(Arrival::Delivered);
                }
                TransportEvent::Delivered(Tag::Control) => {}
                TransportEvent::Failed { tag, silent } => {
                    if let Tag::App(t) = tag {
                        self.events.push_back(Event::Failed(t));
                    }
                    if silent {
                        return Some(Arrival::Silent);
                    }
                }
            }
        }
    }

    /// Up, and nothing in flight.
    pub fn idle_and_up(&self) -> bool {
        self.state == LinkState::Up && self.transport.is_idle()
    }

    pub fn is_idle(&self) -> bool {
        self.transport.is_idle()
    }

    pub fn poll_timeout(&self) -> Option<Instant> {
        self.transport.poll_timeout()
    }

    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        self.transport.poll_transmit()
    }

    pub fn stats(&self) -> crate::transport::Stats {
        self.transport.stats()
    }
}
