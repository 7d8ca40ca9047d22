//! The PBX link against the simulator over a real pseudo-terminal, in this process.
//! Long: one test per promise of the link (bursts, outages, reports, refusals), all against the
//! same simulator set-up.
// Each test runs on its own runtime and holds the pty lock for its whole life on purpose: the
// lock serialises pty tests across test threads, not tasks within one runtime.
#![allow(clippy::await_holding_lock)]

use std::time::Duration;
use switchboard::store::Priority;

use pbx_sim::{Command, Faults, SimOptions};
use switchboard::hotel::desk::CheckIn;

use switchboard::domain::identity::Actor;
use switchboard::domain::pbx_command::PbxCommand;
use switchboard::links::pbx::LinkState;

use crate::fixtures::{eventually, pty_lock, Hotel};

fn sys() -> Actor {
    Actor::system()
}

const FAST: &str = "ack_timeout = \"100ms\"";
const T: Duration = Duration::from_secs(30);

#[tokio::test]
async fn check_in_and_check_out_reach_the_pbx() {
    let _g = pty_lock();
    let h = Hotel::start(&["101", "102"], "").await;
    h.link_up().await;
    h.desk
        .check_in(
            &sys(),
            "101",
            CheckIn { name: "Wang Wei".into(), language: Some("zh".into()), class: Some(2), ..Default::default() },
        )
        .await
        .unwrap();
    let s = h.converged(T).await;
    let room = &s.rooms["101"];
    assert!(room.occupied);
    assert_eq!(room.guest_name.as_deref(), Some("Wang Wei"));
    assert_eq!(room.language.as_deref(), Some("ZH"));
    assert_eq!(room.class_of_service, 2);
    assert!(h.desk.room("101").await.unwrap().pbx_synced);

    h.desk.set_dnd(&sys(), "101", true).await.unwrap();
    assert!(h.converged(T).await.rooms["101"].dnd);

    h.desk.check_out(&sys(), "101", false).await.unwrap();
    let s = h.converged(T).await;
    let room = &s.rooms["101"];
    assert!(!room.occupied && !room.dnd && !room.message_lamp);
    assert_eq!(room.guest_name, None);
    assert_eq!(room.class_of_service, 0);
}

#[tokio::test]
async fn a_move_bars_the_old_line_and_opens_the_new_one() {
    let _g = pty_lock();
    let h = Hotel::start(&["101", "102"], "").await;
    h.link_up().await;
    h.check_in("101", "Ada Lovelace").await;
    h.desk.set_dnd(&sys(), "101", true).await.unwrap();
    h.desk.move_room(&sys(), "101", "102").await.unwrap();
    let s = h.converged(T).await;
    assert_eq!(s.rooms["102"].guest_name.as_deref(), Some("Ada Lovelace"));
    assert!(s.rooms["102"].dnd);
    assert_eq!(s.rooms["102"].class_of_service, 3);
    assert_eq!(s.rooms["101"].class_of_service, 0);
    assert!(!s.rooms["101"].occupied);
}

#[tokio::test]
async fn a_silent_pbx_during_50_changes_loses_nothing() {
    let _g = pty_lock();
    let rooms: Vec<String> = (101..=130).map(|n| n.to_string()).collect();
    let refs: Vec<&str> = rooms.iter().map(String::as_str).collect();
    let h = Hotel::start(&refs, FAST).await;
    h.link_up().await;
    h.sim.go_silent(Duration::from_secs(4));
    // 50 changes while the cable is pulled: 30 check-ins, 10 DND, 10 check-outs.
    for r in &rooms {
        h.check_in(r, &format!("Guest {r}")).await;
    }
    for r in &rooms[..10] {
        h.desk.set_dnd(&sys(), r, true).await.unwrap();
    }
    for r in &rooms[20..] {
        h.desk.check_out(&sys(), r, false).await.unwrap();
    }
    let link = h.link.clone();
    eventually(T, "the link to notice the silence", || {
        let down = link.status().link != "up";
        async move { down }
    })
    .await;
    assert!(h.queued().await > 0, "changes must wait in the outbox while the PBX is silent");
    let s = h.converged(T).await;
    assert_eq!(s.rooms.values().filter(|r| r.occupied).count(), 20);
    assert!(s.rooms["101"].dnd);
    assert!(h.link.status().reconnects >= 1);
}

