//! Call charges end to end: the simulated PBX posts calls (`PS`), switchboard prices them by
//! the example tariff onto the right stay and answers (`PA`) with the right status.
// The test holds the pty lock for its whole life on purpose (see link.rs).
#![allow(clippy::await_holding_lock)]

use std::time::Duration;

use fias::Posting;
use pbx_sim::{Command, SimOptions};
use switchboard::charges::{ledger, CallsQuery, Tariff};
use switchboard::desk::CheckIn;
use switchboard::identity::Actor;

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
    let h = Hotel::start_config(cfg, SimOptions::default());
    h.link_up().await;
    h.check_in("101", "Wang Wei");
    let no_post = CheckIn { name: "Company Guest".into(), no_post: true, ..Default::default() };
    h.desk.check_in(&Actor::system(), "103", no_post).unwrap();
    h.converged(T).await;

    // An international call of 1:35: setup 50 + 2 started minutes x 120, plus 10% = 319.
    let intl = call("101", "1729", "004989920920", "000135");
    h.sim.command(Command::Posting(intl.clone()));
    // The same record again (a lost ACK): recorded once, answered again.
    h.sim.command(Command::Posting(intl));
    h.sim.command(Command::Posting(call("102", "1730", "0445556677", "000100")));
    h.sim.command(Command::Posting(call("101", "1731", "119", "000200")));
    h.sim.command(Command::Posting(call("103", "1732", "0445556677", "000100")));
    let sim = h.sim.clone();
    eventually(T, "every posting answered", || {
        let st = sim.state();
        async move { st.posting_answers.len() == 4 && st.postings_answered >= 5 }
    })
    .await;
    let answers = h.sim.state().posting_answers;
    assert_eq!(answers["1729"], "OK");
    assert_eq!(answers["1730"], "NG", "no guest in the room");
    assert_eq!(answers["1731"], "OK");
    assert_eq!(answers["1732"], "NP", "the stay may not post");

    let all = h.store.read(|c| ledger::list(c, &CallsQuery::default(), None)).unwrap();
    assert_eq!(all.len(), 4, "the resent record is recorded once: {all:?}");
    let intl = all.iter().find(|c| c.posting.as_deref() == Some("1729")).unwrap();
    assert_eq!((intl.band.as_str(), intl.amount_minor, intl.currency.as_str()), ("international", 319, "CHF"));
    assert_eq!(intl.duration_s, 95);
    let emergency = all.iter().find(|c| c.posting.as_deref() == Some("1731")).unwrap();
    assert_eq!((emergency.band.as_str(), emergency.amount_minor), ("free", 0), "emergency numbers are never charged");
    let vacant = all.iter().find(|c| c.posting.as_deref() == Some("1730")).unwrap();
    assert_eq!((vacant.state.as_str(), vacant.reason.as_deref()), ("unbilled", Some("room vacant")));

    // The guest's bill, and the digits masked for the desk.
    let folio = h.store.read(|c| ledger::folio(c, "101", "CHF", None)).unwrap();
    assert_eq!((folio.count, folio.total_minor), (2, 319));
    let masked = h
        .store
        .read(|c| ledger::list(c, &CallsQuery { room: Some("101".into()), ..Default::default() }, Some(3)))
        .unwrap();
    assert!(masked.iter().any(|c| c.dialled.as_deref() == Some("004989920xxx")), "{masked:?}");

    // The emergency call alerted every operator at once.
    let alerts = h.store.read(|c| switchboard::alerts::list(c, true)).unwrap();
    let alert = alerts.iter().find(|a| a.kind == "emergency_call").expect("an emergency alert");
    assert!(alert.message.contains("room 101 called 119") && alert.message.contains("Wang Wei"), "{}", alert.message);
}
