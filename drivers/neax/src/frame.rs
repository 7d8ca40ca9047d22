//! NEAX framing [NDA-30115 p.5, 7-8, 31]: the bid `'1' '!' ENQ`, the answers ACK / NAK, the end
//! of an exchange EOT, `DLE <` (asks for the right to send) and `DLE ?` (cannot receive now), and
//! the message `STX | SA '1' | UA '!' | EI 'L' | FTC(2) | MSC(2) | FC(1) | data | ETX | BCC`:
//! MSC counts the characters from FTC through the last data character; BCC is the XOR of every
//! byte from SA through ETX.

pub const STX: u8 = 0x02;
pub const ETX: u8 = 0x03;
pub const EOT: u8 = 0x04;
pub const ENQ: u8 = 0x05;
pub const ACK: u8 = 0x06;
pub const NAK: u8 = 0x15;
pub const DLE: u8 = 0x10;

/// The station and unit addresses and the entry indicator every message carries.
pub const SA: u8 = b'1';
pub const UA: u8 = b'!';
pub const EI: u8 = b'L';

/// A bid for the right to send.
pub const BID: [u8; 3] = [SA, UA, ENQ];

/// The longest message, STX and ETX included [p.4].
pub const MAX_MESSAGE: usize = 128;

/// One message's content: its function type code, function code and data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    pub ftc: [u8; 2],
    pub fc: u8,
    pub data: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error("the block check is {got:#04x}, the message's bytes give {want:#04x}")]
    Bcc { got: u8, want: u8 },
    #[error("the character count says {said:?}, the message has {has}")]
    Msc { said: String, has: usize },
    #[error("the message does not start with 1!L (station, unit, entry indicator): {0:?}")]
    Address(String),
    #[error("the message is too short to hold FTC, MSC and FC: {0:?}")]
    Short(String),
    #[error("the message is {0} bytes, over the 128 the link carries")]
    TooLong(usize),
    #[error("a character outside 7-bit printable ASCII in the data: {0:#04x}")]
    NotAscii(u8),
}

impl Frame {
    pub fn new(ftc: [u8; 2], fc: u8, data: impl Into<Vec<u8>>) -> Frame {
        Frame { ftc, fc, data: data.into() }
    }

    /// The bytes on the wire, STX through BCC.
    pub fn encode(&self) -> Result<Vec<u8>, FrameError> {
        // The FTC may carry bit 7: a refusal is "the FTC plus 0x80" [p.6] (on a 7-bit line that
        // bit cannot travel; what a real NEAX sends there is not known).
        let printable = |b: &u8| (0x20..0x7f).contains(b);
        if let Some(&b) = [self.fc].iter().chain(&self.data).find(|b| !printable(b)) {
            return Err(FrameError::NotAscii(b));
        }
        if let Some(&b) = self.ftc.iter().find(|b| !printable(&(**b & 0x7f))) {
            return Err(FrameError::NotAscii(b));
        }
        let msc = 2 + 2 + 1 + self.data.len();
        if msc > 99 || msc + 6 > MAX_MESSAGE {
            return Err(FrameError::TooLong(msc + 7));
        }
        let mut out = Vec::with_capacity(msc + 7);
        out.extend([STX, SA, UA, EI]);
        out.extend(self.ftc);
        out.extend(format!("{msc:02}").bytes());
        out.push(self.fc);
        out.extend(&self.data);
        out.push(ETX);
        out.push(bcc(&out[1..]));
        Ok(out)
    }

    /// The FTC as text, e.g. "13".
    pub fn ftc_text(&self) -> String {
        String::from_utf8_lossy(&self.ftc).into_owned()
    }
}

/// XOR of `bytes` (SA through ETX).
pub fn bcc(bytes: &[u8]) -> u8 {
    bytes.iter().fold(0, |acc, b| acc ^ b)
}

/// Parses the bytes between STX and ETX (exclusive) with the BCC that followed.
fn parse(body: &[u8], got: u8) -> Result<Frame, FrameError> {
    let mut checked = body.to_vec();
    checked.push(ETX);
    let want = bcc(&checked);
    if got != want {
        return Err(FrameError::Bcc { got, want });
    }
    let shown = || String::from_utf8_lossy(body).into_owned();
    if body.len() < 8 {
        return Err(FrameError::Short(shown()));
    }
    if body[..3] != [SA, UA, EI] {
        return Err(FrameError::Address(shown()));
    }
    let said = String::from_utf8_lossy(&body[5..7]).into_owned();
    // FTC, MSC, FC and the data: everything after SA UA EI.
    let has = body.len() - 3;
    if said.parse::<usize>().ok() != Some(has) {
        return Err(FrameError::Msc { said, has });
    }
    Ok(Frame { ftc: [body[3], body[4]], fc: body[7], data: body[8..].to_vec() })
}

