//! Guest-message benchmark: 100,000 stored messages over 2,000 rooms. Prints the leave-message
//! throughput (each committed with its outbox rows and lamp), the p50/p99 latency of the night
//! round (every undelivered message) and of one room's list through the real HTTP API, and the
//! peak RSS.
//!
//! Run: `cargo bench --bench messages_load` (add `-- --messages N` for another size).

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Instant;

use switchboard::app::services::Services;
use switchboard::clock::{SharedClock, SystemClock};
use switchboard::config::Config;
use switchboard::domain::identity::{Actor, Role};
use switchboard::hotel::desk::CheckIn;
use switchboard::hotel::messages::NewMessage;
use switchboard::http::api;
use switchboard::links::pbx::link::Streams;
use switchboard::store::{Priority, Store, StoreError};

const ROOMS: usize = 2000;
/// Messages left waiting (one per room); the rest are delivered history of current stays.
const WAITING: usize = 2000;

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn peak_rss_mib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).map(str::to_string))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse::<u64>().ok()))
        .unwrap_or(0)
        / 1024
}

fn percentiles(mut v: Vec<f64>) -> (f64, f64) {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let at = |p: f64| v[((v.len() as f64 - 1.0) * p).round() as usize];
    (at(0.5), at(0.99))
}

fn timed_gets(url: &str, token: &str, n: usize, vary: impl Fn(usize) -> String) -> (f64, f64, usize) {
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let mut lat = Vec::with_capacity(n);
    let mut bytes = 0;
    for i in 0..n {
        let t = Instant::now();
        let mut r =
            agent.get(format!("{url}{}", vary(i))).header("Authorization", format!("Bearer {token}")).call().unwrap();
        assert_eq!(r.status(), 200);
        bytes = r.body_mut().read_to_string().unwrap().len();
        lat.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let (p50, p99) = percentiles(lat);
    (p50, p99, bytes)
}

async fn run(total: usize) {
    let text = format!(
        "[hotel]\nname = \"Bench\"\ntimezone = \"Europe/Zurich\"\n[rooms]\nnumbers = [\"1000-{}\"]\n",
        1000 + ROOMS - 1
    );
    let cfg = Config::parse(&text).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(&dir.path().join("bench.db")).unwrap());
    let clock: SharedClock = Arc::new(SystemClock);
    // No PBX: commands stay queued, as in an outage; the measure is the store and the API.
    let services =
        Services::start(&cfg, store.clone(), clock, Streams::<tokio::io::DuplexStream>(VecDeque::new(), "none".into()))
            .await
            .unwrap();
    let actor = Actor::system();
    for r in &cfg.rooms {
        services
            .app
            .desk
            .check_in(&actor, r, CheckIn { name: format!("Guest {r}"), ..Default::default() })
            .await
            .unwrap();
    }

    let t = Instant::now();
    for i in 0..total {
        let room = cfg.rooms[i % ROOMS].clone();
        let m = NewMessage {
            room,
            text: format!("Message {i}: please call back about the reservation for dinner.\nThanks"),
            from: Some("Caller".into()),
            callback: Some("+41 44 555 01 01".into()),
            pms_id: None,
        };
        services.app.messages.leave(&actor, &m).await.unwrap();
    }
    let leave_time = t.elapsed();
    // All but the newest message of each room were delivered long ago (history of the stays).
    store
        .write(Priority::Normal, move |tx| {
            tx.execute(
                "UPDATE messages SET status = 'delivered', delivered_at = left_at, delivered_by = 'bench'
                 WHERE id NOT IN (SELECT MAX(id) FROM messages GROUP BY room)",
                [],
            )
            .map_err(StoreError::from)
        })
        .await
        .unwrap();
    let waiting = services.app.messages.list(None, true).await.unwrap().len();

    services.app.staff.add(&actor, "bench", None, Role::Manager, "bench password").await.unwrap();
    let (token, _) = services.app.staff.login("bench", "bench password", None).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = api::router(services.app.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });
    let base = format!("http://{addr}/api/messages");
    let rooms = cfg.rooms.clone();
    let (round, room_list) = tokio::task::spawn_blocking(move || {
        let round = timed_gets(&base, &token, 200, |_| "?undelivered=true".into());
        let room = timed_gets(&base, &token, 1000, |i| format!("?room={}", rooms[(i * 7919) % ROOMS]));
        (round, room)
    })
    .await
    .unwrap();

    println!("| measure | value |");
    println!("|---|---|");
    println!("| messages stored / rooms | {total} / {ROOMS} |");
    println!(
        "| leave-message throughput (committed with outbox rows and lamp) | {:.0} /s ({:.1} s for {total}) |",
        total as f64 / leave_time.as_secs_f64(),
        leave_time.as_secs_f64()
    );
    println!("| night round: undelivered messages listed | {waiting} (expected {WAITING}) |");
    println!("| night round via HTTP p50 / p99 ({} KiB JSON) | {:.1} / {:.1} ms |", round.2 / 1024, round.0, round.1);
    println!(
        "| one room's list via HTTP p50 / p99 ({} messages) | {:.2} / {:.2} ms |",
        total / ROOMS,
        room_list.0,
        room_list.1
    );
    println!("| peak RSS (whole process) | {} MiB |", peak_rss_mib());
}

#[tokio::main]
async fn main() {
    let total = arg("--messages", 100_000);
    run(total).await;
}
