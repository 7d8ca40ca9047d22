//! Wake-up calls in the hotel's terms, without the store: when a call is due and how one
//! occurrence lives.
//!
//! Layout: [`rule`] (when a call is due; the DST rule; a rule as data), [`machine`] (one
//! occurrence's life as a pure state machine: due, rung, answered or not, retried, escalated),
//! [`status`] (where a booking stands, and its one stored form).

pub mod machine;
pub mod rule;
pub mod status;
