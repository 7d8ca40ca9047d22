//! Dialling codes: a place (in English or Chinese) to its country and area code and how to dial
//! it from the hotel, and a number back to its place. Numbers are parsed with libphonenumber's
//! metadata (the `phonenumber` crate: country codes, international and national prefixes); the
//! place names and area codes are a table shipped as data (`assets/dialling-codes.toml`, its
//! sources named at its top).

use serde::{Deserialize, Serialize};

use crate::domain::validate::Invalid;

const TABLE: &str = include_str!("../../assets/dialling-codes.toml");

#[derive(Debug, Clone, Deserialize)]
struct Place {
    names: Vec<String>,
    country: String,
    area: String,
}

#[derive(Deserialize)]
struct Table {
    place: Vec<Place>,
}

fn places() -> &'static [Place] {
    static PLACES: std::sync::OnceLock<Vec<Place>> = std::sync::OnceLock::new();
    PLACES.get_or_init(|| toml::from_str::<Table>(TABLE).expect("the shipped dialling-code table parses").place)
}

/// Where the hotel dials from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dialling {
    /// ISO 3166 region of the hotel, e.g. "TW".
    pub country: String,
    /// What a phone dials for an outside line (often "0" or "9"; "" for none).
    pub outside_line: String,
}

/// What `dir code` answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeAnswer {
    /// The place's names (English first).
    pub place: Vec<String>,
    /// ISO region.
    pub country: String,
    pub country_code: u16,
    /// The city or area code ("" where the country has none).
    pub area: String,
    /// "+86 21".
    pub international: String,
    /// What to dial from the hotel before the local number, e.g. "0 002 86 21".
    pub dial_from_hotel: Option<String>,
}

fn fold(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && *c != '\'' && *c != '-')
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'ü' => 'u',
            'é' | 'è' => 'e',
            'ö' => 'o',
            'ä' => 'a',
            other => other,
        })
        .collect()
}

fn country_code(region: &str) -> Option<u16> {
    phonenumber::metadata::DATABASE.by_id(region).map(|m| m.country_code())
}

/// The prefix a phone in `region` dials to call abroad ("00", "002", "011").
fn international_prefix(region: &str) -> Option<String> {
    let m = phonenumber::metadata::DATABASE.by_id(region)?;
    if let Some(p) = m.preferred_international_prefix() {
        return Some(p.to_string());
    }
    let re = m.international_prefix()?;
    // Several prefixes (one per carrier, as in Taiwan): the lowest one the pattern takes whole.
    (2..=4)
        .flat_map(|len| (0..10u32.pow(len)).map(move |n| format!("{n:0len$}", len = len as usize)))
        .find(|c| re.find(c).is_some_and(|m| m.start() == 0 && m.end() == c.len()))
}

fn answer(p: &Place, from: Option<&Dialling>) -> Option<CodeAnswer> {
    let cc = country_code(&p.country)?;
    let international = if p.area.is_empty() { format!("+{cc}") } else { format!("+{cc} {}", p.area) };
    let dial_from_hotel = from.and_then(|h| {
        let outside = if h.outside_line.is_empty() { String::new() } else { format!("{} ", h.outside_line) };
        if h.country == p.country {
            let trunk =
                phonenumber::metadata::DATABASE.by_id(&p.country).and_then(|m| m.national_prefix()).unwrap_or("");
            Some(format!("{outside}{trunk}{}", p.area.trim_start_matches('0')).trim().to_string())
        } else {
            let intl = international_prefix(&h.country)?;
            Some(format!("{outside}{intl} {cc} {}", p.area).trim().to_string())
        }
    });
    Some(CodeAnswer {
        place: p.names.clone(),
        country: p.country.clone(),
        country_code: cc,
        area: p.area.clone(),
        international,
        dial_from_hotel,
    })
}

/// A place by name (English or Chinese, any case, accents optional).
pub fn of_place(name: &str, from: Option<&Dialling>) -> Result<CodeAnswer, Invalid> {
    let want = fold(name);
    if want.is_empty() {
        return Err(Invalid::new("place", "give a city, e.g. Shanghai or 上海"));
    }
    places()
        .iter()
        .find(|p| p.names.iter().any(|n| fold(n) == want))
        .and_then(|p| answer(p, from))
        .ok_or_else(|| Invalid::new("place", format!("{name:?} is not in the table of cities")))
}

