//! PBX drain benchmark: queue check-ins and check-outs, then drain them through the simulator
//! over a pseudo-terminal paced like a 9600-baud 8N1 line, and compare the drain time with the
//! wire-time bound (every frame's bytes plus one ACK byte each, 10 bits a byte). Also measures
//! FIAS record encode/decode rates.
//!
//! Run: `cargo bench --bench pbx_drain` (add `-- --ops N` for another number of desk operations).

use std::sync::Arc;
use std::time::{Duration, Instant};

use fias::frame::{encode_frame, Decoder, Token};
use fias::{Guest, Message, Record};
use pbx_sim::{precise_line, SimOptions};
use switchboard::clock::SystemClock;
use switchboard::config::Config;
use switchboard::domain::identity::Actor;
use switchboard::hotel::desk::{CheckIn, Desk, Signals};
use switchboard::links::pbx::link::{self, LinkCtx};
use switchboard::links::pbx::serial::open_pty;
use switchboard::links::pbx::serial::DeviceConnector;
use switchboard::store::{outbox, rooms, Priority, Store, StoreError};

const BAUD: u32 = 9600;

fn ops_arg() -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == "--ops").and_then(|i| args.get(i + 1)).and_then(|v| v.parse().ok()).unwrap_or(1000)
}

fn codec_rates() -> (f64, f64) {
    let msg = Message::GuestIn(Guest {
        room: "2781".into(),
        stay: Some("12345".into()),
        name: Some("Guest, Mr.".into()),
        first_name: Some("John".into()),
        language: Some("EN".into()),
        class_of_service: Some(3),
        ..Guest::default()
    });
    let n = 200_000;
    let t = Instant::now();
    let mut bytes = 0;
    for _ in 0..n {
        let frame = encode_frame(&msg.to_record().encode().unwrap());
        bytes += frame.len();
    }
    let enc = n as f64 / t.elapsed().as_secs_f64();
    std::hint::black_box(bytes);
    let frame = encode_frame(&msg.to_record().encode().unwrap());
    let mut stream = Vec::with_capacity(frame.len() * 1000);
    for _ in 0..1000 {
        stream.extend_from_slice(&frame);
    }
    let t = Instant::now();
    let mut decoded = 0;
    let mut tokens = Vec::new();
    for _ in 0..(n / 1000) {
        let mut d = Decoder::new();
        d.feed(&stream, &mut tokens);
        for tok in tokens.drain(..) {
            if let Token::Frame { data, lrc_ok: true } = tok {
                let rec = Record::parse(&data).unwrap();
                std::hint::black_box(Message::from_record(&rec).unwrap());
                decoded += 1;
            }
        }
    }
    let dec = decoded as f64 / t.elapsed().as_secs_f64();
    (enc, dec)
}