#[tokio::test]
async fn a_noisy_line_that_naks_and_loses_acks_still_converges() {
    let _g = pty_lock();
    let rooms: Vec<String> = (101..=110).map(|n| n.to_string()).collect();
    let refs: Vec<&str> = rooms.iter().map(String::as_str).collect();
    let h = Hotel::start(&refs, FAST).await;
    h.link_up().await;
    h.sim.set_faults(Faults { nak_every: 3, drop_ack_every: 4, noise_every: 5, ..Default::default() });
    for r in &rooms {
        h.check_in(r, "Noisy Line").await;
        h.desk.set_dnd(&sys(), r, true).await.unwrap();
    }
    h.converged(T).await;
    let st = h.link.status();
    assert!(st.retransmits > 0, "NAKed frames must be retransmitted: {st:?}");
    assert!(st.noise_bytes > 0, "noise must be counted: {st:?}");
    assert!(h.sim.state().bad_frames > 0);
}

#[tokio::test]
async fn a_dr_from_the_pbx_resyncs_every_room() {
    let _g = pty_lock();
    let h = Hotel::start(&["101", "102", "103"], "").await;
    h.link_up().await;
    h.check_in("102", "Resync Me").await;
    h.converged(T).await;
    h.sim.command(Command::RequestResync);
    let s = h.sim.wait_for(T, |s| s.resyncs == 1 && !s.resync_in_progress).await.expect("resync done");
    assert_eq!(s.rooms["102"].guest_name.as_deref(), Some("Resync Me"));
    assert_eq!(s.rooms.len(), 3, "every room is part of the swap");
    h.converged(T).await;
}

#[tokio::test]
async fn resync_on_command_and_after_a_pbx_restart() {
    let _g = pty_lock();
    let h = Hotel::start(&["101", "102"], "").await;
    h.link_up().await;
    h.check_in("101", "Before Restart").await;
    h.converged(T).await;
    assert!(h.link.resync().await);
    h.sim.wait_for(T, |s| s.resyncs == 1).await.expect("resync on command");

    // A restarted PBX sends LS; switchboard answers it as an alive-check (LA), and the PBX, which
    // lost its data, asks for a resync (DR): every room is sent again.
    h.sim.command(Command::Restart);
    h.sim.wait_for(T, |s| s.resyncs == 2 && s.link_up).await.expect("resync after the PBX restarted");
    h.check_in("102", "After Restart").await;
    h.converged(T).await;
}

/// FIAS: an `LE` from the PBX is answered with `LE`, and the link restarted with `LS`; what was
/// queued meanwhile reaches the PBX once it is back.
#[tokio::test]
async fn an_le_from_the_pbx_is_answered_and_the_link_restarts() {
    let _g = pty_lock();
    let h = Hotel::start(&["101", "102"], "").await;
    h.link_up().await;
    let starts = h.sim.state().link_starts;
    h.sim.command(Command::EndLink);
    h.check_in("102", "During The Restart").await;
    h.sim.wait_for(T, |s| s.link_starts > starts && s.link_up).await.expect("the link restarted by switchboard");
    let s = h.converged(T).await;
    assert_eq!(s.rooms["102"].guest_name.as_deref(), Some("During The Restart"));
}

