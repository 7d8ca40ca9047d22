//! The configuration as the service uses it: validated, typed, with defaults filled in.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use chrono_tz::Tz;

/// What was wrong with the configuration, naming the key (or the file).
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {err}")]
    Read { path: PathBuf, err: std::io::Error },
    #[error("{0}")]
    Syntax(String),
    #[error("{key}: {msg}")]
    Invalid { key: String, msg: String },
}

pub(super) fn invalid(key: impl Into<String>, msg: impl Into<String>) -> ConfigError {
    ConfigError::Invalid { key: key.into(), msg: msg.into() }
}

pub use crate::config::endpoint::{LineSettings, Parity};

/// Where the PBX is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PortSpec {
    /// The built-in simulated PBX, behind a pseudo-terminal.
    Simulator,
    /// A serial device such as `/dev/ttyUSB0`, `tcp://HOST:PORT` or `tcp-listen://ADDR:PORT`.
    Peer(crate::config::endpoint::Endpoint),
}

/// The `[pbx]` section, validated.
#[derive(Debug, Clone)]
pub struct PbxConfig {
    /// The PBX's protocol (`protocol`, default FIAS).
    pub protocol: crate::domain::pbx_protocol::Protocol,
    pub port: PortSpec,
    pub line: LineSettings,
    /// The character set on the wire (`encoding`, default UTF-8).
    pub encoding: fias::Encoding,
    /// Field values longer than this many characters are cut before sending (`max_field`).
    pub max_field: Option<usize>,
    /// FIAS ACK timeout (3 s by the spec; shorter only for tests).
    pub ack_timeout: Duration,
    /// Idle time before an `LA` link check.
    pub link_check: Duration,
    /// After an outage at least this long, every room is resynced.
    pub resync_after: Duration,
    /// Longest pause between reconnection attempts.
    pub reconnect_max: Duration,
    /// Addresses a `tcp-listen://` PBX may connect from (empty: any, with a warning at start).
    pub allow: Vec<crate::config::endpoint::AllowRule>,
    /// Where the PBX's SMDR call records come from (`smdr_port`), and their field widths.
    pub smdr: Option<SmdrConfig>,
}

/// `[pbx] smdr_port`: the call-record stream, on the PBX's line settings and `allow` list.
#[derive(Debug, Clone)]
pub struct SmdrConfig {
    pub port: crate::config::endpoint::Endpoint,
    /// `smdr_duration_hours` (2, or 4 with "extended digit length") and `smdr_caller_width`
    /// (4, or 7).
    pub widths: mitel::Widths,
}

/// The `[pms]` section, validated: the PMS drives switchboard over FIAS (switchboard plays the
/// PBX's part toward it).
#[derive(Debug, Clone)]
pub struct PmsLinkConfig {
    pub port: crate::config::endpoint::Endpoint,
    pub line: LineSettings,
    pub encoding: fias::Encoding,
    pub max_field: Option<usize>,
    /// The FIAS `IF` code announced in `LD` (default `PB`, a PBX interface).
    pub interface: String,
    /// Check-in, check-out and moves come from the PMS; the desk's are refused (409).
    pub owns_stays: bool,
    pub ack_timeout: Duration,
    pub link_check: Duration,
    pub reconnect_max: Duration,
    /// After a reconnect following an outage at least this long (default: any), ask the PMS for
    /// a database resync (DR): records it sent meanwhile may have been lost.
    pub resync_after: Duration,
    /// A resync (`DS`) without its `DE` after this long is abandoned: what waits for the PMS goes.
    pub resync_timeout: Duration,
    /// A night audit (`NS`) without its `NE` after this long is abandoned: postings go again.
    pub night_audit_timeout: Duration,
    /// A posting the PMS answered `NA` or `RY` (outside a night audit) is tried again after this.
    pub posting_retry: Duration,
    /// Addresses a `tcp-listen://` PMS may connect from (empty: any, with a warning at start).
    pub allow: Vec<crate::config::endpoint::AllowRule>,
}

/// The whole configuration, validated.
#[derive(Debug, Clone)]
pub struct Config {
    pub hotel_name: String,
    pub timezone: Tz,
    /// Where the hotel dials from (`[hotel] country`, `outside_line`), if given.
    pub dialling: Option<crate::hotel::directory::Dialling>,
    /// Every room number, in the order given.
    pub rooms: Vec<String>,
    pub default_class: u8,
    pub pbx: PbxConfig,
    /// `[pms]`, if the hotel has a PMS that drives switchboard.
    pub pms: Option<PmsLinkConfig>,
    pub listen: SocketAddr,
    pub api: ApiConfig,
    /// The SQLite file; relative paths are resolved against the config file's folder.
    pub store_path: PathBuf,
    pub auth: AuthConfig,
    pub wakeup: WakeupConfig,
    /// Messages older than this are expired (text purged) by the `expire_messages` job.
    pub messages_keep_for: Duration,
    /// `[charges]`: free and emergency numbers, pulse price, digit masking.
    pub charges: ChargesConfig,
    /// `tariffs.toml` beside hotel.toml, if the hotel has one (read by `Config::from_file`).
    pub tariff: Option<crate::hotel::charges::Tariff>,
    /// Where `tariffs.toml` is read from (and reloaded from while the service runs).
    pub tariff_file: Option<PathBuf>,
}

