//! Live updates: `GET /api/events`, server-sent events carrying what changed
//! ([`crate::http::contract::LiveEvent`]), for the console and any tool with a token:
//! - `hello` first, on every (re)connection, and again if the stream fell behind: read everything;
//! - `room`: a room as `GET /api/rooms/{room}` returns it to this reader;
//! - `wakeup`: a booking as `GET /api/wakeups/{id}` returns it;
//! - `alert`: an alert raised or acknowledged;
//! - `log` (an entry) and `shift` (shifts or follow-ups changed): operators and managers only;
//! - `link`: the PBX link went up or down (the data is the link status);
//! - `pms`: the PMS link's status changed (where a PMS is configured).
//!
//! The stream waits on the store's events ([`crate::store::Store::events`]; no polling, no
//! fingerprints), gathers a burst for a tenth of a second, then reads each changed thing once, as
//! this reader's own `GET` would (an incognito guest's name only for those who may see it).
//!
//! A stream holds a connection for as long as it is open, so streams have limits of their own
//! ([`super::streams`]: `[api] max_streams`, `max_streams_per_user`; 429 beyond), and a stream ends
//! when its session does (logout, a new password, a disabled account: asked whenever sessions
//! change; idle expiry: asked once a minute).

use std::collections::BTreeSet;
use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event as Sse_, KeepAlive, Sse};
use futures_util::Stream;
use tokio::sync::broadcast::error::{RecvError, TryRecvError};
use tokio::sync::{broadcast, mpsc};

use super::auth::Token;
use super::error::ApiError;
use super::state::AppState;
use super::streams::StreamSlot;
use crate::domain::event::Event;
use crate::domain::identity::{Actor, Permission};
use crate::http::contract::LiveEvent;
use crate::links::pbx::LinkStatus;
use crate::store::{Batch, StoreError};

/// What a burst of committed changes touched, by key.
#[derive(Debug, Default, PartialEq)]
struct Changed {
    rooms: BTreeSet<String>,
    wakeups: BTreeSet<i64>,
    alerts: BTreeSet<i64>,
    log: BTreeSet<i64>,
    shift: bool,
    sessions: bool,
    /// The stream fell behind the store: it cannot say what it missed.
    lagged: bool,
}

impl Changed {
    fn add(&mut self, batch: &[Event]) {
        for e in batch {
            self.rooms.extend(e.rooms().into_iter().map(str::to_string));
            match e {
                Event::WakeupChanged { id, .. } | Event::WakeupEnded { id, .. } => {
                    self.wakeups.insert(*id);
                }
                Event::AlertRaised { id } | Event::AlertAcked { id } => {
                    self.alerts.insert(*id);
                }
                Event::LogWritten { id } => {
                    self.log.insert(*id);
                }
                Event::ShiftChanged => self.shift = true,
                Event::SessionsChanged => self.sessions = true,
                _ => {}
            }
        }
    }

    fn received(&mut self, r: Result<Batch, RecvError>) -> bool {
        match r {
            Ok(b) => self.add(&b),
            Err(RecvError::Lagged(_)) => self.lagged = true,
            Err(RecvError::Closed) => return false,
        }
        true
    }

    /// Takes whatever else is already waiting.
    fn drain(&mut self, events: &mut broadcast::Receiver<Batch>) {
        loop {
            match events.try_recv() {
                Ok(b) => self.add(&b),
                Err(TryRecvError::Lagged(_)) => self.lagged = true,
                Err(_) => return,
            }
        }
    }
}

/// What `actor` may see of `changed`, read as their own `GET`s would answer.
async fn read(s: &AppState, actor: &Actor, changed: Changed) -> Result<Vec<LiveEvent>, StoreError> {
    let (see_private, operate) = (actor.can(Permission::SeePrivate), actor.can(Permission::Operate));
    let tz = s.wakeups.timezone();
    s.store
        .read(move |c| {
            let mut out = Vec::new();
            for room in &changed.rooms {
                if let Some(view) = crate::store::rooms::view(c, room)? {
                    out.push(LiveEvent::Room(view.redacted(see_private)));
                }
            }
            for &id in &changed.wakeups {
                out.extend(crate::hotel::wakeup::view(c, tz, id)?.map(LiveEvent::Wakeup));
            }
            for &id in &changed.alerts {
                out.extend(crate::hotel::alerts::get(c, id)?.map(LiveEvent::Alert));
            }
            if operate {
                for &id in &changed.log {
                    out.extend(crate::hotel::logbook::model::get_entry(c, id)?.map(LiveEvent::Log));
                }
                if changed.shift {
                    out.push(LiveEvent::Shift);
                }
            }
            Ok(out)
        })
        .await
}

/// The PMS link's next status (never, without a PMS); `None` once the link is gone.
async fn pms_changed(
    pms: &mut Option<tokio::sync::watch::Receiver<crate::links::pms::PmsStatus>>,
) -> Option<crate::links::pms::PmsStatus> {
    match pms {
        Some(p) => {
            p.changed().await.ok()?;
            Some(p.borrow_and_update().clone())
        }
        None => std::future::pending().await,
    }
}

