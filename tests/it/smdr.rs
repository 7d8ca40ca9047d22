//! Call records from an SMDR stream (`[pbx] smdr_port`): the real service binary listens for
//! the PBX's stream over TCP; a guest's call is priced by the tariff and posted to the room,
//! once even if the line comes twice; a call coming in on a trunk, one from a back-office
//! extension and a line that is not SMDR are left out.

use std::io::Write;
use std::time::Duration;

use chrono::{Datelike, Timelike};
use serde_json::Value;

use crate::fixtures::{cli, eventually_blocking, free_port, pty_lock, running_with};

/// One SMDR line in the notes' layout (Mitel, default widths).
fn line(day: (u32, u32), time: (u32, u32), secs: u32, caller: &str, dialled: &str) -> String {
    let (h, m) = time;
    let (h12, p) = if h >= 12 { (if h == 12 { 12 } else { h - 12 }, 'P') } else { (if h == 0 { 12 } else { h }, ' ') };
    let dur = format!("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60);
    format!(
        " {:02}/{:02} {h12:>2}:{m:02}{p} {dur} {caller:<4}  {:<4}{dialled:<26}  {:<4}{:15}\r\n",
        day.0, day.1, "9", "T074", ""
    )
}

#[test]
fn smdr_call_records_are_priced_onto_the_room() {
    let _g = pty_lock();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("tariffs.toml"), include_str!("../../tariffs.example.toml")).unwrap();
    let smdr = free_port();
    let site = running_with(dir.path(), "simulator", &[("mgr", "manager", "manager pw")], |t| {
        // A Mitel, whose calls come as SMDR (the built-in simulated PBX speaks Mitel too).
        t.replace("[pbx]\n", "[pbx]\nprotocol = \"mitel\"\n")
            .replace("[api]\n", &format!("smdr_port = \"tcp-listen://127.0.0.1:{smdr}\"\n[api]\n"))
    });
    let config = site.config.clone();
    for room in ["102", "103"] {
        let (ok, _, err) = cli(&config, &["checkin", room, "--name", "Caller"]);
        assert!(ok, "{err}");
    }

    // The PBX connects and sends its lines: a minute from now on the hotel's clock (after the
    // check-in, so the call is the stay's).
    #[allow(clippy::disallowed_methods)] // the service under test runs on the real clock
    let at = chrono::Utc::now().with_timezone(&chrono_tz::Europe::Zurich) + chrono::Duration::minutes(1);
    let (day, time) = ((at.month(), at.day()), (at.hour(), at.minute()));
    let guest = line(day, time, 95, "102", "0041442221111");
    let mut text = guest.clone();
    text += &line(day, time, 30, "T402", "601");
    text += &line(day, time, 30, "999", "0041442221111");
    text += "this is not SMDR\r\n";
    text += &guest;
    // Last, another room's call: once it is in, every line before it has been read.
    text += &line(day, time, 10, "103", "0041442221111");
    let mut stream = None;
    eventually_blocking(Duration::from_secs(30), "the SMDR port to listen", || {
        stream = std::net::TcpStream::connect(("127.0.0.1", smdr)).ok();
        stream.is_some()
    });
    stream.unwrap().write_all(text.as_bytes()).unwrap();

    let calls = || -> Vec<Value> {
        let (_, out, _) = cli(&config, &["calls", "--json"]);
        serde_json::from_str::<Value>(&out).ok().and_then(|v| v.as_array().cloned()).unwrap_or_default()
    };
    eventually_blocking(Duration::from_secs(30), "the last line's call recorded", || {
        calls().iter().any(|c| c["room"] == "103")
    });
    let c: Vec<Value> = calls().into_iter().filter(|c| c["room"] != "103").collect();
    assert_eq!(c.len(), 1, "one call besides 103's: the guest's, once: {c:?}");
    assert_eq!((c[0]["room"].as_str(), c[0]["duration_s"].as_i64()), (Some("102"), Some(95)));
    assert_eq!(c[0]["dialled"].as_str(), Some("0041442221111"));
    // The national band, two started minutes: 40 Rappen each, or 20 in the evening and weekends.
    assert_eq!(c[0]["band"].as_str(), Some("national"), "{c:?}");
    assert!([Some(80), Some(40)].contains(&c[0]["amount_minor"].as_i64()), "{c:?}");
}
