//! A simulated hotel PMS (the part Opera's interface plays) speaking the PMS side of FIAS over
//! any byte stream: for tests, and for anyone without an Opera at hand (`switchboard pms-sim`).
//!
//! Layout:
//! - [`engine`]: the PMS as a pure state machine over the FIAS crate's PMS session: its own view
//!   of the hotel (who is in which room), the knobs (check in, check out, move, book wake-ups,
//!   leave messages, run a database resync, ...) and what it heard back (wake-up results,
//!   message reads, room status, call postings).
//! - [`runner`]: the async driver over one connection after another (the state outlives them),
//!   and the handle to steer and watch it, with a knob to go silent.

pub mod engine;
pub mod runner;

pub use engine::{PmsEngine, PmsGuest, PmsKnob, PmsView, WakeResultSeen};
pub use runner::{serve, PmsSimHandle, PmsSimOptions};
