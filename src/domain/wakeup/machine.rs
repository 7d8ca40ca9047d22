//! One occurrence of a wake-up call as a pure state machine: what happens next follows from
//! where the booking stands, what happened, the time and the hotel's policy, and nothing else
//! (no SQL, no clock, no tokio). The scheduler reads the state from the store, asks
//! [`transition`] and writes the [`Effect`]s in the same transaction.
//!
//! What comes after an occurrence (the next day of a daily call, or the end of the booking)
//! depends on the booking's rule and on its stay: the machine says how the occurrence ended
//! ([`Effect::Finish`]) and the store finds the next one. A booking cancelled or checked out
//! ([`end`]) and a stay moving rooms ([`moved`]) need no policy: their rules are functions of
//! their own.

use chrono::{DateTime, Utc};

use crate::domain::wakeup::status::WakeStatus;

/// Where a booking stands: its status and the attempts made at the current occurrence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct State {
    pub status: WakeStatus,
    pub attempt: u32,
}

/// What happened to the booking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    /// The occurrence (or its retry, or its hand-over to a PBX that keeps wake-ups) fell due at
    /// `due`; `occurrence`: the call's own time; `pbx_up`: the PBX link can ring now.
    Due { due: DateTime<Utc>, occurrence: DateTime<Utc>, pbx_up: bool },
    /// The ring being tried ended: the PBX's answer, or no answer by the ring deadline.
    Rang { answered: bool },
}

/// The hotel's rules for ringing (`[wakeup]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Attempts per occurrence before a person is called.
    pub attempts: u32,
    pub retry_interval: chrono::Duration,
    /// How long a ring may go unanswered before it counts as no answer.
    pub ring_timeout: chrono::Duration,
    /// How late a call may still be rung (after a restart); later, it is missed.
    pub late_grace: chrono::Duration,
    /// A person is told at the first unanswered ring, while the retries go on (a VIP's call,
    /// with `[wakeup] vip_to_operator`).
    pub person_at_first_miss: bool,
    /// The PBX keeps wake-ups itself and reports no result (a Mitel): a call is handed to it
    /// ahead ([`HANDOVER_AHEAD`]) and is over when its time has come; nothing rings or escalates here.
    pub kept_by_pbx: bool,
}

/// How long before its time a call is handed to a PBX that keeps wake-ups: less than a day, as
/// such a PBX takes only a time of day.
pub const HANDOVER_AHEAD: chrono::Duration = chrono::Duration::hours(23);

/// When a call due at `occurrence` is handed to a PBX that keeps wake-ups, seen at `now`.
pub fn handover_at(occurrence: DateTime<Utc>, now: DateTime<Utc>) -> DateTime<Utc> {
    (occurrence - HANDOVER_AHEAD).max(now).min(occurrence)
}

/// Why a person must act.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alert {
    /// The call fell due while the service was down, `late` ago: nobody rang.
    Missed { late: chrono::Duration },
    /// The PBX cannot ring now: call the room by hand (said at the first attempt only).
    PbxOffline,
    /// No answer after every attempt.
    Failed { attempts: u32 },
    /// A VIP's call was not answered at the first ring: a person calls now, while the retries go on.
    VipUnanswered,
}

impl Alert {
    /// The facts of this alert beyond the booking, its room and its time.
    pub fn facts(self) -> serde_json::Value {
        match self {
            Alert::Missed { late } => serde_json::json!({ "late_minutes": late.num_minutes() }),
            Alert::PbxOffline => serde_json::json!({}),
            Alert::Failed { attempts } => serde_json::json!({ "attempts": attempts }),
            Alert::VipUnanswered => serde_json::json!({}),
        }
    }

    /// What the operator reads: booking `id` for `room`, due at local time `at`.
    pub fn text(self, id: i64, room: &str, at: &str) -> String {
        match self {
            Alert::Missed { late } => format!(
                "wake-up call {id} for room {room} at {at} was missed ({} late, the service was not running): call the room or send someone now",
                crate::clock::human(late.to_std().unwrap_or_default())
            ),
            Alert::PbxOffline => format!("the PBX is offline: call room {room} by hand now (wake-up call {id} at {at})"),
            Alert::Failed { attempts } => format!(
                "wake-up call {id} for room {room} at {at} was not answered after {attempts} attempts: send someone to the room"
            ),
            Alert::VipUnanswered => format!(
                "VIP wake-up call {id} for room {room} at {at} was not answered at the first ring: call the guest now (the retries go on)"
            ),
        }
    }
}

