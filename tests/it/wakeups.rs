//! Wake-up calls end to end in virtual time: the scheduler, the link and the simulated PBX over
//! an in-memory pipe, with paused tokio time and a clock that follows it. No real sleeps.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use pbx_sim::{Command, RingBehaviour};
use switchboard::app::services::Services;
use switchboard::clock::TokioClock;
use switchboard::hotel::alerts;
use switchboard::hotel::desk::CheckIn;
use switchboard::hotel::wakeup::Booking;
use switchboard::links::pbx::link::Streams;
use switchboard::store::{Priority, Store};

pub use crate::site::{mem_store, sys, utc, wake_config, Site, T0};

#[tokio::test(start_paused = true)]
async fn rings_on_the_second_and_an_answer_ends_it() {
    let s = Site::start(mem_store(), utc(T0), "").await;
    s.link_up().await;
    s.check_in("101").await;
    let w = s.book("101", "07:00").await;
    assert_eq!(w.due.as_deref(), Some("2026-11-30T07:00:00"));
    assert_eq!(w.status, "scheduled");
    s.until("the call answered", Duration::from_secs(300), async |s| s.get(w.id).await.status == "done").await;
    assert_eq!(s.sim.state().rooms["101"].rings, 1);
    let attempts = s.attempts(w.id).await;
    assert_eq!(attempts.len(), 1);
    assert_eq!(attempts[0].1.as_deref(), Some("answered"));
    let started = utc(&attempts[0].0);
    let late = started - utc("2026-11-30T06:00:00Z");
    assert!(late >= chrono::Duration::zero() && late < chrono::Duration::milliseconds(50), "on the second: {late}");
    let report = s.services.app.wakeups.report(chrono::NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()).await.unwrap();
    assert_eq!(report.summary.answered, 1);
    assert!(s.open_alerts().await.is_empty());
}

