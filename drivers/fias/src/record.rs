//! The FIAS record codec: `ID|F1data|F2data|...|`.
//!
//! A record is a 2-letter record ID followed by fields, each a 2-character field ID and its data,
//! each closed by `|`. Field order carries no meaning. Data may not contain control bytes (0x00-0x1F,
//! 0x7F) nor `|`; a record is at most [`MAX_RECORD_LEN`] bytes. Encoding refuses what the PBX could
//! not parse; decoding reports exactly what was wrong so the link can log it and carry on.

use std::fmt;

/// Longest record (the bytes between STX and ETX) FIAS allows.
pub const MAX_RECORD_LEN: usize = 2000;

/// A two-letter record type such as `GI` or `LS`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RecordId(pub [u8; 2]);

/// A two-character field ID such as `RN` or `G#`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FieldId(pub [u8; 2]);

macro_rules! two_char_id {
    ($t:ident) => {
        impl $t {
            /// The ID as text (always two printable ASCII characters).
            pub fn as_str(&self) -> &str {
                std::str::from_utf8(&self.0).unwrap_or("??")
            }
            /// Parses two printable ASCII characters (no `|`).
            pub fn parse(s: &str) -> Option<Self> {
                let b = s.as_bytes();
                (b.len() == 2 && b.iter().all(|c| is_data_byte(*c) && c.is_ascii())).then(|| $t([b[0], b[1]]))
            }
        }
        impl fmt::Debug for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
two_char_id!(RecordId);
two_char_id!(FieldId);

/// Record and field IDs switchboard uses, as constants.
pub mod ids {
    use super::{FieldId, RecordId};
    macro_rules! rec { ($($n:ident),*) => { $(pub const $n: RecordId = RecordId(*stringify!($n).as_bytes().first_chunk().unwrap());)* } }
    rec!(LS, LA, LE, LD, LR, GI, GO, GC, RE, WR, WC, WA, XL, XD, XM, XT, PS, PA, DR, DS, DE, NS, NE);
    pub const DA: FieldId = FieldId(*b"DA");
    pub const TI: FieldId = FieldId(*b"TI");
    pub const RN: FieldId = FieldId(*b"RN");
    pub const RO: FieldId = FieldId(*b"RO");
    pub const GNUM: FieldId = FieldId(*b"G#");
    pub const GN: FieldId = FieldId(*b"GN");
    pub const GF: FieldId = FieldId(*b"GF");
    pub const GL: FieldId = FieldId(*b"GL");
    pub const GS: FieldId = FieldId(*b"GS");
    pub const GV: FieldId = FieldId(*b"GV");
    pub const CS: FieldId = FieldId(*b"CS");
    pub const SF: FieldId = FieldId(*b"SF");
    pub const ML: FieldId = FieldId(*b"ML");
    pub const DN: FieldId = FieldId(*b"DN");
    pub const RS: FieldId = FieldId(*b"RS");
    pub const VM: FieldId = FieldId(*b"VM");
    pub const ID: FieldId = FieldId(*b"ID");
    pub const AS: FieldId = FieldId(*b"AS");
    pub const MI: FieldId = FieldId(*b"MI");
    pub const MT: FieldId = FieldId(*b"MT");
    pub const PNUM: FieldId = FieldId(*b"P#");
    pub const PT: FieldId = FieldId(*b"PT");
    pub const TA: FieldId = FieldId(*b"TA");
    pub const DU: FieldId = FieldId(*b"DU");
    pub const DD: FieldId = FieldId(*b"DD");
    /// Meter pulses of a call.
    pub const MP: FieldId = FieldId(*b"MP");
    /// Minibar article number and count of a posting (`PT` M).
    pub const MA: FieldId = FieldId(*b"MA");
    pub const MNUM: FieldId = FieldId(*b"M#");
    pub const VNUM: FieldId = FieldId(*b"V#");
    pub const IF: FieldId = FieldId(*b"IF");
    pub const RI: FieldId = FieldId(*b"RI");
    pub const FL: FieldId = FieldId(*b"FL");
}

/// What was wrong with a record's bytes or contents.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    #[error("record is empty")]
    Empty,
    #[error("record is {0} bytes long; FIAS allows {MAX_RECORD_LEN}")]
    TooLong(usize),
    #[error("record ID {0:?} is not two printable characters")]
    BadRecordId(String),
    #[error("record is not closed by '|'")]
    Unterminated,
    #[error("field {0:?} is shorter than its 2-character ID")]
    ShortField(String),
    #[error("field {field} data contains a forbidden byte 0x{byte:02X} (control characters and '|' are not allowed)")]
    ForbiddenByte { field: FieldId, byte: u8 },
    #[error("record is not valid UTF-8")]
    NotText,
    #[error("{record} record lacks its {field} field")]
    MissingField { record: RecordId, field: FieldId },
    #[error("{record} record field {field} has a bad value {value:?}: {why}")]
    BadValue { record: RecordId, field: FieldId, value: String, why: &'static str },
}

/// True for a byte that may appear in field data.
pub fn is_data_byte(b: u8) -> bool {
    b >= 0x20 && b != 0x7F && b != b'|'
}

/// Checks that `value` can be sent as field data; names the first bad byte.
pub fn check_data(field: FieldId, value: &str) -> Result<(), RecordError> {
    match value.bytes().find(|b| !is_data_byte(*b)) {
        Some(byte) => Err(RecordError::ForbiddenByte { field, byte }),
        None => Ok(()),
    }
}

/// Folds text to 7-bit ASCII for lines with 7 data bits: accented Latin letters lose their
/// accents (Müller -> Muller, Ørsted -> Orsted, ß -> ss), anything else becomes '?'.
pub fn fold_to_ascii(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii() {
            out.push(c);
            continue;
        }
        let folded = match c {
            'À'..='Å' | 'Ā' | 'Ă' | 'Ą' => "A",
            'à'..='å' | 'ā' | 'ă' | 'ą' => "a",
            'Æ' => "AE",
            'æ' => "ae",
            'Ç' | 'Ć' | 'Č' => "C",
            'ç' | 'ć' | 'č' => "c",
            'Ð' | 'Ď' | 'Đ' => "D",
            'ð' | 'ď' | 'đ' => "d",
            'È'..='Ë' | 'Ē' | 'Ė' | 'Ę' | 'Ě' => "E",
            'è'..='ë' | 'ē' | 'ė' | 'ę' | 'ě' => "e",
            'Ğ' => "G",
            'ğ' => "g",
            'Ì'..='Ï' | 'İ' | 'Ī' => "I",
            'ì'..='ï' | 'ı' | 'ī' => "i",
            'Ł' => "L",
            'ł' => "l",
            'Ñ' | 'Ń' | 'Ň' => "N",
            'ñ' | 'ń' | 'ň' => "n",
            'Ò'..='Ö' | 'Ø' | 'Ő' | 'Ō' => "O",
            'ò'..='ö' | 'ø' | 'ő' | 'ō' => "o",
            'Œ' => "OE",
            'œ' => "oe",
            'Ř' => "R",
            'ř' => "r",
            'Ś' | 'Š' | 'Ş' => "S",
            'ś' | 'š' | 'ş' => "s",
            'ß' => "ss",
            'Ť' | 'Ţ' => "T",
            'ť' | 'ţ' => "t",
            'Þ' => "TH",
            'þ' => "th",
            'Ù'..='Ü' | 'Ů' | 'Ű' | 'Ū' => "U",
            'ù'..='ü' | 'ů' | 'ű' | 'ū' => "u",
            'Ý' | 'Ÿ' => "Y",
            'ý' | 'ÿ' => "y",
            'Ź' | 'Ż' | 'Ž' => "Z",
            'ź' | 'ż' | 'ž' => "z",
            _ => "?",
        };
        out.push_str(folded);
    }
    out
}

/// One record: its ID and its fields in the order they were given or received.
#[derive(Clone, PartialEq, Eq)]
pub struct Record {
    pub id: RecordId,
    pub fields: Vec<(FieldId, String)>,
}

impl fmt::Debug for Record {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}|", self.id)?;
        for (k, v) in &self.fields {
            write!(f, "{k}{v}|")?;
        }
        Ok(())
    }
}

