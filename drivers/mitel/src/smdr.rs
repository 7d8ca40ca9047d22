//! Mitel SMDR: one call per line of text, after holms.pbxconnector's parser and tests and
//! isontheline's (see the notes):
//!
//! ```text
//!  08/02 14:12  00:00:24 402   9   14155596887                 T074
//! ```
//! long-call flag, date MM/DD, start HH:MM (hour maybe space-padded; a `P` after the minutes
//! marks a 12-hour afternoon), duration HH:MM:SS, calling party (an extension, `Tnnn` a CO trunk,
//! `Xnnn` another trunk), one character, leading digits (4), dialled digits (26), two characters,
//! called party (4). Systems with "extended digit length" widen the duration's hours and the
//! calling party: [`Widths`]. A line that does not match is an error, never a guess; room-status
//! lines (`127   08/03 10:28  RS CLEAN`) that share the stream are told apart.

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime};
use regex::Regex;

/// Field widths that differ between systems.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Widths {
    /// Hours of the duration: 2, or 4 with extended digit length.
    pub duration_hours: usize,
    /// The calling party: 4, or 7 with extended digit length.
    pub caller: usize,
}

impl Default for Widths {
    fn default() -> Self {
        Widths { duration_hours: 2, caller: 4 }
    }
}

/// Who placed the call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    Extension(String),
    /// `Tnnn`: a call that came in on CO trunk nnn (not a room's call).
    Trunk(String),
    /// `Xnnn`: a non-CO trunk.
    OtherTrunk(String),
}

/// One call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Smdr {
    /// ' ', '-', '%' or '+'.
    pub long_call: char,
    pub month: u32,
    pub day: u32,
    /// 24-hour, the `P` flag applied.
    pub start: NaiveTime,
    pub duration_s: u32,
    pub caller: Caller,
    /// The digits dialled to reach the line (e.g. `9`), trimmed.
    pub leading: String,
    /// The number dialled after them, trimmed.
    pub dialled: String,
    pub called: String,
}