#[tokio::test]
async fn pbx_reports_are_stored() {
    let _g = pty_lock();
    let h = Hotel::start(&["101"], "").await;
    h.link_up().await;
    h.check_in("101", "Handset User").await;
    h.converged(T).await;
    h.sim.command(Command::RoomStatus { room: "101".into(), status: 9 });
    h.sim.command(Command::HandsetDnd { room: "101".into(), on: true });
    h.sim.command(Command::Voicemail { room: "101".into(), count: 2 });
    h.sim.command(Command::RoomStatus { room: "999".into(), status: 1 });
    let desk = h.desk.clone();
    eventually(T, "room status, DND and voicemail from the handset", async || {
        let r = desk.room("101").await.unwrap();
        r.room_status == Some(9) && r.dnd && r.voicemail == 2
    })
    .await;
    let store = h.store.clone();
    eventually(T, "every PBX report kept as an event", async || {
        let n: i64 = store
            .read(move |c| {
                c.query_row("SELECT COUNT(*) FROM pbx_events", [], |r| r.get(0))
                    .map_err(switchboard::store::StoreError::from)
            })
            .await
            .unwrap();
        n == 4
    })
    .await;
}

#[tokio::test]
async fn a_store_that_refuses_writes_does_not_take_the_link_down() {
    let _g = pty_lock();
    let h = Hotel::start(&["101", "102"], "").await;
    h.link_up().await;
    h.check_in("101", "Ann Early").await;
    h.converged(T).await;
    let reconnects = h.link.status().reconnects;
    // The disk is full for what the PBX tells us (a trigger on the store's own connection).
    h.store
        .write(Priority::Normal, move |tx| {
            tx.execute_batch(
                "CREATE TEMP TRIGGER full_disk BEFORE INSERT ON pbx_events
                 BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END;",
            )
            .map_err(switchboard::store::StoreError::from)
        })
        .await
        .unwrap();
    h.sim.command(Command::RoomStatus { room: "101".into(), status: 6 });
    let link = h.link.clone();
    eventually(T, "the store error seen by the link", || {
        let st = link.status();
        async move { st.store_errors >= 1 }
    })
    .await;
    let st = h.link.status();
    assert_eq!(st.link, "up", "the link stays up: {st:?}");
    assert!(st.last_error.as_deref().is_some_and(|e| e.starts_with("store:")), "{st:?}");
    // Meanwhile the queue still drains (the store refuses only the one table)...
    h.check_in("102", "Bob Meanwhile").await;
    h.converged(T).await;
    assert_eq!(h.desk.room("101").await.unwrap().room_status, None, "not stored yet");
    // ...and once the disk has room again, what the PBX said is stored, nothing lost.
    h.store
        .write(Priority::Normal, move |tx| {
            tx.execute_batch("DROP TRIGGER full_disk").map_err(switchboard::store::StoreError::from)
        })
        .await
        .unwrap();
    let (desk, link) = (h.desk.clone(), h.link.clone());
    // Stored first, then the recovery alert, then the link's error cleared: wait for all of it.
    eventually(Duration::from_secs(60), "the room status kept in memory is stored", async || {
        let r = desk.room("101").await.unwrap();
        r.room_status == Some(6) && link.status().last_error.is_none()
    })
    .await;
    let st = h.link.status();
    assert_eq!((st.link, st.reconnects, st.last_error.clone()), (LinkState::Up, reconnects, None), "{st:?}");
    let alerts = h.store.read(move |c| switchboard::hotel::alerts::list(c, true)).await.unwrap();
    assert!(alerts.iter().any(|a| a.kind == "store_recovered"), "{alerts:?}");
}

