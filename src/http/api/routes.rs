//! The router: every route of [`crate::http::contract::route`] mounted on its handler by contract
//! ([`super::mount`]: the compiler checks the handler answers the route's reply type), grouped by
//! the one permission each group needs.

use axum::extract::State;
use axum::{Json, Router};

use super::error::ApiError;
use super::mount::Mount;
use super::state::AppState;
use super::{auth, directory, events, logbook, messages, print, rooms, staff, wakeups};
use crate::domain::identity::Permission;
use crate::http::contract::{route, Health};

pub fn router(state: AppState) -> Router {
    let needs = |p: Permission, r: Router<AppState>| auth::require(r, p);
    let view = Router::new()
        .at(route::Rooms, rooms::list_rooms)
        .at(route::Room, rooms::get_room)
        .at(route::Stays, rooms::list_stays)
        .at(route::Stay, rooms::get_stay)
        .at(route::Guests, rooms::find_guests)
        .at(route::PbxStatus, rooms::pbx_status)
        .at(route::PmsStatus, rooms::pms_status)
        .at(route::Housekeeping, rooms::housekeeping)
        .at(route::HousekeepingReport, rooms::housekeeping_report)
        .at(route::Calls, rooms::calls)
        .at(route::Tariff, rooms::tariff)
        .at(route::TariffQuote, rooms::tariff_quote)
        .at(route::Folio, rooms::folio)
        .at(route::PrintSheet, print::sheet)
        .at(route::FolioPrint, rooms::folio_print)
        .at(route::Directory, directory::search)
        .at(route::DirEntry, directory::get)
        .at(route::DiallingCode, directory::code)
        .at(route::Events, events::events)
        .at(route::Me, staff::me)
        .at(route::ChangeOwnPassword, staff::change_own_password)
        .at(route::Logout, staff::logout)
        .at(route::Wakeups, wakeups::list)
        .at(route::WakeupReport, wakeups::report)
        .at(route::Wakeup, wakeups::get)
        .at(route::Alerts, wakeups::list_alerts)
        .at(route::Messages, messages::list)
        .at(route::Message, messages::get)
        // An unacknowledged handover is shown to everyone.
        .at(route::Handover, logbook::handover)
        .at(route::HandoverPrint, logbook::handover_print)
        // The audit trail of one room (desk) or all of it (manager): decided per request.
        .at(route::Audit, staff::audit);
    let desk = Router::new()
        .at(route::CheckIn, rooms::check_in)
        .at(route::CheckOut, rooms::check_out)
        .at(route::Move, rooms::move_room)
        .at(route::Dnd, rooms::set_dnd)
        .at(route::Class, rooms::set_class)
        .at(route::Lamp, rooms::set_lamp)
        .at(route::SetHousekeeping, rooms::set_housekeeping)
        .at(route::BookWakeup, wakeups::add)
        .at(route::CancelWakeup, wakeups::cancel)
        .at(route::LeaveMessage, messages::leave)
        .at(route::DeliverMessage, messages::deliver)
        .at(route::ClearMessage, messages::clear);
    let operate = Router::new()
        .at(route::PbxResync, rooms::pbx_resync)
        .at(route::PmsResync, rooms::pms_resync)
        .at(route::SimulateCall, rooms::simulate_call)
        .at(route::AckAlert, wakeups::ack_alert)
        .at(route::OpenShift, logbook::open_shift)
        .at(route::CloseShift, logbook::close_shift)
        .at(route::CurrentShift, logbook::current_shift)
        .at(route::AckHandover, logbook::ack_handover)
        .at(route::Log, logbook::list)
        .at(route::AddLog, logbook::add)
        .at(route::SearchLog, logbook::search)
        .at(route::Amend, logbook::amend)
        .at(route::Followups, logbook::followups)
        .at(route::UpdateFollowup, logbook::update_followup);
    let admin = Router::new()
        .at(route::Staff, staff::list)
        .at(route::AddStaff, staff::add)
        .at(route::DisableStaff, staff::disable)
        .at(route::SetPassword, staff::set_password)
        .at(route::AddDirEntry, directory::add)
        .at(route::EditDirEntry, directory::edit)
        .at(route::RemoveDirEntry, directory::remove)
        .at(route::ImportDirectory, directory::import)
        .at(route::ExportDirectory, directory::export)
        .at(route::TariffReload, rooms::tariff_reload);
    let signed_in = Router::new()
        .merge(needs(Permission::View, view))
        .merge(needs(Permission::Desk, desk))
        .merge(needs(Permission::Operate, operate))
        .merge(needs(Permission::Staff, admin))
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), auth::authenticate));
    Router::new()
        .at(route::Health, health)
        .at(route::Login, staff::login)
        .at(route::OpenSession, staff::open_session)
        .merge(signed_in)
        .merge(crate::http::console::routes())
        .fallback(|| async { ApiError::NotFound("no such endpoint".into()) })
        // Gzip when the client asks for it (the room list of a big hotel shrinks about tenfold);
        // the default rule leaves live events and tiny answers alone.
        .layer(tower_http::compression::CompressionLayer::new())
        .method_not_allowed_fallback(|| async {
            ApiError::MethodNotAllowed("this endpoint does not take that method".into())
        })
        .with_state(state)
}

/// `GET /health`: whether the service answers, and the hotel's name and zone.
async fn health(State(s): State<AppState>) -> Result<Json<Health>, ApiError> {
    let timezone = Some(s.wakeups.timezone().name().to_string());
    Ok(Json(Health { status: "ok".into(), hotel: s.hotel_name, timezone }))
}
