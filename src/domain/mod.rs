//! The hotel's own terms, with no SQL and no tokio: what the rest of the house is about.
//!
//! Layout:
//! - [`alert`]: what an alert is about (its kind) and the facts it carries.
//! - [`event`]: what happened, one typed [`event::Event`] per change, recorded inside the change's
//!   transaction and broadcast once it is committed.
//! - [`housekeeping`]: housekeeping status codes (dirty, clean, ...) and their FIAS codes.
//! - [`message_status`]: where a guest message stands (waiting, delivered, ...).
//! - [`pbx_command`]: what the service asks of a room's line, whatever the PBX's protocol.
//! - [`wakeup`]: wake-up rules and the machine of one call's life.
//! - [`tariff`]: the hotel's tariff, parsed then validated, and the pure pricing of one call;
//!   [`money`]: amounts in a currency's own decimals.

pub mod alert;
pub mod event;
pub mod housekeeping;
pub mod message_status;
pub mod money;
pub mod pbx_command;
pub mod tariff;
pub mod wakeup;
