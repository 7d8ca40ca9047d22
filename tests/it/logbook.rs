//! The operator's logbook in virtual time: shifts, amendments, follow-ups, system entries and
//! the handover.

use std::time::Duration;
use switchboard::store::Priority;

use pbx_sim::{Command, RingBehaviour};
use switchboard::domain::identity::{Actor, Role};
use switchboard::domain::words::{Category, FollowupState, Priority as EntryPriority};
use switchboard::hotel::logbook::{LogError, NewEntry, Search};

use crate::wakeups::{mem_store, sys, utc, Site, T0};

fn staff(login: &str, role: Role) -> Actor {
    Actor { id: 1, login: login.into(), display_name: login.into(), role }
}

fn entry(text: &str) -> NewEntry {
    NewEntry { text: text.into(), ..Default::default() }
}

#[tokio::test(start_paused = true)]
async fn shifts_open_close_and_hand_over_in_order() {
    let s = Site::start(mem_store(), utc(T0), "").await;
    let lb = &s.services.app.logbook;
    let (olga, oscar, mia) =
        (staff("olga", Role::Operator), staff("oscar", Role::Operator), staff("mia", Role::Manager));
    assert!(matches!(lb.add(&olga, &entry("too early")).await, Err(LogError::NoShift)));
    let first = lb.open_shift(&olga).await.unwrap();
    assert!(matches!(lb.open_shift(&oscar).await, Err(LogError::ShiftOpen { .. })), "one shift at a time");
    assert!(matches!(lb.close_shift(&oscar, false).await, Err(LogError::NotYourShift { .. })));
    assert!(matches!(lb.close_shift(&oscar, true).await, Err(LogError::NotYourShift { .. })), "force is for managers");
    lb.add(&olga, &entry("quiet night")).await.unwrap();
    lb.close_shift(&olga, false).await.unwrap();
    assert!(matches!(
        lb.add(&olga, &NewEntry { shift: Some(first.id), ..entry("late") }).await,
        Err(LogError::ShiftClosed { .. })
    ));
    assert!(matches!(lb.open_shift(&oscar).await, Err(LogError::HandoverPending { .. })), "ack first");
    assert!(matches!(lb.ack_handover(&olga).await, Err(LogError::OwnHandover { .. })));
    let acked = lb.ack_handover(&oscar).await.unwrap();
    assert_eq!(acked.handover_acked_by.as_deref(), Some("oscar"));
    assert!(matches!(lb.ack_handover(&oscar).await, Err(LogError::NoHandover)));
    let second = lb.open_shift(&oscar).await.unwrap();
    // a manager force-closes, and it is recorded as such
    let sheet = lb.close_shift(&mia, true).await.unwrap();
    assert!(sheet.shift.forced);
    assert_eq!(sheet.shift.id, second.id);
    assert_eq!(sheet.high_priority.len(), 1, "the force-close is a high-priority system entry");
    assert!(sheet.high_priority[0].text.contains("force-closed by mia"));
    // bad input changes nothing
    lb.ack_handover(&olga).await.unwrap();
    lb.open_shift(&olga).await.unwrap();
    assert!(lb.add(&olga, &entry("   ")).await.unwrap_err().to_string().starts_with("text:"));
    assert!(lb
        .add(&olga, &NewEntry { room: Some("999".into()), ..entry("x") })
        .await
        .unwrap_err()
        .to_string()
        .starts_with("room:"));
    assert!(matches!(lb.amend(&olga, 999, "x").await, Err(LogError::UnknownEntry(999))));
    assert!(matches!(lb.update_followup(&olga, 1, FollowupState::Done, None).await, Err(LogError::UnknownFollowup(1))));
    assert!(lb.list(None).await.unwrap().is_empty());
}

