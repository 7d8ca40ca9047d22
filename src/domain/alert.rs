//! What an alert is about, as a code and the names of its facts.

/// What an alert is about. A person reads it in their language from the console's catalogue:
/// the title `alert.<kind>` and the detail `alert.<kind>.detail`, filled with the alert's
/// `params` (the names [`Kind::params`] lists); `message` is the same in English for the CLI,
/// the log and scripts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    WakeupFailed,
    WakeupMissed,
    PbxOffline,
    HandsetBookingRefused,
    PbxRefused,
    PbxRefusedCall,
    StoreRecovered,
    EmergencyCall,
    PmsReplacedStay,
    PmsResyncUnmentioned,
    PmsResyncAbandoned,
    PmsNightAuditAbandoned,
    WakeupVipUnanswered,
}

impl Kind {
    pub const ALL: [Kind; 13] = [
        Kind::WakeupFailed,
        Kind::WakeupMissed,
        Kind::PbxOffline,
        Kind::HandsetBookingRefused,
        Kind::PbxRefused,
        Kind::PbxRefusedCall,
        Kind::StoreRecovered,
        Kind::EmergencyCall,
        Kind::PmsReplacedStay,
        Kind::PmsResyncUnmentioned,
        Kind::PmsResyncAbandoned,
        Kind::PmsNightAuditAbandoned,
        Kind::WakeupVipUnanswered,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::WakeupFailed => "wakeup_failed",
            Kind::WakeupMissed => "wakeup_missed",
            Kind::PbxOffline => "pbx_offline",
            Kind::HandsetBookingRefused => "handset_booking_refused",
            Kind::PbxRefused => "pbx_refused",
            Kind::PbxRefusedCall => "pbx_refused_call",
            Kind::StoreRecovered => "store_recovered",
            Kind::EmergencyCall => "emergency_call",
            Kind::PmsReplacedStay => "pms_replaced_stay",
            Kind::PmsResyncUnmentioned => "pms_resync_unmentioned",
            Kind::PmsResyncAbandoned => "pms_resync_abandoned",
            Kind::PmsNightAuditAbandoned => "pms_night_audit_abandoned",
            Kind::WakeupVipUnanswered => "wakeup_vip_unanswered",
        }
    }

    /// The facts the alert carries in `params` (local times as `HH:MM` or `YYYY-MM-DD HH:MM`).
    pub fn params(self) -> &'static [&'static str] {
        match self {
            Kind::WakeupFailed => &["wakeup", "room", "at", "attempts"],
            Kind::WakeupMissed => &["wakeup", "room", "at", "late_minutes"],
            Kind::PbxOffline | Kind::WakeupVipUnanswered => &["wakeup", "room", "at"],
            Kind::HandsetBookingRefused => &["room", "at", "reason"],
            Kind::PbxRefused => &["room", "commands"],
            Kind::PbxRefusedCall => &["room", "reason"],
            Kind::StoreRecovered => &["minutes"],
            Kind::EmergencyCall => &["room", "number", "at", "guest", "floor", "address"],
            Kind::PmsReplacedStay => &["room", "stay", "reservation", "new_reservation", "discarded"],
            Kind::PmsResyncUnmentioned => &["rooms"],
            Kind::PmsResyncAbandoned | Kind::PmsNightAuditAbandoned => &["minutes", "waiting"],
        }
    }
}

impl From<crate::domain::wakeup::machine::Alert> for Kind {
    fn from(a: crate::domain::wakeup::machine::Alert) -> Kind {
        use crate::domain::wakeup::machine::Alert;
        match a {
            Alert::Missed { .. } => Kind::WakeupMissed,
            Alert::PbxOffline => Kind::PbxOffline,
            Alert::Failed { .. } => Kind::WakeupFailed,
            Alert::VipUnanswered => Kind::WakeupVipUnanswered,
        }
    }
}
