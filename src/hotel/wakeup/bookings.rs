//! Bookings: add, list, cancel; and the in-transaction hooks the desk calls on check-out and
//! room moves.

use crate::store::At;
use crate::store::Sql;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use chrono_tz::Tz;
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use tokio::sync::Notify;

use super::report::{self, Report};
use crate::clock::{local_iso, parse_utc, SharedClock};
use crate::domain::event::Event;
use crate::domain::identity::Actor;
use crate::domain::pbx_command::PbxCommand;
use crate::domain::validate::Invalid;
use crate::domain::wakeup::machine::{self, Effect, State};
use crate::domain::wakeup::rule::{self, Repeat, Rule};
use crate::domain::wakeup::status::{WakeStatus, ACTIVE_SQL, AT_OCCURRENCE_SQL};
use crate::hotel::audit::{self, Change};
use crate::hotel::changes;
use crate::store::{outbox, rooms, Priority, Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum WakeupError {
    #[error("room {0} does not exist")]
    UnknownRoom(String),
    #[error("room {0} is vacant: wake-up calls are booked for a stay")]
    Vacant(String),
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error("{0} is in the past")]
    Past(String),
    #[error("room {room} already has wake-up call {id} at {due}")]
    Duplicate { room: String, id: i64, due: String },
    #[error("wake-up call {0} does not exist")]
    Unknown(i64),
    #[error("wake-up call {id} is already {status}")]
    Ended { id: i64, status: WakeStatus },
    /// The PBX cannot ring a room at the moment switchboard chooses (a Mitel keeps wake-ups
    /// itself and reports no result; handing them over is not built yet).
    #[error("this PBX ({protocol}) cannot ring a room when switchboard says: call room {room} by hand")]
    NotOnThisPbx { room: String, protocol: &'static str },
    #[error(transparent)]
    Store(#[from] StoreError),
}

crate::store::sql_errors_into!(WakeupError);

/// A booking request, as the API and CLI give it.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Booking {
    pub room: String,
    /// HH:MM or HH:MM:SS, local; optional only with `cron`.
    pub time: Option<String>,
    /// YYYY-MM-DD: the day of a one-off call, or the first day of `for_days`.
    pub date: Option<String>,
    #[serde(default)]
    pub daily: bool,
    /// e.g. "mon,wed".
    pub days: Option<String>,
    pub for_days: Option<u32>,
    pub cron: Option<String>,
}

/// A booking as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WakeupView {
    pub id: i64,
    pub room: String,
    pub stay: i64,
    /// The rule in English ("daily 07:30:00").
    pub rule: String,
    /// The rule as data, for saying it in another language (null for a rule that cannot be read).
    pub rule_spec: Option<rule::RuleSpec>,
    /// Local ISO-8601 of the next firing (a retry's time while retrying); null once ended.
    pub due: Option<String>,
    pub due_utc: Option<String>,
    pub status: WakeStatus,
    /// Rings so far for the current occurrence.
    pub attempt: u32,
    pub source: String,
    pub created_by: String,
    pub created_at: String,
    pub end_reason: Option<String>,
}

const VIEW_COLUMNS: &str = "id, room, stay, rule, {DUE}, status, attempt, source, created_by, created_at, end_reason";

fn view_columns() -> String {
    VIEW_COLUMNS.replace("{DUE}", &due())
}

/// When a booking next fires as a person sees it: the call's own time while it waits (not the
/// hand-over to a PBX that keeps wake-ups), a retry's time while it retries.
fn due() -> String {
    format!("CASE WHEN status IN {AT_OCCURRENCE_SQL} THEN occurrence_due ELSE next_due END")
}

/// Booking `id` as the API shows it (times in the hotel's zone `tz`).
pub fn view(conn: &Connection, tz: Tz, id: i64) -> Result<Option<WakeupView>, StoreError> {
    Ok(conn
        .row(&format!("SELECT {} FROM wakeups WHERE id = ?1", view_columns()), [id], view_from_row(tz))
        .optional()?)
}

