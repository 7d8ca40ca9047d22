//! What became of one record from the PMS, and the one place a desk error is sorted into
//! "refused" (the record cannot be carried out) or "the store failed" (try again later).

use crate::desk::DeskError;
use crate::messages::MessageError;
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

fn store_or<E>(
    r: Result<Applied, E>,
    is_store: impl FnOnce(&E) -> bool,
    into: impl FnOnce(E) -> StoreError,
) -> Result<Applied, StoreError>
where
    E: std::fmt::Display,
{
    match r {
        Ok(a) => Ok(a),
        Err(e) if is_store(&e) => Err(into(e)),
        Err(e) => Ok(Applied::Refused(e.to_string())),
    }
}

pub(super) fn desk<T>(r: Result<T, DeskError>, what: impl FnOnce(T) -> Applied) -> Result<Applied, StoreError> {
    store_or(
        r.map(what),
        |e| matches!(e, DeskError::Store(_)),
        |e| match e {
            DeskError::Store(s) => s,
            _ => unreachable!(),
        },
    )
}

pub(super) fn msgs<T>(r: Result<T, MessageError>, what: impl FnOnce(T) -> Applied) -> Result<Applied, StoreError> {
    store_or(
        r.map(what),
        |e| matches!(e, MessageError::Store(_)),
        |e| match e {
            MessageError::Store(s) => s,
            _ => unreachable!(),
        },
    )
}
