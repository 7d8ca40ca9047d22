//! The command line: `serve`, `pbx-sim`, and the desk commands, which are clients of the API.
//!
//! Global options (`--config`, `--api`, `--token`) go before the subcommand. Every failure
//! prints one line on stderr and exits non-zero (see `main`).
//!
//! Layout: [`args`] (the grammar: global options and commands), [`subcommands`] (their
//! subcommands' arguments), [`run`] (dispatches a
//! command), [`client`] (the typed HTTP client over [`crate::http::contract`], and the token store),
//! [`render`] (tables that know East Asian widths, JSON, empty lists), and the commands by
//! subject: [`rooms`] (rooms, stays, guests, PBX, sign-in, audit), [`calls`] (wake-up calls,
//! alerts, messages), [`logbook`] (shifts, handover, log, follow-ups), [`staff`] (staff
//! accounts, through the API or on the store file), [`directory`] (the directory, codes),
//! [`events`] (the live events, followed).

pub mod args;
pub mod calls;
pub mod client;
pub mod directory;
pub mod events;
pub mod logbook;
pub mod render;
pub mod rooms;
pub mod run;
pub mod staff;
pub mod subcommands;

pub use args::*;
pub use client::{tokens, Client};
pub use run::run_client;
pub use subcommands::*;
