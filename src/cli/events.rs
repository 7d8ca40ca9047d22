//! `switchboard events`: the live events, one line each (or one JSON object each), as the
//! console receives them.

use crate::http::contract::LiveEvent;

use super::client::Client;
use super::render::local;

pub fn follow(c: &Client, count: Option<usize>, json: bool) -> anyhow::Result<()> {
    let mut seen = 0;
    c.events(|e| {
        println!("{}", if json { serde_json::to_string(&e)? } else { line(&e) });
        seen += 1;
        Ok(count.is_none_or(|n| seen < n))
    })
}

fn on_off(on: bool) -> &'static str {
    if on {
        "on"
    } else {
        "off"
    }
}

/// One event as a person reads it.
pub fn line(e: &LiveEvent) -> String {
    match e {
        LiveEvent::Hello { link } => {
            format!(
                "connected; the PBX link is {} since {}",
                link.link,
                link.since.as_deref().map_or("start".into(), local)
            )
        }
        LiveEvent::Room(r) => {
            let who = match (&r.guest_name, r.occupied) {
                (Some(name), _) => format!("occupied by {name}"),
                (None, true) => "occupied (incognito)".into(),
                (None, false) => "vacant".into(),
            };
            let pbx = if r.pbx_synced { "PBX synced".to_string() } else { format!("{} for the PBX", r.pbx_pending) };
            format!(
                "room {}: {who}, {}, class {}, lamp {}, DND {}, {} message(s) waiting, {pbx}",
                r.room,
                r.housekeeping,
                r.class_of_service,
                on_off(r.message_lamp),
                on_off(r.dnd),
                r.messages_waiting
            )
        }
        LiveEvent::Wakeup(w) => format!(
            "wake-up {} for room {}: {} ({}){}",
            w.id,
            w.room,
            w.status,
            w.rule,
            w.due.as_deref().map(|d| format!(", next {d}")).unwrap_or_default()
        ),
        LiveEvent::Alert(a) => match &a.acked_by {
            Some(by) => format!("alert {} acknowledged by {by}", a.id),
            None => format!("ALERT {} ({}): {}", a.id, a.kind, a.message),
        },
        LiveEvent::Log(l) => format!("log #{} {} {} [{}]: {}", l.id, local(&l.at), l.author, l.category, l.text),
        LiveEvent::Shift => "shifts or follow-ups changed".into(),
        LiveEvent::Pms(p) => format!("the PMS link is {:?}; {} record(s) for the PMS waiting", p.link, p.queued),
        LiveEvent::Link(link) => {
            format!("the PBX link is {} since {}", link.link, link.since.as_deref().map_or("start".into(), local))
        }
    }
}
