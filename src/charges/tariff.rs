//! The hotel's tariff (`tariffs.toml` beside hotel.toml), parsed then validated, and the pure
//! pricing of one call: the longest dialled prefix picks the band; a period (day of week, time
//! of day, hotel local time at the call's start) may change its prices; every started billing
//! increment is charged; calls shorter than `free_under` are free; `minimum` applies; the
//! surcharge is added once per call, rounded half up. All amounts are integer minor units.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{Datelike, NaiveDateTime, NaiveTime, Weekday};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::clock::parse_duration;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{key}: {msg}")]
pub struct TariffError {
    pub key: String,
    pub msg: String,
}

fn bad(key: impl Into<String>, msg: impl Into<String>) -> TariffError {
    TariffError { key: key.into(), msg: msg.into() }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTariff {
    currency: String,
    #[serde(default)]
    band: Vec<RawBand>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBand {
    name: String,
    prefixes: Vec<String>,
    #[serde(default)]
    setup: i64,
    unit: String,
    per_unit: i64,
    #[serde(default)]
    minimum: i64,
    free_under: Option<String>,
    surcharge_percent: Option<toml::Value>,
    #[serde(default)]
    period: Vec<RawPeriod>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPeriod {
    days: Vec<String>,
    from: String,
    to: String,
    setup: Option<i64>,
    per_unit: Option<i64>,
    minimum: Option<i64>,
}

/// Prices that a period may change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Prices {
    pub setup: i64,
    pub per_unit: i64,
    pub minimum: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Period {
    pub days: Vec<Weekday>,
    pub from: NaiveTime,
    pub to: NaiveTime,
    pub prices: Prices,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Band {
    pub name: String,
    pub prices: Prices,
    pub unit: Duration,
    pub free_under: Duration,
    /// The surcharge in basis points (10% = 1000).
    pub surcharge_bp: i64,
    pub periods: Vec<Period>,
}

/// A validated tariff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tariff {
    pub currency: String,
    pub bands: Vec<Band>,
    /// Dialled-digit prefix -> band index.
    prefixes: BTreeMap<String, usize>,
    /// The first 12 hex digits of the file's SHA-256: which tariff priced a call.
    pub version: String,
}

/// A band as shown (`tariff show`).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BandView {
    pub name: String,
    pub prefixes: Vec<String>,
    pub setup: i64,
    pub unit_s: u64,
    pub per_unit: i64,
    pub minimum: i64,
    pub free_under_s: u64,
    /// Percent, e.g. 10.0.
    pub surcharge_percent: f64,
    /// "mon,tue 19:00-07:00: setup 0, per unit 20, minimum 0".
    pub periods: Vec<String>,
    /// The same periods, field by field (for a display in the reader's language).
    #[serde(default)]
    pub period_prices: Vec<PeriodView>,
}

impl PeriodView {
    fn of(p: &Period) -> Self {
        PeriodView {
            days: p.days.iter().map(|d| d.to_string().to_lowercase()).collect(),
            from: p.from.format("%H:%M").to_string(),
            to: p.to.format("%H:%M").to_string(),
            setup: p.prices.setup,
            per_unit: p.prices.per_unit,
            minimum: p.prices.minimum,
        }
    }
}

/// "mon,tue 19:00-07:00: setup 0, per unit 20, minimum 0".
impl std::fmt::Display for PeriodView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}-{}: setup {}, per unit {}, minimum {}",
            self.days.join(","),
            self.from,
            self.to,
            self.setup,
            self.per_unit,
            self.minimum
        )
    }
}

/// A cheaper (or dearer) period of a band, as shown.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PeriodView {
    /// "mon" .. "sun".
    pub days: Vec<String>,
    /// HH:MM, hotel local time.
    pub from: String,
    pub to: String,
    pub setup: i64,
    pub per_unit: i64,
    pub minimum: i64,
}

/// The tariff as shown.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TariffView {
    pub currency: String,
    pub version: String,
    pub bands: Vec<BandView>,
}

/// A price told before dialling.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Quote {
    pub number: String,
    pub minutes: u32,
    pub band: String,
    pub amount_minor: i64,
    pub currency: String,
}