#[tokio::test(start_paused = true)]
async fn unanswered_calls_retry_then_escalate_to_a_person() {
    let s = Site::start(mem_store(), utc(T0), "attempts = 3\nretry_interval = \"2m\"").await;
    s.link_up().await;
    s.check_in("102").await;
    s.sim.command(Command::SetRing { room: "102".into(), behaviour: RingBehaviour::NoAnswer });
    let w = s.book("102", "07:00").await;
    s.until("the call escalated", Duration::from_secs(900), async |s| s.get(w.id).await.status == "failed").await;
    let attempts = s.attempts(w.id).await;
    let starts: Vec<&str> = attempts.iter().map(|(t, _)| &t[..19]).collect();
    assert_eq!(starts, ["2026-11-30T06:00:00", "2026-11-30T06:02:00", "2026-11-30T06:04:00"]);
    assert!(attempts.iter().all(|(_, r)| r.as_deref() == Some("no_answer")));
    assert_eq!(s.sim.state().rooms["102"].rings, 3);
    let alerts = s.open_alerts().await;
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].kind, "wakeup_failed");
    assert!(
        alerts[0].message.contains("send someone to room") || alerts[0].message.contains("send someone to the room")
    );
    // a person acknowledges it
    let now = s.now();
    s.services.app.store.write(Priority::Normal, move |tx| alerts::ack(tx, now, &sys(), alerts[0].id)).await.unwrap();
    assert!(s.open_alerts().await.is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_vips_unanswered_first_ring_goes_to_a_person_at_once_and_the_retries_go_on() {
    let cfg = "attempts = 3\nretry_interval = \"2m\"\nvip_to_operator = true";
    let s = Site::start(mem_store(), utc(T0), cfg).await;
    s.link_up().await;
    let vip = CheckIn { name: "Very Important".into(), vip: true, ..Default::default() };
    s.services.app.desk.check_in(&sys(), "103", vip).await.unwrap();
    s.check_in("104").await;
    for room in ["103", "104"] {
        s.sim.command(Command::SetRing { room: room.into(), behaviour: RingBehaviour::NoAnswer });
    }
    let (w_vip, w_plain) = (s.book("103", "07:00").await, s.book("104", "07:00").await);
    s.until("the VIP's alert", Duration::from_secs(300), async |s| !s.open_alerts().await.is_empty()).await;
    let alerts = s.open_alerts().await;
    assert_eq!(alerts.len(), 1, "only the VIP's call, and only once: {alerts:?}");
    assert_eq!((alerts[0].kind.as_str(), alerts[0].wakeup), ("wakeup_vip_unanswered", Some(w_vip.id)));
    assert_eq!(s.get(w_vip.id).await.status, "retrying", "the retries go on");
    assert_eq!(s.get(w_plain.id).await.status, "retrying");
}

#[tokio::test(start_paused = true)]
async fn a_line_busy_at_every_ring_is_reported_busy_not_unanswered() {
    let s = Site::start(mem_store(), utc(T0), "attempts = 2\nretry_interval = \"2m\"").await;
    s.link_up().await;
    s.check_in("104").await;
    s.sim.command(Command::SetRing { room: "104".into(), behaviour: RingBehaviour::Busy });
    let w = s.book("104", "07:00").await;
    s.until("the call escalated", Duration::from_secs(900), async |s| s.get(w.id).await.status == "failed").await;
    let report = s.services.app.wakeups.report(chrono::NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()).await.unwrap();
    let call = report.calls.iter().find(|c| c.wakeup == w.id).unwrap();
    assert_eq!(call.outcome, "busy", "{:?}", call.attempts);
    assert_eq!((report.summary.busy, report.summary.not_answered), (1, 0));
}

#[tokio::test(start_paused = true)]
async fn busy_then_answered_and_a_silent_pbx_counts_as_no_answer() {
    let s = Site::start(mem_store(), utc(T0), "attempts = 3\nretry_interval = \"1m\"\nring_timeout = \"30s\"").await;
    s.link_up().await;
    s.check_in("103").await;
    s.check_in("104").await;
    s.sim.command(Command::SetRing { room: "103".into(), behaviour: RingBehaviour::Busy });
    s.sim.command(Command::SetRing { room: "104".into(), behaviour: RingBehaviour::NoResult });
    let busy = s.book("103", "07:00").await;
    let silent = s.book("104", "07:00").await;
    s.until("room 103 rung once", Duration::from_secs(300), async |s| {
        s.sim.state().rooms.get("103").map_or(0, |r| r.rings) == 1
    })
    .await;
    s.sim.command(Command::SetRing { room: "103".into(), behaviour: RingBehaviour::Answer });
    s.until("both calls over", Duration::from_secs(900), async |s| {
        s.get(busy.id).await.status == "done" && s.get(silent.id).await.status == "failed"
    })
    .await;
    let results: Vec<Option<String>> = s.attempts(busy.id).await.into_iter().map(|(_, r)| r).collect();
    assert_eq!(results, [Some("busy".into()), Some("answered".into())]);
    let results: Vec<Option<String>> = s.attempts(silent.id).await.into_iter().map(|(_, r)| r).collect();
    assert_eq!(results, [Some("no_answer".into()), Some("no_answer".into()), Some("no_answer".into())]);
}

#[tokio::test(start_paused = true)]
async fn check_out_cancels_a_retry_in_flight_and_a_move_takes_calls_along() {
    let s = Site::start(mem_store(), utc(T0), "attempts = 3\nretry_interval = \"2m\"").await;
    s.link_up().await;
    s.check_in("105").await;
    s.check_in("106").await;
    s.sim.command(Command::SetRing { room: "105".into(), behaviour: RingBehaviour::NoAnswer });
    let leaving = s.book("105", "07:00").await;
    let moving = s.book("106", "07:05").await;
    s.until("the first ring of 105 unanswered", Duration::from_secs(300), async |s| {
        s.get(leaving.id).await.status == "retrying"
    })
    .await;
    s.services.app.desk.check_out(&sys(), "105", false).await.unwrap();
    assert_eq!(s.get(leaving.id).await.status, "cancelled");
    s.services.app.desk.move_room(&sys(), "106", "107").await.unwrap();
    assert_eq!(s.get(moving.id).await.room, "107");
    s.until("the moved call answered", Duration::from_secs(900), async |s| s.get(moving.id).await.status == "done")
        .await;
    let st = s.sim.state();
    assert_eq!(st.rooms["105"].rings, 1, "a checked-out room never rings again");
    assert_eq!(st.rooms.get("106").map_or(0, |r| r.rings), 0);
    assert_eq!(st.rooms["107"].rings, 1);
}

#[tokio::test(start_paused = true)]
async fn check_out_while_ringing_sends_wc() {
    let s = Site::start(mem_store(), utc(T0), "ring_timeout = \"90s\"").await;
    s.link_up().await;
    s.check_in("108").await;
    s.sim.command(Command::SetRing { room: "108".into(), behaviour: RingBehaviour::NoResult });
    let w = s.book("108", "07:00").await;
    s.until("ringing", Duration::from_secs(300), async |s| s.get(w.id).await.status == "ringing").await;
    s.services.app.desk.check_out(&sys(), "108", false).await.unwrap();
    s.until("the WC delivered", Duration::from_secs(30), async |s| {
        s.services.app.desk.room("108").await.unwrap().pbx_synced
    })
    .await;
    let events: i64 = s
        .services
        .app
        .store
        .read(move |c| {
            c.query_row("SELECT COUNT(*) FROM outbox", [], |r| r.get(0)).map_err(switchboard::store::StoreError::from)
        })
        .await
        .unwrap();
    assert_eq!(events, 0);
    assert_eq!(s.attempts(w.id).await[0].1.as_deref(), Some("cancelled"));
}

#[tokio::test(start_paused = true)]
async fn a_guest_books_and_cancels_on_the_handset() {
    let s = Site::start(mem_store(), utc(T0), "").await;
    s.link_up().await;
    s.check_in("109").await;
    let at = chrono::NaiveDate::from_ymd_opt(2026, 11, 30).unwrap().and_hms_opt(7, 30, 0).unwrap();
    s.sim.command(Command::HandsetWakeup { room: "109".into(), at });
    s.until("the handset booking stored", Duration::from_secs(30), async |s| {
        s.services.app.wakeups.list(Some("109"), false).await.unwrap().len() == 1
    })
    .await;
    let w = s.services.app.wakeups.list(Some("109"), false).await.unwrap().remove(0);
    assert_eq!((w.source.as_str(), w.created_by.as_str()), ("handset", "handset"));
    assert_eq!(w.due.as_deref(), Some("2026-11-30T07:30:00"));
    s.sim.command(Command::HandsetWakeClear { room: "109".into(), at });
    s.until("cancelled from the handset", Duration::from_secs(30), async |s| s.get(w.id).await.status == "cancelled")
        .await;
    // a vacant room's handset booking is refused, and a person hears of it
    s.sim.command(Command::HandsetWakeup { room: "110".into(), at });
    s.until("an alert for the refused booking", Duration::from_secs(30), async |s| {
        s.open_alerts().await.iter().any(|a| a.kind == "handset_booking_refused")
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn a_restart_fires_calls_within_grace_and_reports_the_rest_missed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hotel.db");
    let (early, late) = {
        let s = Site::start(Arc::new(Store::open(&path).unwrap()), utc(T0), "late_grace = \"5m\"").await;
        s.check_in("101").await;
        s.check_in("102").await;
        let early = s.book("101", "07:00").await;
        let late = s.book("102", "07:10").await;
        for t in s.services.tasks.iter() {
            t.abort();
        }
        (early.id, late.id)
    };
    // The service comes back at 07:12 local: 07:10 is 2 minutes late, 07:00 is 12.
    let s =
        Site::start(Arc::new(Store::open(&path).unwrap()), utc("2026-11-30T06:12:00Z"), "late_grace = \"5m\"").await;
    s.link_up().await;
    s.until("both calls settled", Duration::from_secs(120), async |s| {
        s.get(early).await.status == "missed" && s.get(late).await.status == "done"
    })
    .await;
    assert_eq!(s.sim.state().rooms["102"].rings, 1);
    assert_eq!(s.sim.state().rooms.get("101").map_or(0, |r| r.rings), 0, "12 minutes late: no ring without a person");
    let alerts = s.open_alerts().await;
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].kind, "wakeup_missed");
    assert_eq!(alerts[0].room.as_deref(), Some("101"));
}

#[tokio::test(start_paused = true)]
async fn a_ring_in_progress_at_a_crash_is_not_rung_again() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hotel.db");
    let id = {
        let s =
            Site::start(Arc::new(Store::open(&path).unwrap()), utc(T0), "ring_timeout = \"60s\"\nattempts = 1").await;
        s.link_up().await;
        s.check_in("103").await;
        s.sim.command(Command::SetRing { room: "103".into(), behaviour: RingBehaviour::NoResult });
        let w = s.book("103", "07:00").await;
        s.until("ringing", Duration::from_secs(300), async |s| s.get(w.id).await.status == "ringing").await;
        for t in s.services.tasks.iter() {
            t.abort();
        }
        w.id
    };
    // Back 5 minutes later: the ring's deadline passed; it counts as unanswered, never re-rung.
    let s = Site::start(
        Arc::new(Store::open(&path).unwrap()),
        utc("2026-11-30T06:05:00Z"),
        "ring_timeout = \"60s\"\nattempts = 1",
    )
    .await;
    s.link_up().await;
    s.until("the attempt closed", Duration::from_secs(60), async |s| s.get(id).await.status == "failed").await;
    assert_eq!(s.attempts(id).await.len(), 1);
    assert_eq!(s.sim.state().rooms.get("103").map_or(0, |r| r.rings), 0, "the new PBX line never heard a second ring");
}

