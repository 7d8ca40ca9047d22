//! Typed FIAS records: what each record switchboard exchanges means, with its fields checked.
//!
//! [`Message::from_record`] validates a received [`Record`] (required fields, Y/N flags, digits,
//! dates); [`Message::to_record`] builds the record to send. Records switchboard does not know are
//! kept as [`Message::Other`] so the link can log them and carry on.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

use crate::record::{ids::*, FieldId, Record, RecordError, RecordId};

/// Check-in (`GI`) contents.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Guest {
    pub room: String,
    pub stay: Option<String>,
    pub name: Option<String>,
    pub first_name: Option<String>,
    pub language: Option<String>,
    pub class_of_service: Option<u8>,
    /// `GV`: the PMS's VIP code, as sent.
    pub vip: Option<String>,
    /// `GS`: Y when this guest shares the room with another stay (a second G#).
    pub share: Option<bool>,
    /// `SF` present: part of a database swap (resync).
    pub swap: bool,
}

/// Room equipment (`RE`): either direction; every field but the room is optional.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RoomEquipment {
    pub room: String,
    pub class_of_service: Option<u8>,
    pub message_lamp: Option<bool>,
    pub dnd: Option<bool>,
    /// `RS`: room status dialled on the handset (1..10).
    pub room_status: Option<u8>,
    /// `VM`: voicemail count as reported by the PBX.
    pub voicemail: Option<u32>,
    /// `ID`: who dialled the room status (the room attendant's code), where the PBX sends it.
    pub attendant: Option<String>,
}

/// Wake-up request, clear or answer: a room and a local date-time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wake {
    pub room: String,
    pub at: NaiveDateTime,
}

/// A call charge posted by the PBX (`PS`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Posting {
    pub room: String,
    pub number: Option<String>,
    pub kind: Option<String>,
    pub amount: Option<String>,
    pub duration: Option<String>,
    pub digits: Option<String>,
    /// Meter pulses (`MP`), for a PBX that counts pulses rather than reporting digits.
    pub pulses: Option<String>,
    /// A minibar posting's (`PT` M) article (`MA`) and count (`M#`).
    pub article: Option<String>,
    pub count: Option<String>,
    pub at: Option<NaiveDateTime>,
}

/// Guest message text or delivered/deleted notice (`XL` / `XD`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GuestMessage {
    pub room: String,
    pub stay: Option<String>,
    pub id: String,
    pub text: Option<String>,
    pub at: Option<NaiveDateTime>,
}

/// FIAS's own language codes (`GL`) for six languages, ISO 639-1 for the rest: (ISO, FIAS).
const FIAS_LANGUAGES: [(&str, &str); 3] = [("EN", "EA"), ("DE", "GE"), ("ES", "SP")];

/// A language as it goes on the wire: ISO `EN`/`DE`/`ES` become FIAS `EA`/`GE`/`SP`; `FR`, `IT`,
/// `JA` and every other ISO code are the same in both.
pub fn language_to_wire(iso: &str) -> String {
    let upper = iso.to_ascii_uppercase();
    FIAS_LANGUAGES.iter().find(|(i, _)| *i == upper).map_or(iso.to_string(), |(_, f)| f.to_string())
}

/// A language from the wire, as ISO 639-1 (`EA` is `EN`, `GE` is `DE`, `SP` is `ES`).
pub fn language_from_wire(wire: &str) -> String {
    let upper = wire.to_ascii_uppercase();
    FIAS_LANGUAGES.iter().find(|(_, f)| *f == upper).map_or(wire.to_string(), |(i, _)| i.to_string())
}

/// Every record switchboard understands, typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    LinkStart {
        at: Option<NaiveDateTime>,
    },
    LinkAlive {
        at: Option<NaiveDateTime>,
    },
    LinkEnd {
        at: Option<NaiveDateTime>,
    },
    LinkDescription {
        at: Option<NaiveDateTime>,
        version: Option<String>,
        interface: Option<String>,
    },
    LinkRecord {
        record: RecordId,
        fields: Vec<FieldId>,
    },
    GuestIn(Guest),
    GuestOut {
        room: String,
        stay: Option<String>,
        swap: bool,
    },
    GuestChange {
        room: String,
        old_room: Option<String>,
        stay: Option<String>,
        name: Option<String>,
        first_name: Option<String>,
        language: Option<String>,
    },
    RoomEquipment(RoomEquipment),
    WakeRequest(Wake),
    WakeClear(Wake),
    WakeAnswer {
        wake: Wake,
        status: String,
    },
    MessageText(GuestMessage),
    MessageDelete(GuestMessage),
    /// Boxed: the largest record, and rare beside the others.
    Posting(Box<Posting>),
    PostingAnswer {
        room: String,
        number: Option<String>,
        status: String,
        at: Option<NaiveDateTime>,
    },
    ResyncRequest,
    ResyncStart,
    ResyncEnd,
    /// The PMS's night audit (`NS` ... `NE`): it takes no postings meanwhile.
    NightAuditStart,
    NightAuditEnd,
    Other(Record),
}

