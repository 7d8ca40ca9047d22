//! The second hostile round against the HTTP side (issue 21): live-event streams that would take
//! every connection, streams that outlive their session, one address holding the pool, errors
//! answered before the application, printouts without safety headers, echoed values, the
//! cookie's flags and bodies announced too large.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::fixtures::{error_of, http_raw, pty_lock, running_with, token};

/// Writes `request` and reads the answer's head (status, head text); the stream stays open.
fn head(port: u16, request: &str) -> (u16, String, TcpStream) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    s.write_all(request.as_bytes()).unwrap();
    let mut got = Vec::new();
    let mut byte = [0u8; 1];
    while !got.ends_with(b"\r\n\r\n") {
        match s.read(&mut byte) {
            Ok(1) => got.push(byte[0]),
            _ => break,
        }
    }
    let text = String::from_utf8_lossy(&got).into_owned();
    let status = text.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    (status, text, s)
}

fn get(path: &str, tok: &str) -> String {
    format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer {tok}\r\n\r\n")
}

fn post(path: &str, tok: &str, body: &str) -> String {
    format!(
        "POST {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer {tok}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
}

/// Waits (at most `within`) for the server to end the stream `s`.
fn ends_within(s: &mut TcpStream, within: Duration) -> bool {
    let deadline = Instant::now() + within;
    let mut buf = [0u8; 4096];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return false;
        }
        s.set_read_timeout(Some(left)).unwrap();
        match s.read(&mut buf) {
            Ok(0) => return true,
            Ok(n) if buf[..n].ends_with(b"0\r\n\r\n") => return true,
            Ok(_) => {}
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {
                return false
            }
            Err(_) => return true,
        }
    }
}

