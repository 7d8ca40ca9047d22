//! switchboard: the hotel operator's desk in software, between the front desk and the PBX.
//!
//! Layout (the spine of every change: validate, write the change, its audit row and its PBX
//! commands in one transaction, let the link task deliver the commands):
//! - [`config`]: hotel.toml, parsed then validated. [`clock`]: the injected wall clock.
//! - [`store`]: one SQLite file (append-only migrations): rooms, stays, the durable PBX outbox.
//! - [`desk`]: check-in, check-out, move, DND, class of service.
//! - [`staff`]: accounts, roles, sign-in; [`audit`]: the append-only trail of every change.
//! - [`wakeup`]: bookings, the DST rule and the scheduler; [`alerts`]: what a person must act on.
//! - [`messages`]: guest messages and the message lamp.
//! - [`logbook`]: shifts, entries, follow-ups, the handover.
//! - [`pbx`]: the link task owning the serial port, the FIAS mapping, the built-in simulator.
//! - [`schedules`]: property jobs from `schedules/*.toml`.
//! - [`api`]: the HTTP API; [`cli`]: the command line, a client of the API.
//! - [`services`]: the parts wired together; [`serve`]: plus the listener and the simulator.
//!
//! The FIAS protocol engine and the PBX simulator live in `drivers/`.

pub mod alerts;
pub mod api;
pub mod audit;
pub mod cli;
pub mod clock;
pub mod config;
pub mod desk;
pub mod identity;
pub mod journal;
pub mod logbook;
pub mod messages;
pub mod pbx;
pub mod schedules;
pub mod serve;
pub mod services;
pub mod staff;
pub mod store;
pub mod validate;
pub mod wakeup;
