//! FIAS over TCP toward the PBX: `tcp://` (switchboard connects to the PBX) and `tcp-listen://`
//! (an IP PBX's FIAS client connects to switchboard; a newer connection replaces the older).
//! Real sockets on loopback; frames carry no LRC and nothing is ACKed.

use std::sync::Arc;
use std::time::Duration;

use pbx_sim::SimOptions;
use switchboard::app::services::Services;
use switchboard::clock::SystemClock;
use switchboard::config::{Config, PortSpec};
use switchboard::domain::identity::Actor;
use switchboard::links::port::EndpointConnector;
use switchboard::store::Store;
use tokio::net::{TcpListener, TcpStream};

use crate::fixtures::{config_text, eventually};

const WAIT: Duration = Duration::from_secs(10);

fn tcp_opts() -> SimOptions {
    SimOptions { framing: fias::Framing::Tcp, ..SimOptions::default() }
}

async fn start(port: &str, dir: &tempfile::TempDir) -> (Services, Option<std::net::SocketAddr>) {
    let cfg = Config::parse(&config_text("\"101-105\"", port, "127.0.0.1:1", "")).unwrap();
    let PortSpec::Peer(endpoint) = cfg.pbx.port.clone() else { panic!("a peer port") };
    let connector = EndpointConnector::new(endpoint, cfg.pbx.line, cfg.pbx.allow.clone()).await.unwrap();
    let bound = connector.local_addr();
    let store = Arc::new(Store::open(&dir.path().join("hotel.db")).unwrap());
    (Services::start(&cfg, store, Arc::new(SystemClock), connector).await.unwrap(), bound)
}

async fn check_in(services: &Services, room: &str, name: &str) {
    let ci = switchboard::hotel::desk::CheckIn { name: name.into(), ..Default::default() };
    services.app.desk.check_in(&Actor::system(), room, ci).await.unwrap();
}

#[tokio::test]
async fn switchboard_connects_to_a_pbx_listening_on_tcp() {
    let pbx = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = pbx.local_addr().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (services, _) = start(&format!("tcp://{addr}"), &dir).await;
    let (stream, _) = tokio::time::timeout(WAIT, pbx.accept()).await.unwrap().unwrap();
    let (sim, _task) = pbx_sim::spawn(stream, tcp_opts());
    sim.wait_for(WAIT, |s| s.link_up).await.expect("the link comes up over TCP");
    check_in(&services, "101", "Müller").await;
    let s = sim
        .wait_for(WAIT, |s| s.rooms.get("101").is_some_and(|r| r.occupied))
        .await
        .expect("the check-in reaches the PBX");
    assert_eq!(s.rooms["101"].guest_name.as_deref(), Some("Müller"));
    let status = services.app.link.status();
    assert_eq!(status.bad_lrc + status.retransmits, 0, "no LRC and no retransmits over TCP: {status:?}");
    assert!(status.port.starts_with("tcp://"), "{}", status.port);
}

#[tokio::test]
async fn a_pbx_connects_to_switchboard_and_a_newer_connection_replaces_the_older() {
    let dir = tempfile::tempdir().unwrap();
    let (services, bound) = start("tcp-listen://127.0.0.1:0", &dir).await;
    let addr = bound.expect("bound at start-up");
    let first = TcpStream::connect(addr).await.unwrap();
    let (sim1, task1) = pbx_sim::spawn(first, tcp_opts());
    sim1.wait_for(WAIT, |s| s.link_up).await.expect("the first PBX connection comes up");
    check_in(&services, "102", "Wang Wei").await;
    sim1.wait_for(WAIT, |s| s.rooms.get("102").is_some_and(|r| r.occupied)).await.expect("first connection works");

    // The PBX reconnects (a restart, a new cable) without closing the old socket.
    let second = TcpStream::connect(addr).await.unwrap();
    let (sim2, _task2) = pbx_sim::spawn(second, tcp_opts());
    sim2.wait_for(WAIT, |s| s.link_up).await.expect("the newer connection takes over");
    let ended = tokio::time::timeout(WAIT, task1).await.expect("the older connection is closed");
    assert!(ended.is_ok());
    check_in(&services, "103", "Lin").await;
    sim2.wait_for(WAIT, |s| s.rooms.get("103").is_some_and(|r| r.occupied)).await.expect("the newer connection works");
    eventually(WAIT, "status names the listening port", || async {
        services.app.link.status().port == format!("tcp-listen://{addr}")
    })
    .await;
}
