//! The running parts of the service wired together, without sockets: store, desk, staff,
//! wake-ups, the PBX link task and the wake-up scheduler. `serve` adds the HTTP listener and
//! the simulator; tests start exactly this over a pseudo-terminal.

use std::sync::Arc;

use tokio::task::JoinHandle;

use crate::clock::SharedClock;
use crate::config::Config;
use crate::hotel::desk::{Desk, Signals};
use crate::hotel::logbook::Logbook;
use crate::hotel::messages::Messages;
use crate::hotel::staff::Staff;
use crate::hotel::wakeup::scheduler::Scheduler;
use crate::hotel::wakeup::Wakeups;
use crate::http::api::AppState;
use crate::links::pbx::link::{self, Connector, LinkCtx};
use crate::store::{rooms, Priority, Store, StoreError};

pub struct Services {
    /// The parts the API (and tests) work with.
    pub app: AppState,
    pub clock: SharedClock,
    pub signals: Signals,
    pub tasks: Vec<JoinHandle<()>>,
    pub timezone: chrono_tz::Tz,
}

impl Services {
    /// Syncs the rooms from the config and starts the link and scheduler tasks.
    pub async fn start<C: Connector>(
        cfg: &Config,
        store: Arc<Store>,
        clock: SharedClock,
        connector: C,
    ) -> Result<Services, StoreError> {
        let (rooms, pms) = (cfg.rooms.clone(), cfg.pms.is_some());
        store
            .write(Priority::Normal, move |tx| {
                rooms::sync_rooms(tx, &rooms)?;
                crate::store::pms_outbox::set_enabled(tx, pms)
            })
            .await?;
        let signals = Signals::default();
        let inbox = Arc::new(tokio::sync::Notify::new());
        let charges = Arc::new(
            crate::hotel::charges::Charges::new(cfg.tariff.clone(), cfg.charges.clone(), cfg.timezone)
                .reloading_from(cfg.tariff_file.clone()),
        );
        if cfg.tariff.is_none() {
            tracing::info!("no tariffs.toml beside hotel.toml: calls are recorded at the PBX's price, or 0");
        }
        let ctx = LinkCtx {
            store: store.clone(),
            clock: clock.clone(),
            timezone: cfg.timezone,
            cfg: cfg.pbx.clone(),
            inbox: inbox.clone(),
            charges: charges.clone(),
        };
        let (link, link_task) = link::spawn(ctx, connector);
        let mut wakeups = Wakeups::new(store.clone(), clock.clone(), cfg.timezone, signals.wakeups.clone());
        wakeups.protocol = cfg.pbx.protocol;
        let scheduler = Scheduler {
            pbx: crate::hotel::wakeup::scheduler::Pbx::Offline,
            store: store.clone(),
            clock: clock.clone(),
            tz: cfg.timezone,
            cfg: cfg.wakeup,
            link: link.status.clone(),
            changed: signals.wakeups.clone(),
            inbox,
            wakeups: wakeups.clone(),
        };
        let scheduler_task = tokio::spawn(scheduler.run());
        let staff = Staff::new(store.clone(), clock.clone(), cfg.auth);
        let desk = Desk::new(store.clone(), clock.clone(), cfg.timezone, cfg.default_class, signals.clone());
        let messages = Messages::new(store.clone(), clock.clone(), cfg.timezone);
        let logbook = Logbook::new(store.clone(), clock.clone(), cfg.timezone);
        let directory = crate::hotel::directory::Directory::new(store.clone(), clock.clone());
        let app = AppState {
            store,
            desk,
            staff,
            wakeups,
            messages,
            logbook,
            link,
            hotel_name: cfg.hotel_name.clone(),
            directory,
            dialling: cfg.dialling.clone(),
            charges,
            simulator: None,
            pms: None,
            api: cfg.api,
            streams: Arc::new(crate::http::api::streams::Streams::new(
                cfg.api.max_streams,
                cfg.api.max_streams_per_user,
            )),
        };
        Ok(Services { app, clock, signals, tasks: vec![link_task, scheduler_task], timezone: cfg.timezone })
    }

    /// Starts the PMS link (`[pms]`): the PMS drives check-ins, bookings and messages.
    pub async fn start_pms<C: Connector>(&mut self, cfg: &crate::config::PmsLinkConfig, connector: C) {
        let ctx = crate::links::pms::PmsCtx {
            store: self.app.store.clone(),
            clock: self.clock.clone(),
            timezone: self.timezone,
            cfg: cfg.clone(),
            desk: self.app.desk.clone(),
            desk_signals: self.signals.clone(),
            wakeups: self.app.wakeups.clone(),
            messages: self.app.messages.clone(),
        };
        // What the PBX reports is queued for the PMS from now on.
        if let Err(e) =
            self.app.store.write(Priority::Normal, move |tx| crate::store::pms_outbox::set_enabled(tx, true)).await
        {
            tracing::error!("cannot enable the PMS outbox: {e}");
        }
        let (handle, task) = crate::links::pms::spawn(ctx, connector);
        self.app.pms = Some(handle);
        self.tasks.push(task);
    }
}