/// The part of the PMS status worth an event (not every record counted).
type PmsKey = (String, Option<String>, u64, bool, bool, Option<String>);
fn pms_key(s: &crate::links::pms::PmsStatus) -> PmsKey {
    (
        format!("{:?}", s.link),
        s.since.clone(),
        s.queued,
        s.resync_in_progress,
        s.night_audit_in_progress,
        s.held.clone(),
    )
}

/// The part of the link status worth an event (not every frame counter).
fn link_key(s: &LinkStatus) -> (crate::links::pbx::LinkState, Option<String>, bool) {
    (s.link, s.since.clone(), s.resync_in_progress)
}

fn sse(e: &LiveEvent) -> Sse_ {
    Sse_::default().event(e.name()).data(e.data().to_string())
}

/// `GET /api/events`.
pub async fn events(
    State(s): State<AppState>,
    actor: Actor,
    Token(token): Token,
) -> Result<Sse<impl Stream<Item = Result<Sse_, Infallible>>>, ApiError> {
    let slot = s.streams.open(actor.id)?;
    let (tx, rx) = mpsc::channel(32);
    // Subscribed before the answer goes out: a change right after it is a change seen.
    let events = s.store.events();
    tokio::spawn(watch(s, actor, tx, token, slot, events));
    let stream = futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|e| (Ok(e), rx)) });
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

/// How often an otherwise quiet stream asks whether its session expired.
const EXPIRY_CHECK: Duration = Duration::from_secs(60);
/// How long a burst of changes is gathered before it is read and sent.
const GATHER: Duration = Duration::from_millis(100);

/// Whether the stream's session is still open (a store error keeps it: the next change asks again).
async fn session_open(s: &AppState, token: &str) -> bool {
    s.staff.session_open(token).await.unwrap_or_else(|e| {
        tracing::warn!("live events: cannot check the session: {e}");
        true
    })
}

async fn watch(
    s: AppState,
    actor: Actor,
    tx: mpsc::Sender<Sse_>,
    token: String,
    _slot: StreamSlot,
    mut events: broadcast::Receiver<Batch>,
) {
    let mut expiry = tokio::time::interval(EXPIRY_CHECK);
    expiry.tick().await;
    // The session may have ended between the sign-in check and the subscription above.
    if !session_open(&s, &token).await {
        return;
    }
    let mut link = s.link.status.clone();
    let mut pms = s.pms.as_ref().map(|p| p.status.clone());
    let mut last_pms = pms.as_mut().map(|p| pms_key(&p.borrow_and_update()));
    let mut last_link = link_key(&link.borrow_and_update());
    let hello = |link: &tokio::sync::watch::Receiver<LinkStatus>| {
        let link = link.borrow().clone();
        sse(&LiveEvent::Hello { link })
    };
    if tx.send(hello(&link)).await.is_err() {
        return;
    }
    loop {
        let mut changed = Changed::default();
        tokio::select! {
            r = events.recv() => if !changed.received(r) { return },
            r = link.changed() => {
                if r.is_err() {
                    return;
                }
                let status = link.borrow_and_update().clone();
                let key = link_key(&status);
                if key != last_link {
                    last_link = key;
                    if tx.send(sse(&LiveEvent::Link(status))).await.is_err() {
                        return;
                    }
                }
                continue;
            }
            r = pms_changed(&mut pms) => {
                let Some(status) = r else { return };
                let key = Some(pms_key(&status));
                if key != last_pms {
                    last_pms = key;
                    if tx.send(sse(&LiveEvent::Pms(status))).await.is_err() {
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
        // A change rarely comes alone (a check-in, then the PBX taking its commands).
        tokio::time::sleep(GATHER).await;
        changed.drain(&mut events);
        if changed.sessions && !session_open(&s, &token).await {
            return;
        }
        let out = if changed.lagged {
            vec![hello(&link)]
        } else {
            match read(&s, &actor, changed).await {
                Ok(out) => out.iter().map(sse).collect(),
                Err(e) => {
                    tracing::warn!("live events: {e}; the reader is asked to read everything again");
                    vec![hello(&link)]
                }
            }
        };
        for e in out {
            if tx.send(e).await.is_err() {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_is_gathered_by_key_once_each() {
        let mut c = Changed::default();
        c.add(&[
            Event::CheckedIn { room: "101".into(), stay: 1 },
            Event::PbxQueued { room: "101".into() },
            Event::WakeupChanged { id: 4, room: "101".into() },
            Event::Moved { from: "101".into(), to: "102".into(), stay: 1 },
            Event::AlertRaised { id: 9 },
            Event::LogWritten { id: 2 },
            Event::SessionsChanged,
        ]);
        assert_eq!(c.rooms.iter().collect::<Vec<_>>(), ["101", "102"]);
        assert_eq!((c.wakeups.len(), c.alerts.len(), c.log.len()), (1, 1, 1));
        assert!(c.sessions && !c.shift && !c.lagged);
    }
}