fn view_from_row(tz: Tz) -> impl Fn(&rusqlite::Row) -> rusqlite::Result<WakeupView> {
    move |r| {
        let rule_json: String = r.get(3)?;
        let parsed = serde_json::from_str::<Rule>(&rule_json).ok();
        let rule_spec = parsed.as_ref().map(Rule::spec);
        let rule = parsed.map(|r| r.describe()).unwrap_or(rule_json);
        let due_utc: Option<String> = r.get(4)?;
        let due = due_utc.as_deref().and_then(parse_utc).map(|d| local_iso(d.with_timezone(&tz).naive_local()));
        Ok(WakeupView {
            id: r.get(0)?,
            room: r.get(1)?,
            stay: r.get(2)?,
            rule,
            rule_spec,
            due,
            due_utc,
            status: r.get(5)?,
            attempt: r.get(6)?,
            source: r.get(7)?,
            created_by: r.get(8)?,
            created_at: r.get(9)?,
            end_reason: r.get(10)?,
        })
    }
}

/// How far ahead a call may be booked.
pub const MAX_DAYS_AHEAD: i64 = 366;

/// Turns a request into a rule, given the local time now.
pub fn rule_of(b: &Booking, now_local: NaiveDateTime) -> Result<Rule, WakeupError> {
    let time = b.time.as_deref().map(rule::parse_time).transpose()?;
    let date = b.date.as_deref().map(rule::parse_date).transpose()?;
    let kinds = [b.daily, b.days.is_some(), b.for_days.is_some(), b.cron.is_some()].iter().filter(|k| **k).count();
    if kinds > 1 {
        return Err(Invalid { field: "repeat", msg: "give at most one of daily, days, for_days, cron".into() }.into());
    }
    if date.is_some() && (b.daily || b.days.is_some() || b.cron.is_some()) {
        return Err(Invalid {
            field: "date",
            msg: "a date goes with a one-off call or for_days (its first day)".into(),
        }
        .into());
    }
    if let Some(expr) = &b.cron {
        let expr = rule::parse_cron(expr, time, rule::MIN_WAKEUP_INTERVAL)?;
        return Ok(Rule { time: time.unwrap_or_default(), repeat: Repeat::Cron { expr } });
    }
    let time = time.ok_or(Invalid { field: "time", msg: "give a time such as 07:00".into() })?;
    // Without a date, a call starts at the next occurrence of its time.
    let next_date =
        if now_local.time() < time { now_local.date() } else { now_local.date().succ_opt().unwrap_or(NaiveDate::MAX) };
    // A call is booked for the coming days, not for the year 9999.
    if let Some(d) = date {
        let last = now_local.date() + chrono::Duration::days(MAX_DAYS_AHEAD);
        if d > last {
            return Err(Invalid::new("date", format!("{d} is more than {MAX_DAYS_AHEAD} days ahead")).into());
        }
    }
    let repeat = if b.daily {
        Repeat::Daily
    } else if let Some(days) = &b.days {
        Repeat::Days { days: rule::parse_days(days)? }
    } else if let Some(n) = b.for_days {
        if !(1..=366).contains(&n) {
            return Err(Invalid { field: "for_days", msg: format!("{n} must be 1 to 366") }.into());
        }
        Repeat::ForDays { from: date.unwrap_or(next_date), days: n }
    } else {
        Repeat::Once { date: date.unwrap_or(next_date) }
    };
    Ok(Rule { time, repeat })
}

/// Wake-up bookings over the store.
#[derive(Clone)]
pub struct Wakeups {
    store: Arc<Store>,
    clock: SharedClock,
    tz: Tz,
    /// The PBX's protocol: bookings are refused where it cannot ring a room now.
    pub protocol: crate::domain::pbx_protocol::Protocol,
    /// Wakes the scheduler after a change.
    pub changed: Arc<Notify>,
}

impl Wakeups {
    pub fn new(store: Arc<Store>, clock: SharedClock, tz: Tz, changed: Arc<Notify>) -> Self {
        Wakeups { store, clock, tz, protocol: Default::default(), changed }
    }

