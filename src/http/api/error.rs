//! The one place where errors become HTTP statuses. Every error body is
//! `{"error": "<English text>", "code": "<code>", "field": "<field>", "params": {...}}`: the text
//! for the CLI and logs, the code and its parameters for a console that speaks its reader's
//! language (`field` only where one field of the request is at fault). A 500 says only
//! "internal error" (the details go to the log). A value the client sent is echoed at most
//! [`ECHO_MAX`] characters long (a 10,000-character name is not sent back whole).

use std::borrow::Cow;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{Map, Value};

use super::codes::Code;
use crate::domain::identity::Forbidden;
use crate::domain::validate::Invalid;
use crate::hotel::alerts::AlertError;
use crate::hotel::desk::DeskError;
use crate::hotel::logbook::LogError;
use crate::hotel::messages::MessageError;
use crate::hotel::staff::StaffError;
use crate::hotel::wakeup::WakeupError;
use crate::store::StoreError;

/// What every handler returns.
pub type ApiResult<T> = Result<T, ApiError>;

#[derive(Debug)]
pub enum ApiError {
    Unauthorized(String),
    Forbidden(String),
    TooManyRequests(String),
    NotFound(String),
    MethodNotAllowed(String),
    Conflict(String),
    PayloadTooLarge(String),
    Timeout(String),
    BadRequest(String),
    Unprocessable(String),
    Unavailable(String),
    Internal(String),
    /// A domain error with its own code, field and parameters.
    Coded(Box<Coded>),
}

/// An error as a code, the request field at fault and the values that make it specific.
#[derive(Debug)]
pub struct Coded {
    pub status: StatusCode,
    pub message: String,
    pub code: Code,
    pub field: Option<Cow<'static, str>>,
    pub params: Map<String, Value>,
}

impl ApiError {
    /// An error of `status` with `code`; `params` add what makes it specific.
    fn coded(status: StatusCode, message: String, code: Code) -> Self {
        ApiError::Coded(Box::new(Coded { status, message, code, field: None, params: Map::new() }))
    }

    /// Adds a parameter (a coded error only).
    fn with(mut self, key: &str, value: impl serde::Serialize) -> Self {
        if let ApiError::Coded(c) = &mut self {
            c.params.insert(key.into(), serde_json::to_value(value).unwrap_or(Value::Null));
        }
        self
    }

    /// Names the request field at fault (a coded error only).
    fn field(mut self, field: impl Into<Cow<'static, str>>) -> Self {
        if let ApiError::Coded(c) = &mut self {
            c.field = Some(field.into());
        }
        self
    }

    fn not_found(msg: String, code: Code) -> Self {
        Self::coded(StatusCode::NOT_FOUND, msg, code)
    }

    fn conflict(msg: String, code: Code) -> Self {
        Self::coded(StatusCode::CONFLICT, msg, code)
    }

    fn invalid(e: &Invalid) -> Self {
        Self::coded(StatusCode::UNPROCESSABLE_ENTITY, e.to_string(), Code::Invalid).field(e.field)
    }

    /// A request whose `field` (a path such as `entries[2].kind`) holds a value of the wrong kind
    /// or a word outside its list: the request type refused it before any handler ran.
    pub fn bad_value(field: String, msg: String) -> Self {
        Self::coded(StatusCode::UNPROCESSABLE_ENTITY, format!("{field}: {msg}"), Code::Invalid).field(field)
    }
}

impl From<DeskError> for ApiError {
    fn from(e: DeskError) -> Self {
        let msg = e.to_string();
        match e {
            DeskError::UnknownRoom(room) => ApiError::not_found(msg, Code::RoomUnknown).with("room", room),
            DeskError::Occupied { room, stay } => {
                ApiError::conflict(msg, Code::RoomOccupied).with("room", room).with("stay", stay)
            }
            DeskError::Vacant(room) => ApiError::conflict(msg, Code::RoomVacant).with("room", room),
            DeskError::UndeliveredMessages { room, ids } => {
                ApiError::conflict(msg, Code::MessagesWaiting).with("room", room).with("messages", ids)
            }
            DeskError::NotReady { room, status } => {
                ApiError::conflict(msg, Code::RoomNotReady).field("room").with("room", room).with("status", status)
            }
            DeskError::Invalid(i) => ApiError::invalid(&i),
            DeskError::Store(_) => ApiError::Internal(msg),
        }
    }
}

