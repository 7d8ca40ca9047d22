//! hotel.toml: parse, then validate.
//!
//! Layout: `raw` (the file as written; unknown keys are refused so a typo never silently falls
//! back to a default), [`parse`] (validation: every error names its key), [`types`] (the
//! validated configuration), [`duration`] (durations with overflow checks and a range per
//! key), [`rooms`] (room number ranges), [`endpoint`] (where a peer is reached: device, TCP, who
//! may connect).

pub mod duration;
pub mod endpoint;
pub mod parse;
mod raw;
pub mod rooms;
pub mod types;

pub use duration::parse_duration;
pub use parse::MAX_CLASS;
pub use rooms::expand_rooms;
pub use types::{
    ApiConfig, AuthConfig, ChargesConfig, Config, ConfigError, LineSettings, Parity, PbxConfig, PmsLinkConfig,
    PortSpec, SmdrConfig, WakeupConfig, DEFAULT_LISTEN,
};
