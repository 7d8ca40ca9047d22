//! What the link needs from the rest of the service, given once at start.

use std::sync::Arc;

use chrono::NaiveDateTime;
use chrono_tz::Tz;
use fias::{PmsConfig, Timers};
use tokio::sync::Notify;

use crate::clock::SharedClock;
use crate::config::PbxConfig;
use crate::store::Store;

/// Everything the link task needs.
pub struct LinkCtx {
    pub store: Arc<Store>,
    pub clock: SharedClock,
    pub timezone: Tz,
    pub cfg: PbxConfig,
    /// How calls the PBX reports are priced.
    pub charges: std::sync::Arc<crate::hotel::charges::Charges>,
    /// Rung when a report lands in the inbox (the wake-up scheduler reads it from the store).
    pub inbox: Arc<Notify>,
}

impl LinkCtx {
    pub fn wall(&self) -> NaiveDateTime {
        self.clock.now().with_timezone(&self.timezone).naive_local()
    }

    pub fn now_text(&self) -> String {
        crate::clock::timestamp(self.clock.now())
    }

    pub fn engine_config(&self) -> PmsConfig {
        let ack = self.cfg.ack_timeout;
        PmsConfig {
            timers: Timers { ack_timeout: ack, ..Timers::default() },
            startup_timeout: ack * 7,
            link_check: self.cfg.link_check,
            text: fias::WireText {
                encoding: self.cfg.encoding,
                seven_bit: self.cfg.line.data_bits == 7,
                max_field: self.cfg.max_field,
            },
            framing: fias::Framing::Serial,
        }
    }
}
