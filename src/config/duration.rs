//! Durations in hotel.toml and the schedules: "250ms", "45s", "5m", "1h", "7d". Parsed with
//! overflow checks, and each key held to a range that makes sense for it: an out-of-range value
//! is refused with the key named, never wrapped, zeroed or saturated.

use std::time::Duration;

use super::types::{invalid, ConfigError};

pub use crate::clock::{parse_duration, show, LONGEST};

/// The value of `key` (or `default`), which must lie in `min..=max`.
pub fn duration_key(
    key: &str,
    v: Option<String>,
    default: Duration,
    (min, max): (Duration, Duration),
) -> Result<Duration, ConfigError> {
    let d = match v {
        None => return Ok(default),
        Some(s) => parse_duration(&s).map_err(|m| invalid(key, m))?,
    };
    if d < min || d > max {
        return Err(invalid(key, format!("{} is outside {} to {}", show(d), show(min), show(max))));
    }
    Ok(d)
}

/// `chrono`'s duration for a configured one (every configured duration fits).
pub fn chrono(d: Duration) -> chrono::Duration {
    chrono::Duration::from_std(d.min(LONGEST)).expect("ten years fit a chrono duration")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_and_refusals() {
        assert_eq!(parse_duration("45s"), Ok(Duration::from_secs(45)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("7d"), Ok(Duration::from_secs(7 * 86400)));
        assert!(parse_duration("5").is_err());
        assert!(parse_duration("m").is_err());
        assert!(parse_duration("5 days").is_err());
        assert!(parse_duration("-5s").is_err());
        assert!(parse_duration("9999999999999h").unwrap_err().contains("longer than"));
        assert!(parse_duration("99999999999999999999s").is_err(), "more than u64");
        assert!(parse_duration("18446744073709551615d").unwrap_err().contains("longer than"));
    }

    #[test]
    fn ranges_name_the_key() {
        let r = (Duration::from_secs(1), Duration::from_secs(60));
        let e = duration_key("x.y", Some("2m".into()), Duration::ZERO, r).unwrap_err().to_string();
        assert_eq!(e, "x.y: 2m is outside 1s to 1m");
        assert_eq!(duration_key("x.y", None, Duration::from_secs(5), r).unwrap(), Duration::from_secs(5));
        assert_eq!(show(Duration::from_millis(1500)), "1500ms");
    }

    proptest::proptest! {
        /// Any text either parses to a duration no longer than ten years, or is refused.
        #[test]
        fn any_text_parses_within_bounds_or_is_refused(s in "\\PC{0,30}") {
            if let Ok(d) = parse_duration(&s) {
                proptest::prop_assert!(d <= LONGEST);
            }
        }

        /// Numbers with units never wrap: the result is the number times the unit, or refused.
        #[test]
        fn numbers_never_wrap(n in proptest::num::u64::ANY, unit in proptest::sample::select(vec!["ms", "s", "m", "h", "d"])) {
            let per = match unit { "ms" => 1u128, "s" => 1_000, "m" => 60_000, "h" => 3_600_000, _ => 86_400_000 };
            let want = n as u128 * per;
            match parse_duration(&format!("{n}{unit}")) {
                Ok(d) => proptest::prop_assert_eq!(d.as_millis(), want),
                Err(_) => proptest::prop_assert!(want > LONGEST.as_millis()),
            }
        }
    }
}
