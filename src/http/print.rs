//! Printouts in the reader's language and the hotel's local time: the room-status list, the
//! night's wake-up list, the message register (the night round), the handover sheet and the
//! guest's call bill. Each is a template (`assets/print/*.html`, minijinja) that says every word
//! through the console's own catalogue (`t("key", name=value)`), so the paper and the screen use
//! the same words; times go through `local`, which writes them in the hotel's zone.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use chrono_tz::Tz;
use minijinja::value::Kwargs;
use minijinja::{Environment, Error, ErrorKind};

use super::console::LANGUAGES;

/// The sheets there are, and their templates.
pub const SHEETS: [(&str, &str); 5] = [
    ("rooms", include_str!("../../assets/print/rooms.html")),
    ("wakeups", include_str!("../../assets/print/wakeups.html")),
    ("messages", include_str!("../../assets/print/messages.html")),
    ("handover", include_str!("../../assets/print/handover.html")),
    ("bill", include_str!("../../assets/print/bill.html")),
];
const BASE: &str = include_str!("../../assets/print/base.html");

/// Every language's catalogue, read once.
static CATALOGUES: LazyLock<BTreeMap<&'static str, BTreeMap<String, String>>> = LazyLock::new(|| {
    LANGUAGES
        .iter()
        .map(|(lang, text)| (*lang, serde_json::from_str(text).expect("the console's catalogues are JSON objects")))
        .collect()
});

#[derive(Debug, thiserror::Error)]
pub enum PrintError {
    #[error("there is no sheet {0:?}: the sheets are rooms, wakeups, messages, handover and bill")]
    NoSheet(String),
    #[error("the {sheet} sheet could not be written: {err}")]
    Template { sheet: String, err: Error },
}

/// The language asked for if the console speaks it, English otherwise.
pub fn language(asked: Option<&str>) -> &'static str {
    LANGUAGES.iter().map(|(l, _)| *l).find(|l| Some(*l) == asked).unwrap_or("en")
}

/// Writes `sheet` in `lang` for the hotel `hotel` in zone `tz`, printed at `now`, from `data`
/// (what the same reader's API calls return).
pub fn render(
    sheet: &str,
    lang: &str,
    tz: Tz,
    hotel: &str,
    now: chrono::DateTime<chrono::Utc>,
    data: serde_json::Value,
) -> Result<String, PrintError> {
    let (_, body) = SHEETS.iter().find(|(s, _)| *s == sheet).ok_or_else(|| PrintError::NoSheet(sheet.into()))?;
    let lang = language(Some(lang));
    let words = &CATALOGUES[lang];
    let mut env = Environment::new();
    let fail = |err| PrintError::Template { sheet: sheet.into(), err };
    env.add_template("base.html", BASE).map_err(fail)?;
    env.add_template("sheet.html", body).map_err(fail)?;
    env.add_function("t", move |key: &str, kwargs: Kwargs| -> Result<String, Error> {
        let text =
            words.get(key).ok_or_else(|| Error::new(ErrorKind::UndefinedError, format!("no words for {key}")))?;
        Ok(fill(text, |name| {
            let value: Option<minijinja::Value> = kwargs.get(name).ok();
            value.filter(|v| !v.is_none() && !v.is_undefined()).map(|v| v.to_string())
        }))
    });
    env.add_filter("local", move |v: Option<String>| local(v.as_deref(), tz, lang));
    env.add_filter("money", |minor: i64, currency: String| money(minor, &currency));
    let ctx =
        minijinja::context! { lang, hotel, data, printed => local(Some(&crate::clock::timestamp(now)), tz, lang) };
    env.get_template("sheet.html").and_then(|t| t.render(ctx)).map_err(fail)
}

