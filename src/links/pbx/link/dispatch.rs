//! The link's delivery policy, as a pure state machine: what to send next, what a PBX answer
//! means for the outbox, when to give up on a record. No I/O and no clock of its own: the
//! session feeds it outbox rows, the engine's readiness, instants and outcomes, and carries out
//! the [`Decision`]s and [`Effect`]s it returns.
//!
//! The rules:
//! - one record on the wire at a time (FIAS is stop-and-wait);
//! - urgent outbox rows (wake-up rings) first, then a running resync, then the outbox in order;
//! - a room's class, lamp and DND rows that follow each other travel as one `RE`;
//! - a ring whose expiry passed is dropped unsent (a late ring is worse than none);
//! - after a record failed (no ACK after every attempt), the line settles for a while;
//! - a record the PBX refuses [`REFUSALS_BEFORE_SET_ASIDE`] times in a row with the link up is
//!   set aside (with an alert), so one bad record does not hold up the rest;
//! - a record the PBX cannot take at all (not declared, not encodable) is reported and
//!   dropped, except optional features (message texts), which are skipped quietly.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use fias::{Message, RecordId, SendError};

use super::resync;
use crate::links::pbx::command::{merged_equipment, Fias, PbxCommand};
use crate::store::outbox::{OutboxRow, PRIORITY_NORMAL};

/// Rounds of attempts a PBX may refuse (NAK) the same command, with the link up, before it is
/// set aside.
pub const REFUSALS_BEFORE_SET_ASIDE: u32 = 3;

/// How many outbox rows the session reads for one decision (enough to merge a room's RE).
pub const BATCH: usize = 8;

/// What is on the wire.
#[derive(Debug, Clone, PartialEq)]
enum InFlight {
    /// One record: a single outbox row, or several equipment rows of one room merged.
    Outbox(Vec<OutboxRow>),
    Resync(Message),
}

/// What to do now.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// Nothing to send (not ready, waiting for an answer, settling, or nothing queued).
    Idle,
    /// Hand `msg` to the engine under `tag`; report the outcome with the same tag.
    Send { tag: u64, msg: Message },
    /// These rows are not sent: a ring that expired. Record that, delete them, ask again.
    Expired(Vec<OutboxRow>),
}

/// What the store must reflect after an outcome.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    None,
    /// Delivered (or skipped as an optional feature the PBX lacks): delete these rows.
    Done(Vec<OutboxRow>),
    /// Every record of the resync was acknowledged: rows up to `upto` are covered.
    ResyncFinished {
        upto: i64,
        rooms: usize,
    },
    /// The PBX keeps refusing these rows: take them out of the queue and alert a person.
    SetAside(Vec<OutboxRow>),
    /// A ring that expired unsent ([`Decision::Expired`]): record that, delete the rows.
    Expired(Vec<OutboxRow>),
    /// The PBX can never take these rows: record why, delete them.
    Undeliverable {
        rows: Vec<OutboxRow>,
        why: String,
    },
}

/// The delivery state of one connection.
#[derive(Debug)]
pub struct Dispatcher {
    in_flight: Option<(u64, InFlight)>,
    next_tag: u64,
    resync: Option<resync::Job>,
    hold_until: Option<Instant>,
    settle: Duration,
    /// The outbox row that failed last, and how many times in a row.
    refused: Option<(i64, u32)>,
}

impl Dispatcher {
    /// `settle`: how long the line rests after a failed record (the ACK timeout).
    pub fn new(settle: Duration) -> Self {
        Dispatcher { in_flight: None, next_tag: 1, resync: None, hold_until: None, settle, refused: None }
    }

    /// Time passed: a settling pause that is over ends (and no longer sets a deadline).
    pub fn tick(&mut self, now: Instant) {
        if self.hold_until.is_some_and(|h| now >= h) {
            self.hold_until = None;
        }
    }

    /// Whether the session should read outbox rows and ask [`Dispatcher::next`] now.
    pub fn wants_work(&self, now: Instant) -> bool {
        self.in_flight.is_none() && self.hold_until.is_none_or(|h| now >= h)
    }

    /// Nothing on the wire: a new outbox row should wake the session.
    pub fn is_idle(&self) -> bool {
        self.in_flight.is_none()
    }

