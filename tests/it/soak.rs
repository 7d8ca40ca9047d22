//! A hotel day under fire (issue 15): the real service binary between the PBX simulator (over a
//! pseudo-terminal, in this process, so it outlives the service) and the PMS simulator (over TCP,
//! also here). The PMS checks guests in, out and across; the desk books wake-ups and leaves
//! messages over the HTTP API; guests book on the handset, housekeeping dials room status,
//! calls are posted. Meanwhile the PBX goes silent, the line garbles, ACKs get lost, the PBX
//! restarts, the store refuses writes for a while, and the service is SIGKILLed and restarted.
//!
//! The day is compressed by compressing its schedule, not the clock: everything runs in real
//! time, so every timer, socket and file is the real one. At the end, after a clean stop, the
//! invariants are checked on the store file and both simulators and reported one per line.
//!
//! Long: one scenario and its invariant report; split, a reader would have to hold the parts
//! together anyway.
//!
//! `cargo test --test it soak::a_short` runs the short day (part of `cargo test`); the long day:
//! `SOAK_ROOMS=500 SOAK_SECONDS=900 SOAK_WAKEUPS=300 SOAK_KILLS=24 cargo test --release --test it
//! soak::a_long -- --ignored --nocapture`.
// The tests hold the pty lock for their whole life on purpose (see link.rs).
#![allow(clippy::await_holding_lock)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Child;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Timelike;
use pbx_sim::{Command, Faults, RingBehaviour, SimOptions};
use pms_sim::{PmsKnob, PmsSimOptions};
use switchboard::cli::Client;
use switchboard::clock::{Clock, SystemClock};
use switchboard::http::contract::{route, Booking, NewMessage};
use tokio::task::block_in_place;

use crate::fixtures::{add_staff, bin, free_port, pty_lock, token, wait_healthy};

/// How big and how rough the day is.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    pub rooms: usize,
    /// Real seconds the busy part of the day takes.
    pub seconds: u64,
    pub wakeups: usize,
    pub kills: usize,
    pub seed: u64,
    /// What the PBX speaks (`SOAK_PROTOCOL=neax`: a NEC NEAX).
    pub protocol: pbx_sim::Protocol,
}

/// A small deterministic generator (xorshift), so a failing day can be replayed by its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

fn room_name(i: usize) -> String {
    format!("{}", 1001 + i)
}

const ATTEMPTS: u32 = 3;

fn config_text(plan: &Plan, pbx: &str, pms: &str, api: u16) -> String {
    format!(
        r#"
[hotel]
name = "Soak Hotel"
timezone = "Europe/Zurich"
[rooms]
numbers = ["1001-{last}"]
[pbx]
protocol = "{protocol}"
port = "{pbx}"
ack_timeout = "300ms"
reconnect_max = "500ms"
resync_after = "3s"
[wakeup]
attempts = {ATTEMPTS}
retry_interval = "4s"
ring_timeout = "3s"
late_grace = "20s"
max_concurrent = 50
[pms]
port = "{pms}"
reconnect_max = "300ms"
[api]
listen = "127.0.0.1:{api}"
[store]
path = "hotel.db"
"#,
        last = 1000 + plan.rooms,
        protocol = if plan.protocol == pbx_sim::Protocol::Neax { "neax" } else { "fias" },
    )
}

struct Service {
    config: PathBuf,
    child: Option<Child>,
    port: u16,
}

impl Service {
    fn start(&mut self) {
        let child = std::process::Command::new(bin())
            .args(["--config", self.config.to_str().unwrap(), "serve"])
            // SOAK_LOG=info (say) shows the service's log, for a day that fails.
            .env("RUST_LOG", std::env::var("SOAK_LOG").unwrap_or_else(|_| "error".into()))
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::inherit())
            .spawn()
            .unwrap();
        self.child = Some(child);
        block_in_place(|| wait_healthy(self.port));
    }

    fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            c.kill().unwrap(); // SIGKILL
            c.wait().unwrap();
        }
    }

    fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            // SAFETY: signalling our own child.
            unsafe { libc::kill(c.id() as i32, libc::SIGTERM) };
            c.wait().unwrap();
        }
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        self.kill();
    }
}

/// What the desk was told was done (2xx answers only).
#[derive(Default)]
struct Accepted {
    wakeups: BTreeSet<i64>,
    messages: BTreeSet<i64>,
}

