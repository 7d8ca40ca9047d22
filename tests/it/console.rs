//! The console in a real browser: headless Chromium driven over WebDriver (chromedriver)
//! against the real service and the standalone simulated PBX, as staff would use it. Every
//! step saves a screenshot under `target/console-screenshots/`.
//!
//! Needs `chromium` and `chromedriver` (Debian's `chromium`, `chromium-driver`; `.ci/run`
//! installs them). Outside CI, without them the test says so and passes; in CI it fails.
// The test holds the pty lock (the simulator's pseudo-terminal) for its whole life on purpose.
#![allow(clippy::await_holding_lock)]

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

use crate::fixtures::{free_port, pty_lock, running_with, spawn_pbx_sim};

const T: Duration = Duration::from_secs(30);

/// chromedriver, if this machine has it.
fn chromedriver() -> Option<PathBuf> {
    let from_env = std::env::var_os("CHROMEDRIVER").map(PathBuf::from);
    let candidates =
        from_env.into_iter().chain(["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"].map(PathBuf::from));
    candidates.into_iter().find(|p| p.exists())
}

struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_driver() -> Option<Driver> {
    let Some(path) = chromedriver() else {
        assert!(std::env::var_os("CI").is_none(), "CI must have chromedriver (.ci/run installs chromium-driver)");
        eprintln!("SKIPPED: no chromedriver on this machine (apt-get install chromium chromium-driver)");
        return None;
    };
    let port = free_port();
    let child = Command::new(path)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let url = format!("http://127.0.0.1:{port}");
    crate::fixtures::eventually_blocking(T, "chromedriver to answer", || {
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
    });
    Some(Driver { child, url })
}

async fn browser(driver: &Driver) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({"args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--window-size=1280,800",
            "--lang=en-US"]}),
    );
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&driver.url)
        .await
        .expect("a browser session")
}