/// While the store refuses a write, the link tries it again at the pace of its back-off, not at
/// every change the desk makes meanwhile (a full disk once drew a failed write and a log line per
/// desk change: 174 a second in the NEAX day), and nothing is lost once the disk has room.
#[tokio::test]
async fn a_write_the_store_refuses_is_tried_again_at_the_back_offs_pace() {
    use switchboard::store::outbox::{push, PRIORITY_URGENT};
    let _g = pty_lock();
    let h = Hotel::start(&["101", "102"], "").await;
    h.link_up().await;
    h.check_in("101", "Ann Early").await;
    h.check_in("102", "Bob Busy").await;
    h.converged(T).await;
    // The disk is full for the PBX's record of events, and a ring expired unsent must be
    // recorded there before it leaves the queue.
    let now = switchboard::clock::Clock::now(&switchboard::clock::SystemClock);
    let ring = PbxCommand::Ring { at: now.naive_utc(), expires: (now - chrono::Duration::seconds(1)).to_rfc3339() };
    h.store
        .write(Priority::Normal, move |tx| {
            tx.execute_batch(
                "CREATE TEMP TRIGGER full_disk BEFORE INSERT ON pbx_events
                 BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END;",
            )
            .map_err(switchboard::store::StoreError::from)?;
            push(tx, now, "101", &ring, PRIORITY_URGENT).map(|_| ())
        })
        .await
        .unwrap();
    let link = h.link.clone();
    eventually(T, "the store error seen by the link", || {
        let st = link.status();
        async move { st.store_errors >= 1 }
    })
    .await;
    // The desk goes on meanwhile: thirty changes, each one a wake-up for the link.
    for i in 0..30 {
        h.desk.set_dnd(&Actor::system(), "102", i % 2 == 0).await.unwrap();
    }
    let errors = h.link.status().store_errors;
    assert!(errors <= 6, "{errors} tries of the refused write while the desk made 30 changes");
    assert_eq!(h.link.status().link, "up");
    h.store
        .write(Priority::Normal, move |tx| {
            tx.execute_batch("DROP TRIGGER full_disk").map_err(switchboard::store::StoreError::from)
        })
        .await
        .unwrap();
    h.converged(Duration::from_secs(60)).await;
    let expired: i64 = h
        .store
        .read(move |c| {
            c.query_row("SELECT COUNT(*) FROM pbx_events WHERE kind = 'ring_expired'", [], |r| r.get(0))
                .map_err(switchboard::store::StoreError::from)
        })
        .await
        .unwrap();
    assert_eq!(expired, 1, "the expired ring is on record once");
    assert_eq!(h.sim.state().rooms["101"].rings, 0, "and never rang");
}

#[tokio::test]
async fn records_the_pbx_did_not_declare_are_not_sent() {
    let _g = pty_lock();
    // A PBX that takes check-in/out but no RE (no lamps, DND or class changes).
    let mut opts = SimOptions::default();
    opts.declarations.retain(|(id, _)| *id != fias::ids::RE);
    let h = Hotel::start_with(&["101"], "", opts).await;
    h.link_up().await;
    h.check_in("101", "No Equipment").await;
    let link = h.link.clone();
    // Class, lamp and DND travel as one RE record: one record refused.
    eventually(T, "undeliverable RE records reported and dropped", async || {
        h.queued().await == 0 && link.status().dropped_unsupported == 1
    })
    .await;
    let undeliverable: i64 = h
        .store
        .read(move |c| {
            c.query_row("SELECT COUNT(*) FROM pbx_events WHERE kind = 'undeliverable'", [], |r| r.get(0))
                .map_err(switchboard::store::StoreError::from)
        })
        .await
        .unwrap();
    assert_eq!(undeliverable, 3, "each dropped command is kept on record");
    assert!(h.sim.state().rooms["101"].occupied);
    assert!(!h.link.status().declared.contains(&"RE".to_string()));
}

