//! How field text travels: the link's character set and the peer's longest field.
//!
//! FIAS records are bytes; which characters they stand for is agreed per link. switchboard keeps
//! text as Unicode and converts only at the wire: UTF-8 (the default), ISO 8859-1, or one of the
//! DOS code pages older interfaces use (CP850 is common: an Asterisk-based hotel module converts
//! every record to and from it). The code page tables come from the `oem_cp` crate. A character the
//! link's set lacks is folded (`Ł` becomes `L`) or, failing that, sent as `?`; bytes that are not
//! valid in the set arrive as U+FFFD, never as an error.
//!
//! [`cut_field`] shortens a value to the peer's limit at a character boundary: some peers drop
//! the link on a field longer than 50 characters.

use std::fmt;
use std::str::FromStr;

use crate::message::Message;
use crate::record::{Record, RecordError};
use oem_cp::code_table::{
    DECODING_TABLE_CP437, DECODING_TABLE_CP850, DECODING_TABLE_CP858, ENCODING_TABLE_CP437, ENCODING_TABLE_CP850,
    ENCODING_TABLE_CP858,
};

/// A link's character set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Encoding {
    #[default]
    Utf8,
    /// ISO 8859-1: each byte is the Unicode code point of the same number.
    Latin1,
    Cp437,
    Cp850,
    /// CP850 with the euro sign.
    Cp858,
}

impl Encoding {
    pub const NAMES: [&'static str; 5] = ["utf-8", "latin-1", "cp437", "cp850", "cp858"];

    pub fn name(self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf-8",
            Encoding::Latin1 => "latin-1",
            Encoding::Cp437 => "cp437",
            Encoding::Cp850 => "cp850",
            Encoding::Cp858 => "cp858",
        }
    }

    /// Record bytes from the wire as text.
    pub fn decode(self, bytes: &[u8]) -> String {
        match self {
            Encoding::Utf8 => String::from_utf8_lossy(bytes).into_owned(),
            Encoding::Latin1 => bytes.iter().map(|b| char::from(*b)).collect(),
            Encoding::Cp437 => oem_cp::decode_string_complete_table(bytes, &DECODING_TABLE_CP437),
            Encoding::Cp850 => oem_cp::decode_string_complete_table(bytes, &DECODING_TABLE_CP850),
            Encoding::Cp858 => oem_cp::decode_string_complete_table(bytes, &DECODING_TABLE_CP858),
        }
    }

    /// Text as record bytes for the wire.
    pub fn encode(self, text: &str) -> Vec<u8> {
        let table = match self {
            Encoding::Utf8 => return text.as_bytes().to_vec(),
            Encoding::Latin1 => None,
            Encoding::Cp437 => Some(&ENCODING_TABLE_CP437),
            Encoding::Cp850 => Some(&ENCODING_TABLE_CP850),
            Encoding::Cp858 => Some(&ENCODING_TABLE_CP858),
        };
        let one = |c: char| -> Option<u8> {
            match table {
                _ if c.is_ascii() => Some(c as u8),
                None => u8::try_from(u32::from(c)).ok().filter(|b| *b >= 0xA0),
                Some(t) => t.get(&c).copied(),
            }
        };
        let mut out = Vec::with_capacity(text.len());
        for c in text.chars() {
            match one(c) {
                Some(b) => out.push(b),
                None => out.extend(crate::record::fold_to_ascii(&c.to_string()).bytes()),
            }
        }
        out
    }
}

impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Encoding {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().replace('_', "-").as_str() {
            "utf-8" | "utf8" => Ok(Encoding::Utf8),
            "latin-1" | "latin1" | "iso-8859-1" => Ok(Encoding::Latin1),
            "cp437" | "ibm437" => Ok(Encoding::Cp437),
            "cp850" | "ibm850" => Ok(Encoding::Cp850),
            "cp858" | "ibm858" => Ok(Encoding::Cp858),
            _ => Err(format!("unknown encoding {s:?}; expected one of {}", Encoding::NAMES.join(", "))),
        }
    }
}

