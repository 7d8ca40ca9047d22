//! The desk's daily commands from the real CLI against the real service: wake-up calls,
//! property jobs, guest messages, the logbook.

use std::process::Command;

use serde_json::Value;

use crate::binary::{room_json, T};
use crate::fixtures::{bin, cli, eventually_blocking, free_port, login, pty_lock, running, write_config};

#[test]
fn wake_up_calls_from_the_cli() {
    let _g = pty_lock();
    let dir = tempfile::tempdir().unwrap();
    let site = running(dir.path(), "simulator", &[("desk1", "desk", "desk one pw")]);
    let config = site.config.clone();
    let (ok, _, err) = cli(&config, &["checkin", "101", "--name", "Early Riser"]);
    assert!(ok, "{err}");
    let (ok, out, err) = cli(&config, &["wakeup", "add", "101", "06:30", "--days", "mon,wed"]);
    assert!(ok && out.contains("wake-up call 1 for room 101"), "{out}{err}");
    let (ok, out, err) = cli(&config, &["wakeup", "add", "101", "23:59:59"]);
    assert!(ok, "{out}{err}");
    let (ok, out, _) = cli(&config, &["wakeup", "list", "--json"]);
    assert!(ok);
    let list: Value = serde_json::from_str(&out).unwrap();
    let items = list.as_array().unwrap();
    assert_eq!(items.len(), 2);
    for key in ["id", "room", "due", "status"] {
        assert!(items[0].get(key).is_some(), "wakeup list --json carries {key}: {out}");
    }
    let due = |id: i64| items.iter().find(|w| w["id"] == id).unwrap()["due"].as_str().unwrap().to_string();
    assert!(due(1).ends_with("T06:30:00") && due(2).ends_with("T23:59:59"), "{out}");
    for (args, want) in [
        (vec!["wakeup", "add", "102", "07:00"], "vacant"),
        (vec!["wakeup", "add", "101", "7.00"], "time:"),
        (vec!["wakeup", "add", "101", "07:00", "--date", "2001-01-01"], "in the past"),
        (vec!["wakeup", "add", "101", "07:00", "--days", "mon,xyz"], "days:"),
        (vec!["wakeup", "add", "101", "--cron", "61 * * * *"], "cron:"),
        (vec!["wakeup", "add", "101", "23:59:59"], "already has wake-up call"),
        (vec!["wakeup", "add", "101", "07:00", "--date", "9999-12-31"], "366 days ahead"),
        (vec!["wakeup", "add", "101", "--cron", "* * * * * *"], "at most once every"),
        (vec!["wakeup", "cancel", "77"], "does not exist"),
    ] {
        let (ok, out, err) = cli(&config, &args);
        assert!(!ok && err.contains(want), "{args:?}: {out}{err}");
    }
    let (ok, out, err) = cli(&config, &["wakeup", "cancel", "2"]);
    assert!(ok && out.contains("cancelled"), "{out}{err}");
    let (ok, _, err) = cli(&config, &["wakeup", "cancel", "2"]);
    assert!(!ok && err.contains("already cancelled"), "{err}");
    let (ok, out, err) = cli(&config, &["wakeup", "report", "--json"]);
    assert!(ok, "{err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    assert!(report["summary"]["calls"].is_number());
    let (ok, out, _) = cli(&config, &["alerts"]);
    assert!(ok && out.contains("no open alerts"), "{out}");
    let (ok, _, err) = cli(&config, &["alerts", "ack", "1"]);
    assert!(!ok && err.contains("not allowed for the desk role"), "acknowledging is for operators: {err}");
    // check-out ends the stay's calls
    let (ok, _, _) = cli(&config, &["checkout", "101"]);
    assert!(ok);
    let (_, out, _) = cli(&config, &["wakeup", "list", "--all", "--json"]);
    let all: Value = serde_json::from_str(&out).unwrap();
    assert!(all.as_array().unwrap().iter().all(|w| w["status"] == "cancelled"), "{all}");
}

#[test]
fn a_bad_job_file_stops_the_service_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "simulator", free_port(), "");
    std::fs::create_dir_all(dir.path().join("schedules")).unwrap();
    std::fs::write(
        dir.path().join("schedules/nightly.toml"),
        "[[job]]\nname = \"report\"\ncron = \"0 5 25 * * *\"\naction = \"wakeup_report\"\noutput = \"r.txt\"\n",
    )
    .unwrap();
    let out = Command::new(bin()).arg("--config").arg(&config).arg("serve").output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("schedules/nightly.toml") && err.contains("job[0].cron"), "{err}");
}

