//! The PBX side of the service.
//!
//! Layout: [`command`] (protocol-neutral outbox commands and their FIAS records), [`serial`]
//! (opening ports and pseudo-terminals, async file descriptors), [`link`] (the task that owns the
//! port and drains the outbox), [`resync`] (full-state database swap), [`incoming`] (what the
//! PBX reports), [`simulator`] (the built-in PBX behind a pseudo-terminal).

pub mod command;
pub mod incoming;
pub mod link;
pub mod resync;
pub mod serial;
pub mod simulator;

pub use link::{LinkCommand, LinkHandle, LinkStatus};
