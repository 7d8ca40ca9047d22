//! The Mitel link's exchange, the same on both ends: the sender sends ENQ; the receiver answers
//! ACK (or NAK: not now); the sender sends `STX text ETX`; the receiver answers ACK or NAK
//! within 3 s. After a NAK (or no answer) the sender resends the text up to 3 more times without a
//! new ENQ, then drops it. An unanswered ENQ is repeated every 5 s (as a tester does) up to
//! [`Timers::enq_tries`] times. No checksum: a text with a byte outside printable ASCII is NAKed.
//! When both send ENQ at once the PMS yields (the notes say nothing; the NEAX rule, assumed).
//! With nothing to send for [`Timers::keepalive`], `AREYUTHERE` goes out.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crate::record::KEEPALIVE;

pub const STX: u8 = 0x02;
pub const ETX: u8 = 0x03;
pub const ENQ: u8 = 0x05;
pub const ACK: u8 = 0x06;
pub const NAK: u8 = 0x15;

/// The longest text accepted between STX and ETX (the longest record seen is 31).
pub const MAX_TEXT: usize = 80;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Pms,
    Pbx,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timers {
    /// Waiting for the answer to a text (3 s).
    pub answer: Duration,
    /// Waiting for the answer to an ENQ before sending it again (5 s).
    pub enq_every: Duration,
    /// ENQs sent for one text before it is dropped.
    pub enq_tries: u8,
    /// Texts sent in all for one record: the first and 3 more after NAKs.
    pub text_tries: u8,
    /// A text must follow an accepted ENQ within this, or the line is free again.
    pub text_within: Duration,
    /// With nothing sent or received for this long, a keep-alive; `None`: never.
    pub keepalive: Option<Duration>,
}

