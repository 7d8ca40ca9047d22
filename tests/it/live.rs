//! Live events carry what changed, and each stream only what its reader's own `GET` would show:
//! a room as `GET /api/rooms/{room}` (an incognito guest's name to managers only), a booking as
//! `GET /api/wakeups/{id}`, an alert as `GET /api/alerts`, logbook entries to operators and
//! managers only, and nothing of the directory's private numbers to anyone.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{header, Request};
use futures_util::StreamExt;
use serde_json::{json, Value};
use switchboard::app::services::Services;
use switchboard::clock::SystemClock;
use switchboard::domain::identity::{Actor, Role};
use switchboard::http::contract::LiveEvent;
use switchboard::links::pbx::link::Streams;
use switchboard::store::Priority;
use tokio::sync::mpsc;
use tower::ServiceExt;

use crate::site::mem_store;

const T: Duration = Duration::from_secs(10);

fn request(method: &str, path: &str, token: &str, body: Option<Value>) -> Request<Body> {
    let r = Request::builder().method(method).uri(path).header(header::AUTHORIZATION, format!("Bearer {token}"));
    match body {
        Some(b) => r.header(header::CONTENT_TYPE, "application/json").body(Body::from(b.to_string())).unwrap(),
        None => r.body(Body::empty()).unwrap(),
    }
}

async fn call(app: &axum::Router, method: &str, path: &str, token: &str, body: Option<Value>) -> Value {
    let r = app.clone().oneshot(request(method, path, token, body)).await.unwrap();
    let status = r.status();
    let bytes = axum::body::to_bytes(r.into_body(), usize::MAX).await.unwrap();
    assert!(status.is_success(), "{method} {path}: {status} {}", String::from_utf8_lossy(&bytes));
    serde_json::from_slice(&bytes).unwrap_or(Value::Null)
}

/// One reader's stream: its raw text and its events, as they come.
struct Reader {
    token: String,
    raw: String,
    events: Vec<LiveEvent>,
    rx: mpsc::UnboundedReceiver<String>,
}

impl Reader {
    async fn open(app: &axum::Router, token: String) -> Reader {
        let r = app.clone().oneshot(request("GET", "/api/events", &token, None)).await.unwrap();
        assert!(r.status().is_success());
        let (tx, rx) = mpsc::unbounded_channel();
        let mut body = r.into_body().into_data_stream();
        tokio::spawn(async move {
            while let Some(Ok(chunk)) = body.next().await {
                if tx.send(String::from_utf8_lossy(&chunk).into_owned()).is_err() {
                    return;
                }
            }
        });
        let mut reader = Reader { token, raw: String::new(), events: Vec::new(), rx };
        reader.until("hello", |e| matches!(e, LiveEvent::Hello { .. })).await;
        reader
    }

    /// Reads until an event `wanted` has come.
    async fn until(&mut self, what: &str, wanted: impl Fn(&LiveEvent) -> bool) {
        let deadline = tokio::time::Instant::now() + T;
        while !self.events.iter().any(&wanted) {
            let chunk = tokio::time::timeout_at(deadline, self.rx.recv())
                .await
                .unwrap_or_else(|_| panic!("no {what} within {T:?}; heard {:?}", self.events))
                .expect("the stream ended");
            self.raw.push_str(&chunk);
            self.parse();
        }
    }

