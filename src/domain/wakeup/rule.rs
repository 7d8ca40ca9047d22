//! When a wake-up call is due: booking rules and the DST rule, pure functions of "now".
//!
//! Every rule yields local wall-clock date-times in the hotel's zone; [`resolve`] turns one into
//! an instant:
//! - a local time that exists once is that instant;
//! - a local time that exists twice (autumn, clocks go back) fires once, at the FIRST instant;
//! - a local time that does not exist (spring, clocks go forward) fires at the first valid
//!   instant after it (02:30 on a 02:00 -> 03:00 night fires at 03:00).
//!
//! "Tomorrow" is the next calendar date, never now + 86,400 s: a daily 07:00 stays 07:00 local
//! across both change-over days. The next occurrence of a recurring booking is computed after
//! the previous occurrence's local time, so a time that exists twice is not rung twice.

use std::str::FromStr;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Timelike, Utc, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// How a booking repeats.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Repeat {
    /// Once, on this date.
    Once {
        date: NaiveDate,
    },
    Daily,
    /// On these weekdays (monday = 0).
    Days {
        days: Vec<u8>,
    },
    /// Every day for `days` days, starting `from`.
    ForDays {
        from: NaiveDate,
        days: u32,
    },
    /// A cron expression (6 fields: sec min hour day-of-month month day-of-week), in local time.
    Cron {
        expr: String,
    },
}

/// A booking's rule: a time of day and how it repeats.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    pub time: NaiveTime,
    pub repeat: Repeat,
}

/// A rule as data, for whoever says it to a person in their own words: `kind` (`once`,
/// `daily`, `days`, `for_days`, `cron`), the local `time` (`HH:MM`, or `HH:MM:SS` when it has
/// seconds) and what the kind needs: `date` (once), `days` (`mon`..`sun`), `from`..`until`
/// (for_days, both days included), `cron`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleSpec {
    pub kind: String,
    pub time: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub date: Option<NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub days: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub from: Option<NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub until: Option<NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub cron: Option<String>,
}

/// A rule that cannot be: the one input error.
pub use crate::domain::validate::Invalid as RuleError;

fn err(field: &'static str, msg: impl Into<String>) -> RuleError {
    RuleError::new(field, msg)
}

/// Parses `HH:MM` or `HH:MM:SS`.
pub fn parse_time(s: &str) -> Result<NaiveTime, RuleError> {
    NaiveTime::parse_from_str(s, "%H:%M:%S")
        .or_else(|_| NaiveTime::parse_from_str(s, "%H:%M"))
        .map_err(|_| err("time", format!("{s:?} is not a time like 07:00 or 06:45:30")))
}

pub fn parse_date(s: &str) -> Result<NaiveDate, RuleError> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| err("date", format!("{s:?} is not a date like 2026-12-24")))
}

/// Parses `mon,wed,fri` (also full names).
pub fn parse_days(s: &str) -> Result<Vec<u8>, RuleError> {
    let mut days: Vec<u8> = Vec::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let d = Weekday::from_str(part).map_err(|_| err("days", format!("{part:?} is not a weekday (mon..sun)")))?;
        let n = d.num_days_from_monday() as u8;
        if !days.contains(&n) {
            days.push(n);
        }
    }
    if days.is_empty() {
        return Err(err("days", "name at least one weekday, e.g. mon,wed"));
    }
    days.sort_unstable();
    Ok(days)
}

/// One booking rings at most once an hour, however its rule is written: a guest is woken, not
/// paged (and a rule of `* * * * * *` would ring the room every second).
pub const MIN_WAKEUP_INTERVAL: std::time::Duration = std::time::Duration::from_secs(3600);

/// A property job (report, expiry, resync) runs at most every five minutes.
pub const MIN_JOB_INTERVAL: std::time::Duration = std::time::Duration::from_secs(300);

/// Longest cron expression accepted.
pub const MAX_CRON_LEN: usize = 100;

/// How many upcoming firings are checked against the minimum interval: more than a year of a
/// daily rule, so every month and weekday pattern is seen.
const FIRINGS_CHECKED: usize = 500;