/// What a link does to text on its way to and from the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WireText {
    pub encoding: Encoding,
    /// The line has 7 data bits: text is folded to ASCII first.
    pub seven_bit: bool,
    /// Field values longer than this many characters are cut (see [`cut_field`]).
    pub max_field: Option<usize>,
}

impl WireText {
    /// A record as the bytes between STX and ETX.
    pub fn outgoing(&self, mut rec: Record) -> Result<Vec<u8>, RecordError> {
        for (_, v) in rec.fields.iter_mut() {
            if self.seven_bit && !v.is_ascii() {
                *v = crate::record::fold_to_ascii(v);
            }
            if let Some(max) = self.max_field {
                let cut = cut_field(v, max);
                if cut.len() < v.len() {
                    *v = cut.to_string();
                }
            }
        }
        let utf8 = rec.encode()?;
        Ok(match self.encoding {
            Encoding::Utf8 => utf8,
            other => other.encode(std::str::from_utf8(&utf8).expect("records encode as UTF-8")),
        })
    }

    /// The bytes between STX and ETX as a typed message.
    pub fn incoming(&self, data: &[u8]) -> Result<Message, RecordError> {
        let record = match self.encoding {
            Encoding::Utf8 => Record::parse(data)?,
            other => Record::parse(other.decode(data).as_bytes())?,
        };
        Message::from_record(&record)
    }
}

/// `value` cut to at most `max` characters, at a character boundary.
pub fn cut_field(value: &str, max: usize) -> &str {
    match value.char_indices().nth(max) {
        Some((at, _)) => &value[..at],
        None => value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cp850_round_trips_accented_names_byte_exactly() {
        let wire = Encoding::Cp850.encode("GI|RN101|GNMüller|GFRenée|");
        assert_eq!(wire, b"GI|RN101|GNM\x81ller|GFRen\x82e|".to_vec());
        assert_eq!(Encoding::Cp850.decode(&wire), "GI|RN101|GNMüller|GFRenée|");
    }

    #[test]
    fn characters_a_code_page_lacks_are_folded_or_questioned() {
        assert_eq!(Encoding::Cp850.encode("Łódź 王"), b"L\xa2dz ?".to_vec());
        assert_eq!(Encoding::Latin1.encode("Ørsted €"), b"\xd8rsted ?".to_vec());
        assert_eq!(Encoding::Latin1.decode(b"\xd8rsted"), "Ørsted");
        assert_eq!(Encoding::Utf8.decode(b"ok\xff"), "ok\u{FFFD}");
    }

    #[test]
    fn names_parse_and_unknown_ones_say_what_is_allowed() {
        assert_eq!("CP850".parse::<Encoding>(), Ok(Encoding::Cp850));
        assert_eq!("latin_1".parse::<Encoding>(), Ok(Encoding::Latin1));
        let err = "ebcdic".parse::<Encoding>().unwrap_err();
        assert!(err.contains("utf-8, latin-1, cp437, cp850, cp858"), "{err}");
    }

    #[test]
    fn wire_text_cuts_long_names_and_converts_both_ways() {
        let wire = WireText { encoding: Encoding::Cp850, seven_bit: false, max_field: Some(5) };
        let rec = Record::new(crate::ids::GI).with(crate::ids::RN, "101").with(crate::ids::GN, "Müllerová");
        assert_eq!(wire.outgoing(rec).unwrap(), b"GI|RN101|GNM\x81lle|".to_vec());
        let back = wire.incoming(b"GC|RN101|GNM\x81ller|").unwrap();
        assert!(matches!(back, Message::GuestChange { name: Some(n), .. } if n == "Müller"));
    }

    #[test]
    fn fields_are_cut_at_a_character_boundary() {
        assert_eq!(cut_field("Wang Wei", 50), "Wang Wei");
        assert_eq!(cut_field("王偉先生", 2), "王偉");
        assert_eq!(cut_field("Müller", 2), "Mü");
    }
}