#[tokio::test(start_paused = true)]
async fn daily_seven_o_clock_across_the_spring_change_over() {
    // Zurich, 2026-03-29: 02:00 -> 03:00. Start on the 27th at 12:00 local.
    let s = Site::start(mem_store(), utc("2026-03-27T11:00:00Z"), "").await;
    s.link_up().await;
    s.check_in("101").await;
    let b = Booking { room: "101".into(), time: Some("07:00".into()), daily: true, ..Default::default() };
    let w = s.services.app.wakeups.add(&sys(), &b, "desk").await.unwrap();
    let hour = Duration::from_secs(3600);
    s.until_step("three mornings rung", 4 * 24 * hour, hour / 4, async |s| s.attempts(w.id).await.len() >= 3).await;
    let starts: Vec<String> = s.attempts(w.id).await.into_iter().take(3).map(|(t, _)| t[..19].to_string()).collect();
    assert_eq!(starts, ["2026-03-28T06:00:00", "2026-03-29T05:00:00", "2026-03-30T05:00:00"], "07:00 local every day");
}

#[tokio::test(start_paused = true)]
async fn a_burst_is_capped_and_served_in_due_order() {
    let s = Site::start(mem_store(), utc(T0), "max_concurrent = 3").await;
    s.link_up().await;
    s.sim.command(Command::SetRing { room: "101".into(), behaviour: RingBehaviour::Answer });
    let rooms: Vec<String> = (101..=110).map(|n| n.to_string()).collect();
    let mut ids = Vec::new();
    for r in &rooms {
        s.check_in(r).await;
    }
    for r in &rooms {
        ids.push(s.book(r, "07:00").await.id);
    }
    let mut max_ringing = 0;
    s.until("all ten answered", Duration::from_secs(600), async |s| {
        let mut statuses = Vec::new();
        for id in &ids {
            statuses.push(s.get(*id).await.status);
        }
        max_ringing = max_ringing.max(statuses.iter().filter(|s| **s == "ringing").count());
        statuses.iter().all(|s| *s == "done")
    })
    .await;
    assert!(max_ringing <= 3, "at most max_concurrent ring at once, saw {max_ringing}");
    let mut starts: Vec<(String, i64)> = Vec::new();
    for id in &ids {
        starts.push((s.attempts(*id).await[0].0.clone(), *id));
    }
    starts.sort();
    let order: Vec<i64> = starts.iter().map(|(_, id)| *id).collect();
    assert_eq!(order, ids, "rung in due (booking) order");
}