/// Normalises a cron expression to the 6-field form; `time`, when given, sets its seconds,
/// minutes and hours (so `--cron` chooses the days and HH:MM the time). Its firings must be at
/// least `min_interval` apart.
pub fn parse_cron(expr: &str, time: Option<NaiveTime>, min_interval: std::time::Duration) -> Result<String, RuleError> {
    if expr.len() > MAX_CRON_LEN {
        return Err(err("cron", format!("is {} characters long; at most {MAX_CRON_LEN}", expr.len())));
    }
    let mut fields: Vec<String> = expr.split_whitespace().map(str::to_string).collect();
    match fields.len() {
        5 => fields.insert(0, "0".into()),
        6 => {}
        n => {
            return Err(err(
                "cron",
                format!("{expr:?} has {n} fields; give 5 (min hour dom month dow) or 6 (sec first)"),
            ))
        }
    }
    if let Some(t) = time {
        fields[0] = t.format("%-S").to_string();
        fields[1] = t.format("%-M").to_string();
        fields[2] = t.format("%-H").to_string();
    }
    let norm = fields.join(" ");
    let schedule = cron::Schedule::from_str(&norm).map_err(|e| err("cron", format!("{expr:?}: {e}")))?;
    let start = NaiveDate::from_ymd_opt(2026, 1, 1).expect("a date").and_hms_opt(0, 0, 0).expect("midnight").and_utc();
    let firings: Vec<DateTime<Utc>> = schedule.after(&start).take(FIRINGS_CHECKED).collect();
    if firings.is_empty() {
        return Err(err("cron", format!("{expr:?} never fires")));
    }
    let min = Duration::from_std(min_interval).expect("a small interval");
    if let Some(w) = firings.windows(2).find(|w| w[1] - w[0] < min) {
        let gap = (w[1] - w[0]).to_std().unwrap_or_default();
        return Err(err(
            "cron",
            format!(
                "{expr:?} fires {} apart (at {} and {}); at most once every {}",
                crate::clock::human(gap),
                w[0].format("%H:%M:%S"),
                w[1].format("%H:%M:%S"),
                crate::clock::human(min_interval)
            ),
        ));
    }
    Ok(norm)
}

/// The instant a local date-time stands for, by the rule in the module docs.
pub fn resolve(tz: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    if let Some(t) = tz.from_local_datetime(&local).earliest() {
        return t.with_timezone(&Utc);
    }
    // In a gap: the first whole minute after it that exists (gaps start and end on minutes).
    let mut m = local.date().and_hms_opt(local.hour(), local.minute(), 0).expect("valid") + Duration::minutes(1);
    for _ in 0..(24 * 60) {
        if let Some(t) = tz.from_local_datetime(&m).earliest() {
            return t.with_timezone(&Utc);
        }
        m += Duration::minutes(1);
    }
    // No zone has a day-long gap; fall back to reading the time as UTC.
    local.and_utc()
}

impl Rule {
    /// The first local date-time of this rule strictly after `after` (local), if any.
    pub fn next_local_after(&self, after: NaiveDateTime) -> Option<NaiveDateTime> {
        let t = self.time;
        let first_date = if after.time() < t { after.date() } else { after.date().succ_opt()? };
        match &self.repeat {
            Repeat::Once { date } => {
                let at = date.and_time(t);
                (at > after).then_some(at)
            }
            Repeat::Daily => Some(first_date.and_time(t)),
            Repeat::Days { days } => (0..7)
                .map(|i| first_date + Duration::days(i))
                .find(|d| days.contains(&(d.weekday().num_days_from_monday() as u8)))
                .map(|d| d.and_time(t)),
            Repeat::ForDays { from, days } => {
                let last = *from + Duration::days(i64::from(*days) - 1);
                let d = first_date.max(*from);
                (d <= last).then(|| d.and_time(t))
            }
            Repeat::Cron { expr } => {
                // Evaluate on the local wall clock (read as UTC), then apply the DST rule.
                let schedule = cron::Schedule::from_str(expr).ok()?;
                schedule.after(&after.and_utc()).next().map(|d| d.naive_utc())
            }
        }
    }

    /// The next firing after `after` (local), as (instant, local date-time).
    pub fn next_after(&self, tz: Tz, after: NaiveDateTime) -> Option<(DateTime<Utc>, NaiveDateTime)> {
        self.next_local_after(after).map(|l| (resolve(tz, l), l))
    }

    /// Recurring rules end with the stay; a once-only rule has one occurrence.
    pub fn is_recurring(&self) -> bool {
        !matches!(self.repeat, Repeat::Once { .. })
    }

