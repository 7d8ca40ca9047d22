//! The console in a real browser: headless Chromium driven over WebDriver (chromedriver)
//! against the real service and the standalone simulated PBX, as staff would use it. Every
//! step saves a screenshot under `target/console-screenshots/`.
//!
//! Long: two whole shifts, the front desk's and the night operator's, each a story told step by
//! step with its screenshots; split, they would lose the order the steps depend on. A third test
//! measures a 2,000-room board's first paint after sign-in (printed, see BENCHMARKS.md).
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
    // Closed and the next room clicked at once (the dialog's close event comes after the click):
    // the dialog shows the room clicked.
    olga.execute(
        "document.querySelector('#room-dialog .close button').click(); document.querySelector('#tile-102').click();",
        vec![],
    )
    .await
    .unwrap();
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
             const board = (performance.now() - t0) / 10;
             // A live change on that board: one room's tile drawn again, not the board.
             const before = document.querySelector('#board').children.length;
             const t1 = performance.now();
             for (let k = 0; k < 100; k++) { S.rooms[1500].dnd = !S.rooms[1500].dnd; applyRoom({...S.rooms[1500]}); }
             const tile = (performance.now() - t1) / 100;
             const same = document.querySelector('#board').children.length === before && document.querySelector('#tile-2500');
             S.rooms = keep; renderBoard();
             return [board, tile, !!same];",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(ms[2], json!(true), "a live change keeps the board and redraws its tile");
    eprintln!(
        "console: a 2,000-room board renders in {:.1} ms (mean of 10); a live change redraws its tile in {:.2} ms (mean of 100)",
        ms[0].as_f64().unwrap_or(f64::NAN),
        ms[1].as_f64().unwrap_or(f64::NAN)
    );

    for c in [olga, otto, dora] {
        c.close().await.unwrap();
    }
}

/// axe-core (WCAG rules in the browser), fetched by `.ci/run` into `target/axe-core/`; outside CI
/// without it, the accessibility check says so and is skipped (in CI it fails).
fn axe_core() -> Option<String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/axe-core/axe.min.js");
    match std::fs::read_to_string(&path) {
        Ok(js) => Some(js),
        Err(_) if std::env::var_os("CI").is_some() => panic!("{} is missing: .ci/run fetches it", path.display()),
        Err(_) => {
            eprintln!("no {}: the accessibility check is skipped (.ci/run fetches it)", path.display());
            None
        }
    }
}

