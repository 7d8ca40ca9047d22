//! A route is mounted with its contract: `router.at(route::CheckIn, rooms::check_in)` puts the
//! handler at the endpoint's method and path, and the compiler checks that what the handler
//! answers is the endpoint's reply type ([`crate::http::contract::Endpoint::Reply`]): a handler and
//! its contract cannot drift apart. (The request side is checked by the contract test, which
//! drives every route with the contract's request types.)

use std::future::Future;

use axum::handler::Handler;
use axum::http::StatusCode;
use axum::response::{Html, Sse};
use axum::routing::{get, post};
use axum::{Json, Router};

use super::error::ApiError;
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

/// A handler, whatever it extracts, whose answer is `E`'s reply.
pub trait Answers<E, Args> {}

macro_rules! answers {
    ($($arg:ident),*) => {
        impl<F, Fut, O, E, $($arg,)*> Answers<E, ($($arg,)*)> for F
        where
            F: FnOnce($($arg),*) -> Fut,
            Fut: Future<Output = Result<O, ApiError>>,
            O: Reply<E::Reply>,
            E: Endpoint,
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
