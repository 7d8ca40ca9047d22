//! Serial framing: `STX data ETX LRC`, plus the single-byte answers ACK, NAK and ENQ.
//!
//! The decoder is pure: it is fed whatever bytes arrived and yields [`Token`]s. A half frame stays
//! buffered until the rest arrives. The LRC is found by position (the byte after ETX), never by
//! value, because it can be any byte, control bytes included. Bytes that belong to nothing (line
//! noise, a half frame cut by a new STX or by a control byte) are reported as [`Token::Noise`] so
//! the link can count and log them, and decoding resynchronises on the next STX.
//!
//! Over TCP ([`Framing::Tcp`]) a frame is `STX data ETX` with no LRC, and no ACK/NAK/ENQ is ever
//! sent: the stream is already reliable. The decoder then ends a frame at its ETX.

use crate::record::MAX_RECORD_LEN;

pub const STX: u8 = 0x02;
pub const ETX: u8 = 0x03;
pub const ENQ: u8 = 0x05;
pub const ACK: u8 = 0x06;
pub const NAK: u8 = 0x15;

/// How frames travel: the transport, not the records, decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Framing {
    /// RS-232: `STX data ETX LRC`, every frame answered ACK/NAK, ENQ to ask again.
    #[default]
    Serial,
    /// TCP: `STX data ETX`, no LRC and no answers.
    Tcp,
}

/// Wraps record bytes in a frame for this framing.
pub fn encode_frame_for(framing: Framing, data: &[u8]) -> Vec<u8> {
    match framing {
        Framing::Serial => encode_frame(data),
        Framing::Tcp => {
            let mut out = Vec::with_capacity(data.len() + 2);
            out.push(STX);
            out.extend_from_slice(data);
            out.push(ETX);
            out
        }
    }
}

/// XOR of every byte after STX up to and including ETX, seeded with 0.
pub fn lrc(data: &[u8]) -> u8 {
    data.iter().fold(ETX, |acc, b| acc ^ b)
}

/// Wraps record bytes in a frame.
pub fn encode_frame(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + 3);
    out.push(STX);
    out.extend_from_slice(data);
    out.push(ETX);
    out.push(lrc(data));
    out
}

/// One unit read off the line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token {
    /// A complete frame; `lrc_ok` says whether its checksum matched.
    Frame {
        data: Vec<u8>,
        lrc_ok: bool,
    },
    Ack,
    Nak,
    Enq,
    /// `n` bytes that were not part of any complete frame.
    Noise(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Idle,
    InFrame,
    AwaitLrc,
}

/// Incremental frame decoder.
#[derive(Debug)]
pub struct Decoder {
    framing: Framing,
    state: State,
    buf: Vec<u8>,
    noise: usize,
    /// Frames dropped for running past [`MAX_RECORD_LEN`] bytes.
    oversized: u64,
}

impl Default for Decoder {
    fn default() -> Self {
        Self::new()
    }
}

impl Decoder {
    pub fn new() -> Self {
        Self::with_framing(Framing::Serial)
    }

    pub fn with_framing(framing: Framing) -> Self {
        Decoder { framing, state: State::Idle, buf: Vec::new(), noise: 0, oversized: 0 }
    }

    /// Frames dropped so far for being longer than [`MAX_RECORD_LEN`].
    pub fn oversized(&self) -> u64 {
        self.oversized
    }

    /// True while a frame has started but not finished.
    pub fn in_frame(&self) -> bool {
        self.state != State::Idle
    }

    /// Drops a half frame (e.g. after the line went quiet mid-frame); returns the bytes dropped.
    pub fn reset(&mut self) -> usize {
        let dropped = if self.in_frame() { self.buf.len() + 1 } else { 0 };
        self.state = State::Idle;
        self.buf.clear();
        dropped
    }

    /// Feeds bytes, appending decoded tokens to `out`.
    pub fn feed(&mut self, bytes: &[u8], out: &mut Vec<Token>) {
        for &b in bytes {
            self.step(b, out);
        }
        self.flush_noise(out);
    }