/// A call priced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Priced {
    /// The band's name (none matched: `"unpriced"`, amount 0).
    pub band: String,
    pub amount_minor: i64,
}

fn money(key: &str, v: i64) -> Result<i64, TariffError> {
    if !(0..=100_000_000).contains(&v) {
        return Err(bad(key, format!("{v} must be 0 to 100000000 minor units")));
    }
    Ok(v)
}

fn time_of_day(key: &str, s: &str) -> Result<NaiveTime, TariffError> {
    NaiveTime::parse_from_str(s, "%H:%M").map_err(|_| bad(key, format!("{s:?} is not a time like 19:00")))
}

fn weekdays(key: &str, days: &[String]) -> Result<Vec<Weekday>, TariffError> {
    let mut out = Vec::new();
    for d in days {
        let found = [Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri, Weekday::Sat, Weekday::Sun]
            .into_iter()
            .find(|w| w.to_string().eq_ignore_ascii_case(&d[..d.len().min(3)]) && d.len() >= 3);
        out.push(found.ok_or_else(|| bad(key, format!("{d:?} is not a weekday (mon..sun)")))?);
    }
    if out.is_empty() {
        return Err(bad(key, "name at least one weekday"));
    }
    Ok(out)
}

fn percent_bp(key: &str, v: Option<&toml::Value>) -> Result<i64, TariffError> {
    let bp = match v {
        None => 0,
        Some(toml::Value::Integer(i)) => i.saturating_mul(100),
        Some(toml::Value::Float(f)) if f.is_finite() => (f * 100.0).round() as i64,
        Some(other) => return Err(bad(key, format!("{other} is not a percentage"))),
    };
    if !(0..=10_000).contains(&bp) {
        return Err(bad(key, "must be 0 to 100"));
    }
    Ok(bp)
}

impl Tariff {
    /// Parses and validates `tariffs.toml`; errors name the key.
    pub fn parse(text: &str) -> Result<Tariff, TariffError> {
        let raw: RawTariff = toml::from_str(text).map_err(|e| bad("tariffs.toml", e.to_string()))?;
        let currency = raw.currency.trim().to_ascii_uppercase();
        if currency.len() != 3 || !super::money::is_currency(&currency) {
            return Err(bad("currency", format!("{:?} is not an ISO 4217 code such as \"CHF\"", raw.currency)));
        }
        let mut bands = Vec::new();
        let mut prefixes = BTreeMap::new();
        for (i, b) in raw.band.iter().enumerate() {
            let key = |k: &str| format!("band[{i}].{k}");
            if b.name.trim().is_empty() {
                return Err(bad(key("name"), "must not be empty"));
            }
            let unit = parse_duration(&b.unit).map_err(|m| bad(key("unit"), m))?;
            if unit < Duration::from_secs(1) || unit > Duration::from_secs(3600) {
                return Err(bad(key("unit"), "must be 1s to 1h"));
            }
            let free_under = match &b.free_under {
                None => Duration::ZERO,
                Some(s) => parse_duration(s).map_err(|m| bad(key("free_under"), m))?,
            };
            let prices = Prices {
                setup: money(&key("setup"), b.setup)?,
                per_unit: money(&key("per_unit"), b.per_unit)?,
                minimum: money(&key("minimum"), b.minimum)?,
            };
            let mut periods = Vec::new();
            for (j, p) in b.period.iter().enumerate() {
                let pk = |k: &str| format!("band[{i}].period[{j}].{k}");
                periods.push(Period {
                    days: weekdays(&pk("days"), &p.days)?,
                    from: time_of_day(&pk("from"), &p.from)?,
                    to: time_of_day(&pk("to"), &p.to)?,
                    prices: Prices {
                        setup: money(&pk("setup"), p.setup.unwrap_or(prices.setup))?,
                        per_unit: money(&pk("per_unit"), p.per_unit.unwrap_or(prices.per_unit))?,
                        minimum: money(&pk("minimum"), p.minimum.unwrap_or(prices.minimum))?,
                    },
                });
            }
            if b.prefixes.is_empty() {
                return Err(bad(key("prefixes"), "give at least one dialled-digit prefix"));
            }
            for p in &b.prefixes {
                if p.is_empty() || !p.bytes().all(|c| c.is_ascii_digit() || c == b'*' || c == b'#') {
                    return Err(bad(key("prefixes"), format!("{p:?} is not a dialled-digit prefix")));
                }
                if let Some(other) = prefixes.insert(p.clone(), i) {
                    return Err(bad(key("prefixes"), format!("{p:?} is also a prefix of band[{other}]")));
                }
            }
            bands.push(Band {
                name: b.name.trim().to_string(),
                prices,
                unit,
                free_under,
                surcharge_bp: percent_bp(&key("surcharge_percent"), b.surcharge_percent.as_ref())?,
                periods,
            });
        }
        let version = Sha256::digest(text.as_bytes()).iter().take(6).map(|b| format!("{b:02x}")).collect();
        Ok(Tariff { currency, bands, prefixes, version })
    }

