//! The HTTP server around the router, built to survive hostile clients on a hotel LAN:
//! - at most `[api] max_connections` connections are served at once (the rest wait in the
//!   kernel's queue), so no number of clients can exhaust the process's file descriptors;
//! - one client address holds at most `[api] max_connections_per_address` of them: the next one
//!   from that address is closed at once, so one host cannot take every place;
//! - a client must send a request's headers within `[api] header_timeout`, or it is cut off
//!   (half-sent requests do not hold a connection for ever);
//! - reading the body and answering take at most `[api] request_timeout` (408 after that), and
//!   a body is at most `[api] max_body` bytes (413; at once when `Content-Length` says more);
//! - errors hyper answers itself (414, 431, 400) carry the API's JSON body too ([`super::early`]);
//! - every answer says `nosniff`; every HTML answer forbids framing and foreign content;
//! - every request knows its client's address (the per-address sign-in brake uses it);
//! - on shutdown, open requests get a few seconds to finish.

use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{ConnectInfo, DefaultBodyLimit, Request};
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::IntoResponse;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;

use super::error::ApiError;
use super::places::{Place, Places};
use crate::config::ApiConfig;

/// How long shutdown waits for open requests.
const DRAIN: Duration = Duration::from_secs(5);

/// The router with the body limit, the request timeout and the headers every answer carries.
pub fn limited(app: Router, cfg: &ApiConfig) -> Router {
    let limit = cfg.request_timeout;
    let max_body = cfg.max_body;
    app.layer(axum::middleware::from_fn(move |req: Request, next: Next| async move {
        // A body announced too large is refused before a byte of it is waited for.
        let announced = req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
        if announced.is_some_and(|n| n > max_body as u64) {
            let mut resp = ApiError::PayloadTooLarge(format!(
                "the request body is too large ({} bytes; at most {max_body}, api.max_body)",
                announced.unwrap_or_default()
            ))
            .into_response();
            resp.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
            return with_safety_headers(resp);
        }
        let resp = match tokio::time::timeout(limit, next.run(req)).await {
            Ok(resp) => resp,
            Err(_) => ApiError::Timeout(format!("the request took longer than {}", crate::clock::human(limit)))
                .into_response(),
        };
        with_safety_headers(resp)
    }))
    .layer(DefaultBodyLimit::max(cfg.max_body))
}

/// Every answer: no type sniffing. Every HTML answer (the console, the printouts): no framing by
/// another site, nothing loaded from elsewhere, no script but the console's own.
fn with_safety_headers(mut resp: axum::response::Response) -> axum::response::Response {
    let h = resp.headers_mut();
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    let html = h.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|t| t.starts_with("text/html"));
    if html {
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
        if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
            // A printout: its own inline style, nothing else at all.
            h.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"),
            );
        }
    }
    resp
}

/// Serves `app` on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    cfg: ApiConfig,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let app = limited(app, &cfg);
    let slots = Arc::new(Semaphore::new(cfg.max_connections as usize));
    let per_address = Arc::new(PerAddress::new(cfg.max_connections_per_address));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(cfg.header_timeout);
    tokio::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot.expect("the semaphore is never closed"),
            () = &mut shutdown => break,
        };
        let (stream, addr) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of descriptors or a connection reset before accept: wait a moment.
                    tracing::warn!("accepting a connection failed: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Some(held) = per_address.take(addr.ip()) else {
            // The slot stays for the next client; this one is closed at once.
            drop(stream);
            continue;
        };
        let app = app.clone();
        let service = hyper::service::service_fn(move |mut req: Request<Incoming>| {
            req.extensions_mut().insert(ConnectInfo::<SocketAddr>(addr));
            app.clone().oneshot(req)
        });
        let conn = graceful.watch(http.serve_connection(TokioIo::new(super::early::JsonErrors::new(stream)), service));
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(%addr, "connection ended: {e}");
            }
            drop(slot);
            drop(held);
        });
    }
    if tokio::time::timeout(DRAIN, graceful.shutdown()).await.is_err() {
        tracing::warn!("some requests were still open after {DRAIN:?}; closing them");
    }
    Ok(())
}

/// Connections held per client address.
struct PerAddress {
    max: u32,
    places: Arc<Places<IpAddr>>,
    refused: crate::logsafe::Summary,
}

impl PerAddress {
    fn new(max: u32) -> PerAddress {
        PerAddress { max, places: Places::new(), refused: crate::logsafe::Summary::per_minute() }
    }

    /// A place for one more connection from `ip`, or none (logged once a minute).
    fn take(&self, ip: IpAddr) -> Option<Place<IpAddr>> {
        let place = self.places.take(ip, |mine, _| if mine < self.max { Ok(()) } else { Err(()) }).ok();
        if place.is_none() {
            if let Some(count) = self.refused.tick() {
                tracing::warn!(
                    %ip,
                    "closed {count} connection(s) from an address that already holds {} (api.max_connections_per_address)",
                    self.max
                );
            }
        }
        place
    }
}
