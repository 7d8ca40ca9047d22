//! Request extractors whose every rejection is a JSON error like the rest of the API:
//! [`ApiJson`] (a JSON body), [`OptionalJson`] (a body that may be left out), [`Id`] (a
//! numeric `{id}` path segment), [`Segment`] (a text one), [`ApiQuery`] (the query string),
//! [`ClientAddr`] (who is asking).

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::request::Parts;
use axum::Json;
use serde::de::DeserializeOwned;

use super::error::ApiError;

/// `Json<T>` whose rejections (malformed JSON, wrong fields) are JSON errors too.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<serde_json::Value>::from_request(req, state).await {
            Ok(Json(v)) => typed(v).map(ApiJson),
            Err(JsonRejection::BytesRejection(e)) if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
                Err(ApiError::PayloadTooLarge("the request body is too large".into()))
            }
            Err(JsonRejection::MissingJsonContentType(_)) => {
                Err(ApiError::BadRequest("expected a JSON body (Content-Type: application/json)".into()))
            }
            Err(e) => Err(ApiError::BadRequest(format!("bad JSON body: {}", e.body_text()))),
        }
    }
}

/// A JSON body that may be absent (or blank): then `T::default()`.
pub struct OptionalJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Default> FromRequest<S> for OptionalJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let body = axum::body::Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::PayloadTooLarge("the request body is too large".into())
            } else {
                ApiError::BadRequest(format!("cannot read the body: {}", e.body_text()))
            }
        })?;
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(OptionalJson(T::default()));
        }
        let v = serde_json::from_slice(&body).map_err(|e| ApiError::BadRequest(format!("bad JSON body: {e}")))?;
        typed(v).map(OptionalJson)
    }
}

/// A well-formed JSON body as the request type `T`. A value at a field that `T` refuses (a
/// number for a name, a word outside an enum's list) is that field's error, named by its path;
/// anything else (an unknown field, a missing one) is the body's.
fn typed<T: DeserializeOwned>(v: serde_json::Value) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(v).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let at_a_field = path != "." && !is_about_the_fields(&inner);
        if at_a_field {
            ApiError::bad_value(path, inner.to_string())
        } else {
            ApiError::BadRequest(format!("bad JSON body: {inner}"))
        }
    })
}

/// serde's complaints about which fields a body has (not about a value of one). serde says them
/// in fixed words (`de::Error::unknown_field`, `missing_field`, `duplicate_field`); the unit test
/// below fails if that ever changes.
fn is_about_the_fields(e: &serde_json::Error) -> bool {
    let text = e.to_string();
    text.starts_with("unknown field") || text.starts_with("missing field") || text.starts_with("duplicate field")
}

/// The numeric `{id}` of a path.
pub struct Id(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for Id {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path(raw) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|e| ApiError::BadRequest(format!("bad path: {}", e.body_text())))?;
        raw.parse().map(Id).map_err(|_| ApiError::BadRequest(format!("id {raw:?} is not a number")))
    }
}

/// A text path segment (a room number, a login).
pub struct Segment(pub String);

impl<S: Send + Sync> FromRequestParts<S> for Segment {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Path::<String>::from_request_parts(parts, state)
            .await
            .map(|Path(s)| Segment(s))
            .map_err(|e| ApiError::BadRequest(format!("bad path: {}", e.body_text())))
    }
}

/// The client's address, where the server recorded it (a router called directly has none).
pub struct ClientAddr(pub Option<std::net::IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let addr = parts.extensions.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>();
        Ok(ClientAddr(addr.map(|c| c.0.ip())))
    }
}

/// The query string, as `T`.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(q)| ApiQuery(q))
            .map_err(|e| ApiError::BadRequest(format!("bad query string: {}", e.body_text())))
    }
}

/// Runs `f` on the blocking pool: work that reads files or computes at length (a tariff reload)
/// must not hold up the async workers.
pub async fn blocking<T, E>(f: impl FnOnce() -> Result<T, E> + Send + 'static) -> Result<T, ApiError>
where
    T: Send + 'static,
    E: Into<ApiError> + Send + 'static,
{
    tokio::task::spawn_blocking(f).await.map_err(|e| ApiError::Internal(e.to_string()))?.map_err(Into::into)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    struct Member {
        role: crate::domain::identity::Role,
    }

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    struct Team {
        #[allow(dead_code)]
        name: String,
        members: Vec<Member>,
    }

    fn refusal(json: &str) -> (axum::http::StatusCode, serde_json::Value) {
        use axum::response::IntoResponse;
        let e = typed::<Team>(serde_json::from_str(json).unwrap()).unwrap_err();
        let r = e.into_response();
        let status = r.status();
        let body =
            futures_util::FutureExt::now_or_never(axum::body::to_bytes(r.into_body(), usize::MAX)).unwrap().unwrap();
        (status, serde_json::from_slice(&body).unwrap())
    }

    #[test]
    fn a_value_the_request_type_refuses_is_its_fields_error_and_a_wrong_shape_the_bodys() {
        let ok = typed::<Team>(serde_json::json!({"name": "night", "members": [{"role": "operator"}]})).unwrap();
        assert_eq!(ok.members[0].role, crate::domain::identity::Role::Operator);

        let (status, v) = refusal(r#"{"name": "night", "members": [{"role": "desk"}, {"role": "cook"}]}"#);
        assert_eq!(status, 422, "{v}");
        assert_eq!((v["code"].as_str(), v["field"].as_str()), (Some("invalid"), Some("members[1].role")));
        assert!(v["error"].as_str().unwrap().contains("`cook`") && v["error"].as_str().unwrap().contains("manager"));

        let (status, v) = refusal(r#"{"name": 5, "members": []}"#);
        assert_eq!((status.as_u16(), v["field"].as_str()), (422, Some("name")), "{v}");

        for wrong_shape in [r#"{"name": "a", "members": [], "colour": 1}"#, r#"{"members": []}"#] {
            let (status, v) = refusal(wrong_shape);
            assert_eq!((status.as_u16(), v["code"].as_str(), v.get("field")), (400, Some("bad_request"), None), "{v}");
        }
    }
}
