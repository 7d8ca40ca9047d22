//! The one way a change says what happened: [`record`] an [`Event`] inside the change's
//! transaction. The PMS outbox is filled from it there and then (same transaction, so the record
//! and the change stand or fall together); the store broadcasts it once the batch is committed.

use rusqlite::Connection;

use crate::domain::event::Event;
use crate::store::StoreError;

/// Records `event` for the change in hand.
pub fn record(conn: &Connection, event: Event) -> Result<(), StoreError> {
    crate::store::pms_outbox::queue_for(conn, &event)?;
    crate::store::emit(event);
    Ok(())
}
