//! The `switchboard` binary: parses the command line and dispatches.

use clap::Parser;
use switchboard::cli::{self, Cli, Command};
use switchboard::config::{parse_duration, Config};

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    // No colours: the writer escapes every control byte a line carries, so a peer's record can
    // neither forge a log line nor drive the terminal.
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(|| switchboard::logsafe::SafeWriter(std::io::stderr()))
        .with_ansi(false)
        .init();
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let command = cli.command.as_ref().unwrap_or(&Command::Serve);
    match command {
        Command::Serve => {
            init_logging();
            let cfg = Config::from_file(&cli.config)?;
            let dir = Config::folder(&cli.config).to_path_buf();
            serve(cfg, dir)
        }
        Command::PbxSim { state_file, ack_timeout, protocol, timezone } => {
            init_logging();
            let ack = parse_duration(ack_timeout).map_err(|e| anyhow::anyhow!("--ack-timeout: {e}"))?;
            let protocol = match protocol.as_str() {
                "neax" => pbx_sim::Protocol::Neax,
                "mitel" => pbx_sim::Protocol::Mitel,
                _ => pbx_sim::Protocol::Fias,
            };
            // The PBX's clock keeps the hotel's time: --timezone, or the hotel.toml's.
            let tz = match timezone {
                Some(t) => Some(t.parse::<chrono_tz::Tz>().map_err(|e| anyhow::anyhow!("--timezone: {e}"))?),
                None => Config::hotel_only(&cli.config).ok().map(|c| c.timezone),
            };
            pbx_sim(state_file.clone(), ack, protocol, tz)
        }
        Command::PmsSim { listen, connect, rooms, ack_timeout } => {
            init_logging();
            let ack = parse_duration(ack_timeout).map_err(|e| anyhow::anyhow!("--ack-timeout: {e}"))?;
            let rooms = match rooms {
                Some(r) => {
                    let specs: Vec<String> = r.split(',').map(|s| s.trim().to_string()).collect();
                    switchboard::config::expand_rooms(&specs).map_err(|e| anyhow::anyhow!("--rooms: {e}"))?
                }
                None => Config::hotel_only(&cli.config).map(|c| c.rooms).unwrap_or_default(),
            };
            let opts =
                switchboard::app::pms_sim::Options { listen: listen.clone(), connect: connect.clone(), rooms, ack };
            pms_sim(opts)
        }
        other => {
            // A client printing into `| head` should end quietly, like other Unix tools.
            // SAFETY: restoring the default disposition of SIGPIPE before any thread starts.
            unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
            cli::run_client(&cli, other)
        }
    }
}

// The service and the simulators run on tokio; the client commands need no runtime.
#[tokio::main]
async fn serve(cfg: Config, dir: std::path::PathBuf) -> anyhow::Result<()> {
    switchboard::app::serve::serve(cfg, dir).await
}

#[tokio::main]
async fn pbx_sim(
    state_file: Option<std::path::PathBuf>,
    ack: std::time::Duration,
    protocol: pbx_sim::Protocol,
    tz: Option<chrono_tz::Tz>,
) -> anyhow::Result<()> {
    switchboard::app::pbx_sim::run(state_file, ack, protocol, tz).await
}

#[tokio::main]
async fn pms_sim(opts: switchboard::app::pms_sim::Options) -> anyhow::Result<()> {
    switchboard::app::pms_sim::run(opts).await
}

/// A command line that does not parse, as one line: what is wrong and the usage.
fn usage_error(e: &clap::Error) -> String {
    let text = e.render().to_string();
    let mut lines = text.lines();
    let first = lines.next().unwrap_or_default().trim_start_matches("error: ").to_string();
    let more: Vec<&str> = lines.take_while(|l| !l.trim().is_empty()).map(str::trim).collect();
    let what = if more.is_empty() { first } else { format!("{first} {}", more.join(", ")) };
    let usage = text.lines().find_map(|l| l.strip_prefix("Usage: ")).unwrap_or("switchboard --help");
    format!("{what} (usage: {usage})")
}

fn main() {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => e.exit(),
        Err(e) => {
            eprintln!("switchboard: {}", usage_error(&e));
            std::process::exit(2);
        }
    };
    if let Err(e) = run(cli) {
        eprintln!("switchboard: {e:#}");
        std::process::exit(1);
    }
}
