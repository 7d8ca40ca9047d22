//! Who is acting and what they may do: the identity every change is recorded under.
//!
//! Sits below everything that checks or records a person (audit, staff, desk, the API):
//! [`Role`] (`desk` < `operator` < `manager`), [`Permission`] (what a route needs; one
//! [`Role::allows`] decides), [`Actor`] (a signed-in person, the local administrator working
//! on the store file, or the service itself).

use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::domain::validate::Invalid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Desk,
    Operator,
    Manager,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Desk, Role::Operator, Role::Manager];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Desk => "desk",
            Role::Operator => "operator",
            Role::Manager => "manager",
        }
    }

    /// The one place that says which role may do what.
    pub fn allows(self, p: Permission) -> bool {
        match p {
            Permission::View | Permission::Desk | Permission::RoomAudit => true,
            Permission::Operate => self >= Role::Operator,
            Permission::Staff | Permission::Audit | Permission::SeePrivate => self == Role::Manager,
        }
    }
}

impl FromStr for Role {
    type Err = Invalid;
    fn from_str(s: &str) -> Result<Role, Invalid> {
        match s {
            "desk" => Ok(Role::Desk),
            "operator" => Ok(Role::Operator),
            "manager" => Ok(Role::Manager),
            other => Err(Invalid::new("role", format!("{other:?} is not a role (desk, operator or manager)"))),
        }
    }
}

/// What a route needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Rooms, stays, link status, guest look-up, wake-up and message lists.
    View,
    /// Check-in/out/move, DND, class of service, wake-ups, messages.
    Desk,
    /// The audit trail of one room.
    RoomAudit,
    /// PBX resync, logbook, alerts, handover.
    Operate,
    /// Staff administration.
    Staff,
    /// The whole audit trail.
    Audit,
    /// Names of incognito guests.
    SeePrivate,
}

/// The role lacks a permission.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not allowed for the {} role", role.as_str())]
pub struct Forbidden {
    pub role: Role,
}

/// Who is acting: a signed-in staff member, or the local administrator working on the store file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub id: i64,
    pub login: String,
    pub display_name: String,
    pub role: Role,
}

impl Actor {
    /// Whoever can write the store file (`staff add` with no service): a manager, recorded as
    /// `local:USER`.
    pub fn local(user: &str) -> Actor {
        Actor {
            id: 0,
            login: format!("local:{user}"),
            display_name: format!("local administrator {user}"),
            role: Role::Manager,
        }
    }

    /// The service itself (bootstrap, PBX-driven changes).
    pub fn system() -> Actor {
        Actor { id: 0, login: "system".into(), display_name: "switchboard".into(), role: Role::Manager }
    }

    /// A guest on the room phone (handset wake-up bookings).
    pub fn handset() -> Actor {
        Actor { id: 0, login: "handset".into(), display_name: "guest handset".into(), role: Role::Desk }
    }

    /// The hotel's PMS over the FIAS link (check-ins, bookings and messages it sends).
    pub fn pms() -> Actor {
        Actor { id: 0, login: "pms".into(), display_name: "property management system".into(), role: Role::Desk }
    }

    pub fn can(&self, p: Permission) -> bool {
        self.role.allows(p)
    }

    pub fn require(&self, p: Permission) -> Result<(), Forbidden> {
        if self.can(p) {
            Ok(())
        } else {
            Err(Forbidden { role: self.role })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_allow_what_they_should() {
        use Permission::*;
        for p in [View, Desk, RoomAudit] {
            assert!(Role::Desk.allows(p) && Role::Operator.allows(p) && Role::Manager.allows(p));
        }
        assert!(!Role::Desk.allows(Operate) && Role::Operator.allows(Operate) && Role::Manager.allows(Operate));
        for p in [Staff, Audit, SeePrivate] {
            assert!(!Role::Desk.allows(p) && !Role::Operator.allows(p) && Role::Manager.allows(p));
        }
        assert!("chef".parse::<Role>().unwrap_err().to_string().contains("not a role"));
    }
}
