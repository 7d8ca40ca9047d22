//! Sign-in sessions: login (with the brake on password guessing), bearer-token authentication
//! with idle expiry, logout.
//!
//! The brake: every attempt is counted against the login it names and the address it comes
//! from *before* the password is checked, in the same transaction that decides whether the
//! attempt may go ahead. Guesses sent in parallel are therefore counted one by one: after
//! `max_failures` of them the rest are refused (429) without a password check. A slowed-down
//! key waits `lockout`, doubled for every further failure (at most [`LONGEST_WAIT`]). A
//! success clears the login's count and takes only itself off the address's; rows quiet for a
//! day are deleted.

use crate::store::{Priority, Sql};
use std::net::IpAddr;

use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};

use super::accounts::{check_login, find, Staff};
use super::error::StaffError;
use super::secrets::{hash_token, new_token, verified};
use crate::clock;
use crate::config::duration;
use crate::domain::identity::Actor;

/// A token's `last_used` is written at most this often: reading the API must not commit a
/// write per request. Idle expiry is therefore exact to within this much.
pub const LAST_USED_GRANULARITY: chrono::Duration = chrono::Duration::seconds(60);

/// The longest a slowed-down login or address waits between attempts.
pub const LONGEST_WAIT: std::time::Duration = std::time::Duration::from_secs(3600);

/// Failure counts untouched this long are forgotten.
const FORGET_AFTER: chrono::Duration = chrono::Duration::days(1);

/// What one attempt is counted against, and its limit.
#[derive(Clone)]
struct Key {
    key: String,
    max: u32,
}

impl Staff {
    /// How long a key waits after its last failure when it has `over` failures more than its
    /// limit: `lockout`, doubled for each.
    fn wait(&self, over: u32) -> chrono::Duration {
        let wait = self.cfg.lockout.saturating_mul(1 << over.min(16)).min(LONGEST_WAIT);
        duration::chrono(wait)
    }

    /// Counts an attempt against `keys`, or refuses it while any of them is slowed down.
    async fn count_attempt(&self, keys: &[Key], now: DateTime<Utc>) -> Result<(), StaffError> {
        let now_text = clock::timestamp(now);
        let forget = clock::timestamp(now - FORGET_AFTER);
        let (me, keys) = (self.clone(), keys.to_vec());
        self.store
            .write(Priority::Normal, move |tx| {
                let (me, keys) = (&me, &keys);
                tx.exec("DELETE FROM login_failures WHERE last_failure < ?1", [&forget])?;
                for k in keys {
                    let row: Option<(u32, String)> = tx
                        .row("SELECT failures, last_failure FROM login_failures WHERE login = ?1", [&k.key], |r| {
                            Ok((r.get(0)?, r.get(1)?))
                        })
                        .optional()?;
                    if let Some((n, last)) = row.filter(|(n, _)| *n >= k.max) {
                        let until = clock::parse_utc(&last).unwrap_or(now) + me.wait(n - k.max);
                        if now < until {
                            return Err(StaffError::Throttled { wait_secs: (until - now).num_seconds().max(1) as u64 });
                        }
                    }
                }
                for k in keys {
                    tx.exec(
                        "INSERT INTO login_failures(login, failures, last_failure) VALUES (?1, 1, ?2)
                     ON CONFLICT(login) DO UPDATE SET failures = failures + 1, last_failure = ?2",
                        params![k.key, now_text],
                    )?;
                }
                Ok(())
            })
            .await
    }

    /// After a success: the login's count is cleared; the address's loses only this attempt
    /// (one valid account must not lift the brake on an address spraying other logins: only
    /// time clears an address's failures).
    async fn clear_attempts(&self, keys: &[Key]) -> Result<(), StaffError> {
        let keys = keys.to_vec();
        self.store
            .write(Priority::Normal, move |tx| {
                for k in &keys {
                    if k.key.starts_with('@') {
                        tx.exec(
                            "UPDATE login_failures SET failures = failures - 1 WHERE login = ?1 AND failures > 0",
                            [&k.key],
                        )?;
                        tx.exec("DELETE FROM login_failures WHERE login = ?1 AND failures = 0", [&k.key])?;
                    } else {
                        tx.exec("DELETE FROM login_failures WHERE login = ?1", [&k.key])?;
                    }
                }
                Ok::<_, StaffError>(())
            })
            .await
    }