/// The `[wakeup]` section: the wake-up call policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WakeupConfig {
    /// Rings per call, the first included.
    pub attempts: u32,
    /// Pause between an unanswered (or busy) ring and the next.
    pub retry_interval: Duration,
    /// A ring with no answer from the PBX within this counts as not answered.
    pub ring_timeout: Duration,
    /// After a restart, calls at most this late still ring; later ones go to a person.
    pub late_grace: Duration,
    /// Rooms ringing at once, at most.
    pub max_concurrent: u32,
    /// A VIP's unanswered first ring goes to a person at once (the retries go on).
    pub vip_to_operator: bool,
}

impl Default for WakeupConfig {
    fn default() -> Self {
        WakeupConfig {
            attempts: 3,
            retry_interval: Duration::from_secs(180),
            ring_timeout: Duration::from_secs(90),
            late_grace: Duration::from_secs(300),
            max_concurrent: 20,
            vip_to_operator: false,
        }
    }
}

/// The `[auth]` section: sign-in sessions and the brake on password guessing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthConfig {
    /// A session token unused this long expires.
    pub idle_timeout: Duration,
    /// Failed sign-ins for one login before it is slowed down.
    pub max_failures: u32,
    /// Failed sign-ins from one client address (whatever logins it tries) before it is slowed down.
    pub max_failures_per_address: u32,
    /// How long a slowed-down login must wait between attempts.
    pub lockout: Duration,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            idle_timeout: Duration::from_secs(8 * 3600),
            max_failures: 5,
            max_failures_per_address: 20,
            lockout: Duration::from_secs(30),
        }
    }
}

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

/// The `[api]` section: where the API listens and what it puts up with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiConfig {
    pub listen: SocketAddr,
    /// Connections served at once; more wait in the kernel's queue until one ends.
    pub max_connections: u32,
    /// A client must send a request's headers within this (slow clients are cut off).
    pub header_timeout: Duration,
    /// Reading the body and answering one request, at most.
    pub request_timeout: Duration,
    /// Largest request body, in bytes.
    pub max_body: usize,
    /// Connections one client address may hold at once (one host cannot take the whole pool).
    pub max_connections_per_address: u32,
    /// Live-event streams open at once, all users together (each holds a connection).
    pub max_streams: u32,
    /// Live-event streams one staff member may hold open at once.
    pub max_streams_per_user: u32,
    /// The session cookie carries `Secure` (set it when a TLS proxy is in front).
    pub secure_cookies: bool,
}

impl Default for ApiConfig {
    fn default() -> Self {
        ApiConfig {
            listen: DEFAULT_LISTEN.parse().expect("a valid address"),
            max_connections: 256,
            header_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            max_body: 64 * 1024,
            max_connections_per_address: 32,
            max_streams: 64,
            max_streams_per_user: 4,
            secure_cookies: false,
        }
    }
}

/// `[charges]` in hotel.toml.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChargesConfig {
    /// Dialled-digit prefixes never charged (emergency and toll-free numbers).
    pub free_numbers: Vec<String>,
    /// Numbers whose call raises an emergency alert (also never charged).
    pub emergency_numbers: Vec<String>,
    /// Price of one meter pulse, in minor units.
    pub pulse_price: i64,
    /// The hotel's street address (`[hotel] address`): an emergency call's alert states it with
    /// the room's floor, a location the person calling the emergency service back can give.
    pub address: Option<String>,
    /// Digits hidden at the end of a dialled number for desk and operator staff.
    pub mask_digits: usize,
    /// How long after check-out (or, for a vacant room's call, after the call) the dialled digits
    /// are kept; the `purge_call_digits` job purges them after that. Amounts stay for accounting.
    pub keep_digits_for: Duration,
}

impl Default for ChargesConfig {
    fn default() -> Self {
        let emergency: Vec<String> =
            ["110", "112", "117", "118", "119", "120", "144", "911", "999"].map(String::from).to_vec();
        ChargesConfig {
            address: None,
            free_numbers: emergency.clone(),
            emergency_numbers: emergency,
            pulse_price: 0,
            mask_digits: 3,
            keep_digits_for: Duration::from_secs(90 * 86_400),
        }
    }
}
