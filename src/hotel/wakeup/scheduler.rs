//! The wake-up scheduler: fires calls on the second, retries, escalates.
//!
//! It sleeps until the next due time (or ring deadline), never polls; takes "now" from the
//! injected clock; and keeps its state in the store, so a restart resumes where it stopped:
//! - a call due while the service was down rings if at most `late_grace` late, otherwise it
//!   becomes a "missed" alert for a person;
//! - a ring that was in progress rings no second time: its attempt ends as unanswered when its
//!   deadline passes (an unsent ring expires in the outbox), and the retry policy continues.
//!
//! Firing a call writes the attempt and an urgent "ring room now" outbox row in one
//! transaction; the PBX's `WA` (via the link) or the ring timeout is the attempt's outcome.
//! The PBX offline at the due time (no link for [`PBX_SETTLE`] past it): a person is alerted at
//! once ("call room 101 by hand") and the retries go on as policy says. At most `max_concurrent` rooms ring at once; the rest wait
//! in due order. With a PBX that keeps wake-ups (a Mitel) a call is handed to it instead of rung.
//!
//! What the PBX reports back (answers, handset bookings) is acted on in `super::inbox`.

use crate::store::Sql;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, Timelike, Utc};
use chrono_tz::Tz;
use rusqlite::{params, Connection};
use tokio::sync::{watch, Notify};

use super::bookings::{end_booking, unreachable_effect, Wakeups};
use crate::clock::SharedClock;
use crate::clock::{local_iso, parse_utc};
use crate::config::WakeupConfig;
use crate::domain::event::Event;
use crate::domain::identity::Actor;
use crate::domain::link::{LinkState, LinkStatus};
use crate::domain::pbx_command::PbxCommand;
use crate::domain::wakeup::machine::{self, Effect, Input, Policy, State};
use crate::domain::wakeup::rule::Rule;
use crate::domain::wakeup::status::{WakeStatus, ACTIVE_SQL, RINGING_NOW, WAITING_SQL};
use crate::hotel::alerts;
use crate::hotel::changes;
use crate::store::{outbox, rooms, Priority, Store, StoreError};

/// The PBX as the scheduler sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pbx {
    Up,
    /// Not up, but only since `until - PBX_SETTLE` (starting, reconnecting): calls wait.
    Settling {
        until: DateTime<Utc>,
    },
    /// Not up for PBX_SETTLE or more: due calls go to a person at once.
    Offline,
}

#[derive(Clone)]
pub struct Scheduler {
    pub pbx: Pbx,
    pub store: Arc<Store>,
    pub clock: SharedClock,
    pub tz: Tz,
    pub cfg: WakeupConfig,
    pub link: watch::Receiver<LinkStatus>,
    pub changed: Arc<Notify>,
    /// Rung when the link put a PBX report in the inbox.
    pub inbox: Arc<Notify>,
    pub wakeups: Wakeups,
}

fn ts(t: DateTime<Utc>) -> String {
    crate::clock::timestamp(t)
}