#[test]
fn event_streams_have_limits_of_their_own_and_requests_always_find_a_place() {
    let _g = pty_lock();
    let dir = tempfile::tempdir().unwrap();
    let staff = [("dora", "desk", "dora desk password"), ("dave", "desk", "dave desk password")];
    let site = running_with(dir.path(), "simulator", &staff, |t| {
        t.replace("[api]\n", "[api]\nmax_connections = 16\nmax_streams = 6\nmax_streams_per_user = 4\n")
    });
    let dora = token(site.port, "dora", "dora desk password");
    let dave = token(site.port, "dave", "dave desk password");
    let mut open = Vec::new();
    for i in 0..4 {
        let (st, h, s) = head(site.port, &get("/api/events", &dora));
        assert_eq!(st, 200, "stream {i}: {h}");
        open.push(s);
    }
    // A fifth of one user's: 429 JSON, naming the key.
    let (st, _, body) = http_raw(site.port, get("/api/events", &dora).as_bytes());
    assert_eq!(st, 429, "{body}");
    assert!(error_of(&body).contains("api.max_streams_per_user"), "{body}");
    for _ in 0..2 {
        let (st, h, s) = head(site.port, &get("/api/events", &dave));
        assert_eq!(st, 200, "{h}");
        open.push(s);
    }
    // The service's limit.
    let (st, _, body) = http_raw(site.port, get("/api/events", &dave).as_bytes());
    assert_eq!(st, 429, "{body}");
    assert!(error_of(&body).contains("api.max_streams"), "{body}");
    // Requests still find places, several at once.
    for _ in 0..5 {
        let (st, _, body) = http_raw(site.port, get("/api/rooms/101", &dora).as_bytes());
        assert_eq!(st, 200, "{body}");
    }
    let (st, _, _) = http_raw(site.port, b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assert_eq!(st, 200);
    // A stream closed gives its place back.
    drop(open.pop());
    crate::fixtures::eventually_blocking(Duration::from_secs(10), "a place for a stream again", || {
        let (st, _, s) = head(site.port, &get("/api/events", &dave));
        let ok = st == 200;
        if ok {
            open.push(s);
        }
        ok
    });
}

#[test]
fn a_stream_ends_when_its_session_does() {
    let _g = pty_lock();
    let dir = tempfile::tempdir().unwrap();
    let staff = [("mona", "manager", "mona manager pw"), ("dora", "desk", "dora desk password")];
    let site = running_with(dir.path(), "simulator", &staff, |t| t);
    let mona = token(site.port, "mona", "mona manager pw");

    // Logout.
    let dora = token(site.port, "dora", "dora desk password");
    let (st, h, mut stream) = head(site.port, &get("/api/events", &dora));
    assert_eq!(st, 200, "{h}");
    let (st, _, body) = http_raw(site.port, post("/api/logout", &dora, "").as_bytes());
    assert_eq!(st, 204, "{body}");
    assert!(ends_within(&mut stream, Duration::from_secs(2)), "the stream outlived its logout");

    // A password set by a manager.
    let dora = token(site.port, "dora", "dora desk password");
    let (_, _, mut stream) = head(site.port, &get("/api/events", &dora));
    let (st, _, body) = http_raw(
        site.port,
        post("/api/staff/dora/password", &mona, r#"{"password":"a new desk password"}"#).as_bytes(),
    );
    assert!(st == 200 || st == 204, "{st} {body}");
    assert!(ends_within(&mut stream, Duration::from_secs(2)), "the stream outlived the new password");

    // A disabled account.
    let dora = token(site.port, "dora", "a new desk password");
    let (_, _, mut stream) = head(site.port, &get("/api/events", &dora));
    let (st, _, body) = http_raw(site.port, post("/api/staff/dora/disable", &mona, "").as_bytes());
    assert_eq!(st, 200, "{body}");
    assert!(ends_within(&mut stream, Duration::from_secs(2)), "a disabled account's stream went on");

    // A stream whose session goes on is not ended by others' changes.
    let (_, _, mut stream) = head(site.port, &get("/api/events", &mona));
    let (st, _, _) = http_raw(site.port, post("/api/rooms/101/checkin", &mona, r#"{"name":"Smith"}"#).as_bytes());
    assert_eq!(st, 201);
    assert!(!ends_within(&mut stream, Duration::from_secs(1)), "a live session's stream ended");
}

/// A connection to the service from `from` (another loopback address than the tests').
fn connect_from(from: Ipv4Addr, port: u16) -> std::io::Result<socket2::Socket> {
    let s = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None)?;
    s.bind(&SocketAddr::from((from, 0)).into())?;
    s.connect(&SocketAddr::from((Ipv4Addr::LOCALHOST, port)).into())?;
    Ok(s)
}

#[test]
fn one_address_cannot_take_the_whole_pool() {
    let _g = pty_lock();
    let dir = tempfile::tempdir().unwrap();
    let site = running_with(dir.path(), "simulator", &[], |t| t);
    let attacker = Ipv4Addr::new(127, 0, 0, 2);
    // 300 idle connections and 300 half-sent requests from one address.
    let mut held = Vec::new();
    for i in 0..600 {
        let Ok(mut s) = connect_from(attacker, site.port) else { continue };
        if i % 2 == 1 {
            let _ = s.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ");
        }
        held.push(s);
    }
    assert!(held.len() > 300, "the test itself could open only {} connections", held.len());
    let started = Instant::now();
    let (st, _, body) = http_raw(site.port, b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    let took = started.elapsed();
    assert_eq!(st, 200, "{body}");
    assert!(took < Duration::from_secs(1), "/health took {took:?} while one address held {} connections", held.len());
}

#[test]
fn errors_before_the_application_say_what_went_wrong_in_json() {
    let _g = pty_lock();
    let dir = tempfile::tempdir().unwrap();
    let site = running_with(dir.path(), "simulator", &[], |t| t);
    let long_path = format!("GET /{} HTTP/1.1\r\nHost: x\r\n\r\n", "a".repeat(70_000));
    let many_headers =
        format!("GET / HTTP/1.1\r\nHost: x\r\n{}\r\n", (0..200).map(|i| format!("X-{i}: y\r\n")).collect::<String>());
    let bad_length = "POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n".to_string();
    let mut tls_hello = vec![0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03];
    tls_hello.extend([0u8; 40]);
    for (request, want, says) in [
        (long_path.into_bytes(), 414, "path"),
        (many_headers.into_bytes(), 431, "headers"),
        (bad_length.into_bytes(), 400, "HTTP"),
        (tls_hello, 400, "TLS"),
    ] {
        let (st, h, body) = http_raw(site.port, &request);
        assert_eq!(st, want, "{h}\n{body}");
        assert!(h.to_ascii_lowercase().contains("content-type: application/json"), "{h}");
        assert!(error_of(&body).contains(says), "{want}: {body}");
    }
}

#[test]
fn printouts_cookies_echoes_and_announced_bodies() {
    let _g = pty_lock();
    let dir = tempfile::tempdir().unwrap();
    let staff = [("mona", "manager", "mona manager pw")];
    let site =
        running_with(dir.path(), "simulator", &staff, |t| t.replace("[api]\n", "[api]\nsecure_cookies = true\n"));
    let tok = token(site.port, "mona", "mona manager pw");
    let port = site.port;

    // Every HTML answer carries the console's safety headers.
    let (st, _, _) = http_raw(port, post("/api/rooms/101/checkin", &tok, r#"{"name":"Smith"}"#).as_bytes());
    assert_eq!(st, 201);
    for path in ["/api/rooms/101/folio/print", "/"] {
        let (st, h, _) = http_raw(port, get(path, &tok).as_bytes());
        assert_eq!(st, 200, "{path}: {h}");
        let h = h.to_ascii_lowercase();
        for want in [
            "content-security-policy:",
            "frame-ancestors 'none'",
            "x-frame-options: deny",
            "x-content-type-options: nosniff",
        ] {
            assert!(h.contains(want), "{path} lacks {want}: {h}");
        }
    }

    // The console's cookie is Secure when a TLS proxy is in front.
    let body = r#"{"login":"mona","password":"mona manager pw"}"#;
    let (st, h, _) = http_raw(
        port,
        format!("POST /api/session HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}", body.len()).as_bytes(),
    );
    assert_eq!(st, 200, "{h}");
    let cookie = h.lines().find(|l| l.to_ascii_lowercase().starts_with("set-cookie:")).unwrap_or_default();
    assert!(cookie.contains("; Secure") && cookie.contains("HttpOnly"), "{cookie}");

    // A value sent back in an error is cut at 64 characters.
    let long = "9".repeat(10_000);
    let (st, _, body) =
        http_raw(port, post("/api/wakeups", &tok, &format!(r#"{{"room": "{long}", "time": "07:00"}}"#)).as_bytes());
    assert!((400..500).contains(&st), "{st} {body}");
    let msg = error_of(&body);
    assert!(msg.chars().count() < 200 && !msg.contains(&"9".repeat(65)), "{msg}");
    assert!(msg.contains(&format!("{}…", "9".repeat(64))), "the cut is shown: {msg}");

    // A body announced above api.max_body is refused at once, not after the request timeout.
    let started = Instant::now();
    let (st, _, body) = http_raw(
        port,
        format!("POST /api/rooms/101/checkin HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {tok}\r\nContent-Type: application/json\r\nContent-Length: 10000000\r\n\r\n{{").as_bytes(),
    );
    assert_eq!(st, 413, "{body}");
    assert!(error_of(&body).contains("api.max_body"), "{body}");
    assert!(started.elapsed() < Duration::from_secs(5), "413 after {:?}", started.elapsed());
}

/// A weekday in another script in tariffs.toml: refused with the key named at start (exit 1,
/// no panic), on `tariff reload` and on SIGHUP, the tariff in use kept and SIGHUP still heard.
#[test]
fn a_foreign_weekday_in_the_tariff_is_refused_everywhere_and_sighup_lives_on() {
    let _g = pty_lock();
    let dir = tempfile::tempdir().unwrap();
    let example = include_str!("../../tariffs.example.toml");
    let file = dir.path().join("tariffs.toml");
    std::fs::write(&file, example).unwrap();
    let staff = [("mona", "manager", "mona manager pw")];
    let site = running_with(dir.path(), "simulator", &staff, |t| t);
    let version = || {
        let (ok, out, err) = crate::fixtures::cli(&site.config, &["tariff", "show", "--json"]);
        assert!(ok, "{out}{err}");
        serde_json::from_str::<Value>(&out).unwrap()["version"].as_str().unwrap().to_string()
    };
    let first = version();
    let foreign = example.replace(r#"days = ["sat", "sun"]"#, r#"days = ["土曜日", "sun"]"#);
    assert_ne!(foreign, example);
    std::fs::write(&file, &foreign).unwrap();
    let (ok, out, err) = crate::fixtures::cli(&site.config, &["tariff", "reload"]);
    assert!(!ok && err.contains("days") && err.contains("土曜日"), "{out}{err}");
    let pid = site._serve.child.id() as i32;
    // SAFETY: kill(2) on our own child's pid.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGHUP) }, 0);
    crate::fixtures::wait_healthy(site.port);
    assert_eq!(version(), first, "the tariff in use stays");
    // A later SIGHUP with a good file is still heard.
    std::fs::write(&file, example.replace("per_unit = 120", "per_unit = 240")).unwrap();
    assert_eq!(unsafe { libc::kill(pid, libc::SIGHUP) }, 0);
    crate::fixtures::eventually_blocking(Duration::from_secs(20), "the SIGHUP reload", || version() != first);
    drop(site);

    // At start: a clear error naming the key, exit 1, no backtrace.
    std::fs::write(&file, &foreign).unwrap();
    let out = std::process::Command::new(crate::fixtures::bin())
        .args(["--config", dir.path().join("hotel.toml").to_str().unwrap(), "serve"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("band[1].period[2].days") && !err.contains("panicked"), "{err}");
}
