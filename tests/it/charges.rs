//! Call charges end to end: the simulated PBX posts calls (`PS`), switchboard prices them by
//! the example tariff onto the right stay and answers (`PA`) with the right status.
// The test holds the pty lock for its whole life on purpose (see link.rs).
#![allow(clippy::await_holding_lock)]

use std::time::Duration;
use switchboard::store::Priority;

use fias::Posting;
use pbx_sim::{Command, SimOptions};
use switchboard::domain::identity::Actor;
use switchboard::hotel::charges::{ledger, report, CallsQuery, Charges, Tariff};
use switchboard::hotel::desk::CheckIn;

use crate::fixtures::{config, eventually, pty_lock, Hotel};

const T: Duration = Duration::from_secs(30);

fn call(room: &str, posting: &str, digits: &str, duration: &str) -> Posting {
    Posting {
        room: room.into(),
        number: Some(posting.into()),
        kind: Some("T".into()),
        duration: Some(duration.into()),
        digits: Some(digits.into()),
        at: Some(chrono::NaiveDate::from_ymd_opt(2026, 11, 30).unwrap().and_hms_opt(10, 5, 0).unwrap()),
        ..Default::default()
    }
}

#[tokio::test]
async fn calls_are_priced_onto_the_stay_and_answered_with_the_right_status() {
    let _g = pty_lock();
    let mut cfg = config(&["101", "102", "103"], "");
    cfg.tariff = Some(Tariff::parse(include_str!("../../tariffs.example.toml")).unwrap());
    cfg.charges.pulse_price = 25;
    let h = Hotel::start_config(cfg, SimOptions::default()).await;
    h.link_up().await;
    h.check_in("101", "Wang Wei").await;
    let no_post = CheckIn { name: "Company Guest".into(), no_post: true, ..Default::default() };
    h.desk.check_in(&Actor::system(), "103", no_post).await.unwrap();
    h.converged(T).await;

    // An international call of 1:35: setup 50 + 2 started minutes x 120, plus 10% = 319.
    let intl = call("101", "1729", "004989920920", "000135");
    h.sim.command(Command::Posting(intl.clone()));
    // The same record again (a lost ACK): recorded once, answered again.
    h.sim.command(Command::Posting(intl));
    h.sim.command(Command::Posting(call("102", "1730", "0445556677", "000100")));
    h.sim.command(Command::Posting(call("101", "1731", "119", "000200")));
    h.sim.command(Command::Posting(call("103", "1732", "0445556677", "000100")));
    // A PBX that counts meter pulses: 12 pulses at 25 each, whatever the digits.
    h.sim.command(Command::Posting(Posting {
        pulses: Some("12".into()),
        ..call("101", "1733", "004989920920", "000400")
    }));
    let sim = h.sim.clone();
    eventually(T, "every posting answered", || {
        let st = sim.state();
        async move { st.posting_answers.len() == 5 && st.postings_answered >= 6 }
    })
    .await;
    let answers = h.sim.state().posting_answers;
    assert_eq!(answers["1729"], "OK");
    assert_eq!(answers["1730"], "NG", "no guest in the room");
    assert_eq!(answers["1731"], "OK");
    assert_eq!(answers["1732"], "NP", "the stay may not post");

    let all = h.store.read(move |c| ledger::list(c, &CallsQuery::default(), None)).await.unwrap();
    assert_eq!(all.len(), 5, "the resent record is recorded once: {all:?}");
    let pulsed = all.iter().find(|c| c.posting.as_deref() == Some("1733")).unwrap();
    assert_eq!((pulsed.band.as_str(), pulsed.amount_minor), ("meter pulses", 300));
    let intl = all.iter().find(|c| c.posting.as_deref() == Some("1729")).unwrap();
    assert_eq!((intl.band.as_str(), intl.amount_minor, intl.currency.as_str()), ("international", 319, "CHF"));
    assert_eq!(intl.duration_s, 95);
    let emergency = all.iter().find(|c| c.posting.as_deref() == Some("1731")).unwrap();
    assert_eq!((emergency.band.as_str(), emergency.amount_minor), ("free", 0), "emergency numbers are never charged");
    let vacant = all.iter().find(|c| c.posting.as_deref() == Some("1730")).unwrap();
    assert_eq!((vacant.state.as_str(), vacant.reason.as_deref()), ("unbilled", Some("room vacant")));

    // The guest's bill, and the digits masked for the desk.
    let folio = h.store.read(move |c| ledger::folio(c, "101", "CHF", Some(3))).await.unwrap();
    assert_eq!((folio.count, folio.total_minor), (3, 619));
    let bill = switchboard::http::print::bill(&folio, None, false);
    let now = h.desk.now_utc();
    let printed =
        switchboard::http::print::render("bill", "en", chrono_tz::Asia::Taipei, "Hotel <Test>", now, bill).unwrap();
    assert!(printed.contains("Hotel &lt;Test&gt;"), "{printed}");
    assert!(printed.contains("004989920•••") && !printed.contains("004989920920"), "{printed}");
    assert!(printed.contains("<td>CHF 3.19</td>") && printed.contains("<td>CHF 6.19</td>"), "{printed}");
    let masked = h
        .store
        .read(move |c| ledger::list(c, &CallsQuery { room: Some("101".into()), ..Default::default() }, Some(3)))
        .await
        .unwrap();
    assert!(masked.iter().any(|c| c.dialled.as_deref() == Some("004989920xxx")), "{masked:?}");

    // The emergency call alerted every operator at once.
    let alerts = h.store.read(move |c| switchboard::hotel::alerts::list(c, true)).await.unwrap();
    let alert = alerts.iter().find(|a| a.kind == "emergency_call").expect("an emergency alert");
    let said = &alert.message;
    assert!(said.contains("floor 1, room 101: 119 dialled") && said.contains("Wang Wei"), "{said}");
    assert_eq!((alert.params["floor"].as_str(), alert.params["number"].as_str()), (Some("1"), Some("119")));

    // The day's revenue per band, as the nightly job writes it.
    let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
    let revenue = h.store.read(move |c| report::revenue(c, chrono_tz::UTC, day)).await.unwrap();
    let posted: i64 = revenue.bands.iter().map(|b| b.posted_minor).sum();
    let unbilled: i64 = revenue.bands.iter().map(|b| b.unbilled).sum();
    assert_eq!((posted, unbilled), (619, 2), "{revenue:?}");
    let text = revenue.to_text("Hotel Test");
    assert!(text.contains("total posted 6.19 CHF in 3 calls; unbilled"), "{text}");
    assert!(text.contains("meter pulses"), "{text}");
    let other_day = h.store.read(move |c| report::revenue(c, chrono_tz::UTC, day.succ_opt().unwrap())).await.unwrap();
    assert!(other_day.bands.is_empty(), "{other_day:?}");

    // After check-out the calls stay for accounting; their digits go after keep_digits_for.
    h.desk.check_out(&Actor::system(), "101", false).await.unwrap();
    let keep = Duration::from_secs(90 * 86_400);
    let soon = h.desk.now_utc() + chrono::Duration::days(1);
    assert_eq!(
        h.store.write(Priority::Normal, move |tx| report::purge_digits(tx, soon, keep)).await.unwrap(),
        0,
        "kept within 90 days"
    );
    let later = h.desk.now_utc() + chrono::Duration::days(200);
    h.store.write(Priority::Normal, move |tx| report::purge_digits(tx, later, keep)).await.unwrap();
    let of_101 = h
        .store
        .read(move |c| ledger::list(c, &CallsQuery { room: Some("101".into()), ..Default::default() }, None))
        .await
        .unwrap();
    assert_eq!(of_101.len(), 3, "the calls survive");
    assert!(of_101.iter().all(|c| c.dialled.is_none() && c.amount_minor >= 0), "{of_101:?}");
    let of_103 = h
        .store
        .read(move |c| ledger::list(c, &CallsQuery { room: Some("103".into()), ..Default::default() }, None))
        .await
        .unwrap();
    assert!(of_103[0].dialled.is_some(), "103 is still in the house: its digits stay");
}

