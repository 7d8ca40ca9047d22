//! Wake-up benchmark: 100,000 pending calls over 2,000 rooms, then a burst of 1,000 calls due in
//! the same second, rung through the simulator over a pseudo-terminal paced like a 9600-baud
//! 8N1 line, the simulator answering at once. Prints: start-up load time, scheduling lateness
//! (due -> attempt written with its ring command), lateness to the WR on the wire, the burst's
//! wire utilisation against the 9600-baud bound, idle CPU between calls, peak RSS, and beside
//! ours the firing lateness of the same 1,000 one-shot jobs in tokio-cron-scheduler.
//!
//! Run: `cargo bench --bench wakeup_burst` (add `-- --pending N --burst N` for other sizes).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use fias::frame::encode_frame;
use fias::{Message, Wake};
use pbx_sim::SimOptions;
use switchboard::app::services::Services;
use switchboard::clock::{SharedClock, SystemClock};
use switchboard::config::Config;
use switchboard::domain::identity::Actor;
use switchboard::domain::wakeup::rule::{Repeat, Rule};
use switchboard::hotel::desk::CheckIn;
use switchboard::hotel::wakeup::scheduler::{Pbx, Scheduler};
use switchboard::links::pbx::serial::open_pty;
use switchboard::links::pbx::serial::DeviceConnector;
use switchboard::store::{rooms, Priority, Store, StoreError};

const BAUD: u32 = 9600;
const ROOMS: usize = 2000;

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn status_kib(key: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with(key)).map(str::to_string))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        .unwrap_or(0)
}

/// User + system CPU time of this process.
fn cpu_time() -> Duration {
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage fills the struct we pass.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
    let tv = |t: libc::timeval| Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64);
    tv(ru.ru_utime) + tv(ru.ru_stime)
}

fn percentiles(mut v: Vec<f64>) -> (f64, f64, f64) {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    if v.is_empty() {
        return (f64::NAN, f64::NAN, f64::NAN);
    }
    let at = |p: f64| v[((v.len() as f64 - 1.0) * p).round() as usize];
    (at(0.5), at(0.99), *v.last().unwrap())
}

fn config() -> Config {
    let text = format!(
        "[hotel]\nname = \"Bench\"\ntimezone = \"Europe/Zurich\"\n[rooms]\nnumbers = [\"1000-{}\"]\n\
         [pbx]\nresync_after = \"1h\"\n[wakeup]\nmax_concurrent = 1000\nring_timeout = \"5m\"\n",
        1000 + ROOMS - 1
    );
    Config::parse(&text).unwrap()
}

fn ts(t: DateTime<Utc>) -> String {
    switchboard::clock::timestamp(t)
}

/// Rooms checked in, `pending` calls far ahead, `burst` calls due at `due`.
async fn prepare(path: &std::path::Path, cfg: &Config, pending: usize, burst: usize, due: DateTime<Utc>) {
    let store = Arc::new(Store::open(path).unwrap());
    let rooms = cfg.rooms.clone();
    store.write(Priority::Normal, move |tx| rooms::sync_rooms(tx, &rooms)).await.unwrap();
    let clock: SharedClock = Arc::new(SystemClock);
    let desk = switchboard::hotel::desk::Desk::new(store.clone(), clock.clone(), chrono_tz::UTC, 3, Default::default());
    for r in &cfg.rooms {
        desk.check_in(&Actor::system(), r, CheckIn { name: format!("Guest {r}"), ..Default::default() }).await.unwrap();
    }
    let now = ts(clock.now());
    let cfg = cfg.clone();
    store
        .write(Priority::Normal, move |tx| {
            tx.execute("DELETE FROM outbox", [])?;
            let stays: HashMap<String, i64> = {
                let mut st = tx.prepare("SELECT room, id FROM stays WHERE checked_out_at IS NULL")?;
                let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?;
                rows
            };
            let mut ins = tx.prepare(
                "INSERT INTO wakeups(stay, room, rule, status, next_due, next_local, occurrence_due, source, created_by, created_at)
                 VALUES (?1, ?2, ?3, 'scheduled', ?4, ?5, ?4, 'desk', 'bench', ?6)",
            )?;
            let mut add = |i: usize, at: DateTime<Utc>| -> Result<(), StoreError> {
                let room = &cfg.rooms[i % cfg.rooms.len()];
                let local = at.with_timezone(&cfg.timezone).naive_local();
                let rule = Rule { time: local.time(), repeat: Repeat::Once { date: local.date() } };
                ins.execute(rusqlite::params![
                    stays[room],
                    room,
                    serde_json::to_string(&rule).unwrap(),
                    ts(at),
                    local.format("%Y-%m-%dT%H:%M:%S").to_string(),
                    now
                ])?;
                Ok(())
            };
            for i in 0..pending {
                // 50 calls per room, one a day from 10 days on, spread over the morning.
                let day = 10 + (i / cfg.rooms.len()) as i64;
                let at = due + chrono::Duration::days(day) + chrono::Duration::seconds((i % 7200) as i64);
                add(i, at)?;
            }
            for i in 0..burst {
                add(i, due)?;
            }
            Ok::<_, StoreError>(())
        }).await
        .unwrap();
}

