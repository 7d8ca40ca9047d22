//! The PMS's queue (`crate::store::pms_outbox`) in FIAS terms: each row becomes its record only
//! when it is sent ([`to_message`]), so what goes out says the state at that moment.

use chrono::NaiveDateTime;
use chrono_tz::Tz;
use fias::{GuestMessage, Message, Posting, RoomEquipment, Wake};
use rusqlite::{Connection, OptionalExtension};
use serde_json::Value;

use crate::domain::housekeeping::Housekeeping;
pub use crate::store::pms_outbox::{begin_run, clean_stop, done, next, pending, requeue_posting, PmsRow};
use crate::store::Sql;
use crate::store::StoreError;

/// The PMS's own `DA`+`TI` as stored with a booking (`YYMMDDHHMMSS`).
pub fn parse_pms_at(text: &str) -> Option<NaiveDateTime> {
    NaiveDateTime::parse_from_str(text, "%y%m%d%H%M%S").ok()
}

pub fn format_pms_at(at: NaiveDateTime) -> String {
    at.format("%y%m%d%H%M%S").to_string()
}

/// The one final result FIAS knows for how a booking ended.
fn wake_status(data: &Value) -> &'static str {
    match (data["status"].as_str(), data["result"].as_str()) {
        (Some("done"), _) => "OK",
        (_, Some("busy")) => "BY",
        _ => "NR",
    }
}

fn text(v: &Value) -> Option<String> {
    v.as_str().map(str::to_string)
}

/// The record for `row`, or `None` when there is nothing to say any more (a call that is gone, a
/// status FIAS cannot carry). `tz`: the hotel's zone for posting times.
pub fn to_message(conn: &Connection, row: &PmsRow, tz: Tz) -> Result<Option<Message>, StoreError> {
    let room = row.room.clone();
    let d = &row.data;
    Ok(match row.kind.as_str() {
        "WA" | "WC" => {
            let Some(at) = d["at"].as_str().and_then(parse_pms_at) else {
                return Err(StoreError::Corrupt(format!("PMS outbox row {}: bad wake-up time {d}", row.id)));
            };
            let wake = Wake { room, at };
            Some(if row.kind == "WA" {
                Message::WakeAnswer { wake, status: wake_status(d).into() }
            } else {
                Message::WakeClear(wake)
            })
        }
        "XD" => Some(Message::MessageDelete(GuestMessage {
            room,
            stay: text(&d["reservation"]),
            id: text(&d["id"]).unwrap_or_default(),
            text: None,
            at: None,
        })),
        "RS" => {
            let status: Option<Housekeeping> = d["housekeeping"].as_str().and_then(|s| s.parse().ok());
            let occupied = d["occupied"].as_i64().unwrap_or(0) != 0 || d["occupied"].as_bool() == Some(true);
            status.and_then(|s| s.to_fias(occupied)).map(|rs| {
                Message::RoomEquipment(RoomEquipment {
                    room,
                    room_status: Some(rs),
                    attendant: text(&d["attendant"]),
                    ..Default::default()
                })
            })
        }
        "VM" => Some(Message::RoomEquipment(RoomEquipment {
            room,
            voicemail: d["count"].as_u64().map(|c| c as u32),
            ..Default::default()
        })),
        "PS" => {
            let call = d["call"].as_i64().unwrap_or(0);
            posting(conn, call, tz)?.map(|p| Message::Posting(Box::new(p)))
        }
        other => {
            tracing::error!(row = row.id, "unknown PMS outbox kind {other:?}; dropped");
            None
        }
    })
}

/// A posted call as a pre-costed FIAS posting (`PT` C, `TA` in minor units, `P#` the call id).
fn posting(conn: &Connection, call: i64, tz: Tz) -> Result<Option<Posting>, StoreError> {
    let row = conn
        .row(
            "SELECT room, dialled, started, duration_s, amount_minor, article, items FROM calls WHERE id = ?1",
            [call],
            |r| {
                Ok((
                    (r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?, r.get::<_, String>(2)?),
                    (r.get::<_, i64>(3)?, r.get::<_, i64>(4)?),
                    (r.get::<_, Option<String>>(5)?, r.get::<_, Option<i64>>(6)?),
                ))
            },
        )
        .optional()?;
    let Some(((room, dialled, started), (duration, amount), (article, items))) = row else { return Ok(None) };
    let at = crate::clock::parse_utc(&started).map(|t| t.with_timezone(&tz).naive_local());
    if let Some(article) = article {
        // A minibar posting goes on as one (`PT` M): article, count and amount.
        return Ok(Some(Posting {
            room,
            number: Some(call.to_string()),
            kind: Some("M".into()),
            amount: Some(amount.to_string()),
            article: Some(article),
            count: Some(items.unwrap_or(1).to_string()),
            at,
            ..Default::default()
        }));
    }
    let d = duration.max(0);
    Ok(Some(Posting {
        room,
        number: Some(call.to_string()),
        kind: Some("C".into()),
        amount: Some(amount.to_string()),
        duration: Some(format!("{:02}{:02}{:02}", (d / 3600).min(99), d / 60 % 60, d % 60)),
        digits: dialled,
        pulses: None,
        article: None,
        count: None,
        at,
    }))
}
