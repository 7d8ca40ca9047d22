//! Guest messages, with the room's message lamp following them.
//!
//! A message is taken for a stay (not a bare room number). The lamp is lit while the stay has
//! an undelivered message or the PBX reports voicemail, and goes out when the last is delivered,
//! cleared or expired; `msg lamp` overrides it by hand until the next message change. Where the
//! PBX declared `XL`, the text also goes to the PBX (phones with a display; line breaks become
//! " / ", long texts are cut to [`PBX_TEXT_MAX`]); an `XD` from the PBX marks it delivered.
//! At check-out the texts of the stay are purged: only the facts (count, times, who) remain.
//!
//! Every function that changes something takes the transaction of the change, so messages, lamp
//! and outbox rows are written together.

use crate::store::At;
use crate::store::Sql;
use chrono::{DateTime, Utc};
use std::sync::Arc;

use chrono::Timelike;
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::clock::SharedClock;
use crate::domain::event::Event;
use crate::domain::identity::Actor;
use crate::domain::pbx_command::PbxCommand;
use crate::domain::validate::{Invalid, Text};
use crate::hotel::audit::{self, Change};
use crate::hotel::changes;
use crate::store::{outbox, rooms, Priority, Store, StoreError};

/// Longest message text.
pub const MAX_TEXT: usize = 2000;
/// Longest text sent to a phone display.
pub const PBX_TEXT_MAX: usize = 160;

pub use crate::domain::message_status::MessageStatus;

#[derive(Debug, thiserror::Error)]
pub enum MessageError {
    #[error("room {0} does not exist")]
    UnknownRoom(String),
    #[error("room {0} is vacant: messages are taken for a stay")]
    Vacant(String),
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error("message {0} does not exist")]
    Unknown(i64),
    #[error("message {id} is already {status}")]
    NotWaiting { id: i64, status: MessageStatus },
    #[error(transparent)]
    Store(#[from] StoreError),
}

crate::store::sql_errors_into!(MessageError);

/// A message to leave.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NewMessage {
    pub room: String,
    pub text: String,
    /// Who left it.
    pub from: Option<String>,
    pub callback: Option<String>,
    /// The PMS's own message id (`MI`), for a message the PMS sent: its delivery goes back as `XD`.
    #[serde(skip)]
    pub pms_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageView {
    pub id: i64,
    pub room: String,
    pub stay: i64,
    /// Null once purged (check-out, expiry, cleared).
    pub text: Option<String>,
    pub from: Option<String>,
    pub callback: Option<String>,
    pub taken_by: String,
    pub left_at: String,
    pub delivered: bool,
    pub delivered_at: Option<String>,
    pub delivered_by: Option<String>,
    pub status: MessageStatus,
}

/// Checks a text: not empty, at most [`MAX_TEXT`] characters, line breaks but no other
/// control characters. CR LF becomes LF.
pub fn check_text(text: &str) -> Result<String, MessageError> {
    Ok(Text::lines(MAX_TEXT).required("text", text)?)
}

fn check_short(field: &'static str, v: Option<&str>, max: usize) -> Result<Option<String>, MessageError> {
    let v = Text::line(max).optional(field, v)?;
    if let Some(v) = v.as_deref().filter(|_| field == "callback") {
        if !v.chars().all(|c| c.is_ascii_digit() || " +-()/.".contains(c)) {
            return Err(Invalid::new(field, format!("{v:?} is not a phone number")).into());
        }
    }
    Ok(v)
}

/// The text as a phone display can show it: one line, no FIAS separators, cut to length.
pub fn display_text(text: &str) -> String {
    let one_line: String = text.split('\n').map(str::trim).collect::<Vec<_>>().join(" / ").replace('|', "/");
    if one_line.chars().count() <= PBX_TEXT_MAX {
        one_line
    } else {
        let cut: String = one_line.chars().take(PBX_TEXT_MAX - 3).collect();
        format!("{cut}...")
    }
}

