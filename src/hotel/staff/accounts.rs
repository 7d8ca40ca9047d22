//! Staff accounts: the [`Staff`] service, adding, listing, disabling, passwords; the one query
//! that finds an account by login ([`find`]).

use crate::store::At;
use crate::store::{Priority, Sql};
use std::sync::Arc;

use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use super::error::StaffError;
use super::secrets::{hashed, random_password};
use crate::clock::SharedClock;
use crate::config::AuthConfig;
use crate::domain::identity::{Actor, Role};
use crate::domain::validate::{Invalid, Text};
use crate::hotel::audit::{self, Change};
use crate::store::Store;

pub const MIN_PASSWORD_LEN: usize = 8;
/// Hashing a password costs the same whatever its length, but nobody types more than this.
pub const MAX_PASSWORD_LEN: usize = 200;
/// Longest display name.
pub const MAX_DISPLAY_NAME: usize = 60;

/// A staff account as shown (never with its password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffView {
    pub login: String,
    pub display_name: String,
    pub role: Role,
    pub active: bool,
    pub created_at: String,
}

/// A stored account, password hash included (never leaves this module's callers).
pub struct Account {
    pub id: i64,
    pub view: StaffView,
    pub password_hash: String,
}

impl Account {
    pub fn actor(&self) -> Actor {
        Actor {
            id: self.id,
            login: self.view.login.clone(),
            display_name: self.view.display_name.clone(),
            role: self.view.role,
        }
    }
}

const COLUMNS: &str = "id, login, display_name, role, active, created_at, password_hash";

fn account_from_row(r: &rusqlite::Row) -> rusqlite::Result<Account> {
    let role: String = r.get(3)?;
    Ok(Account {
        id: r.get(0)?,
        view: StaffView {
            login: r.get(1)?,
            display_name: r.get(2)?,
            role: role.parse().unwrap_or(Role::Desk),
            active: r.get(4)?,
            created_at: r.get(5)?,
        },
        password_hash: r.get(6)?,
    })
}

/// The account with this login, if any: the one "find by login" query.
pub(super) fn find(conn: &Connection, login: &str) -> Result<Option<Account>, StaffError> {
    Ok(conn.row(&format!("SELECT {COLUMNS} FROM staff WHERE login = ?1"), [login], account_from_row).optional()?)
}

fn find_or_unknown(conn: &Connection, login: &str) -> Result<Account, StaffError> {
    find(conn, login)?.ok_or_else(|| StaffError::UnknownStaff(login.to_string()))
}

pub fn check_login(login: &str) -> Result<String, Invalid> {
    let l = login.trim();
    if l.is_empty()
        || l.len() > 32
        || !l.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
    {
        let shown: String = login.chars().take(40).collect();
        return Err(Invalid::new(
            "login",
            format!("{shown:?} must be 1 to 32 lower-case letters, digits, '.', '_' or '-'"),
        ));
    }
    Ok(l.to_string())
}

pub fn check_password(password: &str) -> Result<(), Invalid> {
    if password.trim().chars().count() < MIN_PASSWORD_LEN {
        return Err(Invalid::new(
            "password",
            format!("must be at least {MIN_PASSWORD_LEN} characters, not counting spaces at either end"),
        ));
    }
    if password.chars().count() > MAX_PASSWORD_LEN {
        return Err(Invalid::new("password", format!("must be at most {MAX_PASSWORD_LEN} characters")));
    }
    if password.chars().any(char::is_control) {
        return Err(Invalid::new("password", "must not contain control characters"));
    }
    Ok(())
}

/// Staff accounts and sessions over the store.
#[derive(Clone)]
pub struct Staff {
    pub(super) store: Arc<Store>,
    pub(super) clock: SharedClock,
    pub(super) cfg: AuthConfig,
}

impl Staff {
    pub fn new(store: Arc<Store>, clock: SharedClock, cfg: AuthConfig) -> Self {
        Staff { store, clock, cfg }
    }

    pub(super) fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    /// With no staff at all, creates `manager` with a random password and returns it (once).
    pub async fn bootstrap(&self) -> Result<Option<String>, StaffError> {
        let password = random_password();
        let hash = hashed(&password).await?;
        let now = self.now();
        self.store
            .write(Priority::Normal, move |tx| {
                let n: i64 = tx.row("SELECT COUNT(*) FROM staff", [], |r| r.get(0))?;
                if n > 0 {
                    return Ok(None);
                }
                tx.exec(
                    "INSERT INTO staff(login, display_name, role, password_hash, created_at)
                 VALUES ('manager', 'Manager', 'manager', ?1, ?2)",
                    params![hash, At(now)],
                )?;
                audit::record(
                    tx,
                    now,
                    &Actor::system(),
                    &Change::new("staff_add").subject("staff manager").after("role manager (first start)"),
                )?;
                Ok(Some(password))
            })
            .await
    }

