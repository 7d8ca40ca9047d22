//! Reading hotel.toml: [`Config::parse`] is pure (text in, config or an error naming the key
//! out); [`Config::from_file`] only reads the file and resolves paths relative to it.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono_tz::Tz;

use super::duration::duration_key;
use super::raw::RawConfig;
use super::rooms::expand_rooms;
use super::types::{
    invalid, ApiConfig, AuthConfig, ChargesConfig, Config, ConfigError, LineSettings, Parity, PbxConfig, PmsLinkConfig,
    PortSpec, SmdrConfig, WakeupConfig, DEFAULT_LISTEN,
};
use crate::config::endpoint::Endpoint;
use crate::domain::pbx_protocol::Protocol;

/// The highest class of service: FIAS `CS` 0 (barred or internal) to 3 (unrestricted), the classes every
/// FIAS PBX maps; a PBX with more classes needs a mapping that does not exist yet.
pub const MAX_CLASS: u8 = 3;

const fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}
const fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}
const MINUTE: Duration = secs(60);
const HOUR: Duration = secs(3600);
const DAY: Duration = secs(86400);

/// Parses a size: "65536", "64k", "1m" (bytes, KiB, MiB), 1 KiB to 16 MiB.
fn parse_size(s: &str) -> Result<usize, String> {
    let t = s.trim().to_ascii_lowercase();
    let (num, mul) = match t.strip_suffix('k') {
        Some(n) => (n, 1024),
        None => match t.strip_suffix('m') {
            Some(n) => (n, 1024 * 1024),
            None => (t.as_str(), 1),
        },
    };
    let n: usize = num.parse().map_err(|_| format!("{s:?} is not a size like \"64k\" or \"1m\""))?;
    let bytes = n.checked_mul(mul).filter(|b| (1024..=16 * 1024 * 1024).contains(b));
    bytes.ok_or_else(|| format!("{s:?} must be 1k to 16m"))
}

/// The serial keys of `[pbx]` or `[pms]`.
fn line_settings(
    section: &str,
    baud: Option<u32>,
    data_bits: Option<u8>,
    parity: Option<&str>,
    stop_bits: Option<u8>,
) -> Result<LineSettings, ConfigError> {
    let key = |k: &str| format!("{section}.{k}");
    let baud = baud.unwrap_or(9600);
    if ![1200, 2400, 4800, 9600, 19200, 38400].contains(&baud) {
        return Err(invalid(key("baud"), format!("{baud} is not one of 1200, 2400, 4800, 9600, 19200, 38400")));
    }
    let data_bits = data_bits.unwrap_or(8);
    if !(data_bits == 7 || data_bits == 8) {
        return Err(invalid(key("data_bits"), format!("{data_bits} must be 7 or 8")));
    }
    let parity = match parity.unwrap_or("none") {
        "none" => Parity::None,
        "even" => Parity::Even,
        "odd" => Parity::Odd,
        other => return Err(invalid(key("parity"), format!("{other:?} must be \"none\", \"even\" or \"odd\""))),
    };
    let stop_bits = stop_bits.unwrap_or(1);
    if !(stop_bits == 1 || stop_bits == 2) {
        return Err(invalid(key("stop_bits"), format!("{stop_bits} must be 1 or 2")));
    }
    Ok(LineSettings { baud, data_bits, parity, stop_bits })
}

/// `encoding` and `max_field` of `[pbx]` or `[pms]`.
fn wire_text(
    section: &str,
    encoding: Option<&str>,
    max_field: Option<usize>,
) -> Result<(fias::Encoding, Option<usize>), ConfigError> {
    let encoding = match encoding {
        None => fias::Encoding::Utf8,
        Some(e) => e.parse().map_err(|m: String| invalid(format!("{section}.encoding"), m))?,
    };
    if let Some(n) = max_field.filter(|n| !(8..=2000).contains(n)) {
        return Err(invalid(format!("{section}.max_field"), format!("{n} must be 8 to 2000 characters")));
    }
    Ok((encoding, max_field))
}

