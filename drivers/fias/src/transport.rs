//! Stop-and-wait frame transport: the ACK/NAK/ENQ rules, the same on both ends of the cable.
//!
//! One frame is in flight at a time. The receiver answers every frame with ACK (good LRC) or NAK
//! (bad LRC). On NAK the sender retransmits (4 attempts in all). With no answer within the ACK
//! timeout, or a stray byte instead of one, the sender sends ENQ and the receiver repeats its last
//! answer, up to 3 times; then the attempt counts as failed. A frame whose attempts are used up is
//! reported as [`TransportEvent::Failed`]; what to do with it is the caller's business (switchboard
//! keeps it in the durable outbox). No I/O: bytes and instants in, bytes and events out.
//!
//! Over TCP ([`Framing::Tcp`]) there are no answers: a frame is written at once and reported
//! [`TransportEvent::Delivered`] as soon as it is handed to the stream, received frames are not
//! answered, and the only timer left is the one that drops a half frame.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crate::frame::{encode_frame_for, Decoder, Framing, Token, ACK, ENQ, NAK};

/// Timer and retry settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timers {
    /// How long to wait for ACK/NAK (FIAS: 3 s).
    pub ack_timeout: Duration,
    /// Attempts per frame, first one included (FIAS: 4).
    pub max_attempts: u8,
    /// ENQs per attempt (FIAS: 3).
    pub max_enq: u8,
}

impl Default for Timers {
    fn default() -> Self {
        Timers { ack_timeout: Duration::from_secs(3), max_attempts: 4, max_enq: 3 }
    }
}

/// What the transport has to tell its owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransportEvent<T> {
    /// A frame arrived intact (and was ACKed); its data.
    Received(Vec<u8>),
    /// The peer ACKed the frame with this tag.
    Delivered(T),
    /// The frame with this tag was not ACKed after every attempt. `silent` says whether the peer
    /// sent no byte at all meanwhile (a dead line rather than a line that garbles).
    Failed { tag: T, silent: bool },
}

/// Counters for logs and status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    pub frames_sent: u64,
    pub frames_received: u64,
    pub retransmits: u64,
    pub enqs_sent: u64,
    pub naks_sent: u64,
    pub bad_lrc: u64,
    pub noise_bytes: u64,
    pub stray_answers: u64,
    pub timeouts: u64,
    /// ACKs that answered an ENQ, for a frame then sent again to be sure.
    pub unsure_acks: u64,
    /// Frames dropped for being longer than a record may be (their bytes count as noise too).
    pub oversized: u64,
}

#[derive(Debug)]
struct InFlight<T> {
    tag: T,
    frame: Vec<u8>,
    attempts: u8,
    enqs: u8,
    deadline: Instant,
    heard_since_send: bool,
    /// The frame may reach the peer twice (it sets a state); see [`Transport::send_repeatable`].
    repeatable: bool,
}

/// The stop-and-wait state machine.
#[derive(Debug)]
pub struct Transport<T> {
    timers: Timers,
    framing: Framing,
    decoder: Decoder,
    out: Vec<u8>,
    queue: VecDeque<(T, Vec<u8>, bool)>,
    in_flight: Option<InFlight<T>>,
    last_answer: u8,
    last_rx: Option<Instant>,
    events: VecDeque<TransportEvent<T>>,
    stats: Stats,
    tokens: Vec<Token>,
}

impl<T: Clone> Transport<T> {
    pub fn new(timers: Timers) -> Self {
        Self::with_framing(timers, Framing::Serial)
    }

    pub fn with_framing(timers: Timers, framing: Framing) -> Self {
        Transport {
            timers,
            framing,
            decoder: Decoder::with_framing(framing),
            out: Vec::new(),
            queue: VecDeque::new(),
            in_flight: None,
            // An ENQ before any frame is answered with NAK.
            last_answer: NAK,
            last_rx: None,
            events: VecDeque::new(),
            stats: Stats::default(),
            tokens: Vec::new(),
        }
    }

    pub fn stats(&self) -> Stats {
        Stats { oversized: self.decoder.oversized(), ..self.stats }
    }

    /// Nothing in flight and nothing queued.
    pub fn is_idle(&self) -> bool {
        self.in_flight.is_none() && self.queue.is_empty()
    }

    /// Queues record bytes (the data between STX and ETX) for sending.
    pub fn send(&mut self, now: Instant, tag: T, data: &[u8]) {
        self.queue_frame(now, tag, data, false);
    }

