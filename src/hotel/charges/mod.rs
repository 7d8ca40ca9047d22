//! Call charges: the hotel's tariff, the pricing of calls and the ledger of every call.
//!
//! Layout: [`ledger`] (every call the PBX reports, priced once, on the right stay, answered with
//! `PA`; emergency calls alerted), [`report`] (the printable bill, the day's revenue per band, the
//! purge of old dialled digits). The tariff (tariffs.toml parsed then validated; the pure pricing
//! of one call) and money (amounts in a currency's own decimals) are the domain's
//! ([`crate::domain::tariff`], [`crate::domain::money`]).

pub mod ledger;
pub mod report;

pub use crate::config::ChargesConfig;
pub use crate::domain::money::money;
pub use crate::domain::tariff::{Priced, Quote, Tariff, TariffError, TariffView};
pub use ledger::{Call, CallsQuery, Charges, Folio};
pub use report::Revenue;
