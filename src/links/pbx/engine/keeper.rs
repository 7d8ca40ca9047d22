//! What the NEAX and Mitel engines share around their protocol's exchange: where the link
//! stands (up once the PBX takes a link test, down when a message goes unanswered through every
//! try), the events for the session, the record types declared, the link check after quiet, and
//! the owner's records in flight, each said in one or more messages and delivered when its last
//! one is.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::time::{Duration, Instant};

use fias::{DownReason, Event, FieldId, LinkState, RecordId};

#[derive(Debug)]
pub struct Keeper {
    state: LinkState,
    events: VecDeque<Event>,
    declared: BTreeMap<RecordId, Vec<FieldId>>,
    /// Messages still to be taken, per owner record.
    pending: HashMap<u64, usize>,
    link_check: Duration,
    next_check: Option<Instant>,
    /// Said in the link-up event ("NEC NEAX", "Mitel").
    interface: &'static str,
}

impl Keeper {
    pub fn new(declared: BTreeMap<RecordId, Vec<FieldId>>, link_check: Duration, interface: &'static str) -> Self {
        Keeper {
            state: LinkState::Down,
            events: VecDeque::new(),
            declared,
            pending: HashMap::new(),
            link_check,
            next_check: None,
            interface,
        }
    }

    pub fn state(&self) -> LinkState {
        self.state
    }

    /// Up, nothing of the owner's in flight, and the exchange idle (`exchange_idle`).
    pub fn ready(&self, exchange_idle: bool) -> bool {
        self.state == LinkState::Up && self.pending.is_empty() && exchange_idle
    }

    pub fn declared(&self, id: RecordId) -> bool {
        self.declared.contains_key(&id)
    }

    pub fn declarations(&self) -> &BTreeMap<RecordId, Vec<FieldId>> {
        &self.declared
    }

    /// The exchange dropped its queue: every owner record in flight fails (oldest first).
    pub fn fail_pending(&mut self) {
        let mut tags: Vec<u64> = self.pending.drain().map(|(t, _)| t).collect();
        tags.sort_unstable();
        self.events.extend(tags.into_iter().map(Event::Failed));
    }

    /// (Re)starting: the caller sends a link test next.
    pub fn starting(&mut self) {
        self.fail_pending();
        self.state = LinkState::Starting;
    }

    pub fn stopped(&mut self) {
        self.fail_pending();
        self.state = LinkState::Down;
    }

    /// Record `tag` goes out in `messages` messages; none: delivered at once (nothing to say).
    /// Returns whether there is something to send.
    pub fn sending(&mut self, tag: u64, messages: usize) -> bool {
        if messages == 0 {
            self.events.push_back(Event::Delivered(tag));
            return false;
        }
        self.pending.insert(tag, messages);
        true
    }

    /// The PBX took something: the link is up (and quiet only from now).
    pub fn up(&mut self, now: Instant) {
        if self.state != LinkState::Up {
            self.state = LinkState::Up;
            self.events.push_back(Event::LinkUp { version: None, interface: Some(self.interface.into()) });
        }
        self.next_check = Some(now + self.link_check);
    }

    /// One message of record `tag` was taken; the record is delivered with its last.
    pub fn delivered(&mut self, now: Instant, tag: u64) {
        self.up(now);
        if let Some(n) = self.pending.get_mut(&tag) {
            *n -= 1;
            if *n == 0 {
                self.pending.remove(&tag);
                self.events.push_back(Event::Delivered(tag));
            }
        }
    }

    /// Record `tag` will not be taken (the PBX refused it); the link stays up.
    pub fn refused(&mut self, tag: u64) {
        if self.pending.remove(&tag).is_some() {
            self.events.push_back(Event::Failed(tag));
        }
    }

    /// A message went unanswered through every try (the caller has dropped the exchange's
    /// queue): what was in flight fails, and the link is down if it was up; the caller sends a
    /// link test next.
    pub fn lost(&mut self) {
        let was_up = self.state == LinkState::Up;
        self.starting();
        if was_up {
            self.events.push_back(Event::LinkDown(DownReason::NoAnswer));
        }
    }

    /// Whether a link test is due at `now` (the link up and quiet for `link_check`, the exchange
    /// idle); if so, the next one is due a `link_check` later.
    pub fn check_due(&mut self, now: Instant, exchange_idle: bool) -> bool {
        let due = self.state == LinkState::Up && self.next_check.is_some_and(|t| now >= t) && exchange_idle;
        if due {
            self.next_check = Some(now + self.link_check);
        }
        due
    }

    /// The earlier of the exchange's deadline and the link check's.
    pub fn poll_timeout(&self, exchange: Option<Instant>) -> Option<Instant> {
        let own = if self.state == LinkState::Up { self.next_check } else { None };
        [exchange, own].into_iter().flatten().min()
    }

    pub fn push(&mut self, ev: Event) {
        self.events.push_back(ev);
    }

    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    pub fn has_events(&self) -> bool {
        !self.events.is_empty()
    }
}
