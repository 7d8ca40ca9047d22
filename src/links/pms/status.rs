//! What the console, CLI and API show about the PMS link (`switchboard pms status`).

use serde::{Deserialize, Serialize};

pub use crate::domain::link::LinkState;

/// Counters since the service started.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct PmsCounters {
    /// Records from the PMS carried out (or found already so).
    pub received: u64,
    /// Records from the PMS that could not be carried out (unknown room, ...).
    pub refused: u64,
    /// Frames whose record made no sense (ACKed on serial, logged, dropped).
    pub malformed: u64,
    /// Records the PMS has from us.
    pub sent: u64,
    /// Database resyncs (DS..DE) the PMS ran, and DRs we asked for.
    pub resyncs: u64,
    pub resync_requests: u64,
    pub reconnects: u64,
    /// Bytes from the PMS that were not part of any frame (line noise, a cut frame).
    #[serde(default)]
    pub noise_bytes: u64,
    /// Frames over 2,000 bytes (or never ended), dropped.
    #[serde(default)]
    pub oversized: u64,
}

/// The PMS link's state.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PmsStatus {
    /// `up`, `starting` or `down`.
    pub link: LinkState,
    /// Where switchboard reaches the PMS (`[pms] port`).
    pub port: String,
    /// Records waiting for the PMS (wake-up results, message reads, room status, postings).
    pub queued: u64,
    /// When the link last changed between up and not up (UTC, RFC 3339).
    pub since: Option<String>,
    /// Who is connected (a TCP peer's address, or the device).
    pub peer: Option<String>,
    pub counters: PmsCounters,
    pub last_error: Option<String>,
    /// The PMS is sending a database resync now (between DS and DE).
    pub resync_in_progress: bool,
    /// The PMS is running its night audit (between NS and NE): postings wait.
    #[serde(default)]
    pub night_audit_in_progress: bool,
    /// Why records for the PMS wait while the link is up (none: nothing is held).
    #[serde(default)]
    pub held: Option<String>,
    /// Check-in, check-out and moves come from the PMS only.
    pub owns_stays: bool,
}

impl PmsStatus {
    pub fn new(port: String, owns_stays: bool) -> Self {
        PmsStatus {
            link: LinkState::Down,
            port,
            queued: 0,
            since: None,
            peer: None,
            counters: PmsCounters::default(),
            last_error: None,
            resync_in_progress: false,
            night_audit_in_progress: false,
            held: None,
            owns_stays,
        }
    }
}
