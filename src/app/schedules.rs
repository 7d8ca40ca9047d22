//! Property jobs: `schedules/*.toml` next to hotel.toml, read at start, run on cron times in
//! the hotel's local time.
//!
//! ```toml
//! [[job]]
//! name = "nightly wake-up report"
//! cron = "0 5 0 * * *"            # sec min hour day-of-month month day-of-week
//! action = "wakeup_report"        # or "revenue_report", "expire", "pbx_resync", ...
//! output = "reports/wakeups-{date}.txt"
//! ```
//!
//! Actions: `wakeup_report` writes the report of the day before the run (`{date}` in `output`,
//! relative to hotel.toml's folder); `revenue_report` writes the call revenue per band of the day
//! before the run (same `output` rule); `purge_call_digits` purges the dialled digits of calls of
//! stays over for longer than `older_than` (default `[charges] keep_digits_for`); `expire` ends bookings of stays that are over and closes
//! open alerts of such stays older than `alerts_older_than` (default "24h");
//! `expire_messages` expires messages older than `older_than` (default `[messages] keep_for`);
//! `pbx_resync` sends every room's state to the PBX. A bad file stops the service at start, naming the file
//! and the key. Parse-then-validate, like hotel.toml.

use crate::store::At;
use crate::store::Priority;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Deserialize;

use crate::app::services::Services;
use crate::config::parse_duration;
use crate::domain::wakeup::rule;

#[derive(Debug, thiserror::Error)]
pub enum ScheduleError {
    #[error("cannot read {path}: {err}")]
    Read { path: PathBuf, err: std::io::Error },
    #[error("{path}: {msg}")]
    Invalid { path: PathBuf, msg: String },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    job: Vec<RawJob>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawJob {
    name: String,
    cron: String,
    action: String,
    output: Option<String>,
    alerts_older_than: Option<String>,
    older_than: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    WakeupReport {
        output: String,
    },
    Expire {
        alerts_older_than: Duration,
    },
    /// Messages older than this (default: `[messages] keep_for`) are expired.
    ExpireMessages {
        older_than: Option<Duration>,
    },
    RevenueReport {
        output: String,
    },
    /// Dialled digits of calls of stays over for longer than this (default: `[charges]
    /// keep_digits_for`) are purged.
    PurgeCallDigits {
        older_than: Option<Duration>,
    },
    PbxResync,
}

#[derive(Debug, Clone)]
pub struct Job {
    pub name: String,
    pub file: PathBuf,
    pub cron: String,
    pub action: Action,
}

/// Parses one job file's text; errors name the key (`job[1].cron`).
/// How old something must be before a job expires it: 1 hour to 365 days.
fn age(text: &str) -> Result<Duration, String> {
    let d = parse_duration(text)?;
    let (min, max) = (Duration::from_secs(3600), Duration::from_secs(365 * 86400));
    if d < min || d > max {
        return Err(format!("{text:?} is outside 1h to 365d"));
    }
    Ok(d)
}

pub fn parse(path: &Path, text: &str) -> Result<Vec<Job>, ScheduleError> {
    let bad = |msg: String| ScheduleError::Invalid { path: path.to_path_buf(), msg };
    let raw: RawFile = toml::from_str(text).map_err(|e| bad(e.to_string()))?;
    let mut jobs = Vec::new();
    for (i, j) in raw.job.into_iter().enumerate() {
        let key = |k: &str| format!("job[{i}].{k}");
        if j.name.trim().is_empty() {
            return Err(bad(format!("{}: must not be empty", key("name"))));
        }
        let cron = rule::parse_cron(&j.cron, None, rule::MIN_JOB_INTERVAL)
            .map_err(|e| bad(format!("{}: {}", key("cron"), e.msg)))?;
        let output = |action: &str| match &j.output {
            None => Err(bad(format!("{}: {action} needs an output file", key("output")))),
            Some(o) if o.trim().is_empty() => Err(bad(format!("{}: must not be empty", key("output")))),
            Some(o) => Ok(o.clone()),
        };
        let older_than = || {
            j.older_than.as_deref().map(|d| age(d).map_err(|m| bad(format!("{}: {m}", key("older_than"))))).transpose()
        };
        let action = match j.action.as_str() {
            "wakeup_report" => Action::WakeupReport { output: output("wakeup_report")? },
            "revenue_report" => Action::RevenueReport { output: output("revenue_report")? },
            "expire" => Action::Expire {
                alerts_older_than: match j.alerts_older_than {
                    Some(d) => age(&d).map_err(|m| bad(format!("{}: {m}", key("alerts_older_than"))))?,
                    None => Duration::from_secs(24 * 3600),
                },
            },
            "expire_messages" => Action::ExpireMessages { older_than: older_than()? },
            "purge_call_digits" => Action::PurgeCallDigits { older_than: older_than()? },
            "pbx_resync" => Action::PbxResync,
            other => {
                return Err(bad(format!(
                    "{}: {other:?} is not an action (wakeup_report, revenue_report, expire, expire_messages, \
                     purge_call_digits, pbx_resync)",
                    key("action")
                )))
            }
        };
        jobs.push(Job { name: j.name, file: path.to_path_buf(), cron, action });
    }
    Ok(jobs)
}

/// Reads every `*.toml` in `dir` (a missing folder means no jobs).
pub fn load_dir(dir: &Path) -> Result<Vec<Job>, ScheduleError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(err) => return Err(ScheduleError::Read { path: dir.to_path_buf(), err }),
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    let mut jobs = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).map_err(|err| ScheduleError::Read { path: f.clone(), err })?;
        jobs.extend(parse(&f, &text)?);
    }
    Ok(jobs)
}

