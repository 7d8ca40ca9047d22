//! The hotel's own terms, with no SQL and no tokio: what the rest of the house is about.
//!
//! Layout:
//! - [`alert`]: what an alert is about (its kind) and the facts it carries.
//! - [`dialling`]: dialling codes, a place to its code and a number back to its place.
//! - [`event`]: what happened, one typed [`event::Event`] per change, recorded inside the change's
//!   transaction and broadcast once it is committed.
//! - [`identity`]: who acts ([`identity::Actor`]) and what each role may do.
//! - [`housekeeping`]: housekeeping status codes (dirty, clean, ...) and their FIAS codes.
//! - [`link`]: where a link to the PBX stands (as shown).
//! - [`message_status`]: where a guest message stands (waiting, delivered, ...).
//! - [`pbx_command`]: what the service asks of a room's line, whatever the PBX's protocol;
//!   [`pbx_report`]: what the PBX reported that the wake-up scheduler acts on;
//!   [`pbx_protocol`]: which protocol it speaks and what each can do (its capabilities).
//! - [`wakeup`]: wake-up rules and the machine of one call's life.
//! - [`tariff`]: the hotel's tariff, parsed then validated, and the pure pricing of one call;
//!   [`money`]: amounts in a currency's own decimals.
//! - [`words`]: closed sets of words (an entry's category and priority, a follow-up's state, a
//!   call's state), each one enum with its stored and JSON text.
//! - [`validate`]: the one input error ([`validate::Invalid`]) and the text check.

pub mod alert;
pub mod dialling;
pub mod event;
pub mod housekeeping;
pub mod identity;
pub mod link;
pub mod message_status;
pub mod money;
pub mod pbx_command;
pub mod pbx_protocol;
pub mod pbx_report;
pub mod tariff;
pub mod validate;
pub mod wakeup;
pub mod words;
