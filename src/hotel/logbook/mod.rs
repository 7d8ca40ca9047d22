//! The night operator's logbook: shifts, entries, follow-ups, system entries.
//!
//! Layout: [`model`] (shifts, entries, follow-ups, errors, row mapping), `book` (the
//! [`Logbook`] service: entries and amendments), `shifts` (open, close, acknowledge),
//! `followups`, `search`, [`handover`] (the sheet a closing shift produces and the incoming
//! operator acknowledges). System entries are written through [`crate::hotel::journal`].
//!
//! Rules from the operator's rulebook: entries are never edited in place (the database refuses
//! it; a correction is a new entry that amends the old one, both stay visible); what cannot be
//! solved at once becomes a follow-up with an owner that carries over from shift to shift until
//! done; one shift is open at a time, only its operator closes it (a manager may force-close,
//! recorded as such), and the next shift opens only after its operator acknowledged the
//! handover. The service writes system entries itself (PBX outages, escalated and missed
//! wake-up calls, alerts acknowledged, check-outs that discarded messages).

mod book;
mod followups;
pub mod handover;
pub mod model;
mod search;
mod shifts;

pub use book::Logbook;
pub use followups::followups;
pub use model::{Entry, Followup, LogError, NewEntry, Search, Shift, MAX_TEXT};
