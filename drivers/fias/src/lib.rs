//! Oracle FIAS (Fidelio Interface Application Specification) for the PMS side of a serial link.
//!
//! Sans-IO: every type here is a pure state machine fed bytes and instants, returning bytes to
//! write and events. The owner (switchboard's PBX link task, or a test) does all the I/O, so the
//! same engine drives a real RS-232 port, a pseudo-terminal or an in-memory pipe.
//!
//! Layout, bottom up:
//! - [`record`]: the `ID|FFdata|...|` codec with data validation.
//! - [`message`]: typed records (GI, GO, RE, WR, WA, ...) with their fields checked.
//! - [`frame`]: `STX data ETX LRC` framing and the ACK/NAK/ENQ tokens.
//! - [`transport`]: stop-and-wait with the 3-second timers, retransmission and ENQ recovery;
//!   symmetric, so the PBX simulator uses it too.
//! - [`pms`]: the PMS session: LS/LD/LR/LA start-up, LR lists honoured, LE, link checks, DR.
//! - `scripted` (tests only): a scripted peer whose exchange must be used up.

pub mod frame;
pub mod message;
pub mod pms;
pub mod record;
pub mod transport;

pub use message::{language_from_wire, language_to_wire, Guest, GuestMessage, Message, Posting, RoomEquipment, Wake};
pub use pms::{DownReason, Event, LinkState, PmsConfig, PmsLink, SendError};
pub use record::{ids, FieldId, Record, RecordError, RecordId};
pub use transport::{Stats, Timers, Transport, TransportEvent};

#[cfg(test)]
mod scripted;