/// Makes the room's lamp what it should be (override, else waiting messages or voicemail);
/// queues the PBX command when it changes. Returns the lamp state.
pub fn sync_lamp(tx: &Connection, now: DateTime<Utc>, room: &str) -> Result<bool, StoreError> {
    let (lamp, voicemail, override_): (bool, u32, Option<bool>) =
        tx.row("SELECT message_lamp, voicemail, lamp_override FROM rooms WHERE number = ?1", [room], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?;
    let waiting: i64 =
        tx.row("SELECT COUNT(*) FROM messages WHERE room = ?1 AND status = 'waiting'", [room], |r| r.get(0))?;
    let want = override_.unwrap_or(waiting > 0 || voicemail > 0);
    if want != lamp {
        rooms::set_line(tx, room, None, Some(want), None)?;
        outbox::push(tx, now, room, &PbxCommand::MessageLamp { on: want }, outbox::PRIORITY_NORMAL)?;
    }
    Ok(want)
}

/// Any message change ends a manual override and recomputes the lamp.
fn messages_changed(tx: &Connection, now: DateTime<Utc>, room: &str) -> Result<bool, StoreError> {
    tx.exec("UPDATE rooms SET lamp_override = NULL WHERE number = ?1", [room])?;
    sync_lamp(tx, now, room)
}

/// The PBX display command for a message: its text (`XL`), or its removal (`XD`).
fn display_cmd(id: i64, stay: i64, text: Option<&str>, at: chrono::NaiveDateTime) -> PbxCommand {
    match text {
        Some(t) => PbxCommand::MessageText { id, stay, text: display_text(t), at },
        None => PbxCommand::MessageDelete { id, stay, at },
    }
}

const COLUMNS: &str = "id, room, stay, text, caller, callback, taken_by, left_at, delivered_at, delivered_by, status";

fn from_row(r: &rusqlite::Row) -> rusqlite::Result<MessageView> {
    let delivered_at: Option<String> = r.get(8)?;
    Ok(MessageView {
        id: r.get(0)?,
        room: r.get(1)?,
        stay: r.get(2)?,
        text: r.get(3)?,
        from: r.get(4)?,
        callback: r.get(5)?,
        taken_by: r.get(6)?,
        left_at: r.get(7)?,
        delivered: delivered_at.is_some(),
        delivered_at,
        delivered_by: r.get(9)?,
        status: r.get(10)?,
    })
}

pub fn get(conn: &Connection, id: i64) -> Result<Option<MessageView>, StoreError> {
    Ok(conn.row(&format!("SELECT {COLUMNS} FROM messages WHERE id = ?1"), [id], from_row).optional()?)
}

/// Marks a waiting message delivered (or cleared); the PBX display is told (`XD`).
pub fn finish(
    tx: &Connection,
    now: DateTime<Utc>,
    local_now: chrono::NaiveDateTime,
    actor: &Actor,
    id: i64,
    new_status: MessageStatus,
) -> Result<MessageView, MessageError> {
    let m = get(tx, id)?.ok_or(MessageError::Unknown(id))?;
    if m.status != MessageStatus::Waiting {
        return Err(MessageError::NotWaiting { id, status: m.status });
    }
    if new_status == MessageStatus::Delivered {
        tx.exec(
            "UPDATE messages SET status = 'delivered', delivered_at = ?2, delivered_by = ?3 WHERE id = ?1",
            params![id, At(now), actor.login],
        )?;
    } else {
        tx.exec(
            "UPDATE messages SET status = ?2, text = NULL, caller = NULL, callback = NULL, delivered_by = ?3 WHERE id = ?1",
            params![id, new_status, actor.login],
        )
        ?;
    }
    changes::record(tx, Event::MessageEnded { id, room: m.room.clone(), status: new_status })?;
    let key = format!("msg:{id}");
    outbox::push_attr(tx, now, &m.room, &key, &display_cmd(id, m.stay, None, local_now), outbox::PRIORITY_NORMAL)?;
    messages_changed(tx, now, &m.room)?;
    let action = if new_status == MessageStatus::Delivered { "msg_deliver" } else { "msg_clear" };
    audit::record(
        tx,
        now,
        actor,
        &Change::new(action)
            .room(&m.room)
            .stay(m.stay)
            .subject(format!("message {id}"))
            .after(new_status.as_str())
            .params(serde_json::json!({ "message": id })),
    )?;
    get(tx, id)?.ok_or(MessageError::Unknown(id))
}

/// Check-out: purges the texts of the stay's messages; returns how many were still waiting.
pub fn purge_stay(tx: &Connection, stay: i64) -> Result<usize, StoreError> {
    let discarded: Vec<(i64, String)> = {
        let mut stmt = tx.prepare_cached(
            "UPDATE messages SET status = 'discarded' WHERE stay = ?1 AND status = 'waiting' RETURNING id, room",
        )?;
        let rows = stmt.query_map([stay], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?;
        rows
    };
    let waiting = discarded.len();
    for (id, room) in discarded {
        changes::record(tx, Event::MessageEnded { id, room, status: MessageStatus::Discarded })?;
    }
    tx.exec("UPDATE messages SET text = NULL, caller = NULL, callback = NULL WHERE stay = ?1", [stay])?;
    Ok(waiting)
}

/// The waiting messages of a stay (for the check-out refusal).
pub fn waiting_of_stay(conn: &Connection, stay: i64) -> Result<Vec<MessageView>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM messages WHERE stay = ?1 AND status = 'waiting' ORDER BY id"
    ))?;
    let rows = stmt.query_map([stay], from_row)?.collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Room move: the stay's messages follow it (the lamp is carried by the desk).
