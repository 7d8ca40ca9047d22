//! The PBX side of the service.
//!
//! Layout: [`command`] (protocol-neutral outbox commands and their FIAS records), [`engine`]
//! (the protocol under the link: FIAS, or NEC NEAX behind the same interface), [`checks`]
//! (the range checks on what the PBX reports), [`serial`]
//! (opening ports and pseudo-terminals, async file descriptors, the device connector),
//! [`link`] (the task that owns the port: sessions, the delivery policy, resync, what the PBX
//! reports), [`simulator`] (the built-in PBX behind a pseudo-terminal).

pub mod checks;
pub mod command;
pub mod engine;
pub mod link;
pub mod serial;
pub mod simulator;

pub use crate::domain::pbx_report::PbxReport;
pub use link::{LinkCommand, LinkHandle, LinkState, LinkStatus};
