//! Staff accounts, roles and sign-in sessions.
//!
//! - Roles: `desk` < `operator` < `manager`; [`Role::allows`] is THE permission check: the API
//!   declares one [`Permission`] per route and nothing else decides who may do what.
//! - Passwords are argon2id hashes; never logged, never returned.
//! - Sessions: a random bearer token, stored only as its SHA-256, expiring after an idle time
//!   (taken from the injected clock); logout and disabling the account revoke it.
//! - Repeated failed sign-ins for one login are slowed down (counted per login name, existing or
//!   not, so the brake says nothing about which logins exist).
//! - First start: with no staff at all, a `manager` account with a random password is created.

use std::str::FromStr;
use std::sync::Arc;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::audit::{self, Change};
use crate::clock::SharedClock;
use crate::config::AuthConfig;
use crate::store::{Store, StoreError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Desk,
    Operator,
    Manager,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Desk => "desk",
            Role::Operator => "operator",
            Role::Manager => "manager",
        }
    }

    /// The one place that says which role may do what.
    pub fn allows(self, p: Permission) -> bool {
        match p {
            Permission::View | Permission::Desk | Permission::RoomAudit => true,
            Permission::Operate => self >= Role::Operator,
            Permission::Staff | Permission::Audit | Permission::SeePrivate => self == Role::Manager,
        }
    }
}

impl FromStr for Role {
    type Err = StaffError;
    fn from_str(s: &str) -> Result<Role, StaffError> {
        match s {
            "desk" => Ok(Role::Desk),
            "operator" => Ok(Role::Operator),
            "manager" => Ok(Role::Manager),
            other => Err(StaffError::Invalid {
                field: "role",
                msg: format!("{other:?} is not a role (desk, operator or manager)"),
            }),
        }
    }
}

/// What a route needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Rooms, stays, link status, guest look-up.
    View,
    /// Check-in/out/move, DND, class of service (later: wake-ups, messages).
    Desk,
    /// The audit trail of one room.
    RoomAudit,
    /// PBX resync (later: logbook, alerts, handover).
    Operate,
    /// Staff administration.
    Staff,
    /// The whole audit trail.
    Audit,
    /// Names of incognito guests.
    SeePrivate,
}

/// Who is acting: a signed-in staff member, or the local administrator working on the store file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Actor {
    pub id: i64,
    pub login: String,
    pub display_name: String,
    pub role: Role,
}

impl Actor {
    /// Whoever can write the store file (`staff add` with no service): a manager, recorded as
    /// `local:USER`.
    pub fn local(user: &str) -> Actor {
        Actor {
            id: 0,
            login: format!("local:{user}"),
            display_name: format!("local administrator {user}"),
            role: Role::Manager,
        }
    }

    /// The service itself (bootstrap, PBX-driven changes).
    pub fn system() -> Actor {
        Actor { id: 0, login: "system".into(), display_name: "switchboard".into(), role: Role::Manager }
    }

    pub fn can(&self, p: Permission) -> bool {
        self.role.allows(p)
    }

    pub fn require(&self, p: Permission) -> Result<(), StaffError> {
        if self.can(p) {
            Ok(())
        } else {
            Err(StaffError::Forbidden { role: self.role })
        }
    }
}

/// A staff account as shown (never with its password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffView {
    pub login: String,
    pub display_name: String,
    pub role: Role,
    pub active: bool,
    pub created_at: String,
}