    pub fn timezone(&self) -> Tz {
        self.tz
    }

    fn now(&self) -> (DateTime<Utc>, NaiveDateTime) {
        let now = self.clock.now();
        (now, now.with_timezone(&self.tz).naive_local())
    }

    /// Books a call for the stay in `b.room`.
    pub async fn add(&self, actor: &Actor, b: &Booking, source: &str) -> Result<WakeupView, WakeupError> {
        let (me, actor, b, source) = (self.clone(), actor.clone(), b.clone(), source.to_string());
        let id = self.store.write(Priority::Normal, move |tx| me.add_in(tx, &actor, &b, &source)).await?;
        self.changed.notify_one();
        self.get(id).await
    }

    /// Books a call inside the caller's transaction (a handset booking is committed with its
    /// "handled" mark); returns its id. Every refusal comes before anything is written.
    pub fn add_in(&self, tx: &Connection, actor: &Actor, b: &Booking, source: &str) -> Result<i64, WakeupError> {
        let (now, now_local) = self.now();
        let rule = rule_of(b, now_local)?;
        if let Repeat::Once { date } = &rule.repeat {
            let at = date.and_time(rule.time);
            if b.date.is_some() && rule::resolve(self.tz, at) <= now {
                return Err(WakeupError::Past(local_iso(at).replace('T', " ")));
            }
        }
        let (due, due_local) = rule
            .next_after(self.tz, now_local)
            .ok_or_else(|| WakeupError::Past(format!("every time of {}", rule.describe())))?;
        let due_text = crate::clock::timestamp(due);
        {
            if !rooms::exists(tx, &b.room)? {
                return Err(WakeupError::UnknownRoom(b.room.clone()));
            }
            let caps = self.protocol.capabilities();
            if !caps.ring_now && !caps.wakeup_kept_by_pbx {
                return Err(WakeupError::NotOnThisPbx { room: b.room.clone(), protocol: self.protocol.as_str() });
            }
            let stay = rooms::active_stay(tx, &b.room)?.ok_or_else(|| WakeupError::Vacant(b.room.clone()))?;
            let dup: Option<i64> = tx.row(&duplicate_sql(), params![b.room, due_text], |r| r.get(0)).optional()?;
            if let Some(id) = dup {
                return Err(WakeupError::Duplicate { room: b.room.clone(), id, due: local_iso(due_local) });
            }
            let rule_json = serde_json::to_string(&rule).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            // A PBX that keeps wake-ups is handed the call ahead of its time (at once, within a day).
            let next_due = if caps.wakeup_kept_by_pbx {
                crate::clock::timestamp(crate::domain::wakeup::machine::handover_at(due, now))
            } else {
                due_text.clone()
            };
            tx.exec(
                "INSERT INTO wakeups(stay, room, rule, status, next_due, next_local, occurrence_due, source, created_by, created_at)
                 VALUES (?1, ?2, ?3, ?9, ?10, ?5, ?4, ?6, ?7, ?8)",
                params![
                    stay.id,
                    b.room,
                    rule_json,
                    due_text,
                    local_iso(due_local),
                    source,
                    actor.login,
                    At(now),
                    WakeStatus::Scheduled,
                    next_due
                ],
            )
            ?;
            let id = tx.last_insert_rowid();
            changes::record(tx, Event::WakeupChanged { id, room: b.room.clone() })?;
            let change = Change::new("wakeup_add")
                .room(&b.room)
                .stay(stay.id)
                .subject(format!("wake-up {id} ({source})"))
                .params(serde_json::json!({ "wakeup": id, "source": source, "rule": rule.spec(), "first": local_iso(due_local) }))
                .after(format!("{}, first {}", rule.describe(), local_iso(due_local)));
            audit::record(tx, now, actor, &change)?;
            Ok(id)
        }
    }

    pub async fn get(&self, id: i64) -> Result<WakeupView, WakeupError> {
        let tz = self.tz;
        self.store.read(move |c| view(c, tz, id)?.ok_or(WakeupError::Unknown(id))).await
    }