/// What the store must do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Record attempt `attempt`, ended at once with `result` (no ring was made).
    AttemptFailed {
        attempt: u32,
        result: &'static str,
    },
    /// Record attempt `attempt` and ring the room; unanswered by `deadline`, it is no answer.
    Ring {
        attempt: u32,
        deadline: DateTime<Utc>,
    },
    Alert(Alert),
    /// Try again at this time.
    RetryAt(DateTime<Utc>),
    /// The occurrence is over, ending so (the next one, if the rule has one, is the store's).
    Finish(WakeStatus),
    /// Stop the ring in progress at the PBX (`WC`).
    StopRing,
    /// The attempt in progress ends with this result.
    CloseAttempt(&'static str),
    /// The booking ends as this, whatever its rule (no next occurrence).
    End(WakeStatus),
    /// Hand the call to the PBX to keep (it rings at `occurrence`); wait for that time.
    HandOver {
        occurrence: DateTime<Utc>,
    },
}

/// The next state of a booking and what to do about it.
pub fn transition(state: State, input: Input, now: DateTime<Utc>, policy: &Policy) -> (State, Vec<Effect>) {
    if policy.kept_by_pbx {
        return kept(state, input, now);
    }
    match input {
        Input::Due { .. } if !matches!(state.status, WakeStatus::Scheduled | WakeStatus::Retrying) => (state, vec![]),
        Input::Due { due, .. } if now - due > policy.late_grace => (
            State { status: WakeStatus::Missed, ..state },
            vec![
                Effect::AttemptFailed { attempt: state.attempt, result: "missed" },
                Effect::Alert(Alert::Missed { late: now - due }),
                Effect::Finish(WakeStatus::Missed),
            ],
        ),
        Input::Due { pbx_up: false, .. } => {
            let attempt = state.attempt + 1;
            let mut effects = vec![Effect::AttemptFailed { attempt, result: "pbx_offline" }];
            if attempt == 1 {
                effects.push(Effect::Alert(Alert::PbxOffline));
            }
            let (state, more) = unanswered(attempt, now, policy);
            effects.extend(more);
            (state, effects)
        }
        Input::Due { pbx_up: true, .. } => {
            let attempt = state.attempt + 1;
            (
                State { status: WakeStatus::Ringing, attempt },
                vec![Effect::Ring { attempt, deadline: now + policy.ring_timeout }],
            )
        }
        // An answer for a ring no longer awaited (late, or after a check-out) changes nothing.
        Input::Rang { .. } if state.status != WakeStatus::Ringing => (state, vec![]),
        Input::Rang { answered: true } => {
            (State { status: WakeStatus::Done, ..state }, vec![Effect::Finish(WakeStatus::Done)])
        }
        Input::Rang { answered: false } => {
            let (next, mut effects) = unanswered(state.attempt, now, policy);
            if policy.person_at_first_miss && state.attempt == 1 && next.status == WakeStatus::Retrying {
                effects.insert(0, Effect::Alert(Alert::VipUnanswered));
            }
            (next, effects)
        }
    }
}

/// With a PBX that keeps wake-ups: handed over ahead of time, over when the time has come (the
/// PBX rang it; no result comes, so nothing escalates). A hand-over that comes too late (the
/// service was down until after the call's time) is a missed call for a person.
fn kept(state: State, input: Input, now: DateTime<Utc>) -> (State, Vec<Effect>) {
    let Input::Due { occurrence, pbx_up, .. } = input else { return (state, vec![]) };
    match state.status {
        // The hand-over never reached the PBX (`pbx_up` false: it was still queued at the call's
        // time): nobody rang; a person calls.
        WakeStatus::KeptByPbx if !pbx_up => (
            State { status: WakeStatus::Failed, attempt: 1 },
            vec![
                Effect::AttemptFailed { attempt: 1, result: "pbx_offline" },
                Effect::Alert(Alert::PbxOffline),
                Effect::Finish(WakeStatus::Failed),
            ],
        ),
        WakeStatus::KeptByPbx => (
            State { status: WakeStatus::Done, attempt: 1 },
            vec![Effect::AttemptFailed { attempt: 1, result: "kept_by_pbx" }, Effect::Finish(WakeStatus::Done)],
        ),
        WakeStatus::Scheduled | WakeStatus::Retrying if now >= occurrence => (
            State { status: WakeStatus::Missed, ..state },
            vec![
                Effect::AttemptFailed { attempt: state.attempt, result: "missed" },
                Effect::Alert(Alert::Missed { late: now - occurrence }),
                Effect::Finish(WakeStatus::Missed),
            ],
        ),
        WakeStatus::Scheduled | WakeStatus::Retrying => {
            (State { status: WakeStatus::KeptByPbx, ..state }, vec![Effect::HandOver { occurrence }])
        }
        _ => (state, vec![]),
    }
}

