//! The operator's logbook in virtual time: shifts, amendments, follow-ups, system entries and
//! the handover.

use std::time::Duration;

use pbx_sim::{Command, RingBehaviour};
use switchboard::identity::{Actor, Role};
use switchboard::logbook::{LogError, NewEntry, Search};

use crate::wakeups::{mem_store, sys, utc, Site, T0};

fn staff(login: &str, role: Role) -> Actor {
    Actor { id: 1, login: login.into(), display_name: login.into(), role }
}

fn entry(text: &str) -> NewEntry {
    NewEntry { text: text.into(), ..Default::default() }
}

#[tokio::test(start_paused = true)]
async fn shifts_open_close_and_hand_over_in_order() {
    let s = Site::start(mem_store(), utc(T0), "");
    let lb = &s.services.app.logbook;
    let (olga, oscar, mia) =
        (staff("olga", Role::Operator), staff("oscar", Role::Operator), staff("mia", Role::Manager));
    assert!(matches!(lb.add(&olga, &entry("too early")), Err(LogError::NoShift)));
    let first = lb.open_shift(&olga).unwrap();
    assert!(matches!(lb.open_shift(&oscar), Err(LogError::ShiftOpen { .. })), "one shift at a time");
    assert!(matches!(lb.close_shift(&oscar, false), Err(LogError::NotYourShift { .. })));
    assert!(matches!(lb.close_shift(&oscar, true), Err(LogError::NotYourShift { .. })), "force is for managers");
    lb.add(&olga, &entry("quiet night")).unwrap();
    lb.close_shift(&olga, false).unwrap();
    assert!(matches!(
        lb.add(&olga, &NewEntry { shift: Some(first.id), ..entry("late") }),
        Err(LogError::ShiftClosed { .. })
    ));
    assert!(matches!(lb.open_shift(&oscar), Err(LogError::HandoverPending { .. })), "ack first");
    assert!(matches!(lb.ack_handover(&olga), Err(LogError::OwnHandover { .. })));
    let acked = lb.ack_handover(&oscar).unwrap();
    assert_eq!(acked.handover_acked_by.as_deref(), Some("oscar"));
    assert!(matches!(lb.ack_handover(&oscar), Err(LogError::NoHandover)));
    let second = lb.open_shift(&oscar).unwrap();
    // a manager force-closes, and it is recorded as such
    let sheet = lb.close_shift(&mia, true).unwrap();
    assert!(sheet.shift.forced);
    assert_eq!(sheet.shift.id, second.id);
    assert_eq!(sheet.high_priority.len(), 1, "the force-close is a high-priority system entry");
    assert!(sheet.high_priority[0].text.contains("force-closed by mia"));
    // bad input changes nothing
    lb.ack_handover(&olga).unwrap();
    lb.open_shift(&olga).unwrap();
    assert!(lb.add(&olga, &entry("   ")).unwrap_err().to_string().starts_with("text:"));
    assert!(lb
        .add(&olga, &NewEntry { category: Some("gossip".into()), ..entry("x") })
        .unwrap_err()
        .to_string()
        .starts_with("category:"));
    assert!(lb
        .add(&olga, &NewEntry { room: Some("999".into()), ..entry("x") })
        .unwrap_err()
        .to_string()
        .starts_with("room:"));
    assert!(matches!(lb.amend(&olga, 999, "x"), Err(LogError::UnknownEntry(999))));
    assert!(lb.update_followup(&olga, 1, "maybe", None).unwrap_err().to_string().starts_with("state:"));
    assert!(lb.list(None).unwrap().is_empty());
}