    /// Active bookings (or, with `all`, the last 1000 of any state), soonest first.
    pub async fn list(&self, room: Option<&str>, all: bool) -> Result<Vec<WakeupView>, WakeupError> {
        let filter = if all { "1 = 1".to_string() } else { format!("status IN {ACTIVE_SQL}") };
        let sql_text = format!(
            "SELECT {} FROM wakeups WHERE {filter} AND (?1 IS NULL OR room = ?1)
             ORDER BY next_due IS NULL, {}, id LIMIT 1000",
            view_columns(),
            due()
        );
        let (tz, room) = (self.tz, room.map(str::to_string));
        self.store
            .read(move |c| {
                let mut stmt = c.prepare_cached(&sql_text)?;
                let rows = stmt.query_map([room], view_from_row(tz))?.collect::<Result<_, _>>()?;
                Ok(rows)
            })
            .await
    }

    /// Cancels a booking (and a ring in progress).
    pub async fn cancel(&self, actor: &Actor, id: i64, reason: &str) -> Result<WakeupView, WakeupError> {
        let (me, actor, reason) = (self.clone(), actor.clone(), reason.to_string());
        self.store.write(Priority::Normal, move |tx| me.cancel_in(tx, &actor, id, &reason)).await?;
        self.changed.notify_one();
        self.get(id).await
    }

    /// Cancels a booking inside the caller's transaction.
    pub fn cancel_in(&self, tx: &Connection, actor: &Actor, id: i64, reason: &str) -> Result<(), WakeupError> {
        let now = self.clock.now();
        {
            let (status, room, stay): (WakeStatus, String, i64) = tx
                .row("SELECT status, room, stay FROM wakeups WHERE id = ?1", [id], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })
                .optional()?
                .ok_or(WakeupError::Unknown(id))?;
            if !status.is_active() {
                return Err(WakeupError::Ended { id, status });
            }
            end_booking(tx, now, id, actor, WakeStatus::Cancelled, reason)?;
            let change = Change::new("wakeup_cancel")
                .room(&room)
                .stay(stay)
                .subject(format!("wake-up {id}"))
                .params(serde_json::json!({ "wakeup": id }))
                .before(status.as_str())
                .after(reason);
            audit::record(tx, now, actor, &change)?;
            Ok(())
        }
    }

    /// Every call of one local day: attempts and outcomes.
    pub async fn report(&self, date: NaiveDate) -> Result<Report, WakeupError> {
        let tz = self.tz;
        let mut r = self.store.read(move |c| report::report(c, tz, date)).await?;
        r.rung_at_the_pbx_minute = self.protocol == crate::domain::pbx_protocol::Protocol::Neax;
        Ok(r)
    }
}

/// Stops a ring in progress at the PBX (`WC` for the ring's time), ahead of other traffic.
fn stop_ring(tx: &Connection, now: DateTime<Utc>, room: &str, ring_local: Option<String>) -> Result<(), StoreError> {
    if let Some(at) = ring_local.and_then(|l| NaiveDateTime::parse_from_str(&l, "%Y-%m-%dT%H:%M:%S").ok()) {
        outbox::push(tx, now, room, &PbxCommand::RingCancel { at }, outbox::PRIORITY_URGENT)?;
    }
    Ok(())
}

/// Ends a booking as the machine says ([`machine::end`]): a ring in progress is stopped at the
/// PBX (`WC`) and its attempt closed.
pub fn end_booking(
    tx: &Connection,
    now: DateTime<Utc>,
    id: i64,
    actor: &Actor,
    new_status: WakeStatus,
    reason: &str,
) -> Result<(), StoreError> {
    let (state, room, ring_local) = ring_state(tx, id)?;
    for effect in machine::end(state, new_status).1 {
        match effect {
            Effect::StopRing => stop_ring(tx, now, &room, ring_local.clone())?,
            Effect::CloseAttempt(result) => close_attempt(tx, now, id, result)?,
            Effect::End(status) => {
                tx.exec(
                    "UPDATE wakeups SET status = ?2, next_due = NULL, ring_deadline = NULL, ended_by = ?3, ended_at = ?4,
                     end_reason = ?5 WHERE id = ?1",
                    params![id, status, actor.login, At(now), reason],
                )?;
                changes::record(tx, Event::WakeupEnded { id, room: room.clone(), status })?;
            }
            other => unreachable_effect(other)?,
        }
    }
    Ok(())
}

