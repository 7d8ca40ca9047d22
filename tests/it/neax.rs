//! NEC NEAX end to end: the real service binary with `[pbx] protocol = "neax"` against the real
//! `switchboard pbx-sim --protocol neax` over a pseudo-terminal, and the simulator in-process
//! over TCP: the line's whole work (check-in with the name, class, DND, lamp, move, check-out),
//! wake-ups rung at their minute with the PBX's results (answered, busy, no answer), room
//! status dialled on the handset, DND set on the handset, and a resync (70-3 ... 70-4).

use std::time::Duration;

use chrono::Timelike;
use serde_json::{json, Value};

use crate::binary::room_json;
use crate::fixtures::{
    cli, cli_ok, eventually_blocking, pty_lock, running_with, sim_knob, sim_room, spawn_pbx_sim_speaking,
};

const T: Duration = Duration::from_secs(30);

#[test]
fn a_neax_pbx_does_the_lines_work_end_to_end() {
    let _g = pty_lock();
    let dir = tempfile::tempdir().unwrap();
    let tz = "Europe/Zurich";
    let state = dir.path().join("pbx.json");
    let rooms = json!({"rooms": {"102": {"ring_behaviour": "busy"}, "103": {"ring_behaviour": "no_answer"}}});
    std::fs::write(&state, rooms.to_string()).unwrap();
    let (_sim, pty, mut knobs) = spawn_pbx_sim_speaking(&state, "neax", tz);
    let site = running_with(dir.path(), &pty, &[("mgr", "manager", "manager pw")], |t| {
        t.replace("[pbx]\n", "[pbx]\nprotocol = \"neax\"\n")
            .replace("[api]\n", "[wakeup]\nattempts = 1\nring_timeout = \"20s\"\n[api]\n")
    });
    let config = site.config.clone();
    let sim = |room: &str, check: &dyn Fn(&Value) -> bool| sim_room(&state, room).is_some_and(|r| check(&r));

    // Check-in: the line opened (16-1), its restriction (15-1) and the name (as the PBX keeps it).
    cli_ok(&config, &["checkin", "101", "--name", "Wang", "--first-name", "Wei"]);
    eventually_blocking(T, "101 checked in on the NEAX with its name", || {
        sim("101", &|r| r["occupied"] == true && r["guest_name"] == "Wang Wei" && r["class_of_service"] == 3)
    });
    eventually_blocking(T, "101 synced", || room_json(&config, "101")["pbx_synced"] == true);

    // Class (0: outside calls cut off), DND and the lamp.
    cli_ok(&config, &["class", "101", "0"]);
    cli_ok(&config, &["dnd", "101", "on"]);
    cli_ok(&config, &["msg", "leave", "101", "--text", "Please call the front desk"]);
    eventually_blocking(T, "class, DND and lamp on the NEAX", || {
        sim("101", &|r| r["class_of_service"] == 0 && r["dnd"] == true && r["message_lamp"] == true)
    });

    // A move: the new room opened with the guest's line as it was, the old one barred.
    cli_ok(&config, &["move", "101", "104", "--not-ready-ok"]);
    eventually_blocking(T, "the move on the NEAX", || {
        sim("104", &|r| {
            r["occupied"] == true && r["guest_name"] == "Wang Wei" && r["dnd"] == true && r["message_lamp"] == true
        }) && sim("101", &|r| r["occupied"] == false)
    });

    // Wake-ups: the NEAX rings at the minute it is given; its 19-3 ends each call.
    cli_ok(&config, &["checkin", "102", "--name", "Busy"]);
    cli_ok(&config, &["checkin", "103", "--name", "Sleepy"]);
    // The service binary runs on the real clock: the next minute is the real one's.
    #[allow(clippy::disallowed_methods)]
    let now = chrono::Utc::now().with_timezone(&tz.parse::<chrono_tz::Tz>().unwrap());
    let next = now + chrono::Duration::minutes(1);
    let at = format!("{:02}:{:02}", next.hour(), next.minute());
    for room in ["104", "102", "103"] {
        cli_ok(&config, &["wakeup", "add", room, &at]);
    }
    let outcomes = || -> Vec<(String, String)> {
        let (_, out, _) = cli(&config, &["wakeup", "report", "--date", &next.date_naive().to_string(), "--json"]);
        let v: Value = serde_json::from_str(&out).unwrap_or(Value::Null);
        let mut o: Vec<(String, String)> = v["calls"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| (c["room"].as_str().unwrap_or("").into(), c["outcome"].as_str().unwrap_or("").into()))
            .collect();
        o.sort();
        o
    };
    let want: Vec<(String, String)> =
        [("102", "busy"), ("103", "not answered"), ("104", "answered")].map(|(r, o)| (r.into(), o.into())).into();
    eventually_blocking(Duration::from_secs(100), "the three wake-ups' results from the NEAX", || outcomes() == want);
    let (_, text, _) = cli(&config, &["wakeup", "report", "--date", &next.date_naive().to_string()]);
    assert!(text.contains("its own minute tick"), "the report says the NEAX rings at its minute: {text}");

    // Housekeeping dials a room status (a maid code), a guest sets DND on the handset.
    cli_ok(&config, &["room-status", "105", "dirty"]);
    sim_knob(&mut knobs, json!({"knob": "room_status", "room": "105", "status": 3}));
    eventually_blocking(T, "105 clean from the handset", || room_json(&config, "105")["housekeeping"] == "clean");
    sim_knob(&mut knobs, json!({"knob": "handset_dnd", "room": "104", "on": false}));
    eventually_blocking(T, "104's DND off from the handset", || room_json(&config, "104")["dnd"] == false);

    // A resync sends every room again between 70-3 and 70-4.
    cli_ok(&config, &["pbx", "resync"]);
    eventually_blocking(T, "a resync on the NEAX", || {
        let v: Value =
            serde_json::from_str(&std::fs::read_to_string(&state).unwrap_or_default()).unwrap_or(Value::Null);
        v["resyncs"].as_u64() >= Some(1) && v["resync_in_progress"] == false
    });

    // Check-out bars the line.
    cli_ok(&config, &["checkout", "104", "--discard-messages"]);
    eventually_blocking(T, "104 checked out on the NEAX", || sim("104", &|r| r["occupied"] == false));
}

/// Over TCP (a NEAX2000 IPS is the server): the same service, the simulator in this process.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_neax_pbx_over_tcp() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        let opts = pbx_sim::SimOptions { protocol: pbx_sim::Protocol::Neax, ..Default::default() };
        let (handle, _task) = pbx_sim::spawn(stream, opts);
        let _ = tx.send(handle);
    });
    let dir = tempfile::tempdir().unwrap();
    let port = format!("tcp://{addr}");
    let site = running_with(dir.path(), &port, &[("mgr", "manager", "manager pw")], |t| {
        t.replace("[pbx]\n", "[pbx]\nprotocol = \"neax\"\n")
    });
    let sim = rx.await.unwrap();
    let config = site.config.clone();
    tokio::task::spawn_blocking(move || cli_ok(&config, &["checkin", "102", "--name", "Over TCP"])).await.unwrap();
    let s = sim
        .wait_for(T, |s| s.rooms.get("102").is_some_and(|r| r.occupied && r.guest_name.as_deref() == Some("Over TCP")))
        .await;
    assert!(s.is_ok(), "the check-in over TCP: {:?}", s.err().map(|s| s.rooms));
}