    /// The tariff as shown.
    pub fn view(&self) -> TariffView {
        let bands = self
            .bands
            .iter()
            .enumerate()
            .map(|(i, b)| {
                let period_prices: Vec<PeriodView> = b.periods.iter().map(PeriodView::of).collect();
                BandView {
                    name: b.name.clone(),
                    prefixes: self.prefixes.iter().filter(|(_, &j)| j == i).map(|(p, _)| p.clone()).collect(),
                    setup: b.prices.setup,
                    unit_s: b.unit.as_secs(),
                    per_unit: b.prices.per_unit,
                    minimum: b.prices.minimum,
                    free_under_s: b.free_under.as_secs(),
                    surcharge_percent: b.surcharge_bp as f64 / 100.0,
                    periods: period_prices.iter().map(PeriodView::to_string).collect(),
                    period_prices,
                }
            })
            .collect();
        TariffView { currency: self.currency.clone(), version: self.version.clone(), bands }
    }

    /// The band of the longest prefix of `digits`.
    pub fn band_of(&self, digits: &str) -> Option<&Band> {
        (1..=digits.len())
            .rev()
            .find_map(|n| digits.get(..n).and_then(|p| self.prefixes.get(p)))
            .map(|&i| &self.bands[i])
    }

    /// Prices a call to `digits` that started at `start` (hotel local time) and lasted
    /// `duration` (talk time, not ring time).
    pub fn price(&self, digits: &str, start: NaiveDateTime, duration: Duration) -> Priced {
        let Some(band) = self.band_of(digits) else { return Priced { band: "unpriced".into(), amount_minor: 0 } };
        if duration < band.free_under || duration.is_zero() {
            return Priced { band: band.name.clone(), amount_minor: 0 };
        }
        let prices = band.periods.iter().find(|p| p.covers(start)).map_or(band.prices, |p| p.prices);
        let unit = band.unit.as_millis().max(1);
        let units = duration.as_millis().div_ceil(unit) as i64;
        let base = (prices.setup + units.saturating_mul(prices.per_unit)).max(prices.minimum);
        let surcharge = (base.saturating_mul(band.surcharge_bp) + 5_000) / 10_000;
        Priced { band: band.name.clone(), amount_minor: base + surcharge }
    }
}