#[tokio::test(start_paused = true)]
async fn amendments_chain_and_both_stay_visible() {
    let s = Site::start(mem_store(), utc(T0), "").await;
    let lb = &s.services.app.logbook;
    let olga = staff("olga", Role::Operator);
    lb.open_shift(&olga).await.unwrap();
    let e = lb
        .add(
            &olga,
            &NewEntry {
                room: Some("101".into()),
                category: Some(Category::Maintenance),
                ..entry("leak in 101 bathroom")
            },
        )
        .await
        .unwrap();
    let a1 = lb.amend(&olga, e.id, "correction: leak in 101 kitchenette").await.unwrap();
    let a2 = lb.amend(&olga, a1.id, "correction: it was the minibar").await.unwrap();
    assert_eq!((a1.amends, a2.amends), (Some(e.id), Some(a1.id)));
    assert_eq!(a1.category, "maintenance");
    assert_eq!(a2.room.as_deref(), Some("101"));
    let list = lb.list(None).await.unwrap();
    assert_eq!(list.len(), 3, "nothing is edited in place");
    assert_eq!(list[0].text, "leak in 101 bathroom");
    assert_eq!(list[0].amended_by, vec![a1.id]);
    let edit = s
        .services
        .app
        .store
        .write(Priority::Normal, move |tx| {
            tx.execute("UPDATE log_entries SET text = 'x'", []).map_err(switchboard::store::StoreError::from)
        })
        .await;
    assert!(edit.unwrap_err().to_string().contains("never edited"));
}

#[tokio::test(start_paused = true)]
async fn follow_ups_carry_over_until_done() {
    let s = Site::start(mem_store(), utc(T0), "").await;
    let lb = &s.services.app.logbook;
    let (olga, oscar) = (staff("olga", Role::Operator), staff("oscar", Role::Operator));
    lb.open_shift(&olga).await.unwrap();
    let e = lb
        .add(
            &olga,
            &NewEntry {
                followup_owner: Some("operator".into()),
                due: Some("2026-12-01 09:00".into()),
                ..entry("guest in 102 wants a crib")
            },
        )
        .await
        .unwrap();
    let fid = e.followup.expect("a follow-up was opened");
    assert!(lb
        .add(&olga, &NewEntry { followup_owner: Some("nobody".into()), ..entry("x") })
        .await
        .unwrap_err()
        .to_string()
        .contains("neither"));
    let sheet = lb.close_shift(&olga, false).await.unwrap();
    assert_eq!(sheet.open_followups.len(), 1, "open follow-ups are handed over");
    lb.ack_handover(&oscar).await.unwrap();
    lb.open_shift(&oscar).await.unwrap();
    assert_eq!(lb.followups(true).await.unwrap()[0].id, fid, "carried over into the next shift");
    lb.update_followup(&oscar, fid, FollowupState::InProgress, Some("asked housekeeping")).await.unwrap();
    let done = lb.update_followup(&oscar, fid, FollowupState::Done, None).await.unwrap();
    assert_eq!(done.state, "done");
    assert!(lb.followups(true).await.unwrap().is_empty());
    let mine = lb.list(None).await.unwrap();
    assert_eq!(mine.iter().filter(|e| e.followup == Some(fid)).count(), 2, "each state change is an entry");
    let sheet = lb.close_shift(&oscar, false).await.unwrap();
    assert!(sheet.open_followups.is_empty());
}

