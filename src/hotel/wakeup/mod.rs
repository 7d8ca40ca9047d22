//! Wake-up calls that are never lost.
//!
//! Layout: `bookings` (add, list, cancel,
//! and the in-transaction hooks the desk calls on check-out and room moves), [`report`] (one
//! day's calls), [`scheduler`] (the task that reads bookings, asks the machine and writes what it
//! says), `inbox` (what the PBX reported: answers, handset bookings). The rule, the machine and a booking's status are the domain's ([`crate::domain::wakeup`]).
//!
//! Every booking, attempt and outcome is a row in the store; the scheduler keeps nothing that
//! matters in memory, so a restart resumes exactly where it stopped.

mod bookings;
mod inbox;
pub mod report;
pub mod scheduler;

pub use crate::domain::wakeup::status::WakeStatus;
pub use bookings::{cancel_for_stay, move_stay, rule_of, view, Booking, WakeupError, WakeupView, Wakeups};
pub use report::Report;