impl Period {
    /// Whether a call starting at `t` falls in this period. An overnight period (from > to)
    /// belongs to the day it starts on.
    fn covers(&self, t: NaiveDateTime) -> bool {
        let (time, day) = (t.time(), t.weekday());
        if self.from <= self.to {
            self.days.contains(&day) && time >= self.from && time < self.to
        } else if time >= self.from {
            self.days.contains(&day)
        } else {
            time < self.to && self.days.contains(&day.pred())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = include_str!("../../tariffs.example.toml");

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap()
    }

    fn secs(n: u64) -> Duration {
        Duration::from_secs(n)
    }

    #[test]
    fn worked_prices() {
        let t = Tariff::parse(EXAMPLE).unwrap();
        let monday = "2026-11-30 10:00:00";
        // Longest prefix wins: 0041 (Switzerland, national) beside 00 (international).
        assert_eq!(t.price("0041443334455", at(monday), secs(60)).band, "national");
        assert_eq!(t.price("004989920920", at(monday), secs(60)).band, "international");
        assert_eq!(t.price("0049151", at(monday), secs(60)).band, "mobile abroad", "longer than 0049");
        // international: setup 50, 120 per started 60 s, 10% surcharge rounded half up.
        assert_eq!(t.price("004989920920", at(monday), secs(61)).amount_minor, (50 + 2 * 120) + 29);
        assert_eq!(t.price("004989920920", at(monday), secs(60)).amount_minor, 170 + 17);
        // Shorter than free_under (5 s): free. A zero-length call: free.
        assert_eq!(t.price("004989920920", at(monday), secs(4)).amount_minor, 0);
        // local: 6 s increments, minimum 20, no surcharge.
        assert_eq!(t.price("0445556677", at(monday), secs(7)).amount_minor, 20, "2 x 3 = 6, the minimum 20");
        assert_eq!(t.price("0445556677", at(monday), secs(61)).amount_minor, 11 * 3);
        // Cheaper hours: national calls after 19:00 on weekdays and all weekend, at the call's start.
        assert_eq!(t.price("0041443334455", at("2026-11-30 18:59:59"), secs(60)).amount_minor, 40);
        assert_eq!(t.price("0041443334455", at("2026-11-30 19:00:00"), secs(60)).amount_minor, 20);
        assert_eq!(t.price("0041443334455", at("2026-12-01 06:59:00"), secs(60)).amount_minor, 20, "overnight");
        assert_eq!(t.price("0041443334455", at("2026-12-01 07:00:00"), secs(60)).amount_minor, 40);
        assert_eq!(t.price("0041443334455", at("2026-12-05 12:00:00"), secs(60)).amount_minor, 20, "Saturday");
        // Unknown prefix: unpriced.
        assert_eq!(t.price("777", at(monday), secs(60)), Priced { band: "unpriced".into(), amount_minor: 0 });
    }

    #[test]
    fn the_view_shows_periods_as_text_and_field_by_field() {
        let view = Tariff::parse(EXAMPLE).unwrap().view();
        let national = view.bands.iter().find(|b| b.name == "national").unwrap();
        assert_eq!(national.periods[1], "sat,sun 00:00-23:59: setup 0, per unit 20, minimum 0");
        let weekend = &national.period_prices[1];
        assert_eq!((weekend.days.join(" "), weekend.from.as_str(), weekend.per_unit), ("sat sun".into(), "00:00", 20));
    }

    #[test]
    fn surcharge_rounds_half_up_once_per_call() {
        let t = Tariff::parse(
            "currency = \"TWD\"\n[[band]]\nname = \"x\"\nprefixes = [\"9\"]\nunit = \"60s\"\nper_unit = 5\nsurcharge_percent = 10\n",
        )
        .unwrap();
        // 5 -> 0.5 -> 1; 15 -> 1.5 -> 2; 25 -> 2.5 -> 3.
        let p = |n: u64| t.price("9", at("2026-11-30 10:00:00"), secs(60 * n)).amount_minor;
        assert_eq!((p(1), p(3), p(5)), (6, 17, 28));
    }

    #[test]
    fn a_wrong_tariff_names_the_key() {
        let e = |text: &str| Tariff::parse(text).unwrap_err().key;
        let band = |extra: &str| {
            format!("currency = \"CHF\"\n[[band]]\nname = \"x\"\nprefixes = [\"0\"]\nunit = \"60s\"\nper_unit = 10\n{extra}")
        };
        assert_eq!(e("currency = \"Swiss francs\""), "currency");
        assert_eq!(e(&band("setup = -5")), "band[0].setup");
        assert_eq!(e(&band("free_under = \"soon\"")), "band[0].free_under");
        assert_eq!(e(&band("surcharge_percent = 150")), "band[0].surcharge_percent");
        assert_eq!(
            e(&format!("{}[[band]]\nname = \"y\"\nprefixes = [\"0\"]\nunit = \"6s\"\nper_unit = 1\n", band(""))),
            "band[1].prefixes"
        );
        assert_eq!(
            e(&band("[[band.period]]\ndays = [\"someday\"]\nfrom = \"19:00\"\nto = \"07:00\"\n")),
            "band[0].period[0].days"
        );
        assert_eq!(e(&band("colour = 1")), "tariffs.toml");
        assert_ne!(Tariff::parse(EXAMPLE).unwrap().version, Tariff::parse(&band("")).unwrap().version);
    }
}
