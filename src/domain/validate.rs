//! Input checks shared by every part that takes text from people: one [`Invalid`] error (the
//! field and what is wrong with it), one text check with per-field limits ([`Text`]).
//!
//! Every error enum that validates input wraps `Invalid`, and the API maps it to 422 in one
//! place.

/// A value a person gave is not acceptable; names the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {msg}")]
pub struct Invalid {
    pub field: &'static str,
    pub msg: String,
}

impl Invalid {
    pub fn new(field: &'static str, msg: impl Into<String>) -> Self {
        Invalid { field, msg: msg.into() }
    }
}

/// What a text field may hold.
#[derive(Debug, Clone, Copy)]
pub struct Text {
    /// Characters (not bytes) at most, after trimming.
    pub max: usize,
    /// Line breaks allowed (CR LF becomes LF).
    pub lines: bool,
    /// The value goes to the PBX: no `|` (the FIAS field separator), and the length limit is
    /// the PBX's.
    pub to_pbx: bool,
}

impl Text {
    /// One line, at most `max` characters.
    pub const fn line(max: usize) -> Text {
        Text { max, lines: false, to_pbx: false }
    }
    /// Several lines, at most `max` characters.
    pub const fn lines(max: usize) -> Text {
        Text { max, lines: true, to_pbx: false }
    }
    /// One line that is sent to the PBX.
    pub const fn pbx(max: usize) -> Text {
        Text { max, lines: false, to_pbx: true }
    }

    /// Checks a required value; returns it trimmed.
    pub fn required(self, field: &'static str, value: &str) -> Result<String, Invalid> {
        self.optional(field, Some(value))?.ok_or_else(|| Invalid::new(field, "must not be empty"))
    }

    /// Checks an optional value; empty (after trimming) is `None`.
    pub fn optional(self, field: &'static str, value: Option<&str>) -> Result<Option<String>, Invalid> {
        let Some(value) = value else { return Ok(None) };
        let normalised;
        let v = if self.lines && value.contains('\r') {
            normalised = value.replace("\r\n", "\n");
            normalised.trim()
        } else {
            value.trim()
        };
        if v.is_empty() {
            return Ok(None);
        }
        if let Some(c) = v.chars().find(|c| invisible(*c)) {
            return Err(Invalid::new(
                field,
                format!("contains an invisible or direction-changing character (U+{:04X})", c as u32),
            ));
        }
        if let Some(c) = v.chars().find(|c| c.is_control() && !(self.lines && *c == '\n')) {
            let hint = if self.lines { "; only line breaks are allowed" } else { "" };
            return Err(Invalid::new(field, format!("contains a control character (U+{:04X}){hint}", c as u32)));
        }
        if self.to_pbx && v.contains('|') {
            return Err(Invalid::new(field, "must not contain '|' (the FIAS field separator)"));
        }
        let n = v.chars().count();
        if n > self.max {
            let whose = if self.to_pbx { " fit the PBX" } else { "" };
            return Err(Invalid::new(field, format!("is {n} characters long; at most {}{whose}", self.max)));
        }
        Ok(Some(v.to_string()))
    }
}

/// Characters that show nothing or turn the text around (bidi overrides, zero-width spaces,
/// line and paragraph separators, the byte-order mark, tags): in a name they hide what a
/// person reads, and no phone display shows them.
pub fn invisible(c: char) -> bool {
    matches!(c as u32,
        0x00AD | 0x061C | 0x180E | 0x200B..=0x200F | 0x2028..=0x202E | 0x2060..=0x206F | 0xFEFF
        | 0xFFF9..=0xFFFB | 0xE0000..=0xE007F)
}

/// A dialled number: 1 to 30 digits.
pub fn dialled(field: &'static str, v: &str) -> Result<(), Invalid> {
    if v.is_empty() || v.len() > 30 || !v.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Invalid::new(field, format!("{v:?} must be 1 to 30 digits")));
    }
    Ok(())
}

/// `v` must be one of `allowed`.
pub fn one_of(field: &'static str, v: &str, allowed: &[&str]) -> Result<String, Invalid> {
    if allowed.contains(&v) {
        Ok(v.to_string())
    } else {
        Err(Invalid::new(field, format!("{v:?} is not one of {}", allowed.join(", "))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dialled_numbers_are_1_to_30_digits() {
        assert_eq!(dialled("number", "004989920920"), Ok(()));
        assert_eq!(dialled("number", "").unwrap_err().to_string(), "number: \"\" must be 1 to 30 digits");
        assert!(dialled("digits", "+4144").is_err());
        assert!(dialled("digits", &"9".repeat(31)).is_err());
    }

    #[test]
    fn one_check_for_every_text_field() {
        let name = Text::pbx(5);
        assert_eq!(name.required("name", "  Wang ").unwrap(), "Wang");
        assert_eq!(name.required("name", " ").unwrap_err().to_string(), "name: must not be empty");
        assert!(name.required("name", "a|b").unwrap_err().msg.contains("'|'"));
        assert!(name.required("name", "abcdef").unwrap_err().msg.contains("at most 5 fit the PBX"));
        assert!(name.required("name", "a\u{1b}").unwrap_err().msg.contains("U+001B"));
        assert_eq!(name.optional("name", Some("  ")).unwrap(), None);
        let text = Text::lines(10);
        assert_eq!(text.required("text", "a\r\nb").unwrap(), "a\nb");
        assert!(Text::line(10).required("text", "a\nb").is_err());
        assert!(text.required("text", "a|b").is_ok(), "only PBX fields refuse '|'");
        assert_eq!(Text::line(3).required("t", "台北市").unwrap(), "台北市", "characters, not bytes");
        assert!(one_of("state", "x", &["open"]).unwrap_err().msg.contains("not one of open"));
        for c in ['\u{202E}', '\u{FEFF}', '\u{2028}', '\u{200B}', '\u{2066}', '\u{E0041}'] {
            let e = name.required("name", &format!("ab{c}c")).unwrap_err();
            assert!(e.msg.contains("invisible"), "U+{:04X}: {e}", c as u32);
            assert!(text.required("text", &format!("ab{c}c")).is_err(), "multi-line text too");
        }
        assert!(Text::line(20).required("name", "Zoë Ünal-Çelik 王").is_ok());
    }
}
