//! The HTTP API (JSON).
//!
//! Layout: [`auth`] (bearer tokens, the per-route permission layer, the `Actor` extractor),
//! [`rooms`] (rooms, stays, desk operations, PBX link), [`staff`] (sign-in, staff, audit),
//! [`error`] (the one place errors become statuses). Every route but `/health` and
//! `/api/login` needs a token; each group of routes declares the one permission it needs.

pub mod auth;
pub mod error;
pub mod logbook;
pub mod messages;
pub mod rooms;
pub mod staff;
pub mod wakeups;

use std::sync::Arc;

use axum::routing::{get, post};
use axum::{Json, Router};

use crate::desk::Desk;
use crate::identity::Permission;
use crate::logbook::Logbook;
use crate::messages::Messages;
use crate::pbx::LinkHandle;
use crate::staff::Staff;
use crate::store::Store;
use crate::wakeup::Wakeups;
use error::ApiError;

#[derive(Clone)]
pub struct AppState {
    pub desk: Desk,
    pub staff: Staff,
    pub wakeups: Wakeups,
    pub messages: Messages,
    pub logbook: Logbook,
    pub link: LinkHandle,
    pub hotel_name: String,
    pub store: Arc<Store>,
}

pub fn router(state: AppState) -> Router {
    let needs = |p: Permission, r: Router<AppState>| auth::require(r, p);
    let view = Router::new()
        .route("/api/rooms", get(rooms::list_rooms))
        .route("/api/rooms/{room}", get(rooms::get_room))
        .route("/api/stays", get(rooms::list_stays))
        .route("/api/stays/{id}", get(rooms::get_stay))
        .route("/api/guests", get(rooms::find_guests))
        .route("/api/pbx/status", get(rooms::pbx_status))
        .route("/api/me", get(staff::me))
        .route("/api/me/password", post(staff::change_own_password))
        .route("/api/logout", post(staff::logout))
        .route("/api/wakeups", get(wakeups::list))
        .route("/api/wakeups/report", get(wakeups::report))
        .route("/api/wakeups/{id}", get(wakeups::get))
        .route("/api/alerts", get(wakeups::list_alerts))
        .route("/api/messages", get(messages::list))
        .route("/api/messages/{id}", get(messages::get))
        // An unacknowledged handover is shown to everyone.
        .route("/api/handover", get(logbook::handover))
        .route("/api/handover/print", get(logbook::handover_print))
        // The audit trail of one room (desk) or all of it (manager): decided per request.
        .route("/api/audit", get(staff::audit));
    let desk = Router::new()
        .route("/api/rooms/{room}/checkin", post(rooms::check_in))
        .route("/api/rooms/{room}/checkout", post(rooms::check_out))
        .route("/api/rooms/{room}/move", post(rooms::move_room))
        .route("/api/rooms/{room}/dnd", post(rooms::set_dnd))
        .route("/api/rooms/{room}/class", post(rooms::set_class))
        .route("/api/wakeups", post(wakeups::add))
        .route("/api/wakeups/{id}/cancel", post(wakeups::cancel))
        .route("/api/rooms/{room}/lamp", post(rooms::set_lamp))
        .route("/api/messages", post(messages::leave))
        .route("/api/messages/{id}/deliver", post(messages::deliver))
        .route("/api/messages/{id}/clear", post(messages::clear));
    let operate = Router::new()
        .route("/api/pbx/resync", post(rooms::pbx_resync))
        .route("/api/alerts/{id}/ack", post(wakeups::ack_alert))
        .route("/api/shifts/open", post(logbook::open_shift))
        .route("/api/shifts/close", post(logbook::close_shift))
        .route("/api/shifts/current", get(logbook::current_shift))
        .route("/api/handover/ack", post(logbook::ack_handover))
        .route("/api/log", get(logbook::list).post(logbook::add))
        .route("/api/log/search", get(logbook::search))
        .route("/api/log/{id}/amend", post(logbook::amend))
        .route("/api/followups", get(logbook::followups))
        .route("/api/followups/{id}", post(logbook::update_followup));
    let admin = Router::new()
        .route("/api/staff", get(staff::list).post(staff::add))
        .route("/api/staff/{login}/disable", post(staff::disable))
        .route("/api/staff/{login}/password", post(staff::set_password));
    let signed_in = Router::new()
        .merge(needs(Permission::View, view))
        .merge(needs(Permission::Desk, desk))
        .merge(needs(Permission::Operate, operate))
        .merge(needs(Permission::Staff, admin))
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), auth::authenticate));
    Router::new()
        .route("/health", get(|| async { Json(serde_json::json!({"status": "ok"})) }))
        .route("/api/login", post(staff::login))
        .merge(signed_in)
        .fallback(|| async { ApiError::NotFound("no such endpoint".into()) })
        .with_state(state)
}