#[tokio::test(start_paused = true)]
async fn a_pbx_offline_at_the_due_time_alerts_a_person_at_once() {
    let cfg = wake_config("attempts = 2\nretry_interval = \"1m\"");
    let clock = Arc::new(TokioClock::starting_at(utc(T0)));
    // No PBX at all: the connector has no stream to give.
    let services =
        Services::start(&cfg, mem_store(), clock, Streams::<tokio::io::DuplexStream>(VecDeque::new(), "none".into()))
            .await
            .unwrap();
    services.app.desk.check_in(&sys(), "101", CheckIn { name: "Offline".into(), ..Default::default() }).await.unwrap();
    let w = services
        .app
        .wakeups
        .add(&sys(), &Booking { room: "101".into(), time: Some("07:00".into()), ..Default::default() }, "desk")
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(121)).await;
    let alerts = services.app.store.read(move |c| alerts::list(c, true)).await.unwrap();
    assert_eq!(alerts[0].kind, "pbx_offline");
    assert!(alerts[0].message.contains("call room 101 by hand"), "{}", alerts[0].message);
    assert_eq!(alerts[0].at, "2026-11-30T06:00:00Z", "at once, at the due time");
    tokio::time::sleep(Duration::from_secs(120)).await;
    assert_eq!(services.app.wakeups.get(w.id).await.unwrap().status, "failed");
}

