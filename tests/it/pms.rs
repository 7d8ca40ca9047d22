//! The PMS drives switchboard over FIAS (issue 11), end to end: the PMS simulator on one side
//! (over a real TCP socket on loopback, or a pseudo-terminal), the PBX simulator on the other
//! (over a pseudo-terminal), the service in between with a real SQLite file.
// The tests hold the pty lock for their whole life on purpose (see link.rs).
#![allow(clippy::await_holding_lock)]

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chrono::{NaiveDateTime, Timelike};
use pms_sim::{PmsKnob, PmsSimHandle, PmsSimOptions};
use switchboard::clock::{Clock, SystemClock};
use switchboard::config::{Config, PmsLinkConfig};
use switchboard::links::port::EndpointConnector;
use switchboard::store::StoreError;
use tokio::net::TcpListener;

use crate::fixtures::{config_text, eventually, pty_lock, sim_room, Hotel};

pub(crate) const T: Duration = Duration::from_secs(15);
const ROOMS: [&str; 4] = ["101", "102", "103", "104"];

pub(crate) fn pms_config(port: &str, extra: &str) -> PmsLinkConfig {
    let text = config_text("\"101\"", "simulator", "127.0.0.1:1", "")
        + &format!("[pms]\nport = \"{port}\"\nreconnect_max = \"300ms\"\nack_timeout = \"300ms\"\n{extra}\n");
    Config::parse(&text).unwrap().pms.unwrap()
}

/// The PMS as Opera's interface is: a TCP server; switchboard connects (`tcp://`). `accepting`
/// false turns new connections away (the PMS interface is down).
pub(crate) struct TcpPms {
    pub(crate) sim: PmsSimHandle,
    accepting: Arc<AtomicBool>,
    pub(crate) port: String,
}

pub(crate) async fn tcp_pms() -> TcpPms {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = format!("tcp://{}", listener.local_addr().unwrap());
    let sim = pms_sim::serve(PmsSimOptions { rooms: ROOMS.map(String::from).to_vec(), ..Default::default() });
    let accepting = Arc::new(AtomicBool::new(true));
    let (s, a) = (sim.clone(), accepting.clone());
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            if a.load(Ordering::SeqCst) {
                s.attach(stream);
            }
        }
    });
    TcpPms { sim, accepting, port }
}

pub(crate) async fn hotel_with_pms(port: &str, extra: &str) -> Hotel {
    let mut h = Hotel::start(&ROOMS, "").await;
    let cfg = pms_config(port, extra);
    let connector = EndpointConnector::new(cfg.port.clone(), cfg.line, cfg.allow.clone()).await.unwrap();
    h.services.start_pms(&cfg, connector).await;
    h.link_up().await;
    h
}

fn pms_up(h: &Hotel) -> bool {
    h.services.app.pms.as_ref().unwrap().status().link == "up"
}

pub(crate) async fn wait_pms_up(h: &Hotel) {
    eventually(T, "PMS link up", || {
        let up = pms_up(h);
        async move { up }
    })
    .await;
}

pub(crate) fn check_in(room: &str, reservation: &str, name: &str) -> PmsKnob {
    PmsKnob::CheckIn {
        room: room.into(),
        reservation: reservation.into(),
        name: name.into(),
        first_name: None,
        language: Some("EN".into()),
        share: false,
        vip: None,
    }
}

