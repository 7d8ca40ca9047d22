//! What accounting sees of the ledger: the guest's printable bill, the day's call revenue per band (the `revenue_report` property job), and the purge of dialled digits kept
//! past `[charges] keep_digits_for` (the `purge_call_digits` job; amounts stay for accounting).

use crate::store::Sql;
use std::fmt::Write as _;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use rusqlite::{params, Connection};
use serde::{Deserialize, Serialize};

use crate::domain::money::money;
use crate::store::StoreError;

/// One band's calls of the day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BandRevenue {
    pub band: String,
    pub currency: String,
    /// Calls posted to a stay, and their amount.
    pub posted: i64,
    pub posted_minor: i64,
    /// Calls that could not be billed (vacant room, stay not allowed to post), and their amount.
    pub unbilled: i64,
    pub unbilled_minor: i64,
}

/// The day's call revenue (calls started that hotel-local day), per band.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revenue {
    pub day: NaiveDate,
    pub bands: Vec<BandRevenue>,
}

impl Revenue {
    /// The printable report, with totals per currency.
    pub fn to_text(&self, hotel: &str) -> String {
        let mut out = format!("{hotel}: call revenue of {}\n\n", self.day);
        if self.bands.is_empty() {
            out.push_str("no calls\n");
            return out;
        }
        let _ = writeln!(out, "{:<28} {:>6} {:>14} {:>9} {:>14}", "BAND", "POSTED", "AMOUNT", "UNBILLED", "AMOUNT");
        for b in &self.bands {
            let _ = writeln!(
                out,
                "{:<28} {:>6} {:>14} {:>9} {:>14}",
                b.band,
                b.posted,
                format!("{} {}", money(b.posted_minor, &b.currency), b.currency),
                b.unbilled,
                format!("{} {}", money(b.unbilled_minor, &b.currency), b.currency),
            );
        }
        let mut currencies: Vec<&str> = self.bands.iter().map(|b| b.currency.as_str()).collect();
        currencies.dedup();
        for cur in currencies {
            let of = |f: fn(&BandRevenue) -> i64| self.bands.iter().filter(|b| b.currency == cur).map(f).sum::<i64>();
            let _ = writeln!(
                out,
                "\ntotal posted {} {cur} in {} calls; unbilled {} {cur} in {} calls",
                money(of(|b| b.posted_minor), cur),
                of(|b| b.posted),
                money(of(|b| b.unbilled_minor), cur),
                of(|b| b.unbilled),
            );
        }
        out
    }
}

/// The revenue of `day` (hotel local time, by each call's start).
pub fn revenue(c: &Connection, tz: Tz, day: NaiveDate) -> Result<Revenue, StoreError> {
    let start = |d: NaiveDate| {
        crate::clock::timestamp(crate::domain::wakeup::rule::resolve(tz, d.and_time(Default::default())))
    };
    let next = day.succ_opt().unwrap_or(day);
    let mut stmt = c.prepare_cached(
        "SELECT band, currency,
                SUM(state = 'posted'), SUM(CASE WHEN state = 'posted' THEN amount_minor ELSE 0 END),
                SUM(state = 'unbilled'), SUM(CASE WHEN state = 'unbilled' THEN amount_minor ELSE 0 END)
         FROM calls WHERE started >= ?1 AND started < ?2
         GROUP BY currency, band ORDER BY currency, band",
    )?;
    let bands = stmt
        .query_map(params![start(day), start(next)], |r| {
            Ok(BandRevenue {
                band: r.get(0)?,
                currency: r.get(1)?,
                posted: r.get(2)?,
                posted_minor: r.get(3)?,
                unbilled: r.get(4)?,
                unbilled_minor: r.get(5)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Revenue { day, bands })
}

/// Purges the dialled digits of calls whose stay ended more than `keep` before `now` (a vacant
/// room's call: the call itself); returns how many calls lost their digits.
pub fn purge_digits(tx: &Connection, now: DateTime<Utc>, keep: Duration) -> Result<usize, StoreError> {
    let before = crate::clock::timestamp(now - crate::config::duration::chrono(keep));
    let n = tx.exec(
        "UPDATE calls SET dialled = NULL
         WHERE dialled IS NOT NULL AND (
               (stay IS NULL AND started < ?1)
            OR stay IN (SELECT id FROM stays WHERE checked_out_at IS NOT NULL AND checked_out_at < ?1))",
        [before],
    )?;
    Ok(n)
}