#[derive(Debug, thiserror::Error)]
pub enum StaffError {
    #[error("wrong login or password (or the account is disabled)")]
    BadCredentials,
    #[error("too many failed sign-ins for this login; try again in {wait_secs} s")]
    Throttled { wait_secs: u64 },
    #[error("{0}")]
    Unauthenticated(&'static str),
    #[error("not allowed for the {} role", role.as_str())]
    Forbidden { role: Role },
    #[error("no staff member {0:?}")]
    UnknownStaff(String),
    #[error("a staff member {0:?} already exists")]
    Exists(String),
    #[error("{0:?} is the last active manager; add another manager first")]
    LastManager(String),
    #[error("{field}: {msg}")]
    Invalid { field: &'static str, msg: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn sql(e: rusqlite::Error) -> StaffError {
    StaffError::Store(StoreError::from(e))
}

pub const MIN_PASSWORD_LEN: usize = 8;

fn fill_random(buf: &mut [u8]) {
    getrandom::fill(buf).expect("the operating system's random source works");
}

/// A random password people can type: 16 letters and digits without look-alikes.
pub fn random_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 16];
    fill_random(&mut bytes);
    bytes.iter().map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char).collect()
}

fn new_token() -> String {
    let mut bytes = [0u8; 32];
    fill_random(&mut bytes);
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("sb_{hex}")
}

fn hash_token(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

fn hash_password(password: &str) -> Result<String, StaffError> {
    let mut salt = [0u8; 16];
    fill_random(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| StoreError::Corrupt(e.to_string()))?
        .to_string())
}

fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

pub fn check_login(login: &str) -> Result<String, StaffError> {
    let l = login.trim();
    if l.is_empty()
        || l.len() > 32
        || !l.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
    {
        return Err(StaffError::Invalid {
            field: "login",
            msg: format!("{login:?} must be 1 to 32 lower-case letters, digits, '.', '_' or '-'"),
        });
    }
    Ok(l.to_string())
}

pub fn check_password(password: &str) -> Result<(), StaffError> {
    if password.chars().count() < MIN_PASSWORD_LEN {
        return Err(StaffError::Invalid {
            field: "password",
            msg: format!("must be at least {MIN_PASSWORD_LEN} characters"),
        });
    }
    if password.chars().any(char::is_control) {
        return Err(StaffError::Invalid { field: "password", msg: "must not contain control characters".into() });
    }
    Ok(())
}

const STAFF_COLUMNS: &str = "login, display_name, role, active, created_at";

fn view_from_row(r: &rusqlite::Row) -> rusqlite::Result<StaffView> {
    let role: String = r.get(2)?;
    Ok(StaffView {
        login: r.get(0)?,
        display_name: r.get(1)?,
        role: role.parse().unwrap_or(Role::Desk),
        active: r.get(3)?,
        created_at: r.get(4)?,
    })
}

/// Staff accounts and sessions over the store.
#[derive(Clone)]
pub struct Staff {
    store: Arc<Store>,
    clock: SharedClock,
    cfg: AuthConfig,
}

impl Staff {
    pub fn new(store: Arc<Store>, clock: SharedClock, cfg: AuthConfig) -> Self {
        Staff { store, clock, cfg }
    }

    fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    fn now_text(&self) -> String {
        audit::timestamp(self.now())
    }

    /// With no staff at all, creates `manager` with a random password and returns it (once).
    pub fn bootstrap(&self) -> Result<Option<String>, StaffError> {
        let password = random_password();
        let hash = hash_password(&password)?;
        let now = self.now_text();
        self.store.write(|tx| {
            let n: i64 = tx.query_row("SELECT COUNT(*) FROM staff", [], |r| r.get(0)).map_err(sql)?;
            if n > 0 {
                return Ok(None);
            }
            tx.execute(
                "INSERT INTO staff(login, display_name, role, password_hash, created_at)
                 VALUES ('manager', 'Manager', 'manager', ?1, ?2)",
                params![hash, now],
            )
            .map_err(sql)?;
            audit::record(
                tx,
                &now,
                &Actor::system(),
                &Change::new("staff_add").subject("staff manager").after("role manager (first start)"),
            )?;
            Ok(Some(password))
        })
    }

    pub fn list(&self) -> Result<Vec<StaffView>, StaffError> {
        self.store.read(|c| {
            let mut stmt = c.prepare(&format!("SELECT {STAFF_COLUMNS} FROM staff ORDER BY login")).map_err(sql)?;
            let rows = stmt.query_map([], view_from_row).map_err(sql)?.collect::<Result<_, _>>().map_err(sql)?;
            Ok(rows)
        })
    }

