//! The real binary: service, CLI and standalone simulator, as a user runs them.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use crate::fixtures::{
    add_staff, bin, cli, cli_stdin, config_text, eventually_blocking, free_port, login, pty_lock, running, sim_room,
    spawn_pbx_sim, spawn_serve, token, wait_healthy, write_config, Proc,
};

pub const T: Duration = Duration::from_secs(30);

pub fn room_json(config: &Path, room: &str) -> Value {
    let (ok, out, err) = cli(config, &["room", room, "--json"]);
    assert!(ok, "room --json failed: {err}");
    serde_json::from_str(&out).unwrap()
}

#[test]
fn serve_with_the_built_in_simulator_and_the_cli() {
    let _g = pty_lock();
    let dir = tempfile::tempdir().unwrap();
    let site = running(dir.path(), "simulator", &[("frontdesk", "operator", "front desk pw")]);
    let config = site.config.clone();

    let (ok, out, err) = cli(&config, &["checkin", "101", "--name", "Wang Wei", "--language", "en", "--class", "2"]);
    assert!(ok, "{err}");
    assert!(out.contains("checked in Wang Wei to room 101"), "{out}");
    eventually_blocking(T, "room 101 synced with the PBX", || room_json(&config, "101")["pbx_synced"] == true);
    let r = room_json(&config, "101");
    assert_eq!(r["occupied"], true);
    assert_eq!(r["guest_name"], "Wang Wei");
    assert_eq!(r["class_of_service"], 2);
    assert_eq!(r["message_lamp"], false);
    assert_eq!(r["dnd"], false);

    // Errors: one line, non-zero exit, nothing changed.
    for (args, want) in [
        (vec!["checkin", "101", "--name", "Other"], "room 101 is occupied by stay 1"),
        (vec!["checkin", "999", "--name", "Nobody"], "room 999 does not exist"),
        (vec!["checkin", "102", "--name", "Pipe|Name"], "'|'"),
        (vec!["checkout", "102"], "room 102 is vacant"),
        (vec!["move", "101", "999"], "room 999 does not exist"),
    ] {
        let (ok, out, err) = cli(&config, &args);
        assert!(!ok, "{args:?} should fail: {out}");
        assert!(err.contains(want), "{args:?}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "one-line error: {err}");
    }

    let (ok, _, err) = cli(&config, &["dnd", "101", "on"]);
    assert!(ok, "{err}");
    let (ok, out, err) = cli(&config, &["move", "101", "102"]);
    assert!(ok && out.contains("to room 102"), "{out}{err}");
    eventually_blocking(T, "room 102 synced", || room_json(&config, "102")["pbx_synced"] == true);
    assert_eq!(room_json(&config, "102")["dnd"], true);

    let (ok, out, _) = cli(&config, &["pbx", "status", "--json"]);
    assert!(ok);
    let st: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(st["link"], "up");
    assert_eq!(st["queued"], 0);

    let (ok, out, err) = cli(&config, &["checkout", "102"]);
    assert!(ok, "{err}");
    assert!(out.contains("checked out Wang Wei"), "{out}");
    eventually_blocking(T, "room 102 synced after check-out", || room_json(&config, "102")["pbx_synced"] == true);
    let r = room_json(&config, "102");
    assert_eq!(r["occupied"], false);
    assert_eq!(r["class_of_service"], 0);

    let (ok, out, _) = cli(&config, &["rooms"]);
    assert!(ok && out.lines().count() == 6, "{out}");
    let (ok, out, _) = cli(&config, &["pbx", "resync"]);
    assert!(ok && out.contains("requested"), "{out}");
}

#[test]
fn the_api_answers_bad_requests_with_json_errors() {
    let _g = pty_lock();
    let dir = tempfile::tempdir().unwrap();
    let site = running(dir.path(), "simulator", &[("desk1", "desk", "desk one pw")]);
    let port = site.port;
    let tok = token(port, "desk1", "desk one pw");
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let base = format!("http://127.0.0.1:{port}");
    let post = |path: &str, body: &str| {
        let mut r = agent
            .post(format!("{base}{path}"))
            .header("Content-Type", "application/json")
            .header("Authorization", format!("Bearer {tok}"))
            .send(body)
            .unwrap();
        let status = r.status().as_u16();
        let v: Value = serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap();
        (status, v)
    };
    let (status, v) = post("/api/rooms/101/checkin", "{not json");
    assert_eq!(status, 400);
    assert!(v["error"].as_str().unwrap().contains("JSON"), "{v}");
    let (status, v) = post("/api/rooms/101/checkin", r#"{"name": "A", "colour": "red"}"#);
    assert_eq!(status, 400, "{v}");
    assert!(v["error"].as_str().unwrap().contains("colour"), "{v}");
    let (status, v) = post("/api/rooms/101/checkin", r#"{"name": "A\u0007"}"#);
    assert_eq!(status, 422, "{v}");
    // A word outside its list, or a value of the wrong kind, is refused by the request's type
    // and named by its field.
    for (path, body, field, said) in [
        ("/api/rooms/101/housekeeping", r#"{"status": "sparkly"}"#, "status", "out-of-service"),
        ("/api/rooms/101/checkin", r#"{"name": 7}"#, "name", "a string"),
    ] {
        let (status, v) = post(path, body);
        assert_eq!((status, v["code"].as_str(), v["field"].as_str()), (422, Some("invalid"), Some(field)), "{v}");
        assert!(v["error"].as_str().unwrap().contains(said), "{v}");
    }
    let (status, _) = post("/api/rooms/777/checkout", "{}");
    assert_eq!(status, 404);
    let (status, v) = post("/api/nowhere", "{}");
    assert_eq!(status, 404, "{v}");
    let (status, v) = post("/api/rooms/101/checkin", r#"{"name": "Only Once"}"#);
    assert_eq!(status, 201, "{v}");
    let (status, v) = post("/api/rooms/101/checkin", r#"{"name": "Twice"}"#);
    assert_eq!(status, 409, "{v}");
    let (ok, out, err) =
        cli(Path::new("/nonexistent.toml"), &["--api", &base, "--token", &tok, "room", "101", "--json"]);
    assert!(ok && out.contains("Only Once"), "--api overrides the config: {out}{err}");
}

#[test]
fn standalone_simulator_and_service_over_a_real_pty() {
    let _g = pty_lock();
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("pbx.json");
    let (_sim, pty) = spawn_pbx_sim(&state, "3s");
    let site = running(dir.path(), &pty, &[("desk1", "desk", "desk one pw")]);
    let config = site.config.clone();
    let (ok, _, err) = cli(&config, &["checkin", "103", "--name", "Grace Hopper"]);
    assert!(ok, "{err}");
    eventually_blocking(T, "the simulator's state file to show the guest", || {
        sim_room(&state, "103").is_some_and(|r| r["guest_name"] == "Grace Hopper" && r["class_of_service"] == 3)
    });
    eventually_blocking(T, "room 103 synced", || room_json(&config, "103")["pbx_synced"] == true);
    let (ok, _, err) = cli(&config, &["checkout", "103"]);
    assert!(ok, "{err}");
    eventually_blocking(T, "the line barred in the simulator", || {
        sim_room(&state, "103").is_some_and(|r| r["occupied"] == false && r["class_of_service"] == 0)
    });
}

#[test]
fn changes_accepted_before_a_sigkill_reach_the_pbx_after_restart() {
    let _g = pty_lock();
    let dir = tempfile::tempdir().unwrap();
    // The port is a symlink that points nowhere yet: the PBX is unreachable, changes queue up.
    let link = dir.path().join("pbx-port");
    let port = free_port();
    let config = write_config(dir.path(), link.to_str().unwrap(), port, "reconnect_max = \"1s\"");
    add_staff(&config, "desk1", "desk", "desk one pw");
    let mut serve = spawn_serve(&config);
    wait_healthy(port);
    login(&config, "desk1", "desk one pw");
    for (room, name) in [("101", "Kill Test A"), ("102", "Kill Test B"), ("104", "Kill Test C")] {
        let (ok, _, err) = cli(&config, &["checkin", room, "--name", name]);
        assert!(ok, "{err}");
    }
    let (ok, _, err) = cli(&config, &["checkout", "104"]);
    assert!(ok, "{err}");
    let r = room_json(&config, "101");
    assert_eq!(r["pbx_synced"], false, "nothing can have reached a PBX that is not there");
    // SIGKILL: no clean shutdown, no checkpoint.
    serve.child.kill().unwrap();
    serve.child.wait().unwrap();

    let state = dir.path().join("pbx.json");
    let (_sim, pty) = spawn_pbx_sim(&state, "3s");
    std::os::unix::fs::symlink(&pty, &link).unwrap();
    let _serve = spawn_serve(&config);
    wait_healthy(port);
    eventually_blocking(T, "the queued changes to arrive at the PBX", || {
        let a = sim_room(&state, "101").is_some_and(|r| r["guest_name"] == "Kill Test A");
        let b = sim_room(&state, "102").is_some_and(|r| r["guest_name"] == "Kill Test B" && r["class_of_service"] == 3);
        let c = sim_room(&state, "104").is_some_and(|r| r["occupied"] == false && r["class_of_service"] == 0);
        a && b && c
    });
    eventually_blocking(T, "every room synced", || room_json(&config, "101")["pbx_synced"] == true);
}

#[test]
fn bad_configuration_is_refused_with_the_key_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hotel.toml");
    let cases = [
        (config_text("\"101-105\", \"103\"", "simulator", "127.0.0.1:1", ""), "rooms.numbers[1]"),
        (config_text("\"101\"", "simulator", "127.0.0.1:1", "baud = 1234"), "pbx.baud"),
        (config_text("\"101\"", "simulator", "127.0.0.1:1", "parity = \"mark\""), "pbx.parity"),
        (config_text("\"101\"", "simulator", "127.0.0.1:1", "speed = 9600"), "speed"),
    ];
    for (text, key) in cases {
        std::fs::write(&path, text).unwrap();
        let out = Command::new(bin()).arg("--config").arg(&path).arg("serve").output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success());
        assert!(err.contains(key), "error should name {key}: {err}");
    }
    let out = Command::new(bin()).args(["--config", "/nonexistent/hotel.toml", "serve"]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/hotel.toml"));
}

#[test]
fn an_unreadable_port_is_reported_and_the_service_keeps_running() {
    let dir = tempfile::tempdir().unwrap();
    let site = running(dir.path(), "/dev/nonexistent-ttyUSB9", &[("desk1", "desk", "desk one pw")]);
    let config = site.config.clone();
    let (ok, _, err) = cli(&config, &["checkin", "101", "--name", "Queued Guest"]);
    assert!(ok, "changes are accepted while the PBX is unreachable: {err}");
    eventually_blocking(T, "the link status to name the port", || {
        let (_, out, _) = cli(&config, &["pbx", "status", "--json"]);
        let st: Value = serde_json::from_str(&out).unwrap_or(Value::Null);
        st["link"] == "down"
            && st["queued"] == 4
            && st["last_error"].as_str().is_some_and(|e| e.contains("/dev/nonexistent-ttyUSB9"))
    });
}

/// Starts `serve` with its log captured; returns it and the first-start manager password.
fn spawn_serve_first_start(config: &Path) -> (Proc, String) {
    let mut child = Command::new(bin())
        .args(["--config", config.to_str().unwrap(), "serve"])
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let proc = Proc { child };
    let deadline = std::time::Instant::now() + T;
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        let line = rx.recv_timeout(left).expect("the first-start password line in the log");
        if let Some(rest) = line.split("with password ").nth(1) {
            let pw = rest.split_whitespace().next().unwrap().to_string();
            // keep draining the log so the service never blocks on a full pipe
            std::thread::spawn(move || while rx.recv().is_ok() {});
            return (proc, pw);
        }
    }
}

#[test]
fn first_start_manager_creates_a_desk_clerk_whose_check_in_is_audited() {
    let _g = pty_lock();
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let config = write_config(dir.path(), "simulator", port, "");
    let (_serve, manager_pw) = spawn_serve_first_start(&config);
    wait_healthy(port);

    let (ok, _, err) = cli(&config, &["rooms"]);
    assert!(!ok && err.contains("sign in first"), "no token, no rooms: {err}");
    let (ok, _, err) = cli_stdin(&config, &["login", "--user", "manager", "--password-stdin"], "wrong password\n");
    assert!(!ok && err.contains("wrong login or password"), "{err}");
    login(&config, "manager", &manager_pw);
    let (ok, out, err) = cli_stdin(
        &config,
        &["staff", "add", "clerk", "--role", "desk", "--display-name", "Cleo Clerk", "--password-stdin"],
        "clerk password\n",
    );
    assert!(ok && out.contains("added clerk (desk)"), "{out}{err}");
    let (ok, _, err) =
        cli_stdin(&config, &["staff", "add", "clerk", "--role", "desk", "--password-stdin"], "clerk password\n");
    assert!(!ok && err.contains("already exists"), "{err}");
    let (ok, _, err) =
        cli_stdin(&config, &["staff", "add", "chef", "--role", "cook", "--password-stdin"], "chef password\n");
    assert!(!ok && err.contains("invalid value 'cook' for '--role <ROLE>'"), "{err}");
    let (ok, _, err) = cli(&config, &["staff", "disable", "manager"]);
    assert!(!ok && err.contains("last active manager"), "{err}");

    let (ok, _, _) = cli(&config, &["logout"]);
    assert!(ok);
    login(&config, "clerk", "clerk password");
    let (ok, _, err) = cli(&config, &["checkin", "101", "--name", "Audited Guest"]);
    assert!(ok, "{err}");
    let (ok, out, err) = cli(&config, &["audit", "--room", "101"]);
    assert!(ok && out.contains("clerk") && out.contains("checkin"), "a clerk may read one room's trail: {out}{err}");
    let (ok, _, err) = cli(&config, &["audit"]);
    assert!(!ok && err.contains("not allowed for the desk role"), "{err}");
    let (ok, _, err) = cli(&config, &["staff", "list"]);
    assert!(!ok && err.contains("not allowed"), "{err}");

    login(&config, "manager", &manager_pw);
    let (ok, out, err) = cli(&config, &["audit", "--room", "101", "--json"]);
    assert!(ok, "{err}");
    let rows: Value = serde_json::from_str(&out).unwrap();
    let checkin = rows.as_array().unwrap().iter().find(|r| r["action"] == "checkin").expect("a checkin row");
    assert_eq!(checkin["staff"], "clerk");
    assert_eq!(checkin["room"], "101");
    assert!(checkin["after"].as_str().unwrap().contains("Audited Guest"));
    let (ok, out, _) = cli(&config, &["audit", "--staff", "manager", "--json"]);
    assert!(ok && out.contains("staff_add"), "{out}");
    // The clerk changes their own password (no manager needed).
    login(&config, "clerk", "clerk password");
    let (ok, _, err) = cli_stdin(&config, &["passwd", "--password-stdin"], "wrong\nnew clerk pw\n");
    assert!(!ok && err.contains("wrong login or password"), "{err}");
    let (ok, out, err) = cli_stdin(&config, &["passwd", "--password-stdin"], "clerk password\nnew clerk pw\n");
    assert!(ok && out.contains("password changed"), "{out}{err}");
    login(&config, "clerk", "new clerk pw");
}

#[test]
fn each_role_against_each_class_of_route() {
    let _g = pty_lock();
    let dir = tempfile::tempdir().unwrap();
    let staff = [
        ("d", "desk", "desk password"),
        ("o", "operator", "operator password"),
        ("m", "manager", "manager password"),
        ("x", "desk", "leaver password"),
    ];
    let site = running(dir.path(), "simulator", &staff);
    let port = site.port;
    let leaver = token(port, "x", "leaver password");
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let call = |method: &str, path: &str, token: Option<&str>| -> u16 {
        let url = format!("http://127.0.0.1:{port}{path}");
        let auth = token.map(|t| format!("Bearer {t}"));
        let r = if method == "GET" {
            let mut req = agent.get(url);
            if let Some(a) = &auth {
                req = req.header("Authorization", a);
            }
            req.call()
        } else {
            let mut req = agent.post(url);
            if let Some(a) = &auth {
                req = req.header("Authorization", a);
            }
            req.send_json(serde_json::json!({}))
        };
        r.unwrap().status().as_u16()
    };
    let tokens = [
        token(port, "d", "desk password"),
        token(port, "o", "operator password"),
        token(port, "m", "manager password"),
    ];
    // (class, method, path, allowed for desk/operator/manager); a "yes" may still fail validation
    // (4xx other than 401/403), which is fine: only the permission is under test here.
    let routes = [
        ("view", "GET", "/api/rooms", [true, true, true]),
        ("view", "GET", "/api/pbx/status", [true, true, true]),
        ("desk", "POST", "/api/rooms/101/checkout", [true, true, true]),
        ("room audit", "GET", "/api/audit?room=101", [true, true, true]),
        ("operate", "POST", "/api/pbx/resync", [false, true, true]),
        ("staff", "GET", "/api/staff", [false, false, true]),
        ("staff", "POST", "/api/staff/x/disable", [false, false, true]),
        ("audit", "GET", "/api/audit", [false, false, true]),
    ];
    for (class, method, path, allowed) in routes {
        assert_eq!(call(method, path, None), 401, "{class} {path} without a token");
        assert_eq!(call(method, path, Some("sb_forged")), 401, "{class} {path} with a forged token");
        for (who, (tok, ok)) in ["desk", "operator", "manager"].iter().zip(tokens.iter().zip(allowed)) {
            let status = call(method, path, Some(tok));
            if ok {
                assert!(status != 401 && status != 403, "{who} may use {class} {path}: got {status}");
            } else {
                assert_eq!(status, 403, "{who} may not use {class} {path}");
            }
        }
    }
    assert_eq!(call("GET", "/health", None), 200, "health needs no token");
    // `x` was disabled by the manager above: its token is dead.
    assert_eq!(call("GET", "/api/rooms", Some(&leaver)), 401);
    // logout revokes
    assert_eq!(call("POST", "/api/logout", Some(&tokens[1])), 204);
    assert_eq!(call("GET", "/api/rooms", Some(&tokens[1])), 401);
    // password guessing is slowed down, with the same answer for a login that does not exist
    for login in ["m", "nobody"] {
        let attempt = || {
            let mut r = agent
                .post(format!("http://127.0.0.1:{port}/api/login"))
                .send_json(serde_json::json!({"login": login, "password": "guess guess"}))
                .unwrap();
            (r.status().as_u16(), r.body_mut().read_to_string().unwrap())
        };
        for _ in 0..5 {
            let (status, body) = attempt();
            assert_eq!(status, 401, "{body}");
            assert!(body.contains("wrong login or password"), "{body}");
        }
        let (status, body) = attempt();
        assert_eq!(status, 429, "{body}");
        assert!(body.contains("too many failed sign-ins"), "{body}");
    }
}

#[test]
fn incognito_guests_are_hidden_from_the_desk_and_the_pbx() {
    let _g = pty_lock();
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("pbx.json");
    let (_sim, pty) = spawn_pbx_sim(&state, "3s");
    let port = free_port();
    let config = write_config(dir.path(), &pty, port, "");
    add_staff(&config, "d", "desk", "desk password");
    add_staff(&config, "m", "manager", "manager password");
    let _serve = spawn_serve(&config);
    wait_healthy(port);
    login(&config, "d", "desk password");
    let (ok, _, err) = cli(&config, &["checkin", "102", "--name", "Famous Star", "--private"]);
    assert!(ok, "{err}");
    let (ok, _, err) = cli(&config, &["checkin", "103", "--name", "Famous Author"]);
    assert!(ok, "{err}");
    eventually_blocking(T, "room 102 opened on the PBX", || {
        sim_room(&state, "102").is_some_and(|r| r["occupied"] == true && r["class_of_service"] == 3)
    });
    assert_eq!(sim_room(&state, "102").unwrap()["guest_name"], Value::Null, "no name display for incognito guests");
    let r = room_json(&config, "102");
    assert_eq!((r["guest_name"].clone(), r["private"].clone()), (Value::Null, Value::Bool(true)));
    let (ok, out, _) = cli(&config, &["guests", "famous", "--json"]);
    assert!(ok);
    let found: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(found.as_array().unwrap().len(), 1, "the desk finds only the public guest: {found}");
    assert_eq!(found[0]["room"], "103");
    login(&config, "m", "manager password");
    let (ok, out, _) = cli(&config, &["guests", "famous", "--json"]);
    assert!(ok);
    let found: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(found.as_array().unwrap().len(), 2, "managers see incognito guests: {found}");
    assert_eq!(room_json(&config, "102")["guest_name"], "Famous Star");
    let (ok, _, err) = cli(&config, &["--token", "", "guests", "famous"]);
    assert!(!ok, "no token, no names: {err}");
}

#[test]
fn sigterm_ends_the_link_with_le_and_closes_the_store() {
    let _g = pty_lock();
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("pbx.json");
    let (_sim, pty) = spawn_pbx_sim(&state, "3s");
    let port = free_port();
    let config = write_config(dir.path(), &pty, port, "");
    let mut serve = spawn_serve(&config);
    wait_healthy(port);
    let link_up = || {
        std::fs::read_to_string(&state)
            .ok()
            .and_then(|t| serde_json::from_str::<Value>(&t).ok())
            .map(|v| v["link_up"] == true)
    };
    eventually_blocking(T, "the PBX sees the link up", || link_up() == Some(true));
    // SAFETY: signalling a child process we started.
    unsafe { libc::kill(serve.child.id() as i32, libc::SIGTERM) };
    let status = serve.child.wait().unwrap();
    assert!(status.success(), "a clean shutdown exits 0: {status:?}");
    eventually_blocking(T, "the PBX saw LE (link down)", || link_up() == Some(false));
    assert!(
        !dir.path().join("hotel.db-wal").exists()
            || std::fs::metadata(dir.path().join("hotel.db-wal")).unwrap().len() == 0,
        "the WAL was checkpointed on the way out"
    );
}
