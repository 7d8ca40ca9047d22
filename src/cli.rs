//! The command line: `serve`, `pbx-sim`, and the desk commands, which are clients of the API.
//!
//! Global options (`--config`, `--api`) go before the subcommand. Every failure prints one line
//! on stderr and exits non-zero (see `main`).

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{anyhow, bail, Context};
use clap::{Parser, Subcommand};
use serde_json::Value;

use crate::config::Config;

/// Tokens `switchboard login` stored, one per API address, in the user's config directory.
pub mod tokens {
    use std::collections::BTreeMap;
    use std::path::PathBuf;

    use anyhow::Context;

    /// `$XDG_CONFIG_HOME/switchboard/tokens.json`, or `~/.config/switchboard/tokens.json`.
    pub fn path() -> Option<PathBuf> {
        let base = std::env::var_os("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
        Some(base.join("switchboard").join("tokens.json"))
    }

    fn read() -> BTreeMap<String, String> {
        path()
            .and_then(|p| std::fs::read_to_string(p).ok())
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default()
    }

    pub fn load(api: &str) -> Option<String> {
        read().remove(api)
    }

    /// Stores (or with `None` forgets) the token for `api`; the file is private to the user.
    pub fn store(api: &str, token: Option<&str>) -> anyhow::Result<()> {
        use std::os::unix::fs::OpenOptionsExt;
        let path = path().context("no HOME or XDG_CONFIG_HOME to keep the token in")?;
        let mut all = read();
        match token {
            Some(t) => all.insert(api.to_string(), t.to_string()),
            None => all.remove(api),
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        let tmp = path.with_extension("tmp");
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)
            .with_context(|| format!("writing {}", tmp.display()))?;
        std::io::Write::write_all(&mut f, serde_json::to_string_pretty(&all)?.as_bytes())?;
        std::fs::rename(&tmp, &path).with_context(|| format!("writing {}", path.display()))?;
        Ok(())
    }
}

#[derive(Debug, Parser)]
#[command(name = "switchboard", version, about = "Hotel switchboard: front desk <-> PBX")]
pub struct Cli {
    /// The hotel's configuration file.
    #[arg(long, global = true, default_value = "hotel.toml")]
    pub config: PathBuf,
    /// The service's API (default: http:// plus the config's [api] listen address).
    #[arg(long, global = true)]
    pub api: Option<String>,
    /// Bearer token (default: the one `switchboard login` stored for this API).
    #[arg(long, global = true, env = "SWITCHBOARD_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the service (the default when no command is given).
    Serve,
    /// Run the PBX simulator on a new pseudo-terminal and print its path.
    PbxSim {
        /// Keep every room's state, as the PBX sees it, in this JSON file.
        #[arg(long)]
        state_file: Option<PathBuf>,
        /// FIAS ACK timeout, e.g. "3s" (tests use shorter).
        #[arg(long, default_value = "3s")]
        ack_timeout: String,
    },
    /// Check a guest in: open the room's line and show their name.
    Checkin {
        room: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        first_name: Option<String>,
        /// Language code, e.g. EN.
        #[arg(long)]
        language: Option<String>,
        /// Class of service (default: [rooms] default_class).
        #[arg(long)]
        class: Option<u8>,
        #[arg(long)]
        reservation: Option<String>,
        /// Incognito: no name on the PBX, hidden from desk lists and name look-ups.
        #[arg(long)]
        private: bool,
    },
    /// Check a guest out: bar the room's line (refused while messages wait, unless discarded).
    Checkout {
        room: String,
        /// Check out even with undelivered messages (their texts are purged).
        #[arg(long)]
        discard_messages: bool,
    },
    /// Move a stay to another (vacant) room.
    Move { from: String, to: String },
    /// Do-not-disturb on or off.
    Dnd {
        room: String,
        #[arg(value_parser = ["on", "off"])]
        state: String,
    },
    /// Change an occupied room's class of service.
    Class { room: String, class: u8 },
    /// List every room.
    Rooms {
        #[arg(long)]
        json: bool,
    },
    /// Show one room.
    Room {
        room: String,
        #[arg(long)]
        json: bool,
    },
    /// List stays (active ones unless --all).
    Stays {
        #[arg(long)]
        all: bool,
        #[arg(long)]
        json: bool,
    },
    /// The PBX link.
    Pbx {
        #[command(subcommand)]
        command: PbxCommand,
    },
    /// Guest messages and the message lamp.
    Msg {
        #[command(subcommand)]
        command: MsgCommand,
    },
    /// Wake-up calls.
    Wakeup {
        #[command(subcommand)]
        command: WakeupCommand,
    },
    /// Alerts a person must acknowledge (open ones unless --all).
    Alerts {
        #[command(subcommand)]
        command: Option<AlertsCommand>,
        #[arg(long)]
        all: bool,
        #[arg(long)]
        json: bool,
    },
    /// Shifts of the operator's logbook.
    Shift {
        #[command(subcommand)]
        command: ShiftCommand,
    },
    /// The last shift's handover sheet (`handover ack` to take over).
    Handover {
        #[command(subcommand)]
        command: Option<HandoverCommand>,
        #[arg(long)]
        json: bool,
        /// Print the sheet as an HTML page (for the paper book).
        #[arg(long)]
        html: bool,
    },
    /// The operator's logbook.
    Log {
        #[command(subcommand)]
        command: LogCommand,
    },
    /// Follow-ups from the logbook.
    Followup {
        #[command(subcommand)]
        command: FollowupCommand,
    },
    /// Which room is a guest in (staff only).
    Guests {
        name: String,
        #[arg(long)]
        json: bool,
    },
    /// Sign in; the token is kept in your config directory.
    Login {
        #[arg(long)]
        user: Option<String>,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Sign out and forget the stored token.
    Logout,
    /// Staff accounts (managers). Without a token, works directly on the store file.
    Staff {
        #[command(subcommand)]
        command: StaffCommand,
    },
    /// The audit trail (managers; desk and operator staff for one --room).
    Audit {
        #[arg(long)]
        room: Option<String>,
        #[arg(long)]
        staff: Option<String>,
        /// A date (YYYY-MM-DD) or an RFC 3339 time.
        #[arg(long)]
        since: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum WakeupCommand {
    /// Book a call: one-off (next occurrence of TIME, or --date), --daily, --days mon,wed,
    /// --for-days N, or --cron EXPR (which picks the days; TIME, if given, the time).
    Add {
        room: String,
        /// HH:MM or HH:MM:SS, hotel local time.
        time: Option<String>,
        #[arg(long)]
        date: Option<String>,
        #[arg(long, group = "repeat")]
        daily: bool,
        #[arg(long, group = "repeat")]
        days: Option<String>,
        #[arg(long, group = "repeat")]
        for_days: Option<u32>,
        #[arg(long, group = "repeat")]
        cron: Option<String>,
    },
    /// Active calls (all states with --all), soonest first.
    List {
        #[arg(long)]
        room: Option<String>,
        #[arg(long)]
        all: bool,
        #[arg(long)]
        json: bool,
    },
    /// Cancel a call (a ring in progress stops).
    Cancel { id: i64 },
    /// Every call of a day (default today): attempts and outcomes.
    Report {
        #[arg(long)]
        date: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum MsgCommand {
    /// Take a message for the guest in ROOM (lights the lamp).
    Leave {
        room: String,
        #[arg(long)]
        text: String,
        /// Who left it.
        #[arg(long)]
        from: Option<String>,
        #[arg(long)]
        callback: Option<String>,
    },
    /// Messages of current stays, oldest first; --undelivered without ROOM is the night round.
    List {
        room: Option<String>,
        #[arg(long)]
        undelivered: bool,
        #[arg(long)]
        json: bool,
    },
    /// Mark a message delivered.
    Deliver { id: i64 },
    /// Remove a message without delivering it (its text is purged).
    Clear { id: i64 },
    /// Set the message lamp by hand (until the next message change).
    Lamp {
        room: String,
        #[arg(value_parser = ["on", "off"])]
        state: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum ShiftCommand {
    /// Open your shift (after acknowledging the last handover).
    Open,
    /// Close your shift; prints its handover sheet. Managers may --force someone else's.
    Close {
        #[arg(long)]
        force: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum HandoverCommand {
    /// Acknowledge the last handover (the incoming operator).
    Ack,
}

#[derive(Debug, Subcommand)]
pub enum LogCommand {
    /// Write an entry into the open shift.
    Add {
        /// incident, guest_request, maintenance, security or note.
        #[arg(long, default_value = "note")]
        category: String,
        /// normal or high.
        #[arg(long, default_value = "normal")]
        priority: String,
        #[arg(long)]
        room: Option<String>,
        /// Open a follow-up owned by this staff member or role.
        #[arg(long)]
        followup: Option<String>,
        /// When the follow-up is due, e.g. "2026-12-01 09:00".
        #[arg(long)]
        due: Option<String>,
        text: String,
    },
    /// Correct an entry with a new one (both stay).
    Amend { id: i64, text: String },
    /// Entries of the open shift (or --shift ID).
    List {
        #[arg(long)]
        shift: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Full-text search over every entry.
    Search {
        query: String,
        #[arg(long)]
        room: Option<String>,
        #[arg(long)]
        category: Option<String>,
        #[arg(long)]
        author: Option<String>,
        #[arg(long)]
        since: Option<String>,
        #[arg(long)]
        until: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum FollowupCommand {
    List {
        /// Only open and in-progress ones.
        #[arg(long)]
        open: bool,
        #[arg(long)]
        json: bool,
    },
    /// Move a follow-up to open, in_progress or done (with an entry saying so).
    Update {
        id: i64,
        #[arg(long)]
        state: String,
        text: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum AlertsCommand {
    /// Acknowledge an alert.
    Ack { id: i64 },
}

#[derive(Debug, Subcommand)]
pub enum StaffCommand {
    /// Add an account; the password comes from --password-stdin, a prompt, or is generated.
    Add {
        name: String,
        #[arg(long)]
        role: String,
        #[arg(long)]
        display_name: Option<String>,
        #[arg(long)]
        password_stdin: bool,
    },
    List {
        #[arg(long)]
        json: bool,
    },
    /// Disable an account (its sessions end at once).
    Disable { name: String },
    /// Set a new password.
    Passwd {
        name: String,
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum PbxCommand {
    /// Link state and commands waiting.
    Status {
        #[arg(long)]
        json: bool,
    },
    /// Send every room's state to the PBX again.
    Resync,
}

/// A small blocking client of the service's API.
pub struct Client {
    base: String,
    agent: ureq::Agent,
    token: Option<String>,
}

impl Client {
    /// Uses `--api`, or the listen address of the config file; the token from `--token`,
    /// `SWITCHBOARD_TOKEN` or the token store.
    pub fn new(cli: &Cli) -> anyhow::Result<Client> {
        let base = api_base(cli)?;
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into();
        let token = cli.token.clone().or_else(|| tokens::load(&base));
        Ok(Client { base, agent, token })
    }

    fn auth<B>(&self, req: ureq::RequestBuilder<B>) -> ureq::RequestBuilder<B> {
        match &self.token {
            Some(t) => req.header("Authorization", format!("Bearer {t}")),
            None => req,
        }
    }

    fn handle(&self, res: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> anyhow::Result<Value> {
        let mut resp = res.map_err(|e| anyhow!("cannot reach switchboard at {}: {e}", self.base))?;
        let status = resp.status();
        let text = resp.body_mut().read_to_string().context("reading the service's answer")?;
        let body: Value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        if status.is_success() {
            Ok(body)
        } else {
            let msg = body.get("error").and_then(Value::as_str).map(str::to_string).unwrap_or_else(|| body.to_string());
            bail!("{msg}")
        }
    }

    pub fn get(&self, path: &str) -> anyhow::Result<Value> {
        self.handle(self.auth(self.agent.get(format!("{}{path}", self.base))).call())
    }

    /// A GET whose answer is not JSON (the printable handover page).
    pub fn get_text(&self, path: &str) -> anyhow::Result<String> {
        let mut resp = self
            .auth(self.agent.get(format!("{}{path}", self.base)))
            .call()
            .map_err(|e| anyhow!("cannot reach switchboard at {}: {e}", self.base))?;
        let status = resp.status();
        let text = resp.body_mut().read_to_string().context("reading the service's answer")?;
        if status.is_success() {
            return Ok(text);
        }
        let body: Value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        bail!("{}", body.get("error").and_then(Value::as_str).unwrap_or("request failed"))
    }

    pub fn post(&self, path: &str, body: Value) -> anyhow::Result<Value> {
        self.handle(self.auth(self.agent.post(format!("{}{path}", self.base))).send_json(body))
    }
}

pub fn s(v: &Value, k: &str) -> String {
    match v.get(k) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => "-".into(),
        Some(other) => other.to_string(),
    }
}

fn yn(v: &Value, k: &str) -> &'static str {
    if v.get(k).and_then(Value::as_bool).unwrap_or(false) {
        "on"
    } else {
        "off"
    }
}

fn print_room_line(r: &Value) {
    println!(
        "{:<8} {:<9} {:<30} {:>5} {:<4} {:<4} {}",
        s(r, "room"),
        if r["occupied"].as_bool().unwrap_or(false) { "occupied" } else { "vacant" },
        s(r, "guest_name"),
        s(r, "class_of_service"),
        yn(r, "message_lamp"),
        yn(r, "dnd"),
        if r["pbx_synced"].as_bool().unwrap_or(false) {
            "synced".to_string()
        } else {
            format!("{} waiting", s(r, "pbx_pending"))
        }
    );
}

pub fn print_json(v: &Value) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}

fn run_shift(c: &Client, cmd: &ShiftCommand) -> anyhow::Result<()> {
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

fn run_log(c: &Client, cmd: &LogCommand) -> anyhow::Result<()> {
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

fn run_followup(c: &Client, cmd: &FollowupCommand) -> anyhow::Result<()> {
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

fn run_msg(c: &Client, cmd: &MsgCommand) -> anyhow::Result<()> {
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

fn run_wakeup(c: &Client, cmd: &WakeupCommand) -> anyhow::Result<()> {
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

/// Percent-encodes a query value.
pub fn url_encode(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn room_path(room: &str) -> anyhow::Result<String> {
    if room.is_empty() || !room.bytes().all(|b| b.is_ascii_alphanumeric()) {
        bail!("room {room:?} must be letters and digits");
    }
    Ok(format!("/api/rooms/{room}"))
}

fn api_base(cli: &Cli) -> anyhow::Result<String> {
    Ok(match &cli.api {
        Some(url) => url.trim_end_matches('/').to_string(),
        None => {
            let cfg = Config::from_file(&cli.config).map_err(|e| anyhow!("{e} (or give --api URL)"))?;
            format!("http://{}", cfg.listen)
        }
    })
}

/// Runs one client command against the API.
pub fn run_client(cli: &Cli, cmd: &Command) -> anyhow::Result<()> {
    if let Command::Staff { command } = cmd {
        return crate::cli_staff::run(cli, command);
    }
    let c = Client::new(cli)?;
    match cmd {
        Command::Checkin { room, name, first_name, language, class, reservation, private } => {
            let body = serde_json::json!({
                "name": name, "first_name": first_name, "language": language, "class": class,
                "reservation": reservation, "private": private,
            });
            let stay = c.post(&format!("{}/checkin", room_path(room)?), body)?;
            println!("checked in {} to room {} (stay {})", s(&stay, "guest_name"), s(&stay, "room"), s(&stay, "id"));
        }
        Command::Checkout { room, discard_messages } => {
            let body = serde_json::json!({ "discard_messages": discard_messages });
            let stay = c.post(&format!("{}/checkout", room_path(room)?), body)?;
            println!("checked out {} from room {} (stay {})", s(&stay, "guest_name"), s(&stay, "room"), s(&stay, "id"));
        }
        Command::Move { from, to } => {
            let stay = c.post(&format!("{}/move", room_path(from)?), serde_json::json!({ "to": to }))?;
            println!("moved stay {} from room {from} to room {}", s(&stay, "id"), s(&stay, "room"));
        }
        Command::Dnd { room, state } => {
            let r = c.post(&format!("{}/dnd", room_path(room)?), serde_json::json!({ "on": state == "on" }))?;
            println!("room {}: do-not-disturb {}", s(&r, "room"), yn(&r, "dnd"));
        }
        Command::Class { room, class } => {
            let r = c.post(&format!("{}/class", room_path(room)?), serde_json::json!({ "class": class }))?;
            println!("room {}: class of service {}", s(&r, "room"), s(&r, "class_of_service"));
        }
        Command::Rooms { json } => {
            let rooms = c.get("/api/rooms")?;
            if *json {
                return print_json(&rooms);
            }
            println!("{:<8} {:<9} {:<30} {:>5} {:<4} {:<4} PBX", "ROOM", "STATE", "GUEST", "CLASS", "LAMP", "DND");
            for r in rooms.as_array().into_iter().flatten() {
                print_room_line(r);
            }
        }
        Command::Room { room, json } => {
            let r = c.get(&room_path(room)?)?;
            if *json {
                return print_json(&r);
            }
            for (k, v) in r.as_object().into_iter().flatten() {
                println!(
                    "{k:<18} {}",
                    if v.is_string() { v.as_str().unwrap_or_default().to_string() } else { v.to_string() }
                );
            }
        }
        Command::Stays { all, json } => {
            let stays = c.get(&format!("/api/stays?active={}", !all))?;
            if *json {
                return print_json(&stays);
            }
            println!("{:>6} {:<8} {:<30} {:<20} CHECKED OUT", "STAY", "ROOM", "GUEST", "CHECKED IN");
            for st in stays.as_array().into_iter().flatten() {
                println!(
                    "{:>6} {:<8} {:<30} {:<20} {}",
                    s(st, "id"),
                    s(st, "room"),
                    s(st, "guest_name"),
                    s(st, "checked_in_at"),
                    s(st, "checked_out_at")
                );
            }
        }
        Command::Pbx { command: PbxCommand::Status { json } } => {
            let st = c.get("/api/pbx/status")?;
            if *json {
                return print_json(&st);
            }
            println!("link      {} (since {})", s(&st, "link"), s(&st, "since"));
            println!("port      {}", s(&st, "port"));
            println!("queued    {}", s(&st, "queued"));
            if st["degraded"].as_bool().unwrap_or(false) {
                println!("degraded  yes ({} deliveries failed)", s(&st, "failed_deliveries"));
            }
            if let Some(e) = st.get("last_error").and_then(Value::as_str) {
                println!("error     {e}");
            }
        }
        Command::Pbx { command: PbxCommand::Resync } => {
            c.post("/api/pbx/resync", serde_json::json!({}))?;
            println!("resync of every room requested");
        }
        Command::Wakeup { command } => run_wakeup(&c, command)?,
        Command::Msg { command } => run_msg(&c, command)?,
        Command::Shift { command } => run_shift(&c, command)?,
        Command::Handover { command: Some(HandoverCommand::Ack), .. } => {
            let sh = c.post("/api/handover/ack", serde_json::json!({}))?;
            println!("handover of shift {} acknowledged; you may open your shift", s(&sh, "id"));
        }
        Command::Handover { command: None, json, html } => {
            if *html {
                let page = c.get_text("/api/handover/print")?;
                print!("{page}");
                return Ok(());
            }
            let h = c.get("/api/handover")?;
            if *json {
                return print_json(&h);
            }
            if h.is_null() {
                println!("no shift has been closed yet");
                return Ok(());
            }
            let sheet: crate::logbook::handover::Handover = serde_json::from_value(h)?;
            print!("{}", sheet.to_text());
        }
        Command::Log { command } => run_log(&c, command)?,
        Command::Followup { command } => run_followup(&c, command)?,
        Command::Alerts { command: Some(AlertsCommand::Ack { id }), .. } => {
            let a = c.post(&format!("/api/alerts/{id}/ack"), serde_json::json!({}))?;
            println!("alert {} acknowledged by {}", s(&a, "id"), s(&a, "acked_by"));
        }
        Command::Alerts { command: None, all, json } => {
            let list = c.get(&format!("/api/alerts?all={all}"))?;
            if *json {
                return print_json(&list);
            }
            if list.as_array().is_none_or(|l| l.is_empty()) {
                println!("no open alerts");
            }
            for a in list.as_array().into_iter().flatten() {
                let acked = match a["acked_by"].as_str() {
                    Some(by) => format!(" [acknowledged by {by}]"),
                    None => String::new(),
                };
                println!("{:>4} {} {:<16} {}{acked}", s(a, "id"), s(a, "at"), s(a, "kind"), s(a, "message"));
            }
        }
        Command::Guests { name, json } => {
            let found = c.get(&format!("/api/guests?name={}", url_encode(name)))?;
            if *json {
                return print_json(&found);
            }
            for st in found.as_array().into_iter().flatten() {
                println!("{:<8} {} (stay {})", s(st, "room"), s(st, "guest_name"), s(st, "id"));
            }
        }
        Command::Login { user, password_stdin } => {
            let user = match user {
                Some(u) => u.clone(),
                None => crate::cli_staff::prompt_line("Login: ")?,
            };
            let password = crate::cli_staff::read_password(*password_stdin, false)?
                .ok_or_else(|| anyhow!("no password: give --password-stdin or run in a terminal"))?;
            let r = c.post("/api/login", serde_json::json!({ "login": user, "password": password }))?;
            let token = r["token"].as_str().ok_or_else(|| anyhow!("the service sent no token"))?;
            tokens::store(&c.base, Some(token))?;
            println!("signed in as {} ({})", s(&r, "login"), s(&r, "role"));
        }
        Command::Logout => {
            if c.token.is_some() {
                // The session may have expired already; forget the token either way.
                let _ = c.post("/api/logout", serde_json::json!({}));
            }
            tokens::store(&c.base, None)?;
            println!("signed out");
        }
        Command::Audit { room, staff, since, json } => {
            let mut q = Vec::new();
            for (k, v) in [("room", room), ("staff", staff), ("since", since)] {
                if let Some(v) = v {
                    q.push(format!("{k}={}", url_encode(v)));
                }
            }
            let rows = c.get(&format!("/api/audit?{}", q.join("&")))?;
            if *json {
                return print_json(&rows);
            }
            println!("{:<20} {:<14} {:<12} {:<6} {:<6} CHANGE", "TIME", "STAFF", "ACTION", "ROOM", "STAY");
            for r in rows.as_array().into_iter().flatten() {
                let change = match (r["before"].as_str(), r["after"].as_str()) {
                    (Some(b), Some(a)) => format!("{b} -> {a}"),
                    (None, Some(a)) => a.to_string(),
                    (Some(b), None) => b.to_string(),
                    (None, None) => s(r, "subject"),
                };
                println!(
                    "{:<20} {:<14} {:<12} {:<6} {:<6} {change}",
                    s(r, "at"),
                    s(r, "staff"),
                    s(r, "action"),
                    s(r, "room"),
                    s(r, "stay")
                );
            }
        }
        Command::Serve | Command::PbxSim { .. } | Command::Staff { .. } => unreachable!("not API client commands"),
    }
    Ok(())
}
