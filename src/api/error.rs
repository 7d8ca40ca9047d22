//! The one place where errors become HTTP statuses. Every error body is
//! `{"error": "<English text>", "code": "<code>", "field": "<field>", "params": {...}}`: the text
//! for the CLI and logs, the code and its parameters for a console that speaks its reader's
//! language (`field` only where one field of the request is at fault). A 500 says only
//! "internal error" (the details go to the log). A value the client sent is echoed at most
//! [`ECHO_MAX`] characters long (a 10,000-character name is not sent back whole).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{Map, Value};

use crate::alerts::AlertError;
use crate::desk::DeskError;
use crate::identity::Forbidden;
use crate::logbook::LogError;
use crate::messages::MessageError;
use crate::staff::StaffError;
use crate::store::StoreError;
use crate::validate::Invalid;
use crate::wakeup::WakeupError;

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
    pub code: &'static str,
    pub field: Option<&'static str>,
    pub params: Map<String, Value>,
}

impl ApiError {
    /// An error of `status` with `code`; `params` add what makes it specific.
    fn coded(status: StatusCode, message: String, code: &'static str) -> Self {
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
    fn field(mut self, field: &'static str) -> Self {
        if let ApiError::Coded(c) = &mut self {
            c.field = Some(field);
        }
        self
    }

    fn not_found(msg: String, code: &'static str) -> Self {
        Self::coded(StatusCode::NOT_FOUND, msg, code)
    }

    fn conflict(msg: String, code: &'static str) -> Self {
        Self::coded(StatusCode::CONFLICT, msg, code)
    }

    fn invalid(e: &Invalid) -> Self {
        Self::coded(StatusCode::UNPROCESSABLE_ENTITY, e.to_string(), "invalid").field(e.field)
    }
}

impl From<DeskError> for ApiError {
    fn from(e: DeskError) -> Self {
        let msg = e.to_string();
        match e {
            DeskError::UnknownRoom(room) => ApiError::not_found(msg, "room_unknown").with("room", room),
            DeskError::Occupied { room, stay } => {
                ApiError::conflict(msg, "room_occupied").with("room", room).with("stay", stay)
            }
            DeskError::Vacant(room) => ApiError::conflict(msg, "room_vacant").with("room", room),
            DeskError::UndeliveredMessages { room, ids } => {
                ApiError::conflict(msg, "messages_waiting").with("room", room).with("messages", ids)
            }
            DeskError::NotReady { room, status } => {
                ApiError::conflict(msg, "room_not_ready").field("room").with("room", room).with("status", status)
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
            StaffError::BadCredentials => ApiError::coded(StatusCode::UNAUTHORIZED, msg, "bad_credentials"),
            StaffError::Unauthenticated(_) => ApiError::coded(StatusCode::UNAUTHORIZED, msg, "unauthenticated"),
            StaffError::Throttled { wait_secs } => {
                ApiError::coded(StatusCode::TOO_MANY_REQUESTS, msg, "throttled").with("wait_secs", wait_secs)
            }
            StaffError::Forbidden(_) => ApiError::coded(StatusCode::FORBIDDEN, msg, "forbidden"),
            StaffError::UnknownStaff(login) => ApiError::not_found(msg, "staff_unknown").with("login", login),
            StaffError::Exists(login) => ApiError::conflict(msg, "staff_exists").field("login").with("login", login),
            StaffError::LastManager(login) => ApiError::conflict(msg, "last_manager").with("login", login),
            StaffError::Invalid(i) => ApiError::invalid(&i),
            StaffError::Store(_) => ApiError::Internal(msg),
        }
    }
}

impl From<WakeupError> for ApiError {
    fn from(e: WakeupError) -> Self {
        let msg = e.to_string();
        match e {
            WakeupError::UnknownRoom(room) => ApiError::not_found(msg, "room_unknown").with("room", room),
            WakeupError::Unknown(id) => ApiError::not_found(msg, "wakeup_unknown").with("id", id),
            WakeupError::Vacant(room) => ApiError::conflict(msg, "room_vacant").with("room", room),
            WakeupError::Duplicate { room, id, due } => {
                ApiError::conflict(msg, "wakeup_duplicate").with("room", room).with("id", id).with("due", due)
            }
            WakeupError::Ended { id, status } => {
                ApiError::conflict(msg, "wakeup_ended").with("id", id).with("status", status)
            }
            WakeupError::Invalid(i) => ApiError::invalid(&i),
            WakeupError::Past(at) => {
                ApiError::coded(StatusCode::UNPROCESSABLE_ENTITY, msg, "wakeup_in_past").field("time").with("at", at)
            }
            WakeupError::Store(_) => ApiError::Internal(msg),
        }
    }
}

impl From<MessageError> for ApiError {
    fn from(e: MessageError) -> Self {
        let msg = e.to_string();
        match e {
            MessageError::UnknownRoom(room) => ApiError::not_found(msg, "room_unknown").with("room", room),
            MessageError::Unknown(id) => ApiError::not_found(msg, "message_unknown").with("id", id),
            MessageError::Vacant(room) => ApiError::conflict(msg, "room_vacant").with("room", room),
            MessageError::NotWaiting { id, status } => {
                ApiError::conflict(msg, "message_not_waiting").with("id", id).with("status", status)
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
            LogError::NotYourShift { id, operator } => ApiError::coded(StatusCode::FORBIDDEN, msg, "not_your_shift")
                .with("shift", id)
                .with("operator", operator),
            LogError::UnknownEntry(id) => ApiError::not_found(msg, "log_entry_unknown").with("id", id),
            LogError::UnknownFollowup(id) => ApiError::not_found(msg, "followup_unknown").with("id", id),
            LogError::Invalid(i) => ApiError::invalid(&i),
            LogError::Store(_) => ApiError::Internal(msg),
            LogError::NoShift => ApiError::conflict(msg, "no_shift"),
            LogError::ShiftClosed { id } => ApiError::conflict(msg, "shift_closed").with("shift", id),
            LogError::ShiftOpen { id, operator } => {
                ApiError::conflict(msg, "shift_open").with("shift", id).with("operator", operator)
            }
            LogError::HandoverPending { id } => ApiError::conflict(msg, "handover_pending").with("shift", id),
            LogError::OwnHandover { id } => ApiError::conflict(msg, "own_handover").with("shift", id),
            LogError::NoHandover => ApiError::conflict(msg, "no_handover"),
        }
    }
}

impl From<AlertError> for ApiError {
    fn from(e: AlertError) -> Self {
        let msg = e.to_string();
        match e {
            AlertError::Unknown(id) => ApiError::not_found(msg, "alert_unknown").with("id", id),
            AlertError::AlreadyAcked { id, by } => {
                ApiError::conflict(msg, "alert_acknowledged").with("id", id).with("by", by)
            }
            AlertError::Store(_) => ApiError::Internal(msg),
        }
    }
}

impl From<crate::directory::DirError> for ApiError {
    fn from(e: crate::directory::DirError) -> Self {
        use crate::directory::DirError;
        let msg = e.to_string();
        match e {
            DirError::Unknown(id) => ApiError::not_found(msg, "directory_entry_unknown").with("id", id),
            DirError::Invalid(i) => ApiError::invalid(&i),
            DirError::Store(_) => ApiError::Internal(msg),
        }
    }
}

impl From<Forbidden> for ApiError {
    fn from(e: Forbidden) -> Self {
        ApiError::coded(StatusCode::FORBIDDEN, e.to_string(), "forbidden")
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
                body.insert("code".into(), c.code.into());
                if let Some(f) = c.field {
                    body.insert("field".into(), f.into());
                }
                body.insert("params".into(), Value::Object(c.params));
                return (c.status, Json(Value::Object(body))).into_response();
            }
            ApiError::Unauthorized(m) => (StatusCode::UNAUTHORIZED, "unauthenticated", m),
            ApiError::Forbidden(m) => (StatusCode::FORBIDDEN, "forbidden", m),
            ApiError::TooManyRequests(m) => (StatusCode::TOO_MANY_REQUESTS, "too_many_requests", m),
            ApiError::NotFound(m) => (StatusCode::NOT_FOUND, "not_found", m),
            ApiError::MethodNotAllowed(m) => (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", m),
            ApiError::PayloadTooLarge(m) => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", m),
            ApiError::Timeout(m) => (StatusCode::REQUEST_TIMEOUT, "timeout", m),
            ApiError::Conflict(m) => (StatusCode::CONFLICT, "conflict", m),
            ApiError::BadRequest(m) => (StatusCode::BAD_REQUEST, "bad_request", m),
            ApiError::Unprocessable(m) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid", m),
            ApiError::Unavailable(m) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable", m),
            ApiError::Internal(m) => {
                tracing::error!("internal error: {m}");
                (StatusCode::INTERNAL_SERVER_ERROR, "internal", "internal error".to_string())
            }
        };
        let body = serde_json::json!({ "error": cut_echoes(&msg), "code": code, "params": {} });
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
        let not_ready = DeskError::NotReady { room: "305".into(), status: crate::housekeeping::Housekeeping::Dirty };
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
