//! What the simulated PBX knows (rooms, counters) and how it is published to whoever watches:
//! after every change, copying only what changed.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

/// How a room's phone reacts when rung for a wake-up call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum RingBehaviour {
    /// Picked up: `WA` with `AS=OK`.
    #[default]
    Answer,
    /// Rang out: `WA` with `AS=NR`.
    NoAnswer,
    /// Line busy: `WA` with `AS=BY`.
    Busy,
    /// The PBX never answers the `WR` at all (tests the ring timeout).
    NoResult,
}

/// One room as the PBX sees it. (A state file may leave out any field: it takes its default.)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct RoomState {
    pub occupied: bool,
    pub stay: Option<String>,
    pub guest_name: Option<String>,
    pub first_name: Option<String>,
    pub language: Option<String>,
    pub class_of_service: u8,
    pub message_lamp: bool,
    pub dnd: bool,
    /// Message texts received by `XL`, by message id.
    pub messages: BTreeMap<String, String>,
    /// Wake-up rings so far.
    pub rings: u32,
    /// Rings that came while the room was vacant (after its check-out): never wanted.
    #[serde(default)]
    pub rings_vacant: u32,
    pub ring_behaviour: RingBehaviour,
    /// A wake-up the PBX keeps for this room (a Mitel's `WKP`), as HH:MM.
    #[serde(default)]
    pub kept_wakeup: Option<String>,
    /// The texts (`MT`) of the `XT` answers to the last `XM` asked for this room; an `XT`
    /// without a text (no message waits) is an empty string.
    #[serde(default)]
    pub texts_answered: Vec<String>,
}

impl RoomState {
    /// Occupies the room with (stay, name, first name, language), or vacates it.
    #[allow(clippy::type_complexity)]
    pub(crate) fn set_guest(
        &mut self,
        guest: Option<(Option<String>, Option<String>, Option<String>, Option<String>)>,
    ) {
        self.occupied = guest.is_some();
        let (stay, name, first, language) = guest.unwrap_or_default();
        self.stay = stay;
        self.guest_name = name;
        self.first_name = first;
        self.language = language;
    }
}

/// Everything the PBX knows; published after every change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct SimState {
    pub link_up: bool,
    pub rooms: BTreeMap<String, RoomState>,
    /// Application records accepted from the PMS.
    pub records_received: u64,
    /// Completed database swaps (DS ... DE).
    pub resyncs: u64,
    pub resync_in_progress: bool,
    /// Frames that arrived with a bad LRC (NAKed).
    pub bad_frames: u64,
    /// Link starts answered (LS received).
    pub link_starts: u64,
    /// Call charges posted (PS) and answered by the PMS (PA).
    #[serde(default)]
    pub postings_sent: u64,
    #[serde(default)]
    pub postings_answered: u64,
    /// The answer status (`AS`) the PMS gave each posting, by posting number (`P#`).
    #[serde(default)]
    pub posting_answers: BTreeMap<String, String>,
}

/// What changed since the state was last published.
#[derive(Debug, Default)]
struct Unpublished {
    rooms: BTreeSet<String>,
    posting_answers: bool,
    /// The whole state was replaced.
    everything: bool,
}

impl Unpublished {
    /// Brings `out`, the state as last published, up to date with `state`, copying only what
    /// changed since (a whole copy of 2,000 rooms after every record was a tenth of a busy
    /// service's allocations).
    fn publish(self, state: &SimState, out: &mut SimState) {
        if self.everything {
            *out = state.clone();
            return;
        }
        // Every field named: a new one must say here how it is published.
        let SimState {
            link_up,
            rooms,
            records_received,
            resyncs,
            resync_in_progress,
            bad_frames,
            link_starts,
            postings_sent,
            postings_answered,
            posting_answers,
        } = state;
        for room in self.rooms {
            if let Some(r) = rooms.get(&room) {
                out.rooms.insert(room, r.clone());
            }
        }
        if self.posting_answers {
            out.posting_answers = posting_answers.clone();
        }
        out.link_up = *link_up;
        out.records_received = *records_received;
        out.resyncs = *resyncs;
        out.resync_in_progress = *resync_in_progress;
        out.bad_frames = *bad_frames;
        out.link_starts = *link_starts;
        out.postings_sent = *postings_sent;
        out.postings_answered = *postings_answered;
    }
}

/// A simulated PBX's state with what changed since it was last published: one for every
/// protocol's engine.
#[derive(Debug, Default)]
pub(crate) struct Published {
    pub(crate) state: SimState,
    changed: bool,
    unpublished: Unpublished,
}

impl Published {
    pub(crate) fn replace(&mut self, state: SimState) {
        self.state = state;
        self.changed = true;
        self.unpublished.everything = true;
    }

    /// Brings `out`, the state as last published, up to date with this one, copying only what
    /// changed since.
    pub(crate) fn publish_into(&mut self, out: &mut SimState) {
        std::mem::take(&mut self.unpublished).publish(&self.state, out);
    }

    /// True once since the last call if the state changed.
    pub(crate) fn take_changed(&mut self) -> bool {
        std::mem::take(&mut self.changed)
    }

    /// Something besides a room changed (a counter, the link).
    pub(crate) fn touch(&mut self) {
        self.changed = true;
    }

    pub(crate) fn posting_answers_changed(&mut self) {
        self.changed = true;
        self.unpublished.posting_answers = true;
    }

    /// Room `rn`, to change (it is published next).
    pub(crate) fn room(&mut self, rn: &str) -> &mut RoomState {
        self.changed = true;
        if !self.unpublished.rooms.contains(rn) {
            self.unpublished.rooms.insert(rn.to_string());
        }
        self.state.rooms.entry(rn.to_string()).or_default()
    }
}
