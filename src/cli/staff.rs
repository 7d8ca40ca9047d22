//! `switchboard staff ...`: through the API when signed in, otherwise directly on the store
//! file named in hotel.toml (whoever can write that file administers the hotel; that is how
//! installers and scripts create the first accounts, with or without a running service); and
//! signing in and out.

use std::io::{BufRead, IsTerminal};
use std::sync::Arc;

use anyhow::{anyhow, bail, Context};

use super::args::Cli;
use super::client::{tokens, Client};
use super::render;
use super::subcommands::StaffCommand;
use crate::clock::SystemClock;
use crate::config::Config;
use crate::domain::identity::Actor;
use crate::hotel::staff::{check_login, random_password, Staff};
use crate::http::contract::{route, Login, NewPassword, NewStaff, OwnPassword, StaffView};
use crate::store::Store;

/// Reads one line from standard input (a prompt on the terminal when there is one).
pub fn prompt_line(prompt: &str) -> anyhow::Result<String> {
    if std::io::stdin().is_terminal() {
        eprint!("{prompt}");
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).context("reading standard input")?;
    let line = line.trim_end_matches(['\r', '\n']).to_string();
    if line.is_empty() {
        bail!("nothing was entered");
    }
    Ok(line)
}

/// Reads `n` non-empty lines from standard input.
pub fn read_lines(n: usize) -> anyhow::Result<Vec<String>> {
    let mut out = Vec::with_capacity(n);
    let stdin = std::io::stdin();
    for _ in 0..n {
        let mut line = String::new();
        stdin.lock().read_line(&mut line).context("reading standard input")?;
        let line = line.trim_end_matches(['\r', '\n']).to_string();
        if line.is_empty() {
            bail!("expected {n} lines on standard input");
        }
        out.push(line);
    }
    Ok(out)
}

/// The password: from the first line of stdin, or a prompt without echo (twice when `confirm`).
/// `None` when neither is possible (no flag, no terminal).
pub fn read_password(from_stdin: bool, confirm: bool) -> anyhow::Result<Option<String>> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).context("reading the password from standard input")?;
        let pw = line.trim_end_matches(['\r', '\n']).to_string();
        if pw.is_empty() {
            bail!("no password on standard input");
        }
        return Ok(Some(pw));
    }
    if !std::io::stdin().is_terminal() {
        return Ok(None);
    }
    let pw = rpassword::prompt_password("Password: ").context("reading the password")?;
    if confirm && rpassword::prompt_password("Again: ").context("reading the password")? != pw {
        bail!("the two passwords differ");
    }
    Ok(Some(pw))
}

/// A new account's password: given, typed, or generated (and then printed once).
fn new_password(from_stdin: bool) -> anyhow::Result<(String, bool)> {
    Ok(match read_password(from_stdin, true)? {
        Some(pw) => (pw, false),
        None => (random_password(), true),
    })
}

fn local_user() -> String {
    std::env::var("USER").ok().filter(|u| !u.is_empty()).unwrap_or_else(|| "unknown".into())
}

/// Staff administration on the store file itself.
fn local_staff(cli: &Cli) -> anyhow::Result<(Staff, Actor)> {
    let cfg = Config::hotel_only(&cli.config)?;
    let store = Store::open(&cfg.store_path)?;
    Ok((Staff::new(Arc::new(store), Arc::new(SystemClock), cfg.auth), Actor::local(&local_user())))
}

fn signed_in(cli: &Cli) -> bool {
    cli.token.is_some() || cli.api.is_some() || {
        // A stored token for the configured API counts as signed in.
        Config::hotel_only(&cli.config).ok().and_then(|c| tokens::load(&format!("http://{}", c.listen))).is_some()
    }
}

pub fn run(cli: &Cli, cmd: &StaffCommand) -> anyhow::Result<()> {
    if signed_in(cli) {
        run_api(&Client::new(cli)?, cmd)
    } else {
        run_local(cli, cmd)
    }
}

fn print_list(list: &[StaffView], json: bool) -> anyhow::Result<()> {
    render::list(list, json, "no staff", &["LOGIN", "NAME", "ROLE", "ACTIVE"], |st| {
        vec![
            st.login.clone(),
            st.display_name.clone(),
            st.role.as_str().into(),
            if st.active { "yes" } else { "no" }.into(),
        ]
    })
}

