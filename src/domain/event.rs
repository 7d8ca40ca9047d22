//! What happened: one typed event per change.
//!
//! A change records its events inside its own transaction (`crate::hotel::changes::record`); the PMS
//! outbox is filled from them in the same transaction, and once the batch is committed the store
//! broadcasts them together (`Store::events`). Whoever shows or forwards the hotel's state (the
//! PBX link, the PMS link, the live-event streams) wakes on them instead of polling.
//!
//! Events say *what* changed and carry the keys to read it; what a reader may see of it is
//! decided where it is read (the live events read each room as the reader's own `GET` would).

use super::housekeeping::Housekeeping;
use super::message_status::MessageStatus;
use crate::domain::wakeup::status::WakeStatus;

/// One change, as the rest of the service hears of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A guest checked in (the desk or the PMS).
    CheckedIn { room: String, stay: i64 },
    /// A guest checked out.
    CheckedOut { room: String, stay: i64 },
    /// A stay moved from one room to another.
    Moved { from: String, to: String, stay: i64 },
    /// The guest's details changed (name, language, VIP, incognito; a sharer joined or left).
    GuestChanged { room: String },
    /// What the room's line should be changed (class of service, lamp, DND).
    LineChanged { room: String },
    /// Commands for the PBX were queued for the room.
    PbxQueued { room: String },
    /// The PBX took the room's commands (or they were dropped): the room's `pbx_pending` changed.
    PbxTook { room: String },
    /// The handset reported a room status code (FIAS `RS`), kept as reported.
    HandsetStatus { room: String },
    /// The voicemail count the PBX reports changed.
    Voicemail { room: String, count: u32 },
    /// The housekeeping status was set; `by` as stored (`handset`, `attendant:ID`, a login).
    RoomStatus { room: String, status: Housekeeping, by: String },
    /// A wake-up call was booked, rang, was answered or not, moved, or will be tried again.
    WakeupChanged { id: i64, room: String },
    /// A wake-up booking ended (done, failed, missed, cancelled).
    WakeupEnded { id: i64, room: String, status: WakeStatus },
    /// A guest message was left.
    MessageLeft { id: i64, room: String },
    /// A waiting message was delivered, cleared, discarded or expired.
    MessageEnded { id: i64, room: String, status: MessageStatus },
    /// A call or a minibar posting was recorded; `posted`: charged to a stay.
    CallPosted { id: i64, room: String, posted: bool },
    /// An alert was raised.
    AlertRaised { id: i64 },
    /// An alert was acknowledged.
    AlertAcked { id: i64 },
    /// A logbook entry was written (by a person or by the service).
    LogWritten { id: i64 },
    /// A follow-up or a shift changed (opened, closed, handed over).
    ShiftChanged,
    /// Staff accounts or sessions changed (a sign-in, a logout, a new password, a disabled
    /// account): whoever holds a session asks whether it is still open.
    SessionsChanged,
    /// The directory changed.
    DirectoryChanged,
}

/// What part of the console an event is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Topic {
    Rooms,
    Wakeups,
    Messages,
    Charges,
    Alerts,
    Log,
    Staff,
    Directory,
}

impl Event {
    /// The rooms whose view (`GET /api/rooms/{room}`) this event may have changed.
    pub fn rooms(&self) -> Vec<&str> {
        use Event::*;
        match self {
            CheckedIn { room, .. }
            | CheckedOut { room, .. }
            | GuestChanged { room }
            | LineChanged { room }
            | PbxQueued { room }
            | PbxTook { room }
            | HandsetStatus { room }
            | Voicemail { room, .. }
            | RoomStatus { room, .. }
            | MessageLeft { room, .. }
            | MessageEnded { room, .. } => vec![room],
            Moved { from, to, .. } => vec![from, to],
            WakeupChanged { .. }
            | WakeupEnded { .. }
            | CallPosted { .. }
            | AlertRaised { .. }
            | AlertAcked { .. }
            | LogWritten { .. }
            | ShiftChanged
            | SessionsChanged
            | DirectoryChanged => vec![],
        }
    }

    pub fn topic(&self) -> Topic {
        use Event::*;
        match self {
            CheckedIn { .. }
            | CheckedOut { .. }
            | Moved { .. }
            | GuestChanged { .. }
            | LineChanged { .. }
            | PbxQueued { .. }
            | PbxTook { .. }
            | HandsetStatus { .. }
            | Voicemail { .. }
            | RoomStatus { .. } => Topic::Rooms,
            WakeupChanged { .. } | WakeupEnded { .. } => Topic::Wakeups,
            MessageLeft { .. } | MessageEnded { .. } => Topic::Messages,
            CallPosted { .. } => Topic::Charges,
            AlertRaised { .. } | AlertAcked { .. } => Topic::Alerts,
            LogWritten { .. } | ShiftChanged => Topic::Log,
            SessionsChanged => Topic::Staff,
            DirectoryChanged => Topic::Directory,
        }
    }

    /// Whether this event may have queued a record for the PMS (the PMS link wakes on it).
    pub fn for_pms(&self) -> bool {
        matches!(
            self,
            Event::WakeupEnded { .. }
                | Event::MessageEnded { .. }
                | Event::RoomStatus { .. }
                | Event::Voicemail { .. }
                | Event::CallPosted { .. }
        )
    }

    /// Whether this event queued commands for the PBX (the PBX link wakes on it).
    pub fn for_pbx(&self) -> bool {
        matches!(self, Event::PbxQueued { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_move_concerns_both_rooms_and_a_wake_up_none_of_the_board() {
        let moved = Event::Moved { from: "101".into(), to: "102".into(), stay: 1 };
        assert_eq!(moved.rooms(), ["101", "102"]);
        assert_eq!(moved.topic(), Topic::Rooms);
        let rang = Event::WakeupChanged { id: 1, room: "101".into() };
        assert!(rang.rooms().is_empty());
        assert!(!rang.for_pms());
        assert!(Event::WakeupEnded { id: 1, room: "101".into(), status: WakeStatus::Done }.for_pms());
        assert!(Event::PbxQueued { room: "101".into() }.for_pbx());
    }
}
