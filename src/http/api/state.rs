//! What every handler is given: the service's parts.

use std::sync::Arc;

use crate::desk::Desk;
use crate::links::pbx::LinkHandle;
use crate::logbook::Logbook;
use crate::messages::Messages;
use crate::staff::Staff;
use crate::store::Store;
use crate::wakeup::Wakeups;

#[derive(Clone)]
pub struct AppState {
    pub desk: Desk,
    pub staff: Staff,
    pub wakeups: Wakeups,
    pub messages: Messages,
    pub logbook: Logbook,
    pub link: LinkHandle,
    pub hotel_name: String,
    pub directory: crate::directory::Directory,
    pub dialling: Option<crate::directory::Dialling>,
    pub charges: std::sync::Arc<crate::charges::Charges>,
    /// The built-in simulated PBX, when the service runs one (it can place calls on request).
    pub simulator: Option<pbx_sim::SimHandle>,
    /// The PMS link, when `[pms]` is configured.
    pub pms: Option<crate::links::pms::PmsHandle>,
    pub store: Arc<Store>,
    /// `[api]`: the limits and the cookie's flags.
    pub api: crate::config::ApiConfig,
    /// The open live-event streams, counted against `[api] max_streams` and `max_streams_per_user`.
    pub streams: Arc<super::streams::Streams>,
}
