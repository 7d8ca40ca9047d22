//! The HTTP API (JSON), serving the routes of [`crate::http::contract`].
//!
//! Layout: [`routes`] (the router: every route and the permission its group needs), [`mount`]
//! (a route mounted with its contract: the compiler checks the handler answers its reply type),
//! [`server`] (connections: the caps, header and request timeouts, body limit, client address),
//! [`early`] (JSON bodies for the errors hyper answers before the application),
//! [`events`] (live updates as server-sent events), [`streams`] (their limits), [`places`]
//! (places counted per key: the stream and per-address connection limits),
//! [`state`] (what handlers are given), [`auth`] (bearer tokens, the per-route permission
//! layer, the `Actor` extractor), [`extract`] (body, path, query extractors with JSON errors;
//! the blocking-pool helper), [`error`] (the one place errors become statuses), [`codes`]
//! (every code an error body can carry), and the
//! handlers by subject: [`rooms`] (rooms, stays, desk operations, PBX link), [`wakeups`]
//! (wake-up calls, alerts), [`messages`] (guest messages), [`logbook`] (shifts, handover,
//! entries, follow-ups, search), [`staff`] (sign-in, staff, audit), [`directory`] (the
//! operator's directory and dialling codes), [`print`] (the printouts). Every route but `/health`
//! and `/api/login` needs a token.

pub mod auth;
pub mod codes;
pub mod directory;
pub mod early;
pub mod error;
pub mod events;
pub mod extract;
pub mod logbook;
pub mod messages;
pub mod mount;
pub mod places;
pub mod print;
pub mod rooms;
pub mod routes;
pub mod server;
pub mod staff;
pub mod state;
pub mod streams;
pub mod wakeups;

pub use error::{ApiError, ApiResult};
pub use routes::router;
pub use state::AppState;
