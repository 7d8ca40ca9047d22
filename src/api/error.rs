//! The one place where errors become HTTP statuses. Every error body is `{"error": "..."}`;
//! a 500 says only "internal error" (the details go to the log). A value the client sent is
//! echoed at most [`ECHO_MAX`] characters long (a 10,000-character name is not sent back whole).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

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
}

impl From<DeskError> for ApiError {
    fn from(e: DeskError) -> Self {
        let msg = e.to_string();
        match e {
            DeskError::UnknownRoom(_) => ApiError::NotFound(msg),
            DeskError::Occupied { .. }
            | DeskError::Vacant(_)
            | DeskError::UndeliveredMessages { .. }
            | DeskError::NotReady { .. } => ApiError::Conflict(msg),
            DeskError::Invalid(_) => ApiError::Unprocessable(msg),
            DeskError::Store(_) => ApiError::Internal(msg),
        }
    }
}

impl From<StaffError> for ApiError {
    fn from(e: StaffError) -> Self {
        let msg = e.to_string();
        match e {
            StaffError::BadCredentials | StaffError::Unauthenticated(_) => ApiError::Unauthorized(msg),
            StaffError::Throttled { .. } => ApiError::TooManyRequests(msg),
            StaffError::Forbidden(_) => ApiError::Forbidden(msg),
            StaffError::UnknownStaff(_) => ApiError::NotFound(msg),
            StaffError::Exists(_) | StaffError::LastManager(_) => ApiError::Conflict(msg),
            StaffError::Invalid(_) => ApiError::Unprocessable(msg),
            StaffError::Store(_) => ApiError::Internal(msg),
        }
    }
}

impl From<WakeupError> for ApiError {
    fn from(e: WakeupError) -> Self {
        let msg = e.to_string();
        match e {
            WakeupError::UnknownRoom(_) | WakeupError::Unknown(_) => ApiError::NotFound(msg),
            WakeupError::Vacant(_) | WakeupError::Duplicate { .. } | WakeupError::Ended { .. } => {
                ApiError::Conflict(msg)
            }
            WakeupError::Invalid(_) | WakeupError::Past(_) => ApiError::Unprocessable(msg),
            WakeupError::Store(_) => ApiError::Internal(msg),
        }
    }
}

impl From<MessageError> for ApiError {
    fn from(e: MessageError) -> Self {
        let msg = e.to_string();
        match e {
            MessageError::UnknownRoom(_) | MessageError::Unknown(_) => ApiError::NotFound(msg),
            MessageError::Vacant(_) | MessageError::NotWaiting { .. } => ApiError::Conflict(msg),
            MessageError::Invalid(_) => ApiError::Unprocessable(msg),
            MessageError::Store(_) => ApiError::Internal(msg),
        }
    }
}

impl From<LogError> for ApiError {
    fn from(e: LogError) -> Self {
        let msg = e.to_string();
        match e {
            LogError::NotYourShift { .. } => ApiError::Forbidden(msg),
            LogError::UnknownEntry(_) | LogError::UnknownFollowup(_) => ApiError::NotFound(msg),
            LogError::Invalid(_) => ApiError::Unprocessable(msg),
            LogError::Store(_) => ApiError::Internal(msg),
            LogError::NoShift
            | LogError::ShiftClosed { .. }
            | LogError::ShiftOpen { .. }
            | LogError::HandoverPending { .. }
            | LogError::OwnHandover { .. }
            | LogError::NoHandover => ApiError::Conflict(msg),
        }
    }
}

impl From<AlertError> for ApiError {
    fn from(e: AlertError) -> Self {
        let msg = e.to_string();
        match e {
            AlertError::Unknown(_) => ApiError::NotFound(msg),
            AlertError::AlreadyAcked { .. } => ApiError::Conflict(msg),
            AlertError::Store(_) => ApiError::Internal(msg),
        }
    }
}

impl From<crate::directory::DirError> for ApiError {
    fn from(e: crate::directory::DirError) -> Self {
        use crate::directory::DirError;
        let msg = e.to_string();
        match e {
            DirError::Unknown(_) => ApiError::NotFound(msg),
            DirError::Invalid(_) => ApiError::Unprocessable(msg),
            DirError::Store(_) => ApiError::Internal(msg),
        }
    }
}

impl From<Forbidden> for ApiError {
    fn from(e: Forbidden) -> Self {
        ApiError::Forbidden(e.to_string())
    }
}

impl From<Invalid> for ApiError {
    fn from(e: Invalid) -> Self {
        ApiError::Unprocessable(e.to_string())
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        ApiError::Internal(e.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, msg) = match self {
            ApiError::Unauthorized(m) => (StatusCode::UNAUTHORIZED, m),
            ApiError::Forbidden(m) => (StatusCode::FORBIDDEN, m),
            ApiError::TooManyRequests(m) => (StatusCode::TOO_MANY_REQUESTS, m),
            ApiError::NotFound(m) => (StatusCode::NOT_FOUND, m),
            ApiError::MethodNotAllowed(m) => (StatusCode::METHOD_NOT_ALLOWED, m),
            ApiError::PayloadTooLarge(m) => (StatusCode::PAYLOAD_TOO_LARGE, m),
            ApiError::Timeout(m) => (StatusCode::REQUEST_TIMEOUT, m),
            ApiError::Conflict(m) => (StatusCode::CONFLICT, m),
            ApiError::BadRequest(m) => (StatusCode::BAD_REQUEST, m),
            ApiError::Unprocessable(m) => (StatusCode::UNPROCESSABLE_ENTITY, m),
            ApiError::Unavailable(m) => (StatusCode::SERVICE_UNAVAILABLE, m),
            ApiError::Internal(m) => {
                tracing::error!("internal error: {m}");
                (StatusCode::INTERNAL_SERVER_ERROR, "internal error".to_string())
            }
        };
        (status, Json(serde_json::json!({ "error": cut_echoes(&msg) }))).into_response()
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