async fn drain(ops: usize) {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(&dir.path().join("bench.db")).unwrap());
    let room_names: Vec<String> = (0..ops).map(|i| format!("{}", 10_000 + i)).collect();
    let names = room_names.clone();
    store.write(Priority::Normal, move |tx| rooms::sync_rooms(tx, &names)).await.unwrap();
    let clock = Arc::new(SystemClock);
    let desk = Desk::new(store.clone(), clock.clone(), chrono_tz::UTC, 3, Signals::default());
    let (ins, outs) = room_names.split_at(ops / 2);
    // The rooms to check out are occupied already (and the PBX knew): clear their outbox rows.
    for r in outs {
        desk.check_in(&Actor::system(), r, CheckIn { name: format!("Leaving {r}"), ..Default::default() })
            .await
            .unwrap();
    }
    store
        .write(Priority::Normal, move |tx| {
            tx.execute("DELETE FROM outbox", []).map_err(switchboard::store::StoreError::from)
        })
        .await
        .unwrap();

    let t = Instant::now();
    for r in ins {
        desk.check_in(
            &Actor::system(),
            r,
            CheckIn { name: format!("Guest {r}"), language: Some("EN".into()), ..Default::default() },
        )
        .await
        .unwrap();
    }
    for r in outs {
        desk.check_out(&Actor::system(), r, false).await.unwrap();
    }
    let queue_time = t.elapsed();
    let queued_rows: u64 = store.read(outbox::pending).await.unwrap();

    let pty = open_pty().unwrap();
    // The simulator answers at once; the line between it and the pty is paced by OS threads
    // with precise sleeps (tokio's timer ticks in whole milliseconds, which would add up to a
    // millisecond per ACK and per frame that no real line has).
    let (sim_side, line) = precise_line(pty.master, BAUD);
    let (sim, _task) = pbx_sim::spawn(sim_side, SimOptions::default());
    let cfg = Config::parse(
        "[hotel]\nname = \"Bench\"\ntimezone = \"UTC\"\n[rooms]\nnumbers = [\"1\"]\n[pbx]\nresync_after = \"1h\"\n",
    )
    .unwrap();
    let ctx = LinkCtx {
        store: store.clone(),
        clock,
        timezone: chrono_tz::UTC,
        cfg: cfg.pbx.clone(),
        inbox: Default::default(),
        charges: Arc::new(switchboard::hotel::charges::Charges::new(None, Default::default(), chrono_tz::UTC)),
    };
    let (link, _t) = link::spawn(ctx, DeviceConnector::new(&pty.slave_path, cfg.pbx));
    let mut status = link.status.clone();
    status.wait_for(|s| s.link == "up").await.unwrap();
    let (read0, written0, frames0) = (line.read(), line.written(), link.status().frames_sent);
    let t = Instant::now();
    // Polled cheaply: counting the queue (a DISTINCT over every row) would hold the store from
    // the link and show up in its turnaround.
    let empty = async || {
        store
            .read(move |c| {
                Ok::<bool, StoreError>(c.query_row("SELECT NOT EXISTS (SELECT 1 FROM outbox)", [], |r| r.get(0))?)
            })
            .await
            .unwrap()
    };
    while !empty().await {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let drain_time = t.elapsed();
    let frames = link.status().frames_sent - frames0;
    let pms_bytes = line.read() - read0;
    let pbx_bytes = line.written() - written0;
    let bound = Duration::from_secs_f64((pms_bytes + frames) as f64 * 10.0 / BAUD as f64);
    let state = sim.state();
    let occupied = state.rooms.values().filter(|r| r.occupied).count();
    assert_eq!(occupied, ins.len(), "every check-in reached the simulator");
    drop(pty.slave_hold);

    println!("| measure | value |");
    println!("|---|---|");
    println!("| desk operations queued | {ops} ({} check-ins, {} check-outs) |", ins.len(), outs.len());
    println!("| outbox rows (room, attribute) | {queued_rows} |");
    println!(
        "| queueing time (committed, fsync) | {:.2} s ({:.0} ops/s) |",
        queue_time.as_secs_f64(),
        ops as f64 / queue_time.as_secs_f64()
    );
    println!("| frames sent during drain | {frames} |");
    println!("| bytes PMS->PBX / PBX->PMS | {pms_bytes} / {pbx_bytes} |");
    println!("| wire-time bound (9600 8N1) | {:.2} s |", bound.as_secs_f64());
    println!("| drain time | {:.2} s |", drain_time.as_secs_f64());
    println!(
        "| ratio bound / drain (target >= 0.85; issue 15: 0.95) | {:.3} |",
        bound.as_secs_f64() / drain_time.as_secs_f64()
    );
    let st = link.status();
    let per_frame = (drain_time.as_secs_f64() - bound.as_secs_f64()) / frames as f64 * 1000.0;
    println!("| time over the bound per frame | {per_frame:.2} ms |");
    println!(
        "| our side's turnaround (ACK read -> next frame written) p50 / p99 (goal p99 < 1.04 ms) | {} / {} us |",
        st.turnaround_p50_us.map_or("-".into(), |v| v.to_string()),
        st.turnaround_p99_us.map_or("-".into(), |v| v.to_string())
    );
}

#[tokio::main]
async fn main() {
    let ops = ops_arg();
    let (enc, dec) = codec_rates();
    println!("FIAS codec (GI record with framing):");
    println!("| measure | value |");
    println!("|---|---|");
    println!("| encode records/s | {enc:.0} |");
    println!("| decode records/s | {dec:.0} |");
    println!();
    println!("PBX drain through the simulator at {BAUD} baud:");
    drain(ops).await;
}
