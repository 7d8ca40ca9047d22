//! The HTTP API's contract, written once: every route's method, path, request and reply type.
//!
//! The server mounts its handlers at these paths ([`crate::http::api`]); the CLI calls them through
//! the same types ([`crate::cli`]), and so will the console. Domain types that already are the
//! request or the answer (a check-in, a stay, a wake-up booking) are re-exported here; the
//! small bodies only the API has are defined here. A test drives every route of [`route::ALL`]
//! through the real router with these types. [`live`]: the live events' payloads.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

pub mod live;
pub use live::LiveEvent;

pub use crate::domain::housekeeping::Housekeeping;
pub use crate::domain::identity::{Actor, Role};
pub use crate::domain::words::FollowupState;
pub use crate::hotel::alerts::Alert;
pub use crate::hotel::audit::{AuditQuery, AuditRow};
pub use crate::hotel::charges::{Call, CallsQuery, Folio, Quote, TariffView};
pub use crate::hotel::desk::CheckIn;
pub use crate::hotel::directory::exchange::Format;
pub use crate::hotel::directory::{CodeAnswer, DirEntry, NewDirEntry};
pub use crate::hotel::housekeeping::{DayReport, RoomHousekeeping};
pub use crate::hotel::logbook::handover::Handover;
pub use crate::hotel::logbook::{Entry, Followup, NewEntry, Search, Shift};
pub use crate::hotel::messages::{MessageView, NewMessage};
pub use crate::hotel::staff::StaffView;
pub use crate::hotel::wakeup::{Booking, Report, WakeupView};
pub use crate::links::pbx::LinkStatus;
pub use crate::store::rooms::{RoomView, Stay};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
}

/// One route of the API.
pub trait Endpoint {
    const METHOD: Method;
    /// The path, with `{name}` for each path segment the caller fills in.
    const PATH: &'static str;
    /// The JSON body of a POST, or the query string of a GET; `()` for none.
    type Request: Serialize + DeserializeOwned;
    /// The JSON answer; `()` for 204 No Content; `String` for the one HTML page.
    type Reply: Serialize + DeserializeOwned;
}

/// A path segment that is not a plain room number, login or id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} cannot be part of a path: letters, digits, '.', '_' and '-' only")]
pub struct BadSegment(pub String);

/// `E`'s path with `args` in its `{...}` segments, in order. Rooms, logins and ids are plain
/// text; anything else is refused rather than encoded.
pub fn path<E: Endpoint>(args: &[&str]) -> Result<String, BadSegment> {
    let mut out = String::new();
    let mut args = args.iter();
    for seg in E::PATH.split('/').skip(1) {
        out.push('/');
        if seg.starts_with('{') {
            let a = args.next().copied().unwrap_or_default();
            if a.is_empty() || !a.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b)) {
                return Err(BadSegment(a.to_string()));
            }
            out.push_str(a);
        } else {
            out.push_str(seg);
        }
    }
    Ok(out)
}

/// `GET /health`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Health {
    pub status: String,
    /// The hotel's name (`[hotel] name`), for the console's title.
    #[serde(default)]
    pub hotel: String,
    /// The hotel's time zone (`[hotel] timezone`), for clients that show times to people.
    #[serde(default)]
    pub timezone: Option<String>,
}

/// `POST /api/login`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Login {
    pub login: String,
    pub password: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoginReply {
    pub token: String,
    pub login: String,
    pub display_name: String,
    pub role: Role,
}

/// The console's sign-in answer (the token went into a cookie).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SessionReply {
    pub login: String,
    pub display_name: String,
    pub role: Role,
}

/// Check-out; the body is optional (`{"discard_messages": true}` checks out despite
/// undelivered messages, purging them).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckOut {
    #[serde(default)]
    pub discard_messages: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MoveTo {
    pub to: String,
    /// Into a room that is not clean or inspected (recorded).
    #[serde(default)]
    pub not_ready_ok: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DirQuery {
    pub q: Option<String>,
}

/// A city (English or Chinese) or a number starting with `+`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeQuery {
    pub q: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    /// csv or toml (default).
    pub format: Option<Format>,
}

