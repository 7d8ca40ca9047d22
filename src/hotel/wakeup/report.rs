//! The wake-up report of one local day: every call, its attempts and outcome (for the desk,
//! the nightly file and the CLI).

use chrono::NaiveDate;
use chrono_tz::Tz;
use rusqlite::{params, Connection};
use serde::{Deserialize, Serialize};

use crate::clock::{local_iso, parse_utc, timestamp};
use crate::domain::wakeup::rule;
use crate::store::StoreError;

/// Every call of one local day: attempts and outcomes.
pub fn report(c: &Connection, tz: Tz, date: NaiveDate) -> Result<Report, StoreError> {
    let start = rule::resolve(tz, date.and_hms_opt(0, 0, 0).expect("midnight"));
    let end = rule::resolve(tz, date.succ_opt().unwrap_or(date).and_hms_opt(0, 0, 0).expect("midnight"));
    type Row = (i64, String, String, u32, String, Option<String>, Option<String>);
    let mut stmt = c.prepare_cached(
        "SELECT wakeup, room, occurrence_due, attempt, started_at, result, result_at FROM wakeup_attempts
         WHERE occurrence_due >= ?1 AND occurrence_due < ?2 ORDER BY occurrence_due, wakeup, id",
    )?;
    let rows: Vec<Row> = stmt
        .query_map(params![timestamp(start), timestamp(end)], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?))
        })?
        .collect::<Result<_, _>>()?;
    let mut calls: Vec<ReportCall> = Vec::new();
    for (wakeup, room, due, attempt, started_at, result, result_at) in rows {
        let due_local = parse_utc(&due).map(|d| local_iso(d.with_timezone(&tz).naive_local())).unwrap_or(due.clone());
        let same = calls.last().is_some_and(|c| c.wakeup == wakeup && c.due_utc == due);
        if !same {
            calls.push(ReportCall {
                wakeup,
                room: room.clone(),
                due: due_local,
                due_utc: due,
                attempts: vec![],
                outcome: String::new(),
            });
        }
        let call = calls.last_mut().expect("pushed above");
        call.attempts.push(ReportAttempt { attempt, room, started_at, result, result_at });
    }
    for c in &mut calls {
        let last = c.attempts.last().and_then(|a| a.result.clone());
        // Every ring found the line busy: the guest was on the phone, not asleep.
        let all_busy = c.attempts.iter().all(|a| a.result.as_deref() == Some("busy"));
        c.outcome = match last.as_deref() {
            Some("answered") => "answered".into(),
            // Handed to a PBX that keeps wake-ups: it rang; it says nothing of how it went.
            Some("kept_by_pbx") => "kept_by_pbx".into(),
            Some("missed") => "missed".into(),
            Some("cancelled") => "cancelled".into(),
            None => "in progress".into(),
            Some(_) if all_busy => "busy".into(),
            Some(_) => "not answered".into(),
        };
    }
    let count = |o: &str| calls.iter().filter(|c| c.outcome == o).count();
    let summary = ReportSummary {
        calls: calls.len(),
        answered: count("answered"),
        not_answered: count("not answered"),
        busy: count("busy"),
        missed: count("missed"),
        cancelled: count("cancelled"),
        in_progress: count("in progress"),
        kept_by_pbx: count("kept_by_pbx"),
    };
    Ok(Report { date: date.to_string(), calls, summary, rung_at_the_pbx_minute: false })
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReportAttempt {
    pub attempt: u32,
    pub room: String,
    pub started_at: String,
    pub result: Option<String>,
    pub result_at: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReportCall {
    pub wakeup: i64,
    pub room: String,
    pub due: String,
    pub due_utc: String,
    pub attempts: Vec<ReportAttempt>,
    /// answered, not answered (escalated or retrying), missed, cancelled, in progress.
    pub outcome: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReportSummary {
    pub calls: usize,
    pub answered: usize,
    pub not_answered: usize,
    /// Every ring found the line busy.
    #[serde(default)]
    pub busy: usize,
    pub missed: usize,
    pub cancelled: usize,
    pub in_progress: usize,
    /// Handed to a PBX that keeps wake-ups, which reports no result.
    #[serde(default)]
    pub kept_by_pbx: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    pub date: String,
    pub calls: Vec<ReportCall>,
    pub summary: ReportSummary,
    /// The PBX rings at its own minute tick (a NEAX: a ring is a wake-up set for the current
    /// minute), so a ring may come up to a minute after the attempt's time here; that is the
    /// PBX's, not counted as switchboard's lateness.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub rung_at_the_pbx_minute: bool,
}

impl Report {
    /// The report as text (for the nightly file and the CLI).
    pub fn to_text(&self) -> String {
        let mut out = format!("Wake-up calls of {}\n", self.date);
        if self.rung_at_the_pbx_minute {
            out += "(The PBX rings at its own minute tick: a ring may come up to a minute after the attempt's time below.)\n";
        }
        out += &format!(
            "{} calls: {} answered, {} not answered, {} busy, {} missed, {} cancelled, {} in progress{}\n\n",
            self.summary.calls,
            self.summary.answered,
            self.summary.not_answered,
            self.summary.busy,
            self.summary.missed,
            self.summary.cancelled,
            self.summary.in_progress,
            match self.summary.kept_by_pbx {
                0 => String::new(),
                n => format!(", {n} kept by the PBX (no result reported)"),
            }
        );
        for c in &self.calls {
            let tries: Vec<String> = c
                .attempts
                .iter()
                .map(|a| format!("#{} {} {}", a.attempt, a.started_at, a.result.as_deref().unwrap_or("ringing")))
                .collect();
            out += &format!(
                "{:<19} room {:<6} call {:<5} {:<13} {}\n",
                c.due,
                c.room,
                c.wakeup,
                c.outcome,
                tries.join("; ")
            );
        }
        out
    }
}