#[tokio::test(start_paused = true)]
async fn bad_bookings_are_refused_and_change_nothing() {
    let s = Site::start(mem_store(), utc(T0), "").await;
    s.check_in("101").await;
    let add =
        async |b: Booking| s.services.app.wakeups.add(&sys(), &b, "desk").await.map(|_| ()).unwrap_err().to_string();
    let b = |time: &str| Booking { room: "101".into(), time: Some(time.into()), ..Default::default() };
    assert_eq!(add(Booking { room: "999".into(), ..b("07:00") }).await, "room 999 does not exist");
    assert!(add(Booking { room: "102".into(), ..b("07:00") }).await.contains("vacant"));
    assert!(add(b("7 o'clock")).await.starts_with("time:"));
    assert!(add(Booking { date: Some("2026-11-29".into()), ..b("07:00") }).await.contains("in the past"));
    assert!(add(Booking { date: Some("2026-13-01".into()), ..b("07:00") }).await.starts_with("date:"));
    assert!(add(Booking { days: Some("mon,someday".into()), ..b("07:00") }).await.starts_with("days:"));
    assert!(add(Booking { cron: Some("not cron".into()), ..b("07:00") }).await.starts_with("cron:"));
    assert!(add(Booking { daily: true, for_days: Some(3), ..b("07:00") }).await.starts_with("repeat:"));
    assert!(s.services.app.wakeups.list(None, true).await.unwrap().is_empty(), "nothing was booked");
    s.book("101", "07:00").await;
    assert!(add(b("07:00")).await.contains("already has wake-up call"));
    assert_eq!(
        s.services.app.wakeups.cancel(&sys(), 999, "x").await.unwrap_err().to_string(),
        "wake-up call 999 does not exist"
    );
}

