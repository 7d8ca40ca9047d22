//! What can go wrong with accounts and sign-in.

use crate::domain::identity::{Forbidden, Role};
use crate::domain::validate::Invalid;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum StaffError {
    #[error("wrong login or password (or the account is disabled)")]
    BadCredentials,
    #[error("too many failed sign-ins for this login; try again in {wait_secs} s")]
    Throttled { wait_secs: u64 },
    #[error("{0}")]
    Unauthenticated(&'static str),
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    #[error("no staff member {0:?}")]
    UnknownStaff(String),
    #[error("a staff member {0:?} already exists")]
    Exists(String),
    #[error("{0:?} is the last active manager; add another manager first")]
    LastManager(String),
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error(transparent)]
    Store(#[from] StoreError),
}

crate::store::sql_errors_into!(StaffError);

impl StaffError {
    /// The role of a caller that lacks a permission.
    pub fn forbidden(role: Role) -> Self {
        StaffError::Forbidden(Forbidden { role })
    }
}