    /// As [`send`](Self::send), for a frame the peer may take twice without harm (it sets a
    /// state: a guest in, a lamp on). An `ACK` that answers our `ENQ` is then not taken as proof:
    /// the peer answers an `ENQ` with its last answer, which is its `ACK` of the frame before
    /// when this one never reached it (a line that dropped it). Such a frame goes again instead.
    pub fn send_repeatable(&mut self, now: Instant, tag: T, data: &[u8]) {
        self.queue_frame(now, tag, data, true);
    }

    fn queue_frame(&mut self, now: Instant, tag: T, data: &[u8], repeatable: bool) {
        if self.framing == Framing::Tcp {
            self.out.extend_from_slice(&encode_frame_for(Framing::Tcp, data));
            self.stats.frames_sent += 1;
            self.events.push_back(TransportEvent::Delivered(tag));
            return;
        }
        self.queue.push_back((tag, encode_frame_for(Framing::Serial, data), repeatable));
        self.start_next(now);
    }

    /// Forgets every queued and in-flight frame (on link reset); returns their tags.
    pub fn abort_all(&mut self) -> Vec<T> {
        let mut tags: Vec<T> = self.in_flight.take().map(|f| f.tag).into_iter().collect();
        tags.extend(self.queue.drain(..).map(|(t, _, _)| t));
        self.decoder.reset();
        tags
    }

    fn start_next(&mut self, now: Instant) {
        if self.in_flight.is_some() {
            return;
        }
        if let Some((tag, frame, repeatable)) = self.queue.pop_front() {
            self.out.extend_from_slice(&frame);
            self.stats.frames_sent += 1;
            self.in_flight = Some(InFlight {
                tag,
                frame,
                attempts: 1,
                enqs: 0,
                deadline: now + self.timers.ack_timeout,
                heard_since_send: false,
                repeatable,
            });
        }
    }

    /// Feeds bytes read from the line.
    pub fn handle_input(&mut self, now: Instant, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        self.last_rx = Some(now);
        if let Some(f) = self.in_flight.as_mut() {
            f.heard_since_send = true;
        }
        let mut tokens = std::mem::take(&mut self.tokens);
        self.decoder.feed(bytes, &mut tokens);
        for token in tokens.drain(..) {
            self.handle_token(now, token);
        }
        self.tokens = tokens;
    }

    fn handle_token(&mut self, now: Instant, token: Token) {
        match token {
            Token::Frame { data, lrc_ok: true } if self.framing == Framing::Tcp => {
                self.stats.frames_received += 1;
                self.events.push_back(TransportEvent::Received(data));
            }
            Token::Frame { data, lrc_ok: true } => {
                self.out.push(ACK);
                self.last_answer = ACK;
                self.stats.frames_received += 1;
                self.events.push_back(TransportEvent::Received(data));
            }
            Token::Frame { lrc_ok: false, .. } => {
                self.out.push(NAK);
                self.last_answer = NAK;
                self.stats.bad_lrc += 1;
                self.stats.naks_sent += 1;
            }
            Token::Enq => self.out.push(self.last_answer),
            Token::Ack => match self.in_flight.take() {
                // The answer to our ENQ: perhaps to the frame before this one.
                Some(f) if f.enqs > 0 && f.repeatable => {
                    self.in_flight = Some(f);
                    self.stats.unsure_acks += 1;
                    self.retransmit(now);
                }
                Some(f) => {
                    self.events.push_back(TransportEvent::Delivered(f.tag));
                    self.start_next(now);
                }
                None => self.stats.stray_answers += 1,
            },
            Token::Nak => match self.in_flight.as_ref() {
                Some(_) => self.retransmit(now),
                None => self.stats.stray_answers += 1,
            },
            Token::Noise(n) => {
                self.stats.noise_bytes += n as u64;
                self.last_answer = NAK;
                // A stray byte instead of ACK/NAK: ask again at once.
                if let Some(f) = self.in_flight.as_mut() {
                    if f.enqs < self.timers.max_enq {
                        f.enqs += 1;
                        f.deadline = now + self.timers.ack_timeout;
                        self.out.push(ENQ);
                        self.stats.enqs_sent += 1;
                    }
                }
            }
        }
    }

    /// Sends the in-flight frame again, or gives it up after the last attempt.
    fn retransmit(&mut self, now: Instant) {
        let Some(f) = self.in_flight.as_mut() else {
            return;
        };
        if f.attempts < self.timers.max_attempts {
            f.attempts += 1;
            f.enqs = 0;
            f.deadline = now + self.timers.ack_timeout;
            self.out.extend_from_slice(&f.frame);
            self.stats.retransmits += 1;
        } else {
            let f = self.in_flight.take().expect("checked above");
            self.events.push_back(TransportEvent::Failed { tag: f.tag, silent: !f.heard_since_send });
            self.start_next(now);
        }
    }

