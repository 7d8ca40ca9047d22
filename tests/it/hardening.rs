//! The real binary tried as an attacker would: slow clients, oversized and malformed requests,
//! hostile text. Every answer is a JSON error with the right status, and the service keeps
//! answering.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::fixtures::{cli, error_of, http_raw, pty_lock, running_with, token, wait_healthy};

/// Sends a raw request; the status and the body.
fn raw(port: u16, request: &[u8]) -> (u16, String) {
    let (status, _, body) = http_raw(port, request);
    (status, body)
}

fn request(method: &str, path: &str, token: Option<&str>, body: &str) -> Vec<u8> {
    let auth = token.map(|t| format!("Authorization: Bearer {t}\r\n")).unwrap_or_default();
    format!(
        "{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

fn json_error(status: u16, body: &str, want: u16) -> String {
    assert_eq!(status, want, "{body}");
    error_of(body)
}

#[test]
fn slow_clients_are_cut_off_and_the_service_keeps_answering() {
    let _g = pty_lock();
    let dir = tempfile::tempdir().unwrap();
    let site = running_with(dir.path(), "simulator", &[], |t| {
        t.replace("[api]\n", "[api]\nheader_timeout = \"1s\"\nmax_connections = 8\n")
    });
    // Three times as many half-sent requests as the service serves at once.
    let mut slow: Vec<TcpStream> = (0..24)
        .map(|_| {
            let mut s = TcpStream::connect(("127.0.0.1", site.port)).unwrap();
            s.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ").unwrap();
            s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
            s
        })
        .collect();
    // The service still answers (as soon as the slow ones are cut off, at the latest).
    let started = Instant::now();
    wait_healthy(site.port);
    let waited = started.elapsed();
    // ... and every half-sent request was closed by the service, not left hanging.
    for (i, s) in slow.iter_mut().enumerate() {
        let mut buf = [0u8; 512];
        let closed = match s.read(&mut buf) {
            Ok(_) => true, // EOF, or a 408 before closing
            Err(e) => !matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut),
        };
        assert!(closed, "slow connection {i} is still open after 20 s");
    }
    assert!(waited < Duration::from_secs(20), "health answered after {waited:?}");
    wait_healthy(site.port);
}

#[test]
fn signed_in_clients_sending_their_bodies_slowly_do_not_hold_up_the_rest() {
    // Requests are served a few at a time (per core): a client that trickles its body must not
    // take one of those places while it does.
    let _g = pty_lock();
    let dir = tempfile::tempdir().unwrap();
    let site = running_with(dir.path(), "simulator", &[("dora", "desk", "dora desk password")], |t| {
        t.replace("[api]\n", "[api]\nrequest_timeout = \"60s\"\n")
    });
    let tok = token(site.port, "dora", "dora desk password");
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let _slow: Vec<TcpStream> = (0..cores * 4 + 4)
        .map(|_| {
            let mut s = TcpStream::connect(("127.0.0.1", site.port)).unwrap();
            let head = format!(
                "POST /api/rooms/101/checkin HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {tok}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"name\":"
            );
            s.write_all(head.as_bytes()).unwrap();
            s
        })
        .collect();
    let started = Instant::now();
    let (st, body) = raw(site.port, &request("GET", "/api/rooms/102", Some(&tok), ""));
    assert_eq!(st, 200, "{body}");
    let took = started.elapsed();
    assert!(took < Duration::from_secs(20), "a plain read waited {took:?} behind slow senders");
}

#[test]
fn hostile_requests_get_json_errors_and_nothing_is_stored() {
    let _g = pty_lock();
    let dir = tempfile::tempdir().unwrap();
    let site = running_with(dir.path(), "simulator", &[("olga", "operator", "olga operator pw")], |t| t);
    let port = site.port;
    let tok = token(port, "olga", "olga operator pw");
    let t = Some(tok.as_str());

    // A body over the limit (64 KiB): 413, before anything is parsed.
    let big = format!("{{\"login\": \"{}\", \"password\": \"x\"}}", "a".repeat(1 << 20));
    let (st, body) = raw(port, &request("POST", "/api/login", None, &big));
    assert!(json_error(st, &body, 413).contains("too large"));
    // A login name of 60 kB: refused like any wrong login, and never written.
    let long = format!("{{\"login\": \"{}\", \"password\": \"guess guess\"}}", "b".repeat(60_000));
    for _ in 0..3 {
        let (st, body) = raw(port, &request("POST", "/api/login", None, &long));
        assert!(json_error(st, &body, 401).contains("wrong login or password"));
    }
    let db =
        rusqlite::Connection::open_with_flags(dir.path().join("hotel.db"), rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    let longest: i64 =
        db.query_row("SELECT COALESCE(MAX(length(login)), 0) FROM login_failures", [], |r| r.get(0)).unwrap();
    assert!(longest <= 40, "a {longest}-character login name was stored");

    // Wrong methods, paths and query strings answer JSON.
    let (st, body) = raw(port, &request("DELETE", "/api/rooms", t, ""));
    json_error(st, &body, 405);
    let (st, body) = raw(port, &request("GET", "/api/wakeups/abc", t, ""));
    assert!(json_error(st, &body, 400).contains("not a number"));
    let (st, body) = raw(port, &request("GET", "/api/rooms/%FF", t, ""));
    json_error(st, &body, 400);
    let (st, body) = raw(port, &request("GET", "/api/stays?active=maybe", t, ""));
    assert!(json_error(st, &body, 400).contains("query"));
    let (st, body) = raw(port, &request("GET", "/api/stays?colour=red", t, ""));
    json_error(st, &body, 400);
    // Log search with FTS5 syntax: never a 500.
    for q in ["%22", "%22%22", "*", "NEAR(", "a%3Ab"] {
        let (st, body) = raw(port, &request("GET", &format!("/api/log/search?q={q}"), t, ""));
        assert!(st == 200 || st == 422, "q={q}: {st} {body}");
        if st == 422 {
            json_error(st, &body, 422);
        }
    }

    // Hostile text and values the PBX cannot mean.
    let checkin = |body: &str| raw(port, &request("POST", "/api/rooms/101/checkin", t, body));
    let (st, body) = checkin(r#"{"name": "Smith\u202Eevil"}"#);
    assert!(json_error(st, &body, 422).contains("invisible"));
    let (st, body) = checkin(r#"{"name": "\uFEFFSmith"}"#);
    json_error(st, &body, 422);
    let (st, body) = checkin(r#"{"name": "Smith", "class": 4}"#);
    assert!(json_error(st, &body, 422).starts_with("class:"));
    let (st, body) = checkin(r#"{"name": "Smith", "first_name": "a\u2028b"}"#);
    json_error(st, &body, 422);
    let (st, _) = checkin(r#"{"name": "Smith"}"#);
    assert_eq!(st, 201);
    let book = |body: &str| raw(port, &request("POST", "/api/wakeups", t, body));
    let (st, body) = book(r#"{"room": "101", "cron": "* * * * * *"}"#);
    assert!(json_error(st, &body, 422).contains("at most once every"));
    let (st, body) = book(&format!(r#"{{"room": "101", "cron": "0 0 7 * * {}"}}"#, "1,".repeat(5000)));
    json_error(st, &body, 422);
    let (st, body) = book(r#"{"room": "101", "time": "07:00", "date": "9999-12-31"}"#);
    assert!(json_error(st, &body, 422).contains("days ahead"));
    let (st, body) =
        raw(port, &request("POST", "/api/staff", t, r#"{"login":"x","role":"desk","password":"        "}"#));
    json_error(st, &body, 403);

    // After all that, the service is fine.
    let (ok, out, err) = cli(&site.config, &["room", "101", "--json"]);
    assert!(ok && out.contains("Smith"), "{out}{err}");
}

#[test]
fn usage_errors_are_one_line_and_exit_2() {
    for args in [vec!["--bogus"], vec!["checkin"], vec!["dnd", "101", "maybe"], vec!["wakeup", "add"]] {
        let out = std::process::Command::new(crate::fixtures::bin()).args(&args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: one line, got {err:?}");
        assert!(err.starts_with("switchboard: ") && err.contains("usage: "), "{args:?}: {err}");
    }
    let out = std::process::Command::new(crate::fixtures::bin())
        .args(["--config", "/nonexistent/hotel.toml", "rooms"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(err.matches("No such file").count(), 1, "the cause is said once: {err}");
}
