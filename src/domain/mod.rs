//! The hotel's own terms, with no SQL and no tokio: what the rest of the house is about.
//!
//! Layout:
//! - [`event`]: what happened, one typed [`event::Event`] per change, recorded inside the change's
//!   transaction and broadcast once it is committed.
//! - [`housekeeping`]: housekeeping status codes (dirty, clean, ...) and their FIAS codes.

pub mod event;
pub mod housekeeping;
