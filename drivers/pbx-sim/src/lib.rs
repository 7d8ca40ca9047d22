//! A simulated hotel PBX that plays the PBX side of FIAS (or NEC NEAX) over any byte stream.
//!
//! switchboard runs it in-process behind a pseudo-terminal when `[pbx] port = "simulator"`, and
//! standalone as `switchboard pbx-sim`; tests drive it through [`SimHandle`].
//!
//! Layout:
//! - [`engine`]: the PBX as a pure state machine (rooms, lamps, DND, rings, LR lists, handset
//!   bookings, call charges, restart) built on the FIAS crate's stop-and-wait transport.
//! - [`neax`]: the same PBX speaking NEC NEAX (the IMS PMS interface); [`mitel`]: speaking
//!   Mitel's light PMS link.
//! - [`state`]: what the PBX knows (rooms, counters), published after every change.
//! - [`runner`]: the async driver with fault knobs (NAK some frames, lose ACKs, line noise, a
//!   pulled cable) and the handle to steer and watch it.
//! - [`line`]: a serial line that takes a real line's time per byte (9600 8N1 in the benches),
//!   each direction an OS thread with precise sleeps, for benchmarks against the wire bound.

pub mod engine;
pub mod line;
pub mod mitel;
pub mod neax;
pub mod runner;
pub mod state;

pub use engine::{default_declarations, Command, PbxEngine, RingBehaviour, RoomState, SimState};
pub use line::{precise_line, LineBytes};
pub use runner::{spawn, Faults, Protocol, SimHandle, SimOptions};