    fn keys(&self, login: Option<&str>, from: Option<IpAddr>) -> Vec<Key> {
        let mut keys = Vec::new();
        if let Some(l) = login {
            keys.push(Key { key: l.to_string(), max: self.cfg.max_failures });
        }
        if let Some(a) = from {
            // '@' cannot start a login, so the two kinds of key never meet.
            keys.push(Key { key: format!("@{a}"), max: self.cfg.max_failures_per_address });
        }
        keys
    }

    /// Checks `password` against `login`'s, under the brake; the account on success.
    async fn checked(
        &self,
        login: &str,
        password: &str,
        from: Option<IpAddr>,
    ) -> Result<super::accounts::Account, StaffError> {
        let now = self.clock.now();
        // A name that cannot be a login is refused before anything about it is written (it
        // still counts against the address).
        let valid = check_login(login).ok().filter(|l| l == login);
        let keys = self.keys(valid.as_deref(), from);
        self.count_attempt(&keys, now).await?;
        let Some(login) = valid else {
            verified(password, None).await;
            return Err(StaffError::BadCredentials);
        };
        let account = self
            .store
            .read({
                let login = login.clone();
                move |c| find(c, &login)
            })
            .await?;
        let ok = verified(password, account.as_ref().map(|a| a.password_hash.clone())).await
            && account.as_ref().is_some_and(|a| a.view.active);
        match account.filter(|_| ok) {
            Some(a) => {
                self.clear_attempts(&keys).await?;
                Ok(a)
            }
            None => {
                tracing::warn!(login, from = ?from, "failed sign-in");
                Err(StaffError::BadCredentials)
            }
        }
    }

    /// Signs in: a new bearer token, or one message for every kind of wrong.
    pub async fn login(
        &self,
        login: &str,
        password: &str,
        from: Option<IpAddr>,
    ) -> Result<(String, Actor), StaffError> {
        let account = self.checked(login, password, from).await?;
        let token = new_token();
        let now_text = clock::timestamp(self.clock.now());
        let account_id = account.id;
        let hashed = hash_token(&token);
        self.store
            .write(Priority::Normal, move |tx| {
                tx.exec(
                    "INSERT INTO sessions(token_hash, staff_id, created_at, last_used) VALUES (?1, ?2, ?3, ?3)",
                    params![hashed, account_id, now_text],
                )?;
                Ok::<_, StaffError>(())
            })
            .await?;
        Ok((token, account.actor()))
    }

    /// Changes one's own password after checking the current one, under the same brake as
    /// signing in (an unattended desk is no place to guess a colleague's password); every
    /// session of the account ends.
    pub async fn change_own_password(
        &self,
        actor: &Actor,
        current: &str,
        new: &str,
        from: Option<IpAddr>,
    ) -> Result<(), StaffError> {
        super::accounts::check_password(new)?;
        self.checked(&actor.login, current, from).await?;
        self.set_password(actor, &actor.login, new).await
    }

    /// The staff member behind a bearer token, refreshing its idle timer (at most once per
    /// `LAST_USED_GRANULARITY`).
    pub async fn authenticate(&self, token: &str) -> Result<Actor, StaffError> {
        let now = self.clock.now();
        let (actor, last) = self.session(token, now).await?;
        if now - last >= LAST_USED_GRANULARITY {
            let (hashed, at) = (hash_token(token), clock::timestamp(now));
            self.store
                .write(Priority::Normal, move |tx| {
                    tx.exec("UPDATE sessions SET last_used = ?2 WHERE token_hash = ?1", params![hashed, at])?;
                    Ok::<_, StaffError>(())
                })
                .await?;
        }
        Ok(actor)
    }

