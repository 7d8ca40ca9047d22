//! The hotel's tariff (`tariffs.toml` beside hotel.toml), parsed then validated, and the pure
//! pricing of one call: the longest dialled prefix picks the band; a period (day of week, time
//! of day, hotel local time at the call's start) may change its prices; every started billing
//! increment is charged; calls shorter than `free_under` are free; `minimum` applies; the
//! surcharge is added once per call, rounded half up. All amounts are integer minor units.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{Datelike, NaiveDateTime, NaiveTime, Timelike, Weekday};
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
    /// Minutes after midnight, hotel local time; `to` may be 1440 ("24:00", the day's end). A
    /// period with `from > to` runs overnight into the next day.
    pub from: u32,
    pub to: u32,
    pub prices: Prices,
}

/// Minutes in a day and in a week.
const DAY_MIN: u32 = 24 * 60;
const WEEK_MIN: u32 = 7 * DAY_MIN;

/// Band names are shown on bills and screens: one line, this long at most.
const BAND_NAME_MAX: usize = 40;

/// Bands and prefixes in one tariff, at most (a hotel's has a few dozen).
const MAX_BANDS: usize = 200;
const MAX_PREFIXES: usize = 5_000;

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
            from: hh_mm(p.from),
            to: hh_mm(p.to),
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

fn hh_mm(minutes: u32) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// "19:00" as minutes after midnight; "24:00" (the day's end) only where `end_of_day` may be.
fn time_of_day(key: &str, s: &str, end_of_day: bool) -> Result<u32, TariffError> {
    if end_of_day && s.trim() == "24:00" {
        return Ok(DAY_MIN);
    }
    let shown: String = s.chars().take(20).collect();
    let t = NaiveTime::parse_from_str(s.trim(), "%H:%M").map_err(|_| {
        let end = if end_of_day { " (or 24:00, the day's end)" } else { "" };
        bad(key, format!("{shown:?} is not a time like 19:00{end}"))
    })?;
    Ok(t.hour() * 60 + t.minute())
}

/// Exact day names: "mon" .. "sun" (or written out, "monday"), any case.
fn weekdays(key: &str, days: &[String]) -> Result<Vec<Weekday>, TariffError> {
    const NAMES: [(&str, &str, Weekday); 7] = [
        ("mon", "monday", Weekday::Mon),
        ("tue", "tuesday", Weekday::Tue),
        ("wed", "wednesday", Weekday::Wed),
        ("thu", "thursday", Weekday::Thu),
        ("fri", "friday", Weekday::Fri),
        ("sat", "saturday", Weekday::Sat),
        ("sun", "sunday", Weekday::Sun),
    ];
    let mut out = Vec::new();
    for d in days {
        let name = d.trim().to_lowercase();
        let found = NAMES.iter().find(|(short, long, _)| name == *short || name == *long).map(|(_, _, w)| *w);
        let shown: String = d.chars().take(20).collect();
        let day =
            found.ok_or_else(|| bad(key, format!("{shown:?} is not a weekday (mon, tue, wed, thu, fri, sat, sun)")))?;
        if out.contains(&day) {
            return Err(bad(key, format!("{shown:?} is named twice")));
        }
        out.push(day);
    }
    if out.is_empty() {
        return Err(bad(key, "name at least one weekday"));
    }
    Ok(out)
}

/// The minutes of the week a period covers, as [start, end) spans (an overnight period's
/// Sunday night runs into Monday morning).
fn week_spans(p: &Period) -> Vec<(u32, u32)> {
    let mut spans = Vec::new();
    for d in &p.days {
        let start = d.num_days_from_monday() * DAY_MIN + p.from;
        let end = d.num_days_from_monday() * DAY_MIN + if p.from < p.to { p.to } else { DAY_MIN + p.to };
        if end <= WEEK_MIN {
            spans.push((start, end));
        } else {
            spans.push((start, WEEK_MIN));
            spans.push((0, end - WEEK_MIN));
        }
    }
    spans
}