/// Hotel-local time `secs` from now, with its seconds as they fall (a PMS may send any).
pub(crate) fn local_in(secs: i64) -> NaiveDateTime {
    let now =
        SystemClock.now().with_timezone(&chrono_tz::Europe::Zurich).naive_local() + chrono::Duration::seconds(secs);
    now.with_nanosecond(0).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pms_checks_in_moves_books_messages_and_checks_out_and_hears_back() {
    let _g = pty_lock();
    let pms = tcp_pms().await;
    let h = hotel_with_pms(&pms.port, "").await;
    wait_pms_up(&h).await;

    // Check-in: the PBX opens the room with the name.
    let mut vip = check_in("101", "R-5001", "Müller");
    if let PmsKnob::CheckIn { vip: code, .. } = &mut vip {
        *code = Some("3".into());
    }
    pms.sim.knob(vip);
    let s = h.sim.wait_for(T, |s| s.rooms.get("101").is_some_and(|r| r.occupied)).await.expect("PBX room 101 opens");
    assert_eq!(s.rooms["101"].guest_name.as_deref(), Some("Müller"));
    assert!(h.desk.room("101").await.unwrap().vip, "the PMS's GV marks a VIP's stay");
    let by_pms: i64 = h
        .store
        .read(move |c| {
            let n =
                c.query_row("SELECT COUNT(*) FROM audit WHERE action = 'checkin' AND staff = 'pms'", [], |r| r.get(0));
            Ok::<_, StoreError>(n?)
        })
        .await
        .unwrap();
    assert_eq!(by_pms, 1, "the PMS is the actor in the audit trail");

    // A move (GC with RO).
    pms.sim.knob(PmsKnob::Move { from: "101".into(), to: "102".into(), reservation: "R-5001".into() });
    let s = h
        .sim
        .wait_for(T, |s| s.rooms.get("102").is_some_and(|r| r.occupied) && !s.rooms["101"].occupied)
        .await
        .expect("the move reaches the PBX");
    assert_eq!(s.rooms["102"].guest_name.as_deref(), Some("Müller"));

    // A wake-up the PMS booked rings on the PBX; its WA carries the PMS's own TI, seconds and all.
    let at = local_in(2);
    pms.sim.knob(PmsKnob::BookWakeup { room: "102".into(), at });
    h.sim.wait_for(T, |s| s.rooms["102"].rings >= 1).await.expect("the PMS's wake-up rings");
    let v = pms.sim.wait_for(T, |v| !v.wake_results.is_empty()).await.expect("WA reaches the PMS");
    assert_eq!(v.wake_results[0].at, at.format("%y%m%d%H%M%S").to_string(), "TI echoed exactly");
    assert_eq!((v.wake_results[0].room.as_str(), v.wake_results[0].status.as_str()), ("102", "OK"));
    let booked = h.services.app.wakeups.list(Some("102"), true).await.unwrap();
    assert_eq!(booked[0].source, "pms");

    // A message from the PMS lights the lamp; read on the handset, it goes back as XD.
    pms.sim.knob(PmsKnob::Message { room: "102".into(), id: "M77".into(), text: "Your taxi is here".into() });
    h.sim.wait_for(T, |s| s.rooms["102"].message_lamp).await.expect("the lamp lights");
    let msg = h.services.app.messages.list(Some("102"), true).await.unwrap().remove(0);
    h.sim.command(pbx_sim::Command::MessageDeleted { room: "102".into(), id: msg.id.to_string() });
    let v = pms.sim.wait_for(T, |v| !v.message_reads.is_empty()).await.expect("XD reaches the PMS");
    assert_eq!(v.message_reads, vec![("102".to_string(), "M77".to_string())]);
    h.sim.wait_for(T, |s| !s.rooms["102"].message_lamp).await.expect("the lamp goes out");

    // Housekeeping dials a room status on the handset: the PMS hears it as RE RS.
    h.sim.command(pbx_sim::Command::RoomStatus { room: "101".into(), status: 3 });
    pms.sim.wait_for(T, |v| v.room_status.get("101") == Some(&3)).await.expect("room status reaches the PMS");

    // Check-out.
    pms.sim.knob(PmsKnob::CheckOut { room: "102".into(), reservation: Some("R-5001".into()) });
    h.sim.wait_for(T, |s| !s.rooms["102"].occupied).await.expect("check-out bars the line");
    assert!(h.desk.room("102").await.unwrap().stay_id.is_none());
    let st = h.services.app.pms.as_ref().unwrap().status();
    assert_eq!((st.counters.refused, st.queued), (0, 0), "{st:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_the_pms_must_hear_waits_out_an_outage_and_arrives_once() {
    let _g = pty_lock();
    let pms = tcp_pms().await;
    let h = hotel_with_pms(&pms.port, "").await;
    wait_pms_up(&h).await;
    pms.sim.knob(check_in("103", "R-6001", "Lin"));
    h.sim.wait_for(T, |s| s.rooms.get("103").is_some_and(|r| r.occupied)).await.expect("checked in");
    let at = local_in(3);
    pms.sim.knob(PmsKnob::BookWakeup { room: "103".into(), at });
    eventually(T, "the booking is stored", async || {
        let n = h.services.app.wakeups.list(Some("103"), false).await.unwrap().len();
        n == 1
    })
    .await;

    // The PMS interface goes down; meanwhile the call rings and is answered.
    pms.accepting.store(false, Ordering::SeqCst);
    pms.sim.disconnect();
    eventually(T, "the service sees the PMS link down", || {
        let up = pms_up(&h);
        async move { !up }
    })
    .await;
    h.sim.wait_for(T, |s| s.rooms["103"].rings >= 1).await.expect("rings while the PMS is away");
    eventually(T, "the WA waits in the PMS outbox", || {
        let q = h.services.app.pms.as_ref().unwrap().status().queued;
        async move { q >= 1 }
    })
    .await;
    assert!(pms.sim.view().wake_results.is_empty());

    // Back: it arrives, once; and switchboard asks for a resync (data may have been lost).
    pms.accepting.store(true, Ordering::SeqCst);
    let v = pms
        .sim
        .wait_for(T, |v| v.wake_results.len() == 1 && v.resync_requests >= 1)
        .await
        .expect("WA after the outage");
    assert_eq!(v.wake_results[0].at, at.format("%y%m%d%H%M%S").to_string());
    eventually(T, "the outbox is empty", || {
        let q = h.services.app.pms.as_ref().unwrap().status().queued;
        async move { q == 0 }
    })
    .await;
    assert_eq!(pms.sim.view().wake_results.len(), 1, "nothing twice");
    let kinds: Vec<String> = h
        .store
        .read(move |c| {
            let mut st = c.prepare("SELECT kind FROM log_entries WHERE kind LIKE 'pms_%' ORDER BY id")?;
            let rows = st.query_map([], |r| r.get(0))?.collect::<Result<Vec<String>, _>>()?;
            Ok::<_, StoreError>(rows)
        })
        .await
        .unwrap();
    assert_eq!(kinds, vec!["pms_down", "pms_up"], "the outage is in the logbook");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resync_that_says_vacant_checks_out_and_silence_is_reported_and_shared_rooms_hold() {
    let _g = pty_lock();
    let pms = tcp_pms().await;
    let h = hotel_with_pms(&pms.port, "owns_stays = false").await;
    wait_pms_up(&h).await;

    // Two reservations share room 101; the line stays open until the last one leaves.
    pms.sim.knob(check_in("101", "R-1", "Anna"));
    pms.sim.knob(PmsKnob::CheckIn {
        room: "101".into(),
        reservation: "R-2".into(),
        name: "Bert".into(),
        first_name: None,
        language: None,
        share: true,
        vip: None,
    });
    pms.sim.knob(PmsKnob::CheckOut { room: "101".into(), reservation: Some("R-1".into()) });
    let s = h
        .sim
        .wait_for(T, |s| s.rooms.get("101").is_some_and(|r| r.guest_name.as_deref() == Some("Bert")))
        .await
        .expect("the sharer holds the room");
    assert!(s.rooms["101"].occupied);

    // The desk (owns_stays = false) checks guests into 102 and 103; the PMS knows neither.
    h.check_in("102", "Walk In").await;
    h.check_in("103", "Also Unknown").await;
    h.converged(T).await;
    // The PMS's resync: 102 vacant (so it is checked out here), 103 not mentioned (reported).
    pms.sim.knob(PmsKnob::Resync { omit: vec!["103".into()] });
    h.sim.wait_for(T, |s| !s.rooms["102"].occupied).await.expect("102 checked out by the resync");
    eventually(T, "the unmentioned room is reported", async || {
        let alerts = h.store.read(move |c| switchboard::hotel::alerts::list(c, true)).await.unwrap();
        let found = alerts.iter().any(|a| a.kind == "pms_resync_unmentioned" && a.message.contains("103"));
        found
    })
    .await;
    assert!(h.desk.room("103").await.unwrap().stay_id.is_some(), "a room the resync did not mention is not changed");
    assert!(h.desk.room("101").await.unwrap().stay_id.is_some());
}

/// Over a serial line (a pseudo-terminal, through the same code that opens /dev/ttyUSB0), in
/// code page 850 as some PMS interfaces speak; the desk's own stay changes are refused while
/// the PMS owns stays.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_a_serial_line_in_cp850_and_the_desk_may_not_change_stays() {
    let _g = pty_lock();
    let pty = switchboard::links::pbx::serial::open_pty().unwrap();
    let port = pty.slave_path.display().to_string();
    let stream = switchboard::links::pbx::serial::FdStream::new(pty.master).unwrap();
    let sim = pms_sim::serve(PmsSimOptions {
        framing: fias::Framing::Serial,
        timers: fias::Timers { ack_timeout: Duration::from_millis(300), ..Default::default() },
        rooms: ROOMS.map(String::from).to_vec(),
        encoding: fias::Encoding::Cp850,
    });
    sim.attach(stream);
    let h = hotel_with_pms(&port, "encoding = \"cp850\"").await;
    wait_pms_up(&h).await;
    sim.knob(check_in("104", "R-9", "Jürg Müller"));
    let s = h.sim.wait_for(T, |s| s.rooms.get("104").is_some_and(|r| r.occupied)).await.expect("check-in over serial");
    assert_eq!(s.rooms["104"].guest_name.as_deref(), Some("Jürg Müller"), "CP850 on the PMS line, UTF-8 inside");
    let st = h.services.app.pms.as_ref().unwrap().status();
    assert!(st.owns_stays && st.port.starts_with("/dev/"), "{st:?}");

    // The desk, through the real HTTP API.
    let password = h.services.app.staff.bootstrap().await.unwrap().expect("a new store");
    let app = switchboard::http::api::router(h.services.app.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let refused = tokio::task::spawn_blocking(move || {
        use switchboard::http::contract::{route, CheckIn, Login};
        let anon = switchboard::cli::Client::with_token(base.clone(), None);
        let login = Login { login: "manager".into(), password };
        let token = anon.call::<route::Login>(&[], &login).unwrap().token;
        let desk = switchboard::cli::Client::with_token(base, Some(token));
        let ci = CheckIn { name: "Walk In".into(), ..Default::default() };
        let err = desk.call::<route::CheckIn>(&["103"], &ci).unwrap_err().to_string();
        let out = desk.call::<route::CheckOut>(&["104"], &Default::default()).unwrap_err().to_string();
        (err, out)
    })
    .await
    .unwrap();
    server.abort();
    assert!(refused.0.contains("stays are managed by the PMS"), "{}", refused.0);
    assert!(refused.1.contains("stays are managed by the PMS"), "{}", refused.1);
    assert!(h.desk.room("104").await.unwrap().stay_id.is_some());
}

/// The real binary between a standalone PBX simulator (pty) and the PMS (TCP), SIGKILLed while
/// the PMS's records arrive: after the restart the service asks the PMS for a resync (the last
/// run did not end with LE), and both sides end up with every guest; the wake-up the PMS
/// booked before the kill rings once and its result reaches the PMS once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sigkill_mid_way_loses_nothing_on_either_side() {
    use crate::fixtures::{add_staff, cli, free_port, login, spawn_pbx_sim, spawn_serve, wait_healthy, write_config};
    use tokio::task::block_in_place;
    let _g = pty_lock();
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("pbx.json");
    let (_pbx, pty) = block_in_place(|| spawn_pbx_sim(&state, "3s"));
    let pms = tcp_pms().await;
    let port = free_port();
    let config = write_config(dir.path(), &pty, port, "");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text += &format!("[pms]\nport = \"{}\"\nreconnect_max = \"300ms\"\n", pms.port);
    std::fs::write(&config, text).unwrap();
    block_in_place(|| add_staff(&config, "desk1", "desk", "desk one pw"));
    let mut serve = spawn_serve(&config);
    block_in_place(|| {
        wait_healthy(port);
        login(&config, "desk1", "desk one pw");
    });
    pms.sim.wait_for(T, |v| v.link_up).await.expect("PMS link up");

    pms.sim.knob(check_in("101", "R-1", "Before Kill"));
    let at = local_in(8);
    pms.sim.knob(PmsKnob::BookWakeup { room: "101".into(), at });
    eventually(T, "the PMS's booking is stored", || {
        let (ok, out, _) = block_in_place(|| cli(&config, &["wakeup", "list"]));
        async move { ok && out.contains("pms") }
    })
    .await;
    for (room, r) in [("102", "R-2"), ("103", "R-3"), ("104", "R-4")] {
        pms.sim.knob(check_in(room, r, &format!("Guest {room}")));
    }
    pms.sim.wait_for(T, |v| v.queued == 0).await.expect("the PMS handed everything over");
    serve.child.kill().unwrap(); // SIGKILL, mid-way through those check-ins
    serve.child.wait().unwrap();

    let _serve = spawn_serve(&config);
    block_in_place(|| wait_healthy(port));
    pms.sim.wait_for(T, |v| v.resync_requests >= 1).await.expect("an unclean stop brings a DR");
    eventually(T, "every guest at the PBX", || {
        let all =
            ["101", "102", "103", "104"].iter().all(|r| sim_room(&state, r).is_some_and(|v| v["occupied"] == true));
        async move { all }
    })
    .await;
    for room in ["101", "102", "103", "104"] {
        let (ok, out, err) = block_in_place(|| cli(&config, &["room", room, "--json"]));
        assert!(ok, "{err}");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["occupied"], true, "room {room} in the store: {v}");
    }
    let v = pms.sim.wait_for(T, |v| !v.wake_results.is_empty()).await.expect("the WA after the restart");
    assert_eq!(v.wake_results[0].at, at.format("%y%m%d%H%M%S").to_string());
    eventually(T, "nothing left for the PMS", || {
        let (ok, out, _) = block_in_place(|| cli(&config, &["pms", "status", "--json"]));
        let empty = ok && serde_json::from_str::<serde_json::Value>(&out).is_ok_and(|v| v["queued"] == 0);
        async move { empty }
    })
    .await;
    assert_eq!(pms.sim.view().wake_results.len(), 1, "one result per booking");
    let rings = sim_room(&state, "101").unwrap()["rings"].as_u64().unwrap();
    assert_eq!(rings, 1, "the call rang once");
}

/// A call the PBX reports for a guest of the PMS is posted on to the PMS (`PS`, pre-costed),
/// and the PMS's `PA` is taken without complaint.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn call_charges_go_on_to_the_pms() {
    let _g = pty_lock();
    let pms = tcp_pms().await;
    let h = hotel_with_pms(&pms.port, "").await;
    wait_pms_up(&h).await;
    pms.sim.knob(check_in("101", "R-7", "Caller"));
    h.sim.wait_for(T, |s| s.rooms.get("101").is_some_and(|r| r.occupied)).await.expect("checked in");
    h.sim.command(pbx_sim::Command::Posting(fias::Posting {
        room: "101".into(),
        number: Some("9001".into()),
        kind: Some("C".into()),
        amount: Some("450".into()),
        digits: Some("0041445556677".into()),
        duration: Some("000230".into()),
        at: Some(local_in(-60)),
        ..Default::default()
    }));
    let v = pms.sim.wait_for(T, |v| !v.postings.is_empty()).await.expect("PS reaches the PMS");
    assert_eq!((v.postings[0].0.as_str(), v.postings[0].2.as_str()), ("101", "450"));
    let pms_link = h.services.app.pms.clone().unwrap();
    eventually(T, "the PMS's PA is taken", || {
        let st = pms_link.status();
        async move { st.counters.received >= 2 && st.counters.refused == 0 }
    })
    .await;
}