/// A login as a path segment (checked here: logins are plain text, nothing to encode).
fn login_arg(name: &str) -> anyhow::Result<String> {
    Ok(check_login(name)?)
}

fn run_api(c: &Client, cmd: &StaffCommand) -> anyhow::Result<()> {
    match cmd {
        StaffCommand::Add { name, role, display_name, password_stdin } => {
            let (password, generated) = new_password(*password_stdin)?;
            let req = NewStaff {
                login: name.clone(),
                role: *role,
                display_name: display_name.clone(),
                password: password.clone(),
            };
            let v = c.call::<route::AddStaff>(&[], &req)?;
            println!("added {} ({})", v.login, v.role.as_str());
            if generated {
                println!("password: {password}");
            }
        }
        StaffCommand::List { json } => print_list(&c.call::<route::Staff>(&[], &())?, *json)?,
        StaffCommand::Disable { name } => {
            let v = c.call::<route::DisableStaff>(&[&login_arg(name)?], &())?;
            println!("disabled {}", v.login);
        }
        StaffCommand::Passwd { name, password_stdin } => {
            let login = login_arg(name)?;
            let (password, generated) = new_password(*password_stdin)?;
            c.call::<route::SetPassword>(&[&login], &NewPassword { password: password.clone() })?;
            println!("password of {name} changed; their sessions ended");
            if generated {
                println!("password: {password}");
            }
        }
    }
    Ok(())
}

/// The store's calls are async: this one command gets a small runtime of its own.
#[tokio::main(flavor = "current_thread")]
async fn run_local(cli: &Cli, cmd: &StaffCommand) -> anyhow::Result<()> {
    let (staff, actor) = local_staff(cli)?;
    match cmd {
        StaffCommand::Add { name, role, display_name, password_stdin } => {
            let (password, generated) = new_password(*password_stdin)?;
            let v = staff.add(&actor, name, display_name.as_deref(), *role, &password).await?;
            println!("added {} ({}) to the store", v.login, v.role.as_str());
            if generated {
                println!("password: {password}");
            }
        }
        StaffCommand::List { json } => print_list(&staff.list().await?, *json)?,
        StaffCommand::Disable { name } => {
            let v = staff.disable(&actor, name).await?;
            println!("disabled {}", v.login);
        }
        StaffCommand::Passwd { name, password_stdin } => {
            let (password, generated) = new_password(*password_stdin)?;
            staff.set_password(&actor, name, &password).await.map_err(|e| anyhow!(e))?;
            println!("password of {name} changed; their sessions ended");
            if generated {
                println!("password: {password}");
            }
        }
    }
    Ok(())
}

/// `switchboard login`: signs in and keeps the token for this API.
pub fn login(c: &Client, user: Option<&str>, password_stdin: bool) -> anyhow::Result<()> {
    let user = match user {
        Some(u) => u.to_string(),
        None => prompt_line("Login: ")?,
    };
    let password = read_password(password_stdin, false)?
        .ok_or_else(|| anyhow!("no password: give --password-stdin or run in a terminal"))?;
    let r = c.call::<route::Login>(&[], &Login { login: user, password })?;
    tokens::store(&c.base, Some(&r.token))?;
    println!("signed in as {} ({})", r.login, r.role.as_str());
    Ok(())
}

/// `switchboard passwd`: one's own password (the current one first).
pub fn passwd(c: &Client, password_stdin: bool) -> anyhow::Result<()> {
    let (current, new) = if password_stdin {
        let lines = read_lines(2)?;
        (lines[0].clone(), lines[1].clone())
    } else {
        let current = rpassword::prompt_password("Current password: ")?;
        let new = read_password(false, true)?.ok_or_else(|| anyhow!("no terminal to ask for a password"))?;
        (current, new)
    };
    c.call::<route::ChangeOwnPassword>(&[], &OwnPassword { current, password: new })?;
    tokens::store(&c.base, None)?;
    println!("password changed; sign in again");
    Ok(())
}

/// `switchboard logout`: ends the session and forgets the token.
pub fn logout(c: &Client) -> anyhow::Result<()> {
    if c.token.is_some() {
        // The session may have expired already; forget the token either way.
        let _ = c.call::<route::Logout>(&[], &());
    }
    tokens::store(&c.base, None)?;
    println!("signed out");
    Ok(())
}
