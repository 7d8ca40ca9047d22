//! A route is mounted with its contract: `router.at(route::CheckIn, rooms::check_in)` puts the
//! handler at the endpoint's method and path, and the compiler checks both sides: what the
//! handler reads from the body or the query is the endpoint's request type
//! ([`crate::http::contract::Endpoint::Request`]) and what it answers is its reply type
//! ([`crate::http::contract::Endpoint::Reply`]). A handler and its contract cannot drift apart.

use std::future::Future;

use axum::handler::Handler;
use axum::http::StatusCode;
use axum::response::{Html, Sse};
use axum::routing::{get, post};
use axum::{Json, Router};

use axum::extract::State;
use axum::http::HeaderMap;

use super::auth::Token;
use super::error::ApiError;
use super::extract::{ApiJson, ApiQuery, ClientAddr, Id, OptionalJson, Segment};
use crate::domain::identity::Actor;
use crate::http::contract::{Endpoint, Method};

/// `201 Created` or `202 Accepted` with the created thing.
pub type Created<T> = (StatusCode, Json<T>);
/// A `Set-Cookie` header.
pub type Cookie = [(axum::http::HeaderName, String); 1];
/// A body with its `Content-Type` (an export).
pub type Typed<B> = ([(axum::http::HeaderName, &'static str); 1], B);

/// What a handler answers, taken as the contract's reply type `R`.
pub trait Reply<R> {}
impl<T> Reply<T> for Json<T> {}
/// `201 Created`, `202 Accepted` with a body.
impl<T> Reply<T> for (StatusCode, Json<T>) {}
/// No body (`204 No Content`).
impl Reply<()> for StatusCode {}
impl Reply<()> for (StatusCode, Cookie) {}
impl<T> Reply<T> for (Cookie, Json<T>) {}
impl Reply<String> for Typed<String> {}
/// The printable pages.
impl Reply<String> for Html<String> {}
/// The live events.
impl<S> Reply<String> for Sse<S> {}

/// What a handler takes, fitting the endpoint's request `R`: a body or a query must be `R`
/// itself; the rest (the state, path segments, who asks, the peer's address) fit any request.
pub trait Part<R> {}
impl<R> Part<R> for ApiJson<R> {}
impl<R> Part<R> for OptionalJson<R> {}
impl<R> Part<R> for ApiQuery<R> {}
impl<R, S> Part<R> for State<S> {}
impl<R> Part<R> for Id {}
impl<R> Part<R> for Segment {}
impl<R> Part<R> for ClientAddr {}
impl<R> Part<R> for Token {}
impl<R> Part<R> for Actor {}
impl<R> Part<R> for HeaderMap {}

/// A handler whose body or query is `E`'s request and whose answer is `E`'s reply.
pub trait Answers<E, Args> {}

macro_rules! answers {
    ($($arg:ident),*) => {
        impl<F, Fut, O, E, $($arg,)*> Answers<E, ($($arg,)*)> for F
        where
            F: FnOnce($($arg),*) -> Fut,
            Fut: Future<Output = Result<O, ApiError>>,
            O: Reply<E::Reply>,
            E: Endpoint,
            $($arg: Part<E::Request>,)*
        {
        }
    };
}
answers!();
answers!(A1);
answers!(A2, A1);
answers!(A3, A2, A1);
answers!(A4, A3, A2, A1);
answers!(A5, A4, A3, A2, A1);

/// Mounting by contract.
pub trait Mount<S> {
    /// `handler` at `endpoint`'s method and path.
    fn at<E, H, T, Args>(self, endpoint: E, handler: H) -> Self
    where
        E: Endpoint,
        H: Handler<T, S> + Answers<E, Args>,
        T: 'static;
}

impl<S: Clone + Send + Sync + 'static> Mount<S> for Router<S> {
    fn at<E, H, T, Args>(self, _endpoint: E, handler: H) -> Self
    where
        E: Endpoint,
        H: Handler<T, S> + Answers<E, Args>,
        T: 'static,
    {
        let method = match E::METHOD {
            Method::Get => get(handler),
            Method::Post => post(handler),
        };
        self.route(E::PATH, method)
    }
}