/// A booking's state for the machine, with its room and the local time of a ring in progress.
fn ring_state(tx: &Connection, id: i64) -> Result<(State, String, Option<String>), StoreError> {
    Ok(tx.row("SELECT status, attempt, room, ring_local FROM wakeups WHERE id = ?1", [id], |r| {
        Ok((State { status: r.get(0)?, attempt: r.get(1)? }, r.get(2)?, r.get(3)?))
    })?)
}

fn close_attempt(tx: &Connection, now: DateTime<Utc>, id: i64, result: &str) -> Result<(), StoreError> {
    tx.exec(
        "UPDATE wakeup_attempts SET result = ?3, result_at = ?2 WHERE wakeup = ?1 AND result IS NULL",
        params![id, At(now), result],
    )?;
    Ok(())
}

/// An effect the machine never gives for the input at hand: a bug, refused rather than ignored.
pub(super) fn unreachable_effect(effect: Effect) -> Result<(), StoreError> {
    Err(StoreError::Corrupt(format!("the wake-up machine asked for {effect:?} here")))
}

/// Check-out: every call of the stay ends, a ring in progress included (the PBX gets `WC`).
pub fn cancel_for_stay(tx: &Connection, now: DateTime<Utc>, actor: &Actor, stay: i64) -> Result<usize, StoreError> {
    let ids: Vec<i64> = {
        let mut stmt =
            tx.prepare_cached(&format!("SELECT id FROM wakeups WHERE stay = ?1 AND status IN {ACTIVE_SQL}"))?;
        let ids = stmt.query_map([stay], |r| r.get(0))?.collect::<Result<_, _>>()?;
        ids
    };
    for id in &ids {
        end_booking(tx, now, *id, actor, WakeStatus::Cancelled, "check-out")?;
        audit::record(
            tx,
            now,
            actor,
            &Change::new("wakeup_cancel")
                .stay(stay)
                .subject(format!("wake-up {id}"))
                .after("check-out")
                .params(serde_json::json!({ "wakeup": id })),
        )?;
    }
    Ok(ids.len())
}

