//! Shifts, handover, log entries and follow-ups.

use serde_json::Value;

use super::{print_json, s, url_encode, Client, FollowupCommand, LogCommand, ShiftCommand};

pub fn run_shift(c: &Client, cmd: &ShiftCommand) -> anyhow::Result<()> {
    match cmd {
        ShiftCommand::Open => {
            let sh = c.post("/api/shifts/open", serde_json::json!({}))?;
            println!("shift {} opened by {} at {}", s(&sh, "id"), s(&sh, "operator"), s(&sh, "opened_at"));
        }
        ShiftCommand::Close { force } => {
            let h = c.post("/api/shifts/close", serde_json::json!({ "force": force }))?;
            let sheet: crate::logbook::handover::Handover = serde_json::from_value(h)?;
            print!("{}", sheet.to_text());
        }
    }
    Ok(())
}

fn print_entries(list: &Value) {
    if list.as_array().is_none_or(|l| l.is_empty()) {
        println!("no entries");
    }
    for e in list.as_array().into_iter().flatten() {
        let mut tags = vec![s(e, "category")];
        if e["priority"] == "high" {
            tags.push("HIGH".into());
        }
        if let Some(a) = e["amends"].as_i64() {
            tags.push(format!("amends #{a}"));
        }
        if let Some(list) = e["amended_by"].as_array().filter(|l| !l.is_empty()) {
            let ids: Vec<String> = list.iter().map(|v| format!("#{v}")).collect();
            tags.push(format!("amended by {}", ids.join(",")));
        }
        if let Some(f) = e["followup"].as_i64() {
            tags.push(format!("follow-up #{f}"));
        }
        let room = e["room"].as_str().map(|r| format!(" room {r}")).unwrap_or_default();
        println!("#{:<5} {} {:<10}{room} [{}]", s(e, "id"), s(e, "at"), s(e, "author"), tags.join(", "));
        for line in e["text"].as_str().unwrap_or("").lines() {
            println!("       {line}");
        }
    }
}

pub fn run_log(c: &Client, cmd: &LogCommand) -> anyhow::Result<()> {
    match cmd {
        LogCommand::Add { category, priority, room, followup, due, text } => {
            let body = serde_json::json!({
                "text": text, "category": category, "priority": priority, "room": room,
                "followup_owner": followup, "due": due,
            });
            let e = c.post("/api/log", body)?;
            match e["followup"].as_i64() {
                Some(f) => println!("entry {} written; follow-up {f} opened", s(&e, "id")),
                None => println!("entry {} written", s(&e, "id")),
            }
        }
        LogCommand::Amend { id, text } => {
            let e = c.post(&format!("/api/log/{id}/amend"), serde_json::json!({ "text": text }))?;
            println!("entry {} amends entry {id}", s(&e, "id"));
        }
        LogCommand::List { shift, json } => {
            let path = match shift.as_deref() {
                None | Some("current") => "/api/log".to_string(),
                Some(id) => format!("/api/log?shift={}", url_encode(id)),
            };
            let list = c.get(&path)?;
            if *json {
                return print_json(&list);
            }
            print_entries(&list);
        }
        LogCommand::Search { query, room, category, author, since, until, json } => {
            let mut q = vec![format!("q={}", url_encode(query))];
            for (k, v) in
                [("room", room), ("category", category), ("author", author), ("since", since), ("until", until)]
            {
                if let Some(v) = v {
                    q.push(format!("{k}={}", url_encode(v)));
                }
            }
            let list = c.get(&format!("/api/log/search?{}", q.join("&")))?;
            if *json {
                return print_json(&list);
            }
            print_entries(&list);
        }
    }
    Ok(())
}

pub fn run_followup(c: &Client, cmd: &FollowupCommand) -> anyhow::Result<()> {
    match cmd {
        FollowupCommand::List { open, json } => {
            let list = c.get(&format!("/api/followups?open={open}"))?;
            if *json {
                return print_json(&list);
            }
            if list.as_array().is_none_or(|l| l.is_empty()) {
                println!("no follow-ups");
            }
            for f in list.as_array().into_iter().flatten() {
                println!(
                    "#{:<4} {:<11} owner {:<12} due {:<17} entry #{}: {}",
                    s(f, "id"),
                    s(f, "state"),
                    s(f, "owner"),
                    s(f, "due"),
                    s(f, "entry"),
                    s(f, "text")
                );
            }
        }
        FollowupCommand::Update { id, state, text } => {
            let f = c.post(&format!("/api/followups/{id}"), serde_json::json!({ "state": state, "text": text }))?;
            println!("follow-up {} is {}", s(&f, "id"), s(&f, "state"));
        }
    }
    Ok(())
}
