//! Wake-up calls, alerts and guest messages.

use super::client::Client;
use super::render::{self, on_off, or_dash};
use super::rooms::room_arg;
use super::subcommands::{AlertsCommand, MsgCommand, WakeupCommand};
use crate::http::contract::{route, AlertsQuery, Booking, DateQuery, MessagesQuery, NewMessage, Switch, WakeupsQuery};

pub fn run_msg(c: &Client, cmd: &MsgCommand) -> anyhow::Result<()> {
    match cmd {
        MsgCommand::Leave { room, text, from, callback } => {
            let req = NewMessage {
                room: room.clone(),
                text: text.clone(),
                from: from.clone(),
                callback: callback.clone(),
                pms_id: None,
            };
            let m = c.call::<route::LeaveMessage>(&[], &req)?;
            println!("message {} for room {} taken; the lamp is on", m.id, m.room);
        }
        MsgCommand::List { room, undelivered, json } => {
            let q = MessagesQuery { room: room.clone(), undelivered: Some(*undelivered) };
            let list = c.call::<route::Messages>(&[], &q)?;
            render::blocks(&list, *json, "no messages", |m| {
                let state = if m.delivered { "delivered" } else { "WAITING" };
                let mut out = format!(
                    "{:>5} room {:<6} {} {:<9} from {} (call back {}), taken by {}\n",
                    m.id,
                    m.room,
                    super::render::local(&m.left_at),
                    state,
                    or_dash(m.from.as_ref()),
                    or_dash(m.callback.as_ref()),
                    m.taken_by
                );
                for line in m.text.as_deref().unwrap_or("(text purged)").lines() {
                    out += &format!("      {line}\n");
                }
                out
            })?;
        }
        MsgCommand::Deliver { id } => {
            let m = c.call::<route::DeliverMessage>(&[&id.to_string()], &())?;
            println!("message {} for room {} delivered", m.id, m.room);
        }
        MsgCommand::Clear { id } => {
            let m = c.call::<route::ClearMessage>(&[&id.to_string()], &())?;
            println!("message {} for room {} cleared", m.id, m.room);
        }
        MsgCommand::Lamp { room, state } => {
            let r = c.call::<route::Lamp>(&[room_arg(room)?], &Switch { on: state == "on" })?;
            println!("room {}: message lamp {}", r.room, on_off(r.message_lamp));
        }
    }
    Ok(())
}

pub fn run_wakeup(c: &Client, cmd: &WakeupCommand) -> anyhow::Result<()> {
    match cmd {
        WakeupCommand::Add { room, time, date, daily, days, for_days, cron } => {
            let req = Booking {
                room: room.clone(),
                time: time.clone(),
                date: date.clone(),
                daily: *daily,
                days: days.clone(),
                for_days: *for_days,
                cron: cron.clone(),
            };
            let w = c.call::<route::BookWakeup>(&[], &req)?;
            println!("wake-up call {} for room {}: {}, first at {}", w.id, w.room, w.rule, or_dash(w.due));
        }
        WakeupCommand::List { room, all, json } => {
            let list = c.call::<route::Wakeups>(&[], &WakeupsQuery { room: room.clone(), all: Some(*all) })?;
            let header = ["#ID", "ROOM", "DUE", "STATUS", "SOURCE", "RULE"];
            render::list(&list, *json, "no wake-up calls", &header, |w| {
                vec![
                    w.id.to_string(),
                    w.room.clone(),
                    or_dash(w.due.as_ref()),
                    w.status.to_string(),
                    w.source.clone(),
                    w.rule.clone(),
                ]
            })?;
        }
        WakeupCommand::Cancel { id } => {
            let w = c.call::<route::CancelWakeup>(&[&id.to_string()], &())?;
            println!("wake-up call {} for room {} cancelled", w.id, w.room);
        }
        WakeupCommand::Report { date, json } => {
            let report = c.call::<route::WakeupReport>(&[], &DateQuery { date: date.clone() })?;
            if *json {
                return render::json(&report);
            }
            print!("{}", report.to_text());
        }
    }
    Ok(())
}

pub fn run_alerts(c: &Client, cmd: Option<&AlertsCommand>, all: bool, json: bool) -> anyhow::Result<()> {
    if let Some(AlertsCommand::Ack { id }) = cmd {
        let a = c.call::<route::AckAlert>(&[&id.to_string()], &())?;
        println!("alert {} acknowledged by {}", a.id, or_dash(a.acked_by));
        return Ok(());
    }
    let list = c.call::<route::Alerts>(&[], &AlertsQuery { all: Some(all) })?;
    let empty = if all { "no alerts" } else { "no open alerts" };
    render::list(&list, json, empty, &["#ID", "TIME", "KIND", "ROOM", "ALERT", "ACKNOWLEDGED BY"], |a| {
        vec![
            a.id.to_string(),
            a.at.clone(),
            a.kind.clone(),
            or_dash(a.room.as_ref()),
            a.message.clone(),
            or_dash(a.acked_by.as_ref()),
        ]
    })
}