#[tokio::test(start_paused = true)]
async fn the_nightly_job_writes_the_wake_up_report() {
    let dir = tempfile::tempdir().unwrap();
    let s = Site::start(mem_store(), utc(T0), "").await;
    s.link_up().await;
    s.check_in("101").await;
    let w = s.book("101", "07:00").await;
    let jobs = switchboard::app::schedules::parse(
        std::path::Path::new("nightly.toml"),
        "[[job]]\nname = \"report\"\ncron = \"0 5 0 * * *\"\naction = \"wakeup_report\"\noutput = \"reports/w-{date}.txt\"\n",
    )
    .unwrap();
    let _tasks = switchboard::app::schedules::spawn(
        jobs,
        &s.services,
        dir.path().to_path_buf(),
        chrono_tz::Europe::Zurich,
        Duration::from_secs(7 * 86400),
    );
    let file = dir.path().join("reports/w-2026-11-30.txt");
    let hour = Duration::from_secs(3600);
    s.until_step("the report written after midnight", 24 * hour, Duration::from_secs(60), async |_| file.exists())
        .await;
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("Wake-up calls of 2026-11-30"), "{text}");
    assert!(text.contains("1 calls: 1 answered"), "{text}");
    assert!(text.contains(&format!("call {:<5}", w.id)), "{text}");
    assert!(s.now() >= utc("2026-11-30T23:05:00Z"), "not before 00:05 local");
}

/// What the PBX said was stored, then the service died before acting on it: the PBX event is in
/// the inbox, and the restarted service acts on it once.
#[tokio::test(start_paused = true)]
async fn a_handset_booking_and_a_wake_up_answer_stored_before_a_crash_are_acted_on_after_it() {
    use switchboard::links::pbx::link::incoming;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hotel.db");
    let cfg = "ring_timeout = \"5m\"\nattempts = 2\nretry_interval = \"2m\"";
    let (ringing, ring_local) = {
        let s = Site::start(Arc::new(Store::open(&path).unwrap()), utc(T0), cfg).await;
        s.link_up().await;
        s.check_in("103").await;
        s.check_in("104").await;
        s.sim.command(Command::SetRing { room: "103".into(), behaviour: RingBehaviour::NoResult });
        let w = s.book("103", "07:00").await;
        s.until("ringing", Duration::from_secs(300), async |s| s.get(w.id).await.status == "ringing").await;
        for t in s.services.tasks.iter() {
            t.abort();
        }
        let ring_local: String = s
            .services
            .app
            .store
            .read(move |c| {
                c.query_row("SELECT ring_local FROM wakeups WHERE id = ?1", [w.id], |r| r.get(0))
                    .map_err(switchboard::store::StoreError::from)
            })
            .await
            .unwrap();
        (w.id, chrono::NaiveDateTime::parse_from_str(&ring_local, "%Y-%m-%dT%H:%M:%S").unwrap())
    };
    // The link stored these two records, then the process was killed before the scheduler saw them.
    let store = Arc::new(Store::open(&path).unwrap());
    let now = utc("2026-11-30T06:01:00Z");
    let booked_at = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap().and_hms_opt(6, 45, 0).unwrap();
    let wake = |room: &str, at| fias::Wake { room: room.into(), at };
    let charges =
        std::sync::Arc::new(switchboard::hotel::charges::Charges::new(None, Default::default(), chrono_tz::UTC));
    assert!(
        incoming::handle(&store, now, fias::Message::WakeRequest(wake("104", booked_at)), &charges)
            .await
            .unwrap()
            .scheduler
    );
    let answer = fias::Message::WakeAnswer { wake: wake("103", ring_local), status: "OK".into() };
    assert!(incoming::handle(&store, now, answer, &charges).await.unwrap().scheduler);
    let pending = async |store: &Store| {
        store
            .read(move |c| {
                c.query_row("SELECT COUNT(*) FROM pbx_events WHERE pending = 1", [], |r| r.get::<_, i64>(0))
                    .map_err(switchboard::store::StoreError::from)
            })
            .await
            .unwrap()
    };
    assert_eq!(pending(&store).await, 2);

    let s = Site::start(store.clone(), utc("2026-11-30T06:01:30Z"), cfg).await;
    s.until("the inbox emptied", Duration::from_secs(30), async |_| pending(&store).await == 0).await;
    assert_eq!(s.get(ringing).await.status, "done", "the answered ring is answered, not retried");
    assert_eq!(s.attempts(ringing).await.len(), 1);
    assert_eq!(s.attempts(ringing).await[0].1.as_deref(), Some("answered"));
    let booked = s.services.app.wakeups.list(Some("104"), false).await.unwrap();
    assert_eq!(booked.len(), 1, "the handset booking became a booking");
    assert_eq!((booked[0].source.as_str(), booked[0].due.as_deref()), ("handset", Some("2026-12-01T06:45:00")));
    // Acted on once: a second start finds nothing to do.
    drop(s);
    let s = Site::start(store.clone(), utc("2026-11-30T06:02:00Z"), cfg).await;
    s.link_up().await;
    assert_eq!(s.services.app.wakeups.list(Some("104"), false).await.unwrap().len(), 1);
    assert_eq!(s.attempts(ringing).await.len(), 1);
}