/// A tariff edited and reloaded prices the calls reported after it; the calls in the ledger keep
/// their price and tariff version; a wrong file is refused with the key named.
#[tokio::test]
async fn a_reloaded_tariff_prices_later_calls_and_never_earlier_ones() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tariffs.toml");
    let example = include_str!("../../tariffs.example.toml");
    std::fs::write(&file, example).unwrap();
    let first = Tariff::parse(example).unwrap();
    // Leaked: the store's writer thread runs the closures that use it.
    let charges: &'static Charges = Box::leak(Box::new(
        Charges::new(Some(first.clone()), Default::default(), chrono_tz::UTC).reloading_from(Some(file.clone())),
    ));
    let store = switchboard::store::Store::open_in_memory().unwrap();
    let now = chrono::DateTime::parse_from_rfc3339("2026-11-30T10:10:00Z").unwrap().to_utc();
    let post =
        async |p: Posting| store.write(Priority::Normal, move |tx| ledger::post(tx, now, charges, &p)).await.unwrap();
    post(call("101", "1", "004989920920", "000135")).await;

    // International minutes double in price.
    std::fs::write(&file, example.replace("per_unit = 120", "per_unit = 240")).unwrap();
    let second = charges.reload().unwrap().expect("a tariff");
    assert_ne!(second.version, first.version);
    post(call("101", "2", "004989920920", "000135")).await;

    // A wrong file: refused with the key named, the tariff in use stays.
    std::fs::write(&file, example.replace("per_unit = 120", "per_unit = -1")).unwrap();
    let err = charges.reload().unwrap_err().to_string();
    assert!(err.contains("per_unit") && err.contains("unchanged"), "{err}");
    assert_eq!(charges.tariff().unwrap().version, second.version);

    let calls = store.read(move |c| ledger::list(c, &CallsQuery::default(), None)).await.unwrap();
    let of = |n: &str| calls.iter().find(|c| c.posting.as_deref() == Some(n)).unwrap().amount_minor;
    // 50 setup + 2 x 120 = 290 (+10% = 319); then 50 + 2 x 240 = 530 (+10% = 583).
    assert_eq!((of("1"), of("2")), (319, 583), "{calls:?}");
    let versions: Vec<String> = store
        .read(move |c| {
            let mut s = c.prepare("SELECT tariff_version FROM calls ORDER BY id")?;
            let v = s.query_map([], |r| r.get(0))?.collect::<Result<Vec<String>, _>>()?;
            Ok::<_, switchboard::store::StoreError>(v)
        })
        .await
        .unwrap();
    assert_eq!(versions, [first.version.clone(), second.version.clone()]);

    // The file gone: calls are recorded at the PBX's price from now on.
    std::fs::remove_file(&file).unwrap();
    assert!(charges.reload().unwrap().is_none() && charges.tariff().is_none());
}