/// What the handover sheet is made of: the last sheet, each entry the service wrote said in
/// `lang` (see [`entry_said`]).
pub fn handover(sheet: Option<&crate::hotel::logbook::handover::Handover>, lang: &str) -> serde_json::Value {
    let mut h = serde_json::to_value(sheet).unwrap_or(serde_json::Value::Null);
    for list in ["high_priority", "pbx_outages"] {
        for e in h.get_mut(list).and_then(serde_json::Value::as_array_mut).into_iter().flatten() {
            e["said"] = entry_said(e, lang).into();
        }
    }
    serde_json::json!({ "handover": h })
}

/// What the call bill is made of: the folio's calls oldest first (as a bill reads) with their
/// durations as m:ss, and the stay's guest (an incognito guest's name only for `see_private`)
/// and dates.
pub fn bill(
    folio: &crate::hotel::charges::ledger::Folio,
    stay: Option<&crate::store::rooms::Stay>,
    see_private: bool,
) -> serde_json::Value {
    let mut bill = serde_json::to_value(folio).unwrap_or(serde_json::Value::Null);
    if let Some(calls) = bill["calls"].as_array_mut() {
        calls.reverse();
        for c in calls {
            let s = c["duration_s"].as_i64().unwrap_or(0).max(0);
            c["duration"] = format!("{}:{:02}", s / 60, s % 60).into();
        }
    }
    if let Some(stay) = stay {
        let shown = !stay.private || see_private;
        bill["guest"] =
            shown.then(|| crate::hotel::desk::whole_name(&stay.guest_name, stay.first_name.as_deref())).into();
        bill["checked_in_at"] = stay.checked_in_at.clone().into();
        bill["checked_out_at"] = stay.checked_out_at.clone().into();
    }
    serde_json::json!({ "bill": bill })
}

/// `text` with each `{name}` replaced by its value (nothing where there is none).
fn fill(text: &str, value: impl Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else { break };
        out.push_str(&rest[..open]);
        out.push_str(&value(&rest[open + 1..open + close]).unwrap_or_default());
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    out
}

/// A logbook entry's text in `lang`: what a person wrote as written; what the service wrote
/// (it has a kind) from the catalogue and its facts, as the console says it.
pub fn entry_said(e: &serde_json::Value, lang: &str) -> String {
    let text = e["text"].as_str().unwrap_or_default().to_string();
    let Some(kind) = e["kind"].as_str().filter(|_| lang != "en") else { return text };
    let words = &CATALOGUES[language(Some(lang))];
    let detail = words.get(&format!("alert.{kind}.detail")).or_else(|| words.get(&format!("kind.{kind}.detail")));
    match (detail, e.get("params").filter(|p| p.is_object())) {
        (Some(detail), Some(p)) => fill(detail, |name| {
            let v = &p[name];
            match (name, v) {
                ("guest", serde_json::Value::Null) if p["incognito"] == true => words.get("room.incognito").cloned(),
                ("guest", serde_json::Value::Null) => words.get("room.vacant").cloned(),
                (_, serde_json::Value::String(s)) => Some(s.clone()),
                (_, serde_json::Value::Null) => None,
                (_, v) => Some(v.to_string()),
            }
        }),
        _ => words.get(&format!("kind.{kind}")).cloned().unwrap_or(text),
    }
}

/// A stored time (UTC RFC 3339, or already hotel-local ISO) as the reader writes it, in `tz`.
fn local(v: Option<&str>, tz: Tz, lang: &str) -> String {
    let Some(v) = v.filter(|v| !v.is_empty()) else { return "–".into() };
    let t = match crate::clock::parse_utc(v) {
        Some(utc) => utc.with_timezone(&tz).naive_local(),
        None => match chrono::NaiveDateTime::parse_from_str(v, "%Y-%m-%dT%H:%M:%S") {
            Ok(t) => t,
            Err(_) => return v.to_string(),
        },
    };
    if lang == "zh-Hant" {
        t.format("%Y年%-m月%-d日 %H:%M").to_string()
    } else {
        t.format("%Y-%m-%d %H:%M").to_string()
    }
}