pub fn move_stay(tx: &Connection, stay: i64, to: &str) -> Result<(), StoreError> {
    tx.exec("UPDATE messages SET room = ?2 WHERE stay = ?1", params![stay, to])?;
    Ok(())
}

/// Queues the display texts of a stay's waiting messages for `room` (after a move: the old
/// room's display was cleared with its check-out).
pub fn show_waiting(
    tx: &Connection,
    now: DateTime<Utc>,
    tz: chrono_tz::Tz,
    stay: i64,
    room: &str,
) -> Result<(), StoreError> {
    for m in waiting_of_stay(tx, stay)? {
        if let Some(cmd) = display_of(&m, tz) {
            outbox::push_attr(tx, now, room, &format!("msg:{}", m.id), &cmd, outbox::PRIORITY_NORMAL)?;
        }
    }
    Ok(())
}

/// The display command that shows a waiting message (none once its text is purged).
pub fn display_of(m: &MessageView, tz: chrono_tz::Tz) -> Option<PbxCommand> {
    let text = m.text.as_deref()?;
    let at = crate::clock::parse_utc(&m.left_at).map(|t| t.with_timezone(&tz).naive_local()).unwrap_or_default();
    Some(display_cmd(m.id, m.stay, Some(text), at))
}

/// Every message still waiting, oldest first (what a full resync shows on the displays).
pub fn all_waiting(conn: &Connection) -> Result<Vec<MessageView>, StoreError> {
    let mut stmt =
        conn.prepare_cached(&format!("SELECT {COLUMNS} FROM messages WHERE status = 'waiting' ORDER BY id"))?;
    let rows = stmt.query_map([], from_row)?.collect::<Result<_, _>>()?;
    Ok(rows)
}

/// The PBX reported the message read on the handset (`XD`).
pub fn read_on_handset(tx: &Connection, now: DateTime<Utc>, room: &str, id: &str) -> Result<bool, StoreError> {
    let Ok(id) = id.parse::<i64>() else { return Ok(false) };
    let n = tx.exec(
        "UPDATE messages SET status = 'delivered', delivered_at = ?3, delivered_by = 'handset'
         WHERE id = ?1 AND room = ?2 AND status = 'waiting'",
        params![id, room, At(now)],
    )?;
    if n > 0 {
        changes::record(tx, Event::MessageEnded { id, room: room.to_string(), status: MessageStatus::Delivered })?;
        messages_changed(tx, now, room)?;
    }
    Ok(n > 0)
}