/// A driver that reports the dialling raises the emergency alarm then; the call record that
/// follows when the call ends does not raise it again. FIAS reports calls only when they end.
#[tokio::test]
async fn an_emergency_number_alarms_at_dial_time_once() {
    let charges: &'static Charges = Box::leak(Box::new(Charges::new(None, Default::default(), chrono_tz::UTC)));
    let store = switchboard::store::Store::open_in_memory().unwrap();
    let dialled_at = chrono::DateTime::parse_from_rfc3339("2026-11-30T10:03:00Z").unwrap().to_utc();
    let alerts = async || {
        store
            .read(move |c| switchboard::hotel::alerts::list(c, true))
            .await
            .unwrap()
            .into_iter()
            .filter(|a| a.kind == "emergency_call")
            .count()
    };
    assert!(!store
        .write(Priority::Normal, move |tx| ledger::dialling(tx, dialled_at, charges, "101", "0445556677"))
        .await
        .unwrap());
    assert_eq!(alerts().await, 0, "an ordinary number raises nothing");
    assert!(store
        .write(Priority::Normal, move |tx| ledger::dialling(tx, dialled_at, charges, "101", "119"))
        .await
        .unwrap());
    assert_eq!(alerts().await, 1, "the alarm at dial time");
    // The record when the call ends (10:05, two minutes long): no second alarm.
    let ended = dialled_at + chrono::Duration::minutes(2);
    store
        .write(Priority::Normal, move |tx| ledger::post(tx, ended, charges, &call("101", "9", "119", "000200")))
        .await
        .unwrap();
    assert_eq!(alerts().await, 1, "raised once");
    // Without a dial-time report (FIAS), the record raises it.
    let next_day = Posting {
        at: Some(chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap().and_hms_opt(3, 0, 0).unwrap()),
        ..call("101", "10", "119", "000100")
    };
    store
        .write(Priority::Normal, move |tx| ledger::post(tx, ended + chrono::Duration::days(1), charges, &next_day))
        .await
        .unwrap();
    assert_eq!(alerts().await, 2);
}