/// A PMS interface that connects to switchboard (`tcp-listen://`); a newer connection from it
/// replaces the older one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pms_connects_to_switchboard_and_a_newer_connection_replaces_the_older() {
    let _g = pty_lock();
    let mut h = Hotel::start(&ROOMS, "").await;
    let cfg = pms_config("tcp-listen://127.0.0.1:0", "");
    let connector = EndpointConnector::new(cfg.port.clone(), cfg.line, cfg.allow.clone()).await.unwrap();
    let addr = connector.local_addr().unwrap();
    h.services.start_pms(&cfg, connector).await;
    h.link_up().await;
    let sim = pms_sim::serve(PmsSimOptions { rooms: ROOMS.map(String::from).to_vec(), ..Default::default() });
    sim.attach(tokio::net::TcpStream::connect(addr).await.unwrap());
    wait_pms_up(&h).await;
    sim.knob(check_in("102", "R-1", "Listener"));
    h.sim.wait_for(T, |s| s.rooms.get("102").is_some_and(|r| r.occupied)).await.expect("check-in over tcp-listen");
    sim.attach(tokio::net::TcpStream::connect(addr).await.unwrap());
    sim.wait_for(T, |v| v.link_ups >= 2 && v.link_up).await.expect("the newer connection comes up");
    sim.knob(PmsKnob::CheckOut { room: "102".into(), reservation: Some("R-1".into()) });
    h.sim.wait_for(T, |s| !s.rooms["102"].occupied).await.expect("check-out over the newer connection");
    let st = h.services.app.pms.as_ref().unwrap().status();
    assert!(st.peer.is_some() && st.port == format!("tcp-listen://{addr}"), "{st:?}");
}