impl Record {
    pub fn new(id: RecordId) -> Self {
        Record { id, fields: Vec::new() }
    }

    /// Adds a field (builder style).
    pub fn with(mut self, field: FieldId, value: impl Into<String>) -> Self {
        self.fields.push((field, value.into()));
        self
    }

    /// The first value of `field`, if present.
    pub fn get(&self, field: FieldId) -> Option<&str> {
        self.fields.iter().find(|(k, _)| *k == field).map(|(_, v)| v.as_str())
    }

    /// The value of a field the record must carry.
    pub fn require(&self, field: FieldId) -> Result<&str, RecordError> {
        self.get(field).ok_or(RecordError::MissingField { record: self.id, field })
    }

    /// Keeps only the fields `keep` accepts (used to honour the PBX's LR lists).
    pub fn retain_fields(&mut self, keep: impl Fn(FieldId) -> bool) {
        self.fields.retain(|(k, _)| keep(*k));
    }

    /// Encodes to the bytes that go between STX and ETX, refusing data the PBX could not parse.
    pub fn encode(&self) -> Result<Vec<u8>, RecordError> {
        let mut out = Vec::with_capacity(3 + self.fields.iter().map(|(_, v)| v.len() + 3).sum::<usize>());
        out.extend_from_slice(&self.id.0);
        out.push(b'|');
        for (k, v) in &self.fields {
            check_data(*k, v)?;
            out.extend_from_slice(&k.0);
            out.extend_from_slice(v.as_bytes());
            out.push(b'|');
        }
        if out.len() > MAX_RECORD_LEN {
            return Err(RecordError::TooLong(out.len()));
        }
        Ok(out)
    }