/// One line of the report.
pub struct Check {
    pub name: &'static str,
    pub ok: bool,
    pub detail: String,
}

fn local_now() -> chrono::NaiveDateTime {
    SystemClock.now().with_timezone(&chrono_tz::Europe::Zurich).naive_local()
}

/// Runs the day and returns its report.
pub async fn hotel_day(plan: Plan) -> Vec<Check> {
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let rooms: Vec<String> = (0..plan.rooms).map(room_name).collect();
    let mut rng = Rng(plan.seed | 1);

    // The PBX, on a pty this process keeps.
    let pty = switchboard::links::pbx::serial::open_pty().unwrap();
    let stream = switchboard::links::pbx::serial::FdStream::new(pty.master).unwrap();
    // The PBX's clock keeps the hotel's time (a NEAX rings at its own clock's minute).
    let mut sim_opts =
        SimOptions { protocol: plan.protocol, timezone: Some(chrono_tz::Europe::Zurich), ..SimOptions::default() };
    sim_opts.timers.ack_timeout = Duration::from_millis(300);
    let (pbx, _pbx_task) = pbx_sim::spawn(stream, sim_opts);

    // The PMS, a TCP server as Opera's interface is.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let pms_port = format!("tcp://{}", listener.local_addr().unwrap());
    let pms = pms_sim::serve(PmsSimOptions { rooms: rooms.clone(), ..Default::default() });
    let accepting = Arc::new(AtomicBool::new(true));
    {
        let (s, a) = (pms.clone(), accepting.clone());
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                if a.load(Ordering::SeqCst) {
                    s.attach(stream);
                }
            }
        });
    }

    let api = free_port();
    let config = dir.path().join("hotel.toml");
    std::fs::write(&config, config_text(&plan, &pty.slave_path.display().to_string(), &pms_port, api)).unwrap();
    block_in_place(|| add_staff(&config, "desk1", "desk", "desk one pw"));
    let mut service = Service { config: config.clone(), child: None, port: api };
    service.start();
    let base = format!("http://127.0.0.1:{api}");
    let desk = Client::with_token(base, Some(block_in_place(|| token(api, "desk1", "desk one pw"))));
    pbx.wait_for(Duration::from_secs(30), |s| s.link_up).await.expect("PBX link up");
    pms.wait_for(Duration::from_secs(30), |v| v.link_up).await.expect("PMS link up");

    // Some rooms do not answer, some are busy.
    for r in &rooms {
        let behaviour = match rng.below(10) {
            0 => RingBehaviour::NoAnswer,
            1 => RingBehaviour::Busy,
            _ => RingBehaviour::Answer,
        };
        if behaviour != RingBehaviour::Answer {
            pbx.command(Command::SetRing { room: r.clone(), behaviour });
        }
    }

    let day = Duration::from_secs(plan.seconds);
    let end = Instant::now() + day;
    let kill_every = day / (plan.kills as u32 + 1);
    let mut next_kill = Instant::now() + kill_every;
    let fault_every = Duration::from_secs(7);
    let mut next_fault = Instant::now() + fault_every;
    let mut fault_round = 0u32;
    let mut accepted = Accepted::default();
    let mut reservations = 0u32;
    let mut kills = 0usize;
    let mut wakeups_left = plan.wakeups;
    let tick = Duration::from_millis(50);
    let steps = (day.as_millis() / tick.as_millis()).max(1) as usize;
    let wake_per_step = plan.wakeups as f64 / (steps as f64 * 0.6);
    let mut wake_credit = 0.0f64;
    let db = dir.path().join("hotel.db");
    let mut full_disk_until: Option<Instant> = None;

    for step in 0..steps {
        let now = Instant::now();
        if now >= end {
            break;
        }
        // Stays, from the PMS.
        let view = pms.view();
        if rng.chance(20) {
            let r = &rooms[rng.below(rooms.len())];
            match view.occupancy.get(r) {
                None => {
                    reservations += 1;
                    pms.knob(PmsKnob::CheckIn {
                        room: r.clone(),
                        reservation: format!("R{reservations}"),
                        name: format!("Guest {reservations}"),
                        first_name: None,
                        language: Some("EN".into()),
                        share: false,
                        vip: None,
                    });
                }
                Some(g) if rng.chance(20) => {
                    let to = &rooms[rng.below(rooms.len())];
                    if !view.occupancy.contains_key(to) {
                        pms.knob(PmsKnob::Move {
                            from: r.clone(),
                            to: to.clone(),
                            reservation: g[0].reservation.clone(),
                        });
                    }
                }
                Some(_) if rng.chance(30) => pms.knob(PmsKnob::CheckOut { room: r.clone(), reservation: None }),
                _ => {}
            }
        }
        // Wake-ups, clustered in the middle of the day ("06:00-08:00").
        let in_cluster = step > steps / 5 && step < steps * 4 / 5;
        if in_cluster && wakeups_left > 0 {
            wake_credit += wake_per_step;
            while wake_credit >= 1.0 && wakeups_left > 0 {
                wake_credit -= 1.0;
                wakeups_left -= 1;
                if let Some(r) = view.occupancy.keys().nth(rng.below(view.occupancy.len())) {
                    let at = local_now() + chrono::Duration::seconds(3 + rng.below(20) as i64);
                    let at = at.with_nanosecond(0).unwrap();
                    match rng.below(4) {
                        0 => pms.knob(PmsKnob::BookWakeup { room: r.clone(), at }),
                        1 => pbx.command(Command::HandsetWakeup { room: r.clone(), at }),
                        _ => {
                            let b = Booking {
                                room: r.clone(),
                                time: Some(at.format("%H:%M:%S").to_string()),
                                date: Some(at.format("%Y-%m-%d").to_string()),
                                ..Default::default()
                            };
                            if let Ok(w) = block_in_place(|| desk.call::<route::BookWakeup>(&[], &b)) {
                                accepted.wakeups.insert(w.id);
                            }
                        }
                    }
                }
            }
        }
        // Messages, room status, calls.
        if rng.chance(8) {
            if let Some(r) = view.occupancy.keys().nth(rng.below(view.occupancy.len())) {
                let m = NewMessage {
                    room: r.clone(),
                    text: format!("Please call the front desk ({step})"),
                    from: Some("Front desk".into()),
                    callback: None,
                    pms_id: None,
                };
                if let Ok(v) = block_in_place(|| desk.call::<route::LeaveMessage>(&[], &m)) {
                    accepted.messages.insert(v.id);
                }
            }
        }
        if rng.chance(5) {
            if let Some(id) = accepted.messages.iter().nth(rng.below(accepted.messages.len())) {
                let _ = block_in_place(|| desk.call::<route::DeliverMessage>(&[&id.to_string()], &()));
            }
        }
        if rng.chance(5) {
            let r = &rooms[rng.below(rooms.len())];
            pbx.command(Command::RoomStatus { room: r.clone(), status: 1 + rng.below(6) as u8 });
        }
        if rng.chance(4) {
            if let Some(r) = view.occupancy.keys().nth(rng.below(view.occupancy.len())) {
                pbx.command(Command::Posting(fias::Posting {
                    room: r.clone(),
                    number: Some(format!("{}", 10_000 + step)),
                    kind: Some("C".into()),
                    amount: Some(format!("{}", 50 + rng.below(500))),
                    at: Some(local_now().with_nanosecond(0).unwrap()),
                    ..Default::default()
                }));
            }
        }
        // Faults, one after another.
        if now >= next_fault {
            next_fault = now + fault_every;
            fault_round += 1;
            pbx.set_faults(Faults::default());
            match fault_round % 6 {
                1 => pbx.go_silent(Duration::from_secs(3)),
                2 => pbx.set_faults(Faults { nak_every: 3, ..Default::default() }),
                3 => pbx.set_faults(Faults { drop_ack_every: 4, noise_every: 5, ..Default::default() }),
                4 => pbx.command(Command::Restart),
                5 => {
                    full_disk(&db, true);
                    full_disk_until = Some(now + Duration::from_secs(3));
                }
                _ => {
                    accepting.store(false, Ordering::SeqCst);
                    pms.disconnect();
                }
            }
        }
        if fault_round.is_multiple_of(6) && now + Duration::from_secs(3) >= next_fault {
            accepting.store(true, Ordering::SeqCst);
        }
        if full_disk_until.is_some_and(|t| now >= t) {
            full_disk(&db, false);
            full_disk_until = None;
        }
        if now >= next_kill && kills < plan.kills {
            next_kill = now + kill_every;
            kills += 1;
            service.kill();
            service.start();
        }
        tokio::time::sleep(tick).await;
    }

    // Calm: no faults; let every booking run its course and both queues drain.
    pbx.set_faults(Faults::default());
    accepting.store(true, Ordering::SeqCst);
    if full_disk_until.is_some() {
        full_disk(&db, false);
    }
    // A NEAX takes at most two messages a second (0.5 s between messages) and says a room in
    // three or four: its queue may need about 2 s a room more to drain after the day.
    let per_room = if plan.protocol == pbx_sim::Protocol::Neax { 2 } else { 0 };
    let calm = Duration::from_secs(40 + 4 * u64::from(ATTEMPTS) * 2 + per_room * plan.rooms as u64);
    let deadline = Instant::now() + calm;
    loop {
        let settled = block_in_place(|| settled(&db));
        if settled || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let pbx_state = pbx.state();
    let pms_view = pms.view();
    service.stop();
    let mut report = invariants(&db, &pbx_state, plan.protocol, &pms_view, &accepted);
    if report.iter().any(|c| !c.ok) {
        // The store (audit, PBX events, outbox history) is the first thing to read after a failed day.
        let kept = dir.keep();
        eprintln!("a check failed: the day's files are kept in {}", kept.display());
    }
    report.insert(
        0,
        Check {
            name: "the day",
            ok: kills == plan.kills,
            detail: format!(
                "{} rooms, {} s busy + calm, {} reservations, {} wake-ups asked for, {} fault rounds, {kills} SIGKILLs, {:.0} s in all",
                plan.rooms,
                plan.seconds,
                reservations,
                plan.wakeups - wakeups_left,
                fault_round,
                started.elapsed().as_secs_f64()
            ),
        },
    );
    report
}

