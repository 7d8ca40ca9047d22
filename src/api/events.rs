//! Live updates: `GET /api/events`, server-sent events, for the console and any tool with a
//! token. Each event names what changed; the client reads it again through the API:
//! - `hello` first, on every (re)connection: read everything (nothing is missed across a drop);
//! - `rooms` (a desk change, a command the PBX took, a room status from the handset),
//! - `alerts` (raised or acknowledged; the data lists the open alerts' ids),
//! - `wakeups` (booked, rung, answered, escalated, cancelled),
//! - `log` (the logbook and shifts),
//! - `link` (the PBX link went up or down; the data is the link status).
//!
//! The store counts its commits; this waits on that count (no polling), coalesces a burst for
//! a tenth of a second, and compares cheap fingerprints to say what changed.
//!
//! A stream holds a connection for as long as it is open, so streams have limits of their own
//! ([`super::streams`]: `[api] max_streams`, `max_streams_per_user`; 429 beyond), and a stream ends
//! when its session does (logout, a new password, a disabled account, idle expiry): it asks
//! after every change, and once a minute for expiry.

use crate::store::Sql;
use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use rusqlite::Connection;
use tokio::sync::mpsc;

use super::auth::Token;
use super::error::ApiError;
use super::state::AppState;
use super::streams::StreamSlot;
use crate::identity::Actor;
use crate::pbx::LinkStatus;
use crate::store::StoreError;

/// What each kind of change is seen by.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Fingerprints {
    rooms: (i64, i64, i64),
    alerts: (i64, Vec<i64>),
    wakeups: (i64, i64, i64),
    log: (i64, i64, i64),
}

fn fingerprints(c: &Connection) -> Result<Fingerprints, StoreError> {
    let one = |sql: &str| -> Result<i64, StoreError> { Ok(c.row(sql, [], |r| r.get(0))?) };
    let mut open = c.prepare_cached("SELECT id FROM alerts WHERE acked_at IS NULL ORDER BY id")?;
    let open_ids = open.query_map([], |r| r.get(0))?.collect::<Result<Vec<i64>, _>>()?;
    Ok(Fingerprints {
        rooms: (
            one("SELECT COALESCE(MAX(id), 0) FROM audit")?,
            one("SELECT COUNT(*) FROM outbox")?,
            one("SELECT COALESCE(MAX(id), 0) FROM pbx_events")?,
        ),
        alerts: (one("SELECT COALESCE(MAX(id), 0) FROM alerts")?, open_ids),
        wakeups: (
            one("SELECT COALESCE(MAX(id), 0) FROM wakeups")?,
            one("SELECT COALESCE(MAX(id), 0) FROM wakeup_attempts")?,
            one("SELECT COUNT(*) FROM wakeup_attempts WHERE result IS NOT NULL")?,
        ),
        log: (
            one("SELECT COALESCE(MAX(id), 0) FROM log_entries")?,
            one("SELECT COALESCE(MAX(id), 0) FROM shifts")?,
            one("SELECT COUNT(*) FROM shifts WHERE closed_at IS NOT NULL OR handover_acked_at IS NOT NULL")?,
        ),
    })
}

/// The part of the link status worth an event (not every frame counter).
fn link_key(s: &LinkStatus) -> (crate::pbx::LinkState, Option<String>, bool) {
    (s.link, s.since.clone(), s.resync_in_progress)
}

fn event(name: &str, data: serde_json::Value) -> Event {
    Event::default().event(name).data(data.to_string())
}

/// `GET /api/events`.
pub async fn events(
    State(s): State<AppState>,
    actor: Actor,
    Token(token): Token,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let slot = s.streams.open(actor.id)?;
    let (tx, rx) = mpsc::channel(32);
    // Watched from before the answer goes out: a logout right after it is a change seen.
    let commits = s.store.commits();
    tokio::spawn(watch(s, tx, token, slot, commits));
    let stream = futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|e| (Ok(e), rx)) });
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

/// How often an otherwise quiet stream asks whether its session expired.
const EXPIRY_CHECK: Duration = Duration::from_secs(60);

/// Whether the stream's session is still open (a store error keeps it: the next change asks again).
async fn session_open(s: &AppState, token: &str) -> bool {
    s.staff.session_open(token).await.unwrap_or_else(|e| {
        tracing::warn!("live events: cannot check the session: {e}");
        true
    })
}

async fn watch(
    s: AppState,
    tx: mpsc::Sender<Event>,
    token: String,
    _slot: StreamSlot,
    mut commits: tokio::sync::watch::Receiver<u64>,
) {
    let mut expiry = tokio::time::interval(EXPIRY_CHECK);
    expiry.tick().await;
    // The session may have ended between the sign-in check and the subscription above.
    if !session_open(&s, &token).await {
        return;
    }
    let mut link = s.link.status.clone();
    let mut last_link = link_key(&link.borrow_and_update());
    let Ok(mut last) = s.store.read(fingerprints).await else { return };
    if tx.send(event("hello", serde_json::json!({ "link": *link.borrow() }))).await.is_err() {
        return;
    }
    loop {
        tokio::select! {
            changed = commits.changed() => if changed.is_err() { return },
            changed = link.changed() => {
                if changed.is_err() {
                    return;
                }
                let status = link.borrow_and_update().clone();
                let key = link_key(&status);
                if key != last_link {
                    last_link = key;
                    if tx.send(event("link", serde_json::json!(status))).await.is_err() {
                        return;
                    }
                }
                continue;
            }
            () = tx.closed() => return,
            _ = expiry.tick() => {
                if !session_open(&s, &token).await {
                    return;
                }
                continue;
            }
        }
        // A change rarely comes alone (a check-in writes the stay, the outbox, the audit).
        tokio::time::sleep(Duration::from_millis(100)).await;
        commits.borrow_and_update();
        // A logout, a new password or a disabled account is a commit like any other: asked after
        // the commits are marked seen, so one that came during the pause is not missed.
        if !session_open(&s, &token).await {
            return;
        }
        let now = match s.store.read(fingerprints).await {
            Ok(f) => f,
            Err(e) => {
                tracing::warn!("live events: {e}");
                continue;
            }
        };
        let mut out = Vec::new();
        if now.rooms != last.rooms {
            out.push(event("rooms", serde_json::json!({ "queued": now.rooms.1 })));
        }
        if now.alerts != last.alerts {
            out.push(event("alerts", serde_json::json!({ "open": now.alerts.1 })));
        }
        if now.wakeups != last.wakeups {
            out.push(event("wakeups", serde_json::json!({})));
        }
        if now.log != last.log {
            out.push(event("log", serde_json::json!({})));
        }
        last = now;
        for e in out {
            if tx.send(e).await.is_err() {
                return;
            }
        }
    }
}