/// The `[pms]` section.
fn pms_section(p: super::raw::RawPms) -> Result<PmsLinkConfig, ConfigError> {
    let port = p
        .port
        .as_deref()
        .ok_or_else(|| invalid("pms.port", "is required: a device path, tcp://HOST:PORT or tcp-listen://ADDR:PORT"))?;
    let port = Endpoint::parse(port).map_err(|m| invalid("pms.port", m))?;
    if let Endpoint::Device(dev) = &port {
        if !dev.is_absolute() {
            return Err(invalid("pms.port", format!("{} must be an absolute device path", dev.display())));
        }
    }
    let line = line_settings("pms", p.baud, p.data_bits, p.parity.as_deref(), p.stop_bits)?;
    let (encoding, max_field) = wire_text("pms", p.encoding.as_deref(), p.max_field)?;
    let interface = p.interface.unwrap_or_else(|| "PB".into());
    if interface.len() != 2 || !interface.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(invalid(
            "pms.interface",
            format!("{interface:?} must be a 2-letter FIAS interface code such as \"PB\""),
        ));
    }
    Ok(PmsLinkConfig {
        port,
        line,
        encoding,
        max_field,
        interface,
        owns_stays: p.owns_stays.unwrap_or(true),
        ack_timeout: duration_key("pms.ack_timeout", p.ack_timeout, secs(3), (ms(50), secs(60)))?,
        link_check: duration_key("pms.link_check", p.link_check, secs(120), (secs(1), HOUR))?,
        reconnect_max: duration_key("pms.reconnect_max", p.reconnect_max, secs(30), (ms(100), HOUR))?,
        resync_after: duration_key("pms.resync_after", p.resync_after, Duration::ZERO, (Duration::ZERO, DAY))?,
        resync_timeout: duration_key("pms.resync_timeout", p.resync_timeout, secs(600), (secs(1), DAY))?,
        night_audit_timeout: duration_key(
            "pms.night_audit_timeout",
            p.night_audit_timeout,
            secs(2 * 3600),
            (secs(1), DAY),
        )?,
        posting_retry: duration_key("pms.posting_retry", p.posting_retry, secs(60), (secs(1), HOUR))?,
        allow: allow_rules("pms.allow", p.allow)?,
    })
}

