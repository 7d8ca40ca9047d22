//! Shared fixtures: an in-process hotel (store, desk, link task, simulator on a pty), the real
//! binary with a temporary hotel.toml, and polling with a deadline.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use pbx_sim::{SimHandle, SimOptions, SimState};
use switchboard::app::services::Services;
use switchboard::clock::SystemClock;
use switchboard::config::Config;
use switchboard::domain::identity::Actor;
use switchboard::hotel::desk::{CheckIn, Desk};
use switchboard::links::pbx::serial::DeviceConnector;
use switchboard::links::pbx::simulator::{self, PtySimulator};
use switchboard::links::pbx::LinkHandle;
use switchboard::store::rooms::RoomView;
use switchboard::store::{outbox, Store};

static PTY: Mutex<()> = Mutex::new(());

/// Pseudo-terminal creation is not thread-safe everywhere: one pty test at a time.
pub fn pty_lock() -> MutexGuard<'static, ()> {
    PTY.lock().unwrap_or_else(|p| p.into_inner())
}

/// Polls `cond` until it holds or `timeout` passes.
pub async fn eventually(timeout: Duration, what: &str, mut cond: impl AsyncFnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if cond().await {
            return;
        }
        if tokio::time::Instant::now() > deadline {
            panic!("timed out after {timeout:?} waiting for: {what}");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Blocking variant for tests driving the real binary.
pub fn eventually_blocking(timeout: Duration, what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + timeout;
    while !cond() {
        if std::time::Instant::now() > deadline {
            panic!("timed out after {timeout:?} waiting for: {what}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

pub fn config_text(rooms: &str, port: &str, listen: &str, extra_pbx: &str) -> String {
    format!(
        r#"
[hotel]
name = "Test Hotel"
timezone = "Europe/Zurich"
[rooms]
numbers = [{rooms}]
[pbx]
port = "{port}"
{extra_pbx}
[api]
listen = "{listen}"
[store]
path = "hotel.db"
"#
    )
}

/// A hotel in this process: store, desk, link and scheduler, with the simulator behind a pty.
pub struct Hotel {
    pub desk: Desk,
    pub link: LinkHandle,
    pub sim: SimHandle,
    pub store: Arc<Store>,
    pub services: Services,
    _pty: PtySimulator,
    _dir: tempfile::TempDir,
}

pub fn config(rooms: &[&str], extra_pbx: &str) -> Config {
    let list: Vec<String> = rooms.iter().map(|r| format!("\"{r}\"")).collect();
    Config::parse(&config_text(&list.join(", "), "simulator", "127.0.0.1:1", extra_pbx)).unwrap()
}

impl Hotel {
    /// `extra_pbx` adds lines to `[pbx]` (e.g. `ack_timeout = "100ms"`).
    pub async fn start(rooms: &[&str], extra_pbx: &str) -> Hotel {
        Self::start_with(rooms, extra_pbx, SimOptions::default()).await
    }

    pub async fn start_with(rooms: &[&str], extra_pbx: &str, sim_opts: SimOptions) -> Hotel {
        Self::start_config(config(rooms, extra_pbx), sim_opts).await
    }

    /// A hotel with a configuration made by the test (a tariff, say).
    pub async fn start_config(cfg: Config, mut sim_opts: SimOptions) -> Hotel {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(Store::open(&dir.path().join("hotel.db")).unwrap());
        sim_opts.timers.ack_timeout = cfg.pbx.ack_timeout;
        let pty = simulator::start(sim_opts).unwrap();
        let connector = DeviceConnector::new(&pty.port, cfg.pbx.clone());
        let services = Services::start(&cfg, store.clone(), Arc::new(SystemClock), connector).await.unwrap();
        Hotel {
            desk: services.app.desk.clone(),
            link: services.app.link.clone(),
            sim: pty.handle.clone(),
            store,
            services,
            _pty: pty,
            _dir: dir,
        }
    }

    pub async fn check_in(&self, room: &str, name: &str) {
        self.desk.check_in(&Actor::system(), room, CheckIn { name: name.into(), ..Default::default() }).await.unwrap();
    }

    pub async fn queued(&self) -> u64 {
        self.store.read(outbox::pending).await.unwrap()
    }

    pub async fn link_up(&self) {
        let link = self.link.clone();
        eventually(Duration::from_secs(20), "PBX link up", || {
            let up = link.status().link == "up";
            async move { up }
        })
        .await;
    }

    /// Waits until the outbox is empty and the PBX's view of every room matches the desk's.
    pub async fn converged(&self, timeout: Duration) -> SimState {
        let what = "the PBX to agree with the desk on every room";
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let state = self.sim.state();
            let rooms = self.desk.rooms().await.unwrap();
            let mismatch = rooms.iter().find_map(|r| mismatch(r, &state));
            if self.queued().await == 0 && mismatch.is_none() {
                return state;
            }
            if tokio::time::Instant::now() > deadline {
                panic!(
                    "timed out after {timeout:?} waiting for {what}: {} queued, first mismatch: {mismatch:?}, link {:?}",
                    self.queued().await,
                    self.link.status()
                );
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

/// Where the PBX's view of a room differs from the desk's, if anywhere.
pub fn mismatch(r: &RoomView, state: &SimState) -> Option<String> {
    let default = pbx_sim::RoomState::default();
    let p = state.rooms.get(&r.room).unwrap_or(&default);
    let want = (r.occupied, r.guest_name.clone(), r.class_of_service, r.message_lamp, r.dnd);
    let got = (p.occupied, p.guest_name.clone(), p.class_of_service, p.message_lamp, p.dnd);
    (want != got).then(|| format!("room {}: desk {want:?} vs PBX {got:?}", r.room))
}

/// The real binary, killed when dropped.
pub struct Proc {
    pub child: Child,
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_switchboard"))
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

pub fn spawn_serve(config: &Path) -> Proc {
    let child = Command::new(bin())
        .args(["--config", config.to_str().unwrap(), "serve"])
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    Proc { child }
}

/// Runs a CLI command against `config`; returns (success, stdout, stderr). The user's config
/// directory (where `login` keeps tokens) is `xdg/` beside the config file.
pub fn cli(config: &Path, args: &[&str]) -> (bool, String, String) {
    cli_stdin(config, args, "")
}

/// Runs a CLI command that must succeed; its standard output.
pub fn cli_ok(config: &Path, args: &[&str]) -> String {
    let (ok, out, err) = cli(config, args);
    assert!(ok, "switchboard {args:?}: {err}");
    out
}

/// As [`cli`], with `input` on standard input.
pub fn cli_stdin(config: &Path, args: &[&str], input: &str) -> (bool, String, String) {
    use std::io::Write;
    let xdg = config.parent().unwrap().join("xdg");
    let mut child = Command::new(bin())
        .arg("--config")
        .arg(config)
        .args(args)
        .env("XDG_CONFIG_HOME", &xdg)
        .env_remove("SWITCHBOARD_TOKEN")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Adds a staff account directly on the store file (no service needed).
pub fn add_staff(config: &Path, login: &str, role: &str, password: &str) {
    let (ok, out, err) =
        cli_stdin(config, &["staff", "add", login, "--role", role, "--password-stdin"], &format!("{password}\n"));
    assert!(ok && out.contains("added"), "staff add {login}: {out}{err}");
}

/// Signs the CLI in (the token is stored under `xdg/`).
pub fn login(config: &Path, login: &str, password: &str) {
    let (ok, out, err) = cli_stdin(config, &["login", "--user", login, "--password-stdin"], &format!("{password}\n"));
    assert!(ok && out.contains("signed in"), "login {login}: {out}{err}");
}

/// A token from the API, for raw HTTP calls.
pub fn token(port: u16, login: &str, password: &str) -> String {
    let mut r = ureq::post(format!("http://127.0.0.1:{port}/api/login"))
        .send_json(serde_json::json!({"login": login, "password": password}))
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap();
    v["token"].as_str().unwrap().to_string()
}

pub fn wait_healthy(port: u16) {
    eventually_blocking(Duration::from_secs(30), "the service to answer /health", || {
        ureq::get(format!("http://127.0.0.1:{port}/health")).call().is_ok()
    });
}

pub fn write_config(dir: &Path, port: &str, listen_port: u16, extra: &str) -> std::path::PathBuf {
    let path = dir.join("hotel.toml");
    let text = config_text("\"101-105\"", port, &format!("127.0.0.1:{listen_port}"), extra);
    std::fs::write(&path, text).unwrap();
    path
}

/// A service running on `port_spec` (a pty path or "simulator"), with `staff` (login, role,
/// password) added on the store file before it starts; the CLI is signed in as the first.
pub struct Running {
    pub config: std::path::PathBuf,
    pub port: u16,
    pub _serve: Proc,
}

pub fn running(dir: &Path, port_spec: &str, staff: &[(&str, &str, &str)]) -> Running {
    running_with(dir, port_spec, staff, |text| text)
}

/// As [`running`], with the config text edited by `edit` first.
pub fn running_with(
    dir: &Path,
    port_spec: &str,
    staff: &[(&str, &str, &str)],
    edit: impl Fn(String) -> String,
) -> Running {
    let port = free_port();
    let config = write_config(dir, port_spec, port, "");
    std::fs::write(&config, edit(std::fs::read_to_string(&config).unwrap())).unwrap();
    for (login, role, password) in staff {
        add_staff(&config, login, role, password);
    }
    let serve = spawn_serve(&config);
    wait_healthy(port);
    if let Some((user, _, password)) = staff.first() {
        login(&config, user, password);
    }
    Running { config, port, _serve: serve }
}

/// Starts `switchboard pbx-sim --state-file F`; returns it and the pty path it printed.
pub fn spawn_pbx_sim(state: &Path, ack: &str) -> (Proc, String) {
    let (child, path) = start_pbx_sim(state, &["--ack-timeout", ack], Stdio::null());
    (Proc { child }, path)
}

/// Starts `switchboard pbx-sim --protocol P` with its clock in zone `tz`; returns it, the pty
/// path it printed and its standard input, for knobs (JSON lines, see `app::pbx_sim`).
pub fn spawn_pbx_sim_speaking(state: &Path, protocol: &str, tz: &str) -> (Proc, String, std::process::ChildStdin) {
    let (mut child, path) = start_pbx_sim(state, &["--protocol", protocol, "--timezone", tz], Stdio::piped());
    let knobs = child.stdin.take().unwrap();
    (Proc { child }, path, knobs)
}

/// Tells a standalone simulator's knobs (its stdin) one thing to do.
pub fn sim_knob(knobs: &mut std::process::ChildStdin, knob: serde_json::Value) {
    use std::io::Write;
    writeln!(knobs, "{knob}").unwrap();
    knobs.flush().unwrap();
}

fn start_pbx_sim(state: &Path, args: &[&str], stdin: Stdio) -> (std::process::Child, String) {
    let mut child = Command::new(bin())
        .args(["pbx-sim", "--state-file", state.to_str().unwrap()])
        .args(args)
        .env("RUST_LOG", "warn")
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let path = line.trim().to_string();
    assert!(path.starts_with("/dev/"), "pbx-sim printed {line:?}");
    (child, path)
}

/// Sends raw bytes as an HTTP request (the request should say `Connection: close`); the answer's
/// status, head and body. A write the server cut short is not an error: its answer is read.
pub fn http_raw(port: u16, request: &[u8]) -> (u16, String, String) {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let _ = s.write_all(request);
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    let text = String::from_utf8_lossy(&out).into_owned();
    let status = text.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    (status, head.to_string(), body.to_string())
}

/// The `error` of a JSON error body.
pub fn error_of(body: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body:?}"));
    v["error"].as_str().unwrap_or_else(|| panic!("no error field: {body}")).to_string()
}

/// A room as the standalone simulator's state file shows it.
pub fn sim_room(state: &Path, room: &str) -> Option<serde_json::Value> {
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(state).ok()?).ok()?;
    v["rooms"].get(room).cloned()
}
