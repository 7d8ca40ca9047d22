//! Housekeeping status codes: whether a room is ready, and their FIAS `RS` codes both ways.

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use serde::{Deserialize, Serialize};

use crate::domain::validate::Invalid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Housekeeping {
    Dirty,
    Clean,
    Inspected,
    /// Not to be let (repairs): set by the desk only.
    OutOfOrder,
    /// Temporarily not let (a short fault): set by the desk only.
    OutOfService,
}

impl Housekeeping {
    pub const ALL: [Housekeeping; 5] = [
        Housekeeping::Dirty,
        Housekeeping::Clean,
        Housekeeping::Inspected,
        Housekeeping::OutOfOrder,
        Housekeeping::OutOfService,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Housekeeping::Dirty => "dirty",
            Housekeeping::Clean => "clean",
            Housekeeping::Inspected => "inspected",
            Housekeeping::OutOfOrder => "out-of-order",
            Housekeeping::OutOfService => "out-of-service",
        }
    }

    /// A guest may be given the room.
    pub fn ready(self) -> bool {
        matches!(self, Housekeeping::Clean | Housekeeping::Inspected)
    }

    /// The one FIAS `RS` code for this status and switchboard's own occupancy (what goes on to
    /// a PMS: never two records for one change); none for out of order / out of service,
    /// which FIAS room status cannot carry.
    pub fn to_fias(self, occupied: bool) -> Option<u8> {
        let vacant_code = match self {
            Housekeeping::Dirty => 1,
            Housekeeping::Clean => 3,
            Housekeeping::Inspected => 5,
            Housekeeping::OutOfOrder | Housekeeping::OutOfService => return None,
        };
        Some(if occupied { vacant_code + 1 } else { vacant_code })
    }

    /// What a FIAS `RS` code says about the room (1/2 dirty, 3/4 clean, 5/6 inspected, each
    /// vacant/occupied); other codes (DND, make-up room, ...) are not housekeeping statuses.
    pub fn from_fias(rs: u8) -> Option<Housekeeping> {
        match rs {
            1 | 2 => Some(Housekeeping::Dirty),
            3 | 4 => Some(Housekeeping::Clean),
            5 | 6 => Some(Housekeeping::Inspected),
            _ => None,
        }
    }
}

impl std::str::FromStr for Housekeeping {
    type Err = Invalid;
    fn from_str(s: &str) -> Result<Self, Invalid> {
        Housekeeping::ALL.into_iter().find(|h| h.as_str() == s).ok_or_else(|| {
            Invalid::new("status", format!("{s:?} is not dirty, clean, inspected, out-of-order or out-of-service"))
        })
    }
}

impl std::fmt::Display for Housekeeping {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl ToSql for Housekeeping {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.as_str()))
    }
}

impl FromSql for Housekeeping {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let text = value.as_str()?;
        text.parse().map_err(|e: Invalid| FromSqlError::Other(e.msg.into()))
    }
}