/// A PBX without message texts: an `XL` is skipped quietly, and the rows read with that skip are
/// the ones acted on next. (They were once kept for a later turn: a ring sent after the skip was
/// found again in those stale rows and rang the room a second time.)
#[tokio::test]
async fn a_ring_after_a_skipped_message_text_rings_once() {
    use switchboard::store::outbox::{push, PRIORITY_URGENT};
    let _g = pty_lock();
    let mut opts = SimOptions::default();
    opts.declarations.retain(|(id, _)| *id != fias::ids::XL);
    let h = Hotel::start_with(&["101"], "", opts).await;
    h.link_up().await;
    h.check_in("101", "Texts Unknown").await;
    h.converged(T).await;
    // A message's text and a ring, both urgent, queued together: the text goes first (the older)
    // and is skipped; then the ring.
    let now = switchboard::clock::Clock::now(&switchboard::clock::SystemClock);
    let local = now.naive_utc();
    let text = PbxCommand::MessageText { id: 1, stay: 1, text: "Please call the desk".into(), at: local };
    let ring = PbxCommand::Ring { at: local, expires: (now + chrono::Duration::minutes(5)).to_rfc3339() };
    h.store
        .write(Priority::Normal, move |tx| {
            push(tx, now, "101", &text, PRIORITY_URGENT)?;
            push(tx, now, "101", &ring, PRIORITY_URGENT)
        })
        .await
        .unwrap();
    h.sim.wait_for(T, |s| s.rooms["101"].rings >= 1).await.expect("the ring reached the PBX");
    // Anything more the link would send now has gone by the time a desk change is through.
    h.desk.set_dnd(&Actor::system(), "101", true).await.unwrap();
    let state = h.converged(T).await;
    assert_eq!(state.rooms["101"].rings, 1, "the room rang once");
    assert_eq!(h.link.status().dropped_unsupported, 0, "a message text is optional: skipped, not dropped");
}

#[tokio::test]
async fn call_charges_are_kept_and_answered() {
    let _g = pty_lock();
    let h = Hotel::start(&["101"], "").await;
    h.link_up().await;
    h.check_in("101", "Talkative Guest").await;
    h.converged(T).await;
    let posting = fias::Posting {
        room: "101".into(),
        number: Some("4711".into()),
        kind: Some("T".into()),
        amount: Some("350".into()),
        duration: Some("000312".into()),
        digits: Some("0041445550101".into()),
        pulses: None,
        article: None,
        count: None,
        at: None,
    };
    h.sim.command(Command::Posting(posting));
    h.sim.wait_for(T, |s| s.postings_answered == 1).await.expect("the PBX got its PA");
    let kept: String = h
        .store
        .read(move |c| {
            c.query_row("SELECT detail FROM pbx_events WHERE kind = 'call_charge'", [], |r| r.get(0))
                .map_err(switchboard::store::StoreError::from)
        })
        .await
        .unwrap();
    assert!(kept.contains("TA350") && kept.contains("DD0041445550101"), "{kept}");
}

