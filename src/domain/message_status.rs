//! Where a guest message stands, and its one mapping to and from the store's text.

use super::words::words;

words! {
    /// Where a guest message stands.
    pub enum MessageStatus ("a message status") {
        /// Not yet given to the guest: it lights the lamp.
        Waiting = "waiting",
        /// Given to the guest (by the desk, or read on the handset).
        Delivered = "delivered",
        /// Taken back by the desk without delivery; its text is purged.
        Cleared = "cleared",
        /// Still waiting when its stay checked out; its text is purged.
        Discarded = "discarded",
        /// Older than `[messages] keep_for`; its text is purged.
        Expired = "expired",
    }
}