    /// Takes whole `event:`/`data:` blocks from the raw text read so far.
    fn parse(&mut self) {
        self.events.clear();
        for block in self.raw.split("\n\n") {
            let field = |name: &str| block.lines().find_map(|l| l.strip_prefix(name)).map(str::trim);
            if let (Some(name), Some(data)) = (field("event:"), field("data:")) {
                if let Ok(e) = LiveEvent::parse(name, data) {
                    self.events.push(e);
                }
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_stream_carries_what_its_reader_may_see_and_nothing_else() {
    let cfg = crate::fixtures::config(&["101", "102", "103"], "");
    let none = Streams::<tokio::io::DuplexStream>(VecDeque::new(), "none".into());
    let svc = Services::start(&cfg, mem_store(), Arc::new(SystemClock), none).await.unwrap();
    let password = svc.app.staff.bootstrap().await.unwrap().expect("a new store");
    let boss = Actor::system();
    for (login, role) in [("dora", Role::Desk), ("olga", Role::Operator)] {
        svc.app.staff.add(&boss, login, None, role, "a long enough password").await.unwrap();
    }
    let app = switchboard::http::api::router(svc.app.clone());
    let token = async |login: &str, pw: &str| svc.app.staff.login(login, pw, None).await.unwrap().0;
    let manager = token("manager", &password).await;
    let mut readers = BTreeMap::new();
    for (login, pw) in
        [("manager", password.as_str()), ("dora", "a long enough password"), ("olga", "a long enough password")]
    {
        let t = token(login, pw).await;
        readers.insert(login, Reader::open(&app, t).await);
    }

    // One change of every kind a stream carries.
    let secret = "Secretname Incognito";
    let private_number = "+41 44 555 0199";
    call(&app, "POST", "/api/rooms/101/checkin", &manager, Some(json!({"name": secret, "private": true}))).await;
    call(&app, "POST", "/api/rooms/102/checkin", &manager, Some(json!({"name": "Open Guest"}))).await;
    call(&app, "POST", "/api/messages", &manager, Some(json!({"room": "101", "text": "call home"}))).await;
    let booking = call(&app, "POST", "/api/wakeups", &manager, Some(json!({"room": "101", "time": "06:30"}))).await;
    let alert = svc
        .app
        .store
        .write(Priority::Normal, |tx| {
            let facts = json!({"wakeup": 1, "room": "101", "at": "06:30", "attempts": 3});
            let kind = switchboard::hotel::alerts::Kind::WakeupFailed;
            switchboard::hotel::alerts::raise(
                tx,
                "2026-12-05T03:00:00Z".parse().unwrap(),
                kind,
                Some("101"),
                None,
                facts,
                "ring 101",
            )
        })
        .await
        .unwrap();
    call(&app, "POST", "/api/shifts/open", &manager, None).await;
    let entry = call(&app, "POST", "/api/log", &manager, Some(json!({"text": "a quiet night"}))).await;
    let dir = json!({"kind": "staff", "name": "Chief Executive", "number": private_number, "private": true});
    call(&app, "POST", "/api/directory", &manager, Some(dir)).await;

    for (login, r) in readers.iter_mut() {
        let room = |n: &'static str| move |e: &LiveEvent| matches!(e, LiveEvent::Room(v) if v.room == n && v.occupied);
        r.until("room 101", room("101")).await;
        r.until("room 102", room("102")).await;
        r.until("the booking", |e| matches!(e, LiveEvent::Wakeup(w) if w.id == booking["id"])).await;
        r.until("the alert", |e| matches!(e, LiveEvent::Alert(a) if a.id == alert)).await;
        if *login == "dora" {
            // The desk may not read the logbook: what came by now is all it gets of it.
            r.until("the alert", |e| matches!(e, LiveEvent::Alert(_))).await;
        } else {
            r.until("the entry", |e| matches!(e, LiveEvent::Log(l) if l.id == entry["id"])).await;
            r.until("the shift", |e| matches!(e, LiveEvent::Shift)).await;
        }
    }
    // Every event equals what the same reader's GET answers now (the last of each thing).
    for (login, r) in readers.iter_mut() {
        let may_see_private = *login == "manager";
        assert_eq!(r.raw.contains(secret), may_see_private, "{login}: the incognito guest's name");
        assert!(!r.raw.contains(private_number) && !r.raw.contains("Chief Executive"), "{login}: the directory");
        let mut last = BTreeMap::new();
        for e in &r.events {
            let key = match e {
                LiveEvent::Room(v) => format!("/api/rooms/{}", v.room),
                LiveEvent::Wakeup(w) => format!("/api/wakeups/{}", w.id),
                LiveEvent::Alert(a) => format!("alert {}", a.id),
                // Entries the service wrote between shifts are in no shift's list.
                LiveEvent::Log(l) => match l.shift {
                    Some(shift) => format!("log {} {shift}", l.id),
                    None => continue,
                },
                _ => continue,
            };
            last.insert(key, e.data());
        }
        for (key, data) in last {
            // The item with `id` in the list a GET answers.
            let listed = |all: Value, id: &str| {
                let found = all
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|a| a["id"].as_i64().map(|n| n.to_string()).as_deref() == Some(id));
                found.cloned().unwrap_or_else(|| panic!("no {id} in {all}"))
            };
            let answer = if let Some(id) = key.strip_prefix("alert ") {
                listed(call(&app, "GET", "/api/alerts?all=true", &r.token, None).await, id)
            } else if let Some((id, shift)) = key.strip_prefix("log ").and_then(|k| k.split_once(' ')) {
                listed(call(&app, "GET", &format!("/api/log?shift={shift}"), &r.token, None).await, id)
            } else {
                call(&app, "GET", &key, &r.token, None).await
            };
            assert_eq!(data, answer, "{login}: {key}");
        }
        let logbook = r.events.iter().any(|e| matches!(e, LiveEvent::Log(_) | LiveEvent::Shift));
        assert_eq!(logbook, *login != "dora", "{login}: the logbook");
    }
}