    /// A short description for lists and the audit trail.
    /// The rule as data ([`RuleSpec`]).
    pub fn spec(&self) -> RuleSpec {
        use chrono::Timelike;
        let format = if self.time.second() == 0 { "%H:%M" } else { "%H:%M:%S" };
        let mut spec = RuleSpec {
            kind: String::new(),
            time: self.time.format(format).to_string(),
            date: None,
            days: None,
            from: None,
            until: None,
            cron: None,
        };
        spec.kind = match &self.repeat {
            Repeat::Once { date } => {
                spec.date = Some(*date);
                "once"
            }
            Repeat::Daily => "daily",
            Repeat::Days { days } => {
                let names = days.iter().filter_map(|d| Weekday::try_from(*d).ok());
                spec.days = Some(names.map(|w| w.to_string().to_lowercase()).collect());
                "days"
            }
            Repeat::ForDays { from, days } => {
                spec.from = Some(*from);
                spec.until = Some(*from + chrono::Duration::days(i64::from(*days).max(1) - 1));
                "for_days"
            }
            Repeat::Cron { expr } => {
                spec.cron = Some(expr.clone());
                "cron"
            }
        }
        .to_string();
        spec
    }

    pub fn describe(&self) -> String {
        let t = self.time.format("%H:%M:%S");
        match &self.repeat {
            Repeat::Once { date } => format!("once {date} {t}"),
            Repeat::Daily => format!("daily {t}"),
            Repeat::Days { days } => {
                let names: Vec<String> = days
                    .iter()
                    .filter_map(|d| Weekday::try_from(*d).ok())
                    .map(|w| w.to_string().to_lowercase())
                    .collect();
                format!("{} {t}", names.join(","))
            }
            Repeat::ForDays { from, days } => format!("daily {t} for {days} days from {from}"),
            Repeat::Cron { expr } => format!("cron {expr}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ZRH: Tz = chrono_tz::Europe::Zurich;

    fn local(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap()
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn daily(t: &str) -> Rule {
        Rule { time: parse_time(t).unwrap(), repeat: Repeat::Daily }
    }

    #[test]
    fn a_time_without_date_is_its_next_occurrence() {
        let r = daily("07:00");
        assert_eq!(r.next_local_after(local("2026-03-02 06:59:59")), Some(local("2026-03-02 07:00:00")));
        assert_eq!(r.next_local_after(local("2026-03-02 07:00:00")), Some(local("2026-03-03 07:00:00")));
    }

    #[test]
    fn daily_seven_stays_seven_across_both_change_overs() {
        // Spring: 2026-03-29 02:00 -> 03:00 in Zurich; autumn: 2026-10-25 03:00 -> 02:00.
        let r = daily("07:00");
        let mut at = local("2026-03-27 08:00:00");
        let mut fired = Vec::new();
        for _ in 0..4 {
            let (instant, l) = r.next_after(ZRH, at).unwrap();
            fired.push((l, instant));
            at = l;
        }
        assert!(fired.iter().all(|(l, _)| l.time() == parse_time("07:00").unwrap()));
        assert_eq!(fired[0].1, utc("2026-03-28T06:00:00Z"), "winter time, UTC+1");
        assert_eq!(fired[1].1, utc("2026-03-29T05:00:00Z"), "change-over day: summer time, UTC+2");
        assert_eq!(fired[1].1 - fired[0].1, Duration::hours(23), "that night is 23 hours long, not 24");
        let (autumn, _) = r.next_after(ZRH, local("2026-10-24 08:00:00")).unwrap();
        assert_eq!(autumn, utc("2026-10-25T06:00:00Z"), "autumn change-over day: winter time");
    }

    #[test]
    fn a_missing_time_fires_at_the_first_valid_instant_after_it() {
        let r = daily("02:30:15");
        let (instant, l) = r.next_after(ZRH, local("2026-03-28 12:00:00")).unwrap();
        assert_eq!(l, local("2026-03-29 02:30:15"));
        assert_eq!(instant, utc("2026-03-29T01:00:00Z"), "03:00 local, summer time");
        // and the day after is back to 02:30:15
        let (next, _) = r.next_after(ZRH, l).unwrap();
        assert_eq!(next, utc("2026-03-30T00:30:15Z"));
    }

    #[test]
    fn a_doubled_time_fires_once_at_the_first() {
        let r = daily("02:30");
        let (first, l) = r.next_after(ZRH, local("2026-10-24 12:00:00")).unwrap();
        assert_eq!(first, utc("2026-10-25T00:30:00Z"), "the first 02:30 (summer time)");
        let (next, _) = r.next_after(ZRH, l).unwrap();
        assert_eq!(next, utc("2026-10-26T01:30:00Z"), "not the second 02:30: the next day");
    }

    #[test]
    fn weekdays_for_days_once_and_cron() {
        let days =
            Rule { time: parse_time("06:30").unwrap(), repeat: Repeat::Days { days: parse_days("mon,wed").unwrap() } };
        // 2026-11-29 is a Sunday
        assert_eq!(days.next_local_after(local("2026-11-29 10:00:00")), Some(local("2026-11-30 06:30:00")));
        assert_eq!(days.next_local_after(local("2026-11-30 06:30:00")), Some(local("2026-12-02 06:30:00")));
        let for2 = Rule {
            time: parse_time("07:00").unwrap(),
            repeat: Repeat::ForDays { from: parse_date("2026-11-29").unwrap(), days: 2 },
        };
        assert_eq!(for2.next_local_after(local("2026-11-29 06:00:00")), Some(local("2026-11-29 07:00:00")));
        assert_eq!(for2.next_local_after(local("2026-11-29 07:00:00")), Some(local("2026-11-30 07:00:00")));
        assert_eq!(for2.next_local_after(local("2026-11-30 07:00:00")), None);
        let once = Rule {
            time: parse_time("07:00").unwrap(),
            repeat: Repeat::Once { date: parse_date("2026-12-01").unwrap() },
        };
        assert_eq!(once.next_local_after(local("2026-11-29 07:00:00")), Some(local("2026-12-01 07:00:00")));
        assert_eq!(once.next_local_after(local("2026-12-01 07:00:00")), None);
        let expr = parse_cron("0 7 * * Mon-Fri", Some(parse_time("06:15").unwrap()), MIN_WAKEUP_INTERVAL).unwrap();
        assert_eq!(expr, "0 15 6 * * Mon-Fri");
        let cron = Rule { time: parse_time("06:15").unwrap(), repeat: Repeat::Cron { expr } };
        assert_eq!(cron.next_local_after(local("2026-11-28 10:00:00")), Some(local("2026-11-30 06:15:00")));
    }

    #[test]
    fn bad_input_is_named() {
        assert_eq!(parse_time("7am").unwrap_err().field, "time");
        assert_eq!(parse_time("25:00").unwrap_err().field, "time");
        assert_eq!(parse_date("2026-02-30").unwrap_err().field, "date");
        assert_eq!(parse_days("mon,funday").unwrap_err().field, "days");
        assert_eq!(parse_days("").unwrap_err().field, "days");
        let h = MIN_WAKEUP_INTERVAL;
        assert_eq!(parse_cron("* *", None, h).unwrap_err().field, "cron");
        assert_eq!(parse_cron("0 99 * * *", None, h).unwrap_err().field, "cron");
        assert!(parse_cron("* * * * * *", None, h).unwrap_err().msg.contains("at most once every 1h00m"));
        assert!(parse_cron("* * * * *", None, h).is_err(), "every minute");
        assert!(parse_cron("0 */30 * * * *", None, h).is_err(), "every half hour");
        assert!(parse_cron("0 0 7 29 2 *", None, h).is_ok(), "once a leap day");
        assert!(parse_cron("0 0 6,7 * * *", None, h).is_ok(), "twice a morning, an hour apart");
        assert!(parse_cron(&format!("0 0 7 * * {}", "Mon,".repeat(40)), None, h)
            .unwrap_err()
            .msg
            .contains("at most 100"));
        assert!(parse_cron("0 */10 * * * *", None, MIN_JOB_INTERVAL).is_ok());
    }

    #[test]
    fn a_rule_as_data_names_its_kind_time_days_and_date_range() {
        let rule = |time: &str, repeat| Rule { time: parse_time(time).unwrap(), repeat };
        let d = |s| parse_date(s).unwrap();
        let once = rule("06:30", Repeat::Once { date: d("2026-12-06") }).spec();
        assert_eq!((once.kind.as_str(), once.time.as_str(), once.date), ("once", "06:30", Some(d("2026-12-06"))));
        let days = rule("07:00:30", Repeat::Days { days: vec![0, 2] }).spec();
        assert_eq!((days.time.as_str(), days.days), ("07:00:30", Some(vec!["mon".to_string(), "wed".to_string()])));
        let stay = rule("07:00", Repeat::ForDays { from: d("2026-12-06"), days: 3 }).spec();
        assert_eq!(
            (stay.kind.as_str(), stay.from, stay.until),
            ("for_days", Some(d("2026-12-06")), Some(d("2026-12-08")))
        );
        let json = serde_json::to_value(rule("07:00", Repeat::Daily).spec()).unwrap();
        assert_eq!(json, serde_json::json!({"kind": "daily", "time": "07:00"}));
    }
}
