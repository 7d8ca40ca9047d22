//! PBX commands ([`PbxCommand`], protocol-neutral, in `crate::domain::pbx_command`) as FIAS
//! records: the link turns each into its record when it sends it, so a later protocol (NEC,
//! Mitel) adds a translation of its own, not a new outbox.

pub use crate::domain::pbx_command::PbxCommand;
use fias::{ids, Guest, Message, RecordId, RoomEquipment};

/// A command as FIAS says it.
pub trait Fias {
    /// The room-equipment settings this command carries, if it is one (class, lamp, DND).
    fn equipment(&self) -> Option<RoomEquipment>;
    /// The FIAS record for this command; `declared` tells which records the PBX asked for
    /// (a move falls back to a check-in where the PBX has no GC).
    fn to_fias(&self, room: &str, declared: impl Fn(RecordId) -> bool) -> Message;
}

impl Fias for PbxCommand {
    /// The room-equipment settings this command carries, if it is one (class, lamp, DND).
    fn equipment(&self) -> Option<RoomEquipment> {
        let mut e = RoomEquipment::default();
        match self {
            PbxCommand::ClassOfService { class } => e.class_of_service = Some(*class),
            PbxCommand::MessageLamp { on } => e.message_lamp = Some(*on),
            PbxCommand::Dnd { on } => e.dnd = Some(*on),
            _ => return None,
        }
        Some(e)
    }

    /// The FIAS record for this command; `declared` tells which records the PBX asked for
    /// (a move falls back to a check-in where the PBX has no GC).
    fn to_fias(&self, room: &str, declared: impl Fn(RecordId) -> bool) -> Message {
        let room = room.to_string();
        let re = |e: RoomEquipment| Message::RoomEquipment(RoomEquipment { room: room.clone(), ..e });
        match self.clone() {
            PbxCommand::CheckIn { stay, name, first_name, language, class_of_service } => Message::GuestIn(Guest {
                room,
                stay: Some(stay.to_string()),
                name,
                first_name,
                language,
                class_of_service: Some(class_of_service),
                ..Guest::default()
            }),
            PbxCommand::CheckOut { stay } => Message::GuestOut { room, stay: stay.map(|s| s.to_string()), swap: false },
            PbxCommand::Move { from, stay, name, first_name, language, class_of_service } => {
                if declared(ids::GC) {
                    let stay = Some(stay.to_string());
                    Message::GuestChange { room, old_room: Some(from), stay, name, first_name, language }
                } else {
                    Message::GuestIn(Guest {
                        room,
                        stay: Some(stay.to_string()),
                        name,
                        first_name,
                        language,
                        class_of_service: Some(class_of_service),
                        ..Default::default()
                    })
                }
            }
            PbxCommand::GuestData { stay, name, first_name, language } => {
                let stay = Some(stay.to_string());
                if declared(ids::GC) {
                    Message::GuestChange { room, old_room: None, stay, name, first_name, language }
                } else {
                    Message::GuestIn(Guest { room, stay, name, first_name, language, ..Default::default() })
                }
            }
            PbxCommand::ClassOfService { class } => {
                re(RoomEquipment { class_of_service: Some(class), ..Default::default() })
            }
            PbxCommand::MessageLamp { on } => re(RoomEquipment { message_lamp: Some(on), ..Default::default() }),
            PbxCommand::Dnd { on } => re(RoomEquipment { dnd: Some(on), ..Default::default() }),
            PbxCommand::Ring { at, .. } => Message::WakeRequest(fias::Wake { room, at }),
            PbxCommand::RingCancel { at } => Message::WakeClear(fias::Wake { room, at }),
            PbxCommand::MessageText { id, stay, text, at } => Message::MessageText(fias::GuestMessage {
                room,
                stay: Some(stay.to_string()),
                id: id.to_string(),
                text: Some(text),
                at: Some(at),
            }),
            PbxCommand::PostingAnswer { number, status, at } => Message::PostingAnswer { room, number, status, at },
            PbxCommand::MessageTexts { stay, id, text } => {
                let mut r = fias::Record::new(ids::XT).with(ids::RN, room);
                for (field, value) in
                    [(ids::GNUM, stay.map(|s| s.to_string())), (ids::MI, id.map(|i| i.to_string())), (ids::MT, text)]
                {
                    if let Some(v) = value {
                        r = r.with(field, v);
                    }
                }
                Message::Other(r)
            }
            PbxCommand::MessageDelete { id, stay, at } => Message::MessageDelete(fias::GuestMessage {
                room,
                stay: Some(stay.to_string()),
                id: id.to_string(),
                text: None,
                at: Some(at),
            }),
        }
    }
}

/// One `RE` record carrying every setting of `cmds` (all equipment commands for `room`):
/// a check-in's class, lamp and DND travel as one frame instead of three.
pub fn merged_equipment(room: &str, cmds: &[&PbxCommand]) -> Message {
    let mut out = RoomEquipment { room: room.to_string(), ..Default::default() };
    for e in cmds.iter().filter_map(|c| c.equipment()) {
        out.class_of_service = e.class_of_service.or(out.class_of_service);
        out.message_lamp = e.message_lamp.or(out.message_lamp);
        out.dnd = e.dnd.or(out.dnd);
    }
    Message::RoomEquipment(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_form_is_stable_json() {
        let c = PbxCommand::MessageLamp { on: true };
        assert_eq!(serde_json::to_string(&c).unwrap(), r#"{"kind":"message_lamp","on":true}"#);
    }

    #[test]
    fn equipment_commands_merge_into_one_re() {
        let cmds = [
            PbxCommand::ClassOfService { class: 3 },
            PbxCommand::MessageLamp { on: false },
            PbxCommand::Dnd { on: true },
        ];
        let refs: Vec<&PbxCommand> = cmds.iter().collect();
        let rec = merged_equipment("101", &refs).to_record();
        assert_eq!(rec.encode().unwrap(), b"RE|RN101|CS3|MLN|DNY|");
        assert!(PbxCommand::CheckOut { stay: None }.equipment().is_none());
    }

    #[test]
    fn move_falls_back_to_gi_without_gc() {
        let m = PbxCommand::Move {
            from: "101".into(),
            stay: 1,
            name: Some("A".into()),
            first_name: None,
            language: None,
            class_of_service: 3,
        };
        assert_eq!(m.to_fias("102", |_| true).record_id(), ids::GC);
        assert_eq!(m.to_fias("102", |id| id != ids::GC).record_id(), ids::GI);
    }
}
