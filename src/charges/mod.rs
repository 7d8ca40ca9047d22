//! Call charges: the hotel's tariff and the pricing of calls.
//!
//! Layout: [`tariff`] (tariffs.toml parsed then validated; the pure pricing of one call).

pub mod tariff;

pub use tariff::{Priced, Tariff, TariffError};