#[tokio::test(start_paused = true)]
async fn amendments_chain_and_both_stay_visible() {
    let s = Site::start(mem_store(), utc(T0), "");
    let lb = &s.services.app.logbook;
    let olga = staff("olga", Role::Operator);
    lb.open_shift(&olga).unwrap();
    let e = lb
        .add(
            &olga,
            &NewEntry {
                room: Some("101".into()),
                category: Some("maintenance".into()),
                ..entry("leak in 101 bathroom")
            },
        )
        .unwrap();
    let a1 = lb.amend(&olga, e.id, "correction: leak in 101 kitchenette").unwrap();
    let a2 = lb.amend(&olga, a1.id, "correction: it was the minibar").unwrap();
    assert_eq!((a1.amends, a2.amends), (Some(e.id), Some(a1.id)));
    assert_eq!(a1.category, "maintenance");
    assert_eq!(a2.room.as_deref(), Some("101"));
    let list = lb.list(None).unwrap();
    assert_eq!(list.len(), 3, "nothing is edited in place");
    assert_eq!(list[0].text, "leak in 101 bathroom");
    assert_eq!(list[0].amended_by, vec![a1.id]);
    let edit = s.services.app.store.write_blocking(move |tx| {
        tx.execute("UPDATE log_entries SET text = 'x'", []).map_err(switchboard::store::StoreError::from)
    });
    assert!(edit.unwrap_err().to_string().contains("never edited"));
}

#[tokio::test(start_paused = true)]
async fn follow_ups_carry_over_until_done() {
    let s = Site::start(mem_store(), utc(T0), "");
    let lb = &s.services.app.logbook;
    let (olga, oscar) = (staff("olga", Role::Operator), staff("oscar", Role::Operator));
    lb.open_shift(&olga).unwrap();
    let e = lb
        .add(
            &olga,
            &NewEntry {
                followup_owner: Some("operator".into()),
                due: Some("2026-12-01 09:00".into()),
                ..entry("guest in 102 wants a crib")
            },
        )
        .unwrap();
    let fid = e.followup.expect("a follow-up was opened");
    assert!(lb
        .add(&olga, &NewEntry { followup_owner: Some("nobody".into()), ..entry("x") })
        .unwrap_err()
        .to_string()
        .contains("neither"));
    let sheet = lb.close_shift(&olga, false).unwrap();
    assert_eq!(sheet.open_followups.len(), 1, "open follow-ups are handed over");
    lb.ack_handover(&oscar).unwrap();
    lb.open_shift(&oscar).unwrap();
    assert_eq!(lb.followups(true).unwrap()[0].id, fid, "carried over into the next shift");
    lb.update_followup(&oscar, fid, "in_progress", Some("asked housekeeping")).unwrap();
    let done = lb.update_followup(&oscar, fid, "done", None).unwrap();
    assert_eq!(done.state, "done");
    assert!(lb.followups(true).unwrap().is_empty());
    let mine = lb.list(None).unwrap();
    assert_eq!(mine.iter().filter(|e| e.followup == Some(fid)).count(), 2, "each state change is an entry");
    let sheet = lb.close_shift(&oscar, false).unwrap();
    assert!(sheet.open_followups.is_empty());
}