/// Expires messages left before `before`: texts purged, waiting ones no longer light the lamp.
pub fn expire(tx: &Connection, now: DateTime<Utc>, before: DateTime<Utc>) -> Result<usize, StoreError> {
    let expiring: Vec<(i64, String)> = {
        let mut stmt = tx.prepare_cached("SELECT id, room FROM messages WHERE status = 'waiting' AND left_at < ?1")?;
        let rows = stmt.query_map([At(before)], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?;
        rows
    };
    let mut rooms: Vec<String> = expiring.iter().map(|(_, room)| room.clone()).collect();
    rooms.sort();
    rooms.dedup();
    for (id, room) in expiring {
        changes::record(tx, Event::MessageEnded { id, room, status: MessageStatus::Expired })?;
    }
    let n = tx.exec(
        "UPDATE messages SET status = CASE status WHEN 'waiting' THEN 'expired' ELSE status END,
                             text = NULL, caller = NULL, callback = NULL
         WHERE left_at < ?1 AND text IS NOT NULL",
        [At(before)],
    )?;
    for room in rooms {
        messages_changed(tx, now, &room)?;
    }
    Ok(n)
}

/// Guest messages over the store.
#[derive(Clone)]
pub struct Messages {
    store: Arc<Store>,
    clock: SharedClock,
    tz: chrono_tz::Tz,
}

impl Messages {
    pub fn new(store: Arc<Store>, clock: SharedClock, tz: chrono_tz::Tz) -> Self {
        Messages { store, clock, tz }
    }

    fn now(&self) -> (DateTime<Utc>, chrono::NaiveDateTime) {
        let now = self.clock.now();
        let local = now.with_timezone(&self.tz).naive_local();
        (now, local.with_nanosecond(0).unwrap_or(local))
    }

    pub async fn leave(&self, actor: &Actor, m: &NewMessage) -> Result<MessageView, MessageError> {
        let text = check_text(&m.text)?;
        let caller = check_short("from", m.from.as_deref(), 60)?;
        let callback = check_short("callback", m.callback.as_deref(), 30)?;
        let (now, local) = self.now();
        let (actor, m) = (actor.clone(), m.clone());
        let r = self
            .store
            .write(Priority::Normal, move |tx| {
                let (actor, m) = (&actor, &m);
                if !rooms::exists(tx, &m.room)? {
                    return Err(MessageError::UnknownRoom(m.room.clone()));
                }
                let stay = rooms::active_stay(tx, &m.room)?.ok_or_else(|| MessageError::Vacant(m.room.clone()))?;
                tx.exec(
                    "INSERT INTO messages(stay, room, status, text, caller, callback, taken_by, left_at, pms_id)
                 VALUES (?1, ?2, 'waiting', ?3, ?4, ?5, ?6, ?7, ?8)",
                    params![stay.id, m.room, text, caller, callback, actor.login, At(now), m.pms_id],
                )?;
                let id = tx.last_insert_rowid();
                changes::record(tx, Event::MessageLeft { id, room: m.room.clone() })?;
                let cmd = display_cmd(id, stay.id, Some(&text), local);
                outbox::push_attr(tx, now, &m.room, &format!("msg:{id}"), &cmd, outbox::PRIORITY_NORMAL)?;
                messages_changed(tx, now, &m.room)?;
                let change = Change::new("msg_leave")
                    .room(&m.room)
                    .stay(stay.id)
                    .subject(format!("message {id}"))
                    .params(serde_json::json!({ "message": id, "chars": text.chars().count(), "from": caller }))
                    .after(format!(
                        "{} characters from {}",
                        text.chars().count(),
                        caller.as_deref().unwrap_or("(unknown)")
                    ));
                audit::record(tx, now, actor, &change)?;
                get(tx, id)?.ok_or(MessageError::Unknown(id))
            })
            .await;
        r
    }

    pub async fn deliver(&self, actor: &Actor, id: i64) -> Result<MessageView, MessageError> {
        let (now, local) = self.now();
        let actor = actor.clone();
        let r = self
            .store
            .write(Priority::Normal, move |tx| finish(tx, now, local, &actor, id, MessageStatus::Delivered))
            .await;
        r
    }

    pub async fn clear(&self, actor: &Actor, id: i64) -> Result<MessageView, MessageError> {
        let (now, local) = self.now();
        let actor = actor.clone();
        let r = self
            .store
            .write(Priority::Normal, move |tx| finish(tx, now, local, &actor, id, MessageStatus::Cleared))
            .await;
        r
    }

    /// The lamp by hand (until the next message change); an occupied room only.
    pub async fn set_lamp(&self, actor: &Actor, room: &str, on: bool) -> Result<bool, MessageError> {
        let (now, _) = self.now();
        let actor = actor.clone();
        let room = room.to_string();
        let r = self
            .store
            .write(Priority::Normal, move |tx| {
                let actor = &actor;
                let room = room.as_str();
                if !rooms::exists(tx, room)? {
                    return Err(MessageError::UnknownRoom(room.to_string()));
                }
                let stay = rooms::active_stay(tx, room)?.ok_or_else(|| MessageError::Vacant(room.to_string()))?;
                tx.exec("UPDATE rooms SET lamp_override = ?2 WHERE number = ?1", params![room, on])?;
                let lamp = sync_lamp(tx, now, room)?;
                let change = Change::new("msg_lamp")
                    .room(room)
                    .stay(stay.id)
                    .params(serde_json::json!({ "on": on }))
                    .after(if on { "lamp on by hand" } else { "lamp off by hand" });
                audit::record(tx, now, actor, &change)?;
                Ok(lamp)
            })
            .await;
        r
    }

    pub async fn get(&self, id: i64) -> Result<MessageView, MessageError> {
        self.store.read(move |c| get(c, id)?.ok_or(MessageError::Unknown(id))).await
    }

    /// Messages of current stays, oldest first; `waiting_only` for the night round.
    pub async fn list(&self, room: Option<&str>, waiting_only: bool) -> Result<Vec<MessageView>, MessageError> {
        // Separate statements per filter, so each uses its index (no "?1 IS NULL OR ...").
        let filter = match (room.is_some(), waiting_only) {
            (true, true) => "m.room = ?1 AND m.status = 'waiting'",
            (true, false) => {
                "m.room = ?1 AND m.stay IN (SELECT id FROM stays WHERE room = ?1 AND checked_out_at IS NULL)"
            }
            (false, true) => "m.status = 'waiting'",
            (false, false) => "m.stay IN (SELECT id FROM stays WHERE checked_out_at IS NULL)",
        };
        let columns: Vec<String> = COLUMNS.split(", ").map(|c| format!("m.{c}")).collect();
        let sql_text = format!("SELECT {} FROM messages m WHERE {filter} ORDER BY m.id LIMIT 5000", columns.join(", "));
        let room = room.map(str::to_string);
        self.store
            .read(move |c| {
                let mut stmt = c.prepare_cached(&sql_text)?;
                let rows = match room.as_deref() {
                    Some(r) => stmt.query_map([r], from_row),
                    None => stmt.query_map([], from_row),
                }?
                .collect::<Result<_, _>>()?;
                Ok(rows)
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_are_checked() {
        assert_eq!(check_text("  Call Bob\r\nat 5  ").unwrap(), "Call Bob\nat 5");
        assert!(check_text(" \n ").unwrap_err().to_string().starts_with("text: must not be empty"));
        assert!(check_text("bell\u{7}").unwrap_err().to_string().contains("control character"));
        assert!(check_text(&"x".repeat(2001)).unwrap_err().to_string().contains("at most 2000"));
        assert!(check_text(&"x".repeat(2000)).is_ok());
        assert!(check_short("callback", Some("+41 44 123 45 67"), 30).is_ok());
        assert!(check_short("callback", Some("call me"), 30).is_err());
    }

    #[test]
    fn display_text_fits_a_phone() {
        assert_eq!(display_text("Call Bob\nat 5 | urgent"), "Call Bob / at 5 / urgent");
        let long = display_text(&"y".repeat(500));
        assert_eq!(long.chars().count(), PBX_TEXT_MAX);
        assert!(long.ends_with("..."));
    }
}
