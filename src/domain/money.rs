//! Amounts as people read them: integer minor units written with the currency's own decimals
//! (ISO 4217, from the `iso_currency` crate's table).

use iso_currency::Currency;

/// Minor units written with the currency's decimals (ISO 4217: CHF 319 is "3.19", JPY 500 is
/// "500"); a code the standard does not know is shown with two.
pub fn money(minor: i64, currency: &str) -> String {
    let exponent = Currency::from_code(currency).and_then(|c| c.exponent()).unwrap_or(2) as u32;
    if exponent == 0 {
        return minor.to_string();
    }
    let scale = 10i64.pow(exponent);
    let sign = if minor < 0 { "-" } else { "" };
    let (whole, part) = (minor.unsigned_abs() / scale as u64, minor.unsigned_abs() % scale as u64);
    format!("{sign}{whole}.{part:0width$}", width = exponent as usize)
}

/// Whether ISO 4217 knows the code.
pub fn is_currency(code: &str) -> bool {
    Currency::from_code(code).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_use_the_currency_decimals() {
        assert_eq!(money(319, "CHF"), "3.19");
        assert_eq!(money(5, "EUR"), "0.05");
        assert_eq!(money(500, "JPY"), "500");
        assert_eq!(money(1234, "KWD"), "1.234", "three decimals");
        assert_eq!(money(-250, "USD"), "-2.50");
        assert_eq!(money(250, "ZZZ"), "2.50", "unknown codes show two decimals");
        assert!(is_currency("TWD") && !is_currency("ABC"));
    }
}