impl From<StaffError> for ApiError {
    fn from(e: StaffError) -> Self {
        let msg = e.to_string();
        match e {
            StaffError::BadCredentials => ApiError::coded(StatusCode::UNAUTHORIZED, msg, Code::BadCredentials),
            StaffError::Unauthenticated(_) => ApiError::coded(StatusCode::UNAUTHORIZED, msg, Code::Unauthenticated),
            StaffError::Throttled { wait_secs } => {
                ApiError::coded(StatusCode::TOO_MANY_REQUESTS, msg, Code::Throttled).with("wait_secs", wait_secs)
            }
            StaffError::Forbidden(_) => ApiError::coded(StatusCode::FORBIDDEN, msg, Code::Forbidden),
            StaffError::UnknownStaff(login) => ApiError::not_found(msg, Code::StaffUnknown).with("login", login),
            StaffError::Exists(login) => ApiError::conflict(msg, Code::StaffExists).field("login").with("login", login),
            StaffError::LastManager(login) => ApiError::conflict(msg, Code::LastManager).with("login", login),
            StaffError::Invalid(i) => ApiError::invalid(&i),
            StaffError::Store(_) => ApiError::Internal(msg),
        }
    }
}

impl From<WakeupError> for ApiError {
    fn from(e: WakeupError) -> Self {
        let msg = e.to_string();
        match e {
            WakeupError::UnknownRoom(room) => ApiError::not_found(msg, Code::RoomUnknown).with("room", room),
            WakeupError::Unknown(id) => ApiError::not_found(msg, Code::WakeupUnknown).with("id", id),
            WakeupError::Vacant(room) => ApiError::conflict(msg, Code::RoomVacant).with("room", room),
            WakeupError::Duplicate { room, id, due } => {
                ApiError::conflict(msg, Code::WakeupDuplicate).with("room", room).with("id", id).with("due", due)
            }
            WakeupError::Ended { id, status } => {
                ApiError::conflict(msg, Code::WakeupEnded).with("id", id).with("status", status)
            }
            WakeupError::Invalid(i) => ApiError::invalid(&i),
            WakeupError::Past(at) => {
                ApiError::coded(StatusCode::UNPROCESSABLE_ENTITY, msg, Code::WakeupInPast).field("time").with("at", at)
            }
            WakeupError::NotOnThisPbx { room, protocol } => {
                ApiError::conflict(msg, Code::WakeupNotOnThisPbx).with("room", room).with("protocol", protocol)
            }
            WakeupError::Store(_) => ApiError::Internal(msg),
        }
    }
}

impl From<MessageError> for ApiError {
    fn from(e: MessageError) -> Self {
        let msg = e.to_string();
        match e {
            MessageError::UnknownRoom(room) => ApiError::not_found(msg, Code::RoomUnknown).with("room", room),
            MessageError::Unknown(id) => ApiError::not_found(msg, Code::MessageUnknown).with("id", id),
            MessageError::Vacant(room) => ApiError::conflict(msg, Code::RoomVacant).with("room", room),
            MessageError::NotWaiting { id, status } => {
                ApiError::conflict(msg, Code::MessageNotWaiting).with("id", id).with("status", status)
            }
            MessageError::Invalid(i) => ApiError::invalid(&i),
            MessageError::Store(_) => ApiError::Internal(msg),
        }
    }
}

