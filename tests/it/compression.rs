//! Answers are gzipped for a client that accepts it, plain otherwise; live events never are.

use std::collections::VecDeque;
use std::io::Read;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use switchboard::app::services::Services;
use switchboard::clock::SystemClock;
use switchboard::links::pbx::link::Streams;
use tower::ServiceExt;

use crate::site::mem_store;

fn get(path: &str, token: &str, gzip: bool) -> Request<Body> {
    let r = Request::get(path).header(header::AUTHORIZATION, format!("Bearer {token}"));
    let r = if gzip { r.header(header::ACCEPT_ENCODING, "gzip") } else { r };
    r.body(Body::empty()).unwrap()
}

#[tokio::test]
async fn json_is_gzipped_when_accepted_and_live_events_are_not() {
    let rooms: Vec<&str> = vec!["101", "102", "103", "104", "105", "106", "107", "108"];
    let cfg = crate::fixtures::config(&rooms, "");
    let none = Streams::<tokio::io::DuplexStream>(VecDeque::new(), "none".into());
    let svc = Services::start(&cfg, mem_store(), Arc::new(SystemClock), none).await.unwrap();
    let password = svc.app.staff.bootstrap().await.unwrap().expect("a new store");
    let (token, _) = svc.app.staff.login("manager", &password, None).await.unwrap();
    let app = switchboard::http::api::router(svc.app.clone());

    let plain = app.clone().oneshot(get("/api/rooms", &token, false)).await.unwrap();
    assert_eq!(plain.status(), StatusCode::OK);
    assert!(plain.headers().get(header::CONTENT_ENCODING).is_none());
    let plain = axum::body::to_bytes(plain.into_body(), usize::MAX).await.unwrap();

    let zipped = app.clone().oneshot(get("/api/rooms", &token, true)).await.unwrap();
    assert_eq!(zipped.headers().get(header::CONTENT_ENCODING).map(|v| v.to_str().unwrap()), Some("gzip"));
    let zipped = axum::body::to_bytes(zipped.into_body(), usize::MAX).await.unwrap();
    let mut unzipped = Vec::new();
    flate2::read::GzDecoder::new(&zipped[..]).read_to_end(&mut unzipped).unwrap();
    assert_eq!(unzipped, plain, "the same answer");
    assert!(zipped.len() * 3 < plain.len(), "{} bytes gzipped of {}", zipped.len(), plain.len());

    let events = app.oneshot(get("/api/events", &token, true)).await.unwrap();
    assert_eq!(events.status(), StatusCode::OK);
    assert!(events.headers().get(header::CONTENT_ENCODING).is_none(), "a stream is sent as it comes");
}
