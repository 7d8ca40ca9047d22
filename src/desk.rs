//! Desk operations: check-in, check-out, room move, DND, class of service.
//!
//! Each operation validates first (room exists, occupancy, printable names without FIAS
//! separators) and then, in ONE transaction, writes the change and the PBX commands it implies
//! into the outbox. Nothing is sent from here: the PBX link drains the outbox.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tokio::sync::Notify;

use crate::clock::SharedClock;
use crate::pbx::command::PbxCommand;
use crate::store::rooms::{self, RoomView, Stay};
use crate::store::{outbox, Store, StoreError};

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
    #[error("{field}: {msg}")]
    Invalid { field: &'static str, msg: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn invalid(field: &'static str, msg: impl Into<String>) -> DeskError {
    DeskError::Invalid { field, msg: msg.into() }
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
}

/// Checks a name-like value: printable, no `|`, within the FIAS length.
pub fn check_text(field: &'static str, value: &str, max: usize, required: bool) -> Result<String, DeskError> {
    let v = value.trim();
    if v.is_empty() {
        return if required { Err(invalid(field, "must not be empty")) } else { Ok(String::new()) };
    }
    if let Some(c) = v.chars().find(|c| c.is_control()) {
        return Err(invalid(field, format!("contains a control character (U+{:04X})", c as u32)));
    }
    if v.contains('|') {
        return Err(invalid(field, "must not contain '|' (the FIAS field separator)"));
    }
    if v.chars().count() > max {
        return Err(invalid(field, format!("is {} characters long; at most {max} fit the PBX", v.chars().count())));
    }
    Ok(v.to_string())
}

fn check_language(lang: &str) -> Result<String, DeskError> {
    let l = lang.trim();
    if l.is_empty() || l.len() > 4 || !l.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(invalid("language", format!("{lang:?} must be a language code of 1 to 4 letters, such as \"EN\"")));
    }
    Ok(l.to_ascii_uppercase())
}

fn check_class(class: u8) -> Result<u8, DeskError> {
    if class > 9 {
        return Err(invalid("class", format!("{class} is not a class of service (0 to 9)")));
    }
    Ok(class)
}

fn optional(v: Option<String>) -> Option<String> {
    v.filter(|s| !s.is_empty())
}

/// The desk: validated changes, each with its PBX commands, in one transaction.
#[derive(Clone)]
pub struct Desk {
    store: Arc<Store>,
    clock: SharedClock,
    default_class: u8,
    outbox_changed: Arc<Notify>,
}

