//! A small blocking client of the service's API, typed by [`crate::http::contract`], and the store
//! of sign-in tokens.

use std::time::Duration;

use anyhow::{anyhow, bail, Context};
use serde_json::Value;

use super::args::Cli;
use crate::config::Config;
use crate::http::contract::{self, Endpoint, Method};

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

/// The API's base URL: `--api`, or http:// plus the config's `[api] listen` (`cfg`: the config
/// file as read, if it could be).
fn api_base(cli: &Cli, cfg: &Result<Config, crate::config::ConfigError>) -> anyhow::Result<String> {
    Ok(match (&cli.api, cfg) {
        (Some(url), _) => url.trim_end_matches('/').to_string(),
        (None, Ok(cfg)) => format!("http://{}", cfg.listen),
        (None, Err(e)) => return Err(anyhow!("{e} (or give --api URL)")),
    })
}

/// A small blocking client of the service's API.
pub struct Client {
    /// The API's base URL (the key of the token store).
    pub base: String,
    agent: ureq::Agent,
    /// The bearer token in use, if any.
    pub token: Option<String>,
}

/// A request's JSON as query pairs (fields that are null are left out).
fn query_pairs(v: &Value) -> Vec<(String, String)> {
    let Value::Object(map) = v else { return Vec::new() };
    map.iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| (k.clone(), v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())))
        .collect()
}

impl Client {
    /// Uses `--api`, or the listen address of the config file; the token from `--token`,
    /// `SWITCHBOARD_TOKEN` or the token store.
    pub fn new(cli: &Cli) -> anyhow::Result<Client> {
        let cfg = Config::hotel_only(&cli.config);
        let c = Client::with_token(api_base(cli, &cfg)?, cli.token.clone());
        // Times are shown in the hotel's zone: from the config file, else as the service says.
        let zone = match cfg {
            Ok(cfg) => Some(cfg.timezone),
            Err(_) => c.call::<contract::route::Health>(&[], &()).ok().and_then(|h| h.timezone?.parse().ok()),
        };
        if let Some(tz) = zone {
            super::render::set_zone(tz);
        }
        Ok(c)
    }

    /// A client of the API at `base` with `token` (or the stored one).
    pub fn with_token(base: String, token: Option<String>) -> Client {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into();
        let token = token.or_else(|| tokens::load(&base));
        Client { base, agent, token }
    }

    fn auth<B>(&self, req: ureq::RequestBuilder<B>) -> ureq::RequestBuilder<B> {
        match &self.token {
            Some(t) => req.header("Authorization", format!("Bearer {t}")),
            None => req,
        }
    }

    /// Follows the live events (`GET /api/events`), handing each to `each` until it returns
    /// false or the stream ends.
    pub fn events(&self, mut each: impl FnMut(contract::LiveEvent) -> anyhow::Result<bool>) -> anyhow::Result<()> {
        use std::io::BufRead;
        // A stream has no end to wait for: no overall time limit (the keep-alives come every 15 s).
        let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
        let url = format!("{}{}", self.base, contract::route::Events::PATH);
        let mut resp =
            self.auth(agent.get(&url)).call().map_err(|e| anyhow!("cannot reach switchboard at {}: {e}", self.base))?;
        if !resp.status().is_success() {
            let text = resp.body_mut().read_to_string().unwrap_or_default();
            let body: Value = serde_json::from_str(&text).unwrap_or(Value::String(text));
            bail!("{}", body.get("error").and_then(Value::as_str).unwrap_or("the service refused the stream"));
        }
        let (mut name, mut data) = (String::new(), String::new());
        for line in std::io::BufReader::new(resp.body_mut().as_reader()).lines() {
            let line = line.context("reading the live events")?;
            if let Some(v) = line.strip_prefix("event:") {
                name = v.trim().to_string();
            } else if let Some(v) = line.strip_prefix("data:") {
                data = v.trim().to_string();
            } else if line.is_empty() && !name.is_empty() {
                let event = contract::LiveEvent::parse(&name, &data)
                    .with_context(|| format!("the service sent a live event not understood: {name} {data}"))?;
                (name, data) = (String::new(), String::new());
                if !each(event)? {
                    return Ok(());
                }
            }
        }
        Ok(())
    }

    /// Calls `E` with its path segments `args` and its request; the typed answer, or the
    /// service's error message.
    pub fn call<E: Endpoint>(&self, args: &[&str], req: &E::Request) -> anyhow::Result<E::Reply> {
        let url = format!("{}{}", self.base, contract::path::<E>(args)?);
        let body = serde_json::to_value(req)?;
        let res = match E::METHOD {
            Method::Get => {
                let mut r = self.auth(self.agent.get(&url));
                for (k, v) in query_pairs(&body) {
                    r = r.query(k, v);
                }
                r.call()
            }
            Method::Post => {
                let r = self.auth(self.agent.post(&url));
                if body.is_null() {
                    r.send_empty()
                } else {
                    r.send_json(&body)
                }
            }
        };
        let mut resp = res.map_err(|e| anyhow!("cannot reach switchboard at {}: {e}", self.base))?;
        let status = resp.status();
        let text = resp.body_mut().read_to_string().context("reading the service's answer")?;
        if !status.is_success() {
            let body: Value = serde_json::from_str(&text).unwrap_or(Value::String(text));
            let msg = body.get("error").and_then(Value::as_str).map(str::to_string).unwrap_or_else(|| body.to_string());
            bail!("{msg}");
        }
        let parsed = if text.trim().is_empty() { serde_json::from_str("null") } else { serde_json::from_str(&text) };
        parsed.or_else(|e| {
            // The one answer that is not JSON (a printable page) is a string.
            serde_json::from_value(Value::String(text))
                .map_err(|_| anyhow!("the service's answer to {} was not understood: {e}", E::PATH))
        })
    }
}
