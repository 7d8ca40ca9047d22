//! The router: every route of [`crate::contract::route`] mounted on its handler, grouped by the
//! one permission each group needs.

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};

use super::error::ApiError;
use super::state::AppState;
use super::{auth, directory, events, logbook, messages, rooms, staff, wakeups};
use crate::contract::{route, Endpoint, Health};
use crate::identity::Permission;

pub fn router(state: AppState) -> Router {
    let needs = |p: Permission, r: Router<AppState>| auth::require(r, p);
    let view = Router::new()
        .route(route::Rooms::PATH, get(rooms::list_rooms))
        .route(route::Room::PATH, get(rooms::get_room))
        .route(route::Stays::PATH, get(rooms::list_stays))
        .route(route::Stay::PATH, get(rooms::get_stay))
        .route(route::Guests::PATH, get(rooms::find_guests))
        .route(route::PbxStatus::PATH, get(rooms::pbx_status))
        .route(route::PmsStatus::PATH, get(rooms::pms_status))
        .route(route::Housekeeping::PATH, get(rooms::housekeeping))
        .route(route::HousekeepingReport::PATH, get(rooms::housekeeping_report))
        .route(route::Calls::PATH, get(rooms::calls))
        .route(route::Tariff::PATH, get(rooms::tariff))
        .route(route::TariffQuote::PATH, get(rooms::tariff_quote))
        .route(route::Folio::PATH, get(rooms::folio))
        .route(route::FolioPrint::PATH, get(rooms::folio_print))
        .route(route::Directory::PATH, get(directory::search))
        .route(route::DirEntry::PATH, get(directory::get))
        .route(route::DiallingCode::PATH, get(directory::code))
        .route(route::Events::PATH, get(events::events))
        .route(route::Me::PATH, get(staff::me))
        .route(route::ChangeOwnPassword::PATH, post(staff::change_own_password))
        .route(route::Logout::PATH, post(staff::logout))
        .route(route::Wakeups::PATH, get(wakeups::list))
        .route(route::WakeupReport::PATH, get(wakeups::report))
        .route(route::Wakeup::PATH, get(wakeups::get))
        .route(route::Alerts::PATH, get(wakeups::list_alerts))
        .route(route::Messages::PATH, get(messages::list))
        .route(route::Message::PATH, get(messages::get))
        // An unacknowledged handover is shown to everyone.
        .route(route::Handover::PATH, get(logbook::handover))
        .route(route::HandoverPrint::PATH, get(logbook::handover_print))
        // The audit trail of one room (desk) or all of it (manager): decided per request.
        .route(route::Audit::PATH, get(staff::audit));
    let desk = Router::new()
        .route(route::CheckIn::PATH, post(rooms::check_in))
        .route(route::CheckOut::PATH, post(rooms::check_out))
        .route(route::Move::PATH, post(rooms::move_room))
        .route(route::Dnd::PATH, post(rooms::set_dnd))
        .route(route::Class::PATH, post(rooms::set_class))
        .route(route::Lamp::PATH, post(rooms::set_lamp))
        .route(route::SetHousekeeping::PATH, post(rooms::set_housekeeping))
        .route(route::BookWakeup::PATH, post(wakeups::add))
        .route(route::CancelWakeup::PATH, post(wakeups::cancel))
        .route(route::LeaveMessage::PATH, post(messages::leave))
        .route(route::DeliverMessage::PATH, post(messages::deliver))
        .route(route::ClearMessage::PATH, post(messages::clear));
    let operate = Router::new()
        .route(route::PbxResync::PATH, post(rooms::pbx_resync))
        .route(route::PmsResync::PATH, post(rooms::pms_resync))
        .route(route::SimulateCall::PATH, post(rooms::simulate_call))
        .route(route::AckAlert::PATH, post(wakeups::ack_alert))
        .route(route::OpenShift::PATH, post(logbook::open_shift))
        .route(route::CloseShift::PATH, post(logbook::close_shift))
        .route(route::CurrentShift::PATH, get(logbook::current_shift))
        .route(route::AckHandover::PATH, post(logbook::ack_handover))
        .route(route::Log::PATH, get(logbook::list).post(logbook::add))
        .route(route::SearchLog::PATH, get(logbook::search))
        .route(route::Amend::PATH, post(logbook::amend))
        .route(route::Followups::PATH, get(logbook::followups))
        .route(route::UpdateFollowup::PATH, post(logbook::update_followup));
    let admin = Router::new()
        .route(route::Staff::PATH, get(staff::list).post(staff::add))
        .route(route::DisableStaff::PATH, post(staff::disable))
        .route(route::SetPassword::PATH, post(staff::set_password))
        .route(route::AddDirEntry::PATH, post(directory::add))
        .route(route::EditDirEntry::PATH, post(directory::edit))
        .route(route::RemoveDirEntry::PATH, post(directory::remove))
        .route(route::ImportDirectory::PATH, post(directory::import))
        .route(route::ExportDirectory::PATH, get(directory::export))
        .route(route::TariffReload::PATH, post(rooms::tariff_reload));
    let signed_in = Router::new()
        .merge(needs(Permission::View, view))
        .merge(needs(Permission::Desk, desk))
        .merge(needs(Permission::Operate, operate))
        .merge(needs(Permission::Staff, admin))
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), auth::authenticate));
    Router::new()
        .route(
            route::Health::PATH,
            get(|State(s): State<AppState>| async move {
                let timezone = Some(s.wakeups.timezone().name().to_string());
                Json(Health { status: "ok".into(), hotel: s.hotel_name, timezone })
            }),
        )
        .route(route::Login::PATH, post(staff::login))
        .route(route::OpenSession::PATH, post(staff::open_session))
        .merge(signed_in)
        .merge(crate::console::routes())
        .fallback(|| async { ApiError::NotFound("no such endpoint".into()) })
        // Gzip when the client asks for it (the room list of a big hotel shrinks about tenfold);
        // the default rule leaves live events and tiny answers alone.
        .layer(tower_http::compression::CompressionLayer::new())
        .method_not_allowed_fallback(|| async {
            ApiError::MethodNotAllowed("this endpoint does not take that method".into())
        })
        .with_state(state)
}
