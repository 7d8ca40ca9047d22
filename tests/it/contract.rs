//! One contract: every route of `contract::route::ALL`, called through the CLI's typed client
//! against the real router over loopback HTTP, answers with the types the contract names.
// The test holds the pty lock for its whole life on purpose (see link.rs).
#![allow(clippy::await_holding_lock)]

use std::collections::HashSet;
use switchboard::store::Priority;

use switchboard::cli::Client;
use switchboard::http::contract::*;

use crate::fixtures::{pty_lock, Hotel};

/// The typed client, recording which routes were called.
struct Calls {
    client: Client,
    seen: HashSet<(bool, &'static str)>,
}

impl Calls {
    fn new(base: &str, token: Option<String>) -> Calls {
        Calls { client: Client::with_token(base.to_string(), token), seen: HashSet::new() }
    }

    fn call<E: Endpoint>(&mut self, args: &[&str], req: &E::Request) -> E::Reply {
        self.seen.insert((E::METHOD == Method::Get, E::PATH));
        self.client.call::<E>(args, req).unwrap_or_else(|e| panic!("{:?} {}: {e}", E::METHOD, E::PATH))
    }
}

fn exercise(base: &str, manager_password: &str, raise_alert: impl Fn()) -> HashSet<(bool, &'static str)> {
    let mut anon = Calls::new(base, Some("none".into()));
    assert_eq!(anon.call::<route::Health>(&[], &()).status, "ok");
    let login = Login { login: "manager".into(), password: manager_password.into() };
    let signed = anon.call::<route::Login>(&[], &login);
    assert_eq!(signed.role, Role::Manager);
    let console = anon.call::<route::OpenSession>(&[], &login);
    assert_eq!(console.login, "manager");
    let mut m = Calls::new(base, Some(signed.token.clone()));
    m.seen = std::mem::take(&mut anon.seen);
    assert_eq!(m.call::<route::Me>(&[], &()).login, "manager");
    // The event stream never ends: read its first event and hang up.
    let mut events = ureq::get(format!("{base}{}", route::Events::PATH))
        .header("Authorization", format!("Bearer {}", signed.token))
        .call()
        .unwrap();
    let mut first = [0u8; 12];
    std::io::Read::read_exact(&mut events.body_mut().as_reader(), &mut first).unwrap();
    assert_eq!(&first, b"event: hello");
    m.seen.insert((true, route::Events::PATH));

    let olga = NewStaff {
        login: "olga".into(),
        display_name: Some("Olga 王".into()),
        role: Role::Operator,
        password: "olga first pw".into(),
    };
    assert_eq!(m.call::<route::AddStaff>(&[], &olga).role, Role::Operator);
    assert!(m.call::<route::Staff>(&[], &()).iter().any(|s| s.login == "olga"));
    m.call::<route::SetPassword>(&["olga"], &NewPassword { password: "olga second pw".into() });

    assert_eq!(m.call::<route::Rooms>(&[], &()).len(), 3);
    assert!(!m.call::<route::Room>(&["101"], &()).occupied);
    let guest = CheckIn { name: "王小明".into(), language: Some("ZH".into()), ..Default::default() };
    let stay = m.call::<route::CheckIn>(&["101"], &guest);
    assert_eq!(m.call::<route::Stays>(&[], &StaysQuery::default()).len(), 1);
    assert_eq!(m.call::<route::Stay>(&[&stay.id.to_string()], &()).guest_name, "王小明");
    assert_eq!(m.call::<route::Guests>(&[], &GuestQuery { name: Some("王小".into()) }).len(), 1);
    assert!(m.call::<route::Dnd>(&["101"], &Switch { on: true }).dnd);
    assert_eq!(m.call::<route::Class>(&["101"], &SetClass { class: 2 }).class_of_service, 2);
    assert!(m.call::<route::Lamp>(&["101"], &Switch { on: true }).message_lamp);
    assert_eq!(m.call::<route::Move>(&["101"], &MoveTo { to: "102".into(), not_ready_ok: false }).room, "102");
    let dirty = m.call::<route::Housekeeping>(&[], &HousekeepingQuery { status: Some(Housekeeping::Dirty) });
    assert_eq!(dirty.iter().map(|h| h.room.as_str()).collect::<Vec<_>>(), ["101"], "a room left is dirty");
    let clean = SetHousekeeping { status: Housekeeping::Inspected };
    assert_eq!(m.call::<route::SetHousekeeping>(&["101"], &clean).housekeeping.as_str(), "inspected");
    let report = m.call::<route::HousekeepingReport>(&[], &DateQuery::default());
    assert_eq!(report.per_attendant, [("manager".to_string(), 1)]);

    let booking = Booking { room: "102".into(), time: Some("07:00".into()), daily: true, ..Default::default() };
    let w = m.call::<route::BookWakeup>(&[], &booking);
    let id = w.id.to_string();
    assert_eq!(m.call::<route::Wakeups>(&[], &WakeupsQuery::default()).len(), 1);
    assert_eq!(m.call::<route::Wakeup>(&[&id], &()).room, "102");
    m.call::<route::WakeupReport>(&[], &DateQuery::default());
    assert_eq!(m.call::<route::CancelWakeup>(&[&id], &()).status, "cancelled");

    let note = NewMessage { room: "102".into(), text: "Call home".into(), from: None, callback: None, pms_id: None };
    let msg = m.call::<route::LeaveMessage>(&[], &note);
    let id = msg.id.to_string();
    assert_eq!(m.call::<route::Messages>(&[], &MessagesQuery::default()).len(), 1);
    assert_eq!(m.call::<route::Message>(&[&id], &()).text.as_deref(), Some("Call home"));
    assert!(m.call::<route::DeliverMessage>(&[&id], &()).delivered);
    let again = m.call::<route::LeaveMessage>(&[], &note);
    assert_eq!(m.call::<route::ClearMessage>(&[&again.id.to_string()], &()).status.as_str(), "cleared");

    m.call::<route::PbxStatus>(&[], &());
    assert!(m.call::<route::Calls>(&[], &CallsQuery::default()).is_empty());
    assert_eq!(m.call::<route::Folio>(&["102"], &()).total_minor, 0);
    let zh = PrintQuery { lang: Some("zh-Hant".into()), room: None };
    assert!(m.call::<route::FolioPrint>(&["102"], &PrintQuery::default()).contains("Room 102"));
    assert!(m.call::<route::FolioPrint>(&["102"], &zh).contains("話費帳單"));
    let zh = PrintQuery { lang: Some("zh-Hant".into()), room: Some("102".into()) };
    assert!(m.call::<route::PrintSheet>(&["bill"], &zh).contains("話費帳單"));
    let placed =
        SimCall { room: "102".into(), digits: "0445556677".into(), duration_s: 61, amount_minor: None, pulses: None };
    assert_eq!(m.call::<route::SimulateCall>(&[], &placed).posting, "1");
    let quote = QuoteQuery { number: Some("004989920920".into()), minutes: Some(2), at: None };
    assert_eq!(m.call::<route::TariffQuote>(&[], &quote).band, "international");
    assert!(m.call::<route::Tariff>(&[], &()).bands.len() >= 4);
    let reloaded = m.call::<route::TariffReload>(&[], &());
    assert_eq!((reloaded.currency.as_deref(), reloaded.bands >= 4), (Some("CHF"), true));
    assert_eq!(m.call::<route::PbxResync>(&[], &()).resync, "requested");
    let pms = m.call::<route::PmsStatus>(&[], &());
    assert!(pms.link == "down" && !pms.owns_stays && pms.port.starts_with("tcp-listen://127.0.0.1:"), "{pms:?}");
    assert_eq!(m.call::<route::PmsResync>(&[], &()).resync, "requested");
    raise_alert();
    let alerts = m.call::<route::Alerts>(&[], &AlertsQuery::default());
    let alert = m.call::<route::AckAlert>(&[&alerts[0].id.to_string()], &());
    assert_eq!(alert.acked_by.as_deref(), Some("manager"));

    m.call::<route::OpenShift>(&[], &());
    assert!(m.call::<route::CurrentShift>(&[], &()).is_some());
    let entry = NewEntry {
        text: "Lost key card, room 102".into(),
        followup_owner: Some("operator".into()),
        ..Default::default()
    };
    let e = m.call::<route::AddLog>(&[], &entry);
    assert_eq!(m.call::<route::Log>(&[], &LogQuery::default()).len(), 1);
    let search = Search { q: Some("key".into()), ..Default::default() };
    assert_eq!(m.call::<route::SearchLog>(&[], &search).len(), 1);
    m.call::<route::Amend>(&[&e.id.to_string()], &Amend { text: "Lost key card (two)".into() });
    let f = &m.call::<route::Followups>(&[], &FollowupsQuery::default())[0];
    let done = FollowupChange { state: FollowupState::Done, text: None };
    assert_eq!(m.call::<route::UpdateFollowup>(&[&f.id.to_string()], &done).state, "done");
    assert_eq!(m.call::<route::CloseShift>(&[], &CloseShift::default()).shift.operator, "manager");
    assert!(m.call::<route::Handover>(&[], &()).is_some());
    assert!(m.call::<route::HandoverPrint>(&[], &PrintQuery::default()).starts_with("<!doctype html>"));

    let mut o = Calls::new(base, None);
    let signed = o.call::<route::Login>(&[], &Login { login: "olga".into(), password: "olga second pw".into() });
    o.client.token = Some(signed.token);
    assert!(o.call::<route::AckHandover>(&[], &()).handover_acked_by.is_some());
    o.call::<route::Logout>(&[], &());
    assert!(!m.call::<route::DisableStaff>(&["olga"], &()).active);

    // The directory: add, find, edit, export, import, remove; codes.
    let gm = NewDirEntry {
        kind: Some("staff".into()),
        name: Some("李總經理".into()),
        title: Some("總經理".into()),
        number: Some("+886 912 000 111".into()),
        private: Some(true),
        ..Default::default()
    };
    let e = m.call::<route::AddDirEntry>(&[], &gm);
    let found = m.call::<route::Directory>(&[], &DirQuery { q: Some("經理".into()) });
    assert_eq!(found[0].number.as_deref(), Some("+886 912 000 111"), "a manager sees it");
    let id = e.id.to_string();
    assert_eq!(m.call::<route::DirEntry>(&[&id], &()).name, "李總經理");
    let moved = NewDirEntry { extension: Some("2900".into()), ..Default::default() };
    assert_eq!(m.call::<route::EditDirEntry>(&[&id], &moved).extension.as_deref(), Some("2900"));
    let csv = m.call::<route::ExportDirectory>(&[], &ExportQuery { format: Some(Format::Csv) });
    assert!(csv.starts_with("kind,name"), "{csv}");
    m.call::<route::RemoveDirEntry>(&[&id], &());
    let back = m.call::<route::ImportDirectory>(&[], &DirImport { format: Format::Csv, text: csv });
    assert_eq!(back.imported, 1);
    let code = m.call::<route::DiallingCode>(&[], &CodeQuery { q: Some("上海".into()) });
    assert_eq!(code.international, "+86 21");

    let trail = m.call::<route::Audit>(&[], &AuditQuery { room: Some("102".into()), ..Default::default() });
    assert!(trail.iter().any(|r| r.action == "move"), "{trail:?}");
    assert_eq!(m.call::<route::CheckOut>(&["102"], &CheckOut::default()).room, "102");
    m.call::<route::ChangeOwnPassword>(
        &[],
        &OwnPassword { current: manager_password.into(), password: "a new manager pw".into() },
    );
    m.seen.extend(o.seen);
    m.seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_round_trips_its_types_through_the_real_router() {
    let _g = pty_lock();
    let mut cfg = crate::fixtures::config(&["101", "102", "103"], "");
    cfg.tariff = Some(switchboard::hotel::charges::Tariff::parse(include_str!("../../tariffs.example.toml")).unwrap());
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("tariffs.toml"), include_str!("../../tariffs.example.toml")).unwrap();
    cfg.tariff_file = Some(dir.path().join("tariffs.toml"));
    let mut h = Hotel::start_config(cfg, pbx_sim::SimOptions::default()).await;
    h.link_up().await;
    // A PMS link nobody connects to: its routes answer with its state; the desk keeps stays.
    let pms_text = crate::fixtures::config_text("\"101\"", "simulator", "127.0.0.1:1", "")
        + "[pms]\nport = \"tcp-listen://127.0.0.1:0\"\nowns_stays = false\n";
    let pms = switchboard::config::Config::parse(&pms_text).unwrap().pms.unwrap();
    let connector =
        switchboard::links::port::EndpointConnector::new(pms.port.clone(), pms.line, pms.allow.clone()).await.unwrap();
    h.services.start_pms(&pms, connector).await;
    let password = h.services.app.staff.bootstrap().await.unwrap().expect("a new store");
    let mut state = h.services.app.clone();
    state.simulator = Some(h.sim.clone());
    let app = switchboard::http::api::router(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let store = h.store.clone();
    // The round trip runs a blocking HTTP client on its own thread; this reaches back into the runtime.
    let rt = tokio::runtime::Handle::current();
    let raise_alert = move || {
        rt.block_on(store.write(Priority::Normal, move |tx| {
            let (kind, facts) = (switchboard::hotel::alerts::Kind::StoreRecovered, serde_json::json!({"minutes": 1}));
            switchboard::hotel::alerts::raise(
                tx,
                "2026-01-01T00:00:00Z".parse().unwrap(),
                kind,
                None,
                None,
                facts,
                "a test alert",
            )
        }))
        .unwrap();
    };
    let seen = tokio::task::spawn_blocking(move || exercise(&base, &password, raise_alert)).await.unwrap();
    server.abort();
    let all: HashSet<(bool, &str)> = route::ALL.iter().map(|(m, p)| (*m == Method::Get, *p)).collect();
    let missed: Vec<_> = all.difference(&seen).collect();
    assert!(missed.is_empty(), "routes the round trip did not call: {missed:?}");
}