/// Room move: the stay's calls follow it; a ring in progress stops in the old room and starts
/// again at once in the new one (without using up an attempt).
pub fn move_stay(tx: &Connection, now: DateTime<Utc>, stay: i64, to: &str) -> Result<usize, StoreError> {
    // Ringing, or kept by the PBX in the old room.
    let ringing: Vec<i64> = {
        let mut stmt = tx.prepare_cached("SELECT id FROM wakeups WHERE stay = ?1 AND status IN (?2, ?3)")?;
        let rows = stmt
            .query_map(params![stay, WakeStatus::Ringing, WakeStatus::KeptByPbx], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        rows
    };
    for id in ringing {
        let (state, old_room, ring_local) = ring_state(tx, id)?;
        let (next, effects) = machine::moved(state, now);
        for effect in effects {
            match effect {
                Effect::StopRing => stop_ring(tx, now, &old_room, ring_local.clone())?,
                Effect::CloseAttempt(result) => close_attempt(tx, now, id, result)?,
                Effect::RetryAt(t) => {
                    tx.exec(
                        "UPDATE wakeups SET status = ?2, next_due = ?3, ring_deadline = NULL, attempt = ?4 WHERE id = ?1",
                        params![id, next.status, crate::clock::timestamp(t), next.attempt],
                    )?;
                }
                other => unreachable_effect(other)?,
            }
        }
    }
    // Every active call follows, the one that was ringing (now waiting to retry) included.
    let following: Vec<i64> = {
        let mut stmt = tx.prepare_cached(&format!(
            "UPDATE wakeups SET room = ?2 WHERE stay = ?1 AND status IN {ACTIVE_SQL} RETURNING id"
        ))?;
        let ids = stmt.query_map(params![stay, to], |r| r.get(0))?.collect::<Result<_, _>>()?;
        ids
    };
    for &id in &following {
        changes::record(tx, Event::WakeupChanged { id, room: to.to_string() })?;
    }
    Ok(following.len())
}

/// The active booking of a room (?1) for the same occurrence time (?2), if any.
fn duplicate_sql() -> String {
    format!("SELECT id FROM wakeups WHERE room = ?1 AND occurrence_due = ?2 AND status IN {ACTIVE_SQL}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Every booking asks this in the writer thread: a scan of the active bookings there slows
    /// every request (api_load fell by half once, stop 25).
    #[test]
    fn the_duplicate_check_at_every_booking_uses_an_index() {
        let mut c = rusqlite::Connection::open_in_memory().unwrap();
        crate::store::migrations::migrate(&mut c).unwrap();
        let plan: Vec<String> = c
            .prepare(&format!("EXPLAIN QUERY PLAN {}", duplicate_sql()))
            .unwrap()
            .query_map(params!["101", "2026-03-01T07:00:00Z"], |r| r.get(3))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(plan.iter().any(|p| p.contains("USING INDEX wakeups_by_room_occurrence")), "{plan:?}");
    }

    /// A cron field over `lo..=hi`: any, a step, a value, a range or a list.
    fn field(lo: u32, hi: u32) -> impl Strategy<Value = String> {
        prop_oneof![
            Just("*".to_string()),
            (1..=hi.max(2)).prop_map(|n| format!("*/{n}")),
            (lo..=hi).prop_map(|n| n.to_string()),
            (lo..=hi, lo..=hi).prop_map(|(a, b)| format!("{}-{}", a.min(b), a.max(b))),
            (lo..=hi, lo..=hi).prop_map(|(a, b)| format!("{a},{b}")),
        ]
    }

    fn now() -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 3, 1).unwrap().and_hms_opt(12, 0, 0).unwrap()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        /// Whatever cron a desk or a script sends, an accepted rule never rings one booking more
        /// often than once an hour.
        #[test]
        fn no_rule_rings_more_often_than_the_minimum_interval(
            sec in field(0, 59), min in field(0, 59), hour in field(0, 23),
            dom in field(1, 31), month in field(1, 12), dow in field(0, 6),
            time in proptest::option::of((0u32..24, 0u32..60)),
        ) {
            let b = Booking {
                room: "101".into(),
                cron: Some(format!("{sec} {min} {hour} {dom} {month} {dow}")),
                time: time.map(|(h, m)| format!("{h:02}:{m:02}")),
                ..Default::default()
            };
            if let Ok(rule) = rule_of(&b, now()) {
                let (mut at, mut prev) = (now(), None::<NaiveDateTime>);
                for _ in 0..300 {
                    let Some(next) = rule.next_local_after(at) else { break };
                    if let Some(p) = prev {
                        prop_assert!(next - p >= chrono::Duration::hours(1), "{:?}: {p} then {next}", b.cron);
                    }
                    prev = Some(next);
                    at = next;
                }
            }
        }
    }

    #[test]
    fn calls_are_booked_for_the_coming_year_only() {
        let b = |date: &str| Booking {
            room: "101".into(),
            time: Some("07:00".into()),
            date: Some(date.into()),
            ..Default::default()
        };
        assert!(rule_of(&b("2027-02-28"), now()).is_ok());
        let e = rule_of(&b("9999-12-31"), now()).unwrap_err().to_string();
        assert!(e.starts_with("date:") && e.contains("366 days ahead"), "{e}");
        let every_second = Booking { room: "101".into(), cron: Some("* * * * * *".into()), ..Default::default() };
        assert!(rule_of(&every_second, now()).unwrap_err().to_string().starts_with("cron:"));
    }
}
