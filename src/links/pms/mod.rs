//! The PMS link: the hotel's property management system (Opera and friends) drives switchboard
//! over FIAS, switchboard playing the part a PBX plays toward it.
//!
//! ```text
//! PMS --FIAS, vendor side--> switchboard --FIAS, PMS side--> PBX
//! ```
//!
//! Layout: [`link`] (the task owning the connection: start-up, reconnects, what goes each way),
//! [`context`] (what the link is given), [`applied`] (what became of a record),
//! [`requests`] (wake-ups and messages from the PMS),
//! [`apply`] (what the PMS says, as desk operations with the PMS as actor), [`outbox`] (what the
//! PMS must hear: queued from each change's events in its own transaction, sent and then deleted),
//! [`holds`] (why records wait: a resync, a night audit, a posting refused for now),
//! [`status`] (what `switchboard pms status` shows).
//!
//! Absent `[pms]`, none of this runs and the desk owns stays, as before.

pub mod applied;
pub mod apply;
pub mod context;
pub mod holds;
pub mod link;
pub mod outbox;
pub mod requests;
pub mod status;

pub use context::PmsCtx;
pub use link::{spawn, PmsHandle};
pub use status::{PmsCounters, PmsStatus};
