//! hotel.toml: parse, then validate.
//!
//! [`Config::parse`] is pure (text in, config or an error naming the key out); [`Config::from_file`]
//! only reads the file and resolves paths relative to it. Unknown keys are refused so a typo never
//! silently falls back to a default.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono_tz::Tz;
use serde::Deserialize;

/// What was wrong with the configuration, naming the key (or the file).
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{0}")]
    Syntax(String),
    #[error("{key}: {msg}")]
    Invalid { key: String, msg: String },
}

fn invalid(key: impl Into<String>, msg: impl Into<String>) -> ConfigError {
    ConfigError::Invalid { key: key.into(), msg: msg.into() }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    hotel: RawHotel,
    rooms: RawRooms,
    #[serde(default)]
    pbx: RawPbx,
    #[serde(default)]
    api: RawApi,
    #[serde(default)]
    store: RawStore,
    #[serde(default)]
    auth: RawAuth,
    #[serde(default)]
    wakeup: RawWakeup,
    #[serde(default)]
    messages: RawMessages,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawMessages {
    keep_for: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawWakeup {
    attempts: Option<u32>,
    retry_interval: Option<String>,
    ring_timeout: Option<String>,
    late_grace: Option<String>,
    max_concurrent: Option<u32>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawAuth {
    idle_timeout: Option<String>,
    max_failures: Option<u32>,
    lockout: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHotel {
    name: String,
    timezone: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRooms {
    numbers: Vec<String>,
    default_class: Option<u8>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawPbx {
    protocol: Option<String>,
    port: Option<String>,
    baud: Option<u32>,
    data_bits: Option<u8>,
    parity: Option<String>,
    stop_bits: Option<u8>,
    ack_timeout: Option<String>,
    link_check: Option<String>,
    resync_after: Option<String>,
    reconnect_max: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawApi {
    listen: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawStore {
    path: Option<String>,
}

/// Serial parity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parity {
    None,
    Even,
    Odd,
}

/// Where the PBX is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PortSpec {
    /// The built-in simulated PBX, behind a pseudo-terminal.
    Simulator,
    /// A serial device such as `/dev/ttyUSB0`.
    Device(PathBuf),
}

/// The `[pbx]` section, validated.
#[derive(Debug, Clone)]
pub struct PbxConfig {
    pub port: PortSpec,
    pub baud: u32,
    pub data_bits: u8,
    pub parity: Parity,
    pub stop_bits: u8,
    /// FIAS ACK timeout (3 s by the spec; shorter only for tests).
    pub ack_timeout: Duration,
    /// Idle time before an `LA` link check.
    pub link_check: Duration,
    /// After an outage at least this long, every room is resynced.
    pub resync_after: Duration,
    /// Longest pause between reconnection attempts.
    pub reconnect_max: Duration,
}

/// The whole configuration, validated.
#[derive(Debug, Clone)]
pub struct Config {
    pub hotel_name: String,
    pub timezone: Tz,
    /// Every room number, in the order given.
    pub rooms: Vec<String>,
    pub default_class: u8,
    pub pbx: PbxConfig,
    pub listen: SocketAddr,
    /// The SQLite file; relative paths are resolved against the config file's folder.
    pub store_path: PathBuf,
    pub auth: AuthConfig,
    pub wakeup: WakeupConfig,
    /// Messages older than this are expired (text purged) by the `expire_messages` job.
    pub messages_keep_for: Duration,
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
}

impl Default for WakeupConfig {
    fn default() -> Self {
        WakeupConfig {
            attempts: 3,
            retry_interval: Duration::from_secs(180),
            ring_timeout: Duration::from_secs(90),
            late_grace: Duration::from_secs(300),
            max_concurrent: 20,
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
    /// How long a slowed-down login must wait between attempts.
    pub lockout: Duration,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig { idle_timeout: Duration::from_secs(8 * 3600), max_failures: 5, lockout: Duration::from_secs(30) }
    }
}

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

/// Parses `"45s"`, `"5m"`, `"1h"`, `"250ms"`.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: u64 = num.parse().map_err(|_| format!("{s:?} is not a duration like \"45s\", \"5m\" or \"1h\""))?;
    let d = match unit {
        "ms" => Duration::from_millis(n),
        "s" => Duration::from_secs(n),
        "m" => Duration::from_secs(n * 60),
        "h" => Duration::from_secs(n * 3600),
        "d" => Duration::from_secs(n * 86400),
        _ => return Err(format!("{s:?} has no unit: write it like \"45s\", \"5m\", \"1h\" or \"7d\"")),
    };
    Ok(d)
}

/// Expands `["101-103", "200"]` into every room number, checking for overlaps.
pub fn expand_rooms(specs: &[String]) -> Result<Vec<String>, ConfigError> {
    let mut rooms: Vec<String> = Vec::new();
    let mut seen = std::collections::HashMap::new();
    for (i, spec) in specs.iter().enumerate() {
        let key = format!("rooms.numbers[{i}]");
        let spec = spec.trim();
        let list: Vec<String> = match spec.split_once('-') {
            Some((a, b)) => {
                let (a, b) = (a.trim(), b.trim());
                let num = |x: &str| -> Result<u64, ConfigError> {
                    if x.is_empty() || !x.bytes().all(|c| c.is_ascii_digit()) {
                        return Err(invalid(&key, format!("{spec:?} is not a range like \"101-120\"")));
                    }
                    x.parse().map_err(|_| invalid(&key, format!("{spec:?} is out of range")))
                };
                let (lo, hi) = (num(a)?, num(b)?);
                if lo > hi {
                    return Err(invalid(&key, format!("{spec:?} runs backwards")));
                }
                if hi - lo >= 10_000 {
                    return Err(invalid(&key, format!("{spec:?} spans more than 10000 rooms")));
                }
                // Keep zero padding: "0101-0105" gives "0101".."0105".
                let width = if a.starts_with('0') { a.len() } else { 0 };
                (lo..=hi).map(|n| format!("{n:0width$}")).collect()
            }
            None => vec![spec.to_string()],
        };
        for room in list {
            if room.is_empty() || room.len() > 8 || !room.bytes().all(|c| c.is_ascii_alphanumeric()) {
                return Err(invalid(&key, format!("room {room:?} must be 1 to 8 letters or digits (FIAS RN)")));
            }
            if let Some(prev) = seen.insert(room.clone(), i) {
                return Err(invalid(&key, format!("room {room} is already listed in rooms.numbers[{prev}]")));
            }
            rooms.push(room);
        }
    }
    if rooms.is_empty() {
        return Err(invalid("rooms.numbers", "lists no rooms"));
    }
    Ok(rooms)
}

fn duration_key(key: &str, v: Option<String>, default: Duration) -> Result<Duration, ConfigError> {
    match v {
        None => Ok(default),
        Some(s) => parse_duration(&s).map_err(|m| invalid(key, m)),
    }
}

impl Config {
    /// Parses and validates hotel.toml text. Relative store paths stay relative.
    pub fn parse(text: &str) -> Result<Config, ConfigError> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| ConfigError::Syntax(e.to_string()))?;
        if raw.hotel.name.trim().is_empty() {
            return Err(invalid("hotel.name", "must not be empty"));
        }
        let timezone: Tz = raw.hotel.timezone.parse().map_err(|_| {
            invalid(
                "hotel.timezone",
                format!("{:?} is not an IANA time zone such as \"Europe/Zurich\"", raw.hotel.timezone),
            )
        })?;
        let rooms = expand_rooms(&raw.rooms.numbers)?;
        let default_class = raw.rooms.default_class.unwrap_or(3);
        if default_class > 9 {
            return Err(invalid("rooms.default_class", "must be a class of service from 0 to 9"));
        }

        let p = raw.pbx;
        match p.protocol.as_deref().unwrap_or("fias") {
            "fias" => {}
            other => return Err(invalid("pbx.protocol", format!("{other:?} is not supported (supported: \"fias\")"))),
        }
        let port = match p.port.as_deref().unwrap_or("simulator") {
            "simulator" => PortSpec::Simulator,
            "" => return Err(invalid("pbx.port", "must be \"simulator\" or a device path such as \"/dev/ttyUSB0\"")),
            path => PortSpec::Device(PathBuf::from(path)),
        };
        let baud = p.baud.unwrap_or(9600);
        if !(1200..=38400).contains(&baud) || ![1200, 2400, 4800, 9600, 19200, 38400].contains(&baud) {
            return Err(invalid("pbx.baud", format!("{baud} is not one of 1200, 2400, 4800, 9600, 19200, 38400")));
        }
        let data_bits = p.data_bits.unwrap_or(8);
        if !(data_bits == 7 || data_bits == 8) {
            return Err(invalid("pbx.data_bits", format!("{data_bits} must be 7 or 8")));
        }
        let parity = match p.parity.as_deref().unwrap_or("none") {
            "none" => Parity::None,
            "even" => Parity::Even,
            "odd" => Parity::Odd,
            other => return Err(invalid("pbx.parity", format!("{other:?} must be \"none\", \"even\" or \"odd\""))),
        };
        let stop_bits = p.stop_bits.unwrap_or(1);
        if !(stop_bits == 1 || stop_bits == 2) {
            return Err(invalid("pbx.stop_bits", format!("{stop_bits} must be 1 or 2")));
        }
        let ack_timeout = duration_key("pbx.ack_timeout", p.ack_timeout, Duration::from_secs(3))?;
        if ack_timeout < Duration::from_millis(50) {
            return Err(invalid("pbx.ack_timeout", "must be at least 50ms"));
        }
        let pbx = PbxConfig {
            port,
            baud,
            data_bits,
            parity,
            stop_bits,
            ack_timeout,
            link_check: duration_key("pbx.link_check", p.link_check, Duration::from_secs(120))?,
            resync_after: duration_key("pbx.resync_after", p.resync_after, Duration::from_secs(300))?,
            reconnect_max: duration_key("pbx.reconnect_max", p.reconnect_max, Duration::from_secs(30))?,
        };

        let listen_text = raw.api.listen.unwrap_or_else(|| DEFAULT_LISTEN.to_string());
        let listen = listen_text
            .parse()
            .map_err(|_| invalid("api.listen", format!("{listen_text:?} is not an address like \"127.0.0.1:8080\"")))?;
        let store_path = PathBuf::from(raw.store.path.unwrap_or_else(|| "switchboard.db".into()));
        if store_path.as_os_str().is_empty() {
            return Err(invalid("store.path", "must not be empty"));
        }
        let d = AuthConfig::default();
        let auth = AuthConfig {
            idle_timeout: duration_key("auth.idle_timeout", raw.auth.idle_timeout, d.idle_timeout)?,
            max_failures: raw.auth.max_failures.unwrap_or(d.max_failures),
            lockout: duration_key("auth.lockout", raw.auth.lockout, d.lockout)?,
        };
        if auth.idle_timeout < Duration::from_secs(1) {
            return Err(invalid("auth.idle_timeout", "must be at least 1s"));
        }
        if auth.max_failures == 0 {
            return Err(invalid("auth.max_failures", "must be at least 1"));
        }
        let w = WakeupConfig::default();
        let wakeup = WakeupConfig {
            attempts: raw.wakeup.attempts.unwrap_or(w.attempts),
            retry_interval: duration_key("wakeup.retry_interval", raw.wakeup.retry_interval, w.retry_interval)?,
            ring_timeout: duration_key("wakeup.ring_timeout", raw.wakeup.ring_timeout, w.ring_timeout)?,
            late_grace: duration_key("wakeup.late_grace", raw.wakeup.late_grace, w.late_grace)?,
            max_concurrent: raw.wakeup.max_concurrent.unwrap_or(w.max_concurrent),
        };
        if !(1..=10).contains(&wakeup.attempts) {
            return Err(invalid("wakeup.attempts", "must be 1 to 10"));
        }
        if wakeup.max_concurrent == 0 {
            return Err(invalid("wakeup.max_concurrent", "must be at least 1"));
        }
        if wakeup.ring_timeout < Duration::from_secs(1) || wakeup.retry_interval < Duration::from_secs(1) {
            return Err(invalid("wakeup.ring_timeout", "ring_timeout and retry_interval must be at least 1s"));
        }
        let messages_keep_for =
            duration_key("messages.keep_for", raw.messages.keep_for, Duration::from_secs(7 * 86400))?;
        Ok(Config {
            hotel_name: raw.hotel.name,
            timezone,
            rooms,
            default_class,
            pbx,
            listen,
            store_path,
            auth,
            wakeup,
            messages_keep_for,
        })
    }

    /// Reads and validates a config file; the store path becomes relative to its folder.
    pub fn from_file(path: &Path) -> Result<Config, ConfigError> {
        let text =
            std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: path.to_path_buf(), source })?;
        let mut cfg = Config::parse(&text).map_err(|e| match e {
            ConfigError::Syntax(m) => ConfigError::Syntax(format!("{}: {m}", path.display())),
            ConfigError::Invalid { key, msg } => {
                ConfigError::Invalid { key: format!("{}: {key}", path.display()), msg }
            }
            other => other,
        })?;
        if cfg.store_path.is_relative() {
            let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
            cfg.store_path = dir.join(&cfg.store_path);
        }
        if let PortSpec::Device(dev) = &cfg.pbx.port {
            if !dev.is_absolute() {
                return Err(invalid(
                    format!("{}: pbx.port", path.display()),
                    format!("{} must be an absolute device path", dev.display()),
                ));
            }
        }
        Ok(cfg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: &str = r#"
[hotel]
name = "Test"
timezone = "Europe/Zurich"
[rooms]
numbers = ["101-103", "201"]
"#;

    fn err(text: &str) -> String {
        Config::parse(text).unwrap_err().to_string()
    }

    #[test]
    fn minimal_config_gets_defaults() {
        let c = Config::parse(MIN).unwrap();
        assert_eq!(c.rooms, ["101", "102", "103", "201"]);
        assert_eq!(c.default_class, 3);
        assert_eq!(c.pbx.port, PortSpec::Simulator);
        assert_eq!(c.pbx.baud, 9600);
        assert_eq!(c.pbx.ack_timeout, Duration::from_secs(3));
        assert_eq!(c.listen.to_string(), DEFAULT_LISTEN);
    }

    #[test]
    fn unknown_keys_are_named() {
        let e = err(&format!("{MIN}\n[pbx]\nbaud_rate = 9600\n"));
        assert!(e.contains("baud_rate"), "{e}");
        let e = err(&format!("{MIN}\n[printer]\nx = 1\n"));
        assert!(e.contains("printer"), "{e}");
    }

    #[test]
    fn bad_room_ranges_are_named() {
        let with = |rooms: &str| MIN.replace(r#"["101-103", "201"]"#, rooms);
        assert!(err(&with(r#"["101-105", "104"]"#)).starts_with("rooms.numbers[1]: room 104 is already listed"));
        assert!(err(&with(r#"["110-101"]"#)).contains("backwards"));
        assert!(err(&with(r#"["1a-5"]"#)).starts_with("rooms.numbers[0]"));
        assert!(err(&with(r#"["10 1"]"#)).contains("letters or digits"));
        assert!(err(&with("[]")).contains("no rooms"));
        assert_eq!(expand_rooms(&["0098-0101".into()]).unwrap(), ["0098", "0099", "0100", "0101"]);
    }

    #[test]
    fn bad_line_settings_are_named() {
        let e = err(&format!("{MIN}\n[pbx]\nbaud = 9601\n"));
        assert!(e.starts_with("pbx.baud:"), "{e}");
        let e = err(&format!("{MIN}\n[pbx]\nparity = \"mark\"\n"));
        assert!(e.starts_with("pbx.parity:"), "{e}");
        let e = err(&format!("{MIN}\n[pbx]\ndata_bits = 6\n"));
        assert!(e.starts_with("pbx.data_bits:"), "{e}");
        let e = err(&format!("{MIN}\n[pbx]\nprotocol = \"sx200\"\n"));
        assert!(e.starts_with("pbx.protocol:"), "{e}");
        let e = err(&format!("{MIN}\n[pbx]\nack_timeout = \"3\"\n"));
        assert!(e.starts_with("pbx.ack_timeout:"), "{e}");
    }

    #[test]
    fn other_bad_values_are_named() {
        assert!(err(&MIN.replace("Europe/Zurich", "Mars/Base")).starts_with("hotel.timezone:"));
        assert!(err(&format!("{MIN}\n[api]\nlisten = \"localhost\"\n")).starts_with("api.listen:"));
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("45s"), Ok(Duration::from_secs(45)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert!(parse_duration("5").is_err());
        assert!(parse_duration("m").is_err());
        assert!(parse_duration("5 days").is_err());
    }

    #[test]
    fn store_path_is_relative_to_the_config_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hotel.toml");
        std::fs::write(&path, format!("{MIN}\n[store]\npath = \"data/x.db\"\n")).unwrap();
        let c = Config::from_file(&path).unwrap();
        assert_eq!(c.store_path, dir.path().join("data/x.db"));
        let e = Config::from_file(&dir.path().join("missing.toml")).unwrap_err().to_string();
        assert!(e.contains("missing.toml"), "{e}");
        std::fs::write(&path, format!("{MIN}\n[pbx]\nport = \"ttyUSB0\"\n")).unwrap();
        let e = Config::from_file(&path).unwrap_err().to_string();
        assert!(e.contains("pbx.port"), "{e}");
    }
}
