//! API load from a second process: the release service binary on a temporary hotel (2,000 rooms,
//! built-in simulated PBX) and 50 concurrent clients on loopback doing what a busy front office
//! does: check-ins and check-outs, wake-up bookings, messages, room reads. Meanwhile a stream of
//! wake-ups keeps falling due, and their scheduling lateness is read from the store afterwards
//! (attempt written vs due second), beside the same figure with the API idle. Then stays alone:
//! clients checking in and out in turn, and check-ins alone (waves: every client checks into all
//! its rooms, then all check out, timed apart). For scale, the
//! run also measures raw SQLite single-row committed transactions per second (WAL, synchronous
//! FULL, as the store runs) on the same disk.
//!
//! Run: `cargo bench --bench api_load` (`-- --clients N --seconds S` for other sizes).

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

mod service;

use service::Service;

const ROOMS: usize = 2000;

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn percentile(v: &mut [f64], p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

/// The service for the load, with its base URL and a manager's token.
fn start(dir: &Path) -> (Service, String, String) {
    let (config, port) = service::hotel(
        dir,
        "Load Hotel",
        ROOMS,
        "[wakeup]\nmax_concurrent = 200",
        "max_connections = 512\nmax_connections_per_address = 512",
    );
    let svc = service::serve(&config, port);
    let (base, token) = (svc.base.clone(), service::login(&svc.base));
    (svc, base, token)
}

/// Changes the service answered as done (2xx), by kind, whoever asked: checked against the
/// store at the end (zero lost changes).
static ACCEPTED_STAYS: AtomicU64 = AtomicU64::new(0);
static ACCEPTED_BOOKINGS: AtomicU64 = AtomicU64::new(0);
static ACCEPTED_MESSAGES: AtomicU64 = AtomicU64::new(0);

fn accepted(method: &str, url: &str) {
    if method != "POST" {
        return;
    }
    let counter = if url.ends_with("/checkin") {
        &ACCEPTED_STAYS
    } else if url.ends_with("/api/wakeups") {
        &ACCEPTED_BOOKINGS
    } else if url.ends_with("/api/messages") {
        &ACCEPTED_MESSAGES
    } else {
        return;
    };
    counter.fetch_add(1, Ordering::Relaxed);
}

#[derive(Default)]
struct Stats {
    latencies: Mutex<Vec<f64>>,
    errors: AtomicU64,
    check_ins: AtomicU64,
    ops: AtomicU64,
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder().http_status_as_error(false).build().into()
}

/// One request; its latency is recorded, and anything but the expected status is an error.
fn request(
    a: &ureq::Agent,
    s: &Stats,
    token: &str,
    method: &str,
    url: &str,
    body: Option<Value>,
    want: u16,
) -> Option<Value> {
    let auth = format!("Bearer {token}");
    let t = Instant::now();
    let res = match (method, body) {
        ("GET", _) => a.get(url).header("Authorization", &auth).call(),
        (_, Some(b)) => a.post(url).header("Authorization", &auth).send_json(b),
        (_, None) => a.post(url).header("Authorization", &auth).send_empty(),
    };
    let ms = t.elapsed().as_secs_f64() * 1000.0;
    s.latencies.lock().unwrap().push(ms);
    s.ops.fetch_add(1, Ordering::Relaxed);
    match res {
        Ok(mut r) if r.status().as_u16() == want => {
            accepted(method, url);
            let text = r.body_mut().read_to_string().unwrap_or_default();
            Some(serde_json::from_str(&text).unwrap_or(Value::Null))
        }
        Ok(mut r) => {
            let text = r.body_mut().read_to_string().unwrap_or_default();
            if s.errors.fetch_add(1, Ordering::Relaxed) < 5 {
                eprintln!("{method} {url}: {} {text}", r.status());
            }
            None
        }
        Err(e) => {
            s.errors.fetch_add(1, Ordering::Relaxed);
            eprintln!("{method} {url}: {e}");
            None
        }
    }
}

/// A front-office client working its own rooms until `until`; `stays_only`: nothing but
/// check-ins and check-outs.
fn client(id: usize, clients: usize, base: &str, token: &str, s: &Stats, until: Instant, stays_only: bool) {
    let a = agent();
    let rooms = rooms_of(id, clients);
    let mut occupied = vec![false; rooms.len()];
    let mut i = 0usize;
    while Instant::now() < until {
        let k = i % rooms.len();
        let room = &rooms[k];
        if !occupied[k] {
            let body = json!({"name": format!("Guest {id}-{i}"), "not_ready_ok": true});
            if request(&a, s, token, "POST", &format!("{base}/api/rooms/{room}/checkin"), Some(body), 201).is_some() {
                s.check_ins.fetch_add(1, Ordering::Relaxed);
                occupied[k] = true;
            }
        } else {
            match if stays_only { 3 } else { i % 4 } {
                0 => {
                    // A different minute each time: one stay never books the same call twice.
                    let body = json!({"room": room, "time": format!("{:02}:{:02}", (i / 60) % 24, i % 60)});
                    request(&a, s, token, "POST", &format!("{base}/api/wakeups"), Some(body), 201);
                }
                1 => {
                    let body = json!({"room": room, "text": "Please call the front desk", "from": "Desk"});
                    request(&a, s, token, "POST", &format!("{base}/api/messages"), Some(body), 201);
                }
                2 => {
                    request(&a, s, token, "GET", &format!("{base}/api/rooms/{room}"), None, 200);
                }
                _ => {
                    let body = json!({"discard_messages": true});
                    if request(&a, s, token, "POST", &format!("{base}/api/rooms/{room}/checkout"), Some(body), 200)
                        .is_some()
                    {
                        occupied[k] = false;
                    }
                }
            }
        }
        i += 1;
    }
    // Leave the rooms vacant for whatever runs next (not counted).
    let quiet = Stats::default();
    for (k, room) in rooms.iter().enumerate().filter(|(k, _)| occupied[*k]) {
        let body = json!({"discard_messages": true});
        let _ = k;
        request(&a, &quiet, token, "POST", &format!("{base}/api/rooms/{room}/checkout"), Some(body), 200);
    }
}

/// The rooms client `id` of `clients` works (the first 100 are the wake-up stream's).
fn rooms_of(id: usize, clients: usize) -> Vec<String> {
    let per = (ROOMS - 100) / clients;
    (0..per).map(|i| format!("{}", 10001 + 100 + id * per + i)).collect()
}

/// Check-ins alone: every client checks into all its rooms at once (a wave, timed from the
/// start to the last answer), then all check out (timed apart), `rounds` times. Returns the
/// check-ins and check-outs per second.
fn waves(base: &str, token: &str, clients: usize, rounds: usize, s: &Arc<Stats>) -> (f64, f64) {
    let barrier = Arc::new(std::sync::Barrier::new(clients));
    let times = Arc::new(Mutex::new((Duration::ZERO, Duration::ZERO, 0u64)));
    let threads: Vec<_> = (0..clients)
        .map(|id| {
            let (base, token, s, barrier, times) =
                (base.to_string(), token.to_string(), s.clone(), barrier.clone(), times.clone());
            std::thread::spawn(move || {
                let a = agent();
                let rooms = rooms_of(id, clients);
                for round in 0..rounds {
                    for check_in in [true, false] {
                        let leader = barrier.wait().is_leader();
                        let t = Instant::now();
                        for room in &rooms {
                            if check_in {
                                let body = json!({"name": format!("Wave {round}-{id}"), "not_ready_ok": true});
                                let url = format!("{base}/api/rooms/{room}/checkin");
                                request(&a, &s, &token, "POST", &url, Some(body), 201);
                            } else {
                                let url = format!("{base}/api/rooms/{room}/checkout");
                                request(&a, &s, &token, "POST", &url, Some(json!({})), 200);
                            }
                        }
                        // The wave lasts until its last client is done.
                        barrier.wait();
                        if leader {
                            let mut t2 = times.lock().unwrap();
                            if check_in {
                                t2.0 += t.elapsed();
                                t2.2 += (rooms.len() * clients) as u64;
                            } else {
                                t2.1 += t.elapsed();
                            }
                        }
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let (ins, outs, n) = *times.lock().unwrap();
    (n as f64 / ins.as_secs_f64(), n as f64 / outs.as_secs_f64())
}

/// Books one wake-up every `every` in the first 100 rooms, due `lead` later; returns how many.
fn wake_stream(base: &str, token: &str, until: Instant, every: Duration) -> usize {
    let a = agent();
    let s = Stats::default();
    let mut n = 0;
    while Instant::now() < until {
        let room = format!("{}", 10001 + n % 100);
        let tz: chrono_tz::Tz = "Europe/Zurich".parse().unwrap();
        #[allow(clippy::disallowed_methods)]
        let at = chrono::Utc::now().with_timezone(&tz).naive_local() + chrono::Duration::seconds(3);
        let body =
            json!({"room": room, "time": at.format("%H:%M:%S").to_string(), "date": at.format("%Y-%m-%d").to_string()});
        if request(&a, &s, token, "POST", &format!("{base}/api/wakeups"), Some(body), 201).is_some() {
            n += 1;
        }
        std::thread::sleep(every);
    }
    n
}

/// Scheduling lateness (ms) of the attempts whose due second is in [from, to].
fn lateness(db: &Path, from: &str, to: &str) -> Vec<f64> {
    let c = rusqlite::Connection::open(db).unwrap();
    let mut st = c
        .prepare("SELECT started_at, occurrence_due FROM wakeup_attempts WHERE occurrence_due BETWEEN ?1 AND ?2")
        .unwrap();
    st.query_map([from, to], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .unwrap()
        .filter_map(|r| r.ok())
        .filter_map(|(s, d)| {
            let s = chrono::DateTime::parse_from_rfc3339(&s).ok()?;
            let d = chrono::DateTime::parse_from_rfc3339(&d).ok()?;
            Some((s - d).num_microseconds()? as f64 / 1000.0)
        })
        .collect()
}

#[allow(clippy::disallowed_methods)]
fn utc_now() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Raw SQLite: single-row committed transactions per second, WAL and synchronous FULL.
fn raw_sqlite(dir: &Path, seconds: f64) -> f64 {
    let c = rusqlite::Connection::open(dir.join("raw.db")).unwrap();
    c.pragma_update(None, "journal_mode", "WAL").unwrap();
    c.pragma_update(None, "synchronous", "FULL").unwrap();
    c.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)").unwrap();
    let t = Instant::now();
    let mut n = 0u64;
    while t.elapsed().as_secs_f64() < seconds {
        c.execute("INSERT INTO t(v) VALUES (?1)", ["a guest name of typical length"]).unwrap();
        n += 1;
    }
    n as f64 / t.elapsed().as_secs_f64()
}

fn main() {
    let clients = arg("--clients", 50);
    let seconds = arg("--seconds", 20) as u64;
    let dir = tempfile::tempdir().unwrap();
    let (_service, base, token) = start(dir.path());
    let db = dir.path().join("hotel.db");
    // Rooms for the wake-up stream.
    let a = agent();
    let quiet = Stats::default();
    for i in 0..100 {
        let body = json!({"name": format!("Early Riser {i}"), "not_ready_ok": true});
        request(&a, &quiet, &token, "POST", &format!("{base}/api/rooms/{}/checkin", 10001 + i), Some(body), 201);
    }

    // Idle: wake-ups falling due with nothing else going on.
    let idle_from = utc_now();
    let idle_until = Instant::now() + Duration::from_secs(8);
    let idle_n = wake_stream(&base, &token, idle_until, Duration::from_millis(100));
    std::thread::sleep(Duration::from_secs(5));
    let mut idle = lateness(&db, &idle_from, &utc_now());

    // Loaded.
    let stats = Arc::new(Stats::default());
    let load_from = utc_now();
    let t0 = Instant::now();
    let until = t0 + Duration::from_secs(seconds);
    let mut threads = Vec::new();
    for id in 0..clients {
        let (b, tk, s) = (base.clone(), token.clone(), stats.clone());
        threads.push(std::thread::spawn(move || client(id, clients, &b, &tk, &s, until, false)));
    }
    let wake_n = {
        let (b, tk) = (base.clone(), token.clone());
        std::thread::spawn(move || wake_stream(&b, &tk, until - Duration::from_secs(4), Duration::from_millis(100)))
    };
    for t in threads {
        t.join().unwrap();
    }
    let elapsed = t0.elapsed().as_secs_f64();
    let load_n = wake_n.join().unwrap();
    std::thread::sleep(Duration::from_secs(5));
    let mut loaded = lateness(&db, &load_from, &utc_now());
    // Check-ins and check-outs only, for the comparison with raw commits.
    let stays = Arc::new(Stats::default());
    let t1 = Instant::now();
    let until = t1 + Duration::from_secs(8);
    let threads: Vec<_> = (0..clients)
        .map(|id| {
            let (b, tk, s) = (base.clone(), token.clone(), stays.clone());
            std::thread::spawn(move || client(id, clients, &b, &tk, &s, until, true))
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let stay_elapsed = t1.elapsed().as_secs_f64();
    // Check-ins alone, in waves.
    let wave_stats = Arc::new(Stats::default());
    let (wave_ins, wave_outs) = waves(&base, &token, clients, 5, &wave_stats);
    let raw = raw_sqlite(dir.path(), 3.0);

    // Zero lost changes: everything answered as done is in the store.
    let c = rusqlite::Connection::open(&db).unwrap();
    let count = |sql: &str| -> u64 { c.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap() as u64 };
    let stored = (
        count("SELECT COUNT(*) FROM stays"),
        count("SELECT COUNT(*) FROM wakeups"),
        count("SELECT COUNT(*) FROM messages"),
    );
    let told = (
        ACCEPTED_STAYS.load(Ordering::Relaxed),
        ACCEPTED_BOOKINGS.load(Ordering::Relaxed),
        ACCEPTED_MESSAGES.load(Ordering::Relaxed),
    );
    let mut lat = stats.latencies.lock().unwrap().clone();
    let ops = stats.ops.load(Ordering::Relaxed);
    let errors = stats.errors.load(Ordering::Relaxed);
    let check_ins = stays.check_ins.load(Ordering::Relaxed) as f64 / stay_elapsed;
    let stay_changes = stays.ops.load(Ordering::Relaxed) as f64 / stay_elapsed;
    let errors = errors + stays.errors.load(Ordering::Relaxed) + wave_stats.errors.load(Ordering::Relaxed);
    println!("| API load ({clients} clients, {seconds} s, {ROOMS} rooms) | |");
    println!("|---|---|");
    println!("| requests | {ops} in {elapsed:.1} s = {:.0}/s |", ops as f64 / elapsed);
    println!(
        "| latency p50 / p99 / max | {:.1} / {:.1} / {:.1} ms |",
        percentile(&mut lat, 0.5),
        percentile(&mut lat, 0.99),
        percentile(&mut lat, 1.0)
    );
    println!("| errors | {errors} |");
    println!(
        "| changes answered done vs in the store (stays, bookings, messages) | {told:?} vs {stored:?}: {} |",
        if told == stored { "none lost" } else { "MISMATCH" }
    );
    println!(
        "| mixed: check-ins / wake-ups / messages / reads / check-outs | {:.0} check-ins/s in the mix |",
        stats.check_ins.load(Ordering::Relaxed) as f64 / elapsed
    );
    println!("| stays only, each client checking in and out in turn: check-ins per second | {check_ins:.0}/s ({stay_changes:.0} stay changes/s) |");
    println!("| check-ins alone (5 waves of {clients} clients checking into all their rooms) | {wave_ins:.0}/s |");
    println!("| check-outs alone (the waves between) | {wave_outs:.0}/s |");
    println!("| raw SQLite single-row commits per second (WAL, synchronous FULL) | {raw:.0}/s |");
    println!(
        "| API check-ins vs raw commits (goal >= 0.5): alone / in turn with check-outs | {:.2} / {:.2} |",
        wave_ins / raw,
        check_ins / raw
    );
    println!(
        "| wake-up scheduling lateness, API idle: p50 / p99 / max ({} calls of {idle_n}) | {:.1} / {:.1} / {:.1} ms |",
        idle.len(),
        percentile(&mut idle, 0.5),
        percentile(&mut idle, 0.99),
        percentile(&mut idle, 1.0)
    );
    println!(
        "| wake-up scheduling lateness, under load: p50 / p99 / max ({} calls of {load_n}; goal p99 <= 2 ms) | {:.1} / {:.1} / {:.1} ms |",
        loaded.len(),
        percentile(&mut loaded, 0.5),
        percentile(&mut loaded, 0.99),
        percentile(&mut loaded, 1.0)
    );
}