#[tokio::test(start_paused = true)]
async fn the_service_writes_system_entries_and_the_handover_lists_them() {
    let s = Site::start(mem_store(), utc(T0), "attempts = 1");
    s.link_up().await;
    let lb = &s.services.app.logbook;
    let olga = staff("olga", Role::Operator);
    lb.open_shift(&olga).unwrap();
    s.check_in("101");
    s.check_in("102");
    lb.add(
        &olga,
        &NewEntry { priority: Some("high".into()), category: Some("security".into()), ..entry("door 3 propped open") },
    )
    .unwrap();
    // an escalated wake-up call
    s.sim.command(Command::SetRing { room: "101".into(), behaviour: RingBehaviour::NoAnswer });
    let w = s
        .services
        .app
        .wakeups
        .add(
            &sys(),
            &switchboard::wakeup::Booking { room: "101".into(), time: Some("07:00".into()), ..Default::default() },
            "desk",
        )
        .unwrap();
    s.until("escalated", Duration::from_secs(600), |s| s.services.app.wakeups.get(w.id).unwrap().status == "failed")
        .await;
    // a PBX outage
    s.sim.go_silent(Duration::from_secs(120));
    s.services.app.desk.set_dnd(&sys(), "102", true).unwrap();
    s.until("the outage logged and over", Duration::from_secs(900), |s| {
        let e = s.services.app.logbook.search(&Search::default()).unwrap();
        e.iter().any(|e| e.kind.as_deref() == Some("pbx_down")) && e.iter().any(|e| e.kind.as_deref() == Some("pbx_up"))
    })
    .await;
    // a message discarded at check-out, and an alert acknowledged
    s.services
        .app
        .messages
        .leave(
            &sys(),
            &switchboard::messages::NewMessage { room: "102".into(), text: "call home".into(), ..Default::default() },
        )
        .unwrap();
    s.services.app.desk.check_out(&sys(), "102", true).unwrap();
    let alert = s.services.app.store.read_blocking(|c| switchboard::alerts::list(c, true)).unwrap().remove(0);
    let now = switchboard::clock::timestamp(s.now());
    let by = olga.clone();
    s.services.app.store.write_blocking(move |tx| switchboard::alerts::ack(tx, &now, &by, alert.id)).unwrap();
    s.services
        .app
        .messages
        .leave(
            &sys(),
            &switchboard::messages::NewMessage {
                room: "101".into(),
                text: "still waiting".into(),
                ..Default::default()
            },
        )
        .unwrap();

    let kinds: Vec<String> = lb.list(None).unwrap().into_iter().filter_map(|e| e.kind).collect();
    for k in ["wakeup_failed", "pbx_down", "pbx_up", "checkout_discarded", "alert_ack"] {
        assert!(kinds.iter().any(|x| x == k), "system entry {k} in {kinds:?}");
    }
    let up = lb.search(&Search::default()).unwrap().into_iter().find(|e| e.kind.as_deref() == Some("pbx_up")).unwrap();
    assert!(up.text.contains("change(s) were waiting"), "{}", up.text);

    let sheet = lb.close_shift(&olga, false).unwrap();
    assert_eq!((sheet.check_ins, sheet.check_outs), (2, 1));
    assert!(sheet.high_priority.iter().any(|e| e.text == "door 3 propped open"));
    assert!(sheet.wakeup_problems.iter().any(|a| a.kind == "wakeup_failed" && a.room.as_deref() == Some("101")));
    assert_eq!(sheet.undelivered_messages.len(), 1);
    assert_eq!(sheet.undelivered_messages[0].room, "101");
    assert!(sheet.pbx_outages.len() >= 2);
    let text = sheet.to_text();
    assert!(text.contains("NOT YET ACKNOWLEDGED"), "{text}");
    let html = sheet.to_html("Hotel <Test>");
    assert!(html.contains("Hotel &lt;Test&gt;") && html.contains("door 3 propped open"));
    assert!(s.services.app.logbook.handover().unwrap().is_some(), "shown to everyone until acknowledged");
}