/// A directory file to import (all entries or none).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DirImport {
    /// csv or toml.
    pub format: Format,
    pub text: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DirImported {
    pub imported: usize,
}

/// A price to tell the guest before they dial.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuoteQuery {
    pub number: Option<String>,
    /// Talk time (default 1 minute).
    pub minutes: Option<u32>,
    /// HH:MM hotel local time today (default now).
    pub at: Option<String>,
}

/// The tariff in use after a reload.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TariffReloaded {
    /// None: there is no tariffs.toml any more; calls are recorded at the PBX's price.
    pub version: Option<String>,
    pub currency: Option<String>,
    pub bands: usize,
}

/// A call the built-in simulated PBX places (and then reports, as a PBX does when it ends).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimCall {
    pub room: String,
    pub digits: String,
    /// Talk time in seconds.
    pub duration_s: u32,
    /// Pre-costed by the PBX: its price in minor units.
    pub amount_minor: Option<u64>,
    /// A PBX that counts meter pulses: the call's pulses (priced at `[charges] pulse_price`).
    #[serde(default)]
    pub pulses: Option<u32>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SimCallReply {
    /// The posting number the simulated PBX gave the call.
    pub posting: String,
}

/// Setting a room's housekeeping status by hand.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetHousekeeping {
    /// dirty, clean, inspected, out-of-order or out-of-service.
    pub status: Housekeeping,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HousekeepingQuery {
    pub status: Option<Housekeeping>,
}

/// DND or the message lamp, on or off.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Switch {
    pub on: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetClass {
    pub class: u8,
}

