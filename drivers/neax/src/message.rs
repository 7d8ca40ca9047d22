//! The NEAX records of the notes' table [NDA-30115 p.31-36], typed. Fields are left-justified
//! and space-padded; an extension is 6 characters. What the notes leave open is one constant
//! here: the name change's FTC and FC ([`NAME_FTC`], an assumption), the layouts of 12-x, 52-x and
//! 16-C (an extension alone, assumed). Anything else the PBX sends is [`Message::Unknown`], for
//! the owner to log as not acted on.

use crate::frame::Frame;

/// The guest-name change: the scan reads FTC "21" or "61" with FC '6' and a 15-character name.
/// An assumption until confirmed on a real NEAX (README, "NEC NEAX").
pub const NAME_FTC: [u8; 2] = *b"21";
pub const NAME_FC: u8 = b'6';
pub const NAME_LEN: usize = 15;

/// An extension: 1 to 6 digits (the room's number as the PBX dials it).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Ext(String);

impl Ext {
    pub fn new(s: &str) -> Result<Ext, MessageError> {
        let t = s.trim();
        if t.is_empty() || t.len() > 6 || !t.bytes().all(|b| b.is_ascii_digit()) {
            return Err(MessageError::Ext(s.to_string()));
        }
        Ok(Ext(t.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn wire(&self) -> String {
        format!("{:<6}", self.0)
    }
}

impl std::fmt::Display for Ext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The restriction codes of 15-1 / 15-2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Restriction {
    /// 0: no restriction.
    None,
    /// 1: outside calls cut off.
    CutOff,
    /// 5: do not disturb.
    Dnd,
    /// 6: do not disturb and outside calls cut off.
    DndCutOff,
    /// Another digit: kept as it came.
    Other(u8),
}

impl Restriction {
    pub fn code(self) -> u8 {
        match self {
            Restriction::None => b'0',
            Restriction::CutOff => b'1',
            Restriction::Dnd => b'5',
            Restriction::DndCutOff => b'6',
            Restriction::Other(c) => c,
        }
    }

    fn from_code(c: u8) -> Restriction {
        match c {
            b'0' => Restriction::None,
            b'1' => Restriction::CutOff,
            b'5' => Restriction::Dnd,
            b'6' => Restriction::DndCutOff,
            c => Restriction::Other(c),
        }
    }

    /// The code for a line that may (or may not) call out, with or without DND.
    pub fn of(outside_calls: bool, dnd: bool) -> Restriction {
        match (outside_calls, dnd) {
            (true, false) => Restriction::None,
            (false, false) => Restriction::CutOff,
            (true, true) => Restriction::Dnd,
            (false, true) => Restriction::DndCutOff,
        }
    }
}

/// Who set or cancelled a wake-up (19-1, 19-2, 19-4, 19-5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WakeSource {
    Guest,
    Attendant,
    Admin,
    Pms,
    Other(u8),
}

impl WakeSource {
    fn code(self) -> u8 {
        match self {
            WakeSource::Guest => b'1',
            WakeSource::Attendant => b'2',
            WakeSource::Admin => b'3',
            WakeSource::Pms => b'4',
            WakeSource::Other(c) => c,
        }
    }

    fn from_code(c: u8) -> WakeSource {
        match c {
            b'1' => WakeSource::Guest,
            b'2' => WakeSource::Attendant,
            b'3' => WakeSource::Admin,
            b'4' => WakeSource::Pms,
            c => WakeSource::Other(c),
        }
    }
}

/// How a wake-up call went (19-3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WakeResult {
    Answered,
    Busy,
    NoAnswer,
    Blocked,
    /// Sent to the attendant (the operator's console).
    ToAttendant,
    Other(u8),
}

impl WakeResult {
    fn code(self) -> u8 {
        match self {
            WakeResult::Answered => b'1',
            WakeResult::Busy => b'2',
            WakeResult::NoAnswer => b'3',
            WakeResult::Blocked => b'4',
            WakeResult::ToAttendant => b'5',
            WakeResult::Other(c) => c,
        }
    }

