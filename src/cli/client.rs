//! A small blocking client of the service's API, and the store of sign-in tokens.

use std::time::Duration;

use anyhow::{anyhow, bail, Context};
use serde_json::Value;

use super::{api_base, Cli};

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

/// A small blocking client of the service's API.
pub struct Client {
    /// The API's base URL (the key of the token store).
    pub base: String,
    agent: ureq::Agent,
    /// The bearer token in use, if any.
    pub token: Option<String>,
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
