//! Shifts, handover, log entries and follow-ups.

use super::client::Client;
use super::render::{self, or_dash};
use super::subcommands::{FollowupCommand, HandoverCommand, LogCommand, ShiftCommand};
use crate::http::contract::{
    route, Amend, CloseShift, Entry, FollowupChange, FollowupsQuery, LogQuery, NewEntry, PrintQuery, Search,
};

pub fn run_shift(c: &Client, cmd: &ShiftCommand) -> anyhow::Result<()> {
    match cmd {
        ShiftCommand::Open => {
            let sh = c.call::<route::OpenShift>(&[], &())?;
            println!("shift {} opened by {} at {}", sh.id, sh.operator, super::render::local(&sh.opened_at));
        }
        ShiftCommand::Close { force } => {
            let sheet = c.call::<route::CloseShift>(&[], &CloseShift { force: *force })?;
            print!("{}", sheet.to_text());
        }
    }
    Ok(())
}

/// `html`: the printable page, in the language given (English if none).
pub fn run_handover(
    c: &Client,
    cmd: Option<&HandoverCommand>,
    json: bool,
    html: Option<Option<&str>>,
) -> anyhow::Result<()> {
    if let Some(HandoverCommand::Ack) = cmd {
        let sh = c.call::<route::AckHandover>(&[], &())?;
        println!("handover of shift {} acknowledged; you may open your shift", sh.id);
        return Ok(());
    }
    if let Some(lang) = html {
        let q = PrintQuery { lang: lang.map(str::to_string), room: None };
        print!("{}", c.call::<route::HandoverPrint>(&[], &q)?);
        return Ok(());
    }
    let sheet = c.call::<route::Handover>(&[], &())?;
    if json {
        return render::json(&sheet);
    }
    match sheet {
        Some(sheet) => print!("{}", sheet.to_text()),
        None => println!("no shift has been closed yet"),
    }
    Ok(())
}

fn entry_block(e: &Entry) -> String {
    let mut tags = vec![e.category.to_string()];
    if e.priority == "high" {
        tags.push("HIGH".into());
    }
    if let Some(a) = e.amends {
        tags.push(format!("amends #{a}"));
    }
    if !e.amended_by.is_empty() {
        let ids: Vec<String> = e.amended_by.iter().map(|v| format!("#{v}")).collect();
        tags.push(format!("amended by {}", ids.join(",")));
    }
    if let Some(f) = e.followup {
        tags.push(format!("follow-up #{f}"));
    }
    let room = e.room.as_ref().map(|r| format!(" room {r}")).unwrap_or_default();
    let mut out =
        format!("#{:<5} {} {:<10}{room} [{}]\n", e.id, super::render::local(&e.at), e.author, tags.join(", "));
    for line in e.text.lines() {
        out += &format!("       {line}\n");
    }
    out
}

pub fn run_log(c: &Client, cmd: &LogCommand) -> anyhow::Result<()> {
    match cmd {
        LogCommand::Add { category, priority, room, followup, due, text } => {
            let req = NewEntry {
                text: text.clone(),
                category: Some(*category),
                priority: Some(*priority),
                room: room.clone(),
                followup_owner: followup.clone(),
                due: due.clone(),
                shift: None,
            };
            let e = c.call::<route::AddLog>(&[], &req)?;
            match e.followup {
                Some(f) => println!("entry {} written; follow-up {f} opened", e.id),
                None => println!("entry {} written", e.id),
            }
        }
        LogCommand::Amend { id, text } => {
            let e = c.call::<route::Amend>(&[&id.to_string()], &Amend { text: text.clone() })?;
            println!("entry {} amends entry {id}", e.id);
        }
        LogCommand::List { shift, json } => {
            let shift = match shift.as_deref() {
                None | Some("current") => None,
                Some(id) => {
                    Some(id.parse().map_err(|_| anyhow::anyhow!("--shift {id:?}: give a shift id or \"current\""))?)
                }
            };
            let list = c.call::<route::Log>(&[], &LogQuery { shift })?;
            render::blocks(&list, *json, "no entries", entry_block)?;
        }
        LogCommand::Search { query, room, category, author, since, until, json } => {
            let q = Search {
                q: Some(query.clone()),
                room: room.clone(),
                category: *category,
                author: author.clone(),
                since: since.clone(),
                until: until.clone(),
                shift: None,
            };
            let list = c.call::<route::SearchLog>(&[], &q)?;
            render::blocks(&list, *json, "no entries", entry_block)?;
        }
    }
    Ok(())
}

pub fn run_followup(c: &Client, cmd: &FollowupCommand) -> anyhow::Result<()> {
    match cmd {
        FollowupCommand::List { open, json } => {
            let list = c.call::<route::Followups>(&[], &FollowupsQuery { open: Some(*open) })?;
            let header = ["#ID", "STATE", "OWNER", "DUE", "#ENTRY", "TEXT"];
            render::list(&list, *json, "no follow-ups", &header, |f| {
                vec![
                    f.id.to_string(),
                    f.state.to_string(),
                    f.owner.clone(),
                    or_dash(f.due.as_ref()),
                    f.entry.to_string(),
                    f.text.lines().next().unwrap_or_default().to_string(),
                ]
            })?;
        }
        FollowupCommand::Update { id, state, text } => {
            let req = FollowupChange { state: *state, text: text.clone() };
            let f = c.call::<route::UpdateFollowup>(&[&id.to_string()], &req)?;
            println!("follow-up {} is {}", f.id, f.state);
        }
    }
    Ok(())
}
