//! A simulated hotel PBX that plays the PBX side of FIAS over any byte stream.
//!
//! switchboard runs it in-process behind a pseudo-terminal when `[pbx] port = "simulator"`, and
//! standalone as `switchboard pbx-sim`; tests drive it through [`SimHandle`].
//!
//! Layout:
//! - [`engine`]: the PBX as a pure state machine (rooms, lamps, DND, rings, LR lists, handset
//!   bookings, call charges, restart) built on the FIAS crate's stop-and-wait transport.
//! - [`runner`]: the async driver with fault knobs (NAK some frames, lose ACKs, line noise, a
//!   pulled cable) and the handle to steer and watch it.
//! - [`paced`]: a stream wrapper that takes a real serial line's time per byte (9600 8N1 by
//!   default), for benchmarks against the wire bound; [`line`]: the same with OS threads and
//!   precise sleeps (no millisecond timer ticks added per byte run).

pub mod engine;
pub mod line;
pub mod paced;
pub mod runner;

pub use engine::{default_declarations, Command, PbxEngine, RingBehaviour, RoomState, SimState};
pub use line::{precise_line, LineBytes};
pub use paced::{LineCounters, Paced};
pub use runner::{spawn, Faults, SimHandle, SimOptions};
