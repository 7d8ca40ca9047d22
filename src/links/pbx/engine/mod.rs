//! The protocol engine under the PBX link: FIAS itself, or a NEC NEAX or a Mitel behind the same
//! interface (the session and its dispatcher speak FIAS records; [`neax`] and [`mitel`] turn
//! them into their protocol's messages and back). One `match` per call, so the session reads the
//! same whatever the PBX speaks.
//!
//! Layout: this file (the [`Engine`] they all wear), [`neax`], [`mitel`], [`keeper`] (what those
//! two share around their exchange: link state, events, records in flight, the link check).

use std::collections::BTreeMap;
use std::time::Instant;

use chrono::NaiveDateTime;
use fias::{Event, FieldId, LinkState, Message, PmsLink, RecordId, SendError, Stats};

pub mod keeper;
pub mod mitel;
pub mod neax;

#[derive(Debug)]
pub enum Engine {
    Fias(PmsLink),
    Neax(neax::NeaxPms),
    Mitel(mitel::MitelPms),
}

impl Engine {
    pub fn state(&self) -> LinkState {
        match self {
            Engine::Fias(e) => e.state(),
            Engine::Neax(e) => e.state(),
            Engine::Mitel(e) => e.state(),
        }
    }

    pub fn stats(&self) -> Stats {
        match self {
            Engine::Fias(e) => e.stats(),
            Engine::Neax(e) => e.stats(),
            Engine::Mitel(e) => e.stats(),
        }
    }

    pub fn ready(&self) -> bool {
        match self {
            Engine::Fias(e) => e.ready(),
            Engine::Neax(e) => e.ready(),
            Engine::Mitel(e) => e.ready(),
        }
    }

    pub fn declared(&self, id: RecordId) -> bool {
        match self {
            Engine::Fias(e) => e.declared(id),
            Engine::Neax(e) => e.declared(id),
            Engine::Mitel(e) => e.declared(id),
        }
    }

    pub fn declarations(&self) -> &BTreeMap<RecordId, Vec<FieldId>> {
        match self {
            Engine::Fias(e) => e.declarations(),
            Engine::Neax(e) => e.declarations(),
            Engine::Mitel(e) => e.declarations(),
        }
    }

    pub fn start(&mut self, now: Instant, wall: NaiveDateTime) {
        match self {
            Engine::Fias(e) => e.start(now, wall),
            Engine::Neax(e) => e.start(now),
            Engine::Mitel(e) => e.start(now),
        }
    }

    pub fn shutdown(&mut self, now: Instant, wall: NaiveDateTime) {
        match self {
            Engine::Fias(e) => e.shutdown(now, wall),
            Engine::Neax(e) => e.shutdown(),
            Engine::Mitel(e) => e.shutdown(),
        }
    }

    pub fn send(&mut self, now: Instant, tag: u64, msg: &Message) -> Result<(), SendError> {
        match self {
            Engine::Fias(e) => e.send(now, tag, msg),
            Engine::Neax(e) => e.send(now, tag, msg),
            Engine::Mitel(e) => e.send(now, tag, msg),
        }
    }

    pub fn handle_input(&mut self, now: Instant, wall: NaiveDateTime, bytes: &[u8]) {
        match self {
            Engine::Fias(e) => e.handle_input(now, wall, bytes),
            Engine::Neax(e) => e.handle_input(now, wall, bytes),
            Engine::Mitel(e) => e.handle_input(now, wall, bytes),
        }
    }

    pub fn handle_timeout(&mut self, now: Instant, wall: NaiveDateTime) {
        match self {
            Engine::Fias(e) => e.handle_timeout(now, wall),
            Engine::Neax(e) => e.handle_timeout(now, wall),
            Engine::Mitel(e) => e.handle_timeout(now, wall),
        }
    }

    pub fn poll_timeout(&self) -> Option<Instant> {
        match self {
            Engine::Fias(e) => e.poll_timeout(),
            Engine::Neax(e) => e.poll_timeout(),
            Engine::Mitel(e) => e.poll_timeout(),
        }
    }

    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        match self {
            Engine::Fias(e) => e.poll_transmit(),
            Engine::Neax(e) => e.poll_transmit(),
            Engine::Mitel(e) => e.poll_transmit(),
        }
    }

    pub fn poll_event(&mut self) -> Option<Event> {
        match self {
            Engine::Fias(e) => e.poll_event(),
            Engine::Neax(e) => e.poll_event(),
            Engine::Mitel(e) => e.poll_event(),
        }
    }

    pub fn has_events(&self) -> bool {
        match self {
            Engine::Fias(e) => e.has_events(),
            Engine::Neax(e) => e.has_events(),
            Engine::Mitel(e) => e.has_events(),
        }
    }
}