    /// When [`handle_timeout`](Self::handle_timeout) next wants to be called.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let ack = self.in_flight.as_ref().map(|f| f.deadline);
        let half_frame = match (self.decoder.in_frame(), self.last_rx) {
            (true, Some(t)) => Some(t + self.timers.ack_timeout),
            _ => None,
        };
        match (ack, half_frame) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Runs the timers that are due at `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.decoder.in_frame() && self.last_rx.is_some_and(|t| now >= t + self.timers.ack_timeout) {
            // The line went quiet mid-frame: that frame will never complete.
            self.stats.noise_bytes += self.decoder.reset() as u64;
            self.last_answer = NAK;
        }
        let Some(f) = self.in_flight.as_mut() else {
            return;
        };
        if now < f.deadline {
            return;
        }
        self.stats.timeouts += 1;
        if f.enqs < self.timers.max_enq {
            f.enqs += 1;
            f.deadline = now + self.timers.ack_timeout;
            self.out.push(ENQ);
            self.stats.enqs_sent += 1;
        } else {
            self.retransmit(now);
        }
    }

    /// Bytes to write to the line, in order (frames are never split by an ACK/NAK).
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        (!self.out.is_empty()).then(|| std::mem::take(&mut self.out))
    }

    pub fn poll_event(&mut self) -> Option<TransportEvent<T>> {
        self.events.pop_front()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::{encode_frame, STX};

    fn t0() -> Instant {
        Instant::now()
    }
    const S: Duration = Duration::from_secs(1);

    fn events<T: Clone>(t: &mut Transport<T>) -> Vec<TransportEvent<T>> {
        std::iter::from_fn(|| t.poll_event()).collect()
    }

    #[test]
    fn ack_delivers_and_starts_the_next_frame() {
        let now = t0();
        let mut t = Transport::new(Timers::default());
        t.send(now, 1, b"RE|RN1|MLY|");
        t.send(now, 2, b"RE|RN2|MLY|");
        assert_eq!(t.poll_transmit().unwrap(), encode_frame(b"RE|RN1|MLY|"));
        t.handle_input(now, &[ACK]);
        assert_eq!(events(&mut t), vec![TransportEvent::Delivered(1)]);
        assert_eq!(t.poll_transmit().unwrap(), encode_frame(b"RE|RN2|MLY|"));
        t.handle_input(now, &[ACK]);
        assert_eq!(events(&mut t), vec![TransportEvent::Delivered(2)]);
        assert!(t.is_idle());
    }

    #[test]
    fn nak_retransmits_three_times_then_fails() {
        let now = t0();
        let mut t = Transport::new(Timers::default());
        let frame = encode_frame(b"RE|RN1|MLY|");
        t.send(now, 7, b"RE|RN1|MLY|");
        for _ in 0..3 {
            assert_eq!(t.poll_transmit().unwrap(), frame);
            t.handle_input(now, &[NAK]);
        }
        assert_eq!(t.poll_transmit().unwrap(), frame);
        t.handle_input(now, &[NAK]);
        assert_eq!(events(&mut t), vec![TransportEvent::Failed { tag: 7, silent: false }]);
        assert_eq!(t.stats().retransmits, 3);
        assert!(t.poll_transmit().is_none());
    }

    #[test]
    fn an_ack_answering_an_enq_sends_a_repeatable_frame_again_and_delivers_any_other() {
        let now = t0();
        for repeatable in [true, false] {
            let mut t = Transport::new(Timers::default());
            if repeatable {
                t.send_repeatable(now, 1, b"GI|RN101|");
            } else {
                t.send(now, 1, b"WR|RN101|");
            }
            let frame = t.poll_transmit().unwrap();
            let at = t.poll_timeout().unwrap();
            t.handle_timeout(at);
            assert_eq!(t.poll_transmit().unwrap(), vec![ENQ]);
            t.handle_input(at, &[ACK]);
            if repeatable {
                assert_eq!(t.poll_transmit().unwrap(), frame, "perhaps the ACK of the frame before: again");
                assert!(events(&mut t).is_empty());
                assert_eq!(t.stats().unsure_acks, 1);
                t.handle_input(at, &[ACK]);
            }
            assert_eq!(events(&mut t), vec![TransportEvent::Delivered(1)], "repeatable: {repeatable}");
        }
    }

    #[test]
    fn silence_brings_three_enqs_then_a_retransmit() {
        let now = t0();
        let mut t = Transport::new(Timers::default());
        t.send(now, 1, b"LS|");
        let frame = t.poll_transmit().unwrap();
        let mut at = now;
        for _ in 0..3 {
            at = t.poll_timeout().unwrap();
            assert_eq!(at, now + (at - now)); // deadlines move forward
            t.handle_timeout(at);
            assert_eq!(t.poll_transmit().unwrap(), vec![ENQ]);
        }
        t.handle_timeout(t.poll_timeout().unwrap());
        assert_eq!(t.poll_transmit().unwrap(), frame);
        assert!(t.poll_timeout().unwrap() >= at + 3 * S);
        // The peer answers the repeated ENQ with its last answer: ACK.
        t.handle_input(at, &[ACK]);
        assert_eq!(events(&mut t), vec![TransportEvent::Delivered(1)]);
    }

    #[test]
    fn a_dead_line_fails_silently_after_every_attempt() {
        let now = t0();
        let mut t = Transport::new(Timers::default());
        t.send(now, 1, b"LS|");
        let mut n = 0;
        while let Some(at) = t.poll_timeout() {
            t.handle_timeout(at);
            n += 1;
            assert!(n < 100);
        }
        assert_eq!(events(&mut t), vec![TransportEvent::Failed { tag: 1, silent: true }]);
        // 4 attempts x (1 wait + 3 ENQ waits)
        assert_eq!(n, 16);
    }

    #[test]
    fn receiver_acks_good_frames_naks_bad_ones_and_repeats_on_enq() {
        let now = t0();
        let mut t: Transport<u8> = Transport::new(Timers::default());
        t.handle_input(now, &[ENQ]);
        assert_eq!(t.poll_transmit().unwrap(), vec![NAK], "ENQ at start-up gets NAK");
        t.handle_input(now, &encode_frame(b"LS|DA161117|TI102926|"));
        assert_eq!(t.poll_transmit().unwrap(), vec![ACK]);
        t.handle_input(now, &[ENQ]);
        assert_eq!(t.poll_transmit().unwrap(), vec![ACK], "ENQ repeats the last answer");
        let mut bad = encode_frame(b"LS|DA161117|TI103116|");
        *bad.last_mut().unwrap() = b'f';
        t.handle_input(now, &bad);
        assert_eq!(t.poll_transmit().unwrap(), vec![NAK]);
        assert_eq!(events(&mut t), vec![TransportEvent::Received(b"LS|DA161117|TI102926|".to_vec())]);
        assert_eq!(t.stats().bad_lrc, 1);
    }

    #[test]
    fn noise_resets_last_answer_and_prompts_an_enq() {
        let now = t0();
        let mut t = Transport::new(Timers::default());
        t.handle_input(now, &encode_frame(b"LA|"));
        t.poll_transmit();
        t.send(now, 1, b"RE|RN1|MLY|");
        t.poll_transmit();
        t.handle_input(now, b"~~");
        assert_eq!(t.poll_transmit().unwrap(), vec![ENQ]);
        t.handle_input(now, &[ENQ]);
        assert_eq!(t.poll_transmit().unwrap(), vec![NAK]);
        assert_eq!(t.stats().noise_bytes, 2);
    }

    #[test]
    fn stray_answers_are_counted() {
        let now = t0();
        let mut t: Transport<u8> = Transport::new(Timers::default());
        t.handle_input(now, &[ACK, NAK]);
        assert_eq!(t.stats().stray_answers, 2);
        assert!(events(&mut t).is_empty());
    }

    #[test]
    fn over_tcp_frames_go_out_at_once_unanswered_and_count_as_delivered() {
        let now = t0();
        let mut t = Transport::with_framing(Timers::default(), Framing::Tcp);
        t.send(now, 1, b"RE|RN1|MLY|");
        t.send(now, 2, b"RE|RN2|MLY|");
        assert_eq!(t.poll_transmit().unwrap(), b"\x02RE|RN1|MLY|\x03\x02RE|RN2|MLY|\x03".to_vec());
        assert!(t.is_idle());
        assert_eq!(t.poll_timeout(), None, "no ACK timer over TCP");
        t.handle_input(now, b"\x02LA|\x03");
        assert_eq!(t.poll_transmit(), None, "nothing answers a frame over TCP");
        assert_eq!(
            events(&mut t),
            vec![TransportEvent::Delivered(1), TransportEvent::Delivered(2), TransportEvent::Received(b"LA|".to_vec())]
        );
    }

    #[test]
    fn a_half_frame_is_dropped_when_the_line_goes_quiet() {
        let now = t0();
        let mut t: Transport<u8> = Transport::new(Timers::default());
        t.handle_input(now, &[STX, b'R', b'E']);
        let at = t.poll_timeout().unwrap();
        assert_eq!(at, now + 3 * S);
        t.handle_timeout(at);
        assert!(t.poll_timeout().is_none());
        t.handle_input(at, &encode_frame(b"LA|"));
        assert_eq!(events(&mut t), vec![TransportEvent::Received(b"LA|".to_vec())]);
    }
}
