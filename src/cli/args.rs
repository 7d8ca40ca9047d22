//! The command line's grammar: global options, commands and their arguments.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

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
        /// Check in although the room is not clean or inspected (recorded).
        #[arg(long)]
        not_ready_ok: bool,
        /// The stay may not post call charges.
        #[arg(long)]
        no_post: bool,
    },
    /// Calls the PBX reported, newest first (dialled digits masked but for managers).
    Calls {
        #[arg(long)]
        room: Option<String>,
        #[arg(long)]
        stay: Option<i64>,
        /// YYYY-MM-DD.
        #[arg(long)]
        date: Option<String>,
        /// Only calls not posted to a stay.
        #[arg(long)]
        unbilled: bool,
        #[arg(long, conflicts_with = "csv")]
        json: bool,
        #[arg(long)]
        csv: bool,
    },
    /// The guest's bill of calls: the room's stay, its calls and the total.
    Folio {
        room: String,
        #[arg(long)]
        json: bool,
    },
    /// Check a guest out: bar the room's line (refused while messages wait, unless discarded).
    Checkout {
        room: String,
        /// Check out even with undelivered messages (their texts are purged).
        #[arg(long)]
        discard_messages: bool,
    },
    /// Move a stay to another (vacant) room.
    Move {
        from: String,
        to: String,
        /// Into a room that is not clean or inspected (recorded).
        #[arg(long)]
        not_ready_ok: bool,
    },
    /// Housekeeping status of every room (--status to list one status only).
    Housekeeping {
        #[arg(long)]
        status: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// A day's housekeeping: rooms made ready per attendant, wait from check-out to clean.
    HousekeepingReport {
        #[arg(long)]
        date: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Set a room's housekeeping status by hand.
    RoomStatus {
        room: String,
        #[arg(value_parser = ["dirty", "clean", "inspected", "out-of-order", "out-of-service"])]
        status: String,
    },
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
    /// The operator's directory and dialling codes.
    Dir {
        #[command(subcommand)]
        command: DirCommand,
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
        #[arg(long, default_value = "toml", value_parser = ["toml", "csv"])]
        format: String,
    },
    /// Country and area code of a city (English or Chinese), or where a +number is.
    Code {
        place: Vec<String>,
        #[arg(long)]
        json: bool,
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
    /// The built-in simulated PBX places a call from ROOM (to try call charges without a PBX).
    Call {
        room: String,
        digits: String,
        /// Talk time, e.g. "95s" or "3m".
        #[arg(long, default_value = "60s")]
        duration: String,
        /// Pre-costed by the PBX, in minor units.
        #[arg(long)]
        amount: Option<u64>,
    },
}
