//! Call charges: the hotel's tariff, the pricing of calls and the ledger of every call.
//!
//! Layout: [`tariff`] (tariffs.toml parsed then validated; the pure pricing of one call),
//! [`ledger`] (every call the PBX reports, priced once, on the right stay, answered with `PA`;
//! emergency calls alerted), [`money`] (amounts in a currency's own decimals), [`report`] (the
//! printable bill, the day's revenue per band, the purge of old dialled digits).

pub mod ledger;
pub mod money;
pub mod report;
pub mod tariff;

pub use crate::config::ChargesConfig;
pub use ledger::{Call, CallsQuery, Charges, Folio};
pub use money::money;
pub use report::Revenue;
pub use tariff::{Priced, Quote, Tariff, TariffError, TariffView};
