//! Call pricing and the ledger: 1,000,000 call records priced against a 5,000-prefix tariff
//! (records/s), and the rate at which priced calls are committed to the ledger with their PA.
//!
//! `cargo bench --bench charges [-- --records N --ledger N]`

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use switchboard::hotel::charges::{ledger, Charges, Tariff};
use switchboard::store::{Priority, Store};

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// A tariff of `n` bands with one prefix each ("00" + 4 digits), and a period on each.
fn big_tariff(n: usize) -> String {
    let mut t = String::from("currency = \"CHF\"\n");
    for i in 0..n {
        t += &format!(
            "[[band]]\nname = \"b{i}\"\nprefixes = [\"00{:04}\"]\nsetup = 10\nunit = \"60s\"\nper_unit = {}\nfree_under = \"5s\"\nsurcharge_percent = 10\n[[band.period]]\ndays = [\"sat\", \"sun\"]\nfrom = \"00:00\"\nto = \"23:59\"\nper_unit = 1\n",
            i * 2,
            1 + i % 300
        );
    }
    t
}

#[tokio::main]
async fn main() {
    let records = arg("--records", 1_000_000);
    let inserts = arg("--ledger", 20_000);
    let text = big_tariff(5_000);
    let t0 = Instant::now();
    let tariff = Tariff::parse(&text).unwrap();
    let parse_ms = t0.elapsed().as_secs_f64() * 1000.0;
    let start = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap().and_hms_opt(10, 0, 0).unwrap();
    let numbers: Vec<String> = (0..1000).map(|i| format!("00{:04}{:07}", (i * 7) % 10_000, i * 31)).collect();
    let t0 = Instant::now();
    let mut total = 0i64;
    for i in 0..records {
        let p = tariff.price(&numbers[i % numbers.len()], start, Duration::from_secs(30 + (i % 600) as u64));
        total = total.wrapping_add(p.amount_minor);
    }
    let price_s = t0.elapsed().as_secs_f64();

    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(&dir.path().join("bench.db")).unwrap());
    let charges = Arc::new(Charges::new(Some(tariff), Default::default(), chrono_tz::UTC));
    let now = chrono::DateTime::parse_from_rfc3339("2026-11-30T10:00:00Z").unwrap().with_timezone(&chrono::Utc);
    let t0 = Instant::now();
    for i in 0..inserts {
        let p = fias::Posting {
            room: "101".into(),
            number: Some(i.to_string()),
            kind: Some("T".into()),
            duration: Some("000135".into()),
            digits: Some(numbers[i % numbers.len()].clone()),
            at: Some(start),
            ..Default::default()
        };
        let c = charges.clone();
        store.write(Priority::Normal, move |tx| ledger::post(tx, now, &c, &p)).await.unwrap();
    }
    let insert_s = t0.elapsed().as_secs_f64();
    println!("| measure | value |\n|---|---|");
    println!("| tariff of 5,000 prefixes parsed | {parse_ms:.1} ms |");
    println!(
        "| calls priced | {records} in {price_s:.2} s: {:.0} records/s (checksum {total}) |",
        records as f64 / price_s
    );
    println!(
        "| ledger: calls committed one transaction each (fsync), with their PA | {inserts} in {insert_s:.2} s: {:.0} calls/s |",
        inserts as f64 / insert_s
    );
}
