//! What the PBX reported that another part of the service acts on (the wake-up scheduler);
//! the store keeps it until that part has acted ([`crate::store::pbx_reports`]).

use serde::{Deserialize, Serialize};

/// How a wake-up ring ended, as the PBX said (`WA` `AS`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WakeResult {
    /// `OK`: the guest answered.
    Answered,
    /// `NR`: no answer.
    NoAnswer,
    /// `BY`: the line was busy.
    Busy,
    /// The call could not be put through (a NEAX's 19-3 code 4; `BL` on the link).
    Blocked,
    /// The PBX sent the call to the attendant's console (a NEAX's code 5; `AT` on the link).
    ToAttendant,
    /// Any other code, kept as the PBX sent it.
    Other(String),
}

impl WakeResult {
    /// Decodes a FIAS `AS` answer status.
    pub fn from_fias(code: &str) -> WakeResult {
        match code {
            "OK" => WakeResult::Answered,
            "NR" => WakeResult::NoAnswer,
            "BY" => WakeResult::Busy,
            "BL" => WakeResult::Blocked,
            "AT" => WakeResult::ToAttendant,
            other => WakeResult::Other(other.to_string()),
        }
    }

    pub fn answered(&self) -> bool {
        *self == WakeResult::Answered
    }

    /// The attempt's result as stored and shown.
    pub fn as_text(&self) -> String {
        match self {
            WakeResult::Answered => "answered".into(),
            WakeResult::NoAnswer => "no_answer".into(),
            WakeResult::Busy => "busy".into(),
            WakeResult::Blocked => "blocked".into(),
            WakeResult::ToAttendant => "sent_to_attendant".into(),
            WakeResult::Other(code) => format!("not answered (AS={code})"),
        }
    }
}

/// A report from the PBX for the rest of the service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PbxReport {
    /// The final result of a wake-up ring (`WA`); `at` echoes the ring's time.
    WakeAnswer { room: String, at: chrono::NaiveDateTime, result: WakeResult },
    /// A guest booked a wake-up call on the handset (`WR`).
    HandsetBooking { room: String, at: chrono::NaiveDateTime },
    /// A guest cancelled one on the handset (`WC`).
    HandsetClear { room: String, at: chrono::NaiveDateTime },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answer_codes_are_decoded_where_they_arrive() {
        assert_eq!(WakeResult::from_fias("OK"), WakeResult::Answered);
        assert_eq!(WakeResult::from_fias("NR").as_text(), "no_answer");
        assert_eq!(WakeResult::from_fias("BY").as_text(), "busy");
        assert_eq!(WakeResult::from_fias("XX").as_text(), "not answered (AS=XX)");
        assert!(!WakeResult::from_fias("BY").answered());
        // What a NEAX says that FIAS has no code for.
        assert_eq!(WakeResult::from_fias("BL").as_text(), "blocked");
        assert_eq!(WakeResult::from_fias("AT").as_text(), "sent_to_attendant");
    }
}