impl From<LogError> for ApiError {
    fn from(e: LogError) -> Self {
        let msg = e.to_string();
        match e {
            LogError::NotYourShift { id, operator } => ApiError::coded(StatusCode::FORBIDDEN, msg, Code::NotYourShift)
                .with("shift", id)
                .with("operator", operator),
            LogError::UnknownEntry(id) => ApiError::not_found(msg, Code::LogEntryUnknown).with("id", id),
            LogError::UnknownFollowup(id) => ApiError::not_found(msg, Code::FollowupUnknown).with("id", id),
            LogError::Invalid(i) => ApiError::invalid(&i),
            LogError::Store(_) => ApiError::Internal(msg),
            LogError::NoShift => ApiError::conflict(msg, Code::NoShift),
            LogError::ShiftClosed { id } => ApiError::conflict(msg, Code::ShiftClosed).with("shift", id),
            LogError::ShiftOpen { id, operator } => {
                ApiError::conflict(msg, Code::ShiftOpen).with("shift", id).with("operator", operator)
            }
            LogError::HandoverPending { id } => ApiError::conflict(msg, Code::HandoverPending).with("shift", id),
            LogError::OwnHandover { id } => ApiError::conflict(msg, Code::OwnHandover).with("shift", id),
            LogError::NoHandover => ApiError::conflict(msg, Code::NoHandover),
        }
    }
}

impl From<AlertError> for ApiError {
    fn from(e: AlertError) -> Self {
        let msg = e.to_string();
        match e {
            AlertError::Unknown(id) => ApiError::not_found(msg, Code::AlertUnknown).with("id", id),
            AlertError::AlreadyAcked { id, by } => {
                ApiError::conflict(msg, Code::AlertAcknowledged).with("id", id).with("by", by)
            }
            AlertError::Store(_) => ApiError::Internal(msg),
        }
    }
}

impl From<crate::hotel::directory::DirError> for ApiError {
    fn from(e: crate::hotel::directory::DirError) -> Self {
        use crate::hotel::directory::DirError;
        let msg = e.to_string();
        match e {
            DirError::Unknown(id) => ApiError::not_found(msg, Code::DirectoryEntryUnknown).with("id", id),
            DirError::Invalid(i) => ApiError::invalid(&i),
            DirError::Store(_) => ApiError::Internal(msg),
        }
    }
}

impl From<Forbidden> for ApiError {
    fn from(e: Forbidden) -> Self {
        ApiError::coded(StatusCode::FORBIDDEN, e.to_string(), Code::Forbidden)
    }
}

impl From<Invalid> for ApiError {
    fn from(e: Invalid) -> Self {
        ApiError::invalid(&e)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        ApiError::Internal(e.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, msg) = match self {
            ApiError::Coded(c) => {
                let mut body = Map::new();
                body.insert("error".into(), cut_echoes(&c.message).into());
                body.insert("code".into(), c.code.as_str().into());
                if let Some(f) = c.field {
                    body.insert("field".into(), f.into());
                }
                body.insert("params".into(), Value::Object(c.params));
                return (c.status, Json(Value::Object(body))).into_response();
            }
            ApiError::Unauthorized(m) => (StatusCode::UNAUTHORIZED, Code::Unauthenticated, m),
            ApiError::Forbidden(m) => (StatusCode::FORBIDDEN, Code::Forbidden, m),
            ApiError::TooManyRequests(m) => (StatusCode::TOO_MANY_REQUESTS, Code::TooManyRequests, m),
            ApiError::NotFound(m) => (StatusCode::NOT_FOUND, Code::NotFound, m),
            ApiError::MethodNotAllowed(m) => (StatusCode::METHOD_NOT_ALLOWED, Code::MethodNotAllowed, m),
            ApiError::PayloadTooLarge(m) => (StatusCode::PAYLOAD_TOO_LARGE, Code::PayloadTooLarge, m),
            ApiError::Timeout(m) => (StatusCode::REQUEST_TIMEOUT, Code::Timeout, m),
            ApiError::Conflict(m) => (StatusCode::CONFLICT, Code::Conflict, m),
            ApiError::BadRequest(m) => (StatusCode::BAD_REQUEST, Code::BadRequest, m),
            ApiError::Unprocessable(m) => (StatusCode::UNPROCESSABLE_ENTITY, Code::Invalid, m),
            ApiError::Unavailable(m) => (StatusCode::SERVICE_UNAVAILABLE, Code::Unavailable, m),
            ApiError::Internal(m) => {
                tracing::error!("internal error: {m}");
                (StatusCode::INTERNAL_SERVER_ERROR, Code::Internal, "internal error".to_string())
            }
        };
        let body = serde_json::json!({ "error": cut_echoes(&msg), "code": code.as_str(), "params": {} });
        (status, Json(body)).into_response()
    }
}