    /// When the dispatcher wants to be asked again even if nothing happens (the settling pause).
    pub fn deadline(&self) -> Option<Instant> {
        self.hold_until
    }

    pub fn resync_running(&self) -> bool {
        self.resync.is_some()
    }

    pub fn begin_resync(&mut self, job: resync::Job) {
        self.resync = Some(job);
    }

    /// The link went down: a running resync must start over once it is back. Returns whether
    /// one was running.
    pub fn link_lost(&mut self) -> bool {
        self.in_flight = None;
        self.resync.take().is_some()
    }

    /// The next thing to do, given the engine's readiness, the first outbox rows in sending
    /// order ([`crate::store::outbox::next_batch`]), the wall clock (ring expiry) and which
    /// records the PBX declared.
    pub fn next(
        &mut self,
        now: Instant,
        wall: DateTime<Utc>,
        ready: bool,
        batch: Vec<OutboxRow>,
        declared: impl Fn(RecordId) -> bool,
    ) -> Decision {
        if !ready || !self.wants_work(now) {
            return Decision::Idle;
        }
        self.hold_until = None;
        let urgent = batch.first().is_some_and(|r| r.priority > PRIORITY_NORMAL);
        if !urgent {
            if let Some(msg) = self.resync.as_mut().and_then(|j| j.next_record()) {
                return self.send(InFlight::Resync(msg.clone()), msg);
            }
        }
        let rows = take_one_record(batch);
        let Some(first) = rows.first() else { return Decision::Idle };
        if first.command.expired(wall) {
            return Decision::Expired(rows);
        }
        let msg = if rows.len() > 1 {
            let cmds: Vec<&PbxCommand> = rows.iter().map(|r| &r.command).collect();
            merged_equipment(&first.room, &cmds)
        } else {
            first.command.to_fias(&first.room, declared)
        };
        self.send(InFlight::Outbox(rows), msg)
    }

    fn send(&mut self, item: InFlight, msg: Message) -> Decision {
        let tag = self.next_tag;
        self.next_tag += 1;
        self.in_flight = Some((tag, item));
        Decision::Send { tag, msg }
    }

    fn take(&mut self, tag: u64) -> Option<InFlight> {
        match self.in_flight.take() {
            Some((t, item)) if t == tag => Some(item),
            other => {
                self.in_flight = other;
                None
            }
        }
    }

    /// The engine would not take the record handed over with `tag`.
    pub fn not_sent(&mut self, tag: u64, error: &SendError) -> Effect {
        let Some(item) = self.take(tag) else { return Effect::None };
        match (item, error) {
            (InFlight::Resync(msg), SendError::NotUp) => {
                self.resync_retry(msg);
                Effect::None
            }
            (InFlight::Outbox(_), SendError::NotUp) => Effect::None,
            (InFlight::Outbox(rows), SendError::NotDeclared(_)) if rows.iter().all(|r| r.command.optional()) => {
                Effect::Done(rows)
            }
            (InFlight::Outbox(rows), e) => Effect::Undeliverable { rows, why: e.to_string() },
            (InFlight::Resync(_), _) => self.resync_delivered(),
        }
    }

    /// The PBX acknowledged the record of `tag`.
    pub fn delivered(&mut self, tag: u64) -> Effect {
        match self.take(tag) {
            Some(InFlight::Outbox(rows)) => {
                self.refused = None;
                Effect::Done(rows)
            }
            Some(InFlight::Resync(_)) => self.resync_delivered(),
            None => Effect::None,
        }
    }

    /// The record of `tag` was not acknowledged after every attempt. `link_up`: the PBX is
    /// there and answering, so this is a refusal, not an outage.
    pub fn failed(&mut self, tag: u64, now: Instant, link_up: bool) -> Effect {
        let effect = match self.take(tag) {
            Some(InFlight::Outbox(rows)) => {
                let first = rows[0].id;
                let n = match self.refused {
                    Some((id, n)) if id == first => n + 1,
                    _ => 1,
                };
                self.refused = Some((first, n));
                if n >= REFUSALS_BEFORE_SET_ASIDE && link_up {
                    self.refused = None;
                    Effect::SetAside(rows)
                } else {
                    Effect::None
                }
            }
            Some(InFlight::Resync(msg)) => {
                self.resync_retry(msg);
                Effect::None
            }
            None => Effect::None,
        };
        // Let the line settle before trying again.
        self.hold_until = Some(now + self.settle);
        effect
    }

