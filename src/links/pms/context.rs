//! What the PMS link is given at start: the store, the clock, the desk operations it drives.

use std::sync::Arc;

use chrono::NaiveDateTime;
use chrono_tz::Tz;

use crate::clock::SharedClock;
use crate::config::PmsLinkConfig;
use crate::hotel::desk::{Desk, Signals};
use crate::hotel::messages::Messages;
use crate::hotel::wakeup::Wakeups;
use crate::store::Store;

/// Everything the PMS link needs.
pub struct PmsCtx {
    pub store: Arc<Store>,
    pub clock: SharedClock,
    pub timezone: Tz,
    pub cfg: PmsLinkConfig,
    pub desk: Desk,
    pub desk_signals: Signals,
    pub wakeups: Wakeups,
    pub messages: Messages,
}

impl PmsCtx {
    pub fn wall(&self) -> NaiveDateTime {
        self.clock.now().with_timezone(&self.timezone).naive_local()
    }

    pub fn now_text(&self) -> String {
        crate::clock::timestamp(self.clock.now())
    }

    /// Writes a system entry into the logbook (a failure to write is logged, not fatal).
    pub async fn journal(&self, kind: &str, high: bool, text: &str, facts: serde_json::Value) {
        let now = self.clock.now();
        let (kind, text) = (kind.to_string(), text.to_string());
        let wrote = self
            .store
            .write(crate::store::Priority::Urgent, move |tx| {
                crate::hotel::journal::system_entry(tx, now, &kind, None, high, &text, &facts)
            })
            .await;
        if let Err(e) = wrote {
            tracing::error!("cannot write the logbook: {e}");
        }
    }
}
