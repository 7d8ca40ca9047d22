//! The call ledger: every call the PBX reports (`PS`), priced once (the price of a call in the
//! ledger never changes), on the stay of the room at the time, and answered (`PA`) with the
//! status the PBX needs: OK posted, NG no guest in the room, NP the stay may not post. A record
//! the PBX sends again (same posting number, or the same record after a lost ACK) is recorded
//! once. A call to an emergency number raises an alert at once, for every operator.

use crate::domain::words::CallState;
use crate::store::At;
use crate::store::Sql;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwapOption;
use chrono::{DateTime, NaiveDateTime, Utc};
use chrono_tz::Tz;
use fias::Posting;
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::ChargesConfig;
use crate::domain::event::Event;
use crate::domain::pbx_command::PbxCommand;
use crate::domain::tariff::{Tariff, TariffError};
use crate::hotel::changes;
use crate::store::{outbox, rooms, StoreError};

/// What pricing needs: the tariff (if the hotel has one), the rules, the hotel's zone. The
/// tariff can be replaced while the service runs ([`Charges::reload`]): calls priced before keep
/// their price and tariff version, calls reported after are priced by the new one.
#[derive(Debug)]
pub struct Charges {
    tariff: ArcSwapOption<Tariff>,
    /// The `tariffs.toml` a reload reads (none: the tariff cannot be reloaded).
    file: Option<PathBuf>,
    pub cfg: ChargesConfig,
    pub tz: Tz,
}

/// Why a reload left the tariff as it was.
#[derive(Debug, thiserror::Error)]
pub enum ReloadError {
    #[error("this service was not started from a hotel.toml: there is no tariffs.toml to read")]
    NoFile,
    #[error("cannot read {path}: {err}")]
    Read { path: PathBuf, err: std::io::Error },
    #[error("{path}: {err} (the tariff in use is unchanged)")]
    Invalid { path: PathBuf, err: TariffError },
}

impl Charges {
    pub fn new(tariff: Option<Tariff>, cfg: ChargesConfig, tz: Tz) -> Self {
        Charges { tariff: ArcSwapOption::from(tariff.map(Arc::new)), file: None, cfg, tz }
    }

    /// Where [`Charges::reload`] reads the tariff from.
    pub fn reloading_from(self, file: Option<PathBuf>) -> Self {
        Charges { file, ..self }
    }

    /// The tariff in use, if any.
    pub fn tariff(&self) -> Option<Arc<Tariff>> {
        self.tariff.load_full()
    }

    /// The tariff's currency (`XXX`, "no currency", without a tariff).
    pub fn currency(&self) -> String {
        self.tariff.load().as_ref().map_or_else(|| "XXX".to_string(), |t| t.currency.clone())
    }

    /// Reads `tariffs.toml` again. A file that is wrong leaves the tariff in use as it was; a
    /// file that is gone means calls are recorded at the PBX's price from now on.
    pub fn reload(&self) -> Result<Option<Arc<Tariff>>, ReloadError> {
        let path = self.file.as_ref().ok_or(ReloadError::NoFile)?;
        let tariff = match std::fs::read_to_string(path) {
            Ok(text) => {
                Some(Arc::new(Tariff::parse(&text).map_err(|err| ReloadError::Invalid { path: path.clone(), err })?))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(err) => return Err(ReloadError::Read { path: path.clone(), err }),
        };
        self.tariff.store(tariff.clone());
        Ok(tariff)
    }
}

/// A call as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Call {
    pub id: i64,
    pub room: String,
    pub stay: Option<i64>,
    pub dialled: Option<String>,
    /// UTC, RFC 3339.
    pub started: String,
    pub duration_s: i64,
    pub band: String,
    pub amount_minor: i64,
    pub currency: String,
    pub state: CallState,
    pub reason: Option<String>,
    pub posting: Option<String>,
}

/// `HHMMSS` (or plain seconds) as a duration.
fn duration_of(du: &str) -> Option<Duration> {
    if du.len() == 6 && du.bytes().all(|b| b.is_ascii_digit()) {
        let n = |r: std::ops::Range<usize>| du[r].parse::<u64>().ok();
        return Some(Duration::from_secs(n(0..2)? * 3600 + n(2..4)? * 60 + n(4..6)?));
    }
    du.parse().ok().map(Duration::from_secs)
}