/// Characters of a quoted value an error message shows, at most.
pub const ECHO_MAX: usize = 64;

/// Characters of a whole error message, at most (a backstop for unquoted echoes).
const MESSAGE_MAX: usize = 600;

/// `msg` with every quoted value (and every unquoted word) longer than [`ECHO_MAX`] characters
/// cut there, with an ellipsis: messages quote what the client sent as `"..."`, escapes
/// included, or name it bare (`room 101`).
pub fn cut_echoes(msg: &str) -> String {
    let mut out = String::with_capacity(msg.len().min(MESSAGE_MAX + 8));
    let mut quoted = false;
    let mut escaped = false;
    // Characters of the current quoted value or bare word so far.
    let mut run = 0;
    let mut shown = 0;
    for c in msg.chars() {
        if shown >= MESSAGE_MAX {
            out.push('…');
            break;
        }
        let ends_run = if quoted { c == '"' && !escaped } else { c == '"' || c.is_whitespace() };
        escaped = quoted && !escaped && c == '\\';
        if ends_run {
            if c == '"' {
                quoted = !quoted;
            }
            run = 0;
        } else {
            run += 1;
            if run == ECHO_MAX + 1 {
                out.push('…');
                shown += 1;
            }
            if run > ECHO_MAX {
                continue;
            }
        }
        out.push(c);
        shown += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn body(e: ApiError) -> (StatusCode, Value) {
        let r = e.into_response();
        let status = r.status();
        let bytes = axum::body::to_bytes(r.into_body(), usize::MAX).await.unwrap();
        (status, serde_json::from_slice(&bytes).unwrap())
    }

    #[tokio::test]
    async fn every_error_says_its_code_and_a_domain_error_its_field_and_parameters() {
        let not_ready =
            DeskError::NotReady { room: "305".into(), status: crate::hotel::housekeeping::Housekeeping::Dirty };
        let (status, v) = body(not_ready.into()).await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert_eq!((v["code"].as_str(), v["field"].as_str()), (Some("room_not_ready"), Some("room")));
        assert_eq!(v["params"], serde_json::json!({ "room": "305", "status": "dirty" }));
        assert!(v["error"].as_str().unwrap().contains("room 305"), "{v}");

        let waiting = DeskError::UndeliveredMessages { room: "101".into(), ids: vec![4, 9] };
        let (_, v) = body(waiting.into()).await;
        assert_eq!(v["params"]["messages"], serde_json::json!([4, 9]));

        let (status, v) = body(Invalid::new("name", "must not be empty").into()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!((v["code"].as_str(), v["field"].as_str()), (Some("invalid"), Some("name")));

        let (_, v) = body(ApiError::BadRequest("bad JSON body".into())).await;
        assert_eq!((v["code"].as_str(), v.get("field")), (Some("bad_request"), None));

        let (status, v) = body(DeskError::Store(StoreError::Corrupt("disk on fire".into())).into()).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(v, serde_json::json!({ "error": "internal error", "code": "internal", "params": {} }));
    }

    #[test]
    fn long_echoed_values_are_cut_with_an_ellipsis() {
        let long = "x".repeat(10_000);
        let cut = cut_echoes(&format!("name: {long:?} is too long"));
        assert_eq!(cut, format!("name: \"{}…\" is too long", "x".repeat(ECHO_MAX)));
        let short = r#"room "101" is occupied by "A \"quoted\" name""#;
        assert_eq!(cut_echoes(short), short);
        assert_eq!(
            cut_echoes(&format!("room {long} is not in hotel.toml")),
            format!("room {}… is not in hotel.toml", "x".repeat(64))
        );
        let words = "word ".repeat(1000);
        assert!(cut_echoes(&words).chars().count() <= MESSAGE_MAX + 1);
    }
}