    pub async fn list(&self) -> Result<Vec<StaffView>, StaffError> {
        self.store
            .read(move |c| {
                let mut stmt = c.prepare_cached(&format!("SELECT {COLUMNS} FROM staff ORDER BY login"))?;
                let rows =
                    stmt.query_map([], account_from_row)?.map(|a| a.map(|a| a.view)).collect::<Result<_, _>>()?;
                Ok(rows)
            })
            .await
    }

    pub async fn get(&self, login: &str) -> Result<StaffView, StaffError> {
        let login = login.to_string();
        self.store.read(move |c| Ok(find_or_unknown(c, &login)?.view)).await
    }

    pub async fn add(
        &self,
        actor: &Actor,
        login: &str,
        display_name: Option<&str>,
        role: Role,
        password: &str,
    ) -> Result<StaffView, StaffError> {
        let login = check_login(login)?;
        let display = Text::line(MAX_DISPLAY_NAME).optional("display_name", display_name)?.unwrap_or(login.clone());
        check_password(password)?;
        let hash = hashed(password).await?;
        let now = self.now();
        let actor = actor.clone();
        self.store
            .write(Priority::Normal, move |tx| {
                let actor = &actor;
                let login = &login;
                if find(tx, login)?.is_some() {
                    return Err(StaffError::Exists(login.clone()));
                }
                tx.exec(
                "INSERT INTO staff(login, display_name, role, password_hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![login, display, role.as_str(), hash, At(now)],
            )?;
                audit::record(
                    tx,
                    now,
                    actor,
                    &Change::new("staff_add")
                        .subject(format!("staff {login}"))
                        .after(format!("role {}", role.as_str())),
                )?;
                Ok(StaffView {
                    login: login.clone(),
                    display_name: display.clone(),
                    role,
                    active: true,
                    created_at: crate::clock::timestamp(now),
                })
            })
            .await
    }

    /// Disables an account and revokes its sessions; the last active manager cannot be disabled.
    pub async fn disable(&self, actor: &Actor, login: &str) -> Result<StaffView, StaffError> {
        let now = self.now();
        let actor = actor.clone();
        let owned = login.to_string();
        self.store
            .write(Priority::Normal, move |tx| {
                let actor = &actor;
                let login = owned.as_str();
                let account = find_or_unknown(tx, login)?;
                let active = account.view.active;
                if account.view.role == Role::Manager && active {
                    let managers: i64 =
                        tx.row("SELECT COUNT(*) FROM staff WHERE role = 'manager' AND active = 1", [], |r| r.get(0))?;
                    if managers <= 1 {
                        return Err(StaffError::LastManager(login.to_string()));
                    }
                }
                tx.exec("UPDATE staff SET active = 0 WHERE id = ?1", [account.id])?;
                tx.exec("UPDATE sessions SET revoked = 1 WHERE staff_id = ?1", [account.id])?;
                crate::hotel::changes::record(tx, crate::domain::event::Event::SessionsChanged)?;
                audit::record(
                    tx,
                    now,
                    actor,
                    &Change::new("staff_disable")
                        .subject(format!("staff {login}"))
                        .before(if active { "active" } else { "disabled" })
                        .after("disabled"),
                )?;
                Ok(())
            })
            .await?;
        self.get(login).await
    }