async fn run(pending: usize, burst: usize) {
    let cfg = config();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bench.db");
    let clock: SharedClock = Arc::new(SystemClock);
    // Whole second, a few seconds ahead (after the preparation).
    let prep_start = Instant::now();
    let due_guess = clock.now() + chrono::Duration::seconds(3600);
    prepare(&path, &cfg, pending, 0, due_guess).await;
    let prep_time = prep_start.elapsed();

    // Start-up: open the store and find the next due call, as the scheduler does at start.
    let t = Instant::now();
    let store = Arc::new(Store::open(&path).unwrap());
    let (_stx, srx) = tokio::sync::watch::channel(switchboard::links::pbx::LinkStatus::default_down("bench"));
    let probe = Scheduler {
        pbx: Pbx::Up,
        store: store.clone(),
        clock: clock.clone(),
        tz: cfg.timezone,
        cfg: cfg.wakeup,
        link: srx,
        changed: Default::default(),
        inbox: Default::default(),
        wakeups: switchboard::hotel::wakeup::Wakeups::new(
            store.clone(),
            clock.clone(),
            cfg.timezone,
            Default::default(),
        ),
    };
    let next = probe.next_wake().await.unwrap();
    probe.step(clock.now()).await.unwrap();
    let load_time = t.elapsed();
    assert!(next.is_some());
    drop(probe);

    // The burst: due at the next whole second at least 6 s ahead.
    let now = clock.now();
    let due = DateTime::from_timestamp(now.timestamp() + 6, 0).unwrap();
    let due_instant = Instant::now() + (due - now).to_std().unwrap();
    store
        .write(Priority::Normal, move |tx| {
            let stays: Vec<(String, i64)> = {
                let mut st = tx.prepare("SELECT room, id FROM stays WHERE checked_out_at IS NULL ORDER BY room LIMIT ?1")?;
                let rows = st.query_map([burst as i64], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?;
                rows
            };
            for (room, stay) in stays {
                let local = due.with_timezone(&cfg.timezone).naive_local();
                let rule = Rule { time: local.time(), repeat: Repeat::Once { date: local.date() } };
                tx.execute(
                    "INSERT INTO wakeups(stay, room, rule, status, next_due, next_local, occurrence_due, source, created_by, created_at)
                     VALUES (?1, ?2, ?3, 'scheduled', ?4, ?5, ?4, 'desk', 'bench', ?4)",
                    rusqlite::params![stay, room, serde_json::to_string(&rule).unwrap(), ts(due), local.format("%Y-%m-%dT%H:%M:%S").to_string()],
                )?;
            }
            Ok::<_, StoreError>(())
        }).await
        .unwrap();

    let pty = open_pty().unwrap();
    let (sim_side, line) = pbx_sim::precise_line(pty.master, BAUD);
    let (sim, _task) = pbx_sim::spawn(sim_side, SimOptions::default());
    let services =
        Services::start(&cfg, store.clone(), clock.clone(), DeviceConnector::new(&pty.slave_path, cfg.pbx.clone()))
            .await
            .unwrap();
    let mut status = services.app.link.status.clone();
    status.wait_for(|s| s.link == "up").await.unwrap();

    // When each room's WR reached the PBX (after its wire time).
    let arrivals: Arc<Mutex<HashMap<String, Instant>>> = Arc::default();
    let mut rx = sim.subscribe();
    let arr = arrivals.clone();
    let watcher = tokio::spawn(async move {
        while rx.changed().await.is_ok() {
            let at = Instant::now();
            let st = rx.borrow_and_update().clone();
            let mut a = arr.lock().unwrap();
            for (room, r) in st.rooms {
                if r.rings > 0 {
                    a.entry(room).or_insert(at);
                }
            }
            if a.len() >= burst {
                return;
            }
        }
    });
    let (bytes_before, back_before) = (line.read(), line.written());
    let _ = tokio::time::timeout(Duration::from_secs(120 + burst as u64 / 10), watcher).await;
    let bytes_burst = line.read() - bytes_before;
    let bytes_back = line.written() - back_before;
    let arrivals = arrivals.lock().unwrap().clone();

    // Scheduling lateness: the attempt's time (ms) against the due second.
    let started: Vec<String> = store
        .read(move |c| {
            let mut st = c.prepare("SELECT started_at FROM wakeup_attempts WHERE occurrence_due = ?1")?;
            let rows = st.query_map([ts(due)], |r| r.get(0))?.collect::<Result<_, _>>()?;
            Ok::<_, StoreError>(rows)
        })
        .await
        .unwrap();
    let sched: Vec<f64> = started
        .iter()
        .filter_map(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| (t.with_timezone(&Utc) - due).num_microseconds().unwrap_or(0) as f64 / 1000.0)
        .collect();
    let wire: Vec<f64> =
        arrivals.values().map(|t| t.saturating_duration_since(due_instant).as_secs_f64() * 1000.0).collect();
    let last = arrivals.values().max().copied().unwrap_or(due_instant);
    // The bound: every WR frame plus one ACK byte, at 10 bits a byte.
    let at = due.with_timezone(&cfg.timezone).naive_local();
    let wr_bytes: usize = arrivals
        .keys()
        .map(|room| {
            let m = Message::WakeRequest(Wake { room: room.clone(), at });
            encode_frame(&m.to_record().encode().unwrap()).len() + 1
        })
        .sum();
    let bound = Duration::from_secs_f64(wr_bytes as f64 * 10.0 / BAUD as f64);
    let elapsed = last.saturating_duration_since(due_instant);
    // Full duplex: the busier direction is the real line bound. With every ring answered at
    // once, the PBX's ACK + WA per ring outweigh our WR + ACK.
    let line_bound = Duration::from_secs_f64(bytes_burst.max(bytes_back) as f64 * 10.0 / BAUD as f64);

    // Idle between calls: CPU used over 5 s with 100k calls pending.
    let cpu0 = cpu_time();
    tokio::time::sleep(Duration::from_secs(5)).await;
    let idle_cpu = (cpu_time() - cpu0).as_secs_f64() / 5.0 * 100.0;

    // The same 1,000 one-shot jobs in tokio-cron-scheduler.
    let tcs = tcs_lateness(burst).await;

    let (s50, s99, smax) = percentiles(sched);
    let (w50, w99, wmax) = percentiles(wire);
    let (t50, t99, tmax) = percentiles(tcs);
    println!("| measure | value |");
    println!("|---|---|");
    println!("| pending calls / rooms | {pending} / {ROOMS} |");
    println!("| store preparation (not part of start-up) | {:.1} s |", prep_time.as_secs_f64());
    println!("| start-up: open store + first due query + first step | {:.1} ms |", load_time.as_secs_f64() * 1000.0);
    println!("| burst rung (of {burst}) | {} |", arrivals.len());
    println!("| scheduling lateness p50 / p99 / max (target p99 < 5 ms) | {s50:.1} / {s99:.1} / {smax:.1} ms |");
    println!("| lateness to the WR on the wire p50 / p99 / max | {w50:.0} / {w99:.0} / {wmax:.0} ms |");
    println!("| bytes PMS->PBX / PBX->PMS during the burst | {bytes_burst} / {bytes_back} |");
    println!("| bound from our WR frames + one ACK each (9600 8N1) | {:.2} s |", bound.as_secs_f64());
    println!("| bound from the busier direction (full duplex line) | {:.2} s |", line_bound.as_secs_f64());
    println!("| burst on the wire (due -> last WR at the PBX) | {:.2} s |", elapsed.as_secs_f64());
    println!("| utilisation vs WR+ACK bound | {:.3} |", bound.as_secs_f64() / elapsed.as_secs_f64());
    println!(
        "| utilisation vs line bound (target >= 0.95) | {:.3} |",
        line_bound.as_secs_f64() / elapsed.as_secs_f64()
    );
    println!("| idle CPU between calls (5 s, {pending} pending) | {idle_cpu:.2} % |");
    println!("| tokio-cron-scheduler firing lateness p50 / p99 / max ({burst} one-shots) | {t50:.1} / {t99:.1} / {tmax:.1} ms |");
    println!("| peak RSS (whole process) | {} MiB |", status_kib("VmHWM:") / 1024);
    drop(pty.slave_hold);
}

async fn tcs_lateness(n: usize) -> Vec<f64> {
    use tokio_cron_scheduler::{Job, JobScheduler};
    let sched = JobScheduler::new().await.unwrap();
    let due = Instant::now() + Duration::from_secs(3);
    let fired: Arc<Mutex<Vec<f64>>> = Arc::default();
    for _ in 0..n {
        let f = fired.clone();
        let job = Job::new_one_shot_at_instant(due, move |_, _| {
            let now = Instant::now();
            // Signed: a job that fires early shows as negative lateness.
            let ms = if now >= due { (now - due).as_secs_f64() } else { -(due - now).as_secs_f64() } * 1000.0;
            f.lock().unwrap().push(ms);
        })
        .unwrap();
        sched.add(job).await.unwrap();
    }
    sched.start().await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while fired.lock().unwrap().len() < n && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let v = fired.lock().unwrap().clone();
    v
}

#[tokio::main]
async fn main() {
    let pending = arg("--pending", 100_000);
    let burst = arg("--burst", 1000).min(ROOMS);
    run(pending, burst).await;
}