fn bad(record: RecordId, field: FieldId, value: &str, why: &'static str) -> RecordError {
    RecordError::BadValue { record, field, value: value.into(), why }
}

fn opt(r: &Record, f: FieldId) -> Option<String> {
    r.get(f).map(str::to_string)
}

fn yes_no(r: &Record, f: FieldId) -> Result<Option<bool>, RecordError> {
    match r.get(f) {
        None => Ok(None),
        Some("Y") => Ok(Some(true)),
        Some("N") => Ok(Some(false)),
        Some(v) => Err(bad(r.id, f, v, "expected Y or N")),
    }
}

fn number<T: std::str::FromStr>(r: &Record, f: FieldId) -> Result<Option<T>, RecordError> {
    match r.get(f) {
        None => Ok(None),
        Some(v) if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) => {
            v.parse().map(Some).map_err(|_| bad(r.id, f, v, "number out of range"))
        }
        Some(v) => Err(bad(r.id, f, v, "expected digits")),
    }
}

fn room(r: &Record) -> Result<String, RecordError> {
    let v = r.require(RN)?;
    if v.is_empty() || v.len() > 8 {
        return Err(bad(r.id, RN, v, "room number must be 1 to 8 characters"));
    }
    Ok(v.to_string())
}

/// Reads `DA` (YYMMDD) and `TI` (HHMMSS) when present.
fn stamp(r: &Record) -> Result<Option<NaiveDateTime>, RecordError> {
    let (Some(da), Some(ti)) = (r.get(DA), r.get(TI)) else {
        return Ok(None);
    };
    let date = NaiveDate::parse_from_str(da, "%y%m%d").map_err(|_| bad(r.id, DA, da, "expected YYMMDD"))?;
    let time = NaiveTime::parse_from_str(ti, "%H%M%S").map_err(|_| bad(r.id, TI, ti, "expected HHMMSS"))?;
    Ok(Some(date.and_time(time)))
}

fn wake(r: &Record) -> Result<Wake, RecordError> {
    let room = room(r)?;
    r.require(DA)?;
    r.require(TI)?;
    let at = stamp(r)?.expect("both present");
    Ok(Wake { room, at })
}

fn with_stamp(r: Record, at: Option<NaiveDateTime>) -> Record {
    match at {
        Some(at) => r.with(DA, at.format("%y%m%d").to_string()).with(TI, at.format("%H%M%S").to_string()),
        None => r,
    }
}

fn with_opt(r: Record, f: FieldId, v: &Option<String>) -> Record {
    match v {
        Some(v) => r.with(f, v.clone()),
        None => r,
    }
}

fn flag(b: bool) -> &'static str {
    if b {
        "Y"
    } else {
        "N"
    }
}

