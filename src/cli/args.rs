//! The command line's grammar: global options and the commands; their subcommands are in
//! `subcommands`.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use super::subcommands::*;
use crate::http::contract::Housekeeping;

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
    /// Run the PBX simulator on a new pseudo-terminal and print its path (knobs as JSON lines on
    /// stdin, e.g. {"knob":"room_status","room":"101","status":3}; see `app::pbx_sim`).
    PbxSim {
        /// Keep every room's state, as the PBX sees it, in this JSON file.
        #[arg(long)]
        state_file: Option<PathBuf>,
        /// FIAS ACK timeout, e.g. "3s" (tests use shorter); for NEAX, its answer timer.
        #[arg(long, default_value = "3s")]
        ack_timeout: String,
        /// The protocol the simulated PBX speaks (as `[pbx] protocol`).
        #[arg(long, default_value = "fias", value_parser = ["fias", "neax", "mitel"])]
        protocol: String,
        /// The zone of the simulated PBX's clock, e.g. "Asia/Taipei" (default: the hotel.toml's).
        #[arg(long)]
        timezone: Option<String>,
    },
    /// Run the PMS simulator (an Opera-like PMS speaking FIAS). It reads knobs as JSON lines on
    /// stdin, e.g. {"knob":"check_in","room":"101","reservation":"R1","name":"Wang Wei"}, and
    /// prints what it hears back. Without --listen or --connect it uses a new pseudo-terminal
    /// and prints its path.
    PmsSim {
        /// Be the TCP server as Opera's interface is (switchboard: `[pms] port = "tcp://ADDR"`).
        #[arg(long, conflicts_with = "connect")]
        listen: Option<String>,
        /// Connect to switchboard (switchboard: `[pms] port = "tcp-listen://ADDR"`).
        #[arg(long)]
        connect: Option<String>,
        /// The hotel's rooms for resyncs, e.g. "101-110,201" (default: the config's).
        #[arg(long)]
        rooms: Option<String>,
        /// FIAS ACK timeout on a serial line, e.g. "3s".
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
        /// A VIP's stay (marked on the board; see `[wakeup] vip_to_operator`).
        #[arg(long)]
        vip: bool,
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
    /// The hotel's tariff: `tariff show`, `tariff quote NUMBER`.
    Tariff {
        #[command(subcommand)]
        command: TariffCommand,
    },
    /// The guest's bill of calls: the room's stay, its calls and the total.
    Folio {
        room: String,
        #[arg(long, conflicts_with = "html")]
        json: bool,
        /// The printable bill (HTML), e.g. `switchboard folio 101 --html > folio-101.html`.
        #[arg(long)]
        html: bool,
        /// The printout's language: en (the default) or zh-Hant.
        #[arg(long, requires = "html", value_parser = ["en", "zh-Hant"])]
        lang: Option<String>,
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
        #[arg(long, value_parser = one_of::<Housekeeping>(Housekeeping::ALL.map(Housekeeping::as_str)))]
        status: Option<Housekeeping>,
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
        #[arg(value_parser = one_of::<Housekeeping>(Housekeeping::ALL.map(Housekeeping::as_str)))]
        status: Housekeeping,
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
    /// The PMS link (`[pms]` in hotel.toml): its state, and a database resync.
    Pms {
        #[command(subcommand)]
        command: PmsCommand,
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
        /// The printout's language: en (the default) or zh-Hant.
        #[arg(long, requires = "html", value_parser = ["en", "zh-Hant"])]
        lang: Option<String>,
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
        /// Your login (asked for if not given).
        #[arg(long)]
        user: Option<String>,
        /// Your login, as `switchboard login dora` (the same as --user).
        #[arg(conflicts_with = "user", value_name = "LOGIN")]
        login: Option<String>,
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
    /// Follow what changes, as it happens (the live events), one line each, until Ctrl-C.
    Events {
        /// Stop after this many events (the first, `hello`, counts).
        #[arg(long)]
        count: Option<usize>,
        /// Each event as one JSON object: {"event": ..., "data": ...}.
        #[arg(long)]
        json: bool,
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