    /// Whether the session of `token` is still open (not ended, its account active, not idle
    /// past the timeout), without touching its idle timer: what an open live-event stream asks
    /// after every change, so a logout, a new password or a disabled account ends it.
    pub async fn session_open(&self, token: &str) -> Result<bool, StaffError> {
        match self.session(token, self.clock.now()).await {
            Ok(_) => Ok(true),
            Err(StaffError::Unauthenticated(_)) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// The open session of `token`: its staff member and when it was last used.
    async fn session(&self, token: &str, now: DateTime<Utc>) -> Result<(Actor, DateTime<Utc>), StaffError> {
        let th = hash_token(token);
        type Row = (i64, String, String, String, bool, bool, String);
        let row: Option<Row> = self
            .store
            .read(move |c| {
                Ok::<_, StaffError>(
                    c.row(
                        "SELECT s.id, s.login, s.display_name, s.role, s.active, x.revoked, x.last_used
                     FROM sessions x JOIN staff s ON s.id = x.staff_id WHERE x.token_hash = ?1",
                        [&th],
                        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?)),
                    )
                    .optional()?,
                )
            })
            .await?;
        let Some((id, login, display_name, role, active, revoked, last_used)) = row else {
            return Err(StaffError::Unauthenticated("unknown token: sign in again"));
        };
        if revoked || !active {
            return Err(StaffError::Unauthenticated("the session was ended: sign in again"));
        }
        let last = clock::parse_utc(&last_used).unwrap_or(now);
        if now - last > duration::chrono(self.cfg.idle_timeout) {
            return Err(StaffError::Unauthenticated("the session expired: sign in again"));
        }
        Ok((Actor { id, login, display_name, role: role.parse()? }, last))
    }