#[tokio::test(start_paused = true)]
async fn the_service_writes_system_entries_and_the_handover_lists_them() {
    let s = Site::start(mem_store(), utc(T0), "attempts = 1").await;
    s.link_up().await;
    let lb = &s.services.app.logbook;
    let olga = staff("olga", Role::Operator);
    lb.open_shift(&olga).await.unwrap();
    s.check_in("101").await;
    s.check_in("102").await;
    lb.add(
        &olga,
        &NewEntry {
            priority: Some(EntryPriority::High),
            category: Some(Category::Security),
            ..entry("door 3 propped open")
        },
    )
    .await
    .unwrap();
    // an escalated wake-up call
    s.sim.command(Command::SetRing { room: "101".into(), behaviour: RingBehaviour::NoAnswer });
    let w = s
        .services
        .app
        .wakeups
        .add(
            &sys(),
            &switchboard::hotel::wakeup::Booking {
                room: "101".into(),
                time: Some("07:00".into()),
                ..Default::default()
            },
            "desk",
        )
        .await
        .unwrap();
    s.until("escalated", Duration::from_secs(600), async |s| {
        s.services.app.wakeups.get(w.id).await.unwrap().status == "failed"
    })
    .await;
    // a PBX outage
    s.sim.go_silent(Duration::from_secs(120));
    s.services.app.desk.set_dnd(&sys(), "102", true).await.unwrap();
    s.until("the outage logged and over", Duration::from_secs(900), async |s| {
        let e = s.services.app.logbook.search(&Search::default()).await.unwrap();
        e.iter().any(|e| e.kind.as_deref() == Some("pbx_down")) && e.iter().any(|e| e.kind.as_deref() == Some("pbx_up"))
    })
    .await;
    // a message discarded at check-out, and an alert acknowledged
    s.services
        .app
        .messages
        .leave(
            &sys(),
            &switchboard::hotel::messages::NewMessage {
                room: "102".into(),
                text: "call home".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    s.services.app.desk.check_out(&sys(), "102", true).await.unwrap();
    let alert = s.services.app.store.read(move |c| switchboard::hotel::alerts::list(c, true)).await.unwrap().remove(0);
    let now = s.now();
    let by = olga.clone();
    s.services
        .app
        .store
        .write(Priority::Normal, move |tx| switchboard::hotel::alerts::ack(tx, now, &by, alert.id))
        .await
        .unwrap();
    s.services
        .app
        .messages
        .leave(
            &sys(),
            &switchboard::hotel::messages::NewMessage {
                room: "101".into(),
                text: "still waiting".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();

    let kinds: Vec<String> = lb.list(None).await.unwrap().into_iter().filter_map(|e| e.kind).collect();
    for k in ["wakeup_failed", "pbx_down", "pbx_up", "checkout_discarded", "alert_ack"] {
        assert!(kinds.iter().any(|x| x == k), "system entry {k} in {kinds:?}");
    }
    let up =
        lb.search(&Search::default()).await.unwrap().into_iter().find(|e| e.kind.as_deref() == Some("pbx_up")).unwrap();
    assert!(up.text.contains("change(s) were waiting"), "{}", up.text);

    let sheet = lb.close_shift(&olga, false).await.unwrap();
    assert_eq!((sheet.check_ins, sheet.check_outs), (2, 1));
    assert!(sheet.high_priority.iter().any(|e| e.text == "door 3 propped open"));
    assert!(sheet.wakeup_problems.iter().any(|a| a.kind == "wakeup_failed" && a.room.as_deref() == Some("101")));
    assert_eq!(sheet.undelivered_messages.len(), 1);
    assert_eq!(sheet.undelivered_messages[0].room, "101");
    assert!(sheet.pbx_outages.len() >= 2);
    let text = sheet.to_text();
    assert!(text.contains("NOT YET ACKNOWLEDGED"), "{text}");
    let data = switchboard::http::print::handover(Some(&sheet), "en");
    let html =
        switchboard::http::print::render("handover", "en", chrono_tz::UTC, "Hotel <Test>", utc(T0), data).unwrap();
    assert!(html.contains("Hotel &lt;Test&gt;") && html.contains("door 3 propped open"), "{html}");
    assert!(s.services.app.logbook.handover().await.unwrap().is_some(), "shown to everyone until acknowledged");
}

#[tokio::test(start_paused = true)]
async fn search_with_filters() {
    let s = Site::start(mem_store(), utc(T0), "").await;
    let lb = &s.services.app.logbook;
    let (olga, oscar) = (staff("olga", Role::Operator), staff("oscar", Role::Operator));
    lb.open_shift(&olga).await.unwrap();
    lb.add(
        &olga,
        &NewEntry {
            room: Some("101".into()),
            category: Some(Category::Maintenance),
            ..entry("Water leak under the sink")
        },
    )
    .await
    .unwrap();
    lb.add(&olga, &NewEntry { room: Some("102".into()), ..entry("Guest asked about leakage insurance") })
        .await
        .unwrap();
    lb.add(&oscar, &NewEntry { category: Some(Category::Security), ..entry("Night round done, all quiet") })
        .await
        .unwrap();
    let q = async |search: Search| lb.search(&search).await.unwrap().into_iter().map(|e| e.text).collect::<Vec<_>>();
    let leak = q(Search { q: Some("leak".into()), ..Default::default() }).await;
    assert_eq!(leak.len(), 2, "prefix match: leak, leakage");
    assert_eq!(
        q(Search { q: Some("leak".into()), room: Some("101".into()), ..Default::default() }).await,
        ["Water leak under the sink"]
    );
    assert_eq!(
        q(Search { q: Some("leak".into()), category: Some(Category::Note), ..Default::default() }).await.len(),
        1
    );
    assert_eq!(q(Search { author: Some("oscar".into()), ..Default::default() }).await, ["Night round done, all quiet"]);
    assert_eq!(
        q(Search { q: Some("water sink".into()), ..Default::default() }).await.len(),
        1,
        "every word must match"
    );
    assert!(
        q(Search { q: Some("\"unbalanced (quote".into()), ..Default::default() }).await.is_empty(),
        "odd input is no error"
    );
    assert_eq!(
        q(Search { since: Some("2026-11-30".into()), until: Some("2026-12-01".into()), ..Default::default() })
            .await
            .len(),
        3
    );
    assert!(q(Search { since: Some("2026-12-01".into()), ..Default::default() }).await.is_empty());
    assert!(lb.search(&Search { since: Some("last week".into()), ..Default::default() }).await.is_err());
}

#[tokio::test(start_paused = true)]
async fn every_kind_of_change_leaves_an_audit_row_with_its_actor() {
    let s = Site::start(mem_store(), utc(T0), "").await;
    let (olga, dora) = (staff("olga", Role::Operator), staff("dora", Role::Desk));
    let svc = &s.services.app;
    svc.desk
        .check_in(&dora, "101", switchboard::hotel::desk::CheckIn { name: "Audit Me".into(), ..Default::default() })
        .await
        .unwrap();
    svc.desk.set_dnd(&dora, "101", true).await.unwrap();
    svc.desk.set_class(&dora, "101", 2).await.unwrap();
    let w = svc
        .wakeups
        .add(
            &dora,
            &switchboard::hotel::wakeup::Booking {
                room: "101".into(),
                time: Some("09:00".into()),
                ..Default::default()
            },
            "desk",
        )
        .await
        .unwrap();
    svc.wakeups.cancel(&dora, w.id, "guest changed plans").await.unwrap();
    let m = svc
        .messages
        .leave(
            &dora,
            &switchboard::hotel::messages::NewMessage { room: "101".into(), text: "hi".into(), ..Default::default() },
        )
        .await
        .unwrap();
    svc.messages.deliver(&dora, m.id).await.unwrap();
    svc.messages.set_lamp(&dora, "101", true).await.unwrap();
    svc.logbook.open_shift(&olga).await.unwrap();
    let e = svc
        .logbook
        .add(&olga, &NewEntry { followup_owner: Some("operator".into()), ..entry("check minibar") })
        .await
        .unwrap();
    svc.logbook.amend(&olga, e.id, "check minibar in 101").await.unwrap();
    svc.logbook.update_followup(&olga, e.followup.unwrap(), FollowupState::Done, None).await.unwrap();
    svc.desk.move_room(&dora, "101", "102").await.unwrap();
    svc.desk.check_out(&dora, "102", false).await.unwrap();
    svc.logbook.close_shift(&olga, false).await.unwrap();
    let rows = svc.store.read(move |c| switchboard::hotel::audit::query(c, &Default::default())).await.unwrap();
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
