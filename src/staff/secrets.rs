//! Secrets: argon2id password hashes, random passwords people can type, bearer tokens and
//! their stored form (SHA-256: a stolen store file holds no usable token).

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
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

pub fn hash_password(password: &str) -> Result<String, StoreError> {
    let mut salt = [0u8; 16];
    fill_random(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| StoreError::Corrupt(e.to_string()))?
        .to_string())
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// Spends the effort of checking a real password (for logins that do not exist: no timing hint).
pub fn verify_nothing(password: &str) {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let dummy = DUMMY.get_or_init(|| hash_password(&random_password()).unwrap_or_default());
    let _ = verify_password(password, dummy);
}

#[cfg(test)]
mod tests {
    use super::*;

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
