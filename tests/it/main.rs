//! Integration tests: the service's parts against the PBX simulator over real pseudo-terminals,
//! and the real binary (service, CLI, standalone simulator) as a user would run it.
//!
//! Pseudo-terminal tests are serialised (see `fixtures::pty_lock`). Nothing here sleeps to
//! synchronise: every wait polls a condition with a deadline.

mod binary;
mod charges;
mod cli;
mod compression;
mod console;
mod contract;
mod fixtures;
mod hardening;
mod hostile_api;
mod layout;
mod link;
mod live;
mod logbook;
mod messages;
mod mitel;
mod neax;
mod pms;
mod pms_hardening;
mod site;
mod smdr;
mod soak;
mod tcp;
mod wakeups;
