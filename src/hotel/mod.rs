//! The operations: each one validates, then writes its change, its events, its audit row and
//! the PBX commands it implies in one transaction on the store. Above the domain and the store,
//! below the links, HTTP and the CLI, which call them.
//!
//! Layout:
//! - [`desk`]: check-in, check-out, move, DND, class of service; [`housekeeping`]: whether a
//!   room is ready (from the handset's room-status codes and the desk).
//! - [`wakeup`]: bookings, the report and the scheduler; [`alerts`]: what a person must act on.
//! - [`messages`]: guest messages and the message lamp; [`directory`]: the operator's
//!   directory (private numbers withheld).
//! - [`charges`]: the call ledger and the bill.
//! - [`logbook`]: shifts, entries, follow-ups, the handover; [`journal`]: the entries the
//!   service writes itself (below alerts and the logbook).
//! - [`staff`]: accounts, roles, sign-in; [`audit`]: the append-only trail of every change.
//! - [`changes`]: how a change records its events (and fills the PMS outbox from them).

pub mod alerts;
pub mod audit;
pub mod changes;
pub mod charges;
pub mod desk;
pub mod directory;
pub mod housekeeping;
pub mod journal;
pub mod logbook;
pub mod messages;
pub mod staff;
pub mod wakeup;
