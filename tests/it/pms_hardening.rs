//! A PMS that misbehaves or is busy (issue 21 items 5, 18, 19): a resync without its end, the
//! night audit, postings answered "not now", a check-in over a stay it never checked out. Same
//! harness as [`super::pms`].
#![allow(clippy::await_holding_lock)]

use pms_sim::PmsKnob;

use switchboard::store::StoreError;

use switchboard::links::pms::{PmsHandle, PmsStatus};

use super::pms::{check_in, hotel_with_pms, local_in, tcp_pms, wait_pms_up, TcpPms, T};
use crate::fixtures::{eventually, pty_lock, Hotel};

fn call(room: &str, number: &str, amount: &str) -> pbx_sim::Command {
    pbx_sim::Command::Posting(fias::Posting {
        room: room.into(),
        number: Some(number.into()),
        kind: Some("C".into()),
        amount: Some(amount.into()),
        digits: Some("0041445556677".into()),
        duration: Some("000130".into()),
        at: Some(local_in(-60)),
        ..Default::default()
    })
}

/// Waits until the PMS link's status satisfies `ok`.
async fn until_status(link: &PmsHandle, what: &str, ok: impl Fn(&PmsStatus) -> bool) {
    eventually(T, what, || {
        let met = ok(&link.status());
        async move { met }
    })
    .await;
}

/// A hotel whose PMS (with `extra` in `[pms]`) has checked a guest into room 101.
async fn guest_in_101(extra: &str, reservation: &str) -> (TcpPms, Hotel, PmsHandle) {
    let pms = tcp_pms().await;
    let h = hotel_with_pms(&pms.port, extra).await;
    wait_pms_up(&h).await;
    pms.sim.knob(check_in("101", reservation, "Guest"));
    h.sim.wait_for(T, |s| s.rooms.get("101").is_some_and(|r| r.occupied)).await.expect("checked in");
    let link = h.services.app.pms.clone().unwrap();
    (pms, h, link)
}

async fn open_alert(h: &Hotel, kind: &str) -> Option<String> {
    let alerts = h.store.read(move |c| switchboard::hotel::alerts::list(c, true)).await.unwrap();
    alerts.into_iter().find(|a| a.kind == kind).map(|a| a.message)
}

fn raw(record: &str) -> PmsKnob {
    PmsKnob::Raw { record: record.into() }
}

/// Issue 21 item 5: a PMS that sends `DS` and never `DE` holds what it must hear only until
/// `[pms] resync_timeout`; meanwhile `queued` counts what waits.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resync_that_never_ends_is_abandoned_and_what_it_held_goes() {
    let _g = pty_lock();
    let (pms, h, link) = guest_in_101("resync_timeout = \"3s\"", "R-9").await;

    pms.sim.knob(raw("DS|"));
    until_status(&link, "the resync is seen", |st| {
        st.resync_in_progress && st.held.as_deref().is_some_and(|w| w.contains("resync"))
    })
    .await;
    h.sim.command(pbx_sim::Command::Voicemail { room: "101".into(), count: 2 });
    until_status(&link, "queued counts the held record", |st| st.queued >= 1).await;
    assert!(pms.sim.view().voicemail.is_empty(), "nothing of ours goes during a resync");

    let v = pms.sim.wait_for(T, |v| v.voicemail.get("101") == Some(&2)).await.expect("sent once abandoned");
    assert!(v.link_up);
    let text = open_alert(&h, "pms_resync_abandoned").await.expect("an alert for a person");
    assert!(text.contains("no DE within 3.0s"), "{text}");
    let st = link.status();
    assert!(!st.resync_in_progress && st.held.is_none(), "{st:?}");
    until_status(&link, "queued back to 0", |st| st.queued == 0).await;
    // A late DE is no resync end to act on; the link carries on.
    pms.sim.knob(raw("DE|"));
    pms.sim.knob(PmsKnob::CheckOut { room: "101".into(), reservation: Some("R-9".into()) });
    h.sim.wait_for(T, |s| !s.rooms["101"].occupied).await.expect("the link works on");
}

