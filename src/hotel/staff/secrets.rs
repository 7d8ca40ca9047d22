//! Secrets: argon2id password hashes, random passwords people can type, bearer tokens and
//! their stored form (SHA-256: a stolen store file holds no usable token).
//!
//! Argon2id runs with 7 MiB, 5 passes, one lane: one of the settings OWASP's password storage
//! cheat sheet lists as equal in strength to the crate's default (19 MiB, 2 passes). It keeps a
//! sign-in from tripling the service's memory (the service holds ~14 MiB otherwise; see
//! BENCHMARKS.md). Hashes record their own settings, so older hashes keep verifying.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use sha2::{Digest, Sha256};

use crate::store::StoreError;

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

/// A new bearer token: `sb_` and 64 hex digits (256 random bits).
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    fill_random(&mut bytes);
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("sb_{hex}")
}

/// The form a token is stored and looked up in.
pub fn hash_token(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// The hasher for new hashes (see the module docs for the settings).
fn argon2() -> Argon2<'static> {
    let params = Params::new(7 * 1024, 5, 1, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

pub fn hash_password(password: &str) -> Result<String, StoreError> {
    let mut salt = [0u8; 16];
    fill_random(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    Ok(argon2().hash_password(password.as_bytes(), &salt).map_err(|e| StoreError::Corrupt(e.to_string()))?.to_string())
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    // The hash's own parameters are used to verify it.
    PasswordHash::new(hash).is_ok_and(|h| argon2().verify_password(password.as_bytes(), &h).is_ok())
}

/// Spends the effort of checking a real password (for logins that do not exist: no timing hint).
pub fn verify_nothing(password: &str) {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let dummy = DUMMY.get_or_init(|| hash_password(&random_password()).unwrap_or_default());
    let _ = verify_password(password, dummy);
}

/// [`hash_password`] on the blocking pool: it is slow on purpose, and the async workers serve
/// everyone else meanwhile.
pub async fn hashed(password: &str) -> Result<String, StoreError> {
    let password = password.to_string();
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| StoreError::Corrupt(format!("password hashing failed: {e}")))?
}

/// Whether `password` matches `hash` (`None`: no such account, checked against a dummy all the
/// same so that the time taken gives nothing away), on the blocking pool.
pub async fn verified(password: &str, hash: Option<String>) -> bool {
    let password = password.to_string();
    tokio::task::spawn_blocking(move || match hash {
        Some(h) => verify_password(&password, &h),
        None => {
            verify_nothing(&password);
            false
        }
    })
    .await
    .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_made_with_the_old_default_settings_still_verify() {
        let salt = SaltString::encode_b64(b"0123456789abcdef").unwrap();
        let old = Argon2::default().hash_password(b"correct horse", &salt).unwrap().to_string();
        assert!(old.contains("m=19456,t=2,p=1"), "{old}");
        assert!(verify_password("correct horse", &old) && !verify_password("wrong horse", &old));
        assert!(hash_password("x").unwrap().contains("m=7168,t=5,p=1"));
    }

    #[test]
    fn hashes_verify_and_tokens_are_random() {
        let h = hash_password("correct horse").unwrap();
        assert!(h.starts_with("$argon2id$") && verify_password("correct horse", &h));
        assert!(!verify_password("wrong horse", &h) && !verify_password("x", "not a hash"));
        let (a, b) = (new_token(), new_token());
        assert!(a != b && a.len() == 67 && hash_token(&a) != hash_token(&b));
        assert!(random_password().chars().all(|c| c.is_ascii_alphanumeric()));
    }
}
