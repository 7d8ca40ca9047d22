//! Directory search at hotel-group scale: 10,000 entries (Latin and Chinese), searched by
//! words, beginnings and Chinese phrases; prints a table.
//!
//! `cargo bench --bench directory_search [-- --entries N]`

use std::sync::Arc;
use std::time::Instant;

use switchboard::clock::SystemClock;
use switchboard::domain::identity::{Actor, Role};
use switchboard::hotel::directory::{Directory, NewDirEntry};
use switchboard::store::Store;

const SURNAMES: &[&str] = &["王", "李", "張", "劉", "陳", "楊", "黃", "趙", "吳", "周"];
const GIVEN: &[&str] = &["大明", "小華", "志強", "美玲", "建國", "淑芬", "家豪", "怡君"];
const TITLES: &[&str] =
    &["經理", "副理", "主任", "領班", "專員", "Manager", "Supervisor", "Assistant", "Director", "Clerk"];
const DEPTS: &[&str] =
    &["客房部", "餐飲部", "工程部", "保安部", "Front Office", "Sales", "Finance", "Spa", "Kitchen", "Events"];
const LATIN: &[&str] = &["Anna", "Peter", "Maria", "Jonas", "Lena", "Marco", "Sofia", "Lukas", "Elena", "David"];
const FAMILY: &[&str] =
    &["Müller", "Schmidt", "Rossi", "Dubois", "García", "Novak", "Meier", "Keller", "Weber", "Fischer"];

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args
        .iter()
        .position(|a| a == "--entries")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(&dir.path().join("bench.db")).unwrap());
    let d = Directory::new(store, Arc::new(SystemClock));
    let entries: Vec<NewDirEntry> = (0..n)
        .map(|i| {
            let chinese = i % 2 == 0;
            let name = if chinese {
                format!("{}{}", SURNAMES[i % SURNAMES.len()], GIVEN[(i / 10) % GIVEN.len()])
            } else {
                format!("{} {} {i}", LATIN[i % LATIN.len()], FAMILY[(i / 10) % FAMILY.len()])
            };
            NewDirEntry {
                kind: Some("staff".into()),
                name: Some(name),
                department: Some(DEPTS[(i / 3) % DEPTS.len()].into()),
                title: Some(TITLES[(i / 7) % TITLES.len()].into()),
                extension: Some(format!("{}", 2000 + i % 8000)),
                private: Some(i % 50 == 0),
                ..Default::default()
            }
        })
        .collect();
    let t = Instant::now();
    d.import(&Actor::system(), &entries).await.unwrap();
    let import_s = t.elapsed().as_secs_f64();
    let desk = Actor { id: 1, login: "desk".into(), display_name: "Desk".into(), role: Role::Desk };
    println!("| measure | value |\n|---|---|");
    println!("| entries | {n} |");
    println!("| import (one transaction, indexed) | {import_s:.2} s ({:.0} entries/s) |", n as f64 / import_s);
    for q in ["經理", "客房部", "王大", "mül", "front office", "peter 41", "nobody here"] {
        let mut times = Vec::new();
        let mut found = 0;
        for _ in 0..200 {
            let t = Instant::now();
            found = d.search(&desk, q).await.unwrap().len();
            times.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        times.sort_by(|a, b| a.partial_cmp(b).unwrap());
        println!(
            "| search {q:?} ({found} shown, at most 100) p50 / p99 | {:.2} / {:.2} ms |",
            percentile(&times, 0.5),
            percentile(&times, 0.99)
        );
    }
}