fn is_emergency(cfg: &ChargesConfig, digits: &str) -> bool {
    cfg.emergency_numbers.iter().any(|n| digits == n || digits.strip_prefix('0') == Some(n.as_str()))
}

/// Records a posting from the PBX, in the caller's transaction; queues the `PA`. Returns the
/// call's id (an existing one for a record sent again).
pub fn post(tx: &Connection, now: DateTime<Utc>, c: &Charges, p: &Posting) -> Result<i64, StoreError> {
    let key_text = format!(
        "{}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}",
        p.room, p.number, p.kind, p.amount, p.duration, p.digits, p.pulses, p.at
    );
    let record_key: String = Sha256::digest(key_text.as_bytes()).iter().take(12).map(|b| format!("{b:02x}")).collect();
    let existing: Option<(i64, String, Option<String>)> = tx
        .row(
            "SELECT id, state, reason FROM calls WHERE record_key = ?1 OR (posting IS NOT NULL AND posting = ?2)",
            params![record_key, p.number],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let (id, status) = match existing {
        Some((id, state, reason)) => (id, answer_status(&state, reason.as_deref())),
        None => {
            let duration = p.duration.as_deref().and_then(duration_of).unwrap_or_default();
            let ended_local = p.at.unwrap_or_else(|| now.with_timezone(&c.tz).naive_local());
            let started_local: NaiveDateTime = ended_local - chrono::Duration::seconds(duration.as_secs() as i64);
            let started = crate::domain::wakeup::rule::resolve(c.tz, started_local);
            let digits = p.digits.clone().filter(|d| !d.is_empty());
            let emergency = digits.as_deref().is_some_and(|d| is_emergency(&c.cfg, d));
            let pulses: Option<i64> =
                p.pulses.as_deref().and_then(|m| m.parse().ok()).filter(|m| (0..=1_000_000).contains(m));
            if pulses.is_some() && c.cfg.pulse_price == 0 {
                tracing::warn!(room = %p.room, "the PBX counts meter pulses but [charges] pulse_price is 0: the call is free");
            }
            if p.pulses.is_some() && pulses.is_none() {
                tracing::warn!(room = %p.room, pulses = ?p.pulses, "the PBX sent meter pulses that are not a count; the call is priced by its digits");
            }
            let free = emergency
                || digits.as_deref().is_some_and(|d| c.cfg.free_numbers.iter().any(|f| d.starts_with(f.as_str())));
            let minibar = p.kind.as_deref() == Some("M");
            let (band, amount, version) = if minibar {
                // Checked by pbx::checks: whole minor units within range.
                ("minibar".to_string(), p.amount.as_deref().and_then(|a| a.parse().ok()).unwrap_or(0), None)
            } else if free {
                ("free".to_string(), 0, None)
            } else if p.kind.as_deref() == Some("C") {
                (
                    "pre-costed by the PBX".to_string(),
                    p.amount.as_deref().and_then(|a| a.parse().ok()).unwrap_or(0),
                    None,
                )
            } else if let Some(pulses) = pulses {
                ("meter pulses".to_string(), pulses.checked_mul(c.cfg.pulse_price).unwrap_or(i64::MAX), None)
            } else {
                match (c.tariff(), &digits) {
                    (Some(t), Some(d)) => {
                        let priced = t.price(d, started_local, duration);
                        (priced.band, priced.amount_minor, Some(t.version.clone()))
                    }
                    _ => ("unpriced".to_string(), p.amount.as_deref().and_then(|a| a.parse().ok()).unwrap_or(0), None),
                }
            };
            let stay = rooms::active_stay(tx, &p.room)?;
            let no_post: bool = match &stay {
                Some(s) => tx.row("SELECT no_post FROM stays WHERE id = ?1", [s.id], |r| r.get(0))?,
                None => false,
            };
            let (state, reason) = match (&stay, no_post) {
                (None, _) => ("unbilled", Some("room vacant")),
                (Some(_), true) => ("unbilled", Some("stay may not post charges")),
                (Some(_), false) => ("posted", None),
            };
            tx.exec(
                "INSERT INTO calls(posting, record_key, room, stay, guest, dialled, started, duration_s, pulses, band,
                                   amount_minor, currency, tariff_version, state, reason, recorded_at, article, items)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
                params![
                    p.number,
                    record_key,
                    p.room,
                    stay.as_ref().map(|s| s.id),
                    stay.as_ref().map(|s| s.guest_name.clone()),
                    digits,
                    crate::clock::timestamp(started),
                    duration.as_secs() as i64,
                    pulses,
                    band,
                    amount,
                    c.currency(),
                    version,
                    state,
                    reason,
                    At(now),
                    p.article.as_ref().filter(|_| minibar),
                    minibar.then(|| p.count.as_deref().and_then(|c| c.parse::<i64>().ok()).unwrap_or(1))
                ],
            )?;
            let id = tx.last_insert_rowid();
            changes::record(tx, Event::CallPosted { id, room: p.room.clone(), posted: state == "posted" })?;
            if let (true, Some(d)) = (emergency, digits.as_deref()) {
                // Raised once: a driver that reports the dialling has raised it already.
                if !alarm_raised(tx, &p.room, d, started)? {
                    emergency_alarm(tx, c, now, &p.room, stay.as_ref(), d, started_local)?;
                }
            }
            (id, answer_status(state, reason))
        }
    };
    let answer = PbxCommand::PostingAnswer { number: p.number.clone(), status: status.into(), at: p.at };
    let key = format!("posting:{}", p.number.as_deref().unwrap_or(&record_key));
    outbox::push_attr(tx, now, &p.room, &key, &answer, outbox::PRIORITY_NORMAL)?;
    Ok(id)
}

