//! Wiring: the running service (store, PBX link, simulator, HTTP API) and the standalone
//! simulator. The only place that opens ports, binds sockets and reads the real clock.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use pbx_sim::SimOptions;

use crate::domain::pbx_protocol::Protocol;

use crate::app::schedules;
use crate::app::services::Services;
use crate::clock::{SharedClock, SystemClock};
use crate::config::{Config, PortSpec};
use crate::http::api;
use crate::links::pbx::simulator;
use crate::links::port::{Endpoint, EndpointConnector};
use crate::store::Store;

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("SIGTERM handler");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}

/// Runs the service until Ctrl-C or SIGTERM.
pub async fn serve(cfg: Config, config_dir: PathBuf) -> anyhow::Result<()> {
    let jobs = schedules::load_dir(&config_dir.join("schedules"))?;
    let store = Arc::new(Store::open(&cfg.store_path)?);
    let clock: SharedClock = Arc::new(SystemClock);

    let mut _simulator = None;
    let endpoint = match &cfg.pbx.port {
        PortSpec::Simulator => {
            let protocol = match cfg.pbx.protocol {
                Protocol::Neax => pbx_sim::Protocol::Neax,
                Protocol::Mitel => pbx_sim::Protocol::Mitel,
                Protocol::Fias => pbx_sim::Protocol::Fias,
            };
            let mut opts = SimOptions { protocol, timezone: Some(cfg.timezone), ..SimOptions::default() };
            opts.timers.ack_timeout = cfg.pbx.ack_timeout;
            let sim = simulator::start(opts).context("starting the built-in PBX simulator")?;
            tracing::info!(port = %sim.port.display(), "built-in PBX simulator running");
            let port = sim.port.clone();
            _simulator = Some(sim);
            Endpoint::Device(port)
        }
        PortSpec::Peer(e) => e.clone(),
    };
    warn_if_open("pbx", &endpoint, &cfg.pbx.allow);
    let connector = EndpointConnector::new(endpoint.clone(), cfg.pbx.line, cfg.pbx.allow.clone())
        .await
        .with_context(|| format!("pbx.port: cannot listen on {endpoint}"))?;
    let mut services = Services::start(&cfg, store.clone(), clock.clone(), connector).await?;
    services.app.simulator = _simulator.as_ref().map(|s| s.handle.clone());
    if let Some(pms) = &cfg.pms {
        warn_if_open("pms", &pms.port, &pms.allow);
        let connector = EndpointConnector::new(pms.port.clone(), pms.line, pms.allow.clone())
            .await
            .with_context(|| format!("pms.port: cannot listen on {}", pms.port))?;
        tracing::info!(port = %pms.port, owns_stays = pms.owns_stays, "PMS link configured");
        services.start_pms(pms, connector).await;
    }
    if let Some(smdr) = &cfg.pbx.smdr {
        warn_if_open("pbx (SMDR)", &smdr.port, &cfg.pbx.allow);
        let connector = EndpointConnector::new(smdr.port.clone(), cfg.pbx.line, cfg.pbx.allow.clone())
            .await
            .with_context(|| format!("pbx.smdr_port: cannot listen on {}", smdr.port))?;
        let ctx = crate::links::smdr::SmdrCtx {
            store: store.clone(),
            clock: clock.clone(),
            charges: services.app.charges.clone(),
            timezone: cfg.timezone,
            parser: mitel::smdr::Parser::new(smdr.widths),
        };
        tracing::info!(port = %smdr.port, "SMDR call records configured");
        services.tasks.push(crate::links::smdr::spawn(ctx, connector));
    }
    if let Some(password) = services.app.staff.bootstrap().await? {
        tracing::warn!(
            "first start: created the manager account \"manager\" with password {password} \
             (shown only this once: sign in with `switchboard login --user manager`, then set your own \
             with `switchboard staff passwd manager`)"
        );
    }
    seed_directory(&services, &config_dir).await?;
    let link = services.app.link.clone();
    let _jobs = schedules::spawn(jobs, &services, config_dir.clone(), cfg.timezone, cfg.messages_keep_for);
    spawn_tariff_reload_on_hangup(services.app.charges.clone());
    let app = api::router(services.app.clone());
    let listener = tokio::net::TcpListener::bind(cfg.listen)
        .await
        .with_context(|| format!("cannot listen on {} (api.listen)", cfg.listen))?;
    tracing::info!(
        hotel = %cfg.hotel_name,
        rooms = cfg.rooms.len(),
        store = %cfg.store_path.display(),
        "switchboard listening on http://{}",
        cfg.listen
    );
    api::server::serve(listener, app, cfg.api, shutdown_signal()).await?;
    tracing::info!("shutting down: ending the PBX link");
    if let Some(pms) = &services.app.pms {
        pms.shutdown(Duration::from_secs(5)).await;
    }
    link.shutdown(Duration::from_secs(5)).await;
    for t in &services.tasks {
        t.abort();
    }
    store.close().await?;
    tracing::info!("store closed; bye");
    Ok(())
}

/// A `tcp-listen://` port without an `allow` list: any host that reaches it can take the link.
fn warn_if_open(section: &str, endpoint: &Endpoint, allow: &[crate::links::port::AllowRule]) {
    if matches!(endpoint, Endpoint::Listen(_)) && allow.is_empty() {
        tracing::warn!(
            "[{section}] port = \"{endpoint}\" has no allow list: any host that reaches it can take the link \
             (set [{section}] allow = [\"10.1.2.3\"] to the {} address)",
            if section == "pms" { "PMS's" } else { "PBX's" }
        );
    }
}

/// `kill -HUP` reads tariffs.toml again, as `switchboard tariff reload` does.
fn spawn_tariff_reload_on_hangup(charges: Arc<crate::hotel::charges::Charges>) {
    use tokio::signal::unix::{signal, SignalKind};
    let Ok(mut hangup) = signal(SignalKind::hangup()) else {
        tracing::warn!("cannot listen for SIGHUP: reload the tariff with `switchboard tariff reload`");
        return;
    };
    tokio::spawn(async move {
        while hangup.recv().await.is_some() {
            // On a thread of its own: whatever a reload does (even a panic), this task lives on
            // for the next SIGHUP, and the tariff in use stays.
            let charges = charges.clone();
            match tokio::task::spawn_blocking(move || charges.reload()).await {
                Ok(Ok(Some(t))) => tracing::info!(version = %t.version, "SIGHUP: tariff reloaded"),
                Ok(Ok(None)) => tracing::info!("SIGHUP: no tariffs.toml any more; calls recorded at the PBX's price"),
                Ok(Err(e)) => tracing::error!("SIGHUP: {e}; the tariff in use stays"),
                Err(e) => tracing::error!("SIGHUP: the reload failed ({e}); the tariff in use stays"),
            }
        }
    });
}

/// On a new installation (an empty directory), imports `directory.toml` beside hotel.toml.
async fn seed_directory(services: &Services, config_dir: &Path) -> anyhow::Result<()> {
    let file = config_dir.join("directory.toml");
    if !file.exists() || !services.app.directory.is_empty().await? {
        return Ok(());
    }
    let text = std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
    let entries = crate::hotel::directory::exchange::parse(&text, crate::hotel::directory::exchange::Format::Toml)
        .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let n = services
        .app
        .directory
        .import(&crate::domain::identity::Actor::system(), &entries)
        .await
        .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    tracing::info!("directory: {n} entries imported from {}", file.display());
    Ok(())
}
