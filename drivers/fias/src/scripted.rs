//! Scripted exchanges with the PMS engine: each test states the exact bytes on the wire, in both
//! directions, and fails if the engine writes anything the script did not expect or leaves a
//! step unused.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use chrono::{NaiveDate, NaiveDateTime};

use crate::frame::{encode_frame, ACK, ENQ, NAK};
use crate::ids::*;
use crate::{DownReason, Event, Guest, LinkState, Message, PmsConfig, PmsLink, RoomEquipment};

// A test script: the size of a step does not matter.
#[allow(clippy::large_enum_variant)]
enum Step {
    /// The engine must write exactly these bytes next.
    Write(Vec<u8>),
    /// The PBX sends these bytes.
    Read(Vec<u8>),
    /// Time passes; due timers run.
    Wait(Duration),
    /// The engine must report this event next.
    Event(Event),
}

use Step::*;

fn f(data: &str) -> Vec<u8> {
    encode_frame(data.as_bytes())
}

fn wall() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2016, 11, 17).unwrap().and_hms_opt(10, 29, 26).unwrap()
}

/// Runs the engine against a script; every step must be used.
struct Script {
    link: PmsLink,
    now: Instant,
    written: VecDeque<u8>,
    events: VecDeque<Event>,
}

impl Script {
    fn new() -> Self {
        Script {
            link: PmsLink::new(PmsConfig::default()),
            now: Instant::now(),
            written: VecDeque::new(),
            events: VecDeque::new(),
        }
    }

    fn collect(&mut self) {
        while let Some(b) = self.link.poll_transmit() {
            self.written.extend(b);
        }
        while let Some(e) = self.link.poll_event() {
            self.events.push_back(e);
        }
    }

    fn run(&mut self, steps: Vec<Step>) {
        for (i, step) in steps.into_iter().enumerate() {
            self.collect();
            match step {
                Write(want) => {
                    let got: Vec<u8> = self.written.drain(..want.len().min(self.written.len())).collect();
                    assert_eq!(
                        String::from_utf8_lossy(&got),
                        String::from_utf8_lossy(&want),
                        "step {i}: written bytes"
                    );
                }
                Read(bytes) => self.link.handle_input(self.now, wall(), &bytes),
                Wait(d) => {
                    let until = self.now + d;
                    while let Some(t) = self.link.poll_timeout().filter(|t| *t <= until) {
                        self.now = t;
                        self.link.handle_timeout(t, wall());
                    }
                    self.now = until;
                }
                Event(want) => assert_eq!(self.events.pop_front(), Some(want), "step {i}: event"),
            }
        }
        self.collect();
        assert!(self.written.is_empty(), "unscripted bytes written: {:?}", self.written);
        assert!(self.events.is_empty(), "unscripted events: {:?}", self.events);
    }

    /// LS -> LD, LR..., LA -> LA.
    fn started(lrs: &[&str]) -> Self {
        let mut s = Script::new();
        s.link.start(s.now, wall());
        let mut steps = vec![Write(f("LS|DA161117|TI102926|")), Read(vec![ACK])];
        steps.push(Read(f("LD|DA161117|TI102203|V#1.0|IFPB|")));
        steps.push(Write(vec![ACK]));
        for lr in lrs {
            steps.push(Read(f(lr)));
            steps.push(Write(vec![ACK]));
        }
        steps.push(Read(f("LA|DA161117|TI102204|")));
        steps.push(Write(vec![ACK]));
        steps.push(Write(f("LA|DA161117|TI102926|")));
        steps.push(Read(vec![ACK]));
        steps.push(Event(Event::LinkUp { version: Some("1.0".into()), interface: Some("PB".into()) }));
        s.run(steps);
        assert_eq!(s.link.state(), LinkState::Up);
        s
    }
}

const LRS: &[&str] = &["LR|RIGI|FLRNG#GNGLCSSF|", "LR|RIGO|FLRNG#SF|", "LR|RIRE|FLRNCSMLDN|", "LR|RIDS|", "LR|RIDE|"];