/// The booking ends as `status` (cancelled at the desk or the handset, its stay checked out or
/// ended): a ring in progress is stopped and its attempt closed; a call the PBX keeps is
/// cleared there.
pub fn end(state: State, status: WakeStatus) -> (State, Vec<Effect>) {
    if !state.status.is_active() {
        return (state, vec![]);
    }
    let mut effects = Vec::with_capacity(3);
    if matches!(state.status, WakeStatus::Ringing | WakeStatus::KeptByPbx) {
        effects.push(Effect::StopRing);
    }
    effects.extend([Effect::CloseAttempt("cancelled"), Effect::End(status)]);
    (State { status, ..state }, effects)
}

/// The stay moved rooms: a ring in progress stops in the old room and starts again at once in
/// the new one, without using up an attempt. Bookings not ringing just follow the stay.
pub fn moved(state: State, now: DateTime<Utc>) -> (State, Vec<Effect>) {
    if state.status == WakeStatus::KeptByPbx {
        // Cleared in the old room, handed over again at once for the new one.
        return (State { status: WakeStatus::Scheduled, ..state }, vec![Effect::StopRing, Effect::RetryAt(now)]);
    }
    if state.status != WakeStatus::Ringing {
        return (state, vec![]);
    }
    (
        State { status: WakeStatus::Retrying, attempt: state.attempt.saturating_sub(1) },
        vec![Effect::StopRing, Effect::CloseAttempt("moved"), Effect::RetryAt(now)],
    )
}