    /// Decodes the bytes between STX and ETX.
    pub fn parse(data: &[u8]) -> Result<Record, RecordError> {
        if data.is_empty() {
            return Err(RecordError::Empty);
        }
        if data.len() > MAX_RECORD_LEN {
            return Err(RecordError::TooLong(data.len()));
        }
        let text = std::str::from_utf8(data).map_err(|_| RecordError::NotText)?;
        let mut parts = text.split('|');
        let id_text = parts.next().unwrap_or_default();
        let id = RecordId::parse(id_text).ok_or_else(|| RecordError::BadRecordId(id_text.into()))?;
        if !text.ends_with('|') {
            return Err(RecordError::Unterminated);
        }
        let mut rec = Record::new(id);
        for part in parts {
            if part.is_empty() {
                // The empty piece after the closing '|' (or a stray "||"): nothing to read.
                continue;
            }
            let Some(field) = part.get(..2).and_then(FieldId::parse) else {
                return Err(RecordError::ShortField(part.into()));
            };
            let value = &part[2..];
            check_data(field, value)?;
            rec.fields.push((field, value.to_string()));
        }
        Ok(rec)
    }
}

#[cfg(test)]
mod tests {
    use super::ids::*;
    use super::*;

    #[test]
    fn round_trip_keeps_fields_in_order() {
        let r = Record::new(GI).with(RN, "2781").with(GNUM, "12345").with(GN, "Guest, Mr.");
        let bytes = r.encode().unwrap();
        assert_eq!(bytes, b"GI|RN2781|G#12345|GNGuest, Mr.|");
        assert_eq!(Record::parse(&bytes).unwrap(), r);
    }

    #[test]
    fn field_order_is_free() {
        let a = Record::parse(b"RE|RN2781|CS3|DNN|").unwrap();
        let b = Record::parse(b"RE|DNN|CS3|RN2781|").unwrap();
        assert_eq!(a.get(CS), b.get(CS));
        assert_eq!(a.get(RN), Some("2781"));
        assert_eq!(b.get(DN), Some("N"));
    }

    #[test]
    fn empty_field_data_is_kept() {
        let r = Record::parse(b"GI|RN101|SF|").unwrap();
        assert_eq!(r.get(SF), Some(""));
    }

    #[test]
    fn refuses_separators_and_control_bytes_in_data() {
        let r = Record::new(GI).with(GN, "Smith|Jones");
        assert_eq!(r.encode(), Err(RecordError::ForbiddenByte { field: GN, byte: b'|' }));
        let r = Record::new(GI).with(GN, "Smith\u{7}");
        assert!(matches!(r.encode(), Err(RecordError::ForbiddenByte { byte: 7, .. })));
        assert!(matches!(Record::parse(b"GI|GNa\x01b|"), Err(RecordError::ForbiddenByte { byte: 1, .. })));
    }

    #[test]
    fn refuses_malformed_records() {
        assert_eq!(Record::parse(b""), Err(RecordError::Empty));
        assert!(matches!(Record::parse(b"G|RN1|"), Err(RecordError::BadRecordId(_))));
        assert_eq!(Record::parse(b"RE|RN1"), Err(RecordError::Unterminated));
        assert!(matches!(Record::parse(b"RE|R|"), Err(RecordError::ShortField(_))));
        assert_eq!(Record::parse(&[0xFF, 0xFE, b'|']), Err(RecordError::NotText));
        let long = Record::new(XL).with(MT, "x".repeat(MAX_RECORD_LEN));
        assert!(matches!(long.encode(), Err(RecordError::TooLong(_))));
    }

    #[test]
    fn seven_bit_folding() {
        assert_eq!(fold_to_ascii("Müller-Lüdenscheidt"), "Muller-Ludenscheidt");
        assert_eq!(fold_to_ascii("Ørsted Straße, Zoë"), "Orsted Strasse, Zoe");
        assert_eq!(fold_to_ascii("王伟"), "??");
        assert!(fold_to_ascii("Çağlar Žižek Łódź").is_ascii());
    }

    #[test]
    fn ids_print_as_text() {
        assert_eq!(GI.to_string(), "GI");
        assert_eq!(format!("{GNUM:?}"), "G#");
        assert_eq!(RecordId::parse("W|"), None);
    }
}
