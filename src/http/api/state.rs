//! What every handler is given: the service's parts.

use std::sync::Arc;

use crate::hotel::desk::Desk;
use crate::hotel::logbook::Logbook;
use crate::hotel::messages::Messages;
use crate::hotel::staff::Staff;
use crate::hotel::wakeup::Wakeups;
use crate::links::pbx::LinkHandle;
use crate::store::Store;

#[derive(Clone)]
pub struct AppState {
    pub desk: Desk,
    pub staff: Staff,
    pub wakeups: Wakeups,
    pub messages: Messages,
    pub logbook: Logbook,
    pub link: LinkHandle,
    pub hotel_name: String,
    pub directory: crate::hotel::directory::Directory,
    pub dialling: Option<crate::hotel::directory::Dialling>,
    pub charges: std::sync::Arc<crate::hotel::charges::Charges>,
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
