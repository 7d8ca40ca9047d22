//! The release service binary as a bench runs it: a temporary hotel with a manager account,
//! the service as a child process (killed when dropped), and a signed-in token.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// The bench's manager account.
pub const LOGIN: &str = "bench";
const PASSWORD: &str = "bench manager password";

/// The service, killed when dropped.
pub struct Service {
    pub child: Child,
    pub base: String,
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Writes hotel.toml (the built-in simulated PBX, `rooms` from 10001, `sections` added, `api`
/// lines added to `[api]`) with a manager account on its store; returns the config and the API
/// port.
pub fn hotel(dir: &Path, name: &str, rooms: usize, sections: &str, api: &str) -> (PathBuf, u16) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let config = dir.join("hotel.toml");
    let text = format!(
        "[hotel]\nname = \"{name}\"\ntimezone = \"Europe/Zurich\"\n[rooms]\nnumbers = [\"10001-{}\"]\n\
         [pbx]\nport = \"simulator\"\n[store]\npath = \"hotel.db\"\n{sections}\n[api]\nlisten = \"127.0.0.1:{port}\"\n{api}\n",
        10000 + rooms
    );
    std::fs::write(&config, text).unwrap();
    let mut add = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(["--config", config.to_str().unwrap(), "staff", "add", LOGIN, "--role", "manager", "--password-stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    use std::io::Write;
    add.stdin.take().unwrap().write_all(format!("{PASSWORD}\n").as_bytes()).unwrap();
    assert!(add.wait().unwrap().success());
    (config, port)
}

/// Starts the service on `config` and waits until it answers.
pub fn serve(config: &Path, port: u16) -> Service {
    let child = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(["--config", config.to_str().unwrap(), "serve"])
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(60);
    while ureq::get(format!("{base}/health")).call().is_err() {
        assert!(Instant::now() < deadline, "the service did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    Service { child, base }
}

/// A token for the bench's manager.
pub fn login(base: &str) -> String {
    let mut r =
        ureq::post(format!("{base}/api/login")).send_json(json!({"login": LOGIN, "password": PASSWORD})).unwrap();
    let v: Value = serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap();
    v["token"].as_str().unwrap().to_string()
}
