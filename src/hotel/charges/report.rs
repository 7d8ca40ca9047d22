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

impl super::Folio {
    /// The guest's bill of calls as a printable page (times in the hotel's local time).
    pub fn to_html(&self, hotel: &str, tz: Tz) -> String {
        let esc = |s: &str| html_escape::encode_safe(s).into_owned();
        let mut rows = String::new();
        // Oldest first, as a bill reads.
        for c in self.calls.iter().rev() {
            let started = crate::clock::parse_utc(&c.started)
                .map_or_else(|| c.started.clone(), |t| t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string());
            let _ = writeln!(
                rows,
                "<tr><td>{}</td><td>{}</td><td class=n>{}:{:02}</td><td>{}</td><td class=n>{}</td></tr>",
                esc(&started),
                esc(c.dialled.as_deref().unwrap_or("-")),
                c.duration_s / 60,
                c.duration_s % 60,
                esc(&c.band),
                money(c.amount_minor, &c.currency),
            );
        }
        if self.calls.is_empty() {
            rows.push_str("<tr><td colspan=5>no calls</td></tr>\n");
        }
        format!(
            "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>Calls of room {room}</title>\n\
             <style>body{{font-family:serif;max-width:50em;margin:2em auto}}h1{{font-size:1.4em}}\
             table{{width:100%;border-collapse:collapse}}td,th{{border-bottom:1px solid #999;padding:.3em;text-align:left}}\
             .n{{text-align:right}}tfoot td{{font-weight:bold;border-bottom:none}}</style></head>\n\
             <body><h1>{hotel}</h1>\n<p>Telephone calls of room {room}{stay}</p>\n\
             <table><thead><tr><th>Started</th><th>Number</th><th class=n>Duration</th><th>Band</th>\
             <th class=n>Amount ({cur})</th></tr></thead>\n<tbody>\n{rows}</tbody>\n\
             <tfoot><tr><td colspan=4>{count} call(s), total</td><td class=n>{total}</td></tr></tfoot></table>\n\
             </body></html>\n",
            hotel = esc(hotel),
            room = esc(&self.room),
            stay = self.stay.map_or_else(String::new, |s| format!(", stay {s}")),
            cur = esc(&self.currency),
            count = self.count,
            total = money(self.total_minor, &self.currency),
        )
    }
}

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
