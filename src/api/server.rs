//! The HTTP server around the router, built to survive hostile clients on a hotel LAN:
//! - at most `[api] max_connections` connections are served at once (the rest wait in the
//!   kernel's queue), so no number of clients can exhaust the process's file descriptors;
//! - a client must send a request's headers within `[api] header_timeout`, or it is cut off
//!   (half-sent requests do not hold a connection for ever);
//! - reading the body and answering take at most `[api] request_timeout` (408 after that), and
//!   a body is at most `[api] max_body` bytes (413);
//! - every request knows its client's address (the per-address sign-in brake uses it);
//! - on shutdown, open requests get a few seconds to finish.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{ConnectInfo, DefaultBodyLimit, Request};
use axum::middleware::Next;
use axum::response::IntoResponse;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;

use super::error::ApiError;
use crate::config::ApiConfig;

/// How long shutdown waits for open requests.
const DRAIN: Duration = Duration::from_secs(5);

/// The router with the body limit and the request timeout.
pub fn limited(app: Router, cfg: &ApiConfig) -> Router {
    let limit = cfg.request_timeout;
    app.layer(axum::middleware::from_fn(move |req: Request, next: Next| async move {
        match tokio::time::timeout(limit, next.run(req)).await {
            Ok(resp) => resp,
            Err(_) => ApiError::Timeout(format!("the request took longer than {}", crate::clock::human(limit)))
                .into_response(),
        }
    }))
    .layer(DefaultBodyLimit::max(cfg.max_body))
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
        let app = app.clone();
        let service = hyper::service::service_fn(move |mut req: Request<Incoming>| {
            req.extensions_mut().insert(ConnectInfo::<SocketAddr>(addr));
            app.clone().oneshot(req)
        });
        let conn = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(%addr, "connection ended: {e}");
            }
            drop(slot);
        });
    }
    if tokio::time::timeout(DRAIN, graceful.shutdown()).await.is_err() {
        tracing::warn!("some requests were still open after {DRAIN:?}; closing them");
    }
    Ok(())
}