/// Starts one task per job.
pub fn spawn(
    jobs: Vec<Job>,
    services: &Services,
    config_dir: PathBuf,
    tz: Tz,
    messages_keep_for: Duration,
) -> Vec<tokio::task::JoinHandle<()>> {
    jobs.into_iter()
        .map(|job| {
            let ctx = JobCtx {
                store: services.app.store.clone(),
                clock: services.clock.clone(),
                wakeups: services.app.wakeups.clone(),
                link: services.app.link.clone(),
                config_dir: config_dir.clone(),
                tz,
                messages_keep_for,
                charges: services.app.charges.clone(),
                hotel_name: services.app.hotel_name.clone(),
            };
            tracing::info!(job = %job.name, cron = %job.cron, file = %job.file.display(), "property job scheduled");
            tokio::spawn(run_job(job, ctx))
        })
        .collect()
}

pub struct JobCtx {
    pub store: std::sync::Arc<crate::store::Store>,
    pub clock: crate::clock::SharedClock,
    pub wakeups: crate::hotel::wakeup::Wakeups,
    pub link: crate::links::pbx::LinkHandle,
    pub config_dir: PathBuf,
    pub tz: Tz,
    pub messages_keep_for: Duration,
    pub charges: std::sync::Arc<crate::hotel::charges::Charges>,
    pub hotel_name: String,
}

/// The next run of a cron expression after `now`, by the wake-up DST rule.
pub fn next_run(cron: &str, tz: Tz, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let schedule = cron::Schedule::from_str(cron).ok()?;
    let local = now.with_timezone(&tz).naive_local();
    let next = schedule.after(&local.and_utc()).next()?.naive_utc();
    Some(rule::resolve(tz, next))
}

async fn run_job(job: Job, ctx: JobCtx) {
    loop {
        let now = ctx.clock.now();
        let Some(at) = next_run(&job.cron, ctx.tz, now) else {
            tracing::warn!(job = %job.name, "the job's cron expression never fires again");
            return;
        };
        tokio::time::sleep((at - now).to_std().unwrap_or_default()).await;
        match run_action(&job.action, &ctx, at).await {
            Ok(what) => tracing::info!(job = %job.name, "property job done: {what}"),
            Err(e) => tracing::error!(job = %job.name, "property job failed: {e:#}"),
        }
    }
}