/// `[pms] allow` (issue 21): a connection from another address is closed at once and never
/// replaces the link; an oversized record from the PMS is counted, not dropped silently.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_allowed_addresses_become_the_pms_and_oversized_records_are_counted() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let _g = pty_lock();
    let mut h = Hotel::start(&ROOMS, "").await;
    let cfg = pms_config("tcp-listen://127.0.0.1:0", "allow = [\"127.0.0.2\"]");
    let connector = EndpointConnector::new(cfg.port.clone(), cfg.line, cfg.allow.clone()).await.unwrap();
    let addr = connector.local_addr().unwrap();
    h.services.start_pms(&cfg, connector).await;
    h.link_up().await;
    let from = |ip: [u8; 4]| {
        let s = tokio::net::TcpSocket::new_v4().unwrap();
        s.bind(std::net::SocketAddr::from((ip, 0))).unwrap();
        s
    };
    // The allowed PMS sends a record of 3,000 bytes.
    let mut pms = from([127, 0, 0, 2]).connect(addr).await.unwrap();
    let mut big = vec![0x02];
    big.extend(std::iter::repeat_n(b'a', 3000));
    big.push(0x03);
    pms.write_all(&big).await.unwrap();
    let link = h.services.app.pms.clone().unwrap();
    eventually(T, "the oversized record counted", || {
        let st = link.status();
        async move { st.counters.oversized == 1 && st.peer.as_deref().is_some_and(|p| p.starts_with("127.0.0.2")) }
    })
    .await;
    // An intruder from another address is closed at once and the link keeps its peer.
    let mut intruder = from([127, 0, 0, 1]).connect(addr).await.unwrap();
    let mut buf = [0u8; 16];
    let n = tokio::time::timeout(T, intruder.read(&mut buf)).await.expect("closed at once").unwrap_or(0);
    assert_eq!(n, 0, "the intruder got an answer");
    assert!(link.status().peer.as_deref().is_some_and(|p| p.starts_with("127.0.0.2")), "{:?}", link.status());
    drop(pms);
}
