//! NEC NEAX2400 IMS "Property Management System interface" for the PMS side of the link (and,
//! for the simulator, the PBX side), after NEC NDA-30115; the notes and their sources are in
//! `shared/design/pbx-protocols.md`, and the README says what was checked against a document
//! and what is an assumption.
//!
//! Sans-IO, like `fias`: bytes and instants in, bytes, records and deadlines out; the owner does
//! the I/O, so one engine drives a serial port, a pseudo-terminal, TCP or a test.
//!
//! Layout, bottom up:
//! - [`frame`]: the control characters, the `1!ENQ` bid, `STX SA UA EI FTC MSC FC data ETX BCC`
//!   with its character count and XOR check, and a byte-stream decoder.
//! - [`message`]: the records of the notes' table (lamp, restriction, check-in/out, wake-up set,
//!   cancel and result, maid codes, room status, recovery), typed and checked; anything else is
//!   kept as [`message::Message::Unknown`] for the owner to log as not acted on.
//! - [`exchange`]: the half-duplex exchange, the same on both ends: bid, ACK, message, ACK, EOT;
//!   contention (the PMS yields), the retry counts and the 3 s / 25 s timers.

pub mod exchange;
pub mod frame;
pub mod message;

pub use exchange::{Exchange, ExchangeEvent, Failure, Retries, Side, Timers};
pub use frame::{Decoder, Frame, FrameError, Token};
pub use message::{Ext, Message, MessageError, Restriction, WakeResult, WakeSource};
