//! Mitel end to end: the real service binary with `[pbx] protocol = "mitel"` against the real
//! `switchboard pbx-sim --protocol mitel` over a pseudo-terminal: the line's work (check-in with
//! the name, class, DND, lamp, move, check-out), room status from the handset (`STS`), a resync
//! room by room, and a wake-up handed to the Mitel to keep (`WKP`) and cleared on cancel.

use std::time::Duration;

use serde_json::{json, Value};

use crate::binary::room_json;
use crate::fixtures::{
    cli_ok, eventually_blocking, pty_lock, running_with, sim_knob, sim_room, spawn_pbx_sim_speaking,
};

const T: Duration = Duration::from_secs(30);

#[test]
fn a_mitel_pbx_does_the_lines_work_end_to_end() {
    let _g = pty_lock();
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("pbx.json");
    let (_sim, pty, mut knobs) = spawn_pbx_sim_speaking(&state, "mitel", "Europe/Zurich");
    let site = running_with(dir.path(), &pty, &[("mgr", "manager", "manager pw")], |t| {
        t.replace("[pbx]\n", "[pbx]\nprotocol = \"mitel\"\n")
    });
    let config = site.config.clone();
    let sim = |room: &str, check: &dyn Fn(&Value) -> bool| sim_room(&state, room).is_some_and(|r| check(&r));

    // CHK1, RST (class 3 is "long distance", level 2) and NAM ("LAST,FIRST").
    cli_ok(&config, &["checkin", "101", "--name", "Wang", "--first-name", "Wei"]);
    eventually_blocking(T, "101 checked in on the Mitel", || {
        sim("101", &|r| r["occupied"] == true && r["guest_name"] == "WANG,WEI" && r["class_of_service"] == 2)
    });
    eventually_blocking(T, "101 synced", || room_json(&config, "101")["pbx_synced"] == true);

    cli_ok(&config, &["class", "101", "1"]);
    cli_ok(&config, &["dnd", "101", "on"]);
    cli_ok(&config, &["msg", "leave", "101", "--text", "Please call the front desk"]);
    eventually_blocking(T, "class, DND and lamp on the Mitel", || {
        sim("101", &|r| r["class_of_service"] == 1 && r["dnd"] == true && r["message_lamp"] == true)
    });

    cli_ok(&config, &["move", "101", "104", "--not-ready-ok"]);
    eventually_blocking(T, "the move on the Mitel", || {
        sim("104", &|r| {
            r["occupied"] == true && r["guest_name"] == "WANG,WEI" && r["dnd"] == true && r["message_lamp"] == true
        }) && sim("101", &|r| r["occupied"] == false)
    });

    // A Mitel keeps wake-ups itself: the call is handed over (WKP) and listed as kept by the
    // PBX; a cancel clears it there.
    let out = cli_ok(&config, &["wakeup", "add", "104", "06:30"]);
    let id = out.split_whitespace().nth(2).unwrap_or_default().to_string(); // "wake-up call N for room 104: ..."
    eventually_blocking(T, "the call kept by the Mitel", || sim("104", &|r| r["kept_wakeup"] == "06:30"));
    let list = cli_ok(&config, &["wakeup", "list"]);
    assert!(list.contains("kept_by_pbx"), "{list}");
    cli_ok(&config, &["wakeup", "cancel", &id]);
    eventually_blocking(T, "the call cleared at the Mitel", || sim("104", &|r| r["kept_wakeup"].is_null()));

    // Housekeeping dials "vacant clean" (STS8) on 105's phone.
    cli_ok(&config, &["room-status", "105", "dirty"]);
    sim_knob(&mut knobs, json!({"knob": "room_status", "room": "105", "status": 3}));
    eventually_blocking(T, "105 clean from the handset", || room_json(&config, "105")["housekeeping"] == "clean");

    // A resync goes room by room: the sim hears every room again.
    let before = serde_json::from_str::<Value>(&std::fs::read_to_string(&state).unwrap()).unwrap()["records_received"]
        .as_u64()
        .unwrap();
    cli_ok(&config, &["pbx", "resync"]);
    eventually_blocking(T, "every room said again", || {
        let v: Value =
            serde_json::from_str(&std::fs::read_to_string(&state).unwrap_or_default()).unwrap_or(Value::Null);
        v["records_received"].as_u64().is_some_and(|n| n >= before + 5)
    });

    cli_ok(&config, &["checkout", "104", "--discard-messages"]);
    eventually_blocking(T, "104 checked out on the Mitel", || sim("104", &|r| r["occupied"] == false));
}

/// Over TCP (a Mitel 3300 is the server), with every fourth text of the PMS spoiled on the way
/// (NAKed: no checksum, but a byte no text carries): the check-in still arrives whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mitel_pbx_over_tcp_through_a_noisy_line() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        let opts = pbx_sim::SimOptions { protocol: pbx_sim::Protocol::Mitel, ..Default::default() };
        let (handle, _task) = pbx_sim::spawn(stream, opts);
        handle.set_faults(pbx_sim::Faults { nak_every: 4, ..Default::default() });
        let _ = tx.send(handle);
    });
    let dir = tempfile::tempdir().unwrap();
    let port = format!("tcp://{addr}");
    let site = running_with(dir.path(), &port, &[("mgr", "manager", "manager pw")], |t| {
        t.replace("[pbx]\n", "[pbx]\nprotocol = \"mitel\"\n")
    });
    let sim = rx.await.unwrap();
    let config = site.config.clone();
    tokio::task::spawn_blocking(move || {
        for room in ["101", "102", "103"] {
            cli_ok(&config, &["checkin", room, "--name", "Over", "--first-name", "Tcp"]);
        }
    })
    .await
    .unwrap();
    let s = sim
        .wait_for(T, |s| {
            ["101", "102", "103"]
                .iter()
                .all(|r| s.rooms.get(*r).is_some_and(|r| r.occupied && r.guest_name.as_deref() == Some("OVER,TCP")))
        })
        .await;
    assert!(s.is_ok(), "the check-ins over TCP: {:?}", s.err().map(|s| s.rooms));
    assert!(sim.state().bad_frames > 0, "some texts were spoiled and NAKed");
}
