//! Where a link to the PBX stands, as the console, CLI and API show it.

use serde::{Deserialize, Serialize};

/// Whether the link is up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LinkState {
    /// The port is open and the FIAS link is up: records flow.
    Up,
    /// The port is open and the link is being set up (LS/LD/LR/LA).
    Starting,
    /// No port, or the PBX does not answer.
    Down,
}

impl std::fmt::Display for LinkState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            LinkState::Up => "up",
            LinkState::Starting => "starting",
            LinkState::Down => "down",
        })
    }
}

/// Compares with the JSON text (`status.link == "up"`).
impl PartialEq<&str> for LinkState {
    fn eq(&self, other: &&str) -> bool {
        serde_json::to_value(self).is_ok_and(|v| v == *other)
    }
}

impl From<fias::LinkState> for LinkState {
    fn from(s: fias::LinkState) -> Self {
        match s {
            fias::LinkState::Up => LinkState::Up,
            fias::LinkState::Starting => LinkState::Starting,
            fias::LinkState::Down => LinkState::Down,
        }
    }
}

/// What the console, CLI and API show about the link.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct LinkStatus {
    pub link: LinkState,
    pub port: String,
    /// When the link last changed between up and not up (UTC, RFC 3339).
    pub since: Option<String>,
    pub last_error: Option<String>,
    pub pbx_version: Option<String>,
    /// Record types the PBX declared (LR).
    pub declared: Vec<String>,
    pub resync_in_progress: bool,
    /// Some record was not acknowledged after every attempt since the link came up.
    pub degraded: bool,
    pub failed_deliveries: u64,
    pub dropped_unsupported: u64,
    pub malformed_received: u64,
    /// Records out of range (an amount below zero, a room status that does not exist), refused.
    #[serde(default)]
    pub refused_received: u64,
    pub frames_sent: u64,
    pub frames_received: u64,
    pub retransmits: u64,
    pub bad_lrc: u64,
    pub noise_bytes: u64,
    pub reconnects: u64,
    /// Times the store refused what the link had to write (the link stays up meanwhile).
    #[serde(default)]
    pub store_errors: u64,
    /// Our side's turnaround, p50 and p99 in microseconds over the last frames: from the PBX's
    /// ACK read to our next frame written (absent until enough frames went out back to back).
    #[serde(default)]
    pub turnaround_p50_us: Option<u64>,
    #[serde(default)]
    pub turnaround_p99_us: Option<u64>,
}

impl LinkStatus {
    /// A link that has not come up yet (for tools and benches that need a status).
    pub fn default_down(port: &str) -> Self {
        Self::new(port.to_string())
    }

    pub fn new(port: String) -> Self {
        LinkStatus {
            link: LinkState::Down,
            port,
            since: None,
            last_error: None,
            pbx_version: None,
            declared: Vec::new(),
            resync_in_progress: false,
            degraded: false,
            failed_deliveries: 0,
            dropped_unsupported: 0,
            malformed_received: 0,
            refused_received: 0,
            frames_sent: 0,
            frames_received: 0,
            retransmits: 0,
            bad_lrc: 0,
            noise_bytes: 0,
            reconnects: 0,
            store_errors: 0,
            turnaround_p50_us: None,
            turnaround_p99_us: None,
        }
    }
}