/// Link status plus the number of commands waiting in the outbox.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PbxStatus {
    #[serde(flatten)]
    pub link: LinkStatus,
    pub queued: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ResyncReply {
    /// "requested".
    pub resync: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewStaff {
    pub login: String,
    pub display_name: Option<String>,
    /// desk, operator or manager.
    pub role: Role,
    pub password: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewPassword {
    pub password: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OwnPassword {
    pub current: String,
    pub password: String,
}

/// Closing a shift; the body is optional (`force`: a manager closes someone else's).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CloseShift {
    #[serde(default)]
    pub force: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Amend {
    pub text: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FollowupChange {
    /// open, in_progress or done.
    pub state: FollowupState,
    pub text: Option<String>,
}

/// `?active=false` lists checked-out stays too.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaysQuery {
    pub active: Option<bool>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GuestQuery {
    pub name: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WakeupsQuery {
    pub room: Option<String>,
    /// Every state, not only active bookings.
    pub all: Option<bool>,
}

/// A local day (YYYY-MM-DD); default today.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DateQuery {
    pub date: Option<String>,
}

/// Acknowledged alerts too.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertsQuery {
    pub all: Option<bool>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrintQuery {
    /// `en` or `zh-Hant` (English if absent or unknown).
    pub lang: Option<String>,
    /// The room whose bill is printed.
    pub room: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MessagesQuery {
    pub room: Option<String>,
    /// The night round: waiting messages only.
    pub undelivered: Option<bool>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogQuery {
    /// A shift id; default the open shift.
    pub shift: Option<i64>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FollowupsQuery {
    /// Not done yet.
    pub open: Option<bool>,
}

/// Every route, one marker type each.
pub mod route {
    use super::*;

    macro_rules! endpoints {
        ($($(#[$doc:meta])* $name:ident: $method:ident $path:literal, $req:ty => $reply:ty;)*) => {
            $(
                $(#[$doc])*
                pub struct $name;
                impl Endpoint for $name {
                    const METHOD: Method = Method::$method;
                    const PATH: &'static str = $path;
                    type Request = $req;
                    type Reply = $reply;
                }
            )*
            /// Every route: method and path.
            pub const ALL: &[(Method, &str)] = &[$((Method::$method, $path)),*];
        };
    }

    endpoints! {
        /// Whether the service answers (no sign-in).
        Health: Get "/health", () => super::Health;
        /// Sign in: a bearer token.
        Login: Post "/api/login", super::Login => LoginReply;
        /// The console's sign-in: the token is set as an HttpOnly cookie.
        OpenSession: Post "/api/session", super::Login => SessionReply;
        Logout: Post "/api/logout", () => ();
        Me: Get "/api/me", () => Actor;
        ChangeOwnPassword: Post "/api/me/password", OwnPassword => ();

        Rooms: Get "/api/rooms", () => Vec<RoomView>;
        Room: Get "/api/rooms/{room}", () => RoomView;
        CheckIn: Post "/api/rooms/{room}/checkin", super::CheckIn => super::Stay;
        CheckOut: Post "/api/rooms/{room}/checkout", super::CheckOut => super::Stay;
        Move: Post "/api/rooms/{room}/move", MoveTo => super::Stay;
        Dnd: Post "/api/rooms/{room}/dnd", Switch => RoomView;
        Class: Post "/api/rooms/{room}/class", SetClass => RoomView;
        /// The message lamp by hand (until the next message change).
        Lamp: Post "/api/rooms/{room}/lamp", Switch => RoomView;
        /// Housekeeping status of every room (optionally one status).
        Housekeeping: Get "/api/housekeeping", HousekeepingQuery => Vec<RoomHousekeeping>;
        /// A room's housekeeping status by hand (out of order / out of service only this way).
        SetHousekeeping: Post "/api/rooms/{room}/housekeeping", super::SetHousekeeping => RoomView;
        /// Rooms made ready per attendant and the wait from check-out to clean, for a day.
        HousekeepingReport: Get "/api/housekeeping/report", DateQuery => DayReport;
        Stays: Get "/api/stays", StaysQuery => Vec<super::Stay>;
        Stay: Get "/api/stays/{id}", () => super::Stay;
        /// Which room is a guest in (incognito guests for managers only).
        Guests: Get "/api/guests", GuestQuery => Vec<super::Stay>;

        PbxStatus: Get "/api/pbx/status", () => super::PbxStatus;
        /// Live updates (server-sent events: `hello`, `rooms`, `alerts`, `wakeups`, `log`, `link`).
        Events: Get "/api/events", () => String;
        PbxResync: Post "/api/pbx/resync", () => ResyncReply;
        /// The PMS link's state (409 when hotel.toml has no `[pms]`).
        PmsStatus: Get "/api/pms/status", () => crate::links::pms::PmsStatus;
        /// Ask the PMS for a database resync (`DR`; 409 without `[pms]`).
        PmsResync: Post "/api/pms/resync", () => ResyncReply;
        /// The built-in simulated PBX places a call (no real PBX: 409).
        SimulateCall: Post "/api/pbx/simulator/call", SimCall => SimCallReply;

        Wakeups: Get "/api/wakeups", WakeupsQuery => Vec<WakeupView>;
        BookWakeup: Post "/api/wakeups", Booking => WakeupView;
        WakeupReport: Get "/api/wakeups/report", DateQuery => Report;
        Wakeup: Get "/api/wakeups/{id}", () => WakeupView;
        CancelWakeup: Post "/api/wakeups/{id}/cancel", () => WakeupView;
        Alerts: Get "/api/alerts", AlertsQuery => Vec<Alert>;
        AckAlert: Post "/api/alerts/{id}/ack", () => Alert;

        Messages: Get "/api/messages", MessagesQuery => Vec<MessageView>;
        LeaveMessage: Post "/api/messages", NewMessage => MessageView;
        Message: Get "/api/messages/{id}", () => MessageView;
        DeliverMessage: Post "/api/messages/{id}/deliver", () => MessageView;
        ClearMessage: Post "/api/messages/{id}/clear", () => MessageView;

        OpenShift: Post "/api/shifts/open", () => Shift;
        CloseShift: Post "/api/shifts/close", super::CloseShift => super::Handover;
        CurrentShift: Get "/api/shifts/current", () => Option<Shift>;
        /// The last handover (null before the first shift closes); shown to everyone.
        Handover: Get "/api/handover", () => Option<super::Handover>;
        /// The last handover as a printable HTML page.
        HandoverPrint: Get "/api/handover/print", PrintQuery => String;
        AckHandover: Post "/api/handover/ack", () => Shift;
        Log: Get "/api/log", LogQuery => Vec<Entry>;
        AddLog: Post "/api/log", NewEntry => Entry;
        SearchLog: Get "/api/log/search", Search => Vec<Entry>;
        Amend: Post "/api/log/{id}/amend", super::Amend => Entry;
        Followups: Get "/api/followups", FollowupsQuery => Vec<Followup>;
        UpdateFollowup: Post "/api/followups/{id}", FollowupChange => Followup;

        /// Directory search (private entries' numbers withheld but for managers).
        Directory: Get "/api/directory", DirQuery => Vec<super::DirEntry>;
        AddDirEntry: Post "/api/directory", NewDirEntry => super::DirEntry;
        DirEntry: Get "/api/directory/{id}", () => super::DirEntry;
        EditDirEntry: Post "/api/directory/{id}", NewDirEntry => super::DirEntry;
        RemoveDirEntry: Post "/api/directory/{id}/remove", () => ();
        ImportDirectory: Post "/api/directory/import", DirImport => DirImported;
        /// The whole directory as a file (CSV or TOML text).
        ExportDirectory: Get "/api/directory/export", ExportQuery => String;
        /// Country and area code of a city, or the place of a number.
        DiallingCode: Get "/api/directory/code", CodeQuery => CodeAnswer;
        /// Calls the PBX reported (dialled digits masked but for managers).
        Calls: Get "/api/calls", CallsQuery => Vec<Call>;
        /// The tariff (404 when the hotel has none).
        Tariff: Get "/api/tariff", () => TariffView;
        /// What a call would cost.
        TariffQuote: Get "/api/tariff/quote", QuoteQuery => Quote;
        /// Reads tariffs.toml again (managers): calls reported from now on are priced by it.
        TariffReload: Post "/api/tariff/reload", () => TariffReloaded;
        /// The guest's bill of calls: the room's stay, its calls and their total.
        Folio: Get "/api/rooms/{room}/folio", () => super::Folio;
        /// The same, as a printable HTML page.
        FolioPrint: Get "/api/rooms/{room}/folio/print", PrintQuery => String;
        /// A printout in the reader's language and the hotel's time: `rooms` (room status),
        /// `wakeups` (the next 24 hours), `messages` (the night round), `handover`, `bill`
        /// (`?room=`).
        PrintSheet: Get "/api/print/{sheet}", PrintQuery => String;
        Staff: Get "/api/staff", () => Vec<StaffView>;
        AddStaff: Post "/api/staff", NewStaff => StaffView;
        DisableStaff: Post "/api/staff/{login}/disable", () => StaffView;
        SetPassword: Post "/api/staff/{login}/password", NewPassword => ();
        /// The whole trail (managers) or one room's (everyone, with `room`).
        Audit: Get "/api/audit", AuditQuery => Vec<AuditRow>;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_filled_with_plain_segments_only() {
        assert_eq!(path::<route::CheckIn>(&["101"]).unwrap(), "/api/rooms/101/checkin");
        assert_eq!(path::<route::DisableStaff>(&["anna.b"]).unwrap(), "/api/staff/anna.b/disable");
        assert_eq!(path::<route::Rooms>(&[]).unwrap(), "/api/rooms");
        assert!(path::<route::Room>(&["../staff"]).is_err());
        assert!(path::<route::Room>(&["1 01"]).is_err());
        assert!(path::<route::Room>(&[]).is_err(), "a missing segment");
    }

    #[test]
    fn every_route_is_listed_once() {
        let mut seen = std::collections::HashSet::new();
        for (m, p) in route::ALL {
            assert!(seen.insert((*m as u8, *p)), "{p} twice");
            assert!(p.starts_with('/'));
        }
    }
}
