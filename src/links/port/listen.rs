//! Listening for a FIAS peer: one at a time, and a newer connection replaces the older one (as
//! FIAS servers do), so a peer that restarted without closing its socket is not locked out.
//! Only addresses on the `allow` list may connect (when there is one): anyone else is closed at
//! once, logged and counted, and never replaces the link.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

use crate::config::endpoint::{allowed, AllowRule};

/// Accepts peers on a bound socket, one at a time: when a new one connects, the previous
/// connection is shut down so its session ends and the link takes the new one.
pub struct Listener {
    incoming: mpsc::Receiver<TcpStream>,
    pub local: SocketAddr,
    /// Connections refused for coming from an address not on the `allow` list.
    pub refused: Arc<AtomicU64>,
}

impl Listener {
    /// Binds now (so a wrong address is an error at start-up) and accepts in the background.
    pub async fn bind(addr: SocketAddr, allow: Vec<AllowRule>) -> std::io::Result<Listener> {
        let listener = TcpListener::bind(addr).await?;
        let local = listener.local_addr()?;
        let (tx, incoming) = mpsc::channel(1);
        let current: Arc<Mutex<Option<(std::net::TcpStream, SocketAddr)>>> = Arc::default();
        let refused = Arc::new(AtomicU64::new(0));
        let counted = refused.clone();
        let summary = crate::logsafe::Summary::per_minute();
        tokio::spawn(async move {
            loop {
                let (stream, peer) = match listener.accept().await {
                    Ok(s) => s,
                    Err(e) => {
                        tracing::warn!(%local, "accepting a FIAS peer failed: {e}");
                        continue;
                    }
                };
                if !allowed(&allow, peer.ip()) {
                    // Closed at once: it never reaches the link, so it replaces nothing.
                    drop(stream);
                    let total = counted.fetch_add(1, Ordering::Relaxed) + 1;
                    if let Some(n) = summary.tick() {
                        tracing::warn!(%local, %peer, refused = total, "closed {n} connection(s) from an address not on the allow list");
                    }
                    continue;
                }
                tracing::info!(%local, %peer, "FIAS peer connected");
                let _ = stream.set_nodelay(true);
                let Ok(std_stream) = stream.into_std() else { continue };
                let Ok(keep) = std_stream.try_clone() else { continue };
                let Ok(stream) = TcpStream::from_std(std_stream) else { continue };
                // A newer peer replaces the older one.
                if let Some((old, was)) = current.lock().expect("listener lock").replace((keep, peer)) {
                    tracing::warn!(%local, old = %was, new = %peer, "a new FIAS peer replaces the previous connection");
                    let _ = old.shutdown(std::net::Shutdown::Both);
                }
                if tx.send(stream).await.is_err() {
                    return;
                }
            }
        });
        Ok(Listener { incoming, local, refused })
    }

    pub async fn accept(&mut self) -> Result<TcpStream, String> {
        self.incoming.recv().await.ok_or_else(|| "the listener stopped".to_string())
    }
}