/// A room is dialling (for a PBX that reports call start; FIAS reports the call when it ends):
/// an emergency number raises the alarm now, and the call record that follows does not again.
/// Returns whether it was an emergency number.
pub fn dialling(
    tx: &Connection,
    now: DateTime<Utc>,
    c: &Charges,
    room: &str,
    digits: &str,
) -> Result<bool, StoreError> {
    if !is_emergency(&c.cfg, digits) {
        return Ok(false);
    }
    let stay = rooms::active_stay(tx, room)?;
    emergency_alarm(tx, c, now, room, stay.as_ref(), digits, now.with_timezone(&c.tz).naive_local())?;
    Ok(true)
}

/// The high-priority alert for every operator (and its logbook entry): who called what, when.
fn emergency_alarm(
    tx: &Connection,
    c: &Charges,
    now: DateTime<Utc>,
    room: &str,
    stay: Option<&rooms::Stay>,
    digits: &str,
    started_local: NaiveDateTime,
) -> Result<(), StoreError> {
    let guest = stay.map_or("the room is vacant".to_string(), |s| format!("guest {}", s.audit_name()));
    let at = started_local.format("%H:%M").to_string();
    // Where to send help: the street address, the floor and the room.
    let floor = crate::config::rooms::floor_of(room);
    let address = c.cfg.address.as_deref();
    let place = match address {
        Some(a) => format!("{a}, floor {floor}, room {room}"),
        None => format!("floor {floor}, room {room}"),
    };
    let msg = format!("EMERGENCY: {place}: {digits} dialled at {at}, {guest}");
    // The guest as the audit trail may name them (an incognito stay is not named); null: vacant.
    let facts = serde_json::json!({
        "room": room, "number": digits, "at": at, "guest": stay.map(|s| s.audit_name()), "floor": floor, "address": address,
    });
    let kind = crate::hotel::alerts::Kind::EmergencyCall;
    crate::hotel::alerts::raise(tx, now, kind, Some(room), None, facts, &msg)?;
    Ok(())
}

/// Whether the alarm for this call was raised at dial time (an emergency alert for the room and
/// number since a minute before the call started).
fn alarm_raised(tx: &Connection, room: &str, digits: &str, started: DateTime<Utc>) -> Result<bool, StoreError> {
    let since = crate::clock::timestamp(started - chrono::Duration::minutes(1));
    let n: i64 = tx.row(
        "SELECT COUNT(*) FROM alerts WHERE kind = 'emergency_call' AND room = ?1 AND at >= ?2 AND message LIKE ?3",
        params![room, since, format!("%: {digits} dialled at %")],
        |r| r.get(0),
    )?;
    Ok(n > 0)
}