/// Attempt `attempt` failed: another is due after the retry interval, or a person is called.
fn unanswered(attempt: u32, now: DateTime<Utc>, policy: &Policy) -> (State, Vec<Effect>) {
    if attempt < policy.attempts {
        (State { status: WakeStatus::Retrying, attempt }, vec![Effect::RetryAt(now + policy.retry_interval)])
    } else {
        (
            State { status: WakeStatus::Failed, attempt },
            vec![Effect::Alert(Alert::Failed { attempts: attempt }), Effect::Finish(WakeStatus::Failed)],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    fn at(min: i64, sec: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 5, 7, 0, 0).unwrap() + Duration::minutes(min) + Duration::seconds(sec)
    }

    const POLICY: Policy = Policy {
        attempts: 3,
        retry_interval: Duration::minutes(5),
        ring_timeout: Duration::seconds(60),
        late_grace: Duration::minutes(10),
        person_at_first_miss: false,
        kept_by_pbx: false,
    };

    #[test]
    fn a_vips_first_unanswered_ring_goes_to_a_person_and_the_retries_go_on() {
        let vip = Policy { person_at_first_miss: true, ..POLICY };
        let (s, e) = transition(st(WakeStatus::Ringing, 1), Input::Rang { answered: false }, at(1, 0), &vip);
        assert_eq!(s, st(WakeStatus::Retrying, 1));
        assert_eq!(e, [Effect::Alert(Alert::VipUnanswered), Effect::RetryAt(at(6, 0))]);
        // Only at the first ring; the last one escalates as any call does.
        let (_, e) = transition(st(WakeStatus::Ringing, 2), Input::Rang { answered: false }, at(7, 0), &vip);
        assert_eq!(e, [Effect::RetryAt(at(12, 0))]);
        let (s, e) = transition(st(WakeStatus::Ringing, 3), Input::Rang { answered: false }, at(13, 0), &vip);
        assert_eq!(s.status, WakeStatus::Failed);
        assert!(e.contains(&Effect::Alert(Alert::Failed { attempts: 3 })));
        // Not a VIP's: nothing until the last attempt.
        let (_, e) = transition(st(WakeStatus::Ringing, 1), Input::Rang { answered: false }, at(1, 0), &POLICY);
        assert_eq!(e, [Effect::RetryAt(at(6, 0))]);
    }

    fn st(status: WakeStatus, attempt: u32) -> State {
        State { status, attempt }
    }

    #[test]
    fn a_due_call_rings_with_a_deadline() {
        let (s, e) = transition(
            st(WakeStatus::Scheduled, 0),
            Input::Due { due: at(0, 0), occurrence: at(0, 0), pbx_up: true },
            at(0, 0),
            &POLICY,
        );
        assert_eq!(s, st(WakeStatus::Ringing, 1));
        assert_eq!(e, [Effect::Ring { attempt: 1, deadline: at(1, 0) }]);
    }

    #[test]
    fn an_answer_ends_the_occurrence_done() {
        let (s, e) = transition(st(WakeStatus::Ringing, 2), Input::Rang { answered: true }, at(6, 0), &POLICY);
        assert_eq!(s, st(WakeStatus::Done, 2));
        assert_eq!(e, [Effect::Finish(WakeStatus::Done)]);
    }

    #[test]
    fn busy_no_answer_or_a_timeout_retries_until_the_last_attempt_then_calls_a_person() {
        let (s, e) = transition(st(WakeStatus::Ringing, 1), Input::Rang { answered: false }, at(1, 0), &POLICY);
        assert_eq!(s, st(WakeStatus::Retrying, 1));
        assert_eq!(e, [Effect::RetryAt(at(6, 0))]);
        let (s, e) = transition(s, Input::Due { due: at(6, 0), occurrence: at(6, 0), pbx_up: true }, at(6, 0), &POLICY);
        assert_eq!((s, e.len()), (st(WakeStatus::Ringing, 2), 1));
        let (s, _) = transition(s, Input::Rang { answered: false }, at(7, 0), &POLICY);
        let (s, _) =
            transition(s, Input::Due { due: at(12, 0), occurrence: at(12, 0), pbx_up: true }, at(12, 0), &POLICY);
        let (s, e) = transition(s, Input::Rang { answered: false }, at(13, 0), &POLICY);
        assert_eq!(s, st(WakeStatus::Failed, 3));
        assert_eq!(e, [Effect::Alert(Alert::Failed { attempts: 3 }), Effect::Finish(WakeStatus::Failed)]);
    }

    #[test]
    fn with_the_pbx_down_each_attempt_fails_at_once_and_a_person_is_told_at_the_first() {
        let down = |s, due| transition(s, Input::Due { due, occurrence: due, pbx_up: false }, due, &POLICY);
        let (s, e) = down(st(WakeStatus::Scheduled, 0), at(0, 0));
        assert_eq!(s, st(WakeStatus::Retrying, 1));
        assert_eq!(
            e,
            [
                Effect::AttemptFailed { attempt: 1, result: "pbx_offline" },
                Effect::Alert(Alert::PbxOffline),
                Effect::RetryAt(at(5, 0))
            ]
        );
        let (s, e) = down(s, at(5, 0));
        assert_eq!(e, [Effect::AttemptFailed { attempt: 2, result: "pbx_offline" }, Effect::RetryAt(at(10, 0))]);
        let (s, e) = down(s, at(10, 0));
        assert_eq!(s, st(WakeStatus::Failed, 3));
        assert_eq!(e.last(), Some(&Effect::Finish(WakeStatus::Failed)));
    }

    #[test]
    fn a_restart_inside_the_grace_rings_and_outside_it_reports_the_call_missed() {
        let inside = transition(
            st(WakeStatus::Scheduled, 0),
            Input::Due { due: at(0, 0), occurrence: at(0, 0), pbx_up: true },
            at(10, 0),
            &POLICY,
        );
        assert_eq!(inside.0, st(WakeStatus::Ringing, 1));
        let (s, e) = transition(
            st(WakeStatus::Retrying, 1),
            Input::Due { due: at(0, 0), occurrence: at(0, 0), pbx_up: true },
            at(10, 1),
            &POLICY,
        );
        assert_eq!(s, st(WakeStatus::Missed, 1));
        assert_eq!(
            e,
            [
                Effect::AttemptFailed { attempt: 1, result: "missed" },
                Effect::Alert(Alert::Missed { late: Duration::seconds(601) }),
                Effect::Finish(WakeStatus::Missed)
            ]
        );
    }

    #[test]
    fn a_check_out_or_cancel_stops_a_ring_and_ends_the_booking_whatever_its_rule() {
        let (s, e) = end(st(WakeStatus::Ringing, 2), WakeStatus::Cancelled);
        assert_eq!(s, st(WakeStatus::Cancelled, 2));
        assert_eq!(e, [Effect::StopRing, Effect::CloseAttempt("cancelled"), Effect::End(WakeStatus::Cancelled)]);
        let (_, e) = end(st(WakeStatus::Retrying, 1), WakeStatus::Cancelled);
        assert_eq!(e, [Effect::CloseAttempt("cancelled"), Effect::End(WakeStatus::Cancelled)]);
        for status in [WakeStatus::Done, WakeStatus::Failed, WakeStatus::Missed, WakeStatus::Cancelled] {
            assert_eq!(end(st(status, 1), WakeStatus::Cancelled), (st(status, 1), vec![]), "{status}: ended already");
        }
    }

    #[test]
    fn a_move_rings_again_at_once_in_the_new_room_without_using_up_an_attempt() {
        let (s, e) = moved(st(WakeStatus::Ringing, 2), at(3, 0));
        assert_eq!(s, st(WakeStatus::Retrying, 1));
        assert_eq!(e, [Effect::StopRing, Effect::CloseAttempt("moved"), Effect::RetryAt(at(3, 0))]);
        let (s, _) = transition(s, Input::Due { due: at(3, 0), occurrence: at(3, 0), pbx_up: true }, at(3, 0), &POLICY);
        assert_eq!(s, st(WakeStatus::Ringing, 2), "the same attempt, rung in the new room");
        for status in [WakeStatus::Scheduled, WakeStatus::Retrying, WakeStatus::Done] {
            assert_eq!(moved(st(status, 1), at(3, 0)), (st(status, 1), vec![]), "{status}");
        }
    }

    #[test]
    fn a_pbx_that_keeps_wake_ups_is_handed_the_call_ahead_and_nothing_rings_or_escalates_here() {
        let kept = Policy { kept_by_pbx: true, ..POLICY };
        let occurrence = at(0, 0) + Duration::hours(10);
        assert_eq!(handover_at(occurrence, at(0, 0)), at(0, 0), "within a day: at once");
        let far = at(0, 0) + Duration::days(3);
        assert_eq!(handover_at(far, at(0, 0)), far - HANDOVER_AHEAD, "further: a day ahead");
        let due = Input::Due { due: at(0, 0), occurrence, pbx_up: false };
        let (s, e) = transition(st(WakeStatus::Scheduled, 0), due, at(0, 0), &kept);
        assert_eq!(s, st(WakeStatus::KeptByPbx, 0));
        assert_eq!(e, [Effect::HandOver { occurrence }], "whether the link is up or not: the queue delivers it");
        let due = Input::Due { due: occurrence, occurrence, pbx_up: true };
        let (s, e) = transition(s, due, occurrence, &kept);
        assert_eq!(s, st(WakeStatus::Done, 1));
        assert_eq!(e, [Effect::AttemptFailed { attempt: 1, result: "kept_by_pbx" }, Effect::Finish(WakeStatus::Done)]);
        // Handed over too late (the service was down): a person calls.
        let late = Input::Due { due: at(0, 0), occurrence, pbx_up: true };
        let (s, e) = transition(st(WakeStatus::Scheduled, 0), late, occurrence + Duration::minutes(1), &kept);
        assert_eq!(s.status, WakeStatus::Missed);
        assert!(matches!(e[1], Effect::Alert(Alert::Missed { .. })));
        // A hand-over still queued at the call's time never reached the PBX: a person calls.
        let unsent = Input::Due { due: occurrence, occurrence, pbx_up: false };
        let (s, e) = transition(st(WakeStatus::KeptByPbx, 0), unsent, occurrence, &kept);
        assert_eq!(s.status, WakeStatus::Failed);
        assert_eq!(e[1], Effect::Alert(Alert::PbxOffline));
        // No answers come; a cancel clears it at the PBX; a move hands it over again.
        let (_, e) = end(st(WakeStatus::KeptByPbx, 0), WakeStatus::Cancelled);
        assert_eq!(e[0], Effect::StopRing);
        let (s, e) = moved(st(WakeStatus::KeptByPbx, 0), at(3, 0));
        assert_eq!((s.status, e), (WakeStatus::Scheduled, vec![Effect::StopRing, Effect::RetryAt(at(3, 0))]));
    }

    #[test]
    fn what_comes_for_a_booking_not_waiting_for_it_changes_nothing() {
        for &status in WakeStatus::ALL {
            let s = st(status, 1);
            if status != WakeStatus::Ringing {
                assert_eq!(transition(s, Input::Rang { answered: true }, at(0, 0), &POLICY), (s, vec![]), "{status}");
            }
            if !matches!(status, WakeStatus::Scheduled | WakeStatus::Retrying) {
                let due = Input::Due { due: at(0, 0), occurrence: at(0, 0), pbx_up: true };
                assert_eq!(transition(s, due, at(0, 0), &POLICY), (s, vec![]), "{status}");
            }
        }
    }
}