#[test]
fn guest_messages_from_the_cli() {
    let _g = pty_lock();
    let dir = tempfile::tempdir().unwrap();
    let site = running(dir.path(), "simulator", &[("desk1", "desk", "desk one pw")]);
    let config = site.config.clone();
    let (ok, _, _) = cli(&config, &["checkin", "104", "--name", "Message Guest"]);
    assert!(ok);
    let (ok, out, err) = cli(
        &config,
        &["msg", "leave", "104", "--text", "Please call reception", "--from", "Front desk", "--callback", "0"],
    );
    assert!(ok && out.contains("message 1 for room 104"), "{out}{err}");
    eventually_blocking(T, "the lamp lit and synced", || {
        let r = room_json(&config, "104");
        r["message_lamp"] == true && r["pbx_synced"] == true && r["messages_waiting"] == 1
    });
    let (ok, out, _) = cli(&config, &["msg", "list", "--undelivered", "--json"]);
    assert!(ok);
    let list: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(list[0]["text"], "Please call reception");
    assert_eq!(list[0]["delivered"], false);
    // A person reads the hotel's local time (the config's Europe/Zurich), not the service's UTC.
    let left = switchboard::clock::parse_utc(list[0]["left_at"].as_str().unwrap()).unwrap();
    let local = left.with_timezone(&chrono_tz::Europe::Zurich).format("%Y-%m-%d %H:%M").to_string();
    for args in [&["msg", "list"][..], &["audit", "--room", "104"][..]] {
        let (ok, out, err) = cli(&config, args);
        assert!(ok && out.contains(&local) && !out.contains(":00Z") && !out.contains("Z "), "{args:?}: {out}{err}");
    }
    let (ok, _, err) = cli(&config, &["checkout", "104"]);
    assert!(!ok && err.contains("undelivered") && err.contains("#1"), "{err}");
    let (ok, _, err) = cli(&config, &["msg", "leave", "104", "--text", ""]);
    assert!(!ok && err.contains("text: must not be empty"), "{err}");
    let (ok, out, err) = cli(&config, &["msg", "deliver", "1"]);
    assert!(ok && out.contains("delivered"), "{out}{err}");
    let (ok, _, err) = cli(&config, &["msg", "deliver", "1"]);
    assert!(!ok && err.contains("already delivered"), "{err}");
    eventually_blocking(T, "the lamp out", || room_json(&config, "104")["message_lamp"] == false);
    let (ok, out, err) = cli(&config, &["msg", "lamp", "104", "on"]);
    assert!(ok && out.contains("message lamp on"), "{out}{err}");
    let (ok, _, _) = cli(&config, &["msg", "leave", "104", "--text", "Second"]);
    assert!(ok);
    let (ok, out, err) = cli(&config, &["checkout", "104", "--discard-messages"]);
    assert!(ok && out.contains("checked out"), "{out}{err}");
    eventually_blocking(T, "lamp off after check-out", || {
        let r = room_json(&config, "104");
        r["message_lamp"] == false && r["pbx_synced"] == true
    });
}

