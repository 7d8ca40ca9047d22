//! The NEAX exchange [NDA-30115 p.7-8, 16], the same on both ends of the cable: the sender bids
//! with `1!ENQ`; the receiver answers ACK (or NAK, or `DLE ?`); the sender sends one message; the
//! receiver answers ACK (good) or NAK (bad BCC or count); the sender ends with EOT. When both bid
//! at once the PMS yields. A refused bid is tried again 3 times, an unanswered one 15 times, a
//! refused message 3 times, an unanswered one 32 times ([`Retries`]); answers are awaited 3 s, a
//! message after an accepted bid 25 s, and 0.5 s pass between messages ([`Timers`]). No I/O:
//! bytes and instants in; bytes, events and the next deadline out.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crate::frame::{Decoder, Frame, FrameError, Token, ACK, BID, EOT, NAK};

/// Which end this is: on contention the PMS yields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Pms,
    Pbx,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timers {
    /// Waiting for ACK / NAK after a bid or a message (3 s).
    pub answer: Duration,
    /// Waiting for the message after accepting a bid (25 s).
    pub text: Duration,
    /// The quiet time between two messages (0.5 s).
    pub gap: Duration,
}

impl Default for Timers {
    fn default() -> Self {
        Timers { answer: Duration::from_secs(3), text: Duration::from_secs(25), gap: Duration::from_millis(500) }
    }
}

/// Tries after the first (the NEAX's own counts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retries {
    pub bid_refused: u8,
    pub bid_unanswered: u8,
    pub message_refused: u8,
    pub message_unanswered: u8,
}

impl Default for Retries {
    fn default() -> Self {
        Retries { bid_refused: 3, bid_unanswered: 15, message_refused: 3, message_unanswered: 32 }
    }
}

/// What the exchange tells its owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExchangeEvent<T> {
    /// A message arrived intact (and was ACKed).
    Received(Frame),
    /// A message arrived broken and was NAKed (the peer sends it again).
    Garbled(FrameError),
    /// The peer took our message.
    Delivered(T),
    /// Our message's tries are used up; `why` says which count ran out.
    Failed { tag: T, why: Failure },
    /// A `DLE x` this engine does not act on (logged by the owner as not acted on).
    Dle(u8),
    /// Bytes that meant nothing (line noise), dropped.
    Noise(usize),
}

/// Which count of tries ran out. Only [`Failure::Refused`] says the PBX is there (it answered,
/// and would not take the message); the others mean it did not answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Failure {
    #[error("no answer to the bid")]
    BidUnanswered,
    #[error("no answer to the message")]
    Unanswered,
    #[error("the bid was refused")]
    BidRefused,
    #[error("the message was refused")]
    Refused,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Free; a queued message is bid for once `quiet_until` has passed.
    Idle,
    /// Our bid is out since then.
    Bidding(Instant),
    /// Our message is out since then.
    Sending(Instant),
    /// We accepted the peer's bid (or message) then; its message or EOT is awaited.
    Receiving(Instant),
}

#[derive(Debug, Default, Clone, Copy)]
struct Tries {
    bid_refused: u8,
    bid_unanswered: u8,
    message_refused: u8,
    message_unanswered: u8,
}

/// Counters for the owner's status line and tests.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    pub sent: u64,
    pub received: u64,
    pub naks_received: u64,
    pub naks_sent: u64,
    pub timeouts: u64,
    pub yielded: u64,
}

#[derive(Debug)]
pub struct Exchange<T> {
    side: Side,
    timers: Timers,
    retries: Retries,
    state: State,
    queue: VecDeque<(T, Vec<u8>)>,
    tries: Tries,
    quiet_until: Option<Instant>,
    decoder: Decoder,
    out: VecDeque<Vec<u8>>,
    events: VecDeque<ExchangeEvent<T>>,
    stats: Stats,
}