impl Default for Timers {
    fn default() -> Self {
        Timers {
            answer: Duration::from_secs(3),
            enq_every: Duration::from_secs(5),
            enq_tries: 6,
            text_tries: 4,
            text_within: Duration::from_secs(3),
            keepalive: Some(Duration::from_secs(60)),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExchangeEvent<T> {
    /// A text arrived (and was ACKed): what was between STX and ETX.
    Received(String),
    /// A text arrived with bytes the link does not carry, and was NAKed.
    Garbled(Vec<u8>),
    Delivered(T),
    /// The record's tries are used up.
    Failed {
        tag: T,
        why: Failure,
    },
    /// Bytes outside any exchange, dropped.
    Noise(usize),
}

/// Which count of tries ran out. Only [`Failure::Refused`] says the PBX is there (it answered,
/// and would not take the text); the others mean it did not answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Failure {
    #[error("no answer to ENQ")]
    EnqUnanswered,
    #[error("no answer to the text")]
    Unanswered,
    #[error("the text was refused")]
    Refused,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Idle,
    Enquiring(Instant),
    Sending(Instant),
    /// We ACKed the peer's ENQ then; its text is awaited.
    Receiving(Instant),
}

/// `Some(tag)`: a record of the owner's; `None`: our keep-alive.
type Queued<T> = (Option<T>, Vec<u8>);

#[derive(Debug)]
pub struct Exchange<T> {
    side: Side,
    timers: Timers,
    state: State,
    queue: VecDeque<Queued<T>>,
    enqs: u8,
    texts: u8,
    /// Bytes of a text being read (after STX), or `None` between texts.
    text: Option<Vec<u8>>,
    last_traffic: Option<Instant>,
    out: VecDeque<Vec<u8>>,
    events: VecDeque<ExchangeEvent<T>>,
}

impl<T: Clone> Exchange<T> {
    pub fn new(side: Side, timers: Timers) -> Self {
        Exchange {
            side,
            timers,
            state: State::Idle,
            queue: VecDeque::new(),
            enqs: 0,
            texts: 0,
            text: None,
            last_traffic: None,
            out: VecDeque::new(),
            events: VecDeque::new(),
        }
    }

    pub fn is_idle(&self) -> bool {
        self.queue.is_empty() && self.state == State::Idle
    }

    /// Queues a record's text (as [`crate::Record::to_text`] wrote it).
    pub fn send(&mut self, now: Instant, tag: T, text: &str) {
        self.queue.push_back((Some(tag), framed(text)));
        self.start(now);
    }

    /// Drops everything queued (the link went down); the owner's tags, oldest first.
    pub fn abort_all(&mut self) -> Vec<T> {
        self.state = State::Idle;
        self.text = None;
        self.queue.drain(..).filter_map(|(t, _)| t).collect()
    }

    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        self.out.pop_front()
    }

    pub fn poll_event(&mut self) -> Option<ExchangeEvent<T>> {
        self.events.pop_front()
    }

    pub fn poll_timeout(&self) -> Option<Instant> {
        match self.state {
            State::Enquiring(t) => Some(t + self.timers.enq_every),
            State::Sending(t) => Some(t + self.timers.answer),
            State::Receiving(t) => Some(t + self.timers.text_within),
            State::Idle => self.timers.keepalive.zip(self.last_traffic).map(|(k, t)| t + k),
        }
    }

    pub fn handle_timeout(&mut self, now: Instant) {
        match self.state {
            State::Enquiring(t) if now >= t + self.timers.enq_every => {
                if self.enqs >= self.timers.enq_tries {
                    self.fail(now, Failure::EnqUnanswered);
                } else {
                    self.enquire(now);
                }
            }
            State::Sending(t) if now >= t + self.timers.answer => self.resend(now, Failure::Unanswered),
            State::Receiving(t) if now >= t + self.timers.text_within => {
                if let Some(b) = self.text.take() {
                    self.events.push_back(ExchangeEvent::Noise(b.len()));
                }
                self.state = State::Idle;
                self.start(now);
            }
            State::Idle => {
                let due = self.timers.keepalive.zip(self.last_traffic).is_some_and(|(k, t)| now >= t + k);
                if due && self.queue.is_empty() {
                    self.queue.push_back((None, framed(KEEPALIVE)));
                    self.start(now);
                }
            }
            _ => {}
        }
    }

    pub fn handle_input(&mut self, now: Instant, bytes: &[u8]) {
        self.last_traffic = Some(now);
        let mut noise = 0;
        for &b in bytes {
            if let Some(text) = self.text.as_mut() {
                match b {
                    ETX => {
                        let text = self.text.take().unwrap_or_default();
                        self.text_read(now, text);
                    }
                    STX => {
                        noise += text.len();
                        text.clear();
                    }
                    // A control character is never text: the text was cut off, and this byte
                    // is read as what it is (below).
                    ENQ | ACK | NAK => {
                        noise += text.len();
                        self.text = None;
                    }
                    _ if text.len() >= MAX_TEXT => {
                        noise += text.len() + 1;
                        self.text = None;
                    }
                    _ => text.push(b),
                }
                if self.text.is_some() || ![ENQ, ACK, NAK].contains(&b) {
                    continue;
                }
            }
            match (b, self.state) {
                (STX, _) => self.text = Some(Vec::new()),
                (ENQ, State::Enquiring(_)) if self.side == Side::Pbx => {}
                (ENQ, State::Sending(_)) => {}
                (ENQ, _) => {
                    // The peer wants to send (if we were enquiring too, this end is the PMS and
                    // yields: its record is sent after).
                    self.enqs = 0;
                    self.out.push_back(vec![ACK]);
                    self.state = State::Receiving(now);
                }
                (ACK, State::Enquiring(_)) => self.transmit_front(now),
                (ACK, State::Sending(_)) => {
                    if let Some((Some(tag), _)) = self.queue.pop_front() {
                        self.events.push_back(ExchangeEvent::Delivered(tag));
                    }
                    self.enqs = 0;
                    self.texts = 0;
                    self.state = State::Idle;
                }
                (NAK, State::Enquiring(_)) => {} // not now: the ENQ is repeated on its timer
                (NAK, State::Sending(_)) => self.resend(now, Failure::Refused),
                (ACK | NAK, _) => {}
                _ => noise += 1,
            }
        }
        if noise > 0 {
            self.events.push_back(ExchangeEvent::Noise(noise));
        }
        self.start(now);
    }

    fn text_read(&mut self, now: Instant, text: Vec<u8>) {
        if text.iter().all(|b| (0x20..0x7f).contains(b)) {
            self.out.push_back(vec![ACK]);
            self.events.push_back(ExchangeEvent::Received(String::from_utf8_lossy(&text).into_owned()));
            if let State::Receiving(_) = self.state {
                self.state = State::Idle;
            }
        } else {
            self.out.push_back(vec![NAK]);
            self.events.push_back(ExchangeEvent::Garbled(text));
            if let State::Receiving(_) = self.state {
                self.state = State::Receiving(now);
            }
        }
    }

    fn start(&mut self, now: Instant) {
        if self.state == State::Idle && !self.queue.is_empty() {
            self.enqs = 0;
            self.texts = 0;
            self.enquire(now);
        }
    }

    fn enquire(&mut self, now: Instant) {
        self.enqs += 1;
        self.out.push_back(vec![ENQ]);
        self.state = State::Enquiring(now);
        self.last_traffic = Some(now);
    }

    fn transmit_front(&mut self, now: Instant) {
        if let Some((_, bytes)) = self.queue.front() {
            self.texts += 1;
            self.out.push_back(bytes.clone());
            self.state = State::Sending(now);
            self.last_traffic = Some(now);
        } else {
            self.state = State::Idle;
        }
    }

    fn resend(&mut self, now: Instant, why: Failure) {
        if self.texts >= self.timers.text_tries {
            self.fail(now, why);
        } else {
            self.transmit_front(now);
        }
    }

    fn fail(&mut self, now: Instant, why: Failure) {
        if let Some((Some(tag), _)) = self.queue.pop_front() {
            self.events.push_back(ExchangeEvent::Failed { tag, why });
        }
        self.state = State::Idle;
        self.start(now);
    }
}

fn framed(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() + 2);
    out.push(STX);
    out.extend(text.bytes());
    out.push(ETX);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timers() -> Timers {
        Timers { keepalive: None, ..Timers::default() }
    }

