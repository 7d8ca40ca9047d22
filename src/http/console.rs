//! The web console: a small page set over the JSON API, served by the service itself at `/`.
//!
//! Every asset (the page, its script and style sheet, the English and 繁體中文 tables) is
//! compiled into the binary from `assets/console/`: a hotel LAN has no internet, and there is no
//! build step beyond `cargo`. The page signs in through `POST /api/session` (an HttpOnly,
//! SameSite=Strict cookie), sends the `X-Switchboard` header on every change, and follows
//! `GET /api/events` for live updates.

use axum::extract::Path;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

/// The languages the console speaks, with their tables (one per language: every key in each).
pub const LANGUAGES: [(&str, &str); 2] = [
    ("en", include_str!("../../assets/console/i18n/en.json")),
    ("zh-Hant", include_str!("../../assets/console/i18n/zh-Hant.json")),
];

const INDEX: &str = include_str!("../../assets/console/index.html");
const SCRIPT: &str = include_str!("../../assets/console/app.js");
const STYLE: &str = include_str!("../../assets/console/app.css");

fn asset(kind: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(kind)),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
            // The page loads nothing from anywhere but here.
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static("default-src 'self'; img-src 'self' data:; frame-ancestors 'none'"),
            ),
            (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        ],
        body,
    )
        .into_response()
}

async fn language(Path(file): Path<String>) -> Response {
    let lang = file.strip_suffix(".json").unwrap_or(&file);
    match LANGUAGES.iter().find(|(l, _)| *l == lang) {
        Some((_, table)) => asset("application/json; charset=utf-8", table),
        None => (StatusCode::NOT_FOUND, "no such language").into_response(),
    }
}

/// The console's routes (no sign-in needed to load the page; everything it shows comes from
/// the API, which checks).
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/", get(|| async { asset("text/html; charset=utf-8", INDEX) }))
        .route("/console/app.js", get(|| async { asset("text/javascript; charset=utf-8", SCRIPT) }))
        .route("/console/app.css", get(|| async { asset("text/css; charset=utf-8", STYLE) }))
        .route("/console/i18n/{file}", get(language))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn table(text: &str) -> BTreeMap<String, String> {
        serde_json::from_str(text).expect("a language table is a JSON object of strings")
    }

    #[test]
    fn every_key_exists_in_every_language_and_none_is_left_in_english() {
        let (_, en) = LANGUAGES[0];
        let en = table(en);
        for (lang, text) in &LANGUAGES[1..] {
            let other = table(text);
            let missing: Vec<_> = en.keys().filter(|k| !other.contains_key(*k)).collect();
            let extra: Vec<_> = other.keys().filter(|k| !en.contains_key(*k)).collect();
            assert!(missing.is_empty() && extra.is_empty(), "{lang}: missing {missing:?}, extra {extra:?}");
            let untranslated: Vec<_> = other
                .iter()
                .filter(|(k, v)| *v == &en[*k] && v.chars().any(|c| c.is_ascii_alphabetic()) && *k != "app.title")
                .map(|(k, _)| k)
                .collect();
            assert!(untranslated.is_empty(), "{lang}: still English: {untranslated:?}");
        }
    }

    #[test]
    fn every_error_code_the_service_can_say_has_words_in_every_language() {
        for (lang, text) in LANGUAGES {
            let words = table(text);
            let missing: Vec<String> = crate::http::api::codes::Code::ALL
                .iter()
                .map(|c| format!("err.{}", c.as_str()))
                .filter(|k| !words.contains_key(k))
                .collect();
            assert!(missing.is_empty(), "{lang} has no words for {missing:?}");
        }
    }

    #[test]
    fn every_alert_the_service_can_raise_has_words_in_every_language() {
        use crate::hotel::alerts::Kind;
        for (lang, text) in LANGUAGES {
            let words = table(text);
            for kind in Kind::ALL {
                let title = format!("alert.{}", kind.as_str());
                assert!(words.contains_key(&title), "{lang} has no words for {title}");
                let key = format!("{title}.detail");
                let detail = words.get(&key).unwrap_or_else(|| panic!("{lang} has no words for {key}"));
                // Every {name} the words use is a fact the alert carries.
                for part in detail.split('{').skip(1) {
                    let name = part.split('}').next().unwrap();
                    assert!(
                        kind.params().contains(&name),
                        "{lang} {key} uses {{{name}}}, not among {:?}",
                        kind.params()
                    );
                }
            }
        }
    }

    #[test]
    fn every_entry_the_service_writes_itself_has_words_in_every_language() {
        use crate::hotel::journal::{facts_of, KINDS};
        let alerts = crate::hotel::alerts::Kind::ALL.map(|k| k.as_str());
        for (lang, text) in LANGUAGES {
            let words = table(text);
            let missing: Vec<String> = KINDS
                .iter()
                .map(|(k, _)| *k)
                .chain(alerts)
                .map(|k| format!("kind.{k}"))
                .filter(|k| !words.contains_key(k))
                .collect();
            assert!(missing.is_empty(), "{lang} has no words for {missing:?}");
            // An entry with facts says them: its detail uses only the facts it carries.
            for (kind, facts) in KINDS.iter().filter(|(_, f)| !f.is_empty()) {
                let key = format!("kind.{kind}.detail");
                let detail = words.get(&key).unwrap_or_else(|| panic!("{lang} has no words for {key}"));
                for part in detail.split('{').skip(1) {
                    let name = part.split('}').next().unwrap();
                    assert!(facts.contains(&name), "{lang} {key} uses {{{name}}}, not among {facts:?}");
                }
                assert!(facts.iter().all(|f| facts_of(kind).unwrap_or_default().contains(f)));
            }
        }
    }

    #[test]
    fn every_kind_of_wake_up_rule_has_words_in_every_language() {
        use crate::domain::wakeup::rule::{parse_date, parse_time, Repeat, Rule};
        let d = parse_date("2026-12-06").unwrap();
        let repeats = [
            Repeat::Once { date: d },
            Repeat::Daily,
            Repeat::Days { days: vec![0] },
            Repeat::ForDays { from: d, days: 2 },
            Repeat::Cron { expr: "0 0 7 * * *".into() },
        ];
        for (lang, text) in LANGUAGES {
            let words = table(text);
            for repeat in repeats.clone() {
                let spec = Rule { time: parse_time("07:00").unwrap(), repeat }.spec();
                let key = format!("rule.{}", spec.kind);
                let said = words.get(&key).unwrap_or_else(|| panic!("{lang} has no words for {key}"));
                let data = serde_json::to_value(&spec).unwrap();
                for part in said.split('{').skip(1) {
                    let name = part.split('}').next().unwrap();
                    assert!(data.get(name).is_some(), "{lang} {key} uses {{{name}}}, which {:?} does not carry", spec);
                }
            }
        }
    }

    #[test]
    fn every_key_the_page_uses_is_in_the_tables() {
        let en = table(LANGUAGES[0].1);
        let page = format!("{INDEX}{SCRIPT}");
        // Static keys: data-i18n="..." in the page, t("...") in the script.
        let mut used = Vec::new();
        for part in page.split("data-i18n=\"").skip(1) {
            used.push(part.split('"').next().unwrap().to_string());
        }
        for opener in [" t(\"", "(t(\""] {
            for part in page.split(opener).skip(1) {
                used.push(part.split('"').next().unwrap().to_string());
            }
        }
        let missing: Vec<_> = used.iter().filter(|k| !en.contains_key(*k)).collect();
        assert!(!used.is_empty() && missing.is_empty(), "keys used but not translated: {missing:?}");
    }
}