/// `allow = ["10.1.2.3", "10.1.2.0/24"]`: who may connect to a `tcp-listen://` port.
fn allow_rules(key: &str, v: Option<Vec<String>>) -> Result<Vec<crate::config::endpoint::AllowRule>, ConfigError> {
    v.unwrap_or_default()
        .iter()
        .enumerate()
        .map(|(i, text)| text.parse().map_err(|m: String| invalid(format!("{key}[{i}]"), m)))
        .collect()
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
        let dialling = match raw.hotel.country {
            None => None,
            Some(c) => {
                let c = c.trim().to_ascii_uppercase();
                if phonenumber::metadata::DATABASE.by_id(c.as_str()).is_none() {
                    return Err(invalid(
                        "hotel.country",
                        format!("{c:?} is not a country code such as \"TW\" or \"CH\""),
                    ));
                }
                let outside = raw.hotel.outside_line.unwrap_or_else(|| "0".into());
                if outside.len() > 4 || !outside.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(invalid("hotel.outside_line", format!("{outside:?} must be up to 4 digits")));
                }
                Some(crate::hotel::directory::Dialling { country: c, outside_line: outside })
            }
        };
        let rooms = expand_rooms(&raw.rooms.numbers)?;
        let default_class = raw.rooms.default_class.unwrap_or(3);
        if default_class > MAX_CLASS {
            return Err(invalid("rooms.default_class", format!("must be a class of service from 0 to {MAX_CLASS}")));
        }

        let p = raw.pbx;
        let protocol_text = p.protocol.as_deref().unwrap_or("fias");
        let protocol = Protocol::parse(protocol_text).ok_or_else(|| {
            invalid(
                "pbx.protocol",
                format!("{protocol_text:?} is not supported (supported: \"fias\", \"neax\", \"mitel\")"),
            )
        })?;
        let port = match p.port.as_deref().unwrap_or("simulator") {
            "simulator" => PortSpec::Simulator,
            text => PortSpec::Peer(Endpoint::parse(text).map_err(|m| invalid("pbx.port", m))?),
        };
        let line = line_settings("pbx", p.baud, p.data_bits, p.parity.as_deref(), p.stop_bits)?;
        let (encoding, max_field) = wire_text("pbx", p.encoding.as_deref(), p.max_field)?;
        let ack_timeout = duration_key("pbx.ack_timeout", p.ack_timeout, secs(3), (ms(50), secs(60)))?;
        let pbx = PbxConfig {
            protocol,
            port,
            line,
            encoding,
            max_field,
            ack_timeout,
            link_check: duration_key("pbx.link_check", p.link_check, secs(120), (secs(1), HOUR))?,
            resync_after: duration_key("pbx.resync_after", p.resync_after, secs(300), (Duration::ZERO, DAY))?,
            reconnect_max: duration_key("pbx.reconnect_max", p.reconnect_max, secs(30), (ms(100), HOUR))?,
            allow: allow_rules("pbx.allow", p.allow)?,
            smdr: smdr(p.smdr_port, p.smdr_duration_hours, p.smdr_caller_width)?,
        };

        let listen_text = raw.api.listen.unwrap_or_else(|| DEFAULT_LISTEN.to_string());
        let listen = listen_text
            .parse()
            .map_err(|_| invalid("api.listen", format!("{listen_text:?} is not an address like \"127.0.0.1:8080\"")))?;
        let a = ApiConfig::default();
        let max_connections = raw.api.max_connections.unwrap_or(a.max_connections);
        if !(4..=10_000).contains(&max_connections) {
            return Err(invalid("api.max_connections", format!("{max_connections} must be 4 to 10000")));
        }
        let max_body = match raw.api.max_body {
            None => a.max_body,
            Some(text) => parse_size(&text).map_err(|m| invalid("api.max_body", m))?,
        };
        let api = ApiConfig {
            listen,
            max_connections,
            header_timeout: duration_key(
                "api.header_timeout",
                raw.api.header_timeout,
                a.header_timeout,
                (secs(1), 5 * MINUTE),
            )?,
            request_timeout: duration_key(
                "api.request_timeout",
                raw.api.request_timeout,
                a.request_timeout,
                (secs(1), 10 * MINUTE),
            )?,
            max_body,
            max_connections_per_address: raw
                .api
                .max_connections_per_address
                .unwrap_or(a.max_connections_per_address.min(max_connections)),
            // Streams hold connections: at most half of them, so requests always find a place.
            max_streams: raw.api.max_streams.unwrap_or(a.max_streams.min(max_connections / 2)),
            max_streams_per_user: raw.api.max_streams_per_user.unwrap_or(a.max_streams_per_user),
            secure_cookies: raw.api.secure_cookies.unwrap_or(a.secure_cookies),
        };
        if !(1..=max_connections).contains(&api.max_connections_per_address) {
            return Err(invalid(
                "api.max_connections_per_address",
                format!("{} must be 1 to api.max_connections ({max_connections})", api.max_connections_per_address),
            ));
        }
        if !(1..=max_connections / 2).contains(&api.max_streams) {
            return Err(invalid(
                "api.max_streams",
                format!(
                    "{} must be 1 to half of api.max_connections ({}): streams hold connections, requests need the rest",
                    api.max_streams,
                    max_connections / 2
                ),
            ));
        }
        if !(1..=api.max_streams).contains(&api.max_streams_per_user) {
            return Err(invalid(
                "api.max_streams_per_user",
                format!("{} must be 1 to api.max_streams ({})", api.max_streams_per_user, api.max_streams),
            ));
        }
        let store_path = PathBuf::from(raw.store.path.unwrap_or_else(|| "switchboard.db".into()));
        if store_path.as_os_str().is_empty() {
            return Err(invalid("store.path", "must not be empty"));
        }
        let d = AuthConfig::default();
        let auth = AuthConfig {
            idle_timeout: duration_key("auth.idle_timeout", raw.auth.idle_timeout, d.idle_timeout, (secs(1), 7 * DAY))?,
            max_failures: raw.auth.max_failures.unwrap_or(d.max_failures),
            max_failures_per_address: raw.auth.max_failures_per_address.unwrap_or(d.max_failures_per_address),
            lockout: duration_key("auth.lockout", raw.auth.lockout, d.lockout, (secs(1), DAY))?,
        };
        if !(1..=100).contains(&auth.max_failures) {
            return Err(invalid("auth.max_failures", "must be 1 to 100"));
        }
        if !(1..=1000).contains(&auth.max_failures_per_address) {
            return Err(invalid("auth.max_failures_per_address", "must be 1 to 1000"));
        }
        let w = WakeupConfig::default();
        let wakeup = WakeupConfig {
            attempts: raw.wakeup.attempts.unwrap_or(w.attempts),
            retry_interval: duration_key(
                "wakeup.retry_interval",
                raw.wakeup.retry_interval,
                w.retry_interval,
                (secs(1), HOUR),
            )?,
            ring_timeout: duration_key(
                "wakeup.ring_timeout",
                raw.wakeup.ring_timeout,
                w.ring_timeout,
                (secs(1), 10 * MINUTE),
            )?,
            late_grace: duration_key(
                "wakeup.late_grace",
                raw.wakeup.late_grace,
                w.late_grace,
                (Duration::ZERO, 6 * HOUR),
            )?,
            max_concurrent: raw.wakeup.max_concurrent.unwrap_or(w.max_concurrent),
            vip_to_operator: raw.wakeup.vip_to_operator.unwrap_or(w.vip_to_operator),
        };
        if !(1..=10).contains(&wakeup.attempts) {
            return Err(invalid("wakeup.attempts", "must be 1 to 10"));
        }
        if !(1..=10_000).contains(&wakeup.max_concurrent) {
            return Err(invalid("wakeup.max_concurrent", "must be 1 to 10000"));
        }
        let messages_keep_for = duration_key("messages.keep_for", raw.messages.keep_for, 7 * DAY, (HOUR, 365 * DAY))?;
        let d = ChargesConfig::default();
        let numbers = |key: &str, v: Option<Vec<String>>, default: Vec<String>| -> Result<Vec<String>, ConfigError> {
            let v = v.unwrap_or(default);
            if let Some(bad) = v.iter().find(|n| n.is_empty() || n.len() > 20 || !n.bytes().all(|b| b.is_ascii_digit()))
            {
                return Err(invalid(key, format!("{bad:?} is not a number (digits only)")));
            }
            Ok(v)
        };
        let address = match raw.hotel.address.map(|a| a.trim().to_string()).filter(|a| !a.is_empty()) {
            Some(a) if a.chars().count() > 200 => {
                return Err(invalid("hotel.address", "must be at most 200 characters"))
            }
            Some(a) if a.chars().any(char::is_control) => {
                return Err(invalid("hotel.address", "must be one line (no control characters)"))
            }
            a => a,
        };
        let charges = ChargesConfig {
            address,
            free_numbers: numbers("charges.free_numbers", raw.charges.free_numbers, d.free_numbers)?,
            emergency_numbers: numbers(
                "charges.emergency_numbers",
                raw.charges.emergency_numbers,
                d.emergency_numbers,
            )?,
            pulse_price: raw.charges.pulse_price.unwrap_or(d.pulse_price),
            mask_digits: raw.charges.mask_digits.unwrap_or(d.mask_digits),
            keep_digits_for: duration_key(
                "charges.keep_digits_for",
                raw.charges.keep_digits_for,
                d.keep_digits_for,
                (DAY, 3650 * DAY),
            )?,
        };
        if !(0..=100_000).contains(&charges.pulse_price) {
            return Err(invalid("charges.pulse_price", "must be 0 to 100000 minor units"));
        }
        if charges.mask_digits > 20 {
            return Err(invalid("charges.mask_digits", "must be 0 to 20"));
        }
        Ok(Config {
            charges,
            tariff: None,
            tariff_file: None,
            hotel_name: raw.hotel.name,
            timezone,
            dialling,
            rooms,
            default_class,
            pbx,
            pms: raw.pms.map(pms_section).transpose()?,
            listen,
            api,
            store_path,
            auth,
            wakeup,
            messages_keep_for,
        })
    }

    /// Reads and validates a config file and the `tariffs.toml` beside it; the store path
    /// becomes relative to its folder.
    pub fn from_file(path: &Path) -> Result<Config, ConfigError> {
        let mut cfg = Config::hotel_only(path)?;
        if let Some(tariffs) = cfg.tariff_file.clone().filter(|t| t.exists()) {
            let text =
                std::fs::read_to_string(&tariffs).map_err(|err| ConfigError::Read { path: tariffs.clone(), err })?;
            let t = crate::hotel::charges::Tariff::parse(&text)
                .map_err(|e| ConfigError::Invalid { key: format!("{}: {}", tariffs.display(), e.key), msg: e.msg })?;
            cfg.tariff = Some(t);
        }
        Ok(cfg)
    }

    /// The folder of a config file, where the files beside it (tariffs.toml, schedules/,
    /// directory.toml, a relative store path) are found.
    pub fn folder(path: &Path) -> &Path {
        path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."))
    }

    /// hotel.toml alone (what the CLI needs to find the service; a tariff being edited must not
    /// stop `switchboard tariff reload` from reporting what is wrong with it).
    pub fn hotel_only(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|err| ConfigError::Read { path: path.to_path_buf(), err })?;
        let mut cfg = Config::parse(&text).map_err(|e| match e {
            ConfigError::Syntax(m) => ConfigError::Syntax(format!("{}: {m}", path.display())),
            ConfigError::Invalid { key, msg } => {
                ConfigError::Invalid { key: format!("{}: {key}", path.display()), msg }
            }
            other => other,
        })?;
        let dir = Config::folder(path);
        cfg.tariff_file = Some(dir.join("tariffs.toml"));
        if cfg.store_path.is_relative() {
            cfg.store_path = dir.join(&cfg.store_path);
        }
        if let PortSpec::Peer(Endpoint::Device(dev)) = &cfg.pbx.port {
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

/// `[pbx] smdr_port` and its widths (which mean nothing without it).
fn smdr(port: Option<String>, hours: Option<usize>, caller: Option<usize>) -> Result<Option<SmdrConfig>, ConfigError> {
    let Some(text) = port else {
        if hours.is_some() || caller.is_some() {
            return Err(invalid("pbx.smdr_port", "is required with smdr_duration_hours or smdr_caller_width"));
        }
        return Ok(None);
    };
    let port = Endpoint::parse(&text).map_err(|m| invalid("pbx.smdr_port", m))?;
    if let Endpoint::Device(dev) = &port {
        if !dev.is_absolute() {
            return Err(invalid("pbx.smdr_port", format!("{} must be an absolute device path", dev.display())));
        }
    }
    let hours = hours.unwrap_or(2);
    if ![2, 4].contains(&hours) {
        return Err(invalid("pbx.smdr_duration_hours", format!("{hours} must be 2, or 4 with extended digit length")));
    }
    let caller = caller.unwrap_or(4);
    if ![4, 7].contains(&caller) {
        return Err(invalid("pbx.smdr_caller_width", format!("{caller} must be 4, or 7 with extended digit length")));
    }
    Ok(Some(SmdrConfig { port, widths: mitel::Widths { duration_hours: hours, caller } }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::expand_rooms;

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
        assert_eq!(c.pbx.line.baud, 9600);
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
        let e = err(&format!("{MIN}\n[pbx]\nsmdr_port = \"tcp-listen://127.0.0.1:5001\"\nsmdr_duration_hours = 3\n"));
        assert!(e.starts_with("pbx.smdr_duration_hours:"), "{e}");
        let e = err(&format!("{MIN}\n[pbx]\nsmdr_caller_width = 7\n"));
        assert!(e.starts_with("pbx.smdr_port:"), "{e}");
        let e = err(&format!("{MIN}\n[pbx]\nsmdr_port = \"ttyS1\"\n"));
        assert!(e.starts_with("pbx.smdr_port:"), "{e}");
        let e = err(&format!("{MIN}\n[pbx]\nack_timeout = \"3\"\n"));
        assert!(e.starts_with("pbx.ack_timeout:"), "{e}");
    }

    #[test]
    fn other_bad_values_are_named() {
        assert!(err(&MIN.replace("Europe/Zurich", "Mars/Base")).starts_with("hotel.timezone:"));
        assert!(err(&format!("{MIN}\n[api]\nlisten = \"localhost\"\n")).starts_with("api.listen:"));
    }

    #[test]
    fn stream_and_per_address_limits_leave_room_for_requests() {
        let c = Config::parse(MIN).unwrap();
        assert_eq!((c.api.max_streams, c.api.max_streams_per_user, c.api.max_connections_per_address), (64, 4, 32));
        assert!(!c.api.secure_cookies);
        // Few connections: the default stream limit follows them down.
        assert_eq!(Config::parse(&format!("{MIN}\n[api]\nmax_connections = 8\n")).unwrap().api.max_streams, 4);
        let e = err(&format!("{MIN}\n[api]\nmax_connections = 100\nmax_streams = 51\n"));
        assert!(e.starts_with("api.max_streams:"), "{e}");
        let e = err(&format!("{MIN}\n[api]\nmax_streams = 3\nmax_streams_per_user = 4\n"));
        assert!(e.starts_with("api.max_streams_per_user:"), "{e}");
        let e = err(&format!("{MIN}\n[api]\nmax_connections_per_address = 0\n"));
        assert!(e.starts_with("api.max_connections_per_address:"), "{e}");
        assert!(Config::parse(&format!("{MIN}\n[api]\nsecure_cookies = true\n")).unwrap().api.secure_cookies);
    }

    #[test]
    fn out_of_range_durations_are_refused_with_the_key() {
        for (section, key, value) in [
            ("auth", "lockout", "9999999999999h"),
            ("auth", "idle_timeout", "99999999999999999999s"),
            ("auth", "idle_timeout", "30d"),
            ("wakeup", "late_grace", "100d"),
            ("wakeup", "ring_timeout", "0s"),
            ("pbx", "ack_timeout", "1h"),
            ("pbx", "ack_timeout", "10ms"),
            ("messages", "keep_for", "1s"),
            ("api", "header_timeout", "0s"),
        ] {
            let e = err(&format!("{MIN}\n[{section}]\n{key} = \"{value}\"\n"));
            assert!(e.starts_with(&format!("{section}.{key}:")), "{section}.{key} = {value}: {e}");
        }
        let c = Config::parse(&format!("{MIN}\n[wakeup]\nlate_grace = \"0s\"\n")).unwrap();
        assert_eq!(c.wakeup.late_grace, Duration::ZERO);
        assert!(err(&format!("{MIN}\n[api]\nmax_body = \"1g\"\n")).starts_with("api.max_body:"));
        assert_eq!(Config::parse(&format!("{MIN}\n[api]\nmax_body = \"1m\"\n")).unwrap().api.max_body, 1 << 20);
        assert!(err(&format!("{MIN}\n[rooms]\n")).contains("rooms"), "a second [rooms] is a syntax error");
        assert!(err(&MIN.replace("[rooms]", "[rooms]\ndefault_class = 4")).starts_with("rooms.default_class:"));
    }

    proptest::proptest! {
        /// Whatever duration a key is given, hotel.toml is refused with that key named or the
        /// value lies within the key's range: nothing wraps or silently becomes 0.
        #[test]
        fn any_lockout_is_in_range_or_named(n in proptest::num::u64::ANY, unit in proptest::sample::select(vec!["ms", "s", "m", "h", "d"])) {
            match Config::parse(&format!("{MIN}\n[auth]\nlockout = \"{n}{unit}\"\n")) {
                Ok(c) => proptest::prop_assert!(c.auth.lockout >= secs(1) && c.auth.lockout <= DAY),
                Err(e) => proptest::prop_assert!(e.to_string().starts_with("auth.lockout:"), "{}", e),
            }
        }
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
