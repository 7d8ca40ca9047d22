//! The live events' payloads (`GET /api/events`, server-sent events): one type for the API that
//! sends them, the CLI that prints them (`switchboard events`) and the console that applies them.
//!
//! Each event is an SSE `event:` name and a JSON `data:` line. A stream carries only what its
//! reader may see, exactly as the same reader's `GET` would answer: a room as
//! `GET /api/rooms/{room}` (an incognito guest's name only to those who may see it), the logbook
//! only to operators and managers.

use serde::{Deserialize, Serialize};

use super::{Alert, Entry, LinkStatus, RoomView, WakeupView};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", content = "data", rename_all = "snake_case")]
pub enum LiveEvent {
    /// First on every (re)connection, and again when the stream fell behind: read everything
    /// (nothing is missed across a drop).
    Hello { link: LinkStatus },
    /// A room changed (a stay, its line, its messages, its status, the PBX took its commands):
    /// the room as `GET /api/rooms/{room}` returns it to this reader.
    Room(RoomView),
    /// A wake-up booking was made, rang, was answered or not, moved or ended: as
    /// `GET /api/wakeups/{id}` returns it.
    Wakeup(WakeupView),
    /// An alert was raised or acknowledged: as `GET /api/alerts?all=true` lists it.
    Alert(Alert),
    /// A logbook entry was written: as `GET /api/log` lists it (operators and managers).
    Log(Entry),
    /// A shift or a follow-up changed: read them again (operators and managers).
    Shift,
    /// The PBX link went up or down, or a resync started or ended.
    Link(LinkStatus),
    /// The PMS link's status changed (up or down, records waiting for it, a resync or night
    /// audit): as `GET /api/pms/status`. Only where a PMS is configured.
    Pms(crate::links::pms::PmsStatus),
}

impl LiveEvent {
    /// The SSE event name.
    pub fn name(&self) -> &'static str {
        match self {
            LiveEvent::Hello { .. } => "hello",
            LiveEvent::Room(_) => "room",
            LiveEvent::Wakeup(_) => "wakeup",
            LiveEvent::Alert(_) => "alert",
            LiveEvent::Log(_) => "log",
            LiveEvent::Shift => "shift",
            LiveEvent::Link(_) => "link",
            LiveEvent::Pms(_) => "pms",
        }
    }

    /// The SSE data: the payload as JSON (`{}` for an event without one).
    pub fn data(&self) -> serde_json::Value {
        match serde_json::to_value(self) {
            Ok(serde_json::Value::Object(mut o)) => o.remove("data").unwrap_or_else(|| serde_json::json!({})),
            _ => serde_json::json!({}),
        }
    }

    /// The event from its SSE name and data (what a client reads).
    pub fn parse(name: &str, data: &str) -> Result<LiveEvent, serde_json::Error> {
        let data: serde_json::Value = serde_json::from_str(data)?;
        let tagged = if data == serde_json::json!({}) && name == "shift" {
            serde_json::json!({ "event": name })
        } else {
            serde_json::json!({ "event": name, "data": data })
        };
        serde_json::from_value(tagged)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_goes_out_as_a_name_and_its_data_and_comes_back_the_same() {
        let alert = Alert {
            id: 7,
            at: "2026-12-05T03:00:00Z".into(),
            kind: "wakeup_failed".into(),
            room: Some("305".into()),
            wakeup: Some(3),
            message: "m".into(),
            acked_by: None,
            acked_at: None,
            params: serde_json::json!({ "wakeup": 3, "room": "305", "at": "06:30", "attempts": 3 }),
        };
        for e in [LiveEvent::Alert(alert), LiveEvent::Shift] {
            let (name, data) = (e.name(), e.data().to_string());
            assert_eq!(LiveEvent::parse(name, &data).unwrap(), e, "{name} {data}");
        }
        assert_eq!(LiveEvent::Shift.data(), serde_json::json!({}));
    }
}