#[tokio::test]
async fn housekeeping_follows_the_handset_and_the_desk() {
    use switchboard::hotel::desk::DeskError;
    use switchboard::hotel::housekeeping::{self, Housekeeping};
    let _g = pty_lock();
    let h = Hotel::start(&["101", "102"], "").await;
    h.link_up().await;
    let status = async |room: &str| h.desk.room(room).await.unwrap().housekeeping;
    assert_eq!(status("101").await, Housekeeping::Clean, "a new hotel's rooms start clean");
    // Every RS code from the handset, with and without an attendant's code.
    for (rs, want) in [
        (1, Housekeeping::Dirty),
        (3, Housekeeping::Clean),
        (2, Housekeeping::Dirty),
        (4, Housekeeping::Clean),
        (5, Housekeeping::Inspected),
        (6, Housekeeping::Inspected),
    ] {
        h.sim.command(Command::MaidCode { room: "101".into(), status: rs, attendant: "M07".into() });
        let desk = h.desk.clone();
        eventually(T, &format!("RS {rs} -> {want}"), async || {
            let now = desk.room("101").await.unwrap();
            now.housekeeping == want && now.room_status == Some(rs)
        })
        .await;
    }
    h.sim.command(Command::RoomStatus { room: "101".into(), status: 1 });
    let desk = h.desk.clone();
    eventually(T, "dirty from the handset without a code", async || {
        let now = desk.room("101").await.unwrap();
        now.housekeeping == Housekeeping::Dirty
    })
    .await;
    // DND and the other codes are no housekeeping status.
    h.sim.command(Command::RoomStatus { room: "101".into(), status: 8 });
    let desk = h.desk.clone();
    eventually(T, "RS 8 stored", async || {
        let now = desk.room("101").await.unwrap();
        now.room_status == Some(8)
    })
    .await;
    assert_eq!(status("101").await, Housekeeping::Dirty);
    let list = h.store.read(move |c| housekeeping::list(c, None)).await.unwrap();
    assert_eq!(list[0].by.as_deref(), Some("handset"));
    // A dirty room is not given to a guest, unless the desk says so (and that is recorded).
    let guest = |ok| CheckIn { name: "Early Arrival".into(), not_ready_ok: ok, ..Default::default() };
    match h.desk.check_in(&sys(), "101", guest(false)).await {
        Err(e @ DeskError::NotReady { .. }) => assert!(e.to_string().contains("room 101 is dirty"), "{e}"),
        other => panic!("a dirty room must be refused: {other:?}"),
    }
    h.desk.check_in(&sys(), "101", guest(true)).await.unwrap();
    let trail = h.store.read(move |c| switchboard::hotel::audit::query(c, &Default::default())).await.unwrap();
    assert!(trail
        .iter()
        .any(|r| r.action == "checkin" && r.after.as_deref().unwrap_or("").contains("(room was dirty)")));
    // A move leaves the old room dirty; check-out makes the room dirty.
    h.desk.move_room(&sys(), "101", "102").await.unwrap();
    assert_eq!(status("101").await, Housekeeping::Dirty);
    h.desk.set_housekeeping(&sys(), "101", Housekeeping::OutOfOrder).await.unwrap();
    assert_eq!(status("101").await, Housekeeping::OutOfOrder);
    h.desk.check_out(&sys(), "102", false).await.unwrap();
    assert_eq!(status("102").await, Housekeeping::Dirty);
    let dirty = h.store.read(move |c| housekeeping::list(c, Some(Housekeeping::Dirty))).await.unwrap();
    assert_eq!(
        dirty.iter().map(|r| (r.room.as_str(), r.by.as_deref())).collect::<Vec<_>>(),
        [("102", Some("check-out"))]
    );
    // The attendant cleans it: the day's report counts it, and the wait since the check-out.
    h.sim.command(Command::MaidCode { room: "102".into(), status: 3, attendant: "M07".into() });
    let desk = h.desk.clone();
    eventually(T, "102 clean", async || {
        let now = desk.room("102").await.unwrap();
        now.housekeeping == Housekeeping::Clean
    })
    .await;
    let report = h
        .store
        .read(move |c| {
            housekeeping::day_report(
                c,
                "today",
                "2000-01-01T00:00:00Z".parse().unwrap(),
                "2100-01-01T00:00:00Z".parse().unwrap(),
            )
        })
        .await
        .unwrap();
    assert_eq!(report.per_attendant[0], ("attendant:M07".to_string(), 4), "{report:?}");
    assert_eq!((report.turnarounds, report.mean_minutes), (1, Some(0)), "{report:?}");
}

