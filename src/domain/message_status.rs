//! Where a guest message stands, and its one mapping to and from the store's text.

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MessageStatus {
    /// Not yet given to the guest: it lights the lamp.
    Waiting,
    /// Given to the guest (by the desk, or read on the handset).
    Delivered,
    /// Taken back by the desk without delivery; its text is purged.
    Cleared,
    /// Still waiting when its stay checked out; its text is purged.
    Discarded,
    /// Older than `[messages] keep_for`; its text is purged.
    Expired,
}

impl MessageStatus {
    pub const ALL: [MessageStatus; 5] = [
        MessageStatus::Waiting,
        MessageStatus::Delivered,
        MessageStatus::Cleared,
        MessageStatus::Discarded,
        MessageStatus::Expired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MessageStatus::Waiting => "waiting",
            MessageStatus::Delivered => "delivered",
            MessageStatus::Cleared => "cleared",
            MessageStatus::Discarded => "discarded",
            MessageStatus::Expired => "expired",
        }
    }
}

impl std::fmt::Display for MessageStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl ToSql for MessageStatus {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.as_str()))
    }
}

impl FromSql for MessageStatus {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let text = value.as_str()?;
        MessageStatus::ALL
            .into_iter()
            .find(|s| s.as_str() == text)
            .ok_or_else(|| FromSqlError::Other(format!("{text:?} is not a message status").into()))
    }
}
