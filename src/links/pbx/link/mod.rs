//! The PBX link: the one owner of the port.
//!
//! Layout: [`task`] (opens the port, reconnects with back-off, one session per connection),
//! `session` (one connection's life: moves bytes between the port and the FIAS engine and
//! carries out the dispatcher's decisions on the store), [`dispatch`] (the delivery policy as
//! a pure state machine: what to send next, what an answer means, when to give up),
//! [`resync`] (the full-state database swap), [`incoming`] (what the PBX reports, stored and
//! acted on), [`context`] (what the link is given), [`turnaround`] (our side's time per frame).
//!
//! A row of the durable outbox is deleted only when the PBX acknowledged it; every room is
//! resynced on a PBX `DR`, after a long outage, or on command. The task is generic over the
//! stream so tests run it over a pseudo-terminal or an in-memory pipe.

pub mod context;
pub mod dispatch;
pub mod incoming;
pub mod resync;
mod session;
pub mod task;
pub mod turnaround;

pub use crate::domain::link::{LinkState, LinkStatus};
pub use crate::links::handle::{LinkCommand, LinkHandle};
pub use context::LinkCtx;
pub use session::LinkError;
pub use task::{spawn, Connector, Streams};
