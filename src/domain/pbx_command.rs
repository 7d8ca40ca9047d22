//! What the service asks of a room's line, whatever the PBX's protocol: idempotent "set state"
//! requests, kept in the PBX outbox as they are (their JSON is the stored form). Each PBX driver
//! turns them into its own records when it sends them (FIAS: `crate::links::pbx::command`).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PbxCommand {
    /// Open the line for a stay and show the guest's name.
    CheckIn {
        stay: i64,
        name: Option<String>,
        first_name: Option<String>,
        language: Option<String>,
        class_of_service: u8,
    },
    /// Bar the line and clear the name.
    CheckOut {
        stay: Option<i64>,
    },
    /// The stay moved here from `from` (the old room gets its own CheckOut).
    Move {
        from: String,
        stay: i64,
        name: Option<String>,
        /// (Rows queued before first names travelled with a move have none.)
        #[serde(default)]
        first_name: Option<String>,
        language: Option<String>,
        class_of_service: u8,
    },
    /// The stay's guest data changed (name, first name, language): `GC` without `RO`.
    GuestData {
        stay: i64,
        name: Option<String>,
        first_name: Option<String>,
        language: Option<String>,
    },
    ClassOfService {
        class: u8,
    },
    MessageLamp {
        on: bool,
    },
    Dnd {
        on: bool,
    },
    /// Ring the room now for a wake-up call (`WR` for the current local time). Dropped unsent
    /// once `expires` (UTC, RFC 3339) has passed: a late ring is worse than none, the scheduler
    /// has counted it as unanswered by then.
    Ring {
        at: chrono::NaiveDateTime,
        expires: String,
    },
    /// Stop a wake-up ring (`WC`).
    RingCancel {
        at: chrono::NaiveDateTime,
    },
    /// A guest message's text for the phone's display (`XL`), where the PBX has it.
    MessageText {
        id: i64,
        stay: i64,
        text: String,
        at: chrono::NaiveDateTime,
    },
    /// The message is gone from the display (`XD`).
    MessageDelete {
        id: i64,
        stay: i64,
        at: chrono::NaiveDateTime,
    },
    /// The answer to the PBX asking for a room's message texts (`XM`): one waiting message
    /// (`XT` with `MI`, `MT`), or none (`XT` without them).
    MessageTexts {
        stay: Option<i64>,
        id: Option<i64>,
        text: Option<String>,
    },
    /// The answer to a call charge the PBX posted (`PA`).
    PostingAnswer {
        number: Option<String>,
        status: String,
        /// The posting's own date and time, echoed (`DA`, `TI`).
        #[serde(default)]
        at: Option<chrono::NaiveDateTime>,
    },
}

impl PbxCommand {
    /// The attribute of the commands that open, move and bar a room's line.
    pub const LINE: &'static str = "guest";

    /// The room attribute this command sets; a later command for the same one supersedes it.
    pub fn attr(&self) -> &'static str {
        match self {
            PbxCommand::CheckIn { .. } | PbxCommand::CheckOut { .. } | PbxCommand::Move { .. } => Self::LINE,
            // Not "guest": it must never supersede the check-in it follows.
            PbxCommand::GuestData { .. } => "guest_data",
            PbxCommand::ClassOfService { .. } => "class",
            PbxCommand::MessageLamp { .. } => "lamp",
            PbxCommand::Dnd { .. } => "dnd",
            PbxCommand::Ring { .. } | PbxCommand::RingCancel { .. } => "wakeup",
            PbxCommand::MessageText { .. } | PbxCommand::MessageDelete { .. } => "message",
            PbxCommand::PostingAnswer { .. } => "posting",
            PbxCommand::MessageTexts { .. } => "xt",
        }
    }

    /// A feature the PBX may not have (message texts on the display): where it did not declare
    /// the record, the command is skipped quietly instead of reported as undeliverable.
    pub fn optional(&self) -> bool {
        matches!(
            self,
            PbxCommand::MessageText { .. }
                | PbxCommand::MessageDelete { .. }
                | PbxCommand::PostingAnswer { .. }
                | PbxCommand::MessageTexts { .. }
        )
    }

    /// For a ring: whether it expired before it could be sent.
    pub fn expired(&self, now: chrono::DateTime<chrono::Utc>) -> bool {
        match self {
            PbxCommand::Ring { expires, .. } => {
                chrono::DateTime::parse_from_rfc3339(expires).is_ok_and(|e| e.with_timezone(&chrono::Utc) <= now)
            }
            _ => false,
        }
    }
}
