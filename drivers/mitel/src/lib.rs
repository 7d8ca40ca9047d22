//! The Mitel SX-200 / SX-2000 "light" PMS link (also 3CX's Mitel mode) for the PMS side (and,
//! for the simulator, the PBX side), and the Mitel SMDR call-record stream. The notes and their
//! sources are in `shared/design/pbx-protocols.md`; the README says what was checked against a
//! document and what is an assumption.
//!
//! Sans-IO, like `fias` and `neax`: bytes and instants in; bytes, records and deadlines out.
//!
//! Layout, bottom up:
//! - [`record`]: the short records (`CHK1   100`: function, status, space, extension of 5
//!   right-justified), typed; the keep-alive; anything else kept as [`record::Record::Unknown`].
//! - [`exchange`]: ENQ / ACK, `STX text ETX` / ACK or NAK, resend after NAK up to 3 more times,
//!   contention (the PMS yields), and the keep-alive.
//! - [`smdr`]: one SMDR line to a call record (12-hour `P` flag, trunk or extension callers, the
//!   26-character dialled field), widths from configuration.

pub mod exchange;
pub mod record;
pub mod smdr;

pub use exchange::{Exchange, ExchangeEvent, Failure, Side, Timers};
pub use record::{Ext, Record, RecordError};
pub use smdr::{Caller, Line, Parser, Smdr, SmdrError, Widths};