impl Message {
    /// Interprets a received record, checking its fields.
    pub fn from_record(r: &Record) -> Result<Message, RecordError> {
        Ok(match r.id {
            LS => Message::LinkStart { at: stamp(r)? },
            LA => Message::LinkAlive { at: stamp(r)? },
            LE => Message::LinkEnd { at: stamp(r)? },
            LD => Message::LinkDescription { at: stamp(r)?, version: opt(r, VNUM), interface: opt(r, IF) },
            LR => {
                let ri = r.require(RI)?;
                let record = RecordId::parse(ri).ok_or_else(|| bad(r.id, RI, ri, "expected a 2-letter record ID"))?;
                let fl = r.get(FL).unwrap_or("");
                if !fl.len().is_multiple_of(2) {
                    return Err(bad(r.id, FL, fl, "field list must be pairs of characters"));
                }
                let fields = (0..fl.len())
                    .step_by(2)
                    .map(|i| fl.get(i..i + 2).and_then(FieldId::parse).ok_or_else(|| bad(r.id, FL, fl, "bad field ID")))
                    .collect::<Result<_, _>>()?;
                Message::LinkRecord { record, fields }
            }
            GI => Message::GuestIn(Guest {
                room: room(r)?,
                stay: opt(r, GNUM),
                name: opt(r, GN),
                first_name: opt(r, GF),
                language: opt(r, GL).map(|l| language_from_wire(&l)),
                class_of_service: number(r, CS)?,
                vip: opt(r, GV),
                share: yes_no(r, GS)?,
                swap: r.get(SF).is_some(),
            }),
            GO => Message::GuestOut { room: room(r)?, stay: opt(r, GNUM), swap: r.get(SF).is_some() },
            GC => Message::GuestChange {
                room: room(r)?,
                old_room: opt(r, RO),
                stay: opt(r, GNUM),
                name: opt(r, GN),
                first_name: opt(r, GF),
                language: opt(r, GL).map(|l| language_from_wire(&l)),
            },
            RE => Message::RoomEquipment(RoomEquipment {
                room: room(r)?,
                class_of_service: number(r, CS)?,
                message_lamp: yes_no(r, ML)?,
                dnd: yes_no(r, DN)?,
                room_status: number(r, RS)?,
                voicemail: number(r, VM)?,
                attendant: opt(r, ID),
            }),
            WR => Message::WakeRequest(wake(r)?),
            WC => Message::WakeClear(wake(r)?),
            WA => Message::WakeAnswer { wake: wake(r)?, status: r.require(AS)?.to_string() },
            XL | XD => {
                let m = GuestMessage {
                    room: room(r)?,
                    stay: opt(r, GNUM),
                    id: r.require(MI)?.to_string(),
                    text: opt(r, MT),
                    at: stamp(r)?,
                };
                if r.id == XL {
                    Message::MessageText(m)
                } else {
                    Message::MessageDelete(m)
                }
            }
            PS => Message::Posting(Box::new(Posting {
                room: room(r)?,
                number: opt(r, PNUM),
                kind: opt(r, PT),
                amount: opt(r, TA),
                duration: opt(r, DU),
                digits: opt(r, DD),
                pulses: opt(r, MP),
                article: opt(r, MA),
                count: opt(r, MNUM),
                at: stamp(r)?,
            })),
            PA => Message::PostingAnswer {
                room: room(r)?,
                number: opt(r, PNUM),
                status: r.require(AS)?.to_string(),
                at: stamp(r)?,
            },
            DR => Message::ResyncRequest,
            DS => Message::ResyncStart,
            DE => Message::ResyncEnd,
            NS => Message::NightAuditStart,
            NE => Message::NightAuditEnd,
            _ => Message::Other(r.clone()),
        })
    }

    /// The record ID this message travels as.
    pub fn record_id(&self) -> RecordId {
        match self {
            Message::LinkStart { .. } => LS,
            Message::LinkAlive { .. } => LA,
            Message::LinkEnd { .. } => LE,
            Message::LinkDescription { .. } => LD,
            Message::LinkRecord { .. } => LR,
            Message::GuestIn(_) => GI,
            Message::GuestOut { .. } => GO,
            Message::GuestChange { .. } => GC,
            Message::RoomEquipment(_) => RE,
            Message::WakeRequest(_) => WR,
            Message::WakeClear(_) => WC,
            Message::WakeAnswer { .. } => WA,
            Message::MessageText(_) => XL,
            Message::MessageDelete(_) => XD,
            Message::Posting(_) => PS,
            Message::PostingAnswer { .. } => PA,
            Message::ResyncRequest => DR,
            Message::ResyncStart => DS,
            Message::ResyncEnd => DE,
            Message::NightAuditStart => NS,
            Message::NightAuditEnd => NE,
            Message::Other(r) => r.id,
        }
    }

