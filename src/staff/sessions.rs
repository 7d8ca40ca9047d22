//! Sign-in sessions: login (with the failed sign-in brake), bearer-token authentication with
//! idle expiry, logout.

use rusqlite::{params, OptionalExtension};

use super::accounts::{find, Staff};
use super::error::StaffError;
use super::secrets::{hash_token, new_token, verify_nothing, verify_password};
use crate::clock;
use crate::identity::Actor;

/// A token's `last_used` is written at most this often: reading the API must not commit a
/// write per request. Idle expiry is therefore exact to within this much.
pub const LAST_USED_GRANULARITY: chrono::Duration = chrono::Duration::seconds(60);

impl Staff {
    /// Signs in: a new bearer token, or one message for every kind of wrong.
    pub fn login(&self, login: &str, password: &str) -> Result<(String, Actor), StaffError> {
        let now = self.clock.now();
        let now_text = clock::timestamp(now);
        let failures: Option<(u32, String)> = self.store.read(|c| {
            Ok::<_, StaffError>(
                c.query_row("SELECT failures, last_failure FROM login_failures WHERE login = ?1", [login], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .optional()?,
            )
        })?;
        if let Some((n, last)) = &failures {
            if *n >= self.cfg.max_failures {
                let last = clock::parse_utc(last).unwrap_or(now);
                let until = last + chrono::Duration::from_std(self.cfg.lockout).unwrap_or_default();
                if now < until {
                    return Err(StaffError::Throttled { wait_secs: (until - now).num_seconds().max(1) as u64 });
                }
            }
        }
        let account = self.store.read(|c| find(c, login))?;
        let ok = match &account {
            Some(a) => verify_password(password, &a.password_hash) && a.view.active,
            None => {
                verify_nothing(password);
                false
            }
        };
        let Some(account) = account.filter(|_| ok) else {
            self.store.write(|tx| {
                tx.execute(
                    "INSERT INTO login_failures(login, failures, last_failure) VALUES (?1, 1, ?2)
                     ON CONFLICT(login) DO UPDATE SET failures = failures + 1, last_failure = ?2",
                    params![login, now_text],
                )?;
                Ok::<_, StaffError>(())
            })?;
            tracing::warn!(login, "failed sign-in");
            return Err(StaffError::BadCredentials);
        };
        let token = new_token();
        self.store.write(|tx| {
            tx.execute("DELETE FROM login_failures WHERE login = ?1", [login])?;
            tx.execute(
                "INSERT INTO sessions(token_hash, staff_id, created_at, last_used) VALUES (?1, ?2, ?3, ?3)",
                params![hash_token(&token), account.id, now_text],
            )?;
            Ok::<_, StaffError>(())
        })?;
        Ok((token, account.actor()))
    }

    /// The staff member behind a bearer token, refreshing its idle timer (at most once per
    /// `LAST_USED_GRANULARITY`).
    pub fn authenticate(&self, token: &str) -> Result<Actor, StaffError> {
        let now = self.clock.now();
        let th = hash_token(token);
        type Row = (i64, String, String, String, bool, bool, String);
        let row: Option<Row> = self.store.read(|c| {
            Ok::<_, StaffError>(
                c.query_row(
                    "SELECT s.id, s.login, s.display_name, s.role, s.active, x.revoked, x.last_used
                     FROM sessions x JOIN staff s ON s.id = x.staff_id WHERE x.token_hash = ?1",
                    [&th],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?)),
                )
                .optional()?,
            )
        })?;
        let Some((id, login, display_name, role, active, revoked, last_used)) = row else {
            return Err(StaffError::Unauthenticated("unknown token: sign in again"));
        };
        if revoked || !active {
            return Err(StaffError::Unauthenticated("the session was ended: sign in again"));
        }
        let last = clock::parse_utc(&last_used).unwrap_or(now);
        if now - last > chrono::Duration::from_std(self.cfg.idle_timeout).unwrap_or_default() {
            return Err(StaffError::Unauthenticated("the session expired: sign in again"));
        }
        if now - last >= LAST_USED_GRANULARITY {
            self.store.write(|tx| {
                tx.execute(
                    "UPDATE sessions SET last_used = ?2 WHERE token_hash = ?1",
                    params![th, clock::timestamp(now)],
                )?;
                Ok::<_, StaffError>(())
            })?;
        }
        Ok(Actor { id, login, display_name, role: role.parse()? })
    }

    /// Ends the session of `token`.
    pub fn logout(&self, token: &str) -> Result<(), StaffError> {
        self.store.write(|tx| {
            tx.execute("UPDATE sessions SET revoked = 1 WHERE token_hash = ?1", [hash_token(token)])?;
            Ok::<_, StaffError>(())
        })
    }
}

/// When a session was last used, as stored (tests).
#[cfg(test)]
fn last_used(s: &Staff, token: &str) -> chrono::DateTime<chrono::Utc> {
    let text: String = s
        .store
        .read(|c| {
            c.query_row("SELECT last_used FROM sessions WHERE token_hash = ?1", [hash_token(token)], |r| r.get(0))
                .map_err(crate::store::StoreError::from)
        })
        .unwrap();
    clock::parse_utc(&text).unwrap()
}

#[cfg(test)]
mod tests {
    use super::super::accounts::tests::staff;
    use super::*;
    use crate::identity::Role;

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
    fn last_used_is_written_at_most_once_a_minute() {
        let (s, clock) = staff();
        s.add(&Actor::system(), "dora", None, Role::Desk, "correct horse").unwrap();
        let (token, _) = s.login("dora", "correct horse").unwrap();
        let signed_in = last_used(&s, &token);
        clock.advance(chrono::Duration::seconds(59));
        s.authenticate(&token).unwrap();
        assert_eq!(last_used(&s, &token), signed_in, "no write within the minute");
        clock.advance(chrono::Duration::seconds(1));
        s.authenticate(&token).unwrap();
        assert_eq!(last_used(&s, &token), signed_in + chrono::Duration::seconds(60));
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
}