/// Runs one action as of `at`; returns what it did.
pub async fn run_action(action: &Action, ctx: &JobCtx, at: DateTime<Utc>) -> anyhow::Result<String> {
    match action {
        Action::WakeupReport { output } => {
            let day = at.with_timezone(&ctx.tz).date_naive().pred_opt().unwrap_or_default();
            let report = ctx.wakeups.report(day).await?;
            let path = write_report(ctx, output, day, &report.to_text())?;
            Ok(format!("wake-up report of {day} written to {}", path.display()))
        }
        Action::RevenueReport { output } => {
            let day = at.with_timezone(&ctx.tz).date_naive().pred_opt().unwrap_or_default();
            let tz = ctx.tz;
            let revenue = ctx.store.read(move |c| crate::hotel::charges::report::revenue(c, tz, day)).await?;
            let path = write_report(ctx, output, day, &revenue.to_text(&ctx.hotel_name))?;
            Ok(format!("call revenue of {day} written to {}", path.display()))
        }
        Action::PurgeCallDigits { older_than } => {
            let keep = older_than.unwrap_or(ctx.charges.cfg.keep_digits_for);
            let n = ctx
                .store
                .write(Priority::Normal, move |tx| crate::hotel::charges::report::purge_digits(tx, at, keep))
                .await?;
            Ok(format!("dialled digits of {n} calls purged (stays over for more than {})", crate::clock::show(keep)))
        }
        Action::Expire { alerts_older_than } => {
            let now = at;
            let before = crate::clock::timestamp(at - crate::config::duration::chrono(*alerts_older_than));
            let (bookings, alerts) = ctx
                .store
                .write(Priority::Normal, move |tx| {
                    let bookings = crate::hotel::wakeup::scheduler::end_bookings_of_past_stays(tx, now)?;
                    let ids: Vec<i64> = {
                        let mut stmt = tx.prepare_cached(
                            "UPDATE alerts SET acked_by = 'system (expired: the stay is over)', acked_at = ?1
                         WHERE acked_at IS NULL AND at < ?2 AND wakeup IN
                           (SELECT w.id FROM wakeups w JOIN stays s ON s.id = w.stay WHERE s.checked_out_at IS NOT NULL)
                         RETURNING id",
                        )?;
                        let ids = stmt
                            .query_map(rusqlite::params![At(now), before], |r| r.get(0))?
                            .collect::<Result<_, _>>()?;
                        ids
                    };
                    for &id in &ids {
                        crate::hotel::changes::record(tx, crate::domain::event::Event::AlertAcked { id })?;
                    }
                    let alerts = ids.len();
                    Ok::<_, crate::store::StoreError>((bookings, alerts))
                })
                .await?;
            Ok(format!("{bookings} bookings of past stays ended, {alerts} alerts of past stays closed"))
        }
        Action::ExpireMessages { older_than } => {
            let keep = older_than.unwrap_or(ctx.messages_keep_for);
            let now = at;
            let before = at - crate::config::duration::chrono(keep);
            let n =
                ctx.store.write(Priority::Normal, move |tx| crate::hotel::messages::expire(tx, now, before)).await?;
            Ok(format!("{n} messages older than {} expired", crate::clock::timestamp(before)))
        }
        Action::PbxResync => {
            let link = ctx.link.clone();
            tokio::spawn(async move { link.resync().await });
            Ok("resync of every room requested".into())
        }
    }
}