fn re_lamp(room: &str, on: bool) -> Message {
    Message::RoomEquipment(RoomEquipment { room: room.into(), message_lamp: Some(on), ..Default::default() })
}

#[test]
fn start_up_handshake() {
    let s = Script::started(LRS);
    assert!(s.link.declared(GI));
    assert!(!s.link.declared(WR));
}

#[test]
fn data_before_link_up_is_ignored() {
    let mut s = Script::new();
    s.link.start(s.now, wall());
    s.run(vec![
        Write(f("LS|DA161117|TI102926|")),
        Read(vec![ACK]),
        Read(f("RE|RN101|RS1|")),
        Write(vec![ACK]),
        Event(Event::Ignored(RE)),
    ]);
}

#[test]
fn startup_is_retried_when_the_pbx_never_answers_la() {
    let mut s = Script::new();
    s.link.start(s.now, wall());
    s.run(vec![
        Write(f("LS|DA161117|TI102926|")),
        Read(vec![ACK]),
        Wait(Duration::from_secs(20)),
        Write(f("LS|DA161117|TI102926|")),
    ]);
    assert_eq!(s.link.state(), LinkState::Starting);
}

#[test]
fn nak_brings_retransmission() {
    let mut s = Script::started(LRS);
    s.link.send(s.now, 1, &re_lamp("101", true)).unwrap();
    s.run(vec![
        Write(f("RE|RN101|MLY|")),
        Read(vec![NAK]),
        Write(f("RE|RN101|MLY|")),
        Read(vec![ACK]),
        Event(Event::Delivered(1)),
    ]);
}

#[test]
fn four_naks_fail_the_record_but_keep_the_link() {
    let mut s = Script::started(LRS);
    s.link.send(s.now, 9, &re_lamp("101", true)).unwrap();
    let mut steps = Vec::new();
    for _ in 0..4 {
        steps.push(Write(f("RE|RN101|MLY|")));
        steps.push(Read(vec![NAK]));
    }
    steps.push(Event(Event::Failed(9)));
    s.run(steps);
    assert_eq!(s.link.state(), LinkState::Up);
}

#[test]
fn enq_recovers_a_lost_ack() {
    let mut s = Script::started(LRS);
    s.link.send(s.now, 2, &re_lamp("101", false)).unwrap();
    s.run(vec![
        Write(f("RE|RN101|MLN|")),
        // the ACK was lost on the line
        Wait(Duration::from_secs(3)),
        Write(vec![ENQ]),
        Read(vec![ACK]),
        // That ACK may be the one for the frame before (this one lost on the way): an RE sets a
        // state, so it goes again rather than be taken on trust.
        Write(f("RE|RN101|MLN|")),
        Read(vec![ACK]),
        Event(Event::Delivered(2)),
    ]);
}

#[test]
fn engine_answers_enq_with_its_last_answer() {
    let mut s = Script::started(LRS);
    s.run(vec![
        Read(f("RE|RN101|RS3|")),
        Write(vec![ACK]),
        Event(Event::Received(Message::RoomEquipment(RoomEquipment {
            room: "101".into(),
            room_status: Some(3),
            ..Default::default()
        }))),
        Read(vec![ENQ]),
        Write(vec![ACK]),
    ]);
}

#[test]
fn the_specs_erroneous_ls_is_naked() {
    let mut s = Script::started(LRS);
    let mut bad = f("LS|DA161117|TI103116|");
    *bad.last_mut().unwrap() = b'f';
    s.run(vec![Read(bad), Write(vec![NAK])]);
    assert_eq!(s.link.state(), LinkState::Up);
}