/// What a line of the stream is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    Call(Smdr),
    /// `127   08/03 10:28  RS CLEAN`: a room status set from the handset, as text.
    RoomStatus {
        ext: String,
        status: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SmdrError {
    #[error("not an SMDR call record or room-status line: {0:?}")]
    NoMatch(String),
    #[error("{line:?}: {why}")]
    Field { line: String, why: &'static str },
}

/// The SMDR reader, its pattern built once for the widths.
#[derive(Debug, Clone)]
pub struct Parser {
    call: Regex,
    status: Regex,
}

impl Parser {
    pub fn new(w: Widths) -> Parser {
        // The notes' pattern (checked against the three samples), with the two widths put in.
        let call = format!(
            r"^(.)(\d{{2}})/(\d{{2}}) ([ \d]{{2}}):(\d{{2}})(.) ([ \d]{{{h}}}):(\d{{2}}):(\d{{2}}) (.{{{c}}}) .([0-9*# ]{{4}})([0-9*# ]{{26}})..(.{{4}})\s*$",
            h = w.duration_hours.clamp(1, 6),
            c = w.caller.clamp(1, 10),
        );
        Parser {
            call: Regex::new(&call).expect("the SMDR pattern is valid for any width"),
            status: Regex::new(r"^\s*(\d{1,7})\s+(\d{2})/(\d{2}) ([ \d]\d):(\d{2})\s+RS\s+(\S.*?)\s*$")
                .expect("the room-status pattern is valid"),
        }
    }

    pub fn parse(&self, line: &str) -> Result<Line, SmdrError> {
        let line = line.trim_end_matches(['\r', '\n']);
        if let Some(c) = self.status.captures(line) {
            return Ok(Line::RoomStatus { ext: c[1].to_string(), status: c[6].to_string() });
        }
        let c = self.call.captures(line).ok_or_else(|| SmdrError::NoMatch(line.to_string()))?;
        let field = |why| SmdrError::Field { line: line.to_string(), why };
        let num = |i: usize| c[i].trim().parse::<u32>().map_err(|_| field("a number field is not a number"));
        let (month, day) = (num(2)?, num(3)?);
        if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
            return Err(field("the date is not MM/DD"));
        }
        let (mut hour, minute) = (num(4)?, num(5)?);
        match &c[6] {
            "P" if hour < 12 => hour += 12,
            "P" | " " => {}
            _ => return Err(field("the character after the start time is neither P nor a space")),
        }
        let start = NaiveTime::from_hms_opt(hour, minute, 0).ok_or_else(|| field("the start time is not a time"))?;
        let (h, m, s) = (num(7)?, num(8)?, num(9)?);
        if m > 59 || s > 59 {
            return Err(field("the duration is not HH:MM:SS"));
        }
        let party = c[10].trim().to_string();
        let caller = match party.as_bytes().first() {
            Some(b'T') => Caller::Trunk(party[1..].to_string()),
            Some(b'X') => Caller::OtherTrunk(party[1..].to_string()),
            Some(b) if b.is_ascii_digit() && party.bytes().all(|b| b.is_ascii_digit()) => Caller::Extension(party),
            _ => return Err(field("the calling party is neither an extension nor a trunk")),
        };
        Ok(Line::Call(Smdr {
            long_call: c[1].chars().next().unwrap_or(' '),
            month,
            day,
            start,
            duration_s: h * 3600 + m * 60 + s,
            caller,
            leading: c[11].trim().to_string(),
            dialled: c[12].trim().to_string(),
            called: c[13].trim().to_string(),
        }))
    }
}

impl Smdr {
    /// When the call started, in the PBX's (the hotel's) local time: the line has no year, so
    /// the latest date on or before `today` (a call from 12-31 read on 01-01 is last year's).
    pub fn started(&self, today: NaiveDate) -> Option<NaiveDateTime> {
        let this_year = NaiveDate::from_ymd_opt(today.year(), self.month, self.day);
        let date = match this_year {
            Some(d) if d <= today => d,
            _ => NaiveDate::from_ymd_opt(today.year() - 1, self.month, self.day)?,
        };
        Some(date.and_time(self.start))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXT: &str = " 08/02 14:12  00:00:24 402   9   14155596887                 T074               ";
    const PM: &str = " 03/30  3:06P 00:00:04 102   9   601                         T092               ";
    const TRUNK: &str = " 08/02 14:12  00:00:24 T402  9   601                         T074               ";

    fn call(line: &str) -> Smdr {
        match Parser::new(Widths::default()).parse(line).unwrap() {
            Line::Call(c) => c,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_three_samples() {
        let c = call(EXT);
        assert_eq!((c.month, c.day, c.start), (8, 2, NaiveTime::from_hms_opt(14, 12, 0).unwrap()));
        assert_eq!((c.duration_s, c.caller.clone()), (24, Caller::Extension("402".into())));
        assert_eq!((c.leading.as_str(), c.dialled.as_str(), c.called.as_str()), ("9", "14155596887", "T074"));

        let c = call(PM);
        assert_eq!(c.start, NaiveTime::from_hms_opt(15, 6, 0).unwrap(), "3:06P is 15:06");
        assert_eq!((c.duration_s, c.dialled.as_str()), (4, "601"));

        assert_eq!(call(TRUNK).caller, Caller::Trunk("402".into()));
    }

    #[test]
    fn the_line_may_come_with_its_line_end_or_without_its_trailing_blanks() {
        assert_eq!(call(&format!("{EXT}\r\n")), call(EXT));
        assert_eq!(call(EXT.trim_end()), call(EXT));
    }

    #[test]
    fn extended_digit_length_widens_the_duration_and_the_caller() {
        let line = " 08/02 14:12  0001:02:03 4021234 9   14155596887                 T074               ";
        let p = Parser::new(Widths { duration_hours: 4, caller: 7 });
        let Line::Call(c) = p.parse(line).unwrap() else { panic!() };
        assert_eq!((c.duration_s, c.caller), (3723, Caller::Extension("4021234".into())));
        assert!(Parser::new(Widths::default()).parse(line).is_err(), "not read with the default widths");
    }

    #[test]
    fn a_line_that_does_not_fit_is_an_error_never_a_guess() {
        let p = Parser::new(Widths::default());
        for bad in [
            "",
            "garbage",
            " 13/02 14:12  00:00:24 402   9   14155596887                 T074",
            " 08/02 14:12Q 00:00:24 402   9   14155596887                 T074",
            " 08/02 14:12  00:61:24 402   9   14155596887                 T074",
            " 08/02 25:12  00:00:24 402   9   14155596887                 T074",
            " 08/02 14:12  00:00:24 ?02   9   14155596887                 T074",
        ] {
            assert!(p.parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn room_status_lines_are_told_apart() {
        let p = Parser::new(Widths::default());
        assert_eq!(
            p.parse("127   08/03 10:28  RS CLEAN").unwrap(),
            Line::RoomStatus { ext: "127".into(), status: "CLEAN".into() }
        );
    }

    #[test]
    fn a_call_without_a_year_is_the_latest_on_or_before_today() {
        let c = call(EXT);
        let on = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(c.started(on(2026, 8, 2)).unwrap().date(), on(2026, 8, 2));
        assert_eq!(c.started(on(2027, 1, 1)).unwrap().date(), on(2026, 8, 2));
        assert_eq!(c.started(on(2026, 8, 1)).unwrap().date(), on(2025, 8, 2));
    }
}