    pub fn get(&self, login: &str) -> Result<StaffView, StaffError> {
        self.store.read(|c| {
            c.query_row(&format!("SELECT {STAFF_COLUMNS} FROM staff WHERE login = ?1"), [login], view_from_row)
                .optional()
                .map_err(sql)?
                .ok_or_else(|| StaffError::UnknownStaff(login.to_string()))
        })
    }

    pub fn add(
        &self,
        actor: &Actor,
        login: &str,
        display_name: Option<&str>,
        role: Role,
        password: &str,
    ) -> Result<StaffView, StaffError> {
        let login = check_login(login)?;
        let display = display_name.map(str::trim).filter(|d| !d.is_empty()).unwrap_or(&login).to_string();
        if display.chars().any(char::is_control) || display.chars().count() > 60 {
            return Err(StaffError::Invalid {
                field: "display_name",
                msg: "must be printable, at most 60 characters".into(),
            });
        }
        check_password(password)?;
        let hash = hash_password(password)?;
        let now = self.now_text();
        self.store.write(|tx| {
            let exists: Option<i64> = tx
                .query_row("SELECT id FROM staff WHERE login = ?1", [&login], |r| r.get(0))
                .optional()
                .map_err(sql)?;
            if exists.is_some() {
                return Err(StaffError::Exists(login.clone()));
            }
            tx.execute(
                "INSERT INTO staff(login, display_name, role, password_hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![login, display, role.as_str(), hash, now],
            )
            .map_err(sql)?;
            audit::record(
                tx,
                &now,
                actor,
                &Change::new("staff_add").subject(format!("staff {login}")).after(format!("role {}", role.as_str())),
            )?;
            Ok(StaffView {
                login: login.clone(),
                display_name: display.clone(),
                role,
                active: true,
                created_at: now.clone(),
            })
        })
    }