/// A broken or hostile PBX (issue 21): postings out of range are answered `UR`, put nothing on
/// the bill and go before a person; room reports out of range change nothing; a minibar posting
/// is kept as one.
#[tokio::test]
async fn what_a_hostile_pbx_reports_out_of_range_is_refused() {
    use fias::ids::*;
    let _g = pty_lock();
    let h = Hotel::start(&["101", "102"], "").await;
    h.link_up().await;
    h.check_in("101", "Guest").await;
    h.converged(T).await;
    let ps = |number: &str, fields: &[(fias::FieldId, &str)]| {
        let mut r = fias::Record::new(PS).with(RN, "101").with(PNUM, number).with(DA, "261204").with(TI, "101500");
        for (f, v) in fields {
            r = r.with(*f, *v);
        }
        Command::Raw(r)
    };
    let long_digits = "1".repeat(500);
    let hostile = [
        ("1", vec![(PT, "C"), (TA, "-5000")]),
        ("2", vec![(PT, "C"), (TA, "9223372036854775807")]),
        ("3", vec![(PT, "C"), (TA, "lots")]),
        ("4", vec![(PT, "T"), (DU, "006000"), (DD, "0049891")]),
        ("5", vec![(PT, "T"), (DU, "000130"), (DD, "0049abc")]),
        ("6", vec![(PT, "T"), (DU, "000130"), (DD, long_digits.as_str())]),
    ];
    for (n, fields) in &hostile {
        h.sim.command(ps(n, fields));
        h.sim.wait_for(T, |s| s.posting_answers.contains_key(*n)).await.expect("the PBX got its PA");
    }
    let state = h.sim.subscribe().borrow().clone();
    for (n, _) in &hostile {
        assert_eq!(state.posting_answers[*n], "UR", "posting {n}: {:?}", state.posting_answers);
    }
    // A minibar posting: kept as one, on the bill.
    h.sim.command(ps("7", &[(PT, "M"), (TA, "800"), (MA, "12"), (MNUM, "2")]));
    h.sim.wait_for(T, |s| s.posting_answers.get("7").is_some_and(|a| a == "OK")).await.expect("minibar posted");
    let (calls, total, article, items): (i64, i64, String, i64) = h
        .store
        .read(move |c| {
            c.query_row("SELECT COUNT(*), SUM(amount_minor), MAX(article), MAX(items) FROM calls", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .map_err(switchboard::store::StoreError::from)
        })
        .await
        .unwrap();
    assert_eq!((calls, total, article.as_str(), items), (1, 800, "12", 2), "only the minibar posting is on the bill");
    // One alert for a person (not one per record), and the count in the link's status.
    let alerts: Vec<String> = h
        .store
        .read(move |c| {
            let mut s = c.prepare("SELECT message FROM alerts WHERE kind = 'pbx_refused_call'")?;
            let v = s.query_map([], |r| r.get(0))?.collect::<Result<Vec<String>, _>>()?;
            Ok::<_, switchboard::store::StoreError>(v)
        })
        .await
        .unwrap();
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert!(
        alerts[0].contains("the PBX reported a call the service refused") && alerts[0].contains("TA"),
        "{alerts:?}"
    );
    assert_eq!(h.link.status.borrow().refused_received, 6);

    // Room reports out of range: nothing changes.
    for rs in [0u8, 7, 99] {
        h.sim.command(Command::RoomStatus { room: "102".into(), status: rs });
    }
    h.sim.command(Command::Raw(fias::Record::new(RE).with(RN, "102").with(VM, "12345")));
    h.sim.command(Command::RoomStatus { room: "102".into(), status: 1 });
    let desk = h.desk.clone();
    eventually(T, "the valid RS after the refused ones", async || {
        let r = desk.room("102").await.unwrap();
        r.room_status == Some(1)
    })
    .await;
    assert_eq!(h.desk.room("102").await.unwrap().voicemail, 0);
    assert_eq!(h.link.status.borrow().refused_received, 10);
}

/// The PBX asks for a room's message texts (`XM`): one `XT` per waiting message, or one without
/// a text when none waits (issue 21).
#[tokio::test]
async fn an_xm_is_answered_with_the_waiting_messages() {
    use switchboard::hotel::messages::NewMessage;
    let _g = pty_lock();
    let h = Hotel::start(&["101", "102"], "").await;
    h.link_up().await;
    h.check_in("101", "Guest").await;
    let messages = h.services.app.messages.clone();
    for text in ["Please call Mr Lee", "Your car is ready"] {
        let m = NewMessage { room: "101".into(), text: text.into(), ..Default::default() };
        messages.leave(&Actor::system(), &m).await.unwrap();
    }
    h.converged(T).await;
    h.sim.command(Command::AskMessageTexts { room: "101".into() });
    h.sim.command(Command::AskMessageTexts { room: "102".into() });
    let state = h
        .sim
        .wait_for(T, |s| {
            s.rooms.get("101").is_some_and(|r| r.texts_answered.len() == 2)
                && s.rooms.get("102").is_some_and(|r| r.texts_answered.len() == 1)
        })
        .await
        .expect("both XM answered");
    assert_eq!(state.rooms["101"].texts_answered, ["Please call Mr Lee", "Your car is ready"]);
    assert_eq!(state.rooms["102"].texts_answered, [""], "an XT without a text: none waits");
}
