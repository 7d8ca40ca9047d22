//! Staff accounts, sign-in sessions and the secrets behind them.
//!
//! Layout: `accounts` (the [`Staff`] service, account CRUD and the one "find by login"
//! query), `sessions` (sign-in, bearer tokens, idle expiry, the failed sign-in brake),
//! `secrets` (password hashing, token generation and hashing), `error` ([`StaffError`]). Who may do what is
//! [`crate::domain::identity`]'s, below this module.
//!
//! - Passwords are argon2id hashes; never logged, never returned.
//! - Sessions: a random bearer token, stored only as its SHA-256, expiring after an idle time
//!   (taken from the injected clock); logout and disabling the account revoke it.
//! - Repeated failed sign-ins for one login are slowed down (counted per login name, existing or
//!   not, so the brake says nothing about which logins exist).
//! - First start: with no staff at all, a `manager` account with a random password is created.

mod accounts;
mod error;
mod secrets;
mod sessions;

pub use accounts::{check_login, check_password, Staff, StaffView, MIN_PASSWORD_LEN};
pub use error::StaffError;
pub use secrets::random_password;
