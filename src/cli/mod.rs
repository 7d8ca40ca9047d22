//! The command line: `serve`, `pbx-sim`, and the desk commands, which are clients of the API.
//!
//! Global options (`--config`, `--api`, `--token`) go before the subcommand. Every failure
//! prints one line on stderr and exits non-zero (see `main`).
//!
//! Layout: this module (the top-level commands and rooms, stays, guests, PBX, sign-in and audit
//! commands), [`args`] (the subcommand enums), [`client`] (the HTTP client and the token store),
//! [`calls`] (wake-up calls, alerts, messages), [`logbook`] (shifts, handover, log, follow-ups),
//! [`staff`] (staff accounts, through the API or on the store file).

pub mod args;
pub mod calls;
pub mod client;
pub mod logbook;
pub mod staff;

use std::path::PathBuf;

use anyhow::{anyhow, bail};
use clap::{Parser, Subcommand};
use serde_json::Value;

pub use args::*;
pub use client::{tokens, Client};

use crate::config::Config;

#[derive(Debug, Parser)]
#[command(name = "switchboard", version, about = "Hotel switchboard: front desk <-> PBX")]
pub struct Cli {
    /// The hotel's configuration file.
    #[arg(long, global = true, default_value = "hotel.toml")]
    pub config: PathBuf,
    /// The service's API (default: http:// plus the config's `[api] listen` address).
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
        /// Class of service (default: `[rooms] default_class`).
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
    /// Change your own password (current one first; with --password-stdin: two lines).
    Passwd {
        #[arg(long)]
        password_stdin: bool,
    },
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
        return staff::run(cli, command);
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
        Command::Wakeup { command } => calls::run_wakeup(&c, command)?,
        Command::Msg { command } => calls::run_msg(&c, command)?,
        Command::Shift { command } => logbook::run_shift(&c, command)?,
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
        Command::Log { command } => logbook::run_log(&c, command)?,
        Command::Followup { command } => logbook::run_followup(&c, command)?,
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
                None => staff::prompt_line("Login: ")?,
            };
            let password = staff::read_password(*password_stdin, false)?
                .ok_or_else(|| anyhow!("no password: give --password-stdin or run in a terminal"))?;
            let r = c.post("/api/login", serde_json::json!({ "login": user, "password": password }))?;
            let token = r["token"].as_str().ok_or_else(|| anyhow!("the service sent no token"))?;
            tokens::store(&c.base, Some(token))?;
            println!("signed in as {} ({})", s(&r, "login"), s(&r, "role"));
        }
        Command::Passwd { password_stdin } => {
            let (current, new) = if *password_stdin {
                let lines = staff::read_lines(2)?;
                (lines[0].clone(), lines[1].clone())
            } else {
                let current = rpassword::prompt_password("Current password: ")?;
                let new =
                    staff::read_password(false, true)?.ok_or_else(|| anyhow!("no terminal to ask for a password"))?;
                (current, new)
            };
            c.post("/api/me/password", serde_json::json!({ "current": current, "password": new }))?;
            tokens::store(&c.base, None)?;
            println!("password changed; sign in again");
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