/// What the decoder read from the line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token {
    /// `1!ENQ` (a bare ENQ too): the peer bids to send.
    Bid,
    Ack,
    Nak,
    Eot,
    /// `DLE <`: the peer asks for the right to send.
    WantsToSend,
    /// `DLE ?`: the peer cannot receive now.
    CannotReceive,
    /// Another `DLE x` (the "stop and release" sequence is printed inconsistently in the
    /// manual's scan): the byte after DLE.
    Dle(u8),
    /// A whole message, or why it is not one (answered with NAK).
    Frame(Result<Frame, FrameError>),
    /// Bytes outside any message that mean nothing (line noise), dropped.
    Noise(Vec<u8>),
}

#[derive(Debug, Default)]
enum State {
    #[default]
    Between,
    Dle,
    Body(Vec<u8>),
    Bcc(Vec<u8>),
}

/// Turns a byte stream into [`Token`]s. A message longer than the link carries is dropped as
/// noise when its 128th byte passes without an ETX.
#[derive(Debug, Default)]
pub struct Decoder {
    state: State,
    /// Printable bytes seen between messages (a bid's `1!`, or noise).
    loose: Vec<u8>,
}

impl Decoder {
    pub fn new() -> Decoder {
        Decoder::default()
    }

    /// Whether a message has started and not ended (its timer runs).
    pub fn in_message(&self) -> bool {
        matches!(self.state, State::Body(_) | State::Bcc(_))
    }

    /// Forgets a half-read message (its timer ran out).
    pub fn reset(&mut self) -> Option<Token> {
        let dropped = match std::mem::take(&mut self.state) {
            State::Body(b) | State::Bcc(b) => Some(Token::Noise(b)),
            _ => None,
        };
        self.loose.clear();
        dropped
    }

    pub fn push(&mut self, bytes: &[u8], out: &mut Vec<Token>) {
        for &b in bytes {
            self.byte(b, out);
        }
    }

    fn noise(&mut self, out: &mut Vec<Token>) {
        if !self.loose.is_empty() {
            out.push(Token::Noise(std::mem::take(&mut self.loose)));
        }
    }