/// Writes a report of `day` to `output` (`{date}` replaced), relative to hotel.toml's folder.
fn write_report(ctx: &JobCtx, output: &str, day: chrono::NaiveDate, text: &str) -> anyhow::Result<PathBuf> {
    let path = ctx.config_dir.join(output.replace("{date}", &day.to_string()));
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&path, text)?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> PathBuf {
        PathBuf::from("schedules/nightly.toml")
    }

    #[test]
    fn good_jobs_parse() {
        let jobs = parse(
            &p(),
            r#"
[[job]]
name = "report"
cron = "0 5 0 * * *"
action = "wakeup_report"
output = "reports/wakeups-{date}.txt"
[[job]]
name = "expire"
cron = "0 4 * * *"
action = "expire"
alerts_older_than = "48h"
"#,
        )
        .unwrap();
        assert_eq!(jobs.len(), 2);
        let shipped = parse(&p(), include_str!("../../schedules/nightly.toml")).unwrap();
        assert!(shipped
            .iter()
            .any(|j| matches!(&j.action, Action::RevenueReport { output } if output.contains("{date}"))));
        assert!(shipped.iter().any(|j| j.action == Action::PurgeCallDigits { older_than: None }));
        assert_eq!(jobs[1].cron, "0 0 4 * * *");
        assert_eq!(jobs[1].action, Action::Expire { alerts_older_than: Duration::from_secs(48 * 3600) });
    }

    #[test]
    fn bad_jobs_name_the_file_and_key() {
        let e = |t: &str| parse(&p(), t).unwrap_err().to_string();
        let msg = e("[[job]]\nname = \"x\"\ncron = \"0 99 * * *\"\naction = \"expire\"\n");
        assert!(msg.starts_with("schedules/nightly.toml: job[0].cron"), "{msg}");
        let msg = e("[[job]]\nname = \"x\"\ncron = \"0 1 * * *\"\naction = \"dance\"\n");
        assert!(msg.contains("job[0].action"), "{msg}");
        let msg = e("[[job]]\nname = \"x\"\ncron = \"0 1 * * *\"\naction = \"wakeup_report\"\n");
        assert!(msg.contains("job[0].output"), "{msg}");
        let msg = e("[[job]]\nname = \"x\"\ncron = \"0 1 * * *\"\naction = \"expire\"\ncolour = 1\n");
        assert!(msg.contains("colour"), "{msg}");
        let msg = e("[[job]]\nname = \"x\"\ncron = \"* * * * * *\"\naction = \"pbx_resync\"\n");
        assert!(msg.contains("job[0].cron") && msg.contains("at most once every 5m"), "{msg}");
        let msg = e(
            "[[job]]\nname = \"x\"\ncron = \"0 1 * * *\"\naction = \"expire\"\nalerts_older_than = \"9999999999d\"\n",
        );
        assert!(msg.contains("job[0].alerts_older_than"), "{msg}");
        let msg = e("[[job]]\nname = \"x\"\ncron = \"0 1 * * *\"\naction = \"revenue_report\"\n");
        assert!(msg.contains("job[0].output") && msg.contains("revenue_report needs"), "{msg}");
        let msg =
            e("[[job]]\nname = \"x\"\ncron = \"0 1 * * *\"\naction = \"purge_call_digits\"\nolder_than = \"2m\"\n");
        assert!(msg.contains("job[0].older_than"), "{msg}");
        let msg = e("[[job]]\nname = \"x\"\ncron = \"0 1 * * *\"\naction = \"expire_messages\"\nolder_than = \"1s\"\n");
        assert!(msg.contains("job[0].older_than") && msg.contains("outside"), "{msg}");
    }

    #[test]
    fn next_run_follows_local_time() {
        let now = DateTime::parse_from_rfc3339("2026-03-28T23:30:00Z").unwrap().with_timezone(&Utc);
        // 02:30 does not exist in Zurich on 2026-03-29: the first valid instant after it.
        let at = next_run("0 30 2 * * *", chrono_tz::Europe::Zurich, now).unwrap();
        assert_eq!(at, DateTime::parse_from_rfc3339("2026-03-29T01:00:00Z").unwrap().with_timezone(&Utc));
    }
}
