//! What a FIAS session tells its owner, in either role ([`crate::pms`], [`crate::vendor`]):
//! where the link stands, why it went down, the events, and why a record was refused.

use crate::message::Message;
use crate::record::{RecordError, RecordId};

/// Where the link stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkState {
    Down,
    Starting,
    Up,
}

/// Why the link went down (the peer: the PBX for [`crate::pms`], the PMS for [`crate::vendor`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DownReason {
    /// The peer sent `LE`.
    PeerEnded,
    /// The peer sent `LS` while the link was up (it restarted).
    PeerRestarted,
    /// Nothing came back for a whole frame's attempts.
    NoAnswer,
}

/// What the session reports to its owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    LinkUp {
        version: Option<String>,
        interface: Option<String>,
    },
    LinkDown(DownReason),
    /// The peer acknowledged the record sent with this tag.
    Delivered(u64),
    /// The record sent with this tag was not acknowledged (every attempt used, or the link went
    /// down under it). Keep it and send it again later.
    Failed(u64),
    /// An application record from the peer.
    Received(Message),
    /// The peer asked for a database resync (`DR`).
    ResyncRequested,
    /// A frame arrived intact but its record made no sense; it was ACKed and dropped.
    Malformed {
        data: Vec<u8>,
        error: RecordError,
    },
    /// A data record arrived before the link was up; dropped.
    Ignored(RecordId),
}

/// Why a session's `send` refused a record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    #[error("the FIAS link is not up")]
    NotUp,
    #[error("the peer did not declare the {0} record (no LR for it)")]
    NotDeclared(RecordId),
    #[error("the peer is in a database resync (between DS and DE)")]
    Resyncing,
    #[error(transparent)]
    Record(#[from] RecordError),
}
