//! Oracle FIAS (Fidelio Interface Application Specification) for the PMS side of a serial link.
//!
//! Sans-IO: every type here is a pure state machine fed bytes and instants, returning bytes to
//! write and events. The owner (switchboard's PBX link task, or a test) does all the I/O, so the
//! same engine drives a real RS-232 port, a pseudo-terminal or an in-memory pipe.
//!
//! Layout, bottom up:
//! - [`record`]: the `ID|FFdata|...|` codec with data validation.
//! - [`message`]: typed records (GI, GO, RE, WR, WA, ...) with their fields checked.
//! - [`frame`]: `STX data ETX LRC` framing and the ACK/NAK/ENQ tokens; TCP's `STX data ETX`.
//! - [`transport`]: stop-and-wait with the 3-second timers, retransmission and ENQ recovery;
//!   symmetric, so the PBX simulator uses it too.
//! - [`link`]: what a session tells its owner in either role: link state, events, refusals.
//! - [`pms`]: the PMS session: LS/LD/LR/LA start-up, LR lists honoured, LE, link checks, DR.
//! - [`vendor`]: the other role (what a PBX is toward a PMS): answers the PMS's LS with
//!   LD/LR/LA, honours its LRs, holds back between DS and DE, asks DR only when told.
//! - `session`: what both roles' sessions are made of (sending, failing what was in flight,
//!   going down, sorting what the transport reports), written once.
//! - [`text`]: the link's character set (UTF-8, Latin-1, DOS code pages) and field length cap.
//! - `scripted` (tests only): a scripted peer whose exchange must be used up.

pub mod frame;
pub mod link;
pub mod message;
pub mod pms;
pub mod record;
mod session;
pub mod text;
pub mod transport;
pub mod vendor;

pub use frame::Framing;
pub use link::{DownReason, Event, LinkState, SendError};
pub use message::{language_from_wire, language_to_wire, Guest, GuestMessage, Message, Posting, RoomEquipment, Wake};
pub use pms::{PmsConfig, PmsLink};
pub use record::{ids, FieldId, Record, RecordError, RecordId};
pub use text::{cut_field, Encoding, WireText};
pub use transport::{Stats, Timers, Transport, TransportEvent};
pub use vendor::{VendorConfig, VendorLink};

#[cfg(test)]
mod scripted;