    fn flush_noise(&mut self, out: &mut Vec<Token>) {
        if self.noise > 0 {
            out.push(Token::Noise(self.noise));
            self.noise = 0;
        }
    }

    fn abandon_frame(&mut self) {
        // STX plus whatever data had arrived.
        self.noise += self.buf.len() + 1;
        self.buf.clear();
        self.state = State::Idle;
    }

    fn step(&mut self, b: u8, out: &mut Vec<Token>) {
        match self.state {
            State::Idle => match b {
                STX => {
                    self.flush_noise(out);
                    self.buf.clear();
                    self.state = State::InFrame;
                }
                ACK | NAK | ENQ if self.framing == Framing::Serial => {
                    self.flush_noise(out);
                    out.push(match b {
                        ACK => Token::Ack,
                        NAK => Token::Nak,
                        _ => Token::Enq,
                    });
                }
                _ => self.noise += 1,
            },
            State::InFrame => match b {
                ETX if self.framing == Framing::Tcp => {
                    self.state = State::Idle;
                    out.push(Token::Frame { data: std::mem::take(&mut self.buf), lrc_ok: true });
                }
                ETX => self.state = State::AwaitLrc,
                STX => {
                    // A new frame cut the old one short.
                    self.abandon_frame();
                    self.flush_noise(out);
                    self.state = State::InFrame;
                }
                ACK | NAK | ENQ if self.framing == Framing::Serial => {
                    // Never valid inside data: the peer gave up on this frame.
                    self.abandon_frame();
                    self.step(b, out);
                }
                _ if self.buf.len() > MAX_RECORD_LEN => {
                    self.oversized += 1;
                    self.abandon_frame();
                    self.noise += 1;
                }
                _ => self.buf.push(b),
            },
            State::AwaitLrc => {
                let data = std::mem::take(&mut self.buf);
                let lrc_ok = lrc(&data) == b;
                self.state = State::Idle;
                out.push(Token::Frame { data, lrc_ok });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every vector of `shared/design/fias.md`.
    const VECTORS: &[(&[u8], u8)] = &[
        (b"12345", 0x32),
        (b"LS|DA161117|TI102926|", 0x77),
        (b"LA|DA161117|TI103118|", 0x61),
        (b"LS|DA161117|TI102107|", 0x7C),
        (b"LD|DA161117|TI102203|V#1.0|IFWW|", 0x39),
        (b"LE|DA161117|TI102631|", 0x68),
        (b"RE|RN2781|MLY|", 0x20),
        (b"RE|RN2781|CS3|", 0x5B),
        (b"GO|RN9327|G#12345|GSN|", 0x17),
        (b"WR|RN2781|DA001031|TI070000|", 0x0A),
        (b"GI|RN2781|G#12345|GNGuest, Mr.|GLEA|GV3|GGA123|GSN|", 0x0A),
        (b"WA|RN2781|DA001031|TI070000|ASBY|", 0x6C),
    ];

    fn decode(bytes: &[u8]) -> Vec<Token> {
        let mut d = Decoder::new();
        let mut out = Vec::new();
        d.feed(bytes, &mut out);
        out
    }

    #[test]
    fn lrc_matches_every_spec_vector() {
        for (data, want) in VECTORS {
            assert_eq!(lrc(data), *want, "{}", String::from_utf8_lossy(data));
            let frame = encode_frame(data);
            assert_eq!(decode(&frame), vec![Token::Frame { data: data.to_vec(), lrc_ok: true }]);
        }
    }

    #[test]
    fn the_specs_wrong_log_line_fails_its_lrc() {
        let mut frame = vec![STX];
        frame.extend_from_slice(b"LS|DA161117|TI103116|");
        frame.extend_from_slice(&[ETX, b'f']);
        assert_eq!(lrc(b"LS|DA161117|TI103116|"), b'}');
        assert!(matches!(&decode(&frame)[..], [Token::Frame { lrc_ok: false, .. }]));
    }

    #[test]
    fn lrc_equal_to_a_control_byte_is_found_by_position() {
        // The spec's GO and WR vectors already have control-byte LRCs; here every framing byte
        // is tried as an LRC, followed by an ACK, and the decoder must not be confused.
        for target in [STX, ETX, ENQ, ACK, NAK] {
            let printable = || (0x20u8..0x7F).filter(|c| *c != b'|');
            let data = printable()
                .flat_map(|a| printable().map(move |b| vec![b'R', b'E', b'|', b'X', a, b, b'|']))
                .find(|d| lrc(d) == target)
                .expect("two printable bytes reach every LRC");
            let mut bytes = encode_frame(&data);
            assert_eq!(*bytes.last().unwrap(), target);
            bytes.push(ACK);
            assert_eq!(decode(&bytes), vec![Token::Frame { data, lrc_ok: true }, Token::Ack], "LRC 0x{target:02X}");
        }
    }

    #[test]
    fn half_frames_wait_for_the_rest() {
        let frame = encode_frame(b"RE|RN2781|MLY|");
        let mut d = Decoder::new();
        let mut out = Vec::new();
        for chunk in frame.chunks(3) {
            d.feed(chunk, &mut out);
        }
        assert_eq!(out.len(), 1);
        assert!(matches!(&out[0], Token::Frame { lrc_ok: true, .. }));
    }

    #[test]
    fn noise_and_cut_frames_are_counted_and_skipped() {
        let mut bytes = b"zz".to_vec();
        bytes.extend_from_slice(&[STX, b'R', b'E']); // cut short by a new frame
        bytes.extend_from_slice(&encode_frame(b"LA|DA161117|TI103118|"));
        bytes.push(ENQ);
        bytes.extend_from_slice(&[STX, b'x']); // cut short by NAK
        bytes.push(NAK);
        assert_eq!(
            decode(&bytes),
            vec![
                Token::Noise(2),
                Token::Noise(3),
                Token::Frame { data: b"LA|DA161117|TI103118|".to_vec(), lrc_ok: true },
                Token::Enq,
                Token::Noise(2),
                Token::Nak,
            ]
        );
    }

    #[test]
    fn overlong_frames_are_abandoned() {
        let mut bytes = vec![STX];
        bytes.extend(std::iter::repeat_n(b'a', MAX_RECORD_LEN + 10));
        let mut d = Decoder::new();
        let mut out = Vec::new();
        d.feed(&bytes, &mut out);
        assert!(matches!(out[..], [Token::Noise(n)] if n > MAX_RECORD_LEN));
        assert_eq!(d.oversized(), 1);
    }

    #[test]
    fn tcp_frames_end_at_etx_and_carry_no_lrc() {
        assert_eq!(encode_frame_for(Framing::Tcp, b"LS|DA161117|TI102926|"), b"\x02LS|DA161117|TI102926|\x03".to_vec());
        let mut d = Decoder::with_framing(Framing::Tcp);
        let mut out = Vec::new();
        // Two frames back to back, split anywhere, a stray ACK byte between them (noise on TCP).
        let mut bytes = b"\x02GI|RN101|GNM\xc3\xbcller|\x03".to_vec();
        bytes.push(ACK);
        bytes.extend_from_slice(b"\x02LA|\x03");
        for chunk in bytes.chunks(4) {
            d.feed(chunk, &mut out);
        }
        assert_eq!(
            out,
            vec![
                Token::Frame { data: "GI|RN101|GNMüller|".as_bytes().to_vec(), lrc_ok: true },
                Token::Noise(1),
                Token::Frame { data: b"LA|".to_vec(), lrc_ok: true },
            ]
        );
    }

    #[test]
    fn reset_drops_a_half_frame() {
        let mut d = Decoder::new();
        let mut out = Vec::new();
        d.feed(&[STX, b'A', b'B'], &mut out);
        assert!(d.in_frame());
        assert_eq!(d.reset(), 3);
        d.feed(&encode_frame(b"12345"), &mut out);
        assert_eq!(out, vec![Token::Frame { data: b"12345".to_vec(), lrc_ok: true }]);
    }
}
