//! The PBX side of the service.
//!
//! Layout: [`command`] (protocol-neutral outbox commands and their FIAS records), [`serial`]
//! (opening ports and pseudo-terminals, async file descriptors), [`link`] (the task that owns
//! the port and reconnects; each connection's life is in `session`), [`resync`] (full-state
//! database swap), [`incoming`] (what the PBX reports), [`simulator`] (the built-in PBX behind
//! a pseudo-terminal).

pub mod command;
pub mod incoming;
pub mod link;
pub mod resync;
pub mod serial;
mod session;
pub mod simulator;

pub use link::{LinkCommand, LinkHandle, LinkStatus};

/// What the PBX reported that another part of the service acts on (the wake-up scheduler).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PbxReport {
    /// The final result of a wake-up ring (`WA`); `at` echoes the ring's time.
    WakeAnswer { room: String, at: chrono::NaiveDateTime, status: String },
    /// A guest booked a wake-up call on the handset (`WR`).
    HandsetBooking { room: String, at: chrono::NaiveDateTime },
    /// A guest cancelled one on the handset (`WC`).
    HandsetClear { room: String, at: chrono::NaiveDateTime },
}
