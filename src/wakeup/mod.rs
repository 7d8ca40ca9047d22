//! Wake-up calls that are never lost.
//!
//! Layout: [`status`] (a booking's state and its stored form), `bookings` (add, list, cancel,
//! and the in-transaction hooks the desk calls on check-out and room moves), [`report`] (one
//! day's calls), [`scheduler`] (the task that reads bookings, asks the machine and writes what it
//! says). The rule and the machine are the domain's ([`crate::domain::wakeup`]).
//!
//! Every booking, attempt and outcome is a row in the store; the scheduler keeps nothing that
//! matters in memory, so a restart resumes exactly where it stopped.

mod bookings;
pub mod report;
pub mod scheduler;
pub mod status;

pub use bookings::{cancel_for_stay, move_stay, rule_of, view, Booking, WakeupError, WakeupView, Wakeups};
pub use report::Report;
pub use status::WakeStatus;