impl Desk {
    pub fn new(store: Arc<Store>, clock: SharedClock, default_class: u8, outbox_changed: Arc<Notify>) -> Self {
        Desk { store, clock, default_class, outbox_changed }
    }

    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    fn now(&self) -> String {
        self.clock.now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
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

    fn queued<T>(&self, r: Result<T, DeskError>) -> Result<T, DeskError> {
        if r.is_ok() {
            self.outbox_changed.notify_one();
        }
        r
    }

    pub fn room(&self, room: &str) -> Result<RoomView, DeskError> {
        self.store.read(|c| rooms::view(c, room)?.ok_or_else(|| DeskError::UnknownRoom(room.to_string())))
    }

    pub fn rooms(&self) -> Result<Vec<RoomView>, DeskError> {
        self.store.read(|c| Ok(rooms::list(c)?))
    }

    pub fn stays(&self, active_only: bool) -> Result<Vec<Stay>, DeskError> {
        self.store.read(|c| Ok(rooms::list_stays(c, active_only)?))
    }

    pub fn stay(&self, id: i64) -> Result<Option<Stay>, DeskError> {
        self.store.read(|c| Ok(rooms::stay(c, id)?))
    }

    /// Opens the room for a guest: line class, name and language to the PBX, lamp and DND off.
    pub fn check_in(&self, room: &str, req: CheckIn) -> Result<Stay, DeskError> {
        let name = check_text("name", &req.name, MAX_NAME_LEN, true)?;
        let first_name =
            optional(req.first_name.map(|f| check_text("first_name", &f, MAX_NAME_LEN, false)).transpose()?);
        let language = req.language.as_deref().map(check_language).transpose()?;
        let class = check_class(req.class.unwrap_or(self.default_class))?;
        let reservation =
            optional(req.reservation.map(|r| check_text("reservation", &r, MAX_RESERVATION_LEN, false)).transpose()?);
        let now = self.now();
        let r = self.store.write(|tx| {
            Self::require_room(tx, room)?;
            if let Some(s) = rooms::active_stay(tx, room)? {
                return Err(DeskError::Occupied { room: room.into(), stay: s.id });
            }
            tx.execute(
                "INSERT INTO stays(room, guest_name, first_name, language, class_of_service, reservation, checked_in_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                rusqlite::params![room, name, first_name, language, class, reservation, now],
            )
            .map_err(StoreError::from)?;
            let stay = tx.last_insert_rowid();
            rooms::set_line(tx, room, Some(class), Some(false), Some(false))?;
            let cmds = [
                PbxCommand::CheckIn {
                    stay,
                    name: Some(name.clone()),
                    first_name: first_name.clone(),
                    language: language.clone(),
                    class_of_service: class,
                },
                PbxCommand::ClassOfService { class },
                PbxCommand::MessageLamp { on: false },
                PbxCommand::Dnd { on: false },
            ];
            for c in &cmds {
                outbox::push(tx, &now, room, c, outbox::PRIORITY_NORMAL)?;
            }
            rooms::stay(tx, stay)?.ok_or_else(|| StoreError::Corrupt("stay vanished".into()).into())
        });
        self.queued(r)
    }

    /// Bars the room's line: class 0, name cleared, lamp and DND off.
    pub fn check_out(&self, room: &str) -> Result<Stay, DeskError> {
        let now = self.now();
        let r = self.store.write(|tx| {
            let stay = Self::occupied(tx, room)?;
            tx.execute("UPDATE stays SET checked_out_at = ?2 WHERE id = ?1", rusqlite::params![stay.id, now])
                .map_err(StoreError::from)?;
            Self::bar(tx, &now, room, Some(stay.id))?;
            rooms::stay(tx, stay.id)?.ok_or_else(|| StoreError::Corrupt("stay vanished".into()).into())
        });
        self.queued(r)
    }

    fn bar(tx: &rusqlite::Connection, now: &str, room: &str, stay: Option<i64>) -> Result<(), DeskError> {
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
    /// opened with the stay's class, name, DND.
    pub fn move_room(&self, from: &str, to: &str) -> Result<Stay, DeskError> {
        if from == to {
            return Err(invalid("to", "the new room is the same as the old one"));
        }
        let now = self.now();
        let r = self.store.write(|tx| {
            let stay = Self::occupied(tx, from)?;
            Self::require_room(tx, to)?;
            if let Some(s) = rooms::active_stay(tx, to)? {
                return Err(DeskError::Occupied { room: to.into(), stay: s.id });
            }
            let old = rooms::view(tx, from)?.ok_or_else(|| DeskError::UnknownRoom(from.into()))?;
            tx.execute("UPDATE stays SET room = ?2 WHERE id = ?1", rusqlite::params![stay.id, to])
                .map_err(StoreError::from)?;
            Self::bar(tx, &now, from, Some(stay.id))?;
            rooms::set_line(tx, to, Some(stay.class_of_service), Some(old.message_lamp), Some(old.dnd))?;
            for c in [
                PbxCommand::Move {
                    from: from.to_string(),
                    stay: stay.id,
                    name: Some(stay.guest_name.clone()),
                    language: stay.language.clone(),
                    class_of_service: stay.class_of_service,
                },
                PbxCommand::ClassOfService { class: stay.class_of_service },
                PbxCommand::MessageLamp { on: old.message_lamp },
                PbxCommand::Dnd { on: old.dnd },
            ] {
                outbox::push(tx, &now, to, &c, outbox::PRIORITY_NORMAL)?;
            }
            rooms::stay(tx, stay.id)?.ok_or_else(|| StoreError::Corrupt("stay vanished".into()).into())
        });
        self.queued(r)
    }

    /// Do-not-disturb for an occupied room.
    pub fn set_dnd(&self, room: &str, on: bool) -> Result<RoomView, DeskError> {
        let now = self.now();
        let r = self.store.write(|tx| {
            Self::occupied(tx, room)?;
            rooms::set_line(tx, room, None, None, Some(on))?;
            outbox::push(tx, &now, room, &PbxCommand::Dnd { on }, outbox::PRIORITY_NORMAL)?;
            rooms::view(tx, room)?.ok_or_else(|| DeskError::UnknownRoom(room.into()))
        });
        self.queued(r)
    }

    /// Changes the class of service of an occupied room's line (and of its stay).
    pub fn set_class(&self, room: &str, class: u8) -> Result<RoomView, DeskError> {
        let class = check_class(class)?;
        let now = self.now();
        let r = self.store.write(|tx| {
            let stay = Self::occupied(tx, room)?;
            tx.execute("UPDATE stays SET class_of_service = ?2 WHERE id = ?1", rusqlite::params![stay.id, class])
                .map_err(StoreError::from)?;
            rooms::set_line(tx, room, Some(class), None, None)?;
            outbox::push(tx, &now, room, &PbxCommand::ClassOfService { class }, outbox::PRIORITY_NORMAL)?;
            rooms::view(tx, room)?.ok_or_else(|| DeskError::UnknownRoom(room.into()))
        });
        self.queued(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::FakeClock;
    use chrono::TimeZone;

    fn desk() -> Desk {
        let store = Arc::new(Store::open_in_memory().unwrap());
        store.write(|tx| rooms::sync_rooms(tx, &["101".into(), "102".into()])).unwrap();
        let clock = Arc::new(FakeClock::new(chrono::Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap()));
        Desk::new(store, clock, 3, Arc::new(Notify::new()))
    }

    fn guest(name: &str) -> CheckIn {
        CheckIn { name: name.into(), ..Default::default() }
    }

    fn commands(d: &Desk) -> Vec<(String, PbxCommand)> {
        d.store
            .read(|c| {
                let mut stmt = c.prepare("SELECT room, command FROM outbox ORDER BY id").map_err(StoreError::from)?;
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
            .unwrap()
    }

    #[test]
    fn check_in_writes_stay_and_commands_together() {
        let d = desk();
        let stay = d.check_in("101", CheckIn { language: Some("en".into()), ..guest("Wang Wei") }).unwrap();
        assert_eq!(stay.class_of_service, 3);
        assert_eq!(stay.language.as_deref(), Some("EN"));
        let room = d.room("101").unwrap();
        assert!(room.occupied && !room.pbx_synced);
        assert_eq!(room.pbx_pending, 4);
        let cmds = commands(&d);
        assert!(
            matches!(&cmds[0].1, PbxCommand::CheckIn { name: Some(n), class_of_service: 3, .. } if n == "Wang Wei")
        );
        assert_eq!(cmds[3].1, PbxCommand::Dnd { on: false });
    }

    #[test]
    fn bad_check_ins_change_nothing() {
        let d = desk();
        let bad = |room: &str, req: CheckIn| d.check_in(room, req).unwrap_err().to_string();
        assert_eq!(bad("999", guest("A")), "room 999 does not exist");
        assert_eq!(bad("101", guest("  ")), "name: must not be empty");
        assert!(bad("101", guest("Smith|Jones")).contains("'|'"));
        assert!(bad("101", guest("Smith\u{1b}")).contains("control character"));
        assert!(bad("101", guest(&"x".repeat(41))).contains("at most 40"));
        assert!(bad("101", CheckIn { language: Some("e1".into()), ..guest("A") }).starts_with("language"));
        assert!(bad("101", CheckIn { class: Some(12), ..guest("A") }).starts_with("class"));
        assert!(commands(&d).is_empty());
        d.check_in("101", guest("A")).unwrap();
        assert_eq!(bad("101", guest("B")), "room 101 is occupied by stay 1");
    }

    #[test]
    fn check_out_bars_the_line() {
        let d = desk();
        assert_eq!(d.check_out("101").unwrap_err().to_string(), "room 101 is vacant");
        d.check_in("101", guest("A")).unwrap();
        d.set_dnd("101", true).unwrap();
        let stay = d.check_out("101").unwrap();
        assert!(stay.checked_out_at.is_some());
        let room = d.room("101").unwrap();
        assert!(!room.occupied && !room.dnd);
        assert_eq!(room.class_of_service, 0);
        let cmds = commands(&d);
        assert!(cmds.contains(&("101".into(), PbxCommand::CheckOut { stay: Some(1) })));
        assert!(cmds.contains(&("101".into(), PbxCommand::ClassOfService { class: 0 })));
    }

    #[test]
    fn move_bars_old_and_opens_new_for_the_same_stay() {
        let d = desk();
        d.check_in("101", CheckIn { class: Some(2), ..guest("A") }).unwrap();
        d.set_dnd("101", true).unwrap();
        assert!(d.move_room("101", "101").is_err());
        assert!(d.move_room("101", "999").is_err());
        let stay = d.move_room("101", "102").unwrap();
        assert_eq!((stay.id, stay.room.as_str()), (1, "102"));
        let new = d.room("102").unwrap();
        assert!(new.occupied && new.dnd);
        assert_eq!(new.class_of_service, 2);
        assert!(!d.room("101").unwrap().occupied);
        d.check_in("101", guest("B")).unwrap();
        assert!(matches!(d.move_room("102", "101"), Err(DeskError::Occupied { .. })));
        assert!(matches!(d.move_room("999", "101"), Err(DeskError::UnknownRoom(_))));
    }

    #[test]
    fn dnd_and_class_need_an_occupied_room() {
        let d = desk();
        assert!(matches!(d.set_dnd("101", true), Err(DeskError::Vacant(_))));
        d.check_in("101", guest("A")).unwrap();
        assert!(d.set_dnd("101", true).unwrap().dnd);
        assert_eq!(d.set_class("101", 1).unwrap().class_of_service, 1);
        assert!(d.set_class("101", 10).is_err());
    }
}