/// An amount with its currency code, in the currency's own decimals ([`crate::domain::money`],
/// as the rest of the service writes them); XXX (no currency: a hotel with no tariff) without a code.
fn money(minor: i64, currency: &str) -> String {
    let amount = crate::domain::money::money(minor, currency);
    if currency == "XXX" {
        amount
    } else {
        format!("{currency} {amount}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: chrono::DateTime<chrono::Utc> = chrono::DateTime::UNIX_EPOCH;

    fn rooms() -> serde_json::Value {
        serde_json::json!({ "rooms": [
            { "room": "305", "floor": "3", "occupied": true, "guest": "陳大文", "vip": true, "housekeeping": "clean", "dnd": true, "message_lamp": false, "class_of_service": 3 },
            { "room": "306", "floor": "3", "occupied": false, "guest": null, "vip": false, "housekeeping": "dirty", "dnd": false, "message_lamp": false, "class_of_service": 0 }
        ]})
    }

    #[test]
    fn a_sheet_speaks_the_readers_language_from_the_consoles_catalogue() {
        let zh = render("rooms", "zh-Hant", chrono_tz::Asia::Taipei, "台北飯店", T, rooms()).unwrap();
        assert!(zh.contains("房間狀態表") && zh.contains("請勿打擾") && zh.contains("貴賓"), "{zh}");
        assert!(zh.contains("<html lang=\"zh-Hant\">"));
        let en = render("rooms", "en", chrono_tz::Asia::Taipei, "Hotel", T, rooms()).unwrap();
        assert!(en.contains("Room status") && en.contains("do not disturb"), "{en}");
        assert!(matches!(render("nope", "en", chrono_tz::UTC, "H", T, rooms()), Err(PrintError::NoSheet(_))));
    }

    #[test]
    fn times_are_the_hotels_local_time_in_the_readers_form() {
        let tz = chrono_tz::Asia::Taipei;
        assert_eq!(local(Some("2026-12-05T22:30:00Z"), tz, "en"), "2026-12-06 06:30");
        assert_eq!(local(Some("2026-12-05T22:30:00Z"), tz, "zh-Hant"), "2026年12月6日 06:30");
        assert_eq!(local(Some("2026-12-06T06:30:00"), tz, "en"), "2026-12-06 06:30", "already local");
        assert_eq!(local(None, tz, "en"), "–");
        assert_eq!(money(12345, "CHF"), "CHF 123.45");
        assert_eq!(money(120, "TWD"), "TWD 1.20", "ISO 4217's decimals, as on the bill and the console");
        assert_eq!(money(500, "JPY"), "JPY 500");
        assert_eq!(money(250, "XXX"), "2.50", "no tariff, no currency");
    }

    #[test]
    fn a_bill_says_its_calls_and_total() {
        let bill = serde_json::json!({ "bill": { "room": "305", "guest": "陳大文", "checked_in_at": "2026-12-04T10:00:00Z",
            "checked_out_at": null, "count": 1, "total_minor": 250, "currency": "CHF",
            "calls": [{ "started": "2026-12-05T01:02:03Z", "dialled": "0041xxx", "duration": "1:05", "amount_minor": 250, "currency": "CHF" }] } });
        let zh = render("bill", "zh-Hant", chrono_tz::Asia::Taipei, "H", T, bill).unwrap();
        assert!(
            zh.contains("話費帳單") && zh.contains("陳大文") && zh.contains("1:05") && zh.contains("CHF 2.50"),
            "{zh}"
        );
        assert!(zh.contains("2026年12月4日 18:00"), "the stay's dates in the hotel's time: {zh}");
    }

    #[test]
    fn every_sheet_renders_in_every_language_with_nothing_in_it() {
        for (sheet, _) in SHEETS {
            for (lang, _) in LANGUAGES {
                let empty =
                    serde_json::json!({ "rooms": [], "calls": [], "messages": [], "handover": null, "bill": null });
                render(sheet, lang, chrono_tz::UTC, "H", T, empty).unwrap_or_else(|e| panic!("{sheet} {lang}: {e}"));
            }
        }
    }
}