    fn byte(&mut self, b: u8, out: &mut Vec<Token>) {
        match std::mem::take(&mut self.state) {
            State::Between => match b {
                STX => {
                    self.noise(out);
                    self.state = State::Body(Vec::new());
                }
                ENQ => {
                    // `1!` before it, or nothing: a bid either way; anything else was noise.
                    if !self.loose.is_empty() && !self.loose.ends_with(&[SA, UA]) {
                        self.noise(out);
                    }
                    self.loose.clear();
                    out.push(Token::Bid);
                }
                ACK | NAK | EOT => {
                    self.noise(out);
                    out.push(match b {
                        ACK => Token::Ack,
                        NAK => Token::Nak,
                        _ => Token::Eot,
                    });
                }
                DLE => {
                    self.noise(out);
                    self.state = State::Dle;
                }
                _ => {
                    self.loose.push(b);
                    if self.loose.len() > 2 && !self.loose.ends_with(&[SA, UA]) {
                        let keep = self.loose.ends_with(&[SA]);
                        if keep {
                            self.loose.pop();
                        }
                        self.noise(out);
                        if keep {
                            self.loose.push(SA);
                        }
                    }
                }
            },
            State::Dle => out.push(match b {
                b'<' => Token::WantsToSend,
                b'?' => Token::CannotReceive,
                other => Token::Dle(other),
            }),
            State::Body(mut body) => match b {
                ETX => self.state = State::Bcc(body),
                STX => {
                    // A new message before this one ended: this one is lost.
                    out.push(Token::Noise(body));
                    self.state = State::Body(Vec::new());
                }
                // A control character is never data: the message was cut off (a line dropped
                // mid-message), and this byte is read as what it is.
                ENQ | ACK | NAK | EOT | DLE => {
                    out.push(Token::Noise(body));
                    self.byte(b, out);
                }
                _ if body.len() + 2 >= MAX_MESSAGE => {
                    body.push(b);
                    out.push(Token::Noise(body));
                }
                _ => {
                    body.push(b);
                    self.state = State::Body(body);
                }
            },
            State::Bcc(body) => out.push(Token::Frame(parse(&body, b))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        s.split_whitespace().map(|h| u8::from_str_radix(h, 16).unwrap()).collect()
    }

    /// The notes' first worked example: lamp on for extension 2129, from the PMS.
    #[test]
    fn the_lamp_example_is_byte_exact() {
        let f = Frame::new(*b"13", b'1', *b"2129  ");
        assert_eq!(f.encode().unwrap(), hex("02 31 21 4C 31 33 31 31 31 32 31 32 39 20 20 03 64"));
    }

    /// The second: a wake-up at 06:30 for 2129, set by the PMS (source 4).
    #[test]
    fn the_wake_up_example_is_byte_exact() {
        let f = Frame::new(*b"19", b'4', *b"2129  06304");
        assert_eq!(f.encode().unwrap(), hex("02 31 21 4C 31 39 31 36 34 32 31 32 39 20 20 30 36 33 30 34 03 5D"));
    }

    fn tokens(bytes: &[u8]) -> Vec<Token> {
        let mut d = Decoder::new();
        let mut out = Vec::new();
        d.push(bytes, &mut out);
        out
    }

    #[test]
    fn both_examples_decode_back_whole_and_byte_by_byte() {
        for f in [Frame::new(*b"13", b'1', *b"2129  "), Frame::new(*b"19", b'4', *b"2129  06304")] {
            let wire = f.encode().unwrap();
            assert_eq!(tokens(&wire), vec![Token::Frame(Ok(f.clone()))]);
            let mut d = Decoder::new();
            let mut out = Vec::new();
            for b in &wire {
                d.push(&[*b], &mut out);
            }
            assert_eq!(out, vec![Token::Frame(Ok(f))]);
        }
    }

    #[test]
    fn a_wrong_bcc_or_count_or_address_is_said() {
        let mut wire = Frame::new(*b"13", b'1', *b"2129  ").encode().unwrap();
        *wire.last_mut().unwrap() ^= 1;
        assert!(matches!(&tokens(&wire)[..], [Token::Frame(Err(FrameError::Bcc { .. }))]));

        // MSC 12 for 11 characters, with its BCC made right.
        let mut body = b"1!L1312".to_vec();
        body.extend(b"12129  ");
        let mut wire = vec![STX];
        wire.extend(&body);
        wire.push(ETX);
        wire.push(bcc(&wire[1..]));
        assert_eq!(tokens(&wire), vec![Token::Frame(Err(FrameError::Msc { said: "12".into(), has: 11 }))],);

        let mut wire = vec![STX];
        wire.extend(b"2!L131112129  ");
        wire.push(ETX);
        wire.push(bcc(&wire[1..]));
        assert!(matches!(&tokens(&wire)[..], [Token::Frame(Err(FrameError::Address(_)))]));
    }

    #[test]
    fn bids_answers_and_dle_sequences() {
        let mut bytes = BID.to_vec();
        bytes.extend([ACK, NAK, EOT, DLE, b'<', DLE, b'?', DLE, b'x', ENQ]);
        assert_eq!(
            tokens(&bytes),
            vec![
                Token::Bid,
                Token::Ack,
                Token::Nak,
                Token::Eot,
                Token::WantsToSend,
                Token::CannotReceive,
                Token::Dle(b'x'),
                Token::Bid
            ]
        );
    }

    #[test]
    fn noise_is_dropped_and_the_next_message_still_read() {
        let f = Frame::new(*b"70", b'2', Vec::new());
        let mut bytes = b"zz%".to_vec();
        bytes.extend(f.encode().unwrap());
        let t = tokens(&bytes);
        assert_eq!(t.last(), Some(&Token::Frame(Ok(f))));
        assert!(matches!(t[0], Token::Noise(_)));
    }

    #[test]
    fn a_message_cut_off_does_not_swallow_the_answers_after_it() {
        let mut bytes = vec![STX, b'1', b'!', b'L', b'1'];
        bytes.extend([ACK, EOT]);
        let t = tokens(&bytes);
        assert_eq!(t.len(), 3, "{t:?}");
        assert!(matches!(t[0], Token::Noise(_)));
        assert_eq!(t[1..], [Token::Ack, Token::Eot]);
    }

    #[test]
    fn an_endless_message_is_cut_at_the_links_limit() {
        let mut bytes = vec![STX];
        bytes.extend(std::iter::repeat_n(b'9', 300));
        let t = tokens(&bytes);
        assert!(matches!(&t[0], Token::Noise(b) if b.len() == 127), "{t:?}");
    }

    #[test]
    fn data_outside_printable_ascii_or_too_long_is_refused_before_the_wire() {
        assert_eq!(Frame::new(*b"21", b'6', "陳".as_bytes()).encode(), Err(FrameError::NotAscii(0xe9)));
        assert!(matches!(Frame::new(*b"21", b'6', vec![b'a'; 120]).encode(), Err(FrameError::TooLong(_))));
    }
}