/// A Mitel keeps wake-ups itself and says nothing of how they went: the call is handed to it
/// (`WKP` with its time of day) as soon as it is less than a day away, is "kept by the PBX"
/// until its time, and is then over as such (no ring from here, no escalation); a cancelled
/// one is cleared at the PBX.
#[tokio::test(start_paused = true)]
async fn a_pbx_that_keeps_wake_ups_is_handed_the_call_and_nothing_escalates() {
    let text = crate::fixtures::config_text("\"101-110\"", "simulator", "127.0.0.1:1", "protocol = \"mitel\"");
    let cfg = switchboard::config::Config::parse(&text).unwrap();
    let opts = pbx_sim::SimOptions { protocol: pbx_sim::Protocol::Mitel, ..Default::default() };
    let s = Site::start_config(mem_store(), utc(T0), cfg, opts).await;
    s.link_up().await;
    s.check_in("101").await;
    s.check_in("102").await;
    let w = s.book("101", "07:30").await;
    assert_eq!(w.due.as_deref(), Some("2026-11-30T07:30:00"), "the call's own time, not the hand-over's");
    s.until("handed to the PBX", Duration::from_secs(60), async |s| s.get(w.id).await.status == "kept_by_pbx").await;
    let kept = s.sim.wait_for(Duration::from_secs(60), |st| {
        st.rooms.get("101").is_some_and(|r| r.kept_wakeup.as_deref() == Some("07:30"))
    });
    assert!(kept.await.is_ok(), "the Mitel keeps 07:30 for 101");

    let other = s.book("102", "08:00").await;
    s.until("102 handed over", Duration::from_secs(60), async |s| s.get(other.id).await.status == "kept_by_pbx").await;
    s.services.app.wakeups.cancel(&sys(), other.id, "guest changed plans").await.unwrap();
    let cleared =
        s.sim.wait_for(Duration::from_secs(60), |st| st.rooms.get("102").is_some_and(|r| r.kept_wakeup.is_none()));
    assert!(cleared.await.is_ok(), "a cancelled call is cleared at the PBX");

    // Its time comes: over, as kept by the PBX; nobody is alerted.
    s.until("the call's time passed", Duration::from_secs(3600), async |s| s.get(w.id).await.status == "done").await;
    let attempts = s.attempts(w.id).await;
    assert_eq!(attempts.iter().map(|a| a.1.as_deref()).collect::<Vec<_>>(), [Some("kept_by_pbx")]);
    assert!(s.open_alerts().await.is_empty());
    let report = s.services.app.wakeups.report(chrono::NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()).await.unwrap();
    assert_eq!(report.summary.kept_by_pbx, 1);
}