    fn resync_retry(&mut self, msg: Message) {
        if let Some(job) = self.resync.as_mut() {
            job.retry(msg);
        }
    }

    fn resync_delivered(&mut self) -> Effect {
        let Some(job) = self.resync.as_mut() else { return Effect::None };
        job.delivered();
        if !job.is_finished() {
            return Effect::None;
        }
        let job = self.resync.take().expect("checked above");
        Effect::ResyncFinished { upto: job.upto(), rooms: job.rooms() }
    }
}

/// The rows that travel as the next record: the first row, plus, when it is a room-equipment
/// command, the other equipment commands of the same room that follow it with nothing else of
/// that room in between (so per-room order is kept).
fn take_one_record(batch: Vec<OutboxRow>) -> Vec<OutboxRow> {
    let mut rows = batch.into_iter();
    let Some(first) = rows.next() else { return Vec::new() };
    if first.command.equipment().is_none() {
        return vec![first];
    }
    let mut group = vec![first];
    for row in rows {
        if row.room != group[0].room {
            continue;
        }
        let fits = row.priority == group[0].priority
            && row.command.equipment().is_some()
            && group.iter().all(|g| g.attr != row.attr);
        if !fits {
            break;
        }
        group.push(row);
    }
    group
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::outbox::PRIORITY_URGENT;
    use chrono::TimeZone;
    use fias::{ids, RoomEquipment};

    const SETTLE: Duration = Duration::from_secs(3);

    fn row(id: i64, room: &str, priority: i64, command: PbxCommand) -> OutboxRow {
        OutboxRow { id, room: room.into(), attr: command.attr().into(), priority, command }
    }

    fn wall() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, 7, 0, 0).unwrap()
    }

    fn all(_: RecordId) -> bool {
        true
    }

    fn sent(d: Decision) -> (u64, Message) {
        match d {
            Decision::Send { tag, msg } => (tag, msg),
            other => panic!("expected a send, got {other:?}"),
        }
    }

    fn ring(expires: &str) -> PbxCommand {
        let at = chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap().and_hms_opt(7, 0, 0).unwrap();
        PbxCommand::Ring { at, expires: expires.into() }
    }

    fn one_room_resync() -> resync::Job {
        resync::Job::from_records(
            vec![
                Message::ResyncStart,
                Message::GuestOut { room: "101".into(), stay: None, swap: true },
                Message::ResyncEnd,
            ],
            1,
            41,
        )
    }

    #[test]
    fn one_record_at_a_time_and_only_when_ready() {
        let mut d = Dispatcher::new(SETTLE);
        let t = Instant::now();
        let rows = vec![row(1, "101", PRIORITY_NORMAL, PbxCommand::CheckOut { stay: None })];
        assert_eq!(d.next(t, wall(), false, rows.clone(), all), Decision::Idle, "engine not ready");
        let (tag, msg) = sent(d.next(t, wall(), true, rows.clone(), all));
        assert_eq!(msg.record_id(), ids::GO);
        assert!(!d.wants_work(t) && !d.is_idle());
        assert_eq!(d.next(t, wall(), true, rows.clone(), all), Decision::Idle, "one on the wire");
        assert_eq!(d.delivered(tag), Effect::Done(rows));
        assert!(d.is_idle());
        assert_eq!(d.delivered(tag), Effect::None, "a stale tag changes nothing");
    }

    #[test]
    fn a_rooms_equipment_rows_merge_into_one_re_keeping_room_order() {
        let mut d = Dispatcher::new(SETTLE);
        let batch = vec![
            row(1, "101", PRIORITY_NORMAL, PbxCommand::ClassOfService { class: 2 }),
            row(2, "102", PRIORITY_NORMAL, PbxCommand::Dnd { on: true }),
            row(3, "101", PRIORITY_NORMAL, PbxCommand::MessageLamp { on: true }),
            row(4, "101", PRIORITY_NORMAL, PbxCommand::CheckOut { stay: None }),
            row(5, "101", PRIORITY_NORMAL, PbxCommand::Dnd { on: true }),
        ];
        let (tag, msg) = sent(d.next(Instant::now(), wall(), true, batch.clone(), all));
        let want = RoomEquipment {
            room: "101".into(),
            class_of_service: Some(2),
            message_lamp: Some(true),
            ..Default::default()
        };
        assert_eq!(msg, Message::RoomEquipment(want), "the DND after the check-out waits its turn");
        assert_eq!(d.delivered(tag), Effect::Done(vec![batch[0].clone(), batch[2].clone()]));
    }

    #[test]
    fn urgent_rows_overtake_a_resync_and_normal_rows_wait_for_it() {
        let mut d = Dispatcher::new(SETTLE);
        let t = Instant::now();
        d.begin_resync(one_room_resync());
        let normal = vec![row(1, "102", PRIORITY_NORMAL, PbxCommand::Dnd { on: true })];
        let (tag, msg) = sent(d.next(t, wall(), true, normal.clone(), all));
        assert_eq!(msg, Message::ResyncStart, "the resync goes before normal rows");
        assert_eq!(d.delivered(tag), Effect::None);
        let urgent = vec![row(2, "101", PRIORITY_URGENT, ring("2026-03-01T07:02:00Z"))];
        let (tag, msg) = sent(d.next(t, wall(), true, urgent.clone(), all));
        assert_eq!(msg.record_id(), ids::WR, "a ring overtakes the resync");
        assert_eq!(d.delivered(tag), Effect::Done(urgent));
        let (tag, msg) = sent(d.next(t, wall(), true, normal.clone(), all));
        assert_eq!(msg.record_id(), ids::GO, "the resync goes on where it was");
        assert_eq!(d.delivered(tag), Effect::None);
        let (tag, msg) = sent(d.next(t, wall(), true, normal.clone(), all));
        assert_eq!(msg, Message::ResyncEnd);
        assert_eq!(d.delivered(tag), Effect::ResyncFinished { upto: 41, rooms: 1 });
        assert!(!d.resync_running());
        let (_, msg) = sent(d.next(t, wall(), true, normal, all));
        assert_eq!(msg.record_id(), ids::RE, "then the outbox");
    }

    #[test]
    fn an_expired_ring_is_dropped_unsent() {
        let mut d = Dispatcher::new(SETTLE);
        let rows = vec![row(1, "101", PRIORITY_URGENT, ring("2026-03-01T06:59:59Z"))];
        assert_eq!(d.next(Instant::now(), wall(), true, rows.clone(), all), Decision::Expired(rows));
        assert!(d.is_idle(), "nothing went on the wire");
        let fresh = vec![row(2, "101", PRIORITY_URGENT, ring("2026-03-01T07:00:01Z"))];
        assert_eq!(sent(d.next(Instant::now(), wall(), true, fresh, all)).1.record_id(), ids::WR);
    }

    #[test]
    fn a_failed_record_rests_the_line_then_goes_again() {
        let mut d = Dispatcher::new(SETTLE);
        let t = Instant::now();
        let rows = vec![row(1, "101", PRIORITY_NORMAL, PbxCommand::Dnd { on: true })];
        let (tag, _) = sent(d.next(t, wall(), true, rows.clone(), all));
        assert_eq!(d.failed(tag, t, false), Effect::None);
        assert_eq!(d.deadline(), Some(t + SETTLE));
        assert_eq!(d.next(t + SETTLE / 2, wall(), true, rows.clone(), all), Decision::Idle, "settling");
        let (tag2, _) = sent(d.next(t + SETTLE, wall(), true, rows.clone(), all));
        assert_ne!(tag, tag2);
    }

    #[test]
    fn a_record_refused_three_rounds_with_the_link_up_is_set_aside() {
        let mut d = Dispatcher::new(SETTLE);
        let mut t = Instant::now();
        let rows = vec![row(7, "101", PRIORITY_NORMAL, PbxCommand::Dnd { on: true })];
        let other = vec![row(8, "102", PRIORITY_NORMAL, PbxCommand::Dnd { on: true })];
        for round in 1..=REFUSALS_BEFORE_SET_ASIDE {
            let (tag, _) = sent(d.next(t, wall(), true, rows.clone(), all));
            let effect = d.failed(tag, t, true);
            t += SETTLE;
            if round < REFUSALS_BEFORE_SET_ASIDE {
                assert_eq!(effect, Effect::None, "round {round}");
            } else {
                assert_eq!(effect, Effect::SetAside(rows.clone()));
            }
        }
        // A success restarts the count; failures while the PBX is away are not refusals.
        let refuse = |d: &mut Dispatcher, t: &mut Instant, link_up: bool| {
            let (tag, _) = sent(d.next(*t, wall(), true, other.clone(), all));
            let effect = d.failed(tag, *t, link_up);
            *t += SETTLE;
            effect
        };
        for _ in 1..REFUSALS_BEFORE_SET_ASIDE {
            assert_eq!(refuse(&mut d, &mut t, true), Effect::None);
        }
        let (tag, _) = sent(d.next(t, wall(), true, other.clone(), all));
        assert_eq!(d.delivered(tag), Effect::Done(other.clone()));
        for _ in 1..REFUSALS_BEFORE_SET_ASIDE {
            assert_eq!(refuse(&mut d, &mut t, true), Effect::None, "the count restarted after the success");
        }
        for _ in 0..10 {
            assert_eq!(refuse(&mut d, &mut t, false), Effect::None, "an outage never sets a record aside");
        }
    }

    #[test]
    fn what_the_pbx_cannot_take_is_skipped_or_reported() {
        let mut d = Dispatcher::new(SETTLE);
        let t = Instant::now();
        let at = chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap().and_hms_opt(7, 0, 0).unwrap();
        let text =
            vec![row(1, "101", PRIORITY_NORMAL, PbxCommand::MessageText { id: 1, stay: 1, text: "hi".into(), at })];
        let (tag, _) = sent(d.next(t, wall(), true, text.clone(), all));
        assert_eq!(d.not_sent(tag, &SendError::NotDeclared(ids::XL)), Effect::Done(text), "optional: skipped");
        let lamp = vec![row(2, "101", PRIORITY_NORMAL, PbxCommand::MessageLamp { on: true })];
        let (tag, _) = sent(d.next(t, wall(), true, lamp.clone(), all));
        match d.not_sent(tag, &SendError::NotDeclared(ids::RE)) {
            Effect::Undeliverable { rows, why } => assert!(rows == lamp && why.contains("RE"), "{why}"),
            other => panic!("{other:?}"),
        }
        let (tag, _) = sent(d.next(t, wall(), true, lamp.clone(), all));
        assert_eq!(d.not_sent(tag, &SendError::NotUp), Effect::None, "kept queued for when the link is up");
        assert!(d.is_idle());
    }

    #[test]
    fn a_move_falls_back_to_check_in_where_the_pbx_has_no_gc() {
        let mut d = Dispatcher::new(SETTLE);
        let mv = PbxCommand::Move {
            from: "101".into(),
            stay: 1,
            name: None,
            first_name: None,
            language: None,
            class_of_service: 1,
        };
        let rows = vec![row(1, "102", PRIORITY_NORMAL, mv)];
        let (_, msg) = sent(d.next(Instant::now(), wall(), true, rows, |id| id != ids::GC));
        assert_eq!(msg.record_id(), ids::GI);
    }

    #[test]
    fn a_resync_record_that_fails_or_finds_the_link_down_is_sent_again() {
        let mut d = Dispatcher::new(SETTLE);
        let t = Instant::now();
        d.begin_resync(one_room_resync());
        let (tag, first) = sent(d.next(t, wall(), true, vec![], all));
        assert_eq!(d.not_sent(tag, &SendError::NotUp), Effect::None);
        let (tag, again) = sent(d.next(t, wall(), true, vec![], all));
        assert_eq!(first, again);
        assert_eq!(d.failed(tag, t, true), Effect::None);
        let (_, again) = sent(d.next(t + SETTLE, wall(), true, vec![], all));
        assert_eq!(first, again);
        assert!(d.link_lost(), "a running resync is reported lost with the link");
        assert!(!d.resync_running() && d.is_idle());
    }
}
