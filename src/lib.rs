//! switchboard: the hotel operator's desk in software, between the front desk and the PBX.
//!
//! Layout (the spine of every change: validate, write the change and its PBX commands in one
//! transaction, let the link task deliver them):
//! - [`config`]: hotel.toml, parsed then validated.
//! - [`clock`]: the injected wall clock.
//! - [`store`]: one SQLite file: rooms, stays, the durable PBX outbox.
//! - [`desk`]: check-in, check-out, move, DND, class of service.
//! - [`pbx`]: the link task owning the serial port, the FIAS mapping, the built-in simulator.
//! - [`api`]: the HTTP API; [`cli`]: the command line, a client of the API.
//! - [`serve`]: wiring it all together.
//!
//! The FIAS protocol engine and the PBX simulator live in `drivers/`.

pub mod alerts;
pub mod api;
pub mod audit;
pub mod cli;
pub mod clock;
pub mod config;
pub mod desk;
pub mod logbook;
pub mod messages;
pub mod pbx;
pub mod schedules;
pub mod serve;
pub mod services;
pub mod staff;
pub mod store;
pub mod wakeup;