#[test]
fn lr_lists_are_honoured() {
    let mut s = Script::started(LRS);
    let gi = Message::GuestIn(Guest {
        room: "101".into(),
        stay: Some("5".into()),
        name: Some("Wang Wei".into()),
        first_name: Some("W".into()), // GF was not declared: dropped
        language: Some("EN".into()),
        class_of_service: Some(3),
        ..Default::default()
    });
    s.link.send(s.now, 1, &gi).unwrap();
    s.run(vec![Write(f("GI|RN101|G#5|GNWang Wei|GLEA|CS3|")), Read(vec![ACK]), Event(Event::Delivered(1))]);
    let wr = Message::WakeRequest(crate::Wake { room: "101".into(), at: wall() });
    assert_eq!(s.link.send(s.now, 2, &wr), Err(crate::SendError::NotDeclared(WR)));
    s.run(vec![]);
}

#[test]
fn a_seven_bit_line_gets_folded_names() {
    let mut s = Script::new();
    s.link = PmsLink::new(PmsConfig {
        text: crate::WireText { seven_bit: true, ..Default::default() },
        ..PmsConfig::default()
    });
    s.link.start(s.now, wall());
    s.run(vec![
        Write(f("LS|DA161117|TI102926|")),
        Read(vec![ACK]),
        Read(f("LR|RIGI|FLRNGN|")),
        Write(vec![ACK]),
        Read(f("LA|DA161117|TI102204|")),
        Write(vec![ACK]),
        Write(f("LA|DA161117|TI102926|")),
        Read(vec![ACK]),
        Event(Event::LinkUp { version: None, interface: None }),
    ]);
    let gi = Message::GuestIn(Guest { room: "101".into(), name: Some("Jürgen Müller".into()), ..Default::default() });
    s.link.send(s.now, 1, &gi).unwrap();
    s.run(vec![Write(f("GI|RN101|GNJurgen Muller|")), Read(vec![ACK]), Event(Event::Delivered(1))]);
}

#[test]
fn dr_asks_for_a_resync() {
    let mut s = Script::started(LRS);
    s.run(vec![Read(f("DR|")), Write(vec![ACK]), Event(Event::ResyncRequested)]);
    for (tag, m) in
        [Message::ResyncStart, Message::GuestOut { room: "101".into(), stay: None, swap: true }, Message::ResyncEnd]
            .iter()
            .enumerate()
    {
        s.link.send(s.now, tag as u64, m).unwrap();
    }
    s.run(vec![
        Write(f("DS|")),
        Read(vec![ACK]),
        Event(Event::Delivered(0)),
        Write(f("GO|RN101|SF|")),
        Read(vec![ACK]),
        Event(Event::Delivered(1)),
        Write(f("DE|")),
        Read(vec![ACK]),
        Event(Event::Delivered(2)),
    ]);
}

#[test]
fn ls_from_the_pbx_while_up_is_its_alive_check_answered_la() {
    let mut s = Script::started(LRS);
    s.run(vec![Read(f("LS|DA161117|TI110000|")), Write(vec![ACK]), Write(f("LA|DA161117|TI102926|")), Read(vec![ACK])]);
    assert_eq!(s.link.state(), LinkState::Up, "an alive-check does not take the link down");
    assert!(s.link.declared(GI), "the LR lists stay");
}

#[test]
fn le_is_answered_with_le_and_the_link_restarted_and_la_is_a_link_test() {
    let mut s = Script::started(LRS);
    s.run(vec![
        Read(f("LA|DA161117|TI110000|")),
        Write(vec![ACK]),
        Read(f("LE|DA161117|TI110001|")),
        Write(vec![ACK]),
        Event(Event::LinkDown(DownReason::PeerEnded)),
        Write(f("LE|DA161117|TI102926|")),
        Read(vec![ACK]),
        Write(f("LS|DA161117|TI102926|")),
        Read(vec![ACK]),
    ]);
    assert_eq!(s.link.send(s.now, 1, &re_lamp("1", true)), Err(crate::SendError::NotUp));
    assert_eq!(s.link.state(), LinkState::Starting);
    s.run(vec![
        Read(f("LD|DA161117|TI110002|V#1.0|IFPB|")),
        Write(vec![ACK]),
        Read(f("LA|DA161117|TI110002|")),
        Write(vec![ACK]),
        Write(f("LA|DA161117|TI102926|")),
        Read(vec![ACK]),
        Event(Event::LinkUp { version: Some("1.0".into()), interface: Some("PB".into()) }),
    ]);
}