fn answer_status(state: &str, reason: Option<&str>) -> &'static str {
    match (state, reason) {
        ("posted", _) => "OK",
        (_, Some("room vacant")) => "NG",
        _ => "NP",
    }
}

/// A stay's calls and their total (the guest's bill of calls).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Folio {
    pub room: String,
    pub stay: Option<i64>,
    pub calls: Vec<Call>,
    pub count: usize,
    pub total_minor: i64,
    pub currency: String,
}

/// The calls posted to the room's current stay (or, vacant, to its last one).
pub fn folio(c: &Connection, room: &str, currency: &str, mask: Option<usize>) -> Result<Folio, StoreError> {
    let stay: Option<i64> = c
        .row("SELECT id FROM stays WHERE room = ?1 ORDER BY checked_out_at IS NOT NULL, id DESC LIMIT 1", [room], |r| {
            r.get(0)
        })
        .optional()?;
    let calls = match stay {
        Some(id) => list(c, &CallsQuery { stay: Some(id), ..Default::default() }, mask)?
            .into_iter()
            .filter(|call| call.state == "posted")
            .collect(),
        None => Vec::new(),
    };
    // Checked: a total that does not fit is an error, never a wrapped (or negative) bill.
    let total_minor = calls
        .iter()
        .try_fold(0i64, |sum, call| sum.checked_add(call.amount_minor))
        .ok_or_else(|| StoreError::Corrupt(format!("room {room}: the folio's total does not fit")))?;
    Ok(Folio { room: room.to_string(), stay, count: calls.len(), total_minor, calls, currency: currency.to_string() })
}

/// Filters for listing calls.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallsQuery {
    pub room: Option<String>,
    pub stay: Option<i64>,
    /// YYYY-MM-DD (UTC day of the call's start).
    pub date: Option<String>,
    pub unbilled: Option<bool>,
}

/// Calls, newest first (at most 1000); digits masked unless `whole`.
pub fn list(c: &Connection, q: &CallsQuery, mask: Option<usize>) -> Result<Vec<Call>, StoreError> {
    let mut stmt = c.prepare_cached(
        "SELECT id, room, stay, dialled, started, duration_s, band, amount_minor, currency, state, reason, posting FROM calls
         WHERE (?1 IS NULL OR room = ?1) AND (?2 IS NULL OR stay = ?2) AND (?3 IS NULL OR substr(started, 1, 10) = ?3)
           AND (?4 = 0 OR state = 'unbilled')
         ORDER BY id DESC LIMIT 1000",
    )?;
    let rows = stmt
        .query_map(params![q.room, q.stay, q.date, q.unbilled.unwrap_or(false)], |r| {
            Ok(Call {
                id: r.get(0)?,
                room: r.get(1)?,
                stay: r.get(2)?,
                dialled: r.get(3)?,
                started: r.get(4)?,
                duration_s: r.get(5)?,
                band: r.get(6)?,
                amount_minor: r.get(7)?,
                currency: r.get(8)?,
                state: r.get(9)?,
                reason: r.get(10)?,
                posting: r.get(11)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows
        .into_iter()
        .map(|mut call| {
            if let (Some(n), Some(d)) = (mask, call.dialled.as_mut()) {
                let keep = d.chars().count().saturating_sub(n);
                *d = d.chars().take(keep).chain(std::iter::repeat_n('x', d.chars().count() - keep)).collect();
            }
            call
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_emergency_numbers() {
        assert_eq!(duration_of("000135"), Some(Duration::from_secs(95)));
        assert_eq!(duration_of("012000"), Some(Duration::from_secs(4800)));
        assert_eq!(duration_of("95"), Some(Duration::from_secs(95)));
        assert_eq!(duration_of("1:35"), None);
        let cfg = ChargesConfig::default();
        assert!(is_emergency(&cfg, "119") && is_emergency(&cfg, "0119"));
        assert!(!is_emergency(&cfg, "1191234"));
    }
}