/// Saves what the browser shows.
async fn shot(c: &Client, name: &str) {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("../console-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    let png = c.screenshot().await.unwrap();
    std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
}

/// Polls `js` (an expression) in the page until it is true.
async fn until(c: &Client, what: &str, js: &str) {
    let deadline = tokio::time::Instant::now() + T * 3;
    loop {
        let v = c.execute(&format!("try {{ return !!({js}); }} catch (e) {{ return false; }}"), vec![]).await.unwrap();
        if v == json!(true) {
            return;
        }
        if tokio::time::Instant::now() > deadline {
            let text = c.execute("return document.body.innerText;", vec![]).await.unwrap();
            panic!("timed out waiting for {what} ({js}); the page says:\n{}", text.as_str().unwrap_or(""));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn fill(c: &Client, css: &str, text: &str) {
    let e = c.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css}: {e}"));
    e.clear().await.unwrap();
    e.send_keys(text).await.unwrap();
}

/// Clicks what `css` finds, in one step (a live update may re-render the board at any moment).
async fn click(c: &Client, css: &str) {
    let found = c
        .execute("const e = document.querySelector(arguments[0]); if (e) e.click(); return !!e;", vec![json!(css)])
        .await
        .unwrap();
    assert_eq!(found, json!(true), "nothing to click at {css}");
}

async fn sign_in(c: &Client, base: &str, login: &str, password: &str) {
    c.goto(base).await.unwrap();
    until(c, "the sign-in form", "!document.querySelector('#signin').hidden").await;
    fill(c, "#signin-login", login).await;
    fill(c, "#signin-password", password).await;
    click(c, "#signin-submit").await;
    until(c, "the console", "!document.querySelector('#app').hidden && document.querySelectorAll('.tile').length > 0")
        .await;
}

/// The local time a minute ahead, as HH:MM: the booking rings within 5 to 65 seconds.
async fn soon(c: &Client) -> String {
    let v = c
        .execute("const d = new Date(Date.now() + 65000); return `${String(d.getHours()).padStart(2,'0')}:${String(d.getMinutes()).padStart(2,'0')}`;", vec![])
        .await
        .unwrap();
    v.as_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_front_desk_shift_in_the_browser_in_english_and_chinese() {
    let _g = pty_lock();
    let Some(driver) = start_driver() else { return };
    let dir = tempfile::tempdir().unwrap();
    // A PBX whose room 102 never picks up a wake-up call.
    let state = dir.path().join("pbx.json");
    std::fs::write(
        &state,
        json!({"link_up": false, "rooms": {"102": {"ring_behaviour": "no_answer"}}, "records_received": 0}).to_string(),
    )
    .unwrap();
    let (_sim, pty) = spawn_pbx_sim(&state, "3s");
    let staff = [
        ("olga", "operator", "olga operator pw"),
        ("otto", "operator", "otto operator pw"),
        ("dora", "desk", "dora desk pw"),
    ];
    std::fs::write(dir.path().join("tariffs.toml"), include_str!("../../tariffs.example.toml")).unwrap();
    // The hotel has a PMS too (a simulated one, as Opera's interface: a TCP server); the desk
    // keeps stays (owns_stays = false) so the shift below can check guests in.
    let pms_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let pms_addr = pms_listener.local_addr().unwrap();
    let pms = pms_sim::serve(pms_sim::PmsSimOptions::default());
    let pms_side = pms.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = pms_listener.accept().await {
            pms_side.attach(stream);
        }
    });
    let pms_section = format!("[pms]\nport = \"tcp://{pms_addr}\"\nowns_stays = false\n[api]\n");
    let site = running_with(dir.path(), &pty, &staff, |t| {
        t.replace("[api]\n", &format!("[wakeup]\nattempts = 1\nring_timeout = \"5s\"\n{pms_section}"))
            .replace("Europe/Zurich", "UTC")
    });
    let base = format!("http://127.0.0.1:{}", site.port);
    pms.wait_for(T, |v| v.link_up).await.expect("the PMS link comes up");

    // Sign in; check a guest in; the tile changes and turns PBX-synced.
    let olga = browser(&driver).await;
    sign_in(&olga, &base, "olga", "olga operator pw").await;
    until(&olga, "the PMS banner", "document.querySelector('#pms-banner').innerText.startsWith('PMS connected since')")
        .await;
    shot(&olga, "01-room-board").await;
    click(&olga, "#tile-101").await;
    until(&olga, "the check-in form", "document.querySelector('#checkin [name=name]')").await;
    fill(&olga, "#checkin [name=name]", "王小明").await;
    fill(&olga, "#checkin [name=first_name]", "小明").await;
    fill(&olga, "#checkin [name=language]", "ZH").await;
    shot(&olga, "02-check-in-form").await;
    click(&olga, "#checkin button[type=submit]").await;
    until(&olga, "the tile occupied", "document.querySelector('#tile-101.occupied')").await;
    until(
        &olga,
        "the tile PBX-synced",
        "document.querySelector('#tile-101') && !document.querySelector('#tile-101 .pending')",
    )
    .await;
    shot(&olga, "03-checked-in").await;

    // Leave a message: the lamp on the tile; check-out is stopped by it; deliver: lamp off.
    fill(&olga, "#leave [name=text]", "Please call Mr. Chen").await;
    click(&olga, "#leave button[type=submit]").await;
    until(&olga, "the lamp on the tile", "document.querySelector('#tile-101 .lamp')").await;
    until(&olga, "the check-out step for waiting messages", "document.querySelector('#checkout-discard')").await;
    shot(&olga, "04-message-waiting-blocks-check-out").await;
    click(&olga, "[data-deliver]").await;
    until(&olga, "the lamp off", "document.querySelector('#tile-101') && !document.querySelector('#tile-101 .lamp')")
        .await;
    until(&olga, "check-out offered", "document.querySelector('#checkout')").await;

    // A second console (another operator) sees the unanswered wake-up's alert arrive live.
    let otto = browser(&driver).await;
    sign_in(&otto, &base, "otto", "otto operator pw").await;
    until(&otto, "the live stream", "S.live.some(([name]) => name === 'hello')").await;
    let board_reads = "performance.getEntriesByType('resource').filter((e) => e.name.endsWith('/api/rooms')).length";
    let mark = otto.execute(&format!("return [S.live.length, {board_reads}];"), vec![]).await.unwrap();
    click(&olga, "#room-dialog .close button").await;
    click(&olga, "#tile-102").await;
    until(&olga, "the check-in form of 102", "document.querySelector('#checkin [name=name]')").await;
    fill(&olga, "#checkin [name=name]", "Sleepy Guest").await;
    click(&olga, "#checkin button[type=submit]").await;
    // The check-in reaches the second console as the room itself (at most 2 KB an event), and
    // the board is not downloaded again.
    until(&otto, "the check-in on the second console", "document.querySelector('#tile-102.occupied')").await;
    let seen = otto
        .execute(&format!("return [S.live.slice(arguments[0]), {board_reads}];"), vec![mark[0].clone()])
        .await
        .unwrap();
    let events = seen[0].as_array().unwrap();
    assert!(events.iter().any(|e| e[0] == "room"), "no room event: {seen}");
    assert!(events.iter().all(|e| e[1].as_u64().unwrap() <= 2048), "an event over 2 KB: {seen}");
    assert_eq!(seen[1], mark[1], "the board was downloaded again: {seen}");
    until(&olga, "the wake-up form", "document.querySelector('#book [name=time]')").await;
    let at = soon(&olga).await;
    olga.execute("document.querySelector('#book [name=time]').value = arguments[0];", vec![json!(at)]).await.unwrap();
    click(&olga, "#book button[type=submit]").await;
    until(&olga, "the booking listed", "document.querySelector('[data-cancel]')").await;
    shot(&olga, "05-wake-up-booked").await;
    until(&otto, "the live alert on the second console", "document.querySelector('#alert-strip [data-ack]')").await;
    shot(&otto, "06-alert-arrives-live").await;
    click(&otto, "#alert-strip [data-ack]").await;
    until(&otto, "the alert gone once acknowledged", "!document.querySelector('#alert-strip [data-ack]')").await;
    until(&olga, "the alert gone on the first console too", "!document.querySelector('#alert-strip [data-ack]')").await;
    click(&otto, "[data-view=alerts]").await;
    until(&otto, "who acknowledged", "document.querySelector('#alerts').innerText.includes('otto')").await;
    shot(&otto, "07-alert-acknowledged").await;

    // The logbook: open and close a shift; the other operator acknowledges the handover.
    click(&olga, "#room-dialog .close button").await;
    click(&olga, "[data-view=log]").await;
    until(&olga, "the logbook", "!document.querySelector('#shift-open').hidden").await;
    click(&olga, "#shift-open").await;
    until(&olga, "the shift open", "!document.querySelector('#shift-close').hidden").await;
    fill(&olga, "#log-form [name=text]", "Guest in 102 did not answer the wake-up call; porter sent").await;
    click(&olga, "#log-form button[type=submit]").await;
    until(&olga, "the entry", "document.querySelector('#entries .entry')").await;
    shot(&olga, "08-logbook").await;
    click(&olga, "#shift-close").await;
    click(&otto, "[data-view=log]").await;
    until(&otto, "the handover to acknowledge", "document.querySelector('#handover-ack')").await;
    shot(&otto, "09-handover").await;
    click(&otto, "#handover-ack").await;
    until(&otto, "the handover acknowledged", "document.querySelector('#handover').hidden").await;

    // 繁體中文: no English left on the room board.
    click(&otto, "[data-view=rooms]").await;
    otto.execute(
        "const s = document.querySelector('#lang'); s.value = 'zh-Hant'; s.dispatchEvent(new Event('change'));",
        vec![],
    )
    .await
    .unwrap();
    until(&otto, "the Chinese console", "document.documentElement.lang === 'zh-Hant' && document.querySelector('#tile-104 .guest').innerText === '空房'").await;
    let visible = otto
        .execute("const c = document.body.cloneNode(true); c.querySelectorAll('#lang, #who, #hotel, [hidden], dialog, script, .guest').forEach(e => e.remove()); return c.innerText;", vec![])
        .await
        .unwrap();
    let visible = visible.as_str().unwrap();
    let english: Vec<&str> = visible.split(|c: char| !c.is_ascii_alphabetic()).filter(|w| w.len() >= 2).collect();
    assert!(english.is_empty(), "English left on the Chinese page: {english:?}\n{visible}");
    shot(&otto, "10-chinese-room-board").await;
    click(&otto, "#tile-101").await;
    until(&otto, "the room in Chinese", "document.querySelector('#room-detail h2').innerText.includes('號房')").await;
    until(
        &otto,
        "the room's history in Chinese",
        "document.querySelector('#rd-history').innerText.includes('住宿 1：')",
    )
    .await;
    shot(&otto, "11-chinese-room").await;
    otto.execute("document.querySelector('#rd-history').scrollIntoView();", vec![]).await.unwrap();
    shot(&otto, "11a-chinese-room-history").await;
    // The service's refusal in the reader's words, from its code: a blank message.
    fill(&otto, "#leave [name=text]", "   ").await;
    click(&otto, "#leave button[type=submit]").await;
    until(
        &otto,
        "the refusal in Chinese",
        "document.querySelector('#leave .error').innerText === '請檢查「留言內容」欄位。'",
    )
    .await;
    shot(&otto, "11b-chinese-refusal").await;
    // A booking's rule and an alert's detail are said in Chinese from their data.
    otto.execute("document.querySelector('#book [name=time]').value = '06:30';", vec![]).await.unwrap();
    click(&otto, "#book button[type=submit]").await;
    until(&otto, "the rule in Chinese", "document.querySelector('#room-detail').innerText.includes('單次 ')").await;
    click(&otto, "#room-dialog .close button").await;
    click(&otto, "[data-view=alerts]").await;
    until(
        &otto,
        "the alert's detail in Chinese",
        "document.querySelector('#alerts').innerText.includes('撥打 1 次無人接聽')",
    )
    .await;
    shot(&otto, "11c-chinese-alert-history").await;
    click(&otto, "[data-view=rooms]").await;

    // A desk clerk does not see the logbook, and cannot reach it.
    let dora = browser(&driver).await;
    sign_in(&dora, &base, "dora", "dora desk pw").await;
    until(&dora, "no logbook button", "document.querySelector('[data-view=log]').hidden").await;
    dora.execute("document.querySelector('[data-view=log]').click();", vec![]).await.unwrap();
    until(
        &dora,
        "still the room board",
        "!document.querySelector('#view-rooms').hidden && document.querySelector('#view-log').hidden",
    )
    .await;
    let status =
        dora.execute_async("fetch('/api/shifts/current').then(r => arguments[0](r.status));", vec![]).await.unwrap();
    assert_eq!(status, json!(403), "the API refuses the logbook to a desk clerk");
    // A cookie-signed change without the console's header is refused (cross-site protection).
    let status = dora
        .execute_async("fetch('/api/rooms/103/dnd', {method: 'POST', headers: {'Content-Type': 'application/json'}, body: '{\"on\":true}'}).then(r => arguments[0](r.status));", vec![])
        .await
        .unwrap();
    assert_eq!(status, json!(403));
    shot(&dora, "12-desk-clerk").await;

    // Tell the guest the price before they dial: the tariff and a quote.
    click(&dora, "[data-view=charges]").await;
    until(&dora, "the tariff", "document.querySelector('#tariff').innerText.includes('international')").await;
    fill(&dora, "#quote-form [name=number]", "004989920920").await;
    click(&dora, "#quote-form button[type=submit]").await;
    until(&dora, "the quote", "document.querySelector('#quote-result').innerText.includes('international')").await;
    shot(&dora, "13-tariff-and-quote").await;
    dora.execute(
        "const s = document.querySelector('#lang'); s.value = 'zh-Hant'; s.dispatchEvent(new Event('change'));",
        vec![],
    )
    .await
    .unwrap();
    until(&dora, "the tariff in Chinese", "document.querySelector('#tariff').innerText.includes('週六')").await;
    until(&dora, "the quote in Chinese", "document.querySelector('#quote-result').innerText.includes('分鐘')").await;
    shot(&dora, "14-tariff-in-chinese").await;
    // Signing out ends the session.
    click(&dora, "#logout").await;
    until(&dora, "the sign-in form again", "!document.querySelector('#signin').hidden").await;
    let status = dora.execute_async("fetch('/api/me').then(r => arguments[0](r.status));", vec![]).await.unwrap();
    assert_eq!(status, json!(401));

    // The connection to the service drops (a restart): the console says so, and catches up.
    let mut site = site;
    let _ = site._serve.child.kill();
    let _ = site._serve.child.wait();
    until(&otto, "the console saying it is not live", "!document.querySelector('#offline-banner').hidden").await;
    shot(&otto, "13-connection-lost").await;
    site._serve = crate::fixtures::spawn_serve(&site.config);
    crate::fixtures::wait_healthy(site.port);
    until(&otto, "the console live again", "document.querySelector('#offline-banner').hidden").await;
    click(&olga, "#tile-103").await;
    until(&olga, "the check-in form of 103", "document.querySelector('#checkin [name=name]')").await;
    fill(&olga, "#checkin [name=name]", "After Restart").await;
    click(&olga, "#checkin button[type=submit]").await;
    until(&otto, "the other console following again", "document.querySelector('#tile-103.occupied')").await;

    // A 2,000-room board: measured, not asserted (the figure goes into the notes).
    let ms = otto
        .execute(
            "const keep = S.rooms;
             S.rooms = Array.from({length: 2000}, (_, i) => ({room: String(1000 + i), occupied: i % 3 === 0, private: false,
               guest_name: i % 3 === 0 ? '王小明' : null, class_of_service: 3, message_lamp: i % 7 === 0, dnd: i % 11 === 0,
               pbx_synced: i % 13 !== 0}));
             const t0 = performance.now();
             for (let k = 0; k < 10; k++) renderBoard();
             const ms = (performance.now() - t0) / 10;
             S.rooms = keep; renderBoard();
             return ms;",
            vec![],
        )
        .await
        .unwrap();
    eprintln!("console: a 2,000-room board renders in {:.1} ms (mean of 10)", ms.as_f64().unwrap_or(f64::NAN));

    for c in [olga, otto, dora] {
        c.close().await.unwrap();
    }
}