    /// Builds the record to send.
    pub fn to_record(&self) -> Record {
        let r = Record::new(self.record_id());
        match self {
            Message::LinkStart { at } | Message::LinkAlive { at } | Message::LinkEnd { at } => with_stamp(r, *at),
            Message::LinkDescription { at, version, interface } => {
                with_opt(with_opt(with_stamp(r, *at), VNUM, version), IF, interface)
            }
            Message::LinkRecord { record, fields } => {
                let fl: String = fields.iter().map(|f| f.as_str()).collect();
                r.with(RI, record.as_str()).with(FL, fl)
            }
            Message::GuestIn(g) => {
                let mut r = r.with(RN, g.room.clone());
                r = with_opt(r, GNUM, &g.stay);
                r = with_opt(r, GN, &g.name);
                r = with_opt(r, GF, &g.first_name);
                r = with_opt(r, GL, &g.language.as_deref().map(language_to_wire));
                r = with_opt(r, CS, &g.class_of_service.map(|c| c.to_string()));
                r = with_opt(r, GV, &g.vip);
                r = with_opt(r, GS, &g.share.map(|b| flag(b).into()));
                if g.swap {
                    r = r.with(SF, "");
                }
                r
            }
            Message::GuestOut { room, stay, swap } => {
                let r = with_opt(r.with(RN, room.clone()), GNUM, stay);
                if *swap {
                    r.with(SF, "")
                } else {
                    r
                }
            }
            Message::GuestChange { room, old_room, stay, name, first_name, language } => {
                let r = with_opt(r.with(RN, room.clone()), RO, old_room);
                let language = language.as_deref().map(language_to_wire);
                with_opt(with_opt(with_opt(with_opt(r, GNUM, stay), GN, name), GF, first_name), GL, &language)
            }
            Message::RoomEquipment(e) => {
                let mut r = r.with(RN, e.room.clone());
                r = with_opt(r, CS, &e.class_of_service.map(|c| c.to_string()));
                r = with_opt(r, ML, &e.message_lamp.map(|b| flag(b).into()));
                r = with_opt(r, DN, &e.dnd.map(|b| flag(b).into()));
                r = with_opt(r, RS, &e.room_status.map(|c| c.to_string()));
                r = with_opt(r, VM, &e.voicemail.map(|c| c.to_string()));
                with_opt(r, ID, &e.attendant)
            }
            Message::WakeRequest(w) | Message::WakeClear(w) => with_stamp(r.with(RN, w.room.clone()), Some(w.at)),
            Message::WakeAnswer { wake, status } => {
                with_stamp(r.with(RN, wake.room.clone()), Some(wake.at)).with(AS, status.clone())
            }
            Message::MessageText(m) | Message::MessageDelete(m) => {
                let r = with_opt(r.with(RN, m.room.clone()), GNUM, &m.stay).with(MI, m.id.clone());
                with_stamp(with_opt(r, MT, &m.text), m.at)
            }
            Message::Posting(p) => {
                let mut r = r.with(RN, p.room.clone());
                r = with_opt(r, PNUM, &p.number);
                r = with_opt(r, PT, &p.kind);
                r = with_opt(r, TA, &p.amount);
                r = with_opt(r, DU, &p.duration);
                r = with_opt(r, DD, &p.digits);
                r = with_opt(r, MP, &p.pulses);
                r = with_opt(r, MA, &p.article);
                r = with_opt(r, MNUM, &p.count);
                with_stamp(r, p.at)
            }
            Message::PostingAnswer { room, number, status, at } => {
                let r = with_opt(r.with(RN, room.clone()), PNUM, number).with(AS, status.clone());
                with_stamp(r, *at)
            }
            Message::ResyncRequest
            | Message::ResyncStart
            | Message::ResyncEnd
            | Message::NightAuditStart
            | Message::NightAuditEnd => r,
            Message::Other(rec) => rec.clone(),
        }
    }
}

#[cfg(test)]
mod language_tests {
    use super::*;

