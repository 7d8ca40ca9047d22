//! Every code an error body can carry, in one list: the console's catalogues are tested
//! against it, so a code the service can say always has words in every language.

/// Declares the codes: the enum, its text and the list of all of them, from one table.
macro_rules! codes {
    ($($(#[$doc:meta])* $name:ident => $text:literal,)*) => {
        /// What went wrong, as a code a program can act on or put in its reader's words.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Code {
            $($(#[$doc])* $name,)*
        }

        impl Code {
            pub const ALL: &'static [Code] = &[$(Code::$name,)*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$name => $text,)*
                }
            }
        }
    };
}

codes! {
    RoomUnknown => "room_unknown",
    RoomOccupied => "room_occupied",
    RoomVacant => "room_vacant",
    RoomNotReady => "room_not_ready",
    MessagesWaiting => "messages_waiting",
    WakeupUnknown => "wakeup_unknown",
    WakeupDuplicate => "wakeup_duplicate",
    WakeupEnded => "wakeup_ended",
    WakeupInPast => "wakeup_in_past",
    /// The PBX cannot ring a room when switchboard says (a Mitel keeps wake-ups itself).
    WakeupNotOnThisPbx => "wakeup_not_on_this_pbx",
    MessageUnknown => "message_unknown",
    MessageNotWaiting => "message_not_waiting",
    StaffUnknown => "staff_unknown",
    StaffExists => "staff_exists",
    LastManager => "last_manager",
    BadCredentials => "bad_credentials",
    Unauthenticated => "unauthenticated",
    Throttled => "throttled",
    Forbidden => "forbidden",
    NotYourShift => "not_your_shift",
    ShiftOpen => "shift_open",
    ShiftClosed => "shift_closed",
    HandoverPending => "handover_pending",
    OwnHandover => "own_handover",
    NoShift => "no_shift",
    NoHandover => "no_handover",
    LogEntryUnknown => "log_entry_unknown",
    FollowupUnknown => "followup_unknown",
    AlertUnknown => "alert_unknown",
    AlertAcknowledged => "alert_acknowledged",
    DirectoryEntryUnknown => "directory_entry_unknown",
    /// A value of the request is refused; the body's `field` says which.
    Invalid => "invalid",
    BadRequest => "bad_request",
    NotFound => "not_found",
    MethodNotAllowed => "method_not_allowed",
    Conflict => "conflict",
    Timeout => "timeout",
    PayloadTooLarge => "payload_too_large",
    UriTooLong => "uri_too_long",
    HeadersTooLarge => "headers_too_large",
    TooManyRequests => "too_many_requests",
    Unavailable => "unavailable",
    Internal => "internal",
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_snake_case_words() {
        let mut seen = std::collections::BTreeSet::new();
        for c in Code::ALL {
            let s = c.as_str();
            assert!(s.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'), "{s}");
            assert!(seen.insert(s), "{s} twice");
        }
    }
}