    /// Disables an account and revokes its sessions; the last active manager cannot be disabled.
    pub fn disable(&self, actor: &Actor, login: &str) -> Result<StaffView, StaffError> {
        let now = self.now_text();
        self.store.write(|tx| {
            let (id, role, active): (i64, String, bool) = tx
                .query_row("SELECT id, role, active FROM staff WHERE login = ?1", [login], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })
                .optional()
                .map_err(sql)?
                .ok_or_else(|| StaffError::UnknownStaff(login.to_string()))?;
            if role == "manager" && active {
                let managers: i64 = tx
                    .query_row("SELECT COUNT(*) FROM staff WHERE role = 'manager' AND active = 1", [], |r| r.get(0))
                    .map_err(sql)?;
                if managers <= 1 {
                    return Err(StaffError::LastManager(login.to_string()));
                }
            }
            tx.execute("UPDATE staff SET active = 0 WHERE id = ?1", [id]).map_err(sql)?;
            tx.execute("UPDATE sessions SET revoked = 1 WHERE staff_id = ?1", [id]).map_err(sql)?;
            audit::record(
                tx,
                &now,
                actor,
                &Change::new("staff_disable")
                    .subject(format!("staff {login}"))
                    .before(if active { "active" } else { "disabled" })
                    .after("disabled"),
            )?;
            Ok(())
        })?;
        self.get(login)
    }

    /// Changes one's own password after checking the current one; every session of the
    /// account ends (sign in again).
    pub fn change_own_password(&self, actor: &Actor, current: &str, new: &str) -> Result<(), StaffError> {
        let hash: String = self.store.read(|c| {
            c.query_row("SELECT password_hash FROM staff WHERE login = ?1", [&actor.login], |r| r.get(0))
                .optional()
                .map_err(sql)?
                .ok_or_else(|| StaffError::UnknownStaff(actor.login.clone()))
        })?;
        if !verify_password(current, &hash) {
            return Err(StaffError::BadCredentials);
        }
        self.set_password(actor, &actor.login, new)
    }

    /// Sets a new password; the account's sessions are revoked.
    pub fn set_password(&self, actor: &Actor, login: &str, password: &str) -> Result<(), StaffError> {
        check_password(password)?;
        let hash = hash_password(password)?;
        let now = self.now_text();
        self.store.write(|tx| {
            let id: i64 = tx
                .query_row("SELECT id FROM staff WHERE login = ?1", [login], |r| r.get(0))
                .optional()
                .map_err(sql)?
                .ok_or_else(|| StaffError::UnknownStaff(login.to_string()))?;
            tx.execute("UPDATE staff SET password_hash = ?2 WHERE id = ?1", params![id, hash]).map_err(sql)?;
            tx.execute("UPDATE sessions SET revoked = 1 WHERE staff_id = ?1", [id]).map_err(sql)?;
            audit::record(tx, &now, actor, &Change::new("staff_passwd").subject(format!("staff {login}")))?;
            Ok(())
        })
    }

    /// Signs in: a new bearer token, or one message for every kind of wrong.
    pub fn login(&self, login: &str, password: &str) -> Result<(String, Actor), StaffError> {
        let now = self.now();
        let now_text = audit::timestamp(now);
        let failures: Option<(u32, String)> = self.store.read(|c| {
            c.query_row("SELECT failures, last_failure FROM login_failures WHERE login = ?1", [login], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()
            .map_err(sql)
        })?;
        if let Some((n, last)) = &failures {
            if *n >= self.cfg.max_failures {
                let last = DateTime::parse_from_rfc3339(last).map(|d| d.with_timezone(&Utc)).unwrap_or(now);
                let until = last + chrono::Duration::from_std(self.cfg.lockout).unwrap_or_default();
                if now < until {
                    return Err(StaffError::Throttled { wait_secs: (until - now).num_seconds().max(1) as u64 });
                }
            }
        }
        let row: Option<(i64, String, String, String, bool)> = self.store.read(|c| {
            c.query_row(
                "SELECT id, display_name, role, password_hash, active FROM staff WHERE login = ?1",
                [login],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .optional()
            .map_err(sql)
        })?;
        let ok = match &row {
            Some((_, _, _, hash, active)) => verify_password(password, hash) && *active,
            None => {
                // Spend the same effort as for a real account: no timing hint.
                static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
                let dummy = DUMMY.get_or_init(|| hash_password(&random_password()).unwrap_or_default());
                let _ = verify_password(password, dummy);
                false
            }
        };
        let Some((id, display_name, role, _, _)) = row.filter(|_| ok) else {
            self.store.write(|tx| {
                tx.execute(
                    "INSERT INTO login_failures(login, failures, last_failure) VALUES (?1, 1, ?2)
                     ON CONFLICT(login) DO UPDATE SET failures = failures + 1, last_failure = ?2",
                    params![login, now_text],
                )
                .map_err(sql)
            })?;
            tracing::warn!(login, "failed sign-in");
            return Err(StaffError::BadCredentials);
        };
        let token = new_token();
        self.store.write(|tx| {
            tx.execute("DELETE FROM login_failures WHERE login = ?1", [login]).map_err(sql)?;
            tx.execute(
                "INSERT INTO sessions(token_hash, staff_id, created_at, last_used) VALUES (?1, ?2, ?3, ?3)",
                params![hash_token(&token), id, now_text],
            )
            .map_err(sql)
        })?;
        let role = role.parse()?;
        Ok((token, Actor { id, login: login.to_string(), display_name, role }))
    }

    /// The staff member behind a bearer token, refreshing its idle timer.
    pub fn authenticate(&self, token: &str) -> Result<Actor, StaffError> {
        let now = self.now();
        let th = hash_token(token);
        let row: Option<(i64, String, String, String, bool, bool, String)> = self.store.read(|c| {
            c.query_row(
                "SELECT s.id, s.login, s.display_name, s.role, s.active, x.revoked, x.last_used
                 FROM sessions x JOIN staff s ON s.id = x.staff_id WHERE x.token_hash = ?1",
                [&th],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?)),
            )
            .optional()
            .map_err(sql)
        })?;
        let Some((id, login, display_name, role, active, revoked, last_used)) = row else {
            return Err(StaffError::Unauthenticated("unknown token: sign in again"));
        };
        if revoked || !active {
            return Err(StaffError::Unauthenticated("the session was ended: sign in again"));
        }
        let last = DateTime::parse_from_rfc3339(&last_used).map(|d| d.with_timezone(&Utc)).unwrap_or(now);
        if now - last > chrono::Duration::from_std(self.cfg.idle_timeout).unwrap_or_default() {
            return Err(StaffError::Unauthenticated("the session expired: sign in again"));
        }
        self.store.write(|tx| {
            tx.execute("UPDATE sessions SET last_used = ?2 WHERE token_hash = ?1", params![th, audit::timestamp(now)])
                .map_err(sql)
        })?;
        Ok(Actor { id, login, display_name, role: role.parse()? })
    }

    /// Ends the session of `token`.
    pub fn logout(&self, token: &str) -> Result<(), StaffError> {
        self.store.write(|tx| {
            tx.execute("UPDATE sessions SET revoked = 1 WHERE token_hash = ?1", [hash_token(token)]).map_err(sql)
        })?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::FakeClock;
    use chrono::TimeZone;
    use std::time::Duration;

    fn staff() -> (Staff, FakeClock) {
        let store = Arc::new(Store::open_in_memory().unwrap());
        let clock = FakeClock::new(Utc.with_ymd_and_hms(2026, 1, 1, 8, 0, 0).unwrap());
        let cfg =
            AuthConfig { idle_timeout: Duration::from_secs(600), max_failures: 3, lockout: Duration::from_secs(30) };
        (Staff::new(store, Arc::new(clock.clone()), cfg), clock)
    }

    #[test]
    fn roles_allow_what_they_should() {
        use Permission::*;
        for p in [View, Desk, RoomAudit] {
            assert!(Role::Desk.allows(p) && Role::Operator.allows(p) && Role::Manager.allows(p));
        }
        assert!(!Role::Desk.allows(Operate) && Role::Operator.allows(Operate) && Role::Manager.allows(Operate));
        for p in [Staff, Audit, SeePrivate] {
            assert!(!Role::Desk.allows(p) && !Role::Operator.allows(p) && Role::Manager.allows(p));
        }
        assert!("chef".parse::<Role>().unwrap_err().to_string().contains("not a role"));
    }

    #[test]
    fn bootstrap_creates_one_manager_once() {
        let (s, _) = staff();
        let pw = s.bootstrap().unwrap().expect("first start creates the manager");
        assert!(s.bootstrap().unwrap().is_none());
        let (_, actor) = s.login("manager", &pw).unwrap();
        assert_eq!(actor.role, Role::Manager);
    }

    #[test]
    fn login_token_expiry_and_logout() {
        let (s, clock) = staff();
        let m = Actor::system();
        s.add(&m, "dora", Some("Dora Desk"), Role::Desk, "correct horse").unwrap();
        assert!(matches!(s.login("dora", "wrong pass"), Err(StaffError::BadCredentials)));
        assert!(matches!(s.login("nobody", "wrong pass"), Err(StaffError::BadCredentials)));
        let (token, actor) = s.login("dora", "correct horse").unwrap();
        assert_eq!(actor.display_name, "Dora Desk");
        clock.advance(chrono::Duration::seconds(599));
        assert_eq!(s.authenticate(&token).unwrap().login, "dora");
        // the idle timer restarted at the last use
        clock.advance(chrono::Duration::seconds(599));
        s.authenticate(&token).unwrap();
        clock.advance(chrono::Duration::seconds(601));
        assert!(s.authenticate(&token).unwrap_err().to_string().contains("expired"));
        let (token, _) = s.login("dora", "correct horse").unwrap();
        s.logout(&token).unwrap();
        assert!(matches!(s.authenticate(&token), Err(StaffError::Unauthenticated(_))));
        assert!(matches!(s.authenticate("sb_forged"), Err(StaffError::Unauthenticated(_))));
    }

    #[test]
    fn repeated_failures_are_slowed_down() {
        let (s, clock) = staff();
        s.add(&Actor::system(), "dora", None, Role::Desk, "correct horse").unwrap();
        for _ in 0..3 {
            assert!(matches!(s.login("dora", "guess1234"), Err(StaffError::BadCredentials)));
        }
        assert!(matches!(s.login("dora", "correct horse"), Err(StaffError::Throttled { .. })));
        // the same brake for a login that does not exist
        for _ in 0..3 {
            let _ = s.login("ghost", "guess1234");
        }
        assert!(matches!(s.login("ghost", "guess1234"), Err(StaffError::Throttled { .. })));
        clock.advance(chrono::Duration::seconds(31));
        s.login("dora", "correct horse").unwrap();
    }

    #[test]
    fn disabling_revokes_sessions_and_spares_the_last_manager() {
        let (s, _) = staff();
        let m = Actor::system();
        s.add(&m, "boss", None, Role::Manager, "managerpw").unwrap();
        s.add(&m, "dora", None, Role::Desk, "correct horse").unwrap();
        let (token, _) = s.login("dora", "correct horse").unwrap();
        assert!(!s.disable(&m, "dora").unwrap().active);
        assert!(s.authenticate(&token).is_err());
        assert!(matches!(s.login("dora", "correct horse"), Err(StaffError::BadCredentials)));
        assert!(matches!(s.disable(&m, "boss"), Err(StaffError::LastManager(_))));
        assert!(matches!(s.disable(&m, "nobody"), Err(StaffError::UnknownStaff(_))));
    }

    #[test]
    fn bad_accounts_are_refused() {
        let (s, _) = staff();
        let m = Actor::system();
        s.add(&m, "dora", None, Role::Desk, "correct horse").unwrap();
        assert!(matches!(s.add(&m, "dora", None, Role::Desk, "correct horse"), Err(StaffError::Exists(_))));
        assert!(s
            .add(&m, "Dora Smith", None, Role::Desk, "correct horse")
            .unwrap_err()
            .to_string()
            .starts_with("login"));
        assert!(s.add(&m, "eve", None, Role::Desk, "short").unwrap_err().to_string().starts_with("password"));
        assert_eq!(s.list().unwrap().len(), 1);
    }

    #[test]
    fn staff_change_their_own_password_knowing_the_old_one() {
        let (s, _) = staff();
        s.add(&Actor::system(), "dora", None, Role::Desk, "correct horse").unwrap();
        let (token, dora) = s.login("dora", "correct horse").unwrap();
        assert!(matches!(s.change_own_password(&dora, "wrong one", "new password"), Err(StaffError::BadCredentials)));
        assert!(s.change_own_password(&dora, "correct horse", "short").is_err());
        s.change_own_password(&dora, "correct horse", "new password").unwrap();
        assert!(s.authenticate(&token).is_err(), "sessions end with the old password");
        s.login("dora", "new password").unwrap();
    }

    #[test]
    fn passwords_are_never_stored_in_clear() {
        let (s, _) = staff();
        s.add(&Actor::system(), "dora", None, Role::Desk, "correct horse").unwrap();
        let hash: String = s
            .store
            .read(|c| c.query_row("SELECT password_hash FROM staff", [], |r| r.get(0)).map_err(StoreError::from))
            .unwrap();
        assert!(hash.starts_with("$argon2id$") && !hash.contains("correct horse"));
        s.set_password(&Actor::system(), "dora", "battery staple").unwrap();
        s.login("dora", "battery staple").unwrap();
    }
}