    fn from_code(c: u8) -> WakeResult {
        match c {
            b'1' => WakeResult::Answered,
            b'2' => WakeResult::Busy,
            b'3' => WakeResult::NoAnswer,
            b'4' => WakeResult::Blocked,
            b'5' => WakeResult::ToAttendant,
            c => WakeResult::Other(c),
        }
    }
}

/// A local time of day at minute resolution, as the PBX keeps wake-ups.
pub type HhMm = (u8, u8);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// 13-1 / 13-2, PMS -> PBX: the message lamp on or off.
    Lamp {
        ext: Ext,
        on: bool,
    },
    /// 13-3 / 13-4, PBX -> PMS: the lamp was turned on or off at the PBX.
    LampDone {
        ext: Ext,
        on: bool,
    },
    /// 15-1, PMS -> PBX: the line's restriction (class and DND).
    Restrict {
        ext: Ext,
        code: Restriction,
    },
    /// 15-2, PBX -> PMS: a restriction changed at the PBX.
    Restricted {
        ext: Ext,
        code: Restriction,
    },
    /// 16-1 / 16-2 (model 60), PMS -> PBX.
    CheckIn {
        ext: Ext,
    },
    CheckOut {
        ext: Ext,
    },
    /// 16-C, PBX -> PMS: a check-out while the guest is on an outside call.
    CheckOutOnCall {
        ext: Ext,
    },
    /// The guest's name on the phone ([`NAME_FTC`]; an assumption).
    Name {
        ext: Ext,
        name: String,
    },
    /// 19-4, PMS -> PBX: a wake-up for `at` (the PBX rings at that minute).
    WakeupSet {
        ext: Ext,
        at: HhMm,
        source: WakeSource,
    },
    /// 19-5, PMS -> PBX: the wake-up cancelled.
    WakeupCancel {
        ext: Ext,
        source: WakeSource,
    },
    /// 19-1 / 19-2, PBX -> PMS: a wake-up set or cancelled at the PBX (the guest's handset...).
    WakeupBooked {
        ext: Ext,
        at: Option<HhMm>,
        source: WakeSource,
    },
    WakeupCancelled {
        ext: Ext,
        at: Option<HhMm>,
        source: WakeSource,
    },
    /// 19-3, PBX -> PMS: how the wake-up call went.
    WakeupResult {
        ext: Ext,
        at: Option<HhMm>,
        result: WakeResult,
    },
    /// 12-1 / 12-2 / 12-3, PBX -> PMS: the maid started, ended or inspected (`code` 1-3).
    Maid {
        ext: Ext,
        code: u8,
    },
    /// 52-1..4, PBX -> PMS: a maid dial code.
    MaidDial {
        ext: Ext,
        code: u8,
    },
    /// 61-3, PMS -> PBX: room status and cleaning status [p.36].
    RoomStatus {
        ext: Ext,
        room: u8,
        cleaning: u8,
    },
    /// 70-2: link test (no-op); 70-3 / 70-4: recovery (a resync) starts / ends.
    LinkTest,
    RecoveryStart,
    RecoveryEnd,
    /// The FTC plus 0x80: the peer could not take a message with that FTC [p.6].
    Refused {
        ftc: [u8; 2],
        fc: u8,
        data: String,
    },
    /// Anything else: kept for the owner to log as not acted on.
    Unknown {
        ftc: [u8; 2],
        fc: u8,
        data: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MessageError {
    #[error("{0:?} is not an extension (1 to 6 digits)")]
    Ext(String),
    #[error("{0:?} is not a time of day HHMM")]
    Time(String),
    #[error("{ftc}-{fc}: the data {data:?} is not as the record's layout says ({why})")]
    Layout { ftc: String, fc: char, data: String, why: &'static str },
}

fn hhmm(s: &str) -> Result<Option<HhMm>, MessageError> {
    if s.trim().is_empty() {
        return Ok(None);
    }
    let bad = || MessageError::Time(s.to_string());
    if s.len() != 4 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let (h, m) = (s[..2].parse::<u8>().map_err(|_| bad())?, s[2..].parse::<u8>().map_err(|_| bad())?);
    if h > 23 || m > 59 {
        return Err(bad());
    }
    Ok(Some((h, m)))
}

/// The name as the link can carry it: printable ASCII only (a name in another script is left
/// out, not garbled), cut to [`NAME_LEN`].
pub fn name_for_wire(name: &str) -> String {
    let ascii: String = name.chars().filter(|c| (' '..='~').contains(c)).collect();
    ascii.split_whitespace().collect::<Vec<_>>().join(" ").chars().take(NAME_LEN).collect()
}

impl Message {
    /// The frame that carries this message.
    pub fn to_frame(&self) -> Frame {
        let f = |ftc: &[u8; 2], fc: u8, data: String| Frame::new(*ftc, fc, data.into_bytes());
        let time = |at: Option<HhMm>| at.map_or("    ".to_string(), |(h, m)| format!("{h:02}{m:02}"));
        match self {
            Message::Lamp { ext, on } => f(b"13", if *on { b'1' } else { b'2' }, ext.wire()),
            Message::LampDone { ext, on } => f(b"13", if *on { b'3' } else { b'4' }, ext.wire()),
            Message::Restrict { ext, code } => f(b"15", b'1', format!("{}{}  ", ext.wire(), code.code() as char)),
            Message::Restricted { ext, code } => f(b"15", b'2', format!("{}{}  ", ext.wire(), code.code() as char)),
            Message::CheckIn { ext } => f(b"16", b'1', ext.wire()),
            Message::CheckOut { ext } => f(b"16", b'2', ext.wire()),
            Message::CheckOutOnCall { ext } => f(b"16", b'C', ext.wire()),
            Message::Name { ext, name } => f(&NAME_FTC, NAME_FC, format!("{}{:<15}", ext.wire(), name_for_wire(name))),
            Message::WakeupSet { ext, at, source } => {
                f(b"19", b'4', format!("{}{}{}", ext.wire(), time(Some(*at)), source.code() as char))
            }
            Message::WakeupCancel { ext, source } => {
                f(b"19", b'5', format!("{}{}{}", ext.wire(), time(None), source.code() as char))
            }
            Message::WakeupBooked { ext, at, source } => {
                f(b"19", b'1', format!("{}{}{}", ext.wire(), time(*at), source.code() as char))
            }
            Message::WakeupCancelled { ext, at, source } => {
                f(b"19", b'2', format!("{}{}{}", ext.wire(), time(*at), source.code() as char))
            }
            Message::WakeupResult { ext, at, result } => {
                f(b"19", b'3', format!("{}{}{}", ext.wire(), time(*at), result.code() as char))
            }
            Message::Maid { ext, code } => f(b"12", b'0' + code, ext.wire()),
            Message::MaidDial { ext, code } => f(b"52", b'0' + code, ext.wire()),
            Message::RoomStatus { ext, room, cleaning } => {
                f(b"61", b'3', format!("{}{}{}", ext.wire(), room, cleaning))
            }
            Message::LinkTest => f(b"70", b'2', String::new()),
            Message::RecoveryStart => f(b"70", b'3', String::new()),
            Message::RecoveryEnd => f(b"70", b'4', String::new()),
            Message::Refused { ftc, fc, data } => f(&[ftc[0] | 0x80, ftc[1]], *fc, data.clone()),
            Message::Unknown { ftc, fc, data } => f(ftc, *fc, data.clone()),
        }
    }

    /// Reads a frame. A known FTC-FC whose data does not fit its layout is an error (the owner
    /// logs it and carries on); an FTC-FC not in the table is [`Message::Unknown`].
    pub fn from_frame(frame: &Frame) -> Result<Message, MessageError> {
        let data = String::from_utf8_lossy(&frame.data).into_owned();
        let layout =
            |why| MessageError::Layout { ftc: frame.ftc_text(), fc: frame.fc as char, data: data.clone(), why };
        let ext_at = |from: usize| -> Result<Ext, MessageError> {
            let field = data.get(from..from + 6).or_else(|| data.get(from..)).unwrap_or("");
            Ext::new(field)
        };
        let ext_only = || -> Result<Ext, MessageError> {
            if data.trim_end().len() > 6 {
                return Err(layout("an extension of 6 characters and nothing after it"));
            }
            ext_at(0)
        };
        let wake = || -> Result<(Ext, Option<HhMm>, u8), MessageError> {
            if data.len() != 11 {
                return Err(layout("extension (6), HHMM or 4 blanks, one code"));
            }
            Ok((ext_at(0)?, hhmm(&data[6..10])?, data.as_bytes()[10]))
        };
        if frame.ftc[0] & 0x80 != 0 {
            return Ok(Message::Refused { ftc: [frame.ftc[0] & 0x7f, frame.ftc[1]], fc: frame.fc, data });
        }
        Ok(match (&frame.ftc, frame.fc) {
            (b"13", b'1' | b'2') => Message::Lamp { ext: ext_only()?, on: frame.fc == b'1' },
            (b"13", b'3' | b'4') => Message::LampDone { ext: ext_only()?, on: frame.fc == b'3' },
            (b"15", b'1' | b'2') => {
                let code = *data.as_bytes().get(6).ok_or_else(|| layout("extension (6), a restriction code"))?;
                let ext = ext_at(0)?;
                let code = Restriction::from_code(code);
                if frame.fc == b'1' {
                    Message::Restrict { ext, code }
                } else {
                    Message::Restricted { ext, code }
                }
            }
            (b"16", b'1') => Message::CheckIn { ext: ext_only()? },
            (b"16", b'2') => Message::CheckOut { ext: ext_only()? },
            (b"16", b'C') => Message::CheckOutOnCall { ext: ext_only()? },
            (ftc, fc) if *ftc == NAME_FTC && fc == NAME_FC => {
                Message::Name { ext: ext_at(0)?, name: data.get(6..).unwrap_or("").trim().to_string() }
            }
            (b"19", b'4') => {
                let (ext, at, source) = wake()?;
                let at = at.ok_or_else(|| layout("a wake-up set needs its time"))?;
                Message::WakeupSet { ext, at, source: WakeSource::from_code(source) }
            }
            (b"19", b'5') => {
                let (ext, _, source) = wake()?;
                Message::WakeupCancel { ext, source: WakeSource::from_code(source) }
            }
            (b"19", b'1') => {
                let (ext, at, source) = wake()?;
                Message::WakeupBooked { ext, at, source: WakeSource::from_code(source) }
            }
            (b"19", b'2') => {
                let (ext, at, source) = wake()?;
                Message::WakeupCancelled { ext, at, source: WakeSource::from_code(source) }
            }
            (b"19", b'3') => {
                let (ext, at, result) = wake()?;
                Message::WakeupResult { ext, at, result: WakeResult::from_code(result) }
            }
            (b"12", c @ b'1'..=b'3') => Message::Maid { ext: ext_only()?, code: c - b'0' },
            (b"52", c @ b'1'..=b'4') => Message::MaidDial { ext: ext_only()?, code: c - b'0' },
            (b"61", b'3') => {
                let b = data.as_bytes();
                if b.len() != 8 || !b[6].is_ascii_digit() || !b[7].is_ascii_digit() {
                    return Err(layout("extension (6), room status (1), cleaning status (1)"));
                }
                Message::RoomStatus { ext: ext_at(0)?, room: b[6] - b'0', cleaning: b[7] - b'0' }
            }
            (b"70", b'2') => Message::LinkTest,
            (b"70", b'3') => Message::RecoveryStart,
            (b"70", b'4') => Message::RecoveryEnd,
            _ => Message::Unknown { ftc: frame.ftc, fc: frame.fc, data },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ext(s: &str) -> Ext {
        Ext::new(s).unwrap()
    }

    #[test]
    fn every_record_goes_to_the_wire_and_back() {
        let all = [
            Message::Lamp { ext: ext("2129"), on: true },
            Message::Lamp { ext: ext("2129"), on: false },
            Message::LampDone { ext: ext("101"), on: true },
            Message::LampDone { ext: ext("101"), on: false },
            Message::Restrict { ext: ext("101"), code: Restriction::CutOff },
            Message::Restrict { ext: ext("101"), code: Restriction::DndCutOff },
            Message::Restricted { ext: ext("101"), code: Restriction::Dnd },
            Message::CheckIn { ext: ext("101") },
            Message::CheckOut { ext: ext("101") },
            Message::CheckOutOnCall { ext: ext("101") },
            Message::Name { ext: ext("101"), name: "WANG WEI".into() },
            Message::WakeupSet { ext: ext("2129"), at: (6, 30), source: WakeSource::Pms },
            Message::WakeupCancel { ext: ext("2129"), source: WakeSource::Pms },
            Message::WakeupBooked { ext: ext("2129"), at: Some((7, 0)), source: WakeSource::Guest },
            Message::WakeupCancelled { ext: ext("2129"), at: None, source: WakeSource::Attendant },
            Message::WakeupResult { ext: ext("2129"), at: Some((6, 30)), result: WakeResult::Busy },
            Message::Maid { ext: ext("101"), code: 2 },
            Message::MaidDial { ext: ext("101"), code: 4 },
            Message::RoomStatus { ext: ext("101"), room: 0, cleaning: 2 },
            Message::LinkTest,
            Message::RecoveryStart,
            Message::RecoveryEnd,
            Message::Refused { ftc: *b"19", fc: b'4', data: "2129  25004".into() },
            Message::Unknown { ftc: *b"88", fc: b'1', data: "x".into() },
        ];
        for m in all {
            let frame = m.to_frame();
            let wire = frame.encode().unwrap();
            let mut d = crate::Decoder::new();
            let mut out = Vec::new();
            d.push(&wire, &mut out);
            let [crate::Token::Frame(Ok(back))] = &out[..] else { panic!("{m:?}: {out:?}") };
            assert_eq!(Message::from_frame(back).unwrap(), m);
        }
    }

    #[test]
    fn the_examples_are_the_typed_records() {
        let lamp = Message::Lamp { ext: ext("2129"), on: true }.to_frame().encode().unwrap();
        assert_eq!(&lamp[1..lamp.len() - 2], b"1!L131112129  ");
        let wake = Message::WakeupSet { ext: ext("2129"), at: (6, 30), source: WakeSource::Pms };
        let wire = wake.to_frame().encode().unwrap();
        assert_eq!(&wire[1..wire.len() - 2], b"1!L191642129  06304");
        assert_eq!(*wire.last().unwrap(), 0x5D);
    }

    #[test]
    fn a_record_off_its_layout_is_an_error_not_a_guess() {
        let bad = [
            Frame::new(*b"19", b'4', *b"2129  25004"),
            Frame::new(*b"19", b'3', *b"2129  063"),
            Frame::new(*b"13", b'1', *b"21x9  "),
            Frame::new(*b"13", b'1', *b"2129  extra"),
            Frame::new(*b"61", b'3', *b"101   0"),
            Frame::new(*b"15", b'1', *b"101   "),
        ];
        for f in bad {
            assert!(Message::from_frame(&f).is_err(), "{f:?}");
        }
    }

    #[test]
    fn restriction_codes_follow_class_and_dnd() {
        assert_eq!(Restriction::of(true, false), Restriction::None);
        assert_eq!(Restriction::of(false, false), Restriction::CutOff);
        assert_eq!(Restriction::of(true, true), Restriction::Dnd);
        assert_eq!(Restriction::of(false, true), Restriction::DndCutOff);
    }

    #[test]
    fn a_name_the_link_cannot_carry_is_left_out_not_garbled() {
        assert_eq!(name_for_wire("陳大文"), "");
        assert_eq!(name_for_wire("Chen  Tai-man 陳"), "Chen Tai-man");
        assert_eq!(name_for_wire("Wolfeschlegelsteinhausen"), "Wolfeschlegelst");
        let m = Message::Name { ext: ext("101"), name: "陳大文".into() };
        assert!(m.to_frame().encode().is_ok());
    }
}