/// A band's name: one line of text by the rules every stored text follows, no markup.
fn band_name(key: &str, name: &str) -> Result<String, TariffError> {
    let v = crate::domain::validate::Text::line(BAND_NAME_MAX).required("name", name).map_err(|e| bad(key, e.msg))?;
    if v.contains(['<', '>']) {
        return Err(bad(key, "must not contain '<' or '>' (no markup)"));
    }
    Ok(v)
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
        if raw.band.len() > MAX_BANDS {
            return Err(bad("band", format!("{} bands; at most {MAX_BANDS}", raw.band.len())));
        }
        let mut bands = Vec::new();
        let mut prefixes = BTreeMap::new();
        for (i, b) in raw.band.iter().enumerate() {
            let key = |k: &str| format!("band[{i}].{k}");
            let name = band_name(&key("name"), &b.name)?;
            if let Some(j) = bands.iter().position(|other: &Band| other.name == name) {
                return Err(bad(key("name"), format!("{name:?} is also the name of band[{j}]")));
            }
            let unit = parse_duration(&b.unit).map_err(|m| bad(key("unit"), m))?;
            if unit < Duration::from_secs(1) || unit > Duration::from_secs(3600) {
                return Err(bad(key("unit"), "must be 1s to 1h"));
            }
            let free_under = match &b.free_under {
                None => Duration::ZERO,
                Some(s) => parse_duration(s).map_err(|m| bad(key("free_under"), m))?,
            };
            if free_under > Duration::from_secs(3600) {
                return Err(bad(key("free_under"), "must be at most 1h"));
            }
            let prices = Prices {
                setup: money(&key("setup"), b.setup)?,
                per_unit: money(&key("per_unit"), b.per_unit)?,
                minimum: money(&key("minimum"), b.minimum)?,
            };
            let mut periods = Vec::new();
            for (j, p) in b.period.iter().enumerate() {
                let pk = |k: &str| format!("band[{i}].period[{j}].{k}");
                let period = Period {
                    days: weekdays(&pk("days"), &p.days)?,
                    from: time_of_day(&pk("from"), &p.from, false)?,
                    to: time_of_day(&pk("to"), &p.to, true)?,
                    prices: Prices {
                        setup: money(&pk("setup"), p.setup.unwrap_or(prices.setup))?,
                        per_unit: money(&pk("per_unit"), p.per_unit.unwrap_or(prices.per_unit))?,
                        minimum: money(&pk("minimum"), p.minimum.unwrap_or(prices.minimum))?,
                    },
                };
                if period.from == period.to {
                    return Err(bad(
                        pk("to"),
                        "equals from: the period would be empty (00:00 to 24:00 is the whole day)",
                    ));
                }
                // Which period prices a call must never depend on the order they are written in.
                let mine = week_spans(&period);
                for (k, other) in periods.iter().enumerate() {
                    let overlap = week_spans(other).into_iter().any(|(a, b)| mine.iter().any(|&(c, d)| a < d && c < b));
                    if overlap {
                        return Err(bad(
                            pk("days"),
                            format!("overlaps band[{i}].period[{k}]: a call would match both"),
                        ));
                    }
                }
                periods.push(period);
            }
            if prefixes.len() + b.prefixes.len() > MAX_PREFIXES {
                return Err(bad(key("prefixes"), format!("more than {MAX_PREFIXES} prefixes in all")));
            }
            if b.prefixes.is_empty() {
                return Err(bad(key("prefixes"), "give at least one dialled-digit prefix"));
            }
            for p in &b.prefixes {
                if p.is_empty() || p.len() > 32 || !p.bytes().all(|c| c.is_ascii_digit() || c == b'*' || c == b'#') {
                    let shown: String = p.chars().take(40).collect();
                    return Err(bad(
                        key("prefixes"),
                        format!("{shown:?} is not a dialled-digit prefix (1 to 32 of 0-9 * #)"),
                    ));
                }
                if let Some(other) = prefixes.insert(p.clone(), i) {
                    return Err(bad(key("prefixes"), format!("{p:?} is also a prefix of band[{other}]")));
                }
            }
            bands.push(Band {
                name,
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
        // Saturating: prices are capped at parse, so only an absurd call could reach the bound.
        let base = prices.setup.saturating_add(units.saturating_mul(prices.per_unit)).max(prices.minimum);
        let surcharge = base.saturating_mul(band.surcharge_bp).saturating_add(5_000) / 10_000;
        Priced { band: band.name.clone(), amount_minor: base.saturating_add(surcharge) }
    }
}

impl Period {
    /// Whether a call starting at `t` falls in this period. An overnight period (from > to)
    /// belongs to the day it starts on.
    fn covers(&self, t: NaiveDateTime) -> bool {
        let (time, day) = (t.hour() * 60 + t.minute(), t.weekday());
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
        assert_eq!(national.periods[2], "sat,sun 00:00-24:00: setup 0, per unit 20, minimum 0");
        let weekend = &national.period_prices[2];
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
        assert_eq!(e(&band("free_under = \"2h\"")), "band[0].free_under");
        assert_ne!(Tariff::parse(EXAMPLE).unwrap().version, Tariff::parse(&band("")).unwrap().version);
    }

    fn with_periods(periods: &str) -> Result<Tariff, TariffError> {
        Tariff::parse(&format!(
            "currency = \"CHF\"\n[[band]]\nname = \"x\"\nprefixes = [\"0\"]\nunit = \"60s\"\nper_unit = 10\n{periods}"
        ))
    }

    fn period(days: &str, from: &str, to: &str) -> String {
        format!("[[band.period]]\ndays = [{days}]\nfrom = \"{from}\"\nto = \"{to}\"\nper_unit = 5\n")
    }

    #[test]
    fn day_names_are_exact_and_any_text_is_refused_without_a_panic() {
        for bad_day in ["\"日曜日\"", "\"mo\u{301}n\"", "\"monXYZ\"", "\"m\"", "\"\"", "\"é\""] {
            let err = with_periods(&period(bad_day, "19:00", "07:00")).unwrap_err();
            assert_eq!(err.key, "band[0].period[0].days", "{bad_day}: {err}");
        }
        let ok = with_periods(&period("\"Monday\", \"TUE\"", "19:00", "07:00")).unwrap();
        assert_eq!(ok.bands[0].periods[0].days, [Weekday::Mon, Weekday::Tue]);
        assert!(with_periods(&period("\"mon\", \"mon\"", "19:00", "07:00")).unwrap_err().msg.contains("twice"));
        assert!(with_periods(&period("\"mon\"", "19:00", "25:00")).is_err());
        assert!(with_periods(&period("\"mon\"", "24:00", "07:00")).is_err(), "24:00 ends a period, never starts one");
    }

    #[test]
    fn empty_and_overlapping_periods_are_refused() {
        let e = with_periods(&period("\"mon\"", "08:00", "08:00")).unwrap_err();
        assert_eq!(e.key, "band[0].period[0].to", "{e}");
        // Friday night into Saturday, and Saturday all day: both would price Saturday 01:00.
        let e =
            with_periods(&(period("\"fri\"", "19:00", "07:00") + &period("\"sat\"", "00:00", "24:00"))).unwrap_err();
        assert_eq!(e.key, "band[0].period[1].days", "{e}");
        assert!(e.msg.contains("period[0]"), "{e}");
        // Sunday night runs into Monday morning.
        let e =
            with_periods(&(period("\"sun\"", "22:00", "06:00") + &period("\"mon\"", "05:00", "09:00"))).unwrap_err();
        assert!(e.msg.contains("overlaps"), "{e}");
        // Touching is not overlapping.
        let t = with_periods(&(period("\"fri\"", "19:00", "24:00") + &period("\"sat\"", "00:00", "24:00"))).unwrap();
        let p = |s: &str| t.price("01", at(s), secs(60)).amount_minor;
        assert_eq!((p("2026-12-04 23:59:00"), p("2026-12-05 00:00:00"), p("2026-12-04 18:59:00")), (5, 5, 10));
    }

    #[test]
    fn band_names_follow_the_rules_of_every_stored_text() {
        let named = |name: &str| {
            Tariff::parse(&format!(
                "currency = \"CHF\"\n[[band]]\nname = {}\nprefixes = [\"0\"]\nunit = \"60s\"\nper_unit = 10\n",
                toml::Value::String(name.into())
            ))
        };
        for bad_name in ["<b>cheap</b>", "a\u{202E}b", "ring\u{7}", &"x".repeat(1 << 20), "  "] {
            let e = named(bad_name).unwrap_err();
            assert_eq!(e.key, "band[0].name", "{e}");
            assert!(e.to_string().len() < 200, "the error does not echo it whole");
        }
        assert_eq!(named("國際電話 international").unwrap().bands[0].name, "國際電話 international");
    }

    proptest::proptest! {
        /// Any UTF-8 in any string field: an error or a tariff, never a panic.
        #[test]
        fn no_text_panics_the_parser(
            currency in "\\PC{0,6}",
            name in "\\PC{0,12}",
            prefix in "\\PC{0,6}",
            unit in "\\PC{0,6}",
            free in "\\PC{0,6}",
            day in "\\PC{0,8}",
            from in "\\PC{0,6}",
            to in "\\PC{0,6}",
        ) {
            let q = |s: &str| toml::Value::String(s.to_string()).to_string();
            let text = format!(
                "currency = {}\n[[band]]\nname = {}\nprefixes = [{}]\nunit = {}\nper_unit = 1\nfree_under = {}\n[[band.period]]\ndays = [{}]\nfrom = {}\nto = {}\n",
                q(&currency), q(&name), q(&prefix), q(&unit), q(&free), q(&day), q(&from), q(&to)
            );
            let _ = Tariff::parse(&text);
            // Near-valid files too, each field alone wrong.
            let good = |field: &str, v: &str| {
                let mut f = [("currency", "CHF"), ("name", "x"), ("prefix", "0"), ("unit", "60s"), ("day", "mon"), ("from", "19:00"), ("to", "07:00")];
                for kv in f.iter_mut().filter(|kv| kv.0 == field) { kv.1 = v; }
                format!(
                    "currency = {}\n[[band]]\nname = {}\nprefixes = [{}]\nunit = {}\nper_unit = 1\n[[band.period]]\ndays = [{}]\nfrom = {}\nto = {}\n",
                    q(f[0].1), q(f[1].1), q(f[2].1), q(f[3].1), q(f[4].1), q(f[5].1), q(f[6].1)
                )
            };
            for (field, v) in [("currency", &currency), ("name", &name), ("prefix", &prefix), ("unit", &unit), ("day", &day), ("from", &from), ("to", &to)] {
                let _ = Tariff::parse(&good(field, v));
            }
        }
    }
}
