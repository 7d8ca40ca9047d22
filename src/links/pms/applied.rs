//! What became of one record from the PMS, and the one place a desk error is sorted into
//! "refused" (the record cannot be carried out) or "the store failed" (try again later).

use crate::hotel::desk::DeskError;
use crate::hotel::messages::MessageError;
use crate::store::StoreError;

/// What became of one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    Done(String),
    /// Already so, or nothing to do.
    Unchanged(String),
    /// Could not be carried out; the reason.
    Refused(String),
}

/// Sorts `r`: a store failure (as `store` finds it) is passed on, any other error is a refusal.
fn store_or<E>(r: Result<Applied, E>, store: impl FnOnce(E) -> Result<StoreError, E>) -> Result<Applied, StoreError>
where
    E: std::fmt::Display,
{
    match r.map_err(store) {
        Ok(a) => Ok(a),
        Err(Ok(s)) => Err(s),
        Err(Err(e)) => Ok(Applied::Refused(e.to_string())),
    }
}

pub(super) fn desk<T>(r: Result<T, DeskError>, what: impl FnOnce(T) -> Applied) -> Result<Applied, StoreError> {
    store_or(r.map(what), |e| match e {
        DeskError::Store(s) => Ok(s),
        e => Err(e),
    })
}

pub(super) fn msgs<T>(r: Result<T, MessageError>, what: impl FnOnce(T) -> Applied) -> Result<Applied, StoreError> {
    store_or(r.map(what), |e| match e {
        MessageError::Store(s) => Ok(s),
        e => Err(e),
    })
}