/// Makes the store refuse what the PBX reports (as a full disk would), or stops it.
fn full_disk(db: &Path, on: bool) {
    let c = rusqlite::Connection::open(db).unwrap();
    c.busy_timeout(Duration::from_secs(5)).unwrap();
    let sql = if on {
        "CREATE TRIGGER IF NOT EXISTS soak_full_disk BEFORE INSERT ON pbx_events
         BEGIN SELECT RAISE(FAIL, 'database or disk is full'); END;"
    } else {
        "DROP TRIGGER IF EXISTS soak_full_disk;"
    };
    c.execute_batch(sql).unwrap();
}

fn open(db: &Path) -> rusqlite::Connection {
    let c = rusqlite::Connection::open(db).unwrap();
    c.busy_timeout(Duration::from_secs(5)).unwrap();
    c
}

fn count(c: &rusqlite::Connection, sql: &str) -> i64 {
    c.query_row(sql, [], |r| r.get(0)).unwrap()
}

/// Nothing queued either way and no booking still running.
fn settled(db: &Path) -> bool {
    let c = open(db);
    count(&c, "SELECT COUNT(*) FROM outbox") == 0
        && count(&c, "SELECT COUNT(*) FROM pms_outbox") == 0
        && count(&c, "SELECT COUNT(*) FROM wakeups WHERE status IN ('scheduled', 'ringing', 'retrying')") == 0
        && count(&c, "SELECT COUNT(*) FROM pbx_events WHERE pending = 1") == 0
}