impl<T: Clone> Exchange<T> {
    pub fn new(side: Side, timers: Timers, retries: Retries) -> Self {
        Exchange {
            side,
            timers,
            retries,
            state: State::Idle,
            queue: VecDeque::new(),
            tries: Tries::default(),
            quiet_until: None,
            decoder: Decoder::new(),
            out: VecDeque::new(),
            events: VecDeque::new(),
            stats: Stats::default(),
        }
    }

    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// Nothing queued and no exchange under way.
    pub fn is_idle(&self) -> bool {
        self.queue.is_empty() && self.state == State::Idle
    }

    /// Queues `frame` (tagged for the owner's bookkeeping); refused here if it cannot be framed.
    pub fn send(&mut self, now: Instant, tag: T, frame: &Frame) -> Result<(), FrameError> {
        self.queue.push_back((tag, frame.encode()?));
        self.bid_if_free(now);
        Ok(())
    }

    /// Drops every queued message (the link went down); their tags, oldest first.
    pub fn abort_all(&mut self) -> Vec<T> {
        self.state = State::Idle;
        self.tries = Tries::default();
        self.decoder.reset();
        self.queue.drain(..).map(|(t, _)| t).collect()
    }

    /// Drops the queued messages whose tag `drop` picks, but not one on the wire now; how many.
    pub fn cancel(&mut self, drop: impl Fn(&T) -> bool) -> usize {
        let busy = matches!(self.state, State::Bidding(_) | State::Sending(_));
        let before = self.queue.len();
        let mut i = 0;
        self.queue.retain(|(t, _)| {
            let keep = (busy && i == 0) || !drop(t);
            i += 1;
            keep
        });
        before - self.queue.len()
    }

    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        self.out.pop_front()
    }

    pub fn poll_event(&mut self) -> Option<ExchangeEvent<T>> {
        self.events.pop_front()
    }

    /// When [`Exchange::handle_timeout`] should run next.
    pub fn poll_timeout(&self) -> Option<Instant> {
        match self.state {
            State::Bidding(t) | State::Sending(t) => Some(t + self.timers.answer),
            State::Receiving(t) => Some(t + self.timers.text),
            State::Idle if !self.queue.is_empty() => self.quiet_until,
            State::Idle => None,
        }
    }

    pub fn handle_timeout(&mut self, now: Instant) {
        match self.state {
            State::Bidding(t) if now >= t + self.timers.answer => {
                self.stats.timeouts += 1;
                self.tries.bid_unanswered += 1;
                if self.tries.bid_unanswered > self.retries.bid_unanswered {
                    self.fail(now, Failure::BidUnanswered, false);
                } else {
                    self.bid(now);
                }
            }
            State::Sending(t) if now >= t + self.timers.answer => {
                self.stats.timeouts += 1;
                self.tries.message_unanswered += 1;
                if self.tries.message_unanswered > self.retries.message_unanswered {
                    self.fail(now, Failure::Unanswered, true);
                } else {
                    self.transmit_front(now);
                }
            }
            State::Receiving(t) if now >= t + self.timers.text => {
                // The peer went quiet mid-exchange: the line is free again.
                if let Some(Token::Noise(b)) = self.decoder.reset() {
                    self.events.push_back(ExchangeEvent::Noise(b.len()));
                }
                self.free(now);
            }
            _ => self.bid_if_free(now),
        }
    }

    pub fn handle_input(&mut self, now: Instant, bytes: &[u8]) {
        let mut tokens = Vec::new();
        self.decoder.push(bytes, &mut tokens);
        for token in tokens {
            self.token(now, token);
        }
        self.bid_if_free(now);
    }

    fn token(&mut self, now: Instant, token: Token) {
        match (token, self.state) {
            (Token::Bid, State::Bidding(_)) if self.side == Side::Pbx => {
                // Both bid: the PMS yields, so the PBX waits for its ACK.
            }
            (Token::Bid, State::Sending(_)) => {}
            (Token::Bid, State::Bidding(_)) => {
                // Both bid: this end is the PMS and yields; its message is bid for afterwards.
                self.stats.yielded += 1;
                self.tries = Tries::default();
                self.accept(now);
            }
            (Token::Bid, _) => self.accept(now),
            (Token::Ack, State::Bidding(_)) => {
                self.tries.bid_refused = 0;
                self.tries.bid_unanswered = 0;
                self.transmit_front(now);
            }
            (Token::Ack, State::Sending(_)) => {
                if let Some((tag, _)) = self.queue.pop_front() {
                    self.stats.sent += 1;
                    self.events.push_back(ExchangeEvent::Delivered(tag));
                }
                self.tries = Tries::default();
                self.out.push_back(vec![EOT]);
                self.free(now);
            }
            (Token::Nak | Token::CannotReceive, State::Bidding(_)) => {
                self.stats.naks_received += 1;
                self.tries.bid_refused += 1;
                if self.tries.bid_refused > self.retries.bid_refused {
                    self.fail(now, Failure::BidRefused, false);
                } else {
                    // Bid again after the quiet time.
                    self.free(now);
                }
            }
            (Token::Nak, State::Sending(_)) => {
                self.stats.naks_received += 1;
                self.tries.message_refused += 1;
                if self.tries.message_refused > self.retries.message_refused {
                    self.fail(now, Failure::Refused, true);
                } else {
                    self.transmit_front(now);
                }
            }
            (Token::Eot, State::Receiving(_)) => self.free(now),
            (Token::Frame(Ok(frame)), state) => {
                self.out.push_back(vec![ACK]);
                self.stats.received += 1;
                self.events.push_back(ExchangeEvent::Received(frame));
                if matches!(state, State::Idle | State::Receiving(_)) {
                    self.state = State::Receiving(now);
                }
            }
            (Token::Frame(Err(e)), state) => {
                self.out.push_back(vec![NAK]);
                self.stats.naks_sent += 1;
                self.events.push_back(ExchangeEvent::Garbled(e));
                if let State::Receiving(_) = state {
                    self.state = State::Receiving(now);
                }
            }
            (Token::Dle(b), _) => self.events.push_back(ExchangeEvent::Dle(b)),
            (Token::Noise(b), _) => self.events.push_back(ExchangeEvent::Noise(b.len())),
            // A stray answer or EOT, or the peer asking for the right to send (it bids next):
            // nothing to do.
            (Token::Ack | Token::Nak | Token::Eot | Token::CannotReceive | Token::WantsToSend, _) => {}
        }
    }

    fn accept(&mut self, now: Instant) {
        self.out.push_back(vec![ACK]);
        self.state = State::Receiving(now);
    }

    fn bid(&mut self, now: Instant) {
        self.out.push_back(BID.to_vec());
        self.state = State::Bidding(now);
    }

    fn transmit_front(&mut self, now: Instant) {
        if let Some((_, bytes)) = self.queue.front() {
            self.out.push_back(bytes.clone());
            self.state = State::Sending(now);
        } else {
            self.free(now);
        }
    }

    /// The exchange is over: the line is free after the quiet time.
    fn free(&mut self, now: Instant) {
        self.state = State::Idle;
        self.quiet_until = Some(now + self.timers.gap);
    }

    fn fail(&mut self, now: Instant, why: Failure, end: bool) {
        if end {
            self.out.push_back(vec![EOT]);
        }
        if let Some((tag, _)) = self.queue.pop_front() {
            self.events.push_back(ExchangeEvent::Failed { tag, why });
        }
        self.tries = Tries::default();
        self.free(now);
    }

    fn bid_if_free(&mut self, now: Instant) {
        if self.state == State::Idle && !self.queue.is_empty() && self.quiet_until.is_none_or(|q| now >= q) {
            self.bid(now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::ENQ;

    fn lamp() -> Frame {
        Frame::new(*b"13", b'1', *b"2129  ")
    }

    fn pms() -> Exchange<u32> {
        Exchange::new(Side::Pms, Timers::default(), Retries::default())
    }

    fn drain(x: &mut Exchange<u32>) -> Vec<Vec<u8>> {
        std::iter::from_fn(|| x.poll_transmit()).collect()
    }

    fn events(x: &mut Exchange<u32>) -> Vec<ExchangeEvent<u32>> {
        std::iter::from_fn(|| x.poll_event()).collect()
    }

    #[test]
    fn bid_ack_message_ack_eot() {
        let t0 = Instant::now();
        let mut x = pms();
        x.send(t0, 7, &lamp()).unwrap();
        assert_eq!(drain(&mut x), vec![b"1!\x05".to_vec()]);
        x.handle_input(t0, &[ACK]);
        assert_eq!(drain(&mut x), vec![lamp().encode().unwrap()]);
        x.handle_input(t0, &[ACK]);
        assert_eq!(drain(&mut x), vec![vec![EOT]]);
        assert_eq!(events(&mut x), vec![ExchangeEvent::Delivered(7)]);
        assert!(x.is_idle());
    }

    #[test]
    fn the_next_message_waits_half_a_second_after_the_last() {
        let t0 = Instant::now();
        let mut x = pms();
        x.send(t0, 1, &lamp()).unwrap();
        x.send(t0, 2, &lamp()).unwrap();
        x.handle_input(t0, &[ACK]);
        x.handle_input(t0, &[ACK]);
        drain(&mut x);
        assert_eq!(x.poll_timeout(), Some(t0 + Duration::from_millis(500)));
        x.handle_timeout(t0 + Duration::from_millis(499));
        assert!(drain(&mut x).is_empty());
        x.handle_timeout(t0 + Duration::from_millis(500));
        assert_eq!(drain(&mut x), vec![BID.to_vec()]);
    }

    #[test]
    fn a_refused_message_is_sent_again_three_times_then_fails() {
        let t0 = Instant::now();
        let mut x = pms();
        x.send(t0, 9, &lamp()).unwrap();
        drain(&mut x);
        x.handle_input(t0, &[ACK]);
        let mut frames = drain(&mut x).len();
        for _ in 0..4 {
            x.handle_input(t0, &[NAK]);
            frames += drain(&mut x).iter().filter(|b| b[0] == crate::frame::STX).count();
        }
        assert_eq!(frames, 4, "the first send and 3 more");
        assert_eq!(events(&mut x), vec![ExchangeEvent::Failed { tag: 9, why: Failure::Refused }]);
    }

    #[test]
    fn an_unanswered_bid_is_repeated_fifteen_times_every_three_seconds_then_fails() {
        let t0 = Instant::now();
        let mut x = pms();
        x.send(t0, 3, &lamp()).unwrap();
        let mut bids = drain(&mut x).len();
        let mut now = t0;
        while let Some(t) = x.poll_timeout() {
            if !events(&mut x).is_empty() || now > t0 + Duration::from_secs(100) {
                break;
            }
            assert_eq!(t, now + Duration::from_secs(3));
            now = t;
            x.handle_timeout(now);
            let out = drain(&mut x);
            if out.is_empty() {
                break;
            }
            bids += out.len();
        }
        assert_eq!(bids, 16, "the first bid and 15 more");
    }

    #[test]
    fn an_unanswered_message_is_repeated_thirty_two_times() {
        let t0 = Instant::now();
        let mut x = pms();
        x.send(t0, 3, &lamp()).unwrap();
        x.handle_input(t0, &[ACK]);
        drain(&mut x);
        let mut now = t0;
        let mut resent = 0;
        for _ in 0..40 {
            now += Duration::from_secs(3);
            x.handle_timeout(now);
            resent += drain(&mut x).iter().filter(|b| b[0] == crate::frame::STX).count();
        }
        assert_eq!(resent, 32);
        assert_eq!(events(&mut x), vec![ExchangeEvent::Failed { tag: 3, why: Failure::Unanswered }]);
    }

    #[test]
    fn receiving_acks_good_messages_naks_bad_ones_and_frees_the_line_at_eot() {
        let t0 = Instant::now();
        let mut x = pms();
        x.handle_input(t0, &BID);
        assert_eq!(drain(&mut x), vec![vec![ACK]]);
        let mut bad = lamp().encode().unwrap();
        *bad.last_mut().unwrap() ^= 0x20;
        x.handle_input(t0, &bad);
        assert_eq!(drain(&mut x), vec![vec![NAK]]);
        x.handle_input(t0, &lamp().encode().unwrap());
        assert_eq!(drain(&mut x), vec![vec![ACK]]);
        let ev = events(&mut x);
        assert!(matches!(ev[0], ExchangeEvent::Garbled(FrameError::Bcc { .. })));
        assert_eq!(ev[1], ExchangeEvent::Received(lamp()));
        // Our own message waits for the EOT and the quiet time after it.
        x.send(t0, 1, &lamp()).unwrap();
        assert!(drain(&mut x).is_empty());
        x.handle_input(t0, &[EOT]);
        x.handle_timeout(t0 + Duration::from_millis(500));
        assert_eq!(drain(&mut x), vec![BID.to_vec()]);
    }

    #[test]
    fn a_peer_silent_after_its_bid_frees_the_line_after_25_seconds() {
        let t0 = Instant::now();
        let mut x = pms();
        x.handle_input(t0, &[b'1', b'!', ENQ, crate::frame::STX, b'1', b'!']);
        drain(&mut x);
        assert_eq!(x.poll_timeout(), Some(t0 + Duration::from_secs(25)));
        x.handle_timeout(t0 + Duration::from_secs(25));
        assert_eq!(events(&mut x), vec![ExchangeEvent::Noise(2)]);
        assert!(x.is_idle());
    }

    #[test]
    fn on_contention_the_pms_yields_and_the_pbx_does_not() {
        let t0 = Instant::now();
        let mut p = pms();
        p.send(t0, 1, &lamp()).unwrap();
        drain(&mut p);
        p.handle_input(t0, &BID);
        assert_eq!(drain(&mut p), vec![vec![ACK]], "the PMS accepts the PBX's bid");
        assert_eq!(p.stats().yielded, 1);

        let mut x: Exchange<u32> = Exchange::new(Side::Pbx, Timers::default(), Retries::default());
        x.send(t0, 1, &lamp()).unwrap();
        drain(&mut x);
        x.handle_input(t0, &BID);
        assert!(drain(&mut x).is_empty(), "the PBX waits for the PMS to yield");
    }

    /// Both ends, wired together, each with a message to send at the same instant: both arrive,
    /// the PBX's first.
    #[test]
    fn two_ends_wired_together_both_deliver() {
        let t0 = Instant::now();
        let mut p = pms();
        let mut x: Exchange<u32> = Exchange::new(Side::Pbx, Timers::default(), Retries::default());
        let from_pbx = Frame::new(*b"19", b'3', *b"2129  06301");
        p.send(t0, 1, &lamp()).unwrap();
        x.send(t0, 2, &from_pbx).unwrap();
        let mut now = t0;
        let (mut at_pms, mut at_pbx) = (Vec::new(), Vec::new());
        for _ in 0..100 {
            let a: Vec<u8> = std::iter::from_fn(|| p.poll_transmit()).flatten().collect();
            let b: Vec<u8> = std::iter::from_fn(|| x.poll_transmit()).flatten().collect();
            x.handle_input(now, &a);
            p.handle_input(now, &b);
            at_pms.extend(std::iter::from_fn(|| p.poll_event()));
            at_pbx.extend(std::iter::from_fn(|| x.poll_event()));
            if p.is_idle() && x.is_idle() && a.is_empty() && b.is_empty() {
                break;
            }
            if a.is_empty() && b.is_empty() {
                now = [p.poll_timeout(), x.poll_timeout()].into_iter().flatten().min().unwrap_or(now);
                p.handle_timeout(now);
                x.handle_timeout(now);
            }
        }
        assert_eq!(at_pms, vec![ExchangeEvent::Received(from_pbx), ExchangeEvent::Delivered(1)]);
        assert_eq!(at_pbx, vec![ExchangeEvent::Delivered(2), ExchangeEvent::Received(lamp())]);
    }
}