    /// Ends the session of `token`.
    pub async fn logout(&self, token: &str) -> Result<(), StaffError> {
        let hashed = hash_token(token);
        self.store
            .write(Priority::Normal, move |tx| {
                tx.exec("UPDATE sessions SET revoked = 1 WHERE token_hash = ?1", [hashed])?;
                crate::hotel::changes::record(tx, crate::domain::event::Event::SessionsChanged)?;
                Ok::<_, StaffError>(())
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use tokio::sync::Barrier;

    use super::super::accounts::tests::staff;
    use super::*;
    use crate::domain::identity::Role;
    use crate::store::StoreError;

    async fn last_used(s: &Staff, token: &str) -> DateTime<Utc> {
        let text: String = s
            .store
            .read({
                let hash = hash_token(token);
                move |c| {
                    c.row("SELECT last_used FROM sessions WHERE token_hash = ?1", [hash], |r| r.get(0))
                        .map_err(StoreError::from)
                }
            })
            .await
            .unwrap();
        clock::parse_utc(&text).unwrap()
    }

    async fn failure_rows(s: &Staff) -> Vec<(String, u32)> {
        s.store
            .read(move |c| {
                let mut st = c.prepare_cached("SELECT login, failures FROM login_failures ORDER BY login")?;
                let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<Vec<_>, _>>()?;
                Ok::<_, StoreError>(rows)
            })
            .await
            .unwrap()
    }

    /// `n` wrong guesses for `login` sent at the same moment from `n` tasks; how many were
    /// checked (401) and how many refused by the brake (429).
    async fn parallel_guesses(s: &Staff, login: &str, n: usize, from: Option<IpAddr>) -> (usize, usize) {
        let barrier = Arc::new(Barrier::new(n));
        let tasks: Vec<_> = (0..n)
            .map(|i| {
                let (s, barrier, login) = (s.clone(), barrier.clone(), login.to_string());
                tokio::spawn(async move {
                    barrier.wait().await;
                    s.login(&login, &format!("guess number {i}"), from).await
                })
            })
            .collect();
        let results: Vec<Result<_, StaffError>> =
            futures_util::future::join_all(tasks).await.into_iter().map(Result::unwrap).collect();
        let checked = results.iter().filter(|r| matches!(r, Err(StaffError::BadCredentials))).count();
        let braked = results.iter().filter(|r| matches!(r, Err(StaffError::Throttled { .. }))).count();
        assert_eq!(checked + braked, n, "every guess failed one way or the other");
        (checked, braked)
    }

    #[tokio::test]
    async fn login_token_expiry_and_logout() {
        let (s, clock) = staff();
        let m = Actor::system();
        s.add(&m, "dora", Some("Dora Desk"), Role::Desk, "correct horse").await.unwrap();
        assert!(matches!(s.login("dora", "wrong pass", None).await, Err(StaffError::BadCredentials)));
        assert!(matches!(s.login("nobody", "wrong pass", None).await, Err(StaffError::BadCredentials)));
        let (token, actor) = s.login("dora", "correct horse", None).await.unwrap();
        assert_eq!(actor.display_name, "Dora Desk");
        clock.advance(chrono::Duration::seconds(599));
        assert_eq!(s.authenticate(&token).await.unwrap().login, "dora");
        // the idle timer restarted at the last use
        clock.advance(chrono::Duration::seconds(599));
        s.authenticate(&token).await.unwrap();
        clock.advance(chrono::Duration::seconds(601));
        assert!(s.authenticate(&token).await.unwrap_err().to_string().contains("expired"));
        let (token, _) = s.login("dora", "correct horse", None).await.unwrap();
        s.logout(&token).await.unwrap();
        assert!(matches!(s.authenticate(&token).await, Err(StaffError::Unauthenticated(_))));
        assert!(matches!(s.authenticate("sb_forged").await, Err(StaffError::Unauthenticated(_))));
    }

    #[tokio::test]
    async fn last_used_is_written_at_most_once_a_minute() {
        let (s, clock) = staff();
        s.add(&Actor::system(), "dora", None, Role::Desk, "correct horse").await.unwrap();
        let (token, _) = s.login("dora", "correct horse", None).await.unwrap();
        let signed_in = last_used(&s, &token).await;
        clock.advance(chrono::Duration::seconds(59));
        s.authenticate(&token).await.unwrap();
        assert_eq!(last_used(&s, &token).await, signed_in, "no write within the minute");
        clock.advance(chrono::Duration::seconds(1));
        s.authenticate(&token).await.unwrap();
        assert_eq!(last_used(&s, &token).await, signed_in + chrono::Duration::seconds(60));
    }

    #[tokio::test]
    async fn repeated_failures_are_slowed_down_and_success_clears_them() {
        let (s, clock) = staff();
        s.add(&Actor::system(), "dora", None, Role::Desk, "correct horse").await.unwrap();
        for _ in 0..3 {
            assert!(matches!(s.login("dora", "guess1234", None).await, Err(StaffError::BadCredentials)));
        }
        assert!(matches!(s.login("dora", "correct horse", None).await, Err(StaffError::Throttled { .. })));
        // the same brake for a login that does not exist
        for _ in 0..3 {
            let _ = s.login("ghost", "guess1234", None).await;
        }
        assert!(matches!(s.login("ghost", "guess1234", None).await, Err(StaffError::Throttled { .. })));
        clock.advance(chrono::Duration::seconds(31));
        s.login("dora", "correct horse", None).await.unwrap();
        assert_eq!(failure_rows(&s).await, [("ghost".to_string(), 3)], "dora's count is cleared");
        clock.advance(chrono::Duration::days(2));
        let _ = s.login("ghost", "guess", None).await;
        assert_eq!(failure_rows(&s).await, [("ghost".to_string(), 1)], "a day-old count is forgotten");
    }

    #[tokio::test]
    async fn guesses_sent_in_parallel_are_counted_one_by_one() {
        let (s, clock) = staff(); // max_failures = 3, lockout 30 s
        s.add(&Actor::system(), "dora", None, Role::Desk, "correct horse").await.unwrap();
        assert_eq!(parallel_guesses(&s, "dora", 24, None).await, (3, 21), "only max_failures get a password check");
        // Right after the lockout ends, a burst gets one guess; the wait then doubles.
        clock.advance(chrono::Duration::seconds(31));
        assert_eq!(parallel_guesses(&s, "dora", 12, None).await, (1, 11));
        clock.advance(chrono::Duration::seconds(31));
        assert!(matches!(s.login("dora", "correct horse", None).await, Err(StaffError::Throttled { .. })), "60 s now");
        clock.advance(chrono::Duration::seconds(30));
        s.login("dora", "correct horse", None).await.unwrap();
    }

    #[tokio::test]
    async fn one_address_guessing_many_logins_is_slowed_down() {
        let (s, _) = staff(); // 10 failures per address
        let attacker: IpAddr = "10.9.8.7".parse().unwrap();
        let desk: IpAddr = "10.0.0.2".parse().unwrap();
        s.add(&Actor::system(), "dora", None, Role::Desk, "correct horse").await.unwrap();
        for i in 0..10 {
            assert!(matches!(
                s.login(&format!("user{i}"), "guess", Some(attacker)).await,
                Err(StaffError::BadCredentials)
            ));
        }
        assert!(matches!(s.login("user99", "guess", Some(attacker)).await, Err(StaffError::Throttled { .. })));
        assert!(matches!(s.login("dora", "correct horse", Some(attacker)).await, Err(StaffError::Throttled { .. })));
        s.login("dora", "correct horse", Some(desk)).await.unwrap();
    }

    #[tokio::test]
    async fn a_valid_sign_in_does_not_lift_the_brake_on_its_address() {
        let (s, clock) = staff(); // 10 failures per address, 3 per login
        let sprayer: IpAddr = "10.9.8.7".parse().unwrap();
        s.add(&Actor::system(), "dora", None, Role::Desk, "correct horse").await.unwrap();
        for i in 0..9 {
            assert!(matches!(
                s.login(&format!("user{i}"), "guess", Some(sprayer)).await,
                Err(StaffError::BadCredentials)
            ));
        }
        // The sprayer knows one account: signing in with it leaves the other nine failures counted.
        s.login("dora", "correct horse", Some(sprayer)).await.unwrap();
        assert!(matches!(s.login("user9", "guess", Some(sprayer)).await, Err(StaffError::BadCredentials)));
        assert!(matches!(s.login("user10", "guess", Some(sprayer)).await, Err(StaffError::Throttled { .. })));
        // A desk PC signing in all day is never braked by its own successes.
        let desk: IpAddr = "10.0.0.2".parse().unwrap();
        for _ in 0..30 {
            s.login("dora", "correct horse", Some(desk)).await.unwrap();
        }
        // Only time clears an address.
        clock.advance(chrono::Duration::days(2));
        assert!(matches!(s.login("user11", "guess", Some(sprayer)).await, Err(StaffError::BadCredentials)));
    }

    #[tokio::test]
    async fn a_name_that_cannot_be_a_login_is_never_written() {
        let (s, _) = staff();
        let from: IpAddr = "10.9.8.7".parse().unwrap();
        let huge = "x".repeat(1_000_000);
        assert!(matches!(s.login(&huge, "guess", Some(from)).await, Err(StaffError::BadCredentials)));
        assert!(matches!(s.login("Dora Smith", "guess", None).await, Err(StaffError::BadCredentials)));
        assert_eq!(failure_rows(&s).await, [("@10.9.8.7".to_string(), 1)], "only the address is counted");
    }

    #[tokio::test]
    async fn guessing_ones_own_password_is_braked_like_signing_in() {
        let (s, clock) = staff();
        s.add(&Actor::system(), "dora", None, Role::Desk, "correct horse").await.unwrap();
        let (_, dora) = s.login("dora", "correct horse", None).await.unwrap();
        let change = async |current: &str| s.change_own_password(&dora, current, "a new password", None).await;
        for _ in 0..3 {
            assert!(matches!(change("wrong guess").await, Err(StaffError::BadCredentials)));
        }
        assert!(matches!(change("correct horse").await, Err(StaffError::Throttled { .. })));
        assert!(matches!(s.login("dora", "correct horse", None).await, Err(StaffError::Throttled { .. })), "one count");
        clock.advance(chrono::Duration::seconds(31));
        change("correct horse").await.unwrap();
    }
}
