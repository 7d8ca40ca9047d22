//! Call charges: the hotel's tariff, the pricing of calls and the ledger of every call.
//!
//! Layout: [`tariff`] (tariffs.toml parsed then validated; the pure pricing of one call),
//! [`ledger`] (every call the PBX reports, priced once, on the right stay, answered with `PA`;
//! emergency calls alerted).

pub mod ledger;
pub mod tariff;

pub use crate::config::ChargesConfig;
pub use ledger::{Call, CallsQuery, Charges, Folio};
pub use tariff::{Priced, Quote, Tariff, TariffError, TariffView};