/// The WCAG 2.1 A and AA violations of moderate impact or worse on what the page shows now.
async fn axe_violations(c: &Client, axe: &str) -> Vec<String> {
    // Run by WebDriver, not as a <script>: the console's CSP allows no inline script, rightly.
    let loaded = c.execute(&format!("if (!window.axe) {{ {axe}\n }} return typeof window.axe;"), vec![]).await.unwrap();
    assert_eq!(loaded, json!("object"), "axe-core did not load");
    let found = c
        .execute_async(
            "const done = arguments[0];
             axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}, resultTypes: ['violations']})
               .then((r) => done(r.violations.filter((v) => ['moderate', 'serious', 'critical'].includes(v.impact))
                 .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`)))
               .catch((e) => done([`axe failed: ${e}`]));",
            vec![],
        )
        .await
        .unwrap();
    found.as_array().unwrap().iter().map(|v| v.as_str().unwrap_or_default().to_string()).collect()
}

/// Calls the API from the page (with the console's cookie and header); the answer's status and body.
async fn call(c: &Client, method: &str, path: &str, body: serde_json::Value) -> (u64, serde_json::Value) {
    let r = c
        .execute_async(
            "const [m, p, b, done] = arguments;
             fetch(p, {method: m, headers: {'Content-Type': 'application/json', 'X-Switchboard': 'console'},
                       body: m === 'GET' ? undefined : JSON.stringify(b)})
               .then(async (r) => done([r.status, await r.text()]));",
            vec![json!(method), json!(path), body],
        )
        .await
        .unwrap();
    let text = r[1].as_str().unwrap_or("");
    (r[0].as_u64().unwrap(), serde_json::from_str(text).unwrap_or(json!(text)))
}

/// Presses `key` where the page has its focus (or on the document).
async fn press(c: &Client, key: &str) {
    c.execute(
        "const t = document.activeElement || document.body;
         t.dispatchEvent(new KeyboardEvent('keydown', {key: arguments[0], bubbles: true, cancelable: true}));",
        vec![json!(key)],
    )
    .await
    .unwrap();
}

/// The Latin words a screen shows, but those a person typed (fields, names), room numbers,
/// currency codes and the service's name: on a 繁體中文 screen, there must be none.
async fn latin_words(c: &Client, root: &str) -> Vec<String> {
    let text = c
        .execute(
            "const c = document.querySelector(arguments[0]).cloneNode(true);
             c.querySelectorAll('[hidden], script, style, input, textarea, select, .guest, #who, #hotel, #lang, [lang=en], .typed').forEach(e => e.remove());
             return c.innerText;",
            vec![json!(root)],
        )
        .await
        .unwrap();
    // (File names a person may need as they are: tariffs.toml.)
    let allowed = ["TWD", "CSV", "TOML", "PBX", "PMS", "tariffs", "toml"];
    text.as_str()
        .unwrap_or("")
        .split(|ch: char| !ch.is_ascii_alphabetic())
        .filter(|w| w.len() >= 2 && !allowed.contains(w))
        .map(str::to_string)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_night_operators_shift_in_chinese() {
    let _g = pty_lock();
    let Some(driver) = start_driver() else { return };
    let dir = tempfile::tempdir().unwrap();
    let staff = [("mia", "manager", "mia manager pw"), ("nora", "operator", "nora operator pw")];
    let site = running_with(dir.path(), "simulator", &staff, |t| {
        t.replace("Europe/Zurich", "Asia/Taipei")
            .replace("numbers = [\"101-105\"]", "numbers = [\"301-306\"]")
            .replace("[rooms]", "address = \"台北市中山區南京東路 1 號\"\ncountry = \"TW\"\n[rooms]")
    });
    let base = format!("http://127.0.0.1:{}", site.port);

    // The manager sets the house up: the directory, and the guests in.
    let mia = browser(&driver).await;
    sign_in(&mia, &base, "mia", "mia manager pw").await;
    for (name, dept, ext, number, private) in
        [("前台", "客務部", "9", "+886 2 2500 0000", false), ("林總經理", "總經理室", "800", "+886 912 345 678", true)]
    {
        let entry = json!({"kind": "staff", "name": name, "department": dept, "extension": ext, "number": number, "private": private});
        assert_eq!(call(&mia, "POST", "/api/directory", entry).await.0, 201);
    }
    let guests = [
        ("301", "Smith", "Anna"),
        ("302", "Jones", "Tom"),
        ("303", "李", "小華"),
        ("304", "王", "大明"),
        ("305", "陳", "大文"),
    ];
    for (room, family, given) in guests {
        let body = json!({"name": family, "first_name": given, "vip": room == "305", "not_ready_ok": true});
        assert_eq!(call(&mia, "POST", &format!("/api/rooms/{room}/checkin"), body).await.0, 201, "check-in {room}");
    }

    // The night operator, in 繁體中文.
    let nora = browser(&driver).await;
    sign_in(&nora, &base, "nora", "nora operator pw").await;
    nora.execute(
        "const s = document.querySelector('#lang'); s.value = 'zh-Hant'; s.dispatchEvent(new Event('change'));",
        vec![],
    )
    .await
    .unwrap();
    until(&nora, "the Chinese console", "document.documentElement.lang === 'zh-Hant'").await;
    until(&nora, "the VIP on the board", "document.querySelector('#tile-305 .vip')").await;
    until(&nora, "the whole name on the tile", "document.querySelector('#tile-305 .guest').innerText === '陳大文'")
        .await;
    assert!(latin_words(&nora, "#app").await.is_empty(), "{:?}", latin_words(&nora, "#app").await);
    shot(&nora, "20-night-board-zh").await;

    // From the keyboard: "304" Enter opens the room, W goes to the wake-up time, "0700" Enter books.
    nora.execute("document.activeElement.blur();", vec![]).await.unwrap();
    let keys = |k: &'static str| {
        let nora = &nora;
        async move { nora.active_element().await.unwrap().send_keys(k).await.unwrap() }
    };
    keys("304").await;
    keys("\u{E007}").await;
    until(
        &nora,
        "room 304 opened by its number",
        "document.querySelector('#room-dialog').open && document.querySelector('#book')",
    )
    .await;
    keys("w").await;
    until(&nora, "the wake-up time focused", "document.activeElement === document.querySelector('#book [name=time]')")
        .await;
    keys("0700\u{E007}").await;
    until(&nora, "the call booked from the keyboard", "document.querySelector('#rd-wakeups [data-cancel]')").await;
    keys("\u{E00C}").await;
    until(
        &nora,
        "Esc closes the room and the focus is back on its tile",
        "!document.querySelector('#room-dialog').open && document.activeElement.id === 'tile-304'",
    )
    .await;

    // Find a guest by a one-character surname.
    fill(&nora, "#guest-search", "陳").await;
    nora.execute(
        "document.querySelector('#guest-search').dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter'}));",
        vec![],
    )
    .await
    .unwrap();
    until(
        &nora,
        "only 陳's room",
        "document.querySelectorAll('.tile').length === 1 && document.querySelector('#tile-305')",
    )
    .await;
    shot(&nora, "21-guest-search-chen").await;
    fill(&nora, "#guest-search", "").await;
    nora.execute(
        "document.querySelector('#guest-search').dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter'}));",
        vec![],
    )
    .await
    .unwrap();
    until(&nora, "the whole board again", "document.querySelectorAll('.tile').length === 6").await;

    // The directory, one key away; a private number stays private; a city's dialling code.
    nora.execute("document.activeElement.blur();", vec![]).await.unwrap();
    press(&nora, "F3").await;
    until(&nora, "the directory", "!document.querySelector('#view-directory').hidden").await;
    fill(&nora, "#dir-search", "林").await;
    press(&nora, "Enter").await;
    until(
        &nora,
        "the private entry",
        "document.querySelector('#directory').innerText.includes('不公開：請代為留言或代轉接')",
    )
    .await;
    let shown = nora.execute("return document.querySelector('#directory').innerText;", vec![]).await.unwrap();
    assert!(!shown.as_str().unwrap().contains("912"), "the private number is not shown: {shown}");
    fill(&nora, "#code-q", "上海").await;
    nora.execute(
        "document.querySelector('#code-q').dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter'}));",
        vec![],
    )
    .await
    .unwrap();
    until(&nora, "Shanghai's code", "document.querySelector('#code-answer').innerText.includes('+86')").await;
    assert!(
        latin_words(&nora, "#view-directory").await.is_empty(),
        "{:?}",
        latin_words(&nora, "#view-directory").await
    );
    shot(&nora, "22-directory-and-code-zh").await;

    // One message for three rooms, then the night round lists them.
    press(&nora, "F5").await;
    until(&nora, "the night round", "!document.querySelector('#view-round').hidden").await;
    fill(&nora, "#group-message [name=rooms]", "301-303").await;
    fill(&nora, "#group-message [name=text]", "早餐改至七點開始").await;
    click(&nora, "#group-message button[type=submit]").await;
    until(&nora, "three waiting messages", "document.querySelectorAll('#round tr').length === 4").await;
    // Only names remain in Latin letters: the guests', the staff's logins, the hotel's.
    let names = ["Smith", "Anna", "Jones", "Tom", "nora", "mia", "Test", "Hotel"];
    let latin = latin_words(&nora, "#view-round").await;
    assert!(latin.iter().all(|w| names.contains(&w.as_str())), "{latin:?}");
    shot(&nora, "23-night-round-zh").await;

    // A tour group's wake-up: 301-306 at 06:00; the vacant 306 is refused and listed.
    press(&nora, "F4").await;
    until(&nora, "the wake-up screen", "!document.querySelector('#view-wakeups').hidden").await;
    fill(&nora, "#group-wakeup [name=rooms]", "301-306").await;
    fill(&nora, "#group-wakeup [name=time]", "0600").await;
    // The day is chosen from the hotel's days, written its way (the browser's locale is en-US).
    let tomorrow = nora
        .execute(
            "const sel = document.querySelector('#group-wakeup [name=date]'); sel.selectedIndex = 2;
             return [sel.value, sel.options[2].text];",
            vec![],
        )
        .await
        .unwrap();
    let (day, label) = (tomorrow[0].as_str().unwrap().to_string(), tomorrow[1].as_str().unwrap());
    let (y, m, d) = (&day[..4], day[5..7].trim_start_matches('0'), day[8..].trim_start_matches('0'));
    assert!(label.starts_with(&format!("{y}年{m}月{d}日（週")) && label.ends_with("明天"), "{label}");
    click(&nora, "#group-wakeup button[type=submit]").await;
    until(&nora, "the refusal of 306", "document.querySelector('#group-wakeup .refusals').innerText.includes('306')")
        .await;
    let (_, booked) = call(&nora, "GET", "/api/wakeups", json!(null)).await;
    let at_six = booked.as_array().unwrap().iter().filter(|w| w["due"].as_str() == Some(&format!("{day}T06:00:00")));
    assert_eq!(at_six.count(), 5, "one booking per occupied room: {booked}");
    let rule = format!("單次 {y}年{m}月{d}日 06:00");
    until(
        &nora,
        "the bookings' rule in Chinese",
        &format!("document.querySelector('#wakeup-list').innerText.includes('{rule}')"),
    )
    .await;
    shot(&nora, "24-group-wake-up-zh").await;

    // An emergency call from 305: red, first, with the floor and the street address.
    let call_119 = json!({"room": "305", "digits": "119", "duration_s": 40});
    let sent = mia.execute("return Date.now();", vec![]).await.unwrap();
    assert_eq!(call(&mia, "POST", "/api/pbx/simulator/call", call_119).await.0, 202);
    until(&nora, "the emergency", "document.querySelector('#alert-strip .alert.emergency')").await;
    // Measured, not asserted (goal: within 500 ms): from the call sent to its alert on this console.
    let seen = nora
        .execute("const e = S.live.filter(([n]) => n === 'alert').pop(); return e ? e[2] : null;", vec![])
        .await
        .unwrap();
    eprintln!(
        "console: an emergency alert reached a second console {} ms after the call was placed",
        seen.as_i64().unwrap_or(0) - sent.as_i64().unwrap_or(0)
    );
    let said =
        nora.execute("return document.querySelector('#alert-strip .emergency').innerText;", vec![]).await.unwrap();
    let said = said.as_str().unwrap();
    assert!(said.contains("台北市中山區南京東路 1 號") && said.contains("3 樓") && said.contains("119"), "{said}");
    shot(&nora, "25-emergency-zh").await;
    click(&nora, "#alert-strip .emergency").await;
    until(&nora, "the room opened from its alert", "document.querySelector('#room-dialog').open").await;
    click(&nora, "#room-dialog .close button").await;
    click(&nora, "#alert-strip .emergency [data-ack]").await;

    // The shift's logbook and its printed handover, in 繁體中文 and local time.
    click(&nora, "[data-view=log]").await;
    until(&nora, "the logbook", "!document.querySelector('#shift-open').hidden").await;
    click(&nora, "#shift-open").await;
    until(&nora, "the shift open", "!document.querySelector('#shift-close').hidden").await;
    fill(&nora, "#log-form [name=text]", "305 房撥打 119，已通知值班經理").await;
    // A follow-up for whoever is on the operator's duty, due tomorrow at 09:00 (24-hour, typed).
    nora.execute(
        "const f = document.querySelector('#log-form');
         f.querySelector('[name=priority]').value = 'high';
         f.querySelector('[name=followup_owner]').value = 'operator';
         f.querySelector('[name=due_day]').selectedIndex = 2;",
        vec![],
    )
    .await
    .unwrap();
    fill(&nora, "#log-form [name=due_time]", "0900").await;
    click(&nora, "#log-form button[type=submit]").await;
    until(&nora, "the entry", "document.querySelector('#entries .entry.high')").await;
    let due = format!("{y}年{m}月{d}日 09:00");
    until(
        &nora,
        "the follow-up due tomorrow",
        &format!("document.querySelector('#followups').innerText.includes('{due}')"),
    )
    .await;
    let latin = latin_words(&nora, "#view-log").await;
    assert!(latin.iter().all(|w| names.contains(&w.as_str())), "Latin words on the logbook: {latin:?}");
    shot(&nora, "25a-logbook-follow-up-zh").await;
    click(&nora, "#shift-close").await;
    until(&nora, "the shift closed", "!document.querySelector('#shift-open').hidden").await;
    let (status, _) = call(&nora, "GET", "/api/print/handover?lang=zh-Hant", json!(null)).await;
    assert_eq!(status, 200);
    nora.goto(&format!("{base}/api/print/handover?lang=zh-Hant")).await.unwrap();
    until(&nora, "the printed handover", "document.body.innerText.includes('交接班記錄')").await;
    let latin = latin_words(&nora, "body").await;
    assert!(latin.iter().all(|w| names.contains(&w.as_str())), "Latin words on the printed handover: {latin:?}");
    shot(&nora, "26-handover-printed-zh").await;
    nora.goto(&format!("{base}/api/print/wakeups?lang=zh-Hant")).await.unwrap();
    until(&nora, "the printed wake-up list", "document.body.innerText.includes('叫醒名單')").await;
    let latin = latin_words(&nora, "body").await;
    assert!(latin.iter().all(|w| names.contains(&w.as_str())), "{latin:?}");
    shot(&nora, "27-wake-up-list-printed-zh").await;
    for (sheet, says) in [("messages", "待轉達留言"), ("bill?room=305&", "話費帳單")] {
        let query = if sheet.ends_with('&') { "lang=zh-Hant" } else { "?lang=zh-Hant" };
        nora.goto(&format!("{base}/api/print/{sheet}{query}")).await.unwrap();
        until(&nora, sheet, &format!("document.body.innerText.includes('{says}')")).await;
        let latin = latin_words(&nora, "body").await;
        assert!(latin.iter().all(|w| names.contains(&w.as_str())), "Latin on the printed {sheet}: {latin:?}");
    }
    shot(&nora, "27a-bill-printed-zh").await;
    nora.goto(&format!("{base}/api/print/rooms?lang=zh-Hant")).await.unwrap();
    until(&nora, "the printed room list", "document.body.innerText.includes('房間狀態表')").await;
    let latin = latin_words(&nora, "body").await;
    assert!(latin.iter().all(|w| names.contains(&w.as_str())), "{latin:?}");
    shot(&nora, "28-room-status-printed-zh").await;

    // Every screen and the room's dialog, in both languages, pass axe-core's WCAG 2.1 AA rules
    // (nothing of moderate impact or worse).
    if let Some(axe) = axe_core() {
        nora.goto(&base).await.unwrap();
        until(
            &nora,
            "the console",
            "!document.querySelector('#app').hidden && document.querySelectorAll('.tile').length > 0",
        )
        .await;
        // The check sees a violation when there is one: a field with no name.
        nora.execute("const i = document.createElement('input'); i.id = 'unlabelled'; document.querySelector('#view-rooms').appendChild(i);", vec![])
            .await
            .unwrap();
        let seen = axe_violations(&nora, &axe).await;
        assert!(seen.iter().any(|v| v.contains("#unlabelled")), "axe missed an unlabelled field: {seen:?}");
        nora.execute("document.querySelector('#unlabelled').remove();", vec![]).await.unwrap();
        let mut found = Vec::new();
        for lang in ["zh-Hant", "en"] {
            nora.execute("const s = document.querySelector('#lang'); s.value = arguments[0]; s.dispatchEvent(new Event('change'));", vec![json!(lang)])
                .await
                .unwrap();
            until(&nora, "the language", &format!("document.documentElement.lang === '{lang}'")).await;
            for view in ["rooms", "wakeups", "log", "charges", "directory", "round", "alerts"] {
                nora.execute("show(arguments[0]);", vec![json!(view)]).await.unwrap();
                until(&nora, view, &format!("!document.querySelector('#view-{view}').hidden")).await;
                found.extend(axe_violations(&nora, &axe).await.into_iter().map(|v| format!("{lang} {view}: {v}")));
                shot(&nora, &format!("screen-{view}-{lang}")).await;
                // In 繁體中文, only names are in Latin letters.
                if lang == "zh-Hant" {
                    let latin = latin_words(&nora, &format!("#view-{view}")).await;
                    assert!(
                        latin.iter().all(|w| names.contains(&w.as_str())),
                        "Latin on the Chinese {view} screen: {latin:?}"
                    );
                }
                // In English, nothing the service wrote is in Chinese (names and typed text aside).
                if lang == "en" && ["rooms", "wakeups", "charges"].contains(&view) {
                    let text = nora
                        .execute(
                            "const c = document.querySelector(arguments[0]).cloneNode(true);
                             c.querySelectorAll('[hidden], input, textarea, select, pre, .guest').forEach(e => e.remove());
                             return c.innerText;",
                            vec![json!(format!("#view-{view}"))],
                        )
                        .await
                        .unwrap();
                    let cjk: String =
                        text.as_str().unwrap_or("").chars().filter(|c| ('\u{3000}'..='\u{9fff}').contains(c)).collect();
                    assert!(cjk.is_empty(), "Chinese on the English {view} screen: {cjk}");
                }
            }
            nora.execute("show('rooms');", vec![]).await.unwrap();
            click(&nora, "#tile-305").await;
            until(
                &nora,
                "the room",
                "document.querySelector('#room-dialog').open && document.querySelector('#rd-wakeups')",
            )
            .await;
            found.extend(axe_violations(&nora, &axe).await.into_iter().map(|v| format!("{lang} room: {v}")));
            shot(&nora, &format!("screen-room-{lang}")).await;
            click(&nora, "#room-dialog .close button").await;
        }
        click(&nora, "#logout").await;
        until(&nora, "the sign-in form", "!document.querySelector('#signin').hidden").await;
        found.extend(axe_violations(&nora, &axe).await.into_iter().map(|v| format!("sign-in: {v}")));
        shot(&nora, "screen-sign-in").await;
        assert!(found.is_empty(), "accessibility violations:\n{}", found.join("\n"));
    }

    for c in [mia, nora] {
        c.close().await.unwrap();
    }
    drop(site);
}

/// A 2,000-room hotel: the time from "sign in" to the whole board drawn (the board's read and
/// its drawing, as the operator waits for it), measured in the page and printed, not asserted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_2000_room_board_after_sign_in() {
    let _g = pty_lock();
    let Some(driver) = start_driver() else { return };
    let dir = tempfile::tempdir().unwrap();
    let staff = [("olga", "operator", "olga operator pw")];
    let site = running_with(dir.path(), "simulator", &staff, |t| {
        t.replace("numbers = [\"101-105\"]", "numbers = [\"1000-2999\"]")
    });
    let c = browser(&driver).await;
    c.goto(&format!("http://127.0.0.1:{}", site.port)).await.unwrap();
    until(&c, "the sign-in form", "!document.querySelector('#signin').hidden").await;
    fill(&c, "#signin-login", "olga").await;
    fill(&c, "#signin-password", "olga operator pw").await;
    // The clock starts at the click; the board is drawn when it holds every tile, painted at
    // the next frame.
    c.execute(
        "window.painted = null;
         const board = document.querySelector('#board');
         new MutationObserver((_, o) => {
           if (board.children.length < 2000) return;
           o.disconnect();
           window.built = performance.now() - window.clicked;
           requestAnimationFrame(() => { window.painted = performance.now() - window.clicked; });
         }).observe(board, {childList: true});
         window.clicked = performance.now();
         document.querySelector('#signin-submit').click();",
        vec![],
    )
    .await
    .unwrap();
    until(&c, "the 2,000-room board", "window.painted !== null").await;
    let ms = c.execute("return window.painted;", vec![]).await.unwrap();
    // Where the time went: each read after the click (start + duration, ms), the board's DOM
    // built, and the stream's hello.
    let timeline = c
        .execute(
            "const reads = performance.getEntriesByType('resource').filter((e) => e.startTime >= window.clicked)
               .map((e) => `${e.name.replace(/^https?:\\/\\/[^/]+/, '')} ${Math.round(e.startTime - window.clicked)}+${Math.round(e.duration)}`);
             const hello = S.live.length ? Math.round(S.live[0][2] - performance.timeOrigin - window.clicked) : '?';
             return `${reads.join(', ')}; built at ${Math.round(window.built)}; hello at ${hello}`;",
            vec![],
        )
        .await
        .unwrap();
    let kb = c
        .execute(
            "const e = performance.getEntriesByType('resource').find((e) => e.name.endsWith('/api/rooms'));
             return e ? [e.transferSize / 1024, e.decodedBodySize / 1024] : null;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(c.execute("return document.querySelectorAll('.tile').length;", vec![]).await.unwrap(), json!(2000));
    eprintln!(
        "console: a 2,000-room board painted {:.0} ms after \"sign in\" (the board's read: {} KB on the wire, {} KB of JSON)",
        ms.as_f64().unwrap_or(f64::NAN),
        kb[0].as_f64().map_or("?".into(), |v| format!("{v:.0}")),
        kb[1].as_f64().map_or("?".into(), |v| format!("{v:.0}")),
    );
    eprintln!("console: after \"sign in\": {}", timeline.as_str().unwrap_or(""));
    c.close().await.unwrap();
}