#[tokio::test(start_paused = true)]
async fn search_with_filters() {
    let s = Site::start(mem_store(), utc(T0), "");
    let lb = &s.services.app.logbook;
    let (olga, oscar) = (staff("olga", Role::Operator), staff("oscar", Role::Operator));
    lb.open_shift(&olga).unwrap();
    lb.add(
        &olga,
        &NewEntry {
            room: Some("101".into()),
            category: Some("maintenance".into()),
            ..entry("Water leak under the sink")
        },
    )
    .unwrap();
    lb.add(&olga, &NewEntry { room: Some("102".into()), ..entry("Guest asked about leakage insurance") }).unwrap();
    lb.add(&oscar, &NewEntry { category: Some("security".into()), ..entry("Night round done, all quiet") }).unwrap();
    let q = |search: Search| lb.search(&search).unwrap().into_iter().map(|e| e.text).collect::<Vec<_>>();
    let leak = q(Search { q: Some("leak".into()), ..Default::default() });
    assert_eq!(leak.len(), 2, "prefix match: leak, leakage");
    assert_eq!(
        q(Search { q: Some("leak".into()), room: Some("101".into()), ..Default::default() }),
        ["Water leak under the sink"]
    );
    assert_eq!(q(Search { q: Some("leak".into()), category: Some("note".into()), ..Default::default() }).len(), 1);
    assert_eq!(q(Search { author: Some("oscar".into()), ..Default::default() }), ["Night round done, all quiet"]);
    assert_eq!(q(Search { q: Some("water sink".into()), ..Default::default() }).len(), 1, "every word must match");
    assert!(
        q(Search { q: Some("\"unbalanced (quote".into()), ..Default::default() }).is_empty(),
        "odd input is no error"
    );
    assert_eq!(
        q(Search { since: Some("2026-11-30".into()), until: Some("2026-12-01".into()), ..Default::default() }).len(),
        3
    );
    assert!(q(Search { since: Some("2026-12-01".into()), ..Default::default() }).is_empty());
    assert!(lb.search(&Search { since: Some("last week".into()), ..Default::default() }).is_err());
    assert!(lb.search(&Search { category: Some("gossip".into()), ..Default::default() }).is_err());
}

#[tokio::test(start_paused = true)]
async fn every_kind_of_change_leaves_an_audit_row_with_its_actor() {
    let s = Site::start(mem_store(), utc(T0), "");
    let (olga, dora) = (staff("olga", Role::Operator), staff("dora", Role::Desk));
    let svc = &s.services.app;
    svc.desk
        .check_in(&dora, "101", switchboard::desk::CheckIn { name: "Audit Me".into(), ..Default::default() })
        .unwrap();
    svc.desk.set_dnd(&dora, "101", true).unwrap();
    svc.desk.set_class(&dora, "101", 2).unwrap();
    let w = svc
        .wakeups
        .add(
            &dora,
            &switchboard::wakeup::Booking { room: "101".into(), time: Some("09:00".into()), ..Default::default() },
            "desk",
        )
        .unwrap();
    svc.wakeups.cancel(&dora, w.id, "guest changed plans").unwrap();
    let m = svc
        .messages
        .leave(
            &dora,
            &switchboard::messages::NewMessage { room: "101".into(), text: "hi".into(), ..Default::default() },
        )
        .unwrap();
    svc.messages.deliver(&dora, m.id).unwrap();
    svc.messages.set_lamp(&dora, "101", true).unwrap();
    svc.logbook.open_shift(&olga).unwrap();
    let e = svc
        .logbook
        .add(&olga, &NewEntry { followup_owner: Some("operator".into()), ..entry("check minibar") })
        .unwrap();
    svc.logbook.amend(&olga, e.id, "check minibar in 101").unwrap();
    svc.logbook.update_followup(&olga, e.followup.unwrap(), "done", None).unwrap();
    svc.desk.move_room(&dora, "101", "102").unwrap();
    svc.desk.check_out(&dora, "102", false).unwrap();
    svc.logbook.close_shift(&olga, false).unwrap();
    let rows = svc.store.read_blocking(|c| switchboard::audit::query(c, &Default::default())).unwrap();
    let seen: std::collections::BTreeSet<(String, String)> =
        rows.iter().map(|r| (r.staff.clone(), r.action.clone())).collect();
    for (who, action) in [
        ("dora", "checkin"),
        ("dora", "dnd"),
        ("dora", "class"),
        ("dora", "wakeup_add"),
        ("dora", "wakeup_cancel"),
        ("dora", "msg_leave"),
        ("dora", "msg_deliver"),
        ("dora", "msg_lamp"),
        ("dora", "move"),
        ("dora", "checkout"),
        ("olga", "shift_open"),
        ("olga", "log_add"),
        ("olga", "log_amend"),
        ("olga", "followup_update"),
        ("olga", "shift_close"),
    ] {
        assert!(seen.contains(&(who.to_string(), action.to_string())), "audit row {who}/{action} in {seen:?}");
    }
}