/// Issue 21 item 19: postings wait out the PMS's night audit (`NS` ... `NE`) while everything
/// else goes; a posting answered `NA` or `RY` is queued again, never dropped; a night audit
/// without `NE` is abandoned after `[pms] night_audit_timeout` with an alert.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postings_wait_out_the_night_audit_and_a_refusal_for_now_is_tried_again() {
    let _g = pty_lock();
    let (pms, h, link) = guest_in_101("night_audit_timeout = \"3s\"\nposting_retry = \"1s\"", "R-3").await;

    pms.sim.knob(raw("NS|DA261204|TI020000|"));
    until_status(&link, "the night audit is seen", |st| {
        st.night_audit_in_progress && st.held.as_deref().is_some_and(|w| w.contains("night audit"))
    })
    .await;
    h.sim.command(call("101", "7001", "300"));
    h.sim.command(pbx_sim::Command::Voicemail { room: "101".into(), count: 1 });
    let v = pms.sim.wait_for(T, |v| v.voicemail.get("101") == Some(&1)).await.expect("other records still go");
    assert!(v.postings.is_empty(), "the posting waits: {v:?}");
    assert!(link.status().queued >= 1, "and is counted as waiting");
    pms.sim.knob(raw("NE|DA261204|TI021500|"));
    let v = pms.sim.wait_for(T, |v| !v.postings.is_empty()).await.expect("sent after NE");
    assert_eq!(v.postings[0].2, "300");

    // "Not now" answers: the posting is queued again and arrives again; nothing is dropped.
    pms.sim.knob(PmsKnob::AnswerPostings { status: "RY".into() });
    h.sim.command(call("101", "7002", "500"));
    until_status(&link, "postings pause after RY", |st| st.held.as_deref().is_some_and(|w| w.contains("RY"))).await;
    pms.sim.knob(PmsKnob::AnswerPostings { status: "OK".into() });
    let v =
        pms.sim.wait_for(T, |v| v.postings.iter().filter(|p| p.2 == "500").count() >= 2).await.expect("tried again");
    assert_eq!(v.postings.iter().filter(|p| p.2 == "300").count(), 1, "{v:?}");
    until_status(&link, "nothing waits", |st| st.queued == 0 && st.held.is_none()).await;
    assert_eq!(pms.sim.view().postings.iter().filter(|p| p.2 == "500").count(), 2, "taken once OK, not again");

    // A night audit that never ends.
    pms.sim.knob(raw("NS|"));
    until_status(&link, "the second night audit is seen", |st| st.night_audit_in_progress).await;
    h.sim.command(call("101", "7003", "700"));
    pms.sim.wait_for(T, |v| v.postings.iter().any(|p| p.2 == "700")).await.expect("sent once abandoned");
    let text = open_alert(&h, "pms_night_audit_abandoned").await.expect("an alert for a person");
    assert!(text.contains("no NE within 3.0s"), "{text}");
    assert!(!link.status().night_audit_in_progress);
}

/// The PMS's check-out of a guest got lost (written into a connection that broke); its next
/// check-in of another reservation into that room replaces the stale stay, logged, since the
/// PMS owns stays.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_check_in_over_a_stale_stay_replaces_it_where_the_pms_owns_stays() {
    let _g = pty_lock();
    let pms = tcp_pms().await;
    let h = hotel_with_pms(&pms.port, "").await;
    wait_pms_up(&h).await;
    pms.sim.knob(check_in("104", "R-A", "Alpha"));
    h.sim
        .wait_for(T, |s| s.rooms.get("104").is_some_and(|r| r.guest_name.as_deref() == Some("Alpha")))
        .await
        .expect("Alpha in");
    pms.sim.knob(PmsKnob::Message { room: "104".into(), id: "M1".into(), text: "For Alpha".into() });
    h.sim.wait_for(T, |s| s.rooms["104"].message_lamp).await.expect("Alpha's message waits");
    pms.sim.knob(check_in("104", "R-B", "Bravo"));
    h.sim.wait_for(T, |s| s.rooms["104"].guest_name.as_deref() == Some("Bravo")).await.expect("Bravo replaces Alpha");
    let stay = h.desk.stays(true).await.unwrap().into_iter().find(|s| s.room == "104").unwrap();
    assert_eq!((stay.reservation.as_deref(), stay.guest_name.as_str()), (Some("R-B"), "Bravo"));
    let logged: i64 = h
        .store
        .read(move |c| {
            let n = c.query_row("SELECT COUNT(*) FROM log_entries WHERE kind = 'pms_replaced_stay'", [], |r| r.get(0));
            Ok::<_, StoreError>(n?)
        })
        .await
        .unwrap();
    assert_eq!(logged, 1);
    let text = open_alert(&h, "pms_replaced_stay").await.expect("an alert for a person (issue 21 item 18)");
    assert!(
        text.contains("checked 104 in over an active stay") && text.contains("1 waiting message(s) discarded"),
        "{text}"
    );
    assert!(
        h.services.app.messages.list(Some("104"), true).await.unwrap().is_empty(),
        "Alpha's message is not Bravo's"
    );
}
