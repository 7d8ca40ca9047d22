//! switchboard: the hotel operator's desk in software, between the front desk and the PBX.
//!
//! Layout, one floor per folder, each using only the floors below it (the layout test checks it;
//! the spine of every change: validate, write the change, its events and its PBX commands in one
//! transaction, let the links deliver them):
//! - [`domain`]: the hotel's own terms, no store and no tokio: typed events, housekeeping codes,
//!   alert kinds, message statuses, PBX commands and reports, wake-up rules, machine and
//!   statuses, the tariff, money, dialling codes, who acts ([`domain::identity`]) and the one
//!   input error ([`domain::validate`]).
//! - [`config`]: hotel.toml, parsed then validated.
//! - [`store`]: one SQLite file (append-only migrations), the one writer thread, the durable PBX
//!   and PMS outboxes.
//! - [`hotel`]: the operations, each a change on the store in the hotel's terms: the desk,
//!   housekeeping, wake-ups, messages, charges, the directory, alerts, the logbook, staff, audit.
//! - [`links`]: the PBX link (the task owning the serial port, the FIAS mapping, the built-in
//!   simulator), the PMS link (switchboard plays the PBX's part toward the hotel's PMS), and
//!   how a peer's port is opened.
//! - [`http`]: the contract (every route's method, path, request and reply types, written once),
//!   the HTTP API serving it, the web console (English and 繁體中文) served at `/`;
//!   [`cli`]: the command line, a client of the contract.
//! - [`app`]: the parts wired together, the listener and the simulators (`serve`, `pms-sim`),
//!   the property jobs from `schedules/*.toml`.
//!
//! Used on every floor: [`clock`] (the injected wall clock and the one way times are written)
//! and [`logsafe`] (what peers and clients sent, escaped and cut for the log; repeated warnings
//! summarised).
//!
//! The FIAS protocol engine and the PBX simulator live in `drivers/`.

pub mod app;
pub mod cli;
pub mod clock;
pub mod config;
pub mod domain;
pub mod hotel;
pub mod http;
pub mod links;
pub mod logsafe;
pub mod store;
