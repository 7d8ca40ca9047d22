//! Wake-up calls and guest messages.

use super::{print_json, room_path, s, url_encode, yn, Client, MsgCommand, WakeupCommand};

pub fn run_msg(c: &Client, cmd: &MsgCommand) -> anyhow::Result<()> {
    match cmd {
        MsgCommand::Leave { room, text, from, callback } => {
            let body = serde_json::json!({ "room": room, "text": text, "from": from, "callback": callback });
            let m = c.post("/api/messages", body)?;
            println!("message {} for room {} taken; the lamp is on", s(&m, "id"), s(&m, "room"));
        }
        MsgCommand::List { room, undelivered, json } => {
            let mut path = format!("/api/messages?undelivered={undelivered}");
            if let Some(r) = room {
                path += &format!("&room={}", url_encode(r));
            }
            let list = c.get(&path)?;
            if *json {
                return print_json(&list);
            }
            if list.as_array().is_none_or(|l| l.is_empty()) {
                println!("no messages");
            }
            for m in list.as_array().into_iter().flatten() {
                let state = if m["delivered"].as_bool().unwrap_or(false) { "delivered" } else { "WAITING" };
                println!(
                    "{:>5} room {:<6} {} {:<9} from {} (call back {}), taken by {}",
                    s(m, "id"),
                    s(m, "room"),
                    s(m, "left_at"),
                    state,
                    s(m, "from"),
                    s(m, "callback"),
                    s(m, "taken_by")
                );
                for line in m["text"].as_str().unwrap_or("(text purged)").lines() {
                    println!("      {line}");
                }
            }
        }
        MsgCommand::Deliver { id } => {
            let m = c.post(&format!("/api/messages/{id}/deliver"), serde_json::json!({}))?;
            println!("message {} for room {} delivered", s(&m, "id"), s(&m, "room"));
        }
        MsgCommand::Clear { id } => {
            let m = c.post(&format!("/api/messages/{id}/clear"), serde_json::json!({}))?;
            println!("message {} for room {} cleared", s(&m, "id"), s(&m, "room"));
        }
        MsgCommand::Lamp { room, state } => {
            let r = c.post(&format!("{}/lamp", room_path(room)?), serde_json::json!({ "on": state == "on" }))?;
            println!("room {}: message lamp {}", s(&r, "room"), yn(&r, "message_lamp"));
        }
    }
    Ok(())
}

pub fn run_wakeup(c: &Client, cmd: &WakeupCommand) -> anyhow::Result<()> {
    match cmd {
        WakeupCommand::Add { room, time, date, daily, days, for_days, cron } => {
            let body = serde_json::json!({
                "room": room, "time": time, "date": date, "daily": daily, "days": days, "for_days": for_days, "cron": cron,
            });
            let w = c.post("/api/wakeups", body)?;
            println!(
                "wake-up call {} for room {}: {}, first at {}",
                s(&w, "id"),
                s(&w, "room"),
                s(&w, "rule"),
                s(&w, "due")
            );
        }
        WakeupCommand::List { room, all, json } => {
            let mut path = format!("/api/wakeups?all={all}");
            if let Some(r) = room {
                path += &format!("&room={}", url_encode(r));
            }
            let list = c.get(&path)?;
            if *json {
                return print_json(&list);
            }
            println!("{:>5} {:<6} {:<20} {:<10} {:<8} RULE", "ID", "ROOM", "DUE", "STATUS", "SOURCE");
            for w in list.as_array().into_iter().flatten() {
                println!(
                    "{:>5} {:<6} {:<20} {:<10} {:<8} {}",
                    s(w, "id"),
                    s(w, "room"),
                    s(w, "due"),
                    s(w, "status"),
                    s(w, "source"),
                    s(w, "rule")
                );
            }
        }
        WakeupCommand::Cancel { id } => {
            let w = c.post(&format!("/api/wakeups/{id}/cancel"), serde_json::json!({}))?;
            println!("wake-up call {} for room {} cancelled", s(&w, "id"), s(&w, "room"));
        }
        WakeupCommand::Report { date, json } => {
            let path = match date {
                Some(d) => format!("/api/wakeups/report?date={}", url_encode(d)),
                None => "/api/wakeups/report".to_string(),
            };
            let r = c.get(&path)?;
            if *json {
                return print_json(&r);
            }
            let report: crate::wakeup::Report = serde_json::from_value(r)?;
            print!("{}", report.to_text());
        }
    }
    Ok(())
}
