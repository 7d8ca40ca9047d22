//! Memory of the service binary itself: one process holding 2,000 rooms, 100,000 pending
//! wake-up calls and 100,000 messages, serving the API. The store is seeded with SQL (copying
//! rows the API made, so they are exactly what the service writes), then the service is
//! started on it and asked for the heavy lists; its peak RSS (VmHWM) is read from /proc.
//! Goal (issue 15): at or below 30 MiB.
//!
//! Run: `cargo bench --bench memory` (`-- --wakeups N --messages N` for other sizes).

use std::time::{Duration, Instant};

use serde_json::{json, Value};

mod service;

const ROOMS: usize = 2000;

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn kib(pid: u32, key: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with(key)).map(str::to_string))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        .unwrap_or(0)
}

fn post(base: &str, token: &str, path: &str, body: Value) -> Value {
    let mut r =
        ureq::post(format!("{base}{path}")).header("Authorization", format!("Bearer {token}")).send_json(body).unwrap();
    serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap()
}

fn get(base: &str, token: &str, path: &str) -> usize {
    let mut r = ureq::get(format!("{base}{path}")).header("Authorization", format!("Bearer {token}")).call().unwrap();
    r.body_mut().with_config().limit(512 * 1024 * 1024).read_to_string().unwrap().len()
}

fn main() {
    let wakeups = arg("--wakeups", 100_000);
    let messages = arg("--messages", 100_000);
    let dir = tempfile::tempdir().unwrap();
    let (config, port) = service::hotel(dir.path(), "Memory Hotel", ROOMS, "", "");
    // One of each row through the API, as templates.
    {
        let svc = service::serve(&config, port);
        let (base, token) = (svc.base.clone(), service::login(&svc.base));
        post(&base, &token, "/api/rooms/10001/checkin", json!({"name": "Template Guest", "not_ready_ok": true}));
        post(&base, &token, "/api/wakeups", json!({"room": "10001", "time": "06:30", "daily": true}));
        post(
            &base,
            &token,
            "/api/messages",
            json!({"room": "10001", "text": "Please call the front desk about your booking"}),
        );
    }
    let db = dir.path().join("hotel.db");
    let t = Instant::now();
    {
        let mut c = rusqlite::Connection::open(&db).unwrap();
        let tx = c.transaction().unwrap();
        tx.execute_batch(&format!(
            "INSERT INTO stays(room, guest_name, first_name, language, class_of_service, reservation, checked_in_at, private, no_post)
               SELECT r.number, 'Guest ' || r.number, NULL, 'EN', 3, NULL, s.checked_in_at, 0, 0
               FROM rooms r, (SELECT checked_in_at FROM stays LIMIT 1) s WHERE r.number != '10001';
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {w})
             INSERT INTO wakeups(stay, room, rule, status, next_due, next_local, occurrence_due, source, created_by, created_at)
               SELECT st.id, st.room, w.rule, 'scheduled',
                      strftime('%Y-%m-%dT05:30:00Z', 'now', '+' || (1 + n.i / {rooms}) || ' days'),
                      strftime('%Y-%m-%dT06:30:00', 'now', '+' || (1 + n.i / {rooms}) || ' days'),
                      strftime('%Y-%m-%dT05:30:00Z', 'now', '+' || (1 + n.i / {rooms}) || ' days'),
                      'desk', w.created_by, w.created_at
               FROM n JOIN stays st ON st.id = 1 + (n.i % {rooms}), (SELECT * FROM wakeups LIMIT 1) w;
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {m})
             INSERT INTO messages(stay, room, status, text, caller, callback, taken_by, left_at, delivered_at, delivered_by)
               SELECT st.id, st.room, CASE WHEN n.i <= {rooms} THEN 'waiting' ELSE 'delivered' END,
                      m.text || ' #' || n.i, 'Caller ' || n.i, '+41 44 555 01 01', m.taken_by, m.left_at,
                      CASE WHEN n.i <= {rooms} THEN NULL ELSE m.left_at END, CASE WHEN n.i <= {rooms} THEN NULL ELSE 'mem' END
               FROM n JOIN stays st ON st.id = 1 + (n.i % {rooms}), (SELECT * FROM messages LIMIT 1) m;",
            w = wakeups.saturating_sub(1),
            m = messages.saturating_sub(1),
            rooms = ROOMS,
        ))
        .unwrap();
        tx.commit().unwrap();
    }
    let seeded = t.elapsed();
    let svc = service::serve(&config, port);
    let pid = svc.child.id();
    let (base, token) = (svc.base.clone(), service::login(&svc.base));
    let after_start = kib(pid, "VmHWM:");
    let mut bytes = 0;
    for _ in 0..3 {
        bytes += get(&base, &token, "/api/rooms");
        bytes += get(&base, &token, "/api/messages?undelivered=true");
        bytes += get(&base, &token, "/api/wakeups?room=10002&all=true");
        bytes += get(&base, &token, "/api/messages?room=10002");
        bytes += get(&base, &token, "/api/wakeups");
    }
    std::thread::sleep(Duration::from_secs(1));
    let peak = kib(pid, "VmHWM:");
    let now = kib(pid, "VmRSS:");
    println!("| memory: the service binary with {ROOMS} rooms, {wakeups} pending wake-ups, {messages} messages | |");
    println!("|---|---|");
    println!("| seeding the store by SQL | {:.1} s |", seeded.as_secs_f64());
    println!("| peak RSS after start-up | {:.1} MiB |", after_start as f64 / 1024.0);
    println!(
        "| peak RSS after serving the heavy lists ({:.1} MiB of JSON) | {:.1} MiB (goal <= 30) |",
        bytes as f64 / 1048576.0,
        peak as f64 / 1024.0
    );
    println!("| RSS now | {:.1} MiB |", now as f64 / 1024.0);
}
