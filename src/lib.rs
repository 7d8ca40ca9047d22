//! switchboard: the hotel operator's desk in software, between the front desk and the PBX.
//!
//! Layout (the spine of every change: validate, write the change, its audit row and its PBX
//! commands in one transaction, let the link task deliver the commands):
//! - [`domain`]: the hotel's own terms, no store and no tokio: typed events, housekeeping codes,
//!   alert kinds, message statuses, PBX commands, wake-up rules and machine, the tariff, money;
//!   [`changes`]: how a change records its events (and fills the PMS outbox from them).
//! - [`charges`]: the call ledger and the bill. [`config`]: hotel.toml, parsed then validated.
//!   [`clock`]: the injected wall clock and the one way times are written. [`validate`]: the one
//!   input error and text check.
//! - [`identity`]: who acts (`Actor`) and what each role may do; below everything that checks.
//! - [`store`]: one SQLite file (append-only migrations): rooms, stays, the durable PBX outbox.
//! - [`desk`]: check-in, check-out, move, DND, class of service; [`housekeeping`]: whether a
//!   room is ready (from the handset's room-status codes and the desk).
//! - [`staff`]: accounts, roles, sign-in; [`audit`]: the append-only trail of every change.
//! - [`wakeup`]: bookings, the DST rule and the scheduler; [`alerts`]: what a person must act on.
//! - [`messages`]: guest messages and the message lamp; [`directory`]: the operator's
//!   directory (private numbers withheld) and dialling codes.
//! - [`logbook`]: shifts, entries, follow-ups, the handover; [`journal`]: the entries the
//!   service writes itself (below alerts and the logbook).
//! - [`links`]: the PBX link (the task owning the serial port, the FIAS mapping, the built-in
//!   simulator), the PMS link (switchboard plays the PBX's part toward the hotel's PMS), and
//!   where a FIAS peer is (serial device, `tcp://`, `tcp-listen://`) and how it is opened.
//! - [`logsafe`]: what peers and clients sent, escaped and cut for the log; repeated warnings
//!   summarised.
//! - [`http`]: the contract (every route's method, path, request and reply types, written once),
//!   the HTTP API serving it, the web console (English and 繁體中文) served at `/`;
//!   [`cli`]: the command line, a client of the contract.
//! - [`app`]: the parts wired together, the listener and the simulators (`serve`, `pms-sim`),
//!   the property jobs from `schedules/*.toml`.
//!
//! The FIAS protocol engine and the PBX simulator live in `drivers/`.

pub mod alerts;
pub mod app;
pub mod audit;
pub mod changes;
pub mod charges;
pub mod cli;
pub mod clock;
pub mod config;
pub mod desk;
pub mod directory;
pub mod domain;
pub mod housekeeping;
pub mod http;
pub mod identity;
pub mod journal;
pub mod links;
pub mod logbook;
pub mod logsafe;
pub mod messages;
pub mod staff;
pub mod store;
pub mod validate;
pub mod wakeup;