    #[test]
    fn english_german_and_spanish_use_fias_codes_on_the_wire() {
        let gi =
            |l: &str| Message::GuestIn(Guest { room: "101".into(), language: Some(l.into()), ..Default::default() });
        let wire = |m: &Message| String::from_utf8(m.to_record().encode().unwrap()).unwrap();
        assert_eq!(wire(&gi("EN")), "GI|RN101|GLEA|");
        assert_eq!(wire(&gi("de")), "GI|RN101|GLGE|");
        assert_eq!(wire(&gi("ES")), "GI|RN101|GLSP|");
        assert_eq!(wire(&gi("FR")), "GI|RN101|GLFR|");
        assert_eq!(wire(&gi("ZH")), "GI|RN101|GLZH|");
        // From the wire: ISO again.
        let parsed = Message::from_record(&Record::parse(b"GI|RN101|GLEA|").unwrap()).unwrap();
        assert!(matches!(parsed, Message::GuestIn(g) if g.language.as_deref() == Some("EN")));
        let parsed = Message::from_record(&Record::parse(b"GI|RN101|GLJA|").unwrap()).unwrap();
        assert!(matches!(parsed, Message::GuestIn(g) if g.language.as_deref() == Some("JA")));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(m: Message) {
        let rec = m.to_record();
        let bytes = rec.encode().unwrap();
        let back = Message::from_record(&Record::parse(&bytes).unwrap()).unwrap();
        assert_eq!(back, m, "{rec:?}");
    }

    #[test]
    fn every_message_round_trips() {
        let at = NaiveDate::from_ymd_opt(2000, 10, 31).unwrap().and_hms_opt(7, 0, 0).unwrap();
        round_trip(Message::LinkStart { at: Some(at) });
        round_trip(Message::LinkDescription {
            at: Some(at),
            version: Some("1.0".into()),
            interface: Some("PB".into()),
        });
        round_trip(Message::LinkRecord { record: GI, fields: vec![RN, GNUM, GN] });
        round_trip(Message::GuestIn(Guest {
            room: "2781".into(),
            stay: Some("12345".into()),
            name: Some("Guest, Mr.".into()),
            first_name: Some("Al".into()),
            language: Some("EN".into()),
            class_of_service: Some(3),
            vip: Some("3".into()),
            share: Some(true),
            swap: true,
        }));
        round_trip(Message::GuestOut { room: "9327".into(), stay: Some("1".into()), swap: false });
        round_trip(Message::GuestChange {
            room: "102".into(),
            old_room: None,
            stay: None,
            name: None,
            first_name: None,
            language: Some("ZH".into()),
        });
        round_trip(Message::GuestChange {
            room: "102".into(),
            old_room: Some("101".into()),
            stay: Some("7".into()),
            name: None,
            first_name: Some("Ada".into()),
            language: None,
        });
        round_trip(Message::RoomEquipment(RoomEquipment {
            room: "101".into(),
            class_of_service: Some(0),
            message_lamp: Some(true),
            dnd: Some(false),
            room_status: Some(8),
            voicemail: Some(2),
            attendant: Some("M07".into()),
        }));
        round_trip(Message::WakeRequest(Wake { room: "2781".into(), at }));
        round_trip(Message::WakeAnswer { wake: Wake { room: "2781".into(), at }, status: "BY".into() });
        round_trip(Message::MessageText(GuestMessage {
            room: "101".into(),
            stay: None,
            id: "9".into(),
            text: Some("Call Bob".into()),
            at: Some(at),
        }));
        round_trip(Message::Posting(Box::new(Posting {
            room: "101".into(),
            amount: Some("150".into()),
            ..Default::default()
        })));
        round_trip(Message::ResyncRequest);
        round_trip(Message::NightAuditStart);
        round_trip(Message::NightAuditEnd);
    }

    #[test]
    fn spec_vectors_parse_to_their_meaning() {
        let wr = Message::from_record(&Record::parse(b"WR|RN2781|DA001031|TI070000|").unwrap()).unwrap();
        let at = NaiveDate::from_ymd_opt(2000, 10, 31).unwrap().and_hms_opt(7, 0, 0).unwrap();
        assert_eq!(wr, Message::WakeRequest(Wake { room: "2781".into(), at }));
        let wa = Message::from_record(&Record::parse(b"WA|RN2781|DA001031|TI070000|ASBY|").unwrap()).unwrap();
        assert!(matches!(wa, Message::WakeAnswer { status, .. } if status == "BY"));
        let re = Message::from_record(&Record::parse(b"RE|RN2781|MLY|").unwrap()).unwrap();
        assert!(matches!(re, Message::RoomEquipment(RoomEquipment { message_lamp: Some(true), .. })));
    }

    #[test]
    fn bad_fields_are_named() {
        let e = Message::from_record(&Record::parse(b"RE|RN101|MLX|").unwrap()).unwrap_err();
        assert_eq!(e.to_string(), "RE record field ML has a bad value \"X\": expected Y or N");
        let e = Message::from_record(&Record::parse(b"WR|RN101|DA991399|TI070000|").unwrap()).unwrap_err();
        assert!(e.to_string().contains("DA"), "{e}");
        let e = Message::from_record(&Record::parse(b"GI|GNx|").unwrap()).unwrap_err();
        assert_eq!(e, RecordError::MissingField { record: GI, field: RN });
        let e = Message::from_record(&Record::parse(b"LR|RIGI|FLRNG|").unwrap()).unwrap_err();
        assert!(e.to_string().contains("pairs"), "{e}");
    }

    #[test]
    fn unknown_records_are_kept() {
        let r = Record::parse(b"ZZ|AB1|").unwrap();
        assert_eq!(Message::from_record(&r).unwrap(), Message::Other(r));
    }
}