    /// Sets a new password; the account's sessions are revoked.
    pub async fn set_password(&self, actor: &Actor, login: &str, password: &str) -> Result<(), StaffError> {
        check_password(password)?;
        let hash = hashed(password).await?;
        let now = self.now();
        let actor = actor.clone();
        let login = login.to_string();
        self.store
            .write(Priority::Normal, move |tx| {
                let actor = &actor;
                let login = login.as_str();
                let id = find_or_unknown(tx, login)?.id;
                tx.exec("UPDATE staff SET password_hash = ?2 WHERE id = ?1", params![id, hash])?;
                tx.exec("UPDATE sessions SET revoked = 1 WHERE staff_id = ?1", [id])?;
                crate::hotel::changes::record(tx, crate::domain::event::Event::SessionsChanged)?;
                audit::record(tx, now, actor, &Change::new("staff_passwd").subject(format!("staff {login}")))?;
                Ok(())
            })
            .await
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::clock::FakeClock;
    use crate::store::StoreError;
    use chrono::{TimeZone, Utc};
    use std::time::Duration;

    pub fn staff() -> (Staff, FakeClock) {
        let store = Arc::new(Store::open_in_memory().unwrap());
        let clock = FakeClock::new(Utc.with_ymd_and_hms(2026, 1, 1, 8, 0, 0).unwrap());
        let cfg = AuthConfig {
            idle_timeout: Duration::from_secs(600),
            max_failures: 3,
            max_failures_per_address: 10,
            lockout: Duration::from_secs(30),
        };
        (Staff::new(store, Arc::new(clock.clone()), cfg), clock)
    }

    #[tokio::test]
    async fn bootstrap_creates_one_manager_once() {
        let (s, _) = staff();
        let pw = s.bootstrap().await.unwrap().expect("first start creates the manager");
        assert!(s.bootstrap().await.unwrap().is_none());
        let (_, actor) = s.login("manager", &pw, None).await.unwrap();
        assert_eq!(actor.role, Role::Manager);
    }

    #[tokio::test]
    async fn disabling_revokes_sessions_and_spares_the_last_manager() {
        let (s, _) = staff();
        let m = Actor::system();
        s.add(&m, "boss", None, Role::Manager, "managerpw").await.unwrap();
        s.add(&m, "dora", None, Role::Desk, "correct horse").await.unwrap();
        let (token, _) = s.login("dora", "correct horse", None).await.unwrap();
        assert!(!s.disable(&m, "dora").await.unwrap().active);
        assert!(s.authenticate(&token).await.is_err());
        assert!(matches!(s.login("dora", "correct horse", None).await, Err(StaffError::BadCredentials)));
        assert!(matches!(s.disable(&m, "boss").await, Err(StaffError::LastManager(_))));
        assert!(matches!(s.disable(&m, "nobody").await, Err(StaffError::UnknownStaff(_))));
    }

    #[tokio::test]
    async fn bad_accounts_are_refused() {
        let (s, _) = staff();
        let m = Actor::system();
        s.add(&m, "dora", None, Role::Desk, "correct horse").await.unwrap();
        assert!(matches!(s.add(&m, "dora", None, Role::Desk, "correct horse").await, Err(StaffError::Exists(_))));
        assert!(s
            .add(&m, "Dora Smith", None, Role::Desk, "correct horse")
            .await
            .unwrap_err()
            .to_string()
            .starts_with("login"));
        assert!(s.add(&m, "eve", None, Role::Desk, "short").await.unwrap_err().to_string().starts_with("password"));
        assert!(s
            .add(&m, "eve", None, Role::Desk, "          ")
            .await
            .unwrap_err()
            .to_string()
            .starts_with("password"));
        assert!(s.add(&m, "eve", None, Role::Desk, " a b c d ").await.unwrap_err().to_string().starts_with("password"));
        assert!(s.add(&m, "eve", Some("Eve\u{202E}gnp.exe"), Role::Desk, "correct horse").await.is_err());
        assert_eq!(s.list().await.unwrap().len(), 1);
    }

    #[tokio::test]
    async fn staff_change_their_own_password_knowing_the_old_one() {
        let (s, _) = staff();
        s.add(&Actor::system(), "dora", None, Role::Desk, "correct horse").await.unwrap();
        let (token, dora) = s.login("dora", "correct horse", None).await.unwrap();
        assert!(matches!(
            s.change_own_password(&dora, "wrong one", "new password", None).await,
            Err(StaffError::BadCredentials)
        ));
        assert!(s.change_own_password(&dora, "correct horse", "short", None).await.is_err());
        s.change_own_password(&dora, "correct horse", "new password", None).await.unwrap();
        assert!(s.authenticate(&token).await.is_err(), "sessions end with the old password");
        s.login("dora", "new password", None).await.unwrap();
    }

    #[tokio::test]
    async fn passwords_are_never_stored_in_clear() {
        let (s, _) = staff();
        s.add(&Actor::system(), "dora", None, Role::Desk, "correct horse").await.unwrap();
        let hash: String = s
            .store
            .read(move |c| c.row("SELECT password_hash FROM staff", [], |r| r.get(0)).map_err(StoreError::from))
            .await
            .unwrap();
        assert!(hash.starts_with("$argon2id$") && !hash.contains("correct horse"));
        s.set_password(&Actor::system(), "dora", "battery staple").await.unwrap();
        s.login("dora", "battery staple", None).await.unwrap();
    }
}
