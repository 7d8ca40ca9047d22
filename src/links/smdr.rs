//! The PBX's call records as an SMDR text stream (`[pbx] smdr_port`; Mitel's layout, read by
//! [`mitel::smdr`]): one call per line, priced by the tariff and posted to the room's stay as a
//! FIAS `PS` would be ([`crate::hotel::charges::ledger::post`], which also drops a line read
//! twice). A call from an extension that is not a room (the back office), or coming in on a
//! trunk, is not a guest's and is left out; a room-status line is logged as not acted on; a
//! line that does not parse is counted and logged, never guessed. The port is any of the PBX's
//! transports (a serial device, `tcp://`, `tcp-listen://`); it is reopened with back-off.

use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDate;
use mitel::smdr::{Caller, Line, Parser, Smdr};
use tokio::io::AsyncReadExt;

use crate::clock::SharedClock;
use crate::hotel::charges::Charges;
use crate::links::port::Connector;
use crate::logsafe::Summary;
use crate::store::{rooms, Priority, Store};

/// A line longer than this is not SMDR (80 characters, more with extended digit lengths).
const MAX_LINE: usize = 512;
const BACKOFF_MAX: Duration = Duration::from_secs(30);

/// The FIAS posting a call becomes: `at` is when it ended (the ledger takes the start as `at`
/// minus the duration), digits as dialled after the line's access code; `today` (the hotel's)
/// gives the year the line leaves out.
pub fn posting(call: &Smdr, room: &str, today: NaiveDate) -> Option<fias::Posting> {
    let started = call.started(today)?;
    let d = call.duration_s;
    Some(fias::Posting {
        room: room.to_string(),
        duration: Some(format!("{:02}{:02}{:02}", d / 3600, d / 60 % 60, d % 60)),
        digits: Some(call.dialled.clone()).filter(|s| !s.is_empty()),
        at: Some(started + chrono::Duration::seconds(d.into())),
        ..Default::default()
    })
}

pub struct SmdrCtx {
    pub store: Arc<Store>,
    pub clock: SharedClock,
    pub charges: Arc<Charges>,
    pub timezone: chrono_tz::Tz,
    pub parser: Parser,
}

pub fn spawn<C: Connector>(ctx: SmdrCtx, mut connector: C) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let bad = Summary::per_minute();
        let mut backoff = Duration::from_millis(250);
        loop {
            match connector.connect().await {
                Ok(stream) => {
                    tracing::info!(port = %connector.describe(), "SMDR call records: connected");
                    backoff = Duration::from_millis(250);
                    let why = read(&ctx, std::pin::pin!(stream), &bad).await;
                    tracing::warn!(port = %connector.describe(), "SMDR call records: {why}; reopening");
                }
                Err(e) => tracing::warn!(port = %connector.describe(), "SMDR call records: cannot open the port: {e}"),
            }
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(BACKOFF_MAX);
        }
    })
}

/// Reads lines until the stream ends; why it ended.
async fn read<S: tokio::io::AsyncRead + Unpin>(ctx: &SmdrCtx, mut stream: S, bad: &Summary) -> String {
    let mut buf = vec![0u8; 4096];
    let mut line: Vec<u8> = Vec::new();
    let mut too_long = false;
    loop {
        let n = match stream.read(&mut buf).await {
            Ok(0) => return "the port was closed".into(),
            Ok(n) => n,
            Err(e) => return format!("reading failed: {e}"),
        };
        for &b in &buf[..n] {
            if b == b'\n' {
                if too_long {
                    note_bad(bad, "a line longer than any SMDR record");
                } else {
                    let text = String::from_utf8_lossy(&line).trim_end_matches('\r').to_string();
                    if !text.trim().is_empty() {
                        handle(ctx, &text, bad).await;
                    }
                }
                line.clear();
                too_long = false;
            } else if line.len() < MAX_LINE {
                line.push(b);
            } else {
                too_long = true;
            }
        }
    }
}

fn note_bad(bad: &Summary, why: &str) {
    if let Some(n) = bad.tick() {
        tracing::warn!("SMDR: {n} line(s) not read as call records (latest: {})", crate::logsafe::text(why));
    }
}

async fn handle(ctx: &SmdrCtx, text: &str, bad: &Summary) {
    let call = match ctx.parser.parse(text) {
        Ok(Line::Call(c)) => c,
        Ok(Line::RoomStatus { ext, status }) => {
            tracing::info!(ext, status, "SMDR: a room-status line, not acted on");
            return;
        }
        Err(e) => return note_bad(bad, &e.to_string()),
    };
    let Caller::Extension(ext) = &call.caller else {
        tracing::debug!("SMDR: a call coming in on a trunk, not a room's: {}", crate::logsafe::text(text));
        return;
    };
    let today = ctx.clock.now().with_timezone(&ctx.timezone).date_naive();
    let Some(p) = posting(&call, ext, today) else {
        return note_bad(bad, &format!("{text:?}: the date is not a day of the calendar"));
    };
    let (charges, now) = (ctx.charges.clone(), ctx.clock.now());
    let posted = ctx
        .store
        .write(Priority::Normal, move |tx| {
            if !rooms::exists(tx, &p.room)? {
                return Ok(None);
            }
            crate::hotel::charges::ledger::post(tx, now, &charges, &p).map(Some)
        })
        .await;
    match posted {
        Ok(Some(_)) => tracing::info!(room = %ext, "SMDR: call from room {ext} recorded"),
        Ok(None) => tracing::debug!("SMDR: extension {ext} is not a room (a back-office phone): left out"),
        Err(e) => tracing::error!("SMDR: the call from {ext} could not be recorded: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mitel::smdr::Widths;

    #[test]
    fn a_call_becomes_the_posting_a_pbx_would_send() {
        let line =
            format!(" 12/04 11:58P 00:02:05 {:<4}  {:<4}{:<26}  {:<4}{:15}", "102", "9", "0041442221111", "T074", "");
        let Line::Call(c) = Parser::new(Widths::default()).parse(&line).unwrap() else { panic!("{line:?}") };
        let p = posting(&c, "102", NaiveDate::from_ymd_opt(2026, 12, 5).unwrap()).unwrap();
        assert_eq!(p.room, "102");
        assert_eq!(p.duration.as_deref(), Some("000205"));
        assert_eq!(p.digits.as_deref(), Some("0041442221111"));
        // 11:58 pm for 2 min 5 s: it ended just after midnight.
        assert_eq!(p.at.unwrap().to_string(), "2026-12-05 00:00:05");
    }
}
