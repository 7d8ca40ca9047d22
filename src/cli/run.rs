//! Runs one client command against the API.

use super::args::{Cli, Command};
use super::client::Client;
use super::{calls, directory, events, logbook, rooms, staff};

/// Runs `cmd` (any command but `serve` and `pbx-sim`).
pub fn run_client(cli: &Cli, cmd: &Command) -> anyhow::Result<()> {
    if let Command::Staff { command } = cmd {
        return staff::run(cli, command);
    }
    let c = Client::new(cli)?;
    match cmd {
        Command::Wakeup { command } => calls::run_wakeup(&c, command),
        Command::Msg { command } => calls::run_msg(&c, command),
        Command::Alerts { command, all, json } => calls::run_alerts(&c, command.as_ref(), *all, *json),
        Command::Shift { command } => logbook::run_shift(&c, command),
        Command::Handover { command, json, html, lang } => {
            logbook::run_handover(&c, command.as_ref(), *json, html.then_some(lang.as_deref()))
        }
        Command::Log { command } => logbook::run_log(&c, command),
        Command::Dir { command } => directory::run(&c, command),
        Command::Followup { command } => logbook::run_followup(&c, command),
        Command::Login { user, login, password_stdin } => {
            staff::login(&c, user.as_deref().or(login.as_deref()), *password_stdin)
        }
        Command::Passwd { password_stdin } => staff::passwd(&c, *password_stdin),
        Command::Logout => staff::logout(&c),
        Command::Events { count, json } => events::follow(&c, *count, *json),
        other => rooms::run(&c, other),
    }
}
