//! The wall clock, injected: the core asks a [`Clock`] for now, tests use [`FakeClock`].
//!
//! Timers use tokio's monotonic time (paused in tests); this clock gives the calendar time that
//! is stored and shown, and (converted to the hotel's time zone) stamped on FIAS records.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};

pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;
}

/// The machine's clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)] // the one place that may read the real clock
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock tests set and advance by hand.
#[derive(Debug, Clone)]
pub struct FakeClock(Arc<Mutex<DateTime<Utc>>>);

impl FakeClock {
    pub fn new(at: DateTime<Utc>) -> Self {
        FakeClock(Arc::new(Mutex::new(at)))
    }
    pub fn set(&self, at: DateTime<Utc>) {
        *self.0.lock().unwrap() = at;
    }
    pub fn advance(&self, by: Duration) {
        *self.0.lock().unwrap() += by;
    }
}

impl Clock for FakeClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
}

pub type SharedClock = Arc<dyn Clock>;

/// Timestamps as stored and shown: UTC, RFC 3339, whole seconds.
pub fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// A stored RFC 3339 timestamp back as UTC (`None` if it is not one).
pub fn parse_utc(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s).ok().map(|d| d.with_timezone(&Utc))
}

/// A hotel-local time as stored and shown: ISO 8601 without zone, whole seconds.
pub fn local_iso(l: chrono::NaiveDateTime) -> String {
    l.format("%Y-%m-%dT%H:%M:%S").to_string()
}

/// Nothing anywhere is configured longer than this (ten years).
pub const LONGEST: std::time::Duration = std::time::Duration::from_secs(3650 * 86400);

/// Parses `"45s"`, `"5m"`, `"1h"`, `"250ms"`, `"7d"`.
pub fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    let s = s.trim();
    let shown: String = s.chars().take(40).collect();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: u64 = num.parse().map_err(|_| format!("{shown:?} is not a duration like \"45s\", \"5m\" or \"1h\""))?;
    let (per_unit_ms, name): (u64, &str) = match unit {
        "ms" => (1, "ms"),
        "s" => (1_000, "s"),
        "m" => (60_000, "m"),
        "h" => (3_600_000, "h"),
        "d" => (86_400_000, "d"),
        _ => return Err(format!("{shown:?} has no unit: write it like \"45s\", \"5m\", \"1h\" or \"7d\"")),
    };
    let too_long = || format!("{n}{name} is longer than {}", show(LONGEST));
    let ms = n.checked_mul(per_unit_ms).ok_or_else(too_long)?;
    let d = std::time::Duration::from_millis(ms);
    if d > LONGEST {
        return Err(too_long());
    }
    Ok(d)
}

/// A duration as it would be written in hotel.toml ("250ms", "90s", "5m", "2h", "7d").
pub fn show(d: std::time::Duration) -> String {
    let ms = d.as_millis();
    for (unit, name) in [(86_400_000, "d"), (3_600_000, "h"), (60_000, "m"), (1_000, "s")] {
        if ms >= unit && ms.is_multiple_of(unit) {
            return format!("{}{name}", ms / unit);
        }
    }
    format!("{ms}ms")
}

/// A duration as people read it in logs and alerts: "2h05m", "12m00s", "4.2s".
pub fn human(d: std::time::Duration) -> String {
    let s = d.as_secs();
    if s >= 3600 {
        format!("{}h{:02}m", s / 3600, (s % 3600) / 60)
    } else if s >= 60 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else {
        format!("{}.{}s", s, d.subsec_millis() / 100)
    }
}

/// A wall clock that follows tokio's clock from a fixed start: with paused tokio time in tests,
/// time only moves when the runtime auto-advances or the test advances it, and timers and the
/// calendar agree.
#[derive(Debug, Clone, Copy)]
pub struct TokioClock {
    start: DateTime<Utc>,
    base: tokio::time::Instant,
}

impl TokioClock {
    pub fn starting_at(start: DateTime<Utc>) -> Self {
        TokioClock { start, base: tokio::time::Instant::now() }
    }
}

impl Clock for TokioClock {
    fn now(&self) -> DateTime<Utc> {
        let elapsed = tokio::time::Instant::now() - self.base;
        self.start + Duration::from_std(elapsed).unwrap_or_default()
    }
}