#[test]
fn the_logbook_from_the_cli() {
    let _g = pty_lock();
    let dir = tempfile::tempdir().unwrap();
    let staff = [
        ("dora", "desk", "dora password"),
        ("olga", "operator", "olga password"),
        ("oscar", "operator", "oscar password"),
    ];
    let site = running(dir.path(), "simulator", &staff);
    let config = site.config.clone();
    let (ok, _, err) = cli(&config, &["shift", "open"]);
    assert!(!ok && err.contains("not allowed for the desk role"), "the logbook is for operators: {err}");
    login(&config, "olga", "olga password");
    let (ok, out, err) = cli(&config, &["shift", "open"]);
    assert!(ok && out.contains("opened by olga"), "{out}{err}");
    let (ok, out, err) = cli(
        &config,
        &[
            "log",
            "add",
            "--category",
            "incident",
            "--priority",
            "high",
            "--room",
            "102",
            "Smoke alarm in 102, false alarm",
        ],
    );
    assert!(ok && out.contains("entry"), "{out}{err}");
    let (ok, out, err) = cli(
        &config,
        &["log", "add", "--followup", "operator", "--due", "2026-12-01 09:00", "Lost key card, guest in 103"],
    );
    assert!(ok && out.contains("follow-up 1 opened"), "{out}{err}");
    let (ok, out, err) = cli(&config, &["log", "amend", "1", "Correction: it was room 104"]);
    assert!(ok && out.contains("amends entry 1"), "{out}{err}");
    for (args, want) in [
        (vec!["log", "add", "--category", "gossip", "x"], "invalid value 'gossip' for '--category <CATEGORY>'"),
        (vec!["log", "add", ""], "text:"),
        (vec!["log", "amend", "99", "x"], "does not exist"),
        (vec!["followup", "update", "1", "--state", "maybe"], "[possible values: open, in_progress, done]"),
        (vec!["shift", "open"], "still open"),
    ] {
        let (ok, out, err) = cli(&config, &args);
        assert!(!ok && err.contains(want), "{args:?}: {out}{err}");
    }
    let (ok, out, _) = cli(&config, &["log", "list", "--json"]);
    assert!(ok);
    let entries: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(entries.as_array().unwrap().len(), 3);
    assert_eq!(entries[0]["amended_by"], serde_json::json!([3]));
    let (ok, out, _) = cli(&config, &["log", "search", "smoke", "--json"]);
    assert!(ok);
    assert_eq!(serde_json::from_str::<Value>(&out).unwrap().as_array().unwrap().len(), 1);
    let (ok, out, _) = cli(&config, &["followup", "list", "--open"]);
    assert!(ok && out.contains("Lost key card"), "{out}");
    let (ok, out, err) = cli(&config, &["shift", "close"]);
    assert!(ok && out.contains("Handover of shift 1") && out.contains("Smoke alarm"), "{out}{err}");
    let (ok, out, _) = cli(&config, &["handover", "--html"]);
    assert!(ok && out.starts_with("<!doctype html>") && out.contains("Lost key card"), "{out}");
    let (ok, _, err) = cli(&config, &["handover", "ack"]);
    assert!(!ok && err.contains("incoming operator"), "{err}");
    login(&config, "dora", "dora password");
    let (ok, out, _) = cli(&config, &["handover"]);
    assert!(ok && out.contains("NOT YET ACKNOWLEDGED"), "an unacknowledged handover is shown to everyone: {out}");
    login(&config, "oscar", "oscar password");
    let (ok, _, err) = cli(&config, &["shift", "open"]);
    assert!(!ok && err.contains("acknowledge the handover"), "{err}");
    let (ok, out, err) = cli(&config, &["handover", "ack"]);
    assert!(ok && out.contains("acknowledged"), "{out}{err}");
    let (ok, _, err) = cli(&config, &["shift", "open"]);
    assert!(ok, "{err}");
    let (ok, out, err) = cli(&config, &["followup", "update", "1", "--state", "done", "Key card replaced"]);
    assert!(ok && out.contains("is done"), "{out}{err}");
}

