//! Desk operations: check-in, check-out, room move, DND, class of service.
//!
//! Each operation validates first (room exists, occupancy, printable names without FIAS
//! separators) and then, in ONE transaction, writes the change and the PBX commands it implies
//! into the outbox. Nothing is sent from here: the PBX link drains the outbox.
//!
//! Long: each operation is one closure holding its checks, its change, its PBX commands and
//! its audit row, which read best side by side with the few helpers they share.

use crate::store::Sql;
use chrono::{DateTime, Utc};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tokio::sync::Notify;

use crate::clock::SharedClock;
use crate::config::MAX_CLASS;
use crate::domain::event::Event;
use crate::domain::identity::Actor;
use crate::domain::pbx_command::PbxCommand;
use crate::domain::validate::{Invalid, Text};
use crate::hotel::audit::{self, Change};
use crate::hotel::changes;
use crate::hotel::housekeeping::{self, Housekeeping};
use crate::hotel::messages;
use crate::hotel::wakeup;
use crate::store::rooms::{self, RoomView, Stay};
use crate::store::{outbox, At, Priority, Store, StoreError};

/// FIAS GN/GF length limit switchboard enforces.
pub const MAX_NAME_LEN: usize = 40;
/// Longest reservation id accepted.
pub const MAX_RESERVATION_LEN: usize = 20;

#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    #[error("room {0} does not exist")]
    UnknownRoom(String),
    #[error("room {room} is occupied by stay {stay}")]
    Occupied { room: String, stay: i64 },
    #[error("room {0} is vacant")]
    Vacant(String),
    #[error("room {room} has {} undelivered message(s): {}; deliver them first or check out with --discard-messages", ids.len(), ids.iter().map(|i| format!("#{i}")).collect::<Vec<_>>().join(", "))]
    UndeliveredMessages { room: String, ids: Vec<i64> },
    #[error("room {room} is {status}: give it to a guest once it is clean or inspected (or say so explicitly: --not-ready-ok)")]
    NotReady { room: String, status: Housekeeping },
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error(transparent)]
    Store(#[from] StoreError),
}

crate::store::sql_errors_into!(DeskError);

/// A room about to be given to a guest must be ready, unless the desk says otherwise; returns
/// what to note in the audit trail when it was not.
fn check_ready(tx: &rusqlite::Connection, room: &str, override_ok: bool) -> Result<Option<String>, DeskError> {
    match housekeeping::get(tx, room)? {
        Some(status) if !status.ready() => {
            if override_ok {
                Ok(Some(format!(" (room was {status})")))
            } else {
                Err(DeskError::NotReady { room: room.into(), status })
            }
        }
        _ => Ok(None),
    }
}

/// A check-in request.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CheckIn {
    pub name: String,
    pub first_name: Option<String>,
    pub language: Option<String>,
    pub class: Option<u8>,
    pub reservation: Option<String>,
    /// Incognito: no name on the PBX, hidden from desk lists and name look-ups.
    pub private: Option<bool>,
    /// Check in although the room is not clean or inspected (recorded in the audit trail).
    #[serde(default)]
    pub not_ready_ok: bool,
    /// The stay may not post call charges (the PBX is answered NP; the calls stay unbilled).
    #[serde(default)]
    pub no_post: bool,
    /// A VIP's stay: marked on the board; see `[wakeup] vip_to_operator`.
    #[serde(default)]
    pub vip: bool,
}

fn check_language(lang: &str) -> Result<String, DeskError> {
    let l = lang.trim();
    if l.is_empty() || l.len() > 4 || !l.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(Invalid::new(
            "language",
            format!("{lang:?} must be a language code of 1 to 4 letters, such as \"EN\""),
        )
        .into());
    }
    Ok(l.to_ascii_uppercase())
}

/// Classes of service the PBX side can mean: FIAS `CS` 0 (barred or internal) to 3 (unrestricted).
fn check_class(class: u8) -> Result<u8, DeskError> {
    if class > MAX_CLASS {
        return Err(Invalid::new(
            "class",
            format!("{class} is not a class of service: 0 barred or internal, 1 local, 2 national, 3 unrestricted"),
        )
        .into());
    }
    Ok(class)
}