/// Where an international number (+CC ...) is: the country, and the city where its area code
/// is in the table.
pub fn of_number(number: &str, from: Option<&Dialling>) -> Result<CodeAnswer, Invalid> {
    let parsed = phonenumber::parse(None, number).map_err(|e| {
        Invalid::new("number", format!("{number:?} is not an international number (+country code ...): {e}"))
    })?;
    let cc = parsed.code().value();
    let national = parsed.national().to_string();
    let regions: Vec<String> = phonenumber::metadata::DATABASE
        .by_code(&cc)
        .map(|m| m.iter().map(|m| m.id().to_string()).collect())
        .unwrap_or_default();
    // The longest area code of a city in one of the number's regions that begins the number.
    let best = places()
        .iter()
        .filter(|p| {
            regions.contains(&p.country) && !p.area.is_empty() && national.starts_with(p.area.trim_start_matches('0'))
        })
        .max_by_key(|p| p.area.len());
    match best {
        Some(p) => answer(p, from).ok_or_else(|| Invalid::new("number", "unknown country")),
        None => {
            let country = regions.first().cloned().unwrap_or_default();
            let whole = places().iter().find(|p| p.country == country && p.area.is_empty());
            match whole {
                Some(p) => answer(p, from).ok_or_else(|| Invalid::new("number", "unknown country")),
                None => Ok(CodeAnswer {
                    place: vec![country.clone()],
                    country,
                    country_code: cc,
                    area: String::new(),
                    international: format!("+{cc}"),
                    dial_from_hotel: None,
                }),
            }
        }
    }
}

/// `dir code`: a number if it starts with '+', else a place.
pub fn lookup(text: &str, from: Option<&Dialling>) -> Result<CodeAnswer, Invalid> {
    let t = text.trim();
    if t.starts_with('+') {
        of_number(t, from)
    } else {
        of_place(t, from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn taipei_hotel() -> Dialling {
        Dialling { country: "TW".into(), outside_line: "9".into() }
    }

    #[test]
    fn places_in_english_and_chinese() {
        let sh = of_place("Shanghai", None).unwrap();
        assert_eq!((sh.country_code, sh.area.as_str(), sh.international.as_str()), (86, "21", "+86 21"));
        assert_eq!(of_place("上海", None).unwrap(), sh);
        assert_eq!(of_place("台北", None).unwrap().international, "+886 2");
        assert_eq!(of_place("臺北", None).unwrap().international, "+886 2");
        assert_eq!(of_place("Zürich", None).unwrap().international, "+41 44");
        assert_eq!(of_place("zurich", None).unwrap().international, "+41 44");
        assert_eq!(of_place("Hong Kong", None).unwrap().international, "+852");
        assert_eq!(of_place("new york", None).unwrap().international, "+1 212");
        assert!(of_place("Atlantis", None).unwrap_err().to_string().starts_with("place:"));
    }

    #[test]
    fn how_to_dial_from_the_hotel() {
        let h = taipei_hotel();
        let sh = of_place("上海", Some(&h)).unwrap();
        assert_eq!(sh.dial_from_hotel.as_deref(), Some("9 002 86 21"), "{sh:?}");
        let kh = of_place("高雄", Some(&h)).unwrap();
        assert_eq!(kh.dial_from_hotel.as_deref(), Some("9 07"), "same country: the trunk prefix");
        let zrh = Dialling { country: "CH".into(), outside_line: "0".into() };
        assert_eq!(of_place("London", Some(&zrh)).unwrap().dial_from_hotel.as_deref(), Some("0 00 44 20"));
        let us = Dialling { country: "US".into(), outside_line: "".into() };
        assert_eq!(of_place("Tokyo", Some(&us)).unwrap().dial_from_hotel.as_deref(), Some("011 81 3"));
    }

    #[test]
    fn numbers_back_to_places() {
        assert_eq!(of_number("+86 21 5555 0101", None).unwrap().place[0], "Shanghai");
        assert_eq!(of_number("+886 2 2713 8000", None).unwrap().place[0], "Taipei");
        assert_eq!(of_number("+41 44 668 18 00", None).unwrap().place[0], "Zürich");
        assert_eq!(of_number("+852 2123 4567", None).unwrap().place[0], "Hong Kong");
        assert_eq!(of_number("+86 755 8888 8888", None).unwrap().place[0], "Shenzhen", "the longest area code");
        assert!(of_number("12345", None).is_err());
        assert_eq!(lookup("+81 3 1234 5678", None).unwrap().place[0], "Tokyo");
    }
}
