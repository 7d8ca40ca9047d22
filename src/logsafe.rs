//! What a peer or a client sent, made safe to log, and repeated warnings summarised.
//!
//! - [`peer`] / [`text`]: bytes or text from outside, escaped (`\x1b`, `\n`, `\u{202e}`, ...)
//!   and cut at [`MAX_SHOWN`] characters, so a record cannot forge log lines, drive the
//!   operator's terminal or fill the disk.
//! - [`Summary`]: one log line per kind per minute, with the count since the last line.
//! - [`SafeWriter`]: the log's writer; escapes any control byte a line still carries (the last
//!   line break excepted), whatever put it there.

use std::fmt;
use std::sync::Mutex;
use std::time::Duration;

/// Characters of a peer's text shown in a log line, at most.
pub const MAX_SHOWN: usize = 200;

/// Bytes from outside, for a log line: escaped and cut.
pub struct Shown<'a>(&'a [u8]);

/// `bytes` (a record, a request's field) as a log line may show them.
pub fn peer(bytes: &[u8]) -> Shown<'_> {
    Shown(bytes)
}

/// `s` as a log line may show it.
pub fn text(s: &str) -> Shown<'_> {
    Shown(s.as_bytes())
}

/// Characters that move the cursor, end a line, or hide or reorder text (the ones stored texts
/// refuse, [`crate::domain::validate::invisible`]): shown as escapes.
fn unsafe_char(c: char) -> bool {
    c.is_control() || crate::domain::validate::invisible(c)
}

fn escape_char(c: char, out: &mut impl fmt::Write) -> fmt::Result {
    match c {
        '\n' => out.write_str("\\n"),
        '\r' => out.write_str("\\r"),
        '\t' => out.write_str("\\t"),
        '\\' => out.write_str("\\\\"),
        c if (c as u32) < 0x80 && unsafe_char(c) => write!(out, "\\x{:02x}", c as u32),
        c if unsafe_char(c) => write!(out, "\\u{{{:x}}}", c as u32),
        c => out.write_char(c),
    }
}

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut shown = 0;
        for chunk in self.0.utf8_chunks() {
            for c in chunk.valid().chars() {
                if shown == MAX_SHOWN {
                    return write!(f, "...({} bytes in all)", self.0.len());
                }
                escape_char(c, f)?;
                shown += 1;
            }
            for b in chunk.invalid() {
                if shown == MAX_SHOWN {
                    return write!(f, "...({} bytes in all)", self.0.len());
                }
                write!(f, "\\x{b:02x}")?;
                shown += 1;
            }
        }
        Ok(())
    }
}

impl fmt::Debug for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{self}\"")
    }
}

/// Counts a repeated event and lets one log line through per period.
#[derive(Debug)]
pub struct Summary {
    period: Duration,
    state: Mutex<(Option<tokio::time::Instant>, u64)>,
}

impl Summary {
    pub fn per_minute() -> Summary {
        Summary::every(Duration::from_secs(60))
    }

    pub fn every(period: Duration) -> Summary {
        Summary { period, state: Mutex::new((None, 0)) }
    }

    /// Counts one event; `Some(n)` when a line is due, `n` being the events since the last line
    /// (this one included). The first event of a quiet period is logged at once.
    pub fn tick(&self) -> Option<u64> {
        self.add(1)
    }

    /// Counts `n` events at once (bytes of noise, say).
    pub fn add(&self, n: u64) -> Option<u64> {
        let now = tokio::time::Instant::now();
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        st.1 += n;
        match st.0 {
            Some(last) if now < last + self.period => None,
            _ => {
                st.0 = Some(now);
                Some(std::mem::take(&mut st.1))
            }
        }
    }
}

/// The log's writer: whatever a line carries, no control byte reaches the terminal or the file
/// but the line break that ends it.
pub struct SafeWriter<W>(pub W);

impl<W: std::io::Write> std::io::Write for SafeWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let (body, end) = match buf.strip_suffix(b"\n") {
            Some(b) => (b, &b"\n"[..]),
            None => (buf, &b""[..]),
        };
        if body.iter().all(|&b| b >= 0x20 && b != 0x7f) && std::str::from_utf8(body).is_ok() {
            self.0.write_all(buf)?;
            return Ok(buf.len());
        }
        let mut line = String::with_capacity(body.len() + 16);
        for chunk in body.utf8_chunks() {
            for c in chunk.valid().chars() {
                // Backslashes stay as they are here: the fields were escaped where they were made.
                if c != '\\' && unsafe_char(c) {
                    let _ = escape_char(c, &mut line);
                } else {
                    line.push(c);
                }
            }
            for b in chunk.invalid() {
                line.push_str(&format!("\\x{b:02x}"));
            }
        }
        self.0.write_all(line.as_bytes())?;
        self.0.write_all(end)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn control_bytes_are_escaped_and_long_text_is_cut() {
        assert_eq!(
            peer(b"GI|RN101|GNevil\x1b[2J\r\nFAKE LOG LINE|").to_string(),
            "GI|RN101|GNevil\\x1b[2J\\r\\nFAKE LOG LINE|"
        );
        assert_eq!(peer(b"\xff\x00ok").to_string(), "\\xff\\x00ok");
        assert_eq!(text("a\u{202e}b\u{2028}c").to_string(), "a\\u{202e}b\\u{2028}c");
        assert_eq!(text("陳大文").to_string(), "陳大文");
        let long = peer(&[b'x'; 10_000]).to_string();
        assert!(long.starts_with(&"x".repeat(MAX_SHOWN)) && long.ends_with("...(10000 bytes in all)"), "{long}");
        assert!(long.len() < 250);
        let escapes = peer(&[0x1b; 10_000]).to_string();
        assert!(escapes.len() < 4 * MAX_SHOWN + 30, "{}", escapes.len());
    }

    #[tokio::test(start_paused = true)]
    async fn a_summary_lets_one_line_through_a_minute_with_the_count() {
        let s = Summary::per_minute();
        assert_eq!(s.tick(), Some(1), "the first is logged at once");
        for _ in 0..99 {
            assert_eq!(s.tick(), None);
        }
        tokio::time::advance(Duration::from_secs(60)).await;
        assert_eq!(s.tick(), Some(100), "then one line with the count");
        assert_eq!(s.add(7), None);
    }

    #[test]
    fn the_writer_leaves_no_control_byte_but_the_last_line_break() {
        let mut out = SafeWriter(Vec::new());
        out.write_all(b"WARN record=\"a\x1b[31mred\nforged line\"\n").unwrap();
        out.write_all("plain 陳 line\n".as_bytes()).unwrap();
        let text = String::from_utf8(out.0).unwrap();
        assert_eq!(text, "WARN record=\"a\\x1b[31mred\\nforged line\"\nplain 陳 line\n");
    }
}