/// Wake-ups for the tasks that act on store changes (the PBX link hears of new commands from
/// the store's events).
#[derive(Clone, Default)]
pub struct Signals {
    /// The wake-up scheduler: bookings changed.
    pub wakeups: Arc<Notify>,
}

/// The desk: validated changes, each with its PBX commands, in one transaction.
#[derive(Clone)]
pub struct Desk {
    store: Arc<Store>,
    clock: SharedClock,
    /// The hotel's zone: display texts show local times.
    tz: chrono_tz::Tz,
    default_class: u8,
    signals: Signals,
}

impl Desk {
    pub fn new(store: Arc<Store>, clock: SharedClock, tz: chrono_tz::Tz, default_class: u8, signals: Signals) -> Self {
        Desk { store, clock, tz, default_class, signals }
    }

    fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    pub fn now_utc(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    fn require_room(conn: &rusqlite::Connection, room: &str) -> Result<(), DeskError> {
        if rooms::exists(conn, room)? {
            Ok(())
        } else {
            Err(DeskError::UnknownRoom(room.to_string()))
        }
    }

    fn occupied(conn: &rusqlite::Connection, room: &str) -> Result<Stay, DeskError> {
        Self::require_room(conn, room)?;
        rooms::active_stay(conn, room)?.ok_or_else(|| DeskError::Vacant(room.to_string()))
    }

    /// The stay's wake-up calls changed (cancelled, moved): the scheduler is told. (Only these:
    /// the scheduler re-reads the store each time it is woken, which under a busy desk is worth
    /// sparing. The PBX link hears of queued commands from the store's events.)
    fn rescheduled<T>(&self, r: Result<T, DeskError>) -> Result<T, DeskError> {
        if r.is_ok() {
            self.signals.wakeups.notify_one();
        }
        r
    }

    pub async fn room(&self, room: &str) -> Result<RoomView, DeskError> {
        let room = room.to_string();
        self.store.read(move |c| rooms::view(c, &room)?.ok_or_else(|| DeskError::UnknownRoom(room))).await
    }

    pub async fn rooms(&self) -> Result<Vec<RoomView>, DeskError> {
        self.store.read(move |c| Ok(rooms::list(c)?)).await
    }

    pub async fn stays(&self, active_only: bool) -> Result<Vec<Stay>, DeskError> {
        self.store.read(move |c| Ok(rooms::list_stays(c, active_only)?)).await
    }

    pub async fn stay(&self, id: i64) -> Result<Option<Stay>, DeskError> {
        self.store.read(move |c| Ok(rooms::stay(c, id)?)).await
    }

    /// Opens the room for a guest: line class, name and language to the PBX, lamp and DND off.
    /// An incognito (`private`) stay sends no name to the PBX.
    pub async fn check_in(&self, actor: &Actor, room: &str, req: CheckIn) -> Result<Stay, DeskError> {
        let name = Text::pbx(MAX_NAME_LEN).required("name", &req.name)?;
        let first_name = Text::pbx(MAX_NAME_LEN).optional("first_name", req.first_name.as_deref())?;
        let language = req.language.as_deref().map(check_language).transpose()?;
        let class = check_class(req.class.unwrap_or(self.default_class))?;
        let reservation = Text::pbx(MAX_RESERVATION_LEN).optional("reservation", req.reservation.as_deref())?;
        let private = req.private.unwrap_or(false);
        let now = self.now();
        let (actor, room) = (actor.clone(), room.to_string());
        let r = self.store.write(Priority::Normal, move |tx| {
            let room = room.as_str();
            Self::require_room(tx, room)?;
            if let Some(s) = rooms::active_stay(tx, room)? {
                return Err(DeskError::Occupied { room: room.into(), stay: s.id });
            }
            let not_ready = check_ready(tx, room, req.not_ready_ok)?;
            tx.exec(
                "INSERT INTO stays(room, guest_name, first_name, language, class_of_service, reservation, checked_in_at, private, no_post, vip)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                rusqlite::params![room, name, first_name, language, class, reservation, At(now), private, req.no_post, req.vip],
            )
            .map_err(StoreError::from)?;
            let stay_id = tx.last_insert_rowid();
            changes::record(tx, Event::CheckedIn { room: room.into(), stay: stay_id })?;
            rooms::set_line(tx, room, Some(class), Some(false), Some(false))?;
            let (pbx_name, pbx_first) = if private { (None, None) } else { (Some(name.clone()), first_name.clone()) };
            let cmds = [
                PbxCommand::CheckIn {
                    stay: stay_id,
                    name: pbx_name,
                    first_name: pbx_first,
                    language: language.clone(),
                    class_of_service: class,
                },
                PbxCommand::ClassOfService { class },
                PbxCommand::MessageLamp { on: false },
                PbxCommand::Dnd { on: false },
            ];
            for c in &cmds {
                outbox::push(tx, now, room, c, outbox::PRIORITY_NORMAL)?;
            }
            let stay = Self::stay_in(tx, stay_id)?;
            let facts = serde_json::json!({ "stay": stay_id, "guest": stay.guest_fact(), "incognito": stay.private, "class": class, "not_ready": not_ready.is_some() });
            let change = Change::new("checkin").room(room).stay(stay_id).before("vacant").params(facts).after(format!(
                "stay {stay_id}: {}, class {class}{}",
                stay.audit_name(),
                not_ready.unwrap_or_default()
            ));
            audit::record(tx, now, &actor, &change)?;
            Ok(stay)
        }).await;
        r
    }

    /// Changes the guest's name, first name or language (a PMS `GC`, say); the PBX gets `GC`.
    /// `None` keeps a value as it is.
    pub async fn update_guest(
        &self,
        actor: &Actor,
        room: &str,
        name: Option<&str>,
        first_name: Option<&str>,
        language: Option<&str>,
    ) -> Result<Stay, DeskError> {
        let name = name.map(|n| Text::pbx(MAX_NAME_LEN).required("name", n)).transpose()?;
        let first_name = Text::pbx(MAX_NAME_LEN).optional("first_name", first_name)?;
        let language = language.map(check_language).transpose()?;
        let now = self.now();
        let (actor, room) = (actor.clone(), room.to_string());
        let r = self
            .store
            .write(Priority::Normal, move |tx| {
                let (actor, room) = (&actor, room.as_str());
                let stay = Self::occupied(tx, room)?;
                let new_name = name.clone().unwrap_or_else(|| stay.guest_name.clone());
                let new_first = first_name.clone().or_else(|| stay.first_name.clone());
                let new_language = language.clone().or_else(|| stay.language.clone());
                if (&new_name, &new_first, &new_language) == (&stay.guest_name, &stay.first_name, &stay.language) {
                    return Ok(stay);
                }
                tx.exec(
                    "UPDATE stays SET guest_name = ?2, first_name = ?3, language = ?4 WHERE id = ?1",
                    rusqlite::params![stay.id, new_name, new_first, new_language],
                )
                .map_err(StoreError::from)?;
                changes::record(tx, Event::GuestChanged { room: room.into() })?;
                let cmd = PbxCommand::GuestData {
                    stay: stay.id,
                    name: (!stay.private).then(|| new_name.clone()),
                    first_name: new_first.clone().filter(|_| !stay.private),
                    language: new_language.clone(),
                };
                outbox::push(tx, now, room, &cmd, outbox::PRIORITY_NORMAL)?;
                let updated = Self::stay_in(tx, stay.id)?;
                let change = Change::new("guest_change")
                    .room(room)
                    .stay(stay.id)
                    .params(serde_json::json!({ "before": stay.audit_name(), "after": updated.audit_name() }))
                    .before(stay.audit_name())
                    .after(updated.audit_name());
                audit::record(tx, now, actor, &change)?;
                Ok(updated)
            })
            .await;
        r
    }

    fn stay_in(tx: &rusqlite::Connection, id: i64) -> Result<Stay, DeskError> {
        rooms::stay(tx, id)?.ok_or_else(|| StoreError::Corrupt(format!("stay {id} vanished")).into())
    }

    /// Bars the room's line: class 0, name cleared, lamp and DND off.
    /// Refused while the stay has undelivered messages, unless `discard_messages`. The stay's
    /// wake-up calls end and its message texts are purged.
    pub async fn check_out(&self, actor: &Actor, room: &str, discard_messages: bool) -> Result<Stay, DeskError> {
        let now = self.now();
        let (actor, room) = (actor.clone(), room.to_string());
        let r = self
            .store
            .write(Priority::Normal, move |tx| {
                let (actor, room) = (&actor, room.as_str());
                let stay = Self::occupied(tx, room)?;
                let waiting = messages::waiting_of_stay(tx, stay.id)?;
                if !waiting.is_empty() && !discard_messages {
                    return Err(DeskError::UndeliveredMessages {
                        room: room.into(),
                        ids: waiting.iter().map(|m| m.id).collect(),
                    });
                }
                tx.exec("UPDATE stays SET checked_out_at = ?2 WHERE id = ?1", rusqlite::params![stay.id, At(now)])
                    .map_err(StoreError::from)?;
                changes::record(tx, Event::CheckedOut { room: room.into(), stay: stay.id })?;
                Self::bar(tx, now, room, Some(stay.id))?;
                housekeeping::set(tx, now, actor, room, Housekeeping::Dirty, "check-out")?;
                let voicemail: u32 = tx
                    .row("SELECT voicemail FROM rooms WHERE number = ?1", [room], |r| r.get(0))
                    .map_err(StoreError::from)?;
                tx.exec("UPDATE rooms SET lamp_override = NULL, voicemail = 0 WHERE number = ?1", [room])
                    .map_err(StoreError::from)?;
                if voicemail != 0 {
                    changes::record(tx, Event::Voicemail { room: room.into(), count: 0 })?;
                }
                let calls = wakeup::cancel_for_stay(tx, now, actor, stay.id)?;
                let discarded = messages::purge_stay(tx, stay.id)?;
                let mut after = "vacant, line barred".to_string();
                if calls > 0 {
                    after += &format!(", {calls} wake-up call(s) cancelled");
                }
                if discarded > 0 {
                    after += &format!(", {discarded} undelivered message(s) discarded");
                    let text = format!(
                        "room {room} checked out by {} with {discarded} undelivered message(s) discarded",
                        actor.login
                    );
                    let facts = serde_json::json!({ "by": actor.login, "discarded": discarded });
                    crate::hotel::journal::system_entry(tx, now, "checkout_discarded", Some(room), false, &text, &facts)?;
                }
                let facts = serde_json::json!({ "stay": stay.id, "guest": stay.guest_fact(), "incognito": stay.private, "wakeups": calls, "discarded": discarded });
                let change = Change::new("checkout")
                    .room(room)
                    .stay(stay.id)
                    .params(facts)
                    .before(format!("stay {}: {}", stay.id, stay.audit_name()))
                    .after(after);
                audit::record(tx, now, actor, &change)?;
                Self::stay_in(tx, stay.id)
            })
            .await;
        self.rescheduled(r)
    }

    fn bar(tx: &rusqlite::Connection, now: DateTime<Utc>, room: &str, stay: Option<i64>) -> Result<(), DeskError> {
        rooms::set_line(tx, room, Some(0), Some(false), Some(false))?;
        for c in [
            PbxCommand::CheckOut { stay },
            PbxCommand::ClassOfService { class: 0 },
            PbxCommand::MessageLamp { on: false },
            PbxCommand::Dnd { on: false },
        ] {
            outbox::push(tx, now, room, &c, outbox::PRIORITY_NORMAL)?;
        }
        Ok(())
    }

    /// Moves the stay in `from` to the vacant room `to`: the old line is barred, the new one
    /// opened with the stay's class, name, lamp and DND.
    pub async fn move_room(&self, actor: &Actor, from: &str, to: &str) -> Result<Stay, DeskError> {
        self.move_room_with(actor, from, to, false).await
    }

    /// A room move; `not_ready_ok`: into a room that is not clean or inspected (recorded). The
    /// old room is dirty afterwards.
    pub async fn move_room_with(
        &self,
        actor: &Actor,
        from: &str,
        to: &str,
        not_ready_ok: bool,
    ) -> Result<Stay, DeskError> {
        if from == to {
            return Err(Invalid::new("to", "the new room is the same as the old one").into());
        }
        let now = self.now();
        let (actor, from, to) = (actor.clone(), from.to_string(), to.to_string());
        let tz = self.tz;
        let r = self
            .store
            .write(Priority::Normal, move |tx| {
                let (actor, from, to) = (&actor, from.as_str(), to.as_str());
                let stay = Self::occupied(tx, from)?;
                Self::require_room(tx, to)?;
                if let Some(s) = rooms::active_stay(tx, to)? {
                    return Err(DeskError::Occupied { room: to.into(), stay: s.id });
                }
                let not_ready = check_ready(tx, to, not_ready_ok)?.unwrap_or_default();
                let old = rooms::view(tx, from)?.ok_or_else(|| DeskError::UnknownRoom(from.into()))?;
                tx.exec("UPDATE stays SET room = ?2 WHERE id = ?1", rusqlite::params![stay.id, to])
                    .map_err(StoreError::from)?;
                changes::record(tx, Event::Moved { from: from.into(), to: to.into(), stay: stay.id })?;
                Self::bar(tx, now, from, Some(stay.id))?;
                housekeeping::set(tx, now, actor, from, Housekeeping::Dirty, "room move")?;
                wakeup::move_stay(tx, now, stay.id, to)?;
                messages::move_stay(tx, stay.id, to)?;
                rooms::set_line(tx, to, Some(stay.class_of_service), Some(old.message_lamp), Some(old.dnd))?;
                for c in [
                    PbxCommand::Move {
                        from: from.to_string(),
                        stay: stay.id,
                        name: (!stay.private).then(|| stay.guest_name.clone()),
                        first_name: stay.first_name.clone().filter(|_| !stay.private),
                        language: stay.language.clone(),
                        class_of_service: stay.class_of_service,
                    },
                    PbxCommand::ClassOfService { class: stay.class_of_service },
                    PbxCommand::MessageLamp { on: old.message_lamp },
                    PbxCommand::Dnd { on: old.dnd },
                ] {
                    outbox::push(tx, now, to, &c, outbox::PRIORITY_NORMAL)?;
                }
                // After the move itself: the new room's display shows the texts the old one had.
                messages::show_waiting(tx, now, tz, stay.id, to)?;
                let who = format!("stay {}: {}", stay.id, stay.audit_name());
                for (room, before, after) in [
                    (from, who.clone(), format!("moved to room {to}, line barred")),
                    (to, "vacant".to_string(), format!("{who}, moved from room {from}{not_ready}")),
                ] {
                    audit::record(
                        tx,
                        now,
                        actor,
                        &Change::new("move").room(room).stay(stay.id).before(before).after(after).params(
                            serde_json::json!({ "stay": stay.id, "guest": stay.audit_name(), "from": from, "to": to }),
                        ),
                    )?;
                }
                Self::stay_in(tx, stay.id)
            })
            .await;
        self.rescheduled(r)
    }

    /// A room's housekeeping status set by the desk (the only way to out of order / service).
    pub async fn set_housekeeping(&self, actor: &Actor, room: &str, status: Housekeeping) -> Result<(), DeskError> {
        let now = self.now();
        let (actor, room) = (actor.clone(), room.to_string());
        self.store
            .write(Priority::Normal, move |tx| {
                let (actor, room) = (&actor, room.as_str());
                Self::require_room(tx, room)?;
                housekeeping::set(tx, now, actor, room, status, &actor.login)?;
                Ok(())
            })
            .await
    }

    /// Do-not-disturb for an occupied room.
    pub async fn set_dnd(&self, actor: &Actor, room: &str, on: bool) -> Result<RoomView, DeskError> {
        let now = self.now();
        let onoff = |b: bool| if b { "dnd on" } else { "dnd off" };
        let (actor, room) = (actor.clone(), room.to_string());
        let r = self
            .store
            .write(Priority::Normal, move |tx| {
                let (actor, room) = (&actor, room.as_str());
                let stay = Self::occupied(tx, room)?;
                let before = rooms::view(tx, room)?.map(|v| v.dnd).unwrap_or(false);
                rooms::set_line(tx, room, None, None, Some(on))?;
                outbox::push(tx, now, room, &PbxCommand::Dnd { on }, outbox::PRIORITY_NORMAL)?;
                let change = Change::new("dnd").room(room).stay(stay.id).before(onoff(before)).after(onoff(on));
                let change = change.params(serde_json::json!({ "on": on }));
                audit::record(tx, now, actor, &change)?;
                rooms::view(tx, room)?.ok_or_else(|| DeskError::UnknownRoom(room.into()))
            })
            .await;
        r
    }

    /// Changes the class of service of an occupied room's line (and of its stay).
    pub async fn set_class(&self, actor: &Actor, room: &str, class: u8) -> Result<RoomView, DeskError> {
        let class = check_class(class)?;
        let now = self.now();
        let (actor, room) = (actor.clone(), room.to_string());
        let r = self
            .store
            .write(Priority::Normal, move |tx| {
                let (actor, room) = (&actor, room.as_str());
                let stay = Self::occupied(tx, room)?;
                tx.exec("UPDATE stays SET class_of_service = ?2 WHERE id = ?1", rusqlite::params![stay.id, class])
                    .map_err(StoreError::from)?;
                rooms::set_line(tx, room, Some(class), None, None)?;
                outbox::push(tx, now, room, &PbxCommand::ClassOfService { class }, outbox::PRIORITY_NORMAL)?;
                let change = Change::new("class")
                    .room(room)
                    .stay(stay.id)
                    .params(serde_json::json!({ "before": stay.class_of_service, "after": class }))
                    .before(format!("class {}", stay.class_of_service))
                    .after(format!("class {class}"));
                audit::record(tx, now, actor, &change)?;
                rooms::view(tx, room)?.ok_or_else(|| DeskError::UnknownRoom(room.into()))
            })
            .await;
        r
    }

    /// Occupied rooms whose guest's name contains `name` (case-insensitive): the family name,
    /// the given name, or the whole name in either order (陳大文, Chen Tai-man, Tai-man Chen).
    /// At least two characters, or one Chinese, Japanese or Korean character (陳: a one-character
    /// surname is a whole name). Incognito stays are found only when `see_private`.
    pub async fn find_guests(&self, name: &str, see_private: bool) -> Result<Vec<Stay>, DeskError> {
        let needle = name.trim().to_lowercase();
        let one_cjk = needle.chars().count() == 1 && needle.chars().all(is_cjk);
        if needle.chars().count() < 2 && !one_cjk {
            return Err(Invalid::new("name", "give at least 2 characters of the name, or one Chinese character").into());
        }
        let stays = self.stays(true).await?;
        Ok(stays.into_iter().filter(|s| see_private || !s.private).filter(|s| name_matches(s, &needle)).collect())
    }
}

/// A guest's whole name: 陳大文 (family then given, no space, in Chinese, Japanese or Korean),
/// "Chen Tai-man" otherwise; the console writes it the same way (`wholeName`).
pub fn whole_name(family: &str, given: Option<&str>) -> String {
    match given.filter(|g| !g.is_empty()) {
        None => family.to_string(),
        Some(given) if family.chars().chain(given.chars()).any(is_cjk) => format!("{family}{given}"),
        Some(given) => format!("{family} {given}"),
    }
}

/// A character of a Chinese, Japanese or Korean name (one is a whole surname: 陳, 林, 金).
fn is_cjk(c: char) -> bool {
    matches!(c, '\u{3040}'..='\u{30FF}' | '\u{3400}'..='\u{9FFF}' | '\u{AC00}'..='\u{D7AF}' | '\u{F900}'..='\u{FAFF}' | '\u{20000}'..='\u{3134F}')
}

/// Whether `needle` (lower case) is in the stay's family or given name, or its whole name in
/// either order, with or without a space.
fn name_matches(s: &Stay, needle: &str) -> bool {
    let family = s.guest_name.to_lowercase();
    let given = s.first_name.as_deref().unwrap_or("").to_lowercase();
    [
        family.clone(),
        given.clone(),
        format!("{family}{given}"),
        format!("{family} {given}"),
        format!("{given} {family}"),
    ]
    .iter()
    .any(|n| n.contains(needle))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::FakeClock;
    use chrono::TimeZone;

    async fn desk() -> Desk {
        let store = Arc::new(Store::open_in_memory().unwrap());
        store.write(Priority::Normal, move |tx| rooms::sync_rooms(tx, &["101".into(), "102".into()])).await.unwrap();
        let clock = Arc::new(FakeClock::new(chrono::Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap()));
        Desk::new(store, clock, chrono_tz::UTC, 3, Signals::default())
    }

    fn sys() -> Actor {
        Actor::system()
    }

    fn guest(name: &str) -> CheckIn {
        CheckIn { name: name.into(), ..Default::default() }
    }

    async fn commands(d: &Desk) -> Vec<(String, PbxCommand)> {
        d.store
            .read(move |c| {
                let mut stmt =
                    c.prepare_cached("SELECT room, command FROM outbox ORDER BY id").map_err(StoreError::from)?;
                let rows = stmt
                    .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
                    .map_err(StoreError::from)?
                    .map(|r| {
                        let (room, json) = r.unwrap();
                        (room, serde_json::from_str(&json).unwrap())
                    })
                    .collect();
                Ok::<_, DeskError>(rows)
            })
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn check_in_writes_stay_and_commands_together() {
        let d = desk().await;
        let stay =
            d.check_in(&sys(), "101", CheckIn { language: Some("en".into()), ..guest("Wang Wei") }).await.unwrap();
        assert_eq!(stay.class_of_service, 3);
        assert_eq!(stay.language.as_deref(), Some("EN"));
        let room = d.room("101").await.unwrap();
        assert!(room.occupied && !room.pbx_synced);
        assert_eq!(room.pbx_pending, 4);
        let cmds = commands(&d).await;
        assert!(
            matches!(&cmds[0].1, PbxCommand::CheckIn { name: Some(n), class_of_service: 3, .. } if n == "Wang Wei")
        );
        assert_eq!(cmds[3].1, PbxCommand::Dnd { on: false });
    }

    #[tokio::test]
    async fn bad_check_ins_change_nothing() {
        let d = desk().await;
        let bad = async |room: &str, req: CheckIn| d.check_in(&sys(), room, req).await.unwrap_err().to_string();
        assert_eq!(bad("999", guest("A")).await, "room 999 does not exist");
        assert_eq!(bad("101", guest("  ")).await, "name: must not be empty");
        assert!(bad("101", guest("Smith|Jones")).await.contains("'|'"));
        assert!(bad("101", guest("Smith\u{1b}")).await.contains("control character"));
        assert!(bad("101", guest(&"x".repeat(41))).await.contains("at most 40"));
        assert!(bad("101", CheckIn { language: Some("e1".into()), ..guest("A") }).await.starts_with("language"));
        assert!(bad("101", CheckIn { class: Some(12), ..guest("A") }).await.starts_with("class"));
        assert!(commands(&d).await.is_empty());
        d.check_in(&sys(), "101", guest("A")).await.unwrap();
        assert_eq!(bad("101", guest("B")).await, "room 101 is occupied by stay 1");
    }

    #[tokio::test]
    async fn check_out_bars_the_line() {
        let d = desk().await;
        assert_eq!(d.check_out(&sys(), "101", false).await.unwrap_err().to_string(), "room 101 is vacant");
        d.check_in(&sys(), "101", guest("A")).await.unwrap();
        d.set_dnd(&sys(), "101", true).await.unwrap();
        let stay = d.check_out(&sys(), "101", false).await.unwrap();
        assert!(stay.checked_out_at.is_some());
        let room = d.room("101").await.unwrap();
        assert!(!room.occupied && !room.dnd);
        assert_eq!(room.class_of_service, 0);
        let cmds = commands(&d).await;
        assert!(cmds.contains(&("101".into(), PbxCommand::CheckOut { stay: Some(1) })));
        assert!(cmds.contains(&("101".into(), PbxCommand::ClassOfService { class: 0 })));
    }

    #[tokio::test]
    async fn move_bars_old_and_opens_new_for_the_same_stay() {
        let d = desk().await;
        d.check_in(&sys(), "101", CheckIn { class: Some(2), ..guest("A") }).await.unwrap();
        d.set_dnd(&sys(), "101", true).await.unwrap();
        assert!(d.move_room(&sys(), "101", "101").await.is_err());
        assert!(d.move_room(&sys(), "101", "999").await.is_err());
        let stay = d.move_room(&sys(), "101", "102").await.unwrap();
        assert_eq!((stay.id, stay.room.as_str()), (1, "102"));
        let new = d.room("102").await.unwrap();
        assert!(new.occupied && new.dnd);
        assert_eq!(new.class_of_service, 2);
        assert!(!d.room("101").await.unwrap().occupied);
        assert!(
            matches!(d.check_in(&sys(), "101", guest("B")).await, Err(DeskError::NotReady { .. })),
            "the old room is dirty"
        );
        d.check_in(&sys(), "101", CheckIn { not_ready_ok: true, ..guest("B") }).await.unwrap();
        assert!(matches!(d.move_room(&sys(), "102", "101").await, Err(DeskError::Occupied { .. })));
        assert!(matches!(d.move_room(&sys(), "999", "101").await, Err(DeskError::UnknownRoom(_))));
    }

    #[tokio::test]
    async fn changes_are_audited_with_their_actor() {
        let d = desk().await;
        let dora = Actor {
            id: 7,
            login: "dora".into(),
            display_name: "Dora".into(),
            role: crate::domain::identity::Role::Desk,
        };
        d.check_in(&dora, "101", guest("Wang Wei")).await.unwrap();
        d.move_room(&dora, "101", "102").await.unwrap();
        d.check_out(&sys(), "102", false).await.unwrap();
        let rows = d.store.read(move |c| crate::hotel::audit::query(c, &Default::default())).await.unwrap();
        let got: Vec<(String, String, Option<String>)> =
            rows.iter().rev().map(|r| (r.staff.clone(), r.action.clone(), r.room.clone())).collect();
        let want = [
            ("dora", "checkin", "101"),
            ("dora", "room_status", "101"),
            ("dora", "move", "101"),
            ("dora", "move", "102"),
            ("system", "room_status", "102"),
            ("system", "checkout", "102"),
        ];
        assert_eq!(got, want.map(|(a, b, c)| (a.to_string(), b.to_string(), Some(c.to_string()))));
        assert!(rows.last().unwrap().after.as_deref().unwrap().contains("Wang Wei"));
    }

    #[tokio::test]
    async fn incognito_stays_send_no_name_and_hide_it() {
        let d = desk().await;
        d.check_in(&sys(), "101", CheckIn { private: Some(true), ..guest("Famous Person") }).await.unwrap();
        assert!(matches!(&commands(&d).await[0].1, PbxCommand::CheckIn { name: None, first_name: None, .. }));
        let view = d.room("101").await.unwrap();
        assert!(view.private);
        assert_eq!(view.clone().redacted(false).guest_name, None);
        assert_eq!(view.redacted(true).guest_name.as_deref(), Some("Famous Person"));
        assert!(d.find_guests("famous", false).await.unwrap().is_empty());
        assert_eq!(d.find_guests("famous", true).await.unwrap().len(), 1);
        let rows = d.store.read(move |c| crate::hotel::audit::query(c, &Default::default())).await.unwrap();
        assert!(!rows[0].after.as_deref().unwrap().contains("Famous"), "the audit trail keeps the secret too");
    }

    #[tokio::test]
    async fn a_guest_is_found_by_a_one_character_surname_or_the_whole_name_in_either_order() {
        let d = desk().await;
        let chen = CheckIn { first_name: Some("大文".into()), ..guest("陳") };
        d.check_in(&sys(), "101", chen).await.unwrap();
        d.check_in(&sys(), "102", CheckIn { first_name: Some("Tai-man".into()), ..guest("Chan") }).await.unwrap();
        let rooms = |found: Vec<Stay>| found.into_iter().map(|s| s.room).collect::<Vec<_>>();
        assert_eq!(rooms(d.find_guests("陳", false).await.unwrap()), ["101"]);
        assert_eq!(rooms(d.find_guests("陳大文", false).await.unwrap()), ["101"]);
        assert_eq!(rooms(d.find_guests("大文", false).await.unwrap()), ["101"]);
        assert_eq!(rooms(d.find_guests("tai-man chan", false).await.unwrap()), ["102"]);
        assert_eq!(rooms(d.find_guests("Chan Tai", false).await.unwrap()), ["102"]);
        let one_latin = d.find_guests("c", false).await.unwrap_err().to_string();
        assert!(one_latin.contains("at least 2 characters"), "{one_latin}");
    }

    #[tokio::test]
    async fn dnd_and_class_need_an_occupied_room() {
        let d = desk().await;
        assert!(matches!(d.set_dnd(&sys(), "101", true).await, Err(DeskError::Vacant(_))));
        d.check_in(&sys(), "101", guest("A")).await.unwrap();
        assert!(d.set_dnd(&sys(), "101", true).await.unwrap().dnd);
        assert_eq!(d.set_class(&sys(), "101", 1).await.unwrap().class_of_service, 1);
        assert!(d.set_class(&sys(), "101", 10).await.is_err());
    }
}