#[test]
fn the_directory_from_the_cli_keeps_private_numbers_private() {
    let _g = pty_lock();
    let dir = tempfile::tempdir().unwrap();
    let site =
        running(dir.path(), "simulator", &[("max", "manager", "max manager pw"), ("dora", "desk", "dora desk pw")]);
    let config = site.config.clone();
    for args in [
        vec!["dir", "add", "--kind", "staff", "--name", "王大明", "--title", "客房部經理", "--extension", "2301"],
        vec![
            "dir",
            "add",
            "--kind",
            "staff",
            "--name",
            "GM mobile",
            "--title",
            "General Manager",
            "--number",
            "+41 79 555 01 01",
            "--private",
        ],
    ] {
        let (ok, out, err) = cli(&config, &args);
        assert!(ok && out.contains("added"), "{args:?}: {out}{err}");
    }
    let (ok, out, err) = cli(&config, &["dir", "search", "經理"]);
    assert!(ok && out.contains("王大明") && out.contains("2301"), "{out}{err}");
    let (ok, out, _) = cli(&config, &["dir", "search", "general", "--json"]);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert!(ok && v[0]["number"] == "+41 79 555 01 01", "the manager sees it: {out}");
    login(&config, "dora", "dora desk pw");
    let (ok, out, err) = cli(&config, &["dir", "search", "general"]);
    assert!(ok && out.contains("not disclosed") && !out.contains("555 01 01"), "{out}{err}");
    let (ok, _, err) = cli(&config, &["dir", "add", "--kind", "staff", "--name", "X"]);
    assert!(!ok && err.contains("not allowed"), "only managers edit: {err}");
    let (ok, out, err) = cli(&config, &["dir", "code", "上海"]);
    assert!(ok && out.contains("+86 21"), "{out}{err}");
    let (ok, out, err) = cli(&config, &["dir", "code", "+886", "2", "2713", "8000"]);
    assert!(ok && out.contains("Taipei"), "{out}{err}");
    let (ok, _, err) = cli(&config, &["dir", "code", "Atlantis"]);
    assert!(!ok && err.contains("place:"), "{err}");
    // Housekeeping as the desk sees it.
    let (ok, out, err) = cli(&config, &["room-status", "103", "out-of-order"]);
    assert!(ok && out.contains("out-of-order"), "{out}{err}");
    let (ok, out, err) = cli(&config, &["housekeeping", "--status", "out-of-order"]);
    assert!(ok && out.contains("103") && !out.contains("104"), "{out}{err}");
    let (ok, _, err) = cli(&config, &["checkin", "103", "--name", "Too Early"]);
    assert!(!ok && err.contains("room 103 is out-of-order"), "{err}");
}

#[test]
fn the_cli_follows_the_live_events() {
    use std::io::BufRead;
    let _g = pty_lock();
    let dir = tempfile::tempdir().unwrap();
    let site = running(dir.path(), "simulator", &[("desk1", "desk", "desk one pw")]);
    let config = site.config.clone();
    let mut follower = Command::new(bin())
        .arg("--config")
        .arg(&config)
        .args(["events", "--count", "60"])
        .env("XDG_CONFIG_HOME", config.parent().unwrap().join("xdg"))
        .env_remove("SWITCHBOARD_TOKEN")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, lines) = std::sync::mpsc::channel();
    let out = follower.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(out).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let next = |what: &str| {
        let line = lines.recv_timeout(T).unwrap_or_else(|_| panic!("no line saying {what}"));
        line
    };
    assert!(next("connected").starts_with("connected; the PBX link is"));
    let (ok, _, err) = cli(&config, &["checkin", "101", "--name", "Live Guest"]);
    assert!(ok, "{err}");
    let mut seen = Vec::new();
    while !seen.iter().any(|l: &String| l.starts_with("room 101: occupied by Live Guest")) {
        seen.push(next("room 101 occupied"));
    }
    let _ = follower.kill();
    let _ = follower.wait();
}
