//! Which protocol the PBX speaks, and what each can do: the service adapts to a PBX's
//! capabilities instead of pretending (the README's table, "PBX protocols", is this one).

use serde::Serialize;

/// `[pbx] protocol`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Protocol {
    /// Oracle FIAS.
    #[default]
    Fias,
    /// NEC NEAX / SV (the IMS PMS interface).
    Neax,
    /// Mitel SX-200 / SX-2000 "light" PMS link.
    Mitel,
}

impl Protocol {
    pub const ALL: [Protocol; 3] = [Protocol::Fias, Protocol::Neax, Protocol::Mitel];

    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Fias => "fias",
            Protocol::Neax => "neax",
            Protocol::Mitel => "mitel",
        }
    }

    pub fn parse(s: &str) -> Option<Protocol> {
        Protocol::ALL.into_iter().find(|p| p.as_str() == s)
    }

    pub fn capabilities(self) -> Capabilities {
        let all = Capabilities {
            ring_now: true,
            wakeup_kept_by_pbx: false,
            wakeup_result: true,
            handset_wakeups: true,
            names: true,
            message_lamp: true,
            dnd: true,
            class_levels: 4,
            room_status: true,
            call_records: true,
            message_texts: true,
            resync: true,
        };
        match self {
            Protocol::Fias => all,
            // Restriction codes say only "outside calls or not"; calls come on a separate SMDR
            // port whose layout is not known; no message texts.
            Protocol::Neax => Capabilities { class_levels: 2, call_records: false, message_texts: false, ..all },
            // No ring now and no result: wake-ups are handed to the PBX to keep.
            Protocol::Mitel => Capabilities {
                ring_now: false,
                wakeup_kept_by_pbx: true,
                wakeup_result: false,
                handset_wakeups: false,
                class_levels: 3,
                message_texts: false,
                resync: false,
                ..all
            },
        }
    }
}

impl std::fmt::Display for Protocol {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a protocol lets the service do with the PBX.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Capabilities {
    /// The service's scheduler can ring a room at the moment it chooses.
    pub ring_now: bool,
    /// Wake-ups are handed to the PBX, which keeps and rings them itself.
    pub wakeup_kept_by_pbx: bool,
    /// The PBX says how a wake-up call went (answered, busy, no answer).
    pub wakeup_result: bool,
    /// The PBX reports wake-ups the guest set or cleared on the handset.
    pub handset_wakeups: bool,
    /// The guest's name on the room's phone.
    pub names: bool,
    pub message_lamp: bool,
    pub dnd: bool,
    /// How many class-of-service levels the PBX tells apart (FIAS 0-3).
    pub class_levels: u8,
    /// Room status dialled on the handset reaches housekeeping.
    pub room_status: bool,
    /// Calls are reported for pricing.
    pub call_records: bool,
    /// Message texts shown on the room's phone.
    pub message_texts: bool,
    /// Every room's state can be sent again in one go.
    pub resync: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_protocol_is_named_and_read_back() {
        for p in Protocol::ALL {
            assert_eq!(Protocol::parse(p.as_str()), Some(p));
        }
        assert_eq!(Protocol::parse("sx200"), None);
    }

    #[test]
    fn mitel_keeps_wake_ups_itself_and_says_nothing_back() {
        let c = Protocol::Mitel.capabilities();
        assert!(!c.ring_now && c.wakeup_kept_by_pbx && !c.wakeup_result);
        let n = Protocol::Neax.capabilities();
        assert!(n.ring_now && n.wakeup_result && !n.wakeup_kept_by_pbx);
    }
}