    fn drain<T: Clone>(x: &mut Exchange<T>) -> Vec<Vec<u8>> {
        std::iter::from_fn(|| x.poll_transmit()).collect()
    }

    fn events<T: Clone>(x: &mut Exchange<T>) -> Vec<ExchangeEvent<T>> {
        std::iter::from_fn(|| x.poll_event()).collect()
    }

    #[test]
    fn enq_ack_text_ack() {
        let t0 = Instant::now();
        let mut x = Exchange::new(Side::Pms, timers());
        x.send(t0, 1, "CHK1   100");
        assert_eq!(drain(&mut x), vec![vec![ENQ]]);
        x.handle_input(t0, &[ACK]);
        assert_eq!(drain(&mut x), vec![b"\x02CHK1   100\x03".to_vec()]);
        x.handle_input(t0, &[ACK]);
        assert!(drain(&mut x).is_empty(), "no end-of-exchange byte on this link");
        assert_eq!(events(&mut x), vec![ExchangeEvent::Delivered(1)]);
        assert!(x.is_idle());
    }

    #[test]
    fn a_refused_text_is_resent_three_more_times_without_a_new_enq_then_dropped() {
        let t0 = Instant::now();
        let mut x = Exchange::new(Side::Pms, timers());
        x.send(t0, 1, "MW 1  2129");
        assert_eq!(drain(&mut x), vec![vec![ENQ]]);
        x.handle_input(t0, &[ACK]);
        let mut texts = 0;
        for _ in 0..5 {
            let out = drain(&mut x);
            assert!(!out.contains(&vec![ENQ]));
            texts += out.len();
            x.handle_input(t0, &[NAK]);
        }
        assert_eq!(texts, 4);
        assert_eq!(events(&mut x), vec![ExchangeEvent::Failed { tag: 1, why: Failure::Refused }]);
    }

    #[test]
    fn an_unanswered_enq_is_repeated_every_five_seconds() {
        let t0 = Instant::now();
        let mut x = Exchange::new(Side::Pms, timers());
        x.send(t0, 1, "DND1   101");
        drain(&mut x);
        assert_eq!(x.poll_timeout(), Some(t0 + Duration::from_secs(5)));
        x.handle_timeout(t0 + Duration::from_secs(5));
        assert_eq!(drain(&mut x), vec![vec![ENQ]]);
        // Answered at last: the text goes.
        x.handle_input(t0 + Duration::from_secs(6), &[ACK]);
        assert_eq!(drain(&mut x), vec![b"\x02DND1   101\x03".to_vec()]);
    }

    #[test]
    fn receiving_acks_a_text_and_naks_one_with_bytes_the_link_does_not_carry() {
        let t0 = Instant::now();
        let mut x: Exchange<u8> = Exchange::new(Side::Pms, timers());
        x.handle_input(t0, &[ENQ]);
        assert_eq!(drain(&mut x), vec![vec![ACK]]);
        x.handle_input(t0, b"\x02STS\xff   101\x03");
        assert_eq!(drain(&mut x), vec![vec![NAK]]);
        x.handle_input(t0, b"\x02STS2   101\x03");
        assert_eq!(drain(&mut x), vec![vec![ACK]]);
        let ev = events(&mut x);
        assert!(matches!(ev[0], ExchangeEvent::Garbled(_)));
        assert_eq!(ev[1], ExchangeEvent::Received("STS2   101".into()));
    }

    #[test]
    fn on_contention_the_pms_yields() {
        let t0 = Instant::now();
        let mut p = Exchange::new(Side::Pms, timers());
        p.send(t0, 1, "CHK1   100");
        drain(&mut p);
        p.handle_input(t0, &[ENQ]);
        assert_eq!(drain(&mut p), vec![vec![ACK]]);
        p.handle_input(t0, b"\x02STS2   101\x03");
        // After the peer's text, our record is sent (a new ENQ).
        assert_eq!(drain(&mut p), vec![vec![ACK], vec![ENQ]]);

        let mut x = Exchange::new(Side::Pbx, timers());
        x.send(t0, 1, "STS2   101");
        drain(&mut x);
        x.handle_input(t0, &[ENQ]);
        assert!(drain(&mut x).is_empty());
    }

    #[test]
    fn a_quiet_link_sends_a_keepalive() {
        let t0 = Instant::now();
        let mut x: Exchange<u8> =
            Exchange::new(Side::Pms, Timers { keepalive: Some(Duration::from_secs(60)), ..Timers::default() });
        x.handle_input(t0, &[]);
        assert_eq!(x.poll_timeout(), Some(t0 + Duration::from_secs(60)));
        x.handle_timeout(t0 + Duration::from_secs(60));
        assert_eq!(drain(&mut x), vec![vec![ENQ]]);
        x.handle_input(t0 + Duration::from_secs(60), &[ACK]);
        assert_eq!(drain(&mut x), vec![b"\x02AREYUTHERE\x03".to_vec()]);
        x.handle_input(t0 + Duration::from_secs(60), &[ACK]);
        assert!(events(&mut x).is_empty(), "the keep-alive is not the owner's record");
    }
}