fn check(name: &'static str, problems: Vec<String>, fine: String) -> Check {
    let ok = problems.is_empty();
    let detail = if ok { fine } else { format!("{} problem(s): {}", problems.len(), problems.join("; ")) };
    Check { name, ok, detail }
}

fn invariants(
    db: &Path,
    pbx: &pbx_sim::SimState,
    protocol: pbx_sim::Protocol,
    pms: &pms_sim::PmsView,
    accepted: &Accepted,
) -> Vec<Check> {
    let c = open(db);
    let mut out = Vec::new();
    // The store's rooms.
    let mut st = c
        .prepare(
            "SELECT r.number, s.id IS NOT NULL, s.guest_name, r.class_of_service, r.message_lamp, r.dnd, s.reservation,
               s.first_name
             FROM rooms r LEFT JOIN stays s ON s.room = r.number AND s.checked_out_at IS NULL WHERE r.in_config = 1",
        )
        .unwrap();
    type Row = (String, bool, Option<String>, u8, bool, bool, Option<String>);
    let mut firsts = BTreeMap::new();
    let rows: Vec<Row> = st
        .query_map([], |r| {
            firsts.insert(r.get::<_, String>(0)?, r.get::<_, Option<String>>(7)?);
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let default = pbx_sim::RoomState::default();
    let mut problems = Vec::new();
    for (room, occupied, name, class, lamp, dnd, _) in &rows {
        let p = pbx.rooms.get(room).unwrap_or(&default);
        // A NEAX keeps the name as its 15 ASCII characters ("family given") and only "outside
        // calls or not" (class 0, or 3).
        let (name, class) = match protocol {
            pbx_sim::Protocol::Fias => (name.clone(), *class),
            pbx_sim::Protocol::Mitel => unreachable!("the day books wake-ups, which a Mitel does not ring"),
            pbx_sim::Protocol::Neax => {
                let whole =
                    [name.clone(), firsts.get(room).cloned().flatten()].into_iter().flatten().collect::<Vec<_>>();
                let wire = neax::message::name_for_wire(&whole.join(" "));
                ((!wire.is_empty() && *occupied).then_some(wire), if *class >= 1 { 3 } else { 0 })
            }
        };
        let want = (*occupied, name, class, *lamp, *dnd);
        let got = (p.occupied, p.guest_name.clone(), p.class_of_service, p.message_lamp, p.dnd);
        if want != got {
            problems.push(format!("room {room}: store {want:?} vs PBX {got:?}"));
        }
    }
    out.push(check("PBX equals store", problems, format!("{} rooms agree", rows.len())));

    let queued = (count(&c, "SELECT COUNT(*) FROM outbox"), count(&c, "SELECT COUNT(*) FROM pms_outbox"));
    let problems =
        if queued == (0, 0) { vec![] } else { vec![format!("PBX queue {}, PMS queue {}", queued.0, queued.1)] };
    out.push(check("every accepted change delivered", problems, "both queues empty".into()));

    let open_calls = count(&c, "SELECT COUNT(*) FROM wakeups WHERE status IN ('scheduled', 'ringing', 'retrying')");
    let ends: BTreeMap<String, i64> = {
        let mut st = c.prepare("SELECT status, COUNT(*) FROM wakeups GROUP BY status").unwrap();
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().collect::<Result<_, _>>().unwrap()
    };
    let problems = if open_calls == 0 { vec![] } else { vec![format!("{open_calls} booking(s) never ended")] };
    out.push(check("every wake-up ended", problems, format!("{ends:?}")));

    let late_rings = count(
        &c,
        "SELECT COUNT(*) FROM wakeup_attempts a JOIN wakeups w ON w.id = a.wakeup JOIN stays s ON s.id = w.stay
         WHERE s.checked_out_at IS NOT NULL AND a.started_at > s.checked_out_at
         AND (a.result IS NULL OR a.result NOT IN ('pbx_offline', 'missed', 'cancelled'))",
    );
    let vacant: u32 = pbx.rooms.values().map(|r| r.rings_vacant).sum();
    let problems = if late_rings == 0 { vec![] } else { vec![format!("{late_rings} ring(s) after a check-out")] };
    out.push(check(
        "no room rang after its check-out",
        problems,
        format!("0 rings started after a check-out; {vacant} ring(s) reached a line the PBX had as vacant"),
    ));

    let over = count(
        &c,
        &format!(
            "SELECT COUNT(*) FROM (SELECT wakeup, occurrence_due, COUNT(*) n FROM wakeup_attempts
             WHERE result IS NULL OR result NOT IN ('pbx_offline', 'missed') GROUP BY 1, 2 HAVING n > {ATTEMPTS})"
        ),
    );
    let attempts = count(
        &c,
        "SELECT COUNT(*) FROM wakeup_attempts WHERE result IS NULL OR result NOT IN ('pbx_offline', 'missed')",
    );
    let rings: u32 = pbx.rooms.values().map(|r| r.rings).sum();
    let problems =
        if over == 0 { vec![] } else { vec![format!("{over} occurrence(s) rang more than {ATTEMPTS} times")] };
    out.push(check(
        "no wake-up rang more than its policy allows",
        problems,
        format!("{attempts} ring attempt(s) recorded, the PBX counted {rings} ring(s)"),
    ));

    let mut problems = Vec::new();
    for id in &accepted.messages {
        if count(&c, &format!("SELECT COUNT(*) FROM messages WHERE id = {id}")) != 1 {
            problems.push(format!("message {id} lost"));
        }
    }
    for (room, occupied, _, _, lamp, _, _) in &rows {
        let waiting = count(&c, &format!("SELECT COUNT(*) FROM messages WHERE room = '{room}' AND status = 'waiting'"));
        let overridden =
            count(&c, &format!("SELECT COUNT(*) FROM rooms WHERE number = '{room}' AND lamp_override IS NOT NULL"));
        if overridden == 0 && *occupied && *lamp != (waiting > 0) {
            problems.push(format!("room {room}: lamp {lamp} with {waiting} waiting"));
        }
    }
    out.push(check(
        "no message lost, no lamp wrong",
        problems,
        format!("{} accepted message(s) all stored; every lamp matches its waiting messages", accepted.messages.len()),
    ));

    let mut problems = Vec::new();
    for id in &accepted.wakeups {
        if count(
            &c,
            &format!("SELECT COUNT(*) FROM audit WHERE action = 'wakeup_add' AND subject LIKE 'wake-up {id} %'"),
        ) == 0
        {
            problems.push(format!("wake-up {id} not audited"));
        }
    }
    for id in &accepted.messages {
        if count(&c, &format!("SELECT COUNT(*) FROM audit WHERE action = 'msg_leave' AND subject = 'message {id}'"))
            == 0
        {
            problems.push(format!("message {id} not audited"));
        }
    }
    let unaudited_stays = count(
        &c,
        "SELECT COUNT(*) FROM stays s WHERE NOT EXISTS (SELECT 1 FROM audit a WHERE a.stay = s.id AND a.action = 'checkin')",
    );
    if unaudited_stays > 0 {
        problems.push(format!("{unaudited_stays} stay(s) without a check-in in the audit trail"));
    }
    let audited = count(&c, "SELECT COUNT(*) FROM audit");
    out.push(check("the audit trail holds every change", problems, format!("{audited} audit rows")));

    let mut problems = Vec::new();
    for (room, _, _, _, _, _, reservation) in &rows {
        let pms_res = pms.occupancy.get(room).and_then(|g| g.first()).map(|g| g.reservation.clone());
        if pms_res != *reservation {
            problems.push(format!("room {room}: PMS {pms_res:?} vs store {reservation:?}"));
        }
    }
    out.push(check(
        "PMS equals store",
        problems,
        format!(
            "{} occupied rooms agree; {} wake-up result(s) and {} posting(s) reached the PMS",
            pms.occupancy.len(),
            pms.wake_results.len(),
            pms.postings.len()
        ),
    ));
    out
}

pub fn print(report: &[Check]) {
    for c in report {
        println!("{} {:<46} {}", if c.ok { "ok  " } else { "FAIL" }, c.name, c.detail);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_short_hotel_day_under_fire() {
    let _g = pty_lock();
    let protocol = protocol_from_env();
    let report = hotel_day(Plan { rooms: 40, seconds: 45, wakeups: 40, kills: 2, seed: 20261129, protocol }).await;
    print(&report);
    let failed: Vec<String> = report.iter().filter(|c| !c.ok).map(|c| format!("{}: {}", c.name, c.detail)).collect();
    assert!(failed.is_empty(), "{failed:#?}");
}

/// `SOAK_PROTOCOL=neax`: the day with a NEC NEAX for a PBX (FIAS otherwise).
fn protocol_from_env() -> pbx_sim::Protocol {
    match std::env::var("SOAK_PROTOCOL").as_deref() {
        Ok("neax") => pbx_sim::Protocol::Neax,
        _ => pbx_sim::Protocol::Fias,
    }
}

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "the long day: minutes; run it by hand (see the module docs)"]
async fn a_long_hotel_day_under_fire() {
    let _g = pty_lock();
    let plan = Plan {
        rooms: env("SOAK_ROOMS", 500) as usize,
        seconds: env("SOAK_SECONDS", 900),
        wakeups: env("SOAK_WAKEUPS", 300) as usize,
        kills: env("SOAK_KILLS", 24) as usize,
        seed: env("SOAK_SEED", 1),
        protocol: protocol_from_env(),
    };
    let report = hotel_day(plan).await;
    print(&report);
    assert!(report.iter().all(|c| c.ok));
}
