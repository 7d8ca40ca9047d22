//! The Mitel PMS records: function (3 characters, space-padded), status (1 character), a space,
//! and the extension (5 characters, right-justified, space-padded, never zero-padded); capital
//! letters only. `CHK1   100` checks 100 in. Where the sources disagree or are thin, the layout is
//! one constant here: the name record ([`NAME_AREA`], from one capture) and the wake-up record
//! ([`WAKEUP_FUNCTION`], from an emulator); the README lists them as assumptions.

/// The keep-alive seen in captures, sent inside STX / ETX.
pub const KEEPALIVE: &str = "AREYUTHERE";
/// The name record's name field: `NAM1 TEST,GUEST             101` is 31 bytes, read as
/// `NAM` + operation + SP + name (20, "LAST,FIRST") + SP + extension (5).
pub const NAME_AREA: usize = 20;
/// The wake-up record as an emulator writes it: `WKP` + HHMM + extension (5); `9999` cancels.
pub const WAKEUP_FUNCTION: &str = "WKP";
pub const WAKEUP_CANCEL: &str = "9999";

/// An extension: 1 to 5 digits.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Ext(String);

impl Ext {
    pub fn new(s: &str) -> Result<Ext, RecordError> {
        let t = s.trim();
        if t.is_empty() || t.len() > 5 || !t.bytes().all(|b| b.is_ascii_digit()) {
            return Err(RecordError::Ext(s.to_string()));
        }
        Ok(Ext(t.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn wire(&self) -> String {
        format!("{:>5}", self.0)
    }
}

impl std::fmt::Display for Ext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    /// `CHK1` / `CHK0`: check-in (line open) / check-out (line barred).
    Check { ext: Ext, r#in: bool },
    /// `MW 1` / `MW 0`: the message lamp.
    Lamp { ext: Ext, on: bool },
    /// `DND1` / `DND0`.
    Dnd { ext: Ext, on: bool },
    /// `RST` + level: 0 internal only, 1 local, 2 long distance.
    Restrict { ext: Ext, level: u8 },
    /// `NAM` + operation + SP + "LAST,FIRST": the guest's name (layout from one capture).
    Name { ext: Ext, op: u8, name: String },
    /// `WKP` + HHMM + extension (an emulator's layout); `None` cancels.
    Wakeup { ext: Ext, at: Option<(u8, u8)> },
    /// `STS` + code 1-9, from the handset: 1 maid present, 2 clean, 3 not clean, 4 out of
    /// service, 5 to be inspected, 6 occupied clean, 7 occupied not clean, 8 vacant clean, 9 vacant
    /// not clean.
    Status { ext: Ext, code: u8 },
    /// `AREYUTHERE`.
    KeepAlive,
    /// Anything else, kept for the owner to log as not acted on.
    Unknown(String),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    #[error("{0:?} is not an extension (1 to 5 digits)")]
    Ext(String),
    #[error("{record:?}: {why}")]
    Layout { record: String, why: &'static str },
    #[error("a character the link does not carry (capital letters, digits, space and , only): {0:?}")]
    Char(char),
}

/// The name as the record carries it: "LAST,FIRST" in capital Latin letters; a name in another
/// script is left out rather than garbled.
pub fn name_for_wire(family: &str, given: Option<&str>) -> String {
    let clean = |s: &str| -> String {
        let ascii: String = s.chars().filter(|c| c.is_ascii_alphanumeric() || *c == ' ' || *c == '-').collect();
        ascii.split_whitespace().collect::<Vec<_>>().join(" ").to_ascii_uppercase()
    };
    let (f, g) = (clean(family), given.map(clean).unwrap_or_default());
    let both = if g.is_empty() || f.is_empty() { format!("{f}{g}") } else { format!("{f},{g}") };
    both.chars().take(NAME_AREA).collect()
}

impl Record {
    /// The text between STX and ETX.
    pub fn to_text(&self) -> Result<String, RecordError> {
        let bit = |b: bool| if b { '1' } else { '0' };
        let text = match self {
            Record::Check { ext, r#in } => format!("CHK{} {}", bit(*r#in), ext.wire()),
            Record::Lamp { ext, on } => format!("MW {} {}", bit(*on), ext.wire()),
            Record::Dnd { ext, on } => format!("DND{} {}", bit(*on), ext.wire()),
            Record::Restrict { ext, level } => format!("RST{} {}", level, ext.wire()),
            Record::Name { ext, op, name } => {
                format!(
                    "NAM{op} {:<w$} {}",
                    name.chars().take(NAME_AREA).collect::<String>(),
                    ext.wire(),
                    w = NAME_AREA
                )
            }
            Record::Wakeup { ext, at } => {
                let hhmm = at.map_or(WAKEUP_CANCEL.to_string(), |(h, m)| format!("{h:02}{m:02}"));
                format!("{WAKEUP_FUNCTION}{hhmm}{}", ext.wire())
            }
            Record::Status { ext, code } => format!("STS{code} {}", ext.wire()),
            Record::KeepAlive => KEEPALIVE.to_string(),
            Record::Unknown(s) => s.clone(),
        };
        if let Some(c) = text.chars().find(|c| !(c.is_ascii_uppercase() || c.is_ascii_digit() || " ,-".contains(*c))) {
            return Err(RecordError::Char(c));
        }
        Ok(text)
    }

    /// Reads the text between STX and ETX. A known function whose layout does not fit is an
    /// error (logged by the owner); an unknown one is [`Record::Unknown`].
    pub fn parse(text: &str) -> Result<Record, RecordError> {
        let layout = |why| RecordError::Layout { record: text.to_string(), why };
        if text == KEEPALIVE {
            return Ok(Record::KeepAlive);
        }
        if let Some(rest) = text.strip_prefix(WAKEUP_FUNCTION) {
            if rest.len() < 5 || !rest.is_char_boundary(4) {
                return Err(layout("WKP, HHMM, extension (5)"));
            }
            let (hhmm, ext) = rest.split_at(4);
            let ext = Ext::new(ext)?;
            if hhmm == WAKEUP_CANCEL {
                return Ok(Record::Wakeup { ext, at: None });
            }
            let (h, m) = (hhmm[..2].parse::<u8>(), hhmm[2..].parse::<u8>());
            return match (h, m) {
                (Ok(h), Ok(m)) if h < 24 && m < 60 => Ok(Record::Wakeup { ext, at: Some((h, m)) }),
                _ => Err(layout("the wake-up time is not HHMM")),
            };
        }
        if text.len() < 6 || !text.is_char_boundary(5) || text.as_bytes()[4] != b' ' {
            return Ok(Record::Unknown(text.to_string()));
        }
        let (function, status, rest) = (&text[..3], text.as_bytes()[3], &text[5..]);
        let flag = || match status {
            b'1' => Ok(true),
            b'0' => Ok(false),
            _ => Err(layout("the status is 1 or 0")),
        };
        Ok(match function {
            "CHK" => Record::Check { ext: Ext::new(rest)?, r#in: flag()? },
            "MW " => Record::Lamp { ext: Ext::new(rest)?, on: flag()? },
            "DND" => Record::Dnd { ext: Ext::new(rest)?, on: flag()? },
            "RST" if status.is_ascii_digit() => Record::Restrict { ext: Ext::new(rest)?, level: status - b'0' },
            "STS" if (b'1'..=b'9').contains(&status) => Record::Status { ext: Ext::new(rest)?, code: status - b'0' },
            "NAM" if status.is_ascii_digit() => {
                if rest.len() < 6 {
                    return Err(layout("NAM, operation, name, extension (5)"));
                }
                let (name, ext) = rest.split_at(rest.len() - 5);
                Record::Name { ext: Ext::new(ext)?, op: status - b'0', name: name.trim().to_string() }
            }
            "RST" | "STS" | "NAM" => return Err(layout("the status digit is out of range")),
            _ => Record::Unknown(text.to_string()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ext(s: &str) -> Ext {
        Ext::new(s).unwrap()
    }

    /// The notes' frame: `CHK1   100` = 02 43 48 4B 31 20 20 20 31 30 30 03.
    #[test]
    fn the_check_in_example_is_byte_exact() {
        let text = Record::Check { ext: ext("100"), r#in: true }.to_text().unwrap();
        assert_eq!(text, "CHK1   100");
        let mut wire = vec![0x02];
        wire.extend(text.bytes());
        wire.push(0x03);
        assert_eq!(wire, [0x02, 0x43, 0x48, 0x4B, 0x31, 0x20, 0x20, 0x20, 0x31, 0x30, 0x30, 0x03]);
    }

    /// The handbook prints `MW 1 2129` (its spacing is not the wire's: the extension takes 5), and
    /// the capture's 31-byte name record.
    #[test]
    fn the_lamp_and_name_records_are_as_seen() {
        assert_eq!(Record::Lamp { ext: ext("2129"), on: true }.to_text().unwrap(), "MW 1  2129");
        let name = Record::Name { ext: ext("101"), op: 1, name: "TEST,GUEST".into() }.to_text().unwrap();
        assert_eq!(name, "NAM1 TEST,GUEST             101");
        assert_eq!(name.len(), 31);
        assert_eq!(Record::parse(&name).unwrap(), Record::Name { ext: ext("101"), op: 1, name: "TEST,GUEST".into() });
    }

    #[test]
    fn every_record_goes_to_text_and_back() {
        let all = [
            Record::Check { ext: ext("100"), r#in: true },
            Record::Check { ext: ext("12345"), r#in: false },
            Record::Lamp { ext: ext("101"), on: false },
            Record::Dnd { ext: ext("101"), on: true },
            Record::Restrict { ext: ext("101"), level: 2 },
            Record::Wakeup { ext: ext("101"), at: Some((6, 30)) },
            Record::Wakeup { ext: ext("101"), at: None },
            Record::Status { ext: ext("101"), code: 9 },
            Record::KeepAlive,
            Record::Unknown("XYZ7 ABC".into()),
        ];
        for r in all {
            assert_eq!(Record::parse(&r.to_text().unwrap()).unwrap(), r);
        }
    }

    #[test]
    fn a_record_off_its_layout_is_an_error_and_an_unknown_one_is_kept() {
        for bad in ["CHK2   100", "CHK1   1X0", "STS0   101", "WKP2561  101", "MW 1 123456"] {
            assert!(Record::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Record::parse("HELLO").unwrap(), Record::Unknown("HELLO".into()));
        assert_eq!(Record::parse("陳陳").unwrap(), Record::Unknown("陳陳".into()));
    }

    #[test]
    fn names_are_capital_latin_or_left_out() {
        assert_eq!(name_for_wire("Chen", Some("Tai-man")), "CHEN,TAI-MAN");
        assert_eq!(name_for_wire("陳", Some("大文")), "");
        assert_eq!(name_for_wire("Wolfeschlegelsteinhausen", Some("Hubert")).len(), NAME_AREA);
        assert!(Record::Name { ext: ext("1"), op: 1, name: "a".into() }.to_text().is_err());
    }
}
