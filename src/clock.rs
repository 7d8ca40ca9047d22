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