#[test]
fn a_silent_pbx_takes_the_link_down() {
    let mut s = Script::started(LRS);
    s.link.send(s.now, 4, &re_lamp("101", true)).unwrap();
    let mut steps = Vec::new();
    for _ in 0..4 {
        steps.push(Write(f("RE|RN101|MLY|")));
        for _ in 0..3 {
            steps.push(Wait(Duration::from_secs(3)));
            steps.push(Write(vec![ENQ]));
        }
        steps.push(Wait(Duration::from_secs(3)));
    }
    steps.push(Event(Event::Failed(4)));
    steps.push(Event(Event::LinkDown(DownReason::NoAnswer)));
    s.run(steps);
}

#[test]
fn idle_link_is_checked_with_la() {
    let mut s = Script::started(LRS);
    s.run(vec![Wait(Duration::from_secs(120)), Write(f("LA|DA161117|TI102926|")), Read(vec![ACK])]);
}

#[test]
fn malformed_records_are_acked_and_reported() {
    let mut s = Script::started(LRS);
    s.run(vec![
        Read(f("RE|RN101|MLQ|")),
        Write(vec![ACK]),
        Event(Event::Malformed {
            data: b"RE|RN101|MLQ|".to_vec(),
            error: crate::RecordError::BadValue { record: RE, field: ML, value: "Q".into(), why: "expected Y or N" },
        }),
        Read(b"\x00garbage\x7f".to_vec()),
        Read(f("XX|")),
        Write(vec![ACK]),
        Event(Event::Received(Message::Other(crate::Record::new(crate::RecordId(*b"XX"))))),
    ]);
    assert!(s.link.stats().noise_bytes >= 9);
}

/// A deterministic stream of pseudo-random bytes (xorshift), biased towards framing bytes.
fn noise(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            match x % 10 {
                0 => crate::frame::STX,
                1 => crate::frame::ETX,
                2 => [ACK, NAK, ENQ][(x >> 8) as usize % 3],
                3 => b'|',
                _ => (x >> 16) as u8,
            }
        })
        .collect()
}

#[test]
fn garbage_from_the_line_never_panics_and_the_link_recovers() {
    let mut s = Script::started(LRS);
    for seed in 1..200u64 {
        let bytes = noise(seed, 500);
        for chunk in bytes.chunks((seed % 17 + 1) as usize) {
            s.link.handle_input(s.now, wall(), chunk);
            s.now += Duration::from_millis(7);
            s.link.handle_timeout(s.now, wall());
        }
        s.collect();
        s.written.clear();
        s.events.clear();
        // Any record parses or is refused cleanly.
        let _ = crate::Record::parse(&bytes).and_then(|r| Message::from_record(&r));
    }
    // After all that, the same engine comes up again on a clean start-up and delivers.
    s.link.start(s.now, wall());
    for bytes in [vec![ACK], f("LD|DA161117|TI102203|V#1.0|IFPB|"), f("LR|RIRE|FLRNML|"), f("LA|DA161117|TI102204|")] {
        s.link.handle_input(s.now, wall(), &bytes);
    }
    s.link.handle_input(s.now, wall(), &[ACK]);
    assert_eq!(s.link.state(), LinkState::Up);
    s.collect();
    s.written.clear();
    s.events.clear();
    s.link.send(s.now, 1, &re_lamp("101", true)).unwrap();
    s.run(vec![Write(f("RE|RN101|MLY|")), Read(vec![ACK]), Event(Event::Delivered(1))]);
    let st = s.link.stats();
    assert!(st.noise_bytes > 0 && st.bad_lrc > 0, "{st:?}");
}
