//! Wake-up calls that are never lost.
//!
//! Layout: [`rule`] (when a call is due; the DST rule), [`status`] (a booking's state and its
//! stored form), `bookings` (add, list, cancel, and the in-transaction hooks the desk calls on
//! check-out and room moves), [`report`] (one day's calls), [`machine`] (one occurrence's life as
//! a pure state machine: due, rung, answered or not, retried, escalated), [`scheduler`] (the task
//! that reads bookings, asks the machine and writes what it says).
//!
//! Every booking, attempt and outcome is a row in the store; the scheduler keeps nothing that
//! matters in memory, so a restart resumes exactly where it stopped.

mod bookings;
pub mod machine;
pub mod report;
pub mod rule;
pub mod scheduler;
pub mod status;

pub use bookings::{cancel_for_stay, move_stay, rule_of, view, Booking, WakeupError, WakeupView, Wakeups};
pub use report::Report;
pub use status::WakeStatus;