/// Attempt times keep milliseconds: "on the second" must be provable.
fn ts_ms(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// How long the link may be down (starting, reconnecting) before the PBX counts as offline
/// and due calls go to a person; until then they wait for it.
pub const PBX_SETTLE: Duration = Duration::from_secs(10);

fn chrono_dur(d: Duration) -> chrono::Duration {
    crate::config::duration::chrono(d)
}

/// One due call, as read for firing.
struct Due {
    id: i64,
    next_due: String,
    occurrence_due: String,
    status: WakeStatus,
    attempt: u32,
}

impl Scheduler {
    pub async fn run(mut self) {
        let mut down_since: Option<DateTime<Utc>> = None;
        loop {
            let now = self.clock.now();
            if self.link.borrow_and_update().link == LinkState::Up {
                down_since = None;
            } else if down_since.is_none() {
                down_since = Some(now);
            }
            self.pbx = match down_since {
                None => Pbx::Up,
                Some(t) if now - t >= chrono_dur(PBX_SETTLE) => Pbx::Offline,
                Some(t) => Pbx::Settling { until: t + chrono_dur(PBX_SETTLE) },
            };
            // What the PBX said first (an answer ends a ring before its deadline is looked at);
            // at start-up this is whatever a crash left unhandled.
            if let Err(e) = self.process_inbox(now).await {
                tracing::error!("wake-up scheduler: the PBX's reports: {e}");
            }
            if let Err(e) = self.step(now).await {
                tracing::error!("wake-up scheduler: {e}");
            }
            let wake = self.next_wake().await.unwrap_or_else(|e| {
                tracing::error!("wake-up scheduler: {e}");
                Some(now + chrono::Duration::seconds(5))
            });
            let sleep = match wake {
                Some(t) => (t - now).to_std().unwrap_or(Duration::ZERO).min(Duration::from_secs(3600)),
                None => Duration::from_secs(3600),
            };
            // Only the link going up or down matters here, not its counters (which change with
            // every frame).
            let up = down_since.is_none();
            let link = &mut self.link;
            let flipped = async move {
                if link.wait_for(|s| (s.link == LinkState::Up) != up).await.is_err() {
                    std::future::pending::<()>().await // the link task is gone: nothing to wait for
                }
            };
            tokio::select! {
                _ = tokio::time::sleep(sleep) => {}
                _ = self.changed.notified() => {}
                _ = flipped => {}
                _ = self.inbox.notified() => {}
            }
        }
    }

    /// When the scheduler next has something to do.
    pub async fn next_wake(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let max = self.cfg.max_concurrent as i64;
        let settling = match self.pbx {
            Pbx::Settling { until } => Some(until),
            _ => None,
        };
        self.store
            .read(move |c| {
                let ringing: i64 = c.row(RINGING_NOW, [WakeStatus::Ringing], |r| r.get(0))?;
                let deadline: Option<String> =
                    c.row("SELECT MIN(ring_deadline) FROM wakeups WHERE status = ?1", [WakeStatus::Ringing], |r| {
                        r.get(0)
                    })?;
                let due: Option<String> = if ringing < max {
                    c.row(&format!("SELECT MIN(next_due) FROM wakeups WHERE status IN {WAITING_SQL}"), [], |r| {
                        r.get(0)
                    })?
                } else {
                    None
                };
                // While the link settles, due calls wait for it (or for the end of the settling).
                let due = due.and_then(|d| parse_utc(&d)).map(|d| settling.map_or(d, |u| d.max(u)));
                Ok([deadline.and_then(|d| parse_utc(&d)), due].into_iter().flatten().min())
            })
            .await
    }

    /// Does everything due at `now`: ring timeouts, then due calls up to the concurrency cap.
    pub async fn step(&self, now: DateTime<Utc>) -> Result<(), StoreError> {
        let now_text = ts(now);
        let at = now_text.clone();
        let timed_out: Vec<i64> = self
            .store
            .read(move |c| {
                let mut stmt = c.prepare_cached(
                    "SELECT id FROM wakeups WHERE status = ?2 AND ring_deadline <= ?1 ORDER BY ring_deadline",
                )?;
                let ids = stmt.query_map(params![at, WakeStatus::Ringing], |r| r.get(0))?.collect::<Result<_, _>>()?;
                Ok::<_, StoreError>(ids)
            })
            .await?;
        for id in timed_out {
            let me = self.clone();
            self.store.write(Priority::Urgent, move |tx| me.outcome(tx, now, id, "no_answer")).await?;
        }
        let link_up = match self.pbx {
            Pbx::Up => true,
            Pbx::Offline => false,
            Pbx::Settling { .. } => return Ok(()),
        };
        // A look first, on the read connection: the scheduler runs at every booking change, and
        // a write for nothing waited behind the desk's writes (and flushed the disk), so that a
        // call falling due meanwhile was late.
        let at = now_text.clone();
        let any_due: bool = self
            .store
            .read(move |c| {
                c.row(
                    &format!("SELECT EXISTS(SELECT 1 FROM wakeups WHERE status IN {WAITING_SQL} AND next_due <= ?1)"),
                    [&at],
                    |r| r.get(0),
                )
                .map_err(StoreError::from)
            })
            .await?;
        if !any_due {
            return Ok(());
        }
        // The writer runs the job: it takes a copy of the scheduler's settings and handles.
        let me = self.clone();
        self.store
            .write(Priority::Urgent, move |tx| {
                let ringing: i64 = tx.row(RINGING_NOW, [WakeStatus::Ringing], |r| r.get(0))?;
                let capacity = (me.cfg.max_concurrent as i64 - ringing).max(0);
                if capacity == 0 {
                    return Ok::<_, StoreError>(0);
                }
                let due: Vec<Due> = {
                    let mut stmt = tx.prepare_cached(&format!(
                        "SELECT id, next_due, status, attempt, occurrence_due FROM wakeups
                         WHERE status IN {WAITING_SQL} AND next_due <= ?1 ORDER BY next_due, id LIMIT ?2"
                    ))?;
                    let rows = stmt
                        .query_map(params![now_text, capacity], |r| {
                            Ok(Due {
                                id: r.get(0)?,
                                next_due: r.get(1)?,
                                status: r.get(2)?,
                                attempt: r.get(3)?,
                                occurrence_due: r.get(4)?,
                            })
                        })?
                        .collect::<Result<_, _>>()?;
                    rows
                };
                for d in &due {
                    me.fire(tx, now, d, link_up)?;
                }
                Ok(due.len())
            })
            .await?;
        Ok(())
    }

    fn occurrence_label(&self, next_local: &str) -> String {
        next_local.get(11..16).map(str::to_string).unwrap_or_else(|| next_local.to_string())
    }

    /// The hotel's rules for booking `id` (a VIP's call may go to a person sooner).
    fn policy(&self, tx: &Connection, id: i64) -> Result<Policy, StoreError> {
        let vip = self.cfg.vip_to_operator
            && tx.row(
                "SELECT COALESCE((SELECT s.vip FROM stays s WHERE s.id = w.stay), 0) FROM wakeups w WHERE w.id = ?1",
                [id],
                |r| r.get::<_, bool>(0),
            )?;
        Ok(Policy {
            attempts: self.cfg.attempts,
            retry_interval: chrono_dur(self.cfg.retry_interval),
            ring_timeout: chrono_dur(self.cfg.ring_timeout),
            late_grace: chrono_dur(self.cfg.late_grace),
            person_at_first_miss: vip,
            kept_by_pbx: self.kept_by_pbx(),
        })
    }

    /// The PBX keeps wake-ups itself (a Mitel): calls are handed to it, not rung from here.
    fn kept_by_pbx(&self) -> bool {
        self.wakeups.protocol.capabilities().wakeup_kept_by_pbx
    }

    fn fire(&self, tx: &Connection, now: DateTime<Utc>, d: &Due, link_up: bool) -> Result<(), StoreError> {
        let due = parse_utc(&d.next_due).unwrap_or(now);
        let occurrence = parse_utc(&d.occurrence_due).unwrap_or(due);
        let state = State { status: d.status, attempt: d.attempt };
        let mut pbx_up = link_up;
        if d.status == WakeStatus::KeptByPbx {
            // Handed over only if the PBX took it: a hand-over still queued at the call's time
            // never reached it.
            pbx_up = !tx.row(
                "SELECT EXISTS(SELECT 1 FROM outbox o JOIN wakeups w ON w.room = o.room
                 WHERE w.id = ?1 AND o.attr = 'wakeup' AND o.command LIKE '{\"kind\":\"ring\",%')",
                [d.id],
                |r| r.get::<_, bool>(0),
            )?;
        }
        self.act(tx, now, d.id, state, Input::Due { due, occurrence, pbx_up })
    }

    /// An attempt ended (PBX answer or ring timeout).
    pub(super) fn outcome(&self, tx: &Connection, now: DateTime<Utc>, id: i64, result: &str) -> Result<(), StoreError> {
        let state = tx.row("SELECT status, attempt FROM wakeups WHERE id = ?1", [id], |r| {
            Ok(State { status: r.get(0)?, attempt: r.get(1)? })
        })?;
        tx.exec(
            "UPDATE wakeup_attempts SET result = ?2, result_at = ?3 WHERE wakeup = ?1 AND result IS NULL",
            params![id, result, ts_ms(now)],
        )?;
        tx.exec("UPDATE wakeups SET ring_deadline = NULL WHERE id = ?1", [id])?;
        tracing::info!(wakeup = id, attempt = state.attempt, "wake-up attempt: {result}");
        self.act(tx, now, id, state, Input::Rang { answered: result == "answered" })
    }

    /// Asks the machine what `input` means for booking `id` and writes its effects.
    fn act(&self, tx: &Connection, now: DateTime<Utc>, id: i64, state: State, input: Input) -> Result<(), StoreError> {
        let (next, effects) = machine::transition(state, input, now, &self.policy(tx, id)?);
        if effects.is_empty() {
            return Ok(());
        }
        let (room, occurrence_due, next_local): (String, String, String) =
            tx.row("SELECT room, occurrence_due, next_local FROM wakeups WHERE id = ?1", [id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })?;
        let (now_ms, at) = (ts_ms(now), self.occurrence_label(&next_local));
        changes::record(tx, Event::WakeupChanged { id, room: room.clone() })?;
        for effect in effects {
            match effect {
                Effect::AttemptFailed { attempt, result } => {
                    tx.exec(
                        "INSERT INTO wakeup_attempts(wakeup, room, occurrence_due, attempt, started_at, result, result_at)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?5)",
                        params![id, room, occurrence_due, attempt, now_ms, result],
                    )?;
                    tx.exec("UPDATE wakeups SET attempt = ?2 WHERE id = ?1", params![id, attempt])?;
                }
                Effect::Ring { attempt, deadline } => {
                    let ring_local = now.with_timezone(&self.tz).naive_local().with_nanosecond(0).unwrap_or_default();
                    tx.exec(
                        "INSERT INTO wakeup_attempts(wakeup, room, occurrence_due, attempt, started_at)
                         VALUES (?1, ?2, ?3, ?4, ?5)",
                        params![id, room, occurrence_due, attempt, now_ms],
                    )?;
                    tx.exec(
                        "UPDATE wakeups SET status = ?2, attempt = ?3, ring_deadline = ?4, ring_local = ?5 WHERE id = ?1",
                        params![id, next.status, attempt, ts(deadline), local_iso(ring_local)],
                    )?;
                    let ring = PbxCommand::Ring { at: ring_local, expires: ts(deadline) };
                    outbox::push(tx, now, &room, &ring, outbox::PRIORITY_URGENT)?;
                    tracing::info!(wakeup = id, room = %room, attempt, "ringing for the wake-up call at {at}");
                }
                Effect::Alert(alert) => {
                    let mut facts = alert.facts();
                    (facts["wakeup"], facts["room"], facts["at"]) =
                        (id.into(), room.as_str().into(), at.as_str().into());
                    let text = alert.text(id, &room, &at);
                    alerts::raise(tx, now, alert.into(), Some(&room), Some(id), facts, &text)?;
                }
                Effect::RetryAt(t) => {
                    tx.exec(
                        "UPDATE wakeups SET status = ?2, next_due = ?3 WHERE id = ?1",
                        params![id, next.status, ts(t)],
                    )?;
                }
                Effect::HandOver { occurrence } => {
                    // The PBX rings at the call's local time; what it cannot take by then is void.
                    tx.exec(
                        "UPDATE wakeups SET status = ?2, next_due = ?3, ring_local = next_local WHERE id = ?1",
                        params![id, next.status, ts(occurrence)],
                    )?;
                    let local = NaiveDateTime::parse_from_str(&next_local, "%Y-%m-%dT%H:%M:%S")
                        .map_err(|e| StoreError::Corrupt(format!("wake-up {id}: {e}")))?;
                    let keep = PbxCommand::Ring { at: local, expires: ts(occurrence) };
                    outbox::push(tx, now, &room, &keep, outbox::PRIORITY_URGENT)?;
                    tracing::info!(wakeup = id, room = %room, "wake-up call at {at} handed to the PBX to keep");
                }
                Effect::Finish(status) => self.finish_occurrence(tx, now, id, status)?,
                other @ (Effect::StopRing | Effect::CloseAttempt(_) | Effect::End(_)) => unreachable_effect(other)?,
            }
        }
        Ok(())
    }

    /// The occurrence is over: the next one of a recurring booking (while the stay lasts), or
    /// the booking ends as `final_status`.
    fn finish_occurrence(
        &self,
        tx: &Connection,
        now: DateTime<Utc>,
        id: i64,
        final_status: WakeStatus,
    ) -> Result<(), StoreError> {
        let (rule_json, next_local, stay, room): (String, String, i64, String) =
            tx.row("SELECT rule, next_local, stay, room FROM wakeups WHERE id = ?1", [id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })?;
        let rule: Rule =
            serde_json::from_str(&rule_json).map_err(|e| StoreError::Corrupt(format!("wake-up {id}: {e}")))?;
        let stay_active = rooms::stay(tx, stay)?.is_some_and(|s| s.checked_out_at.is_none());
        let occurrence = NaiveDateTime::parse_from_str(&next_local, "%Y-%m-%dT%H:%M:%S").ok();
        let next = occurrence.filter(|_| rule.is_recurring() && stay_active).and_then(|l| rule.next_after(self.tz, l));
        match next {
            Some((due, local)) => {
                // A PBX that keeps wake-ups is handed the next one ahead of its time.
                let next_due = if self.kept_by_pbx() { machine::handover_at(due, now) } else { due };
                tx.exec(
                    "UPDATE wakeups SET status = ?4, attempt = 0, next_due = ?5, occurrence_due = ?2, next_local = ?3,
                     ring_deadline = NULL WHERE id = ?1",
                    params![id, ts(due), local_iso(local), WakeStatus::Scheduled, ts(next_due)],
                )?;
                changes::record(tx, Event::WakeupChanged { id, room })?;
            }
            None => {
                let end = if rule.is_recurring() && final_status == WakeStatus::Done {
                    WakeStatus::Done
                } else {
                    final_status
                };
                tx.exec(
                    "UPDATE wakeups SET status = ?2, next_due = NULL, ring_deadline = NULL, ended_at = ?3 WHERE id = ?1",
                    params![id, end, ts(now)],
                )?;
                changes::record(tx, Event::WakeupEnded { id, room, status: end })?;
            }
        }
        Ok(())
    }
}

/// Ends every active booking whose stay is over (a safety net; check-out already does it).
pub fn end_bookings_of_past_stays(tx: &Connection, now: DateTime<Utc>) -> Result<usize, StoreError> {
    let ids: Vec<i64> = {
        let mut stmt = tx.prepare_cached(&format!(
            "SELECT w.id FROM wakeups w JOIN stays s ON s.id = w.stay
             WHERE w.status IN {ACTIVE_SQL} AND s.checked_out_at IS NOT NULL"
        ))?;
        let ids = stmt.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
        ids
    };
    for id in &ids {
        end_booking(tx, now, *id, &Actor::system(), WakeStatus::Cancelled, "stay ended")?;
    }
    Ok(ids.len())
}
