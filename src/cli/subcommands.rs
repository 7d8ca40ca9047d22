//! The subcommands' arguments (wake-ups, messages, logbook, staff, directory, tariff, PBX).

use std::path::PathBuf;

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::Subcommand;

use crate::domain::words::{Category, Priority};
use crate::http::contract::{FollowupState, Format, Role};

/// An argument that takes one of a closed set of words as the type the API's contract wants:
/// clap lists the words in the help and refuses any other.
pub fn one_of<T>(words: impl IntoIterator<Item = &'static str>) -> impl TypedValueParser<Value = T>
where
    T: std::str::FromStr + Clone + Send + Sync + 'static,
    T::Err: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    PossibleValuesParser::new(words).try_map(|word| word.parse::<T>())
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
        #[arg(long, default_value = "note", value_parser = one_of::<Category>(Category::ALL.iter().map(|c| c.as_str())))]
        category: Category,
        #[arg(long, default_value = "normal", value_parser = one_of::<Priority>(Priority::ALL.iter().map(|p| p.as_str())))]
        priority: Priority,
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
        #[arg(long, value_parser = one_of::<Category>(Category::ALL.iter().map(|c| c.as_str())))]
        category: Option<Category>,
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
        #[arg(long, value_parser = one_of::<FollowupState>(FollowupState::ALL.iter().map(|s| s.as_str())))]
        state: FollowupState,
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
        #[arg(long, value_parser = one_of::<Role>(Role::ALL.map(Role::as_str)))]
        role: Role,
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

/// The fields of a directory entry (add, edit).
#[derive(Debug, Clone, clap::Args)]
pub struct DirFields {
    /// department, staff or external.
    #[arg(long)]
    pub kind: Option<String>,
    #[arg(long)]
    pub name: Option<String>,
    #[arg(long)]
    pub department: Option<String>,
    #[arg(long)]
    pub title: Option<String>,
    #[arg(long)]
    pub extension: Option<String>,
    #[arg(long)]
    pub number: Option<String>,
    /// e.g. "EN, ZH".
    #[arg(long = "language")]
    pub languages: Option<String>,
    #[arg(long)]
    pub note: Option<String>,
    /// Numbers withheld from all but managers.
    #[arg(long)]
    pub private: bool,
}

#[derive(Debug, Subcommand)]
pub enum DirCommand {
    /// Find entries by any word (or its beginning) of name, department, title or note.
    Search {
        text: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    /// Add an entry (managers).
    Add(DirFields),
    /// Change the fields given (managers).
    Edit {
        id: i64,
        #[command(flatten)]
        fields: DirFields,
    },
    /// Remove an entry (managers).
    Remove { id: i64 },
    /// Add the entries of a .csv or .toml file (managers; all or none).
    Import { file: PathBuf },
    /// Print the whole directory (managers).
    Export {
        #[arg(long, default_value = "toml", value_parser = one_of::<Format>(["toml", "csv"]))]
        format: Format,
    },
    /// Country and area code of a city (English or Chinese), or where a +number is.
    Code {
        place: Vec<String>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum TariffCommand {
    /// The bands, their prefixes and prices.
    Show {
        #[arg(long)]
        json: bool,
    },
    /// What a call would cost (tell the guest before they dial).
    Quote {
        number: String,
        #[arg(long, default_value_t = 1)]
        minutes: u32,
        /// HH:MM today (cheaper hours), default now.
        #[arg(long)]
        at: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Read tariffs.toml again after editing it (managers): calls from now on are priced by it;
    /// calls already in the ledger keep their price. (The service also reloads it on SIGHUP.)
    Reload,
}

#[derive(Debug, Subcommand)]
pub enum PmsCommand {
    /// The PMS link: up or down, since when, who is connected, what waits for the PMS.
    Status {
        #[arg(long)]
        json: bool,
    },
    /// Ask the PMS to send every room again (a FIAS database resync, DR).
    Resync,
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
    /// The built-in simulated PBX places a call from ROOM (to try call charges without a PBX).
    Call {
        room: String,
        digits: String,
        /// Talk time, e.g. "95s" or "3m".
        #[arg(long, default_value = "60s")]
        duration: String,
        /// Pre-costed by the PBX, in minor units.
        #[arg(long, conflicts_with = "pulses")]
        amount: Option<u64>,
        /// Report meter pulses instead of digits priced by the tariff.
        #[arg(long)]
        pulses: Option<u32>,
    },
}
