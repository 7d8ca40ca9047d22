//! The service put together: the parts wired, the listener and the simulators, the property
//! jobs.
//!
//! Layout: [`services`] (the parts wired together, started and stopped), [`serve`] (plus the
//! listener and the built-in simulated PBX: `switchboard serve`), [`schedules`] (property jobs
//! from `schedules/*.toml`), [`pms_sim`] (`switchboard pms-sim`, the PMS simulator as a program),
//! [`pbx_sim`] (`switchboard pbx-sim`, the PBX simulator as a program, FIAS or NEAX).

pub mod pbx_sim;
pub mod pms_sim;
pub mod schedules;
pub mod serve;
pub mod services;
