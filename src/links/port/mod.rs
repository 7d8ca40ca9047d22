//! Where a FIAS peer is reached: a serial device, `tcp://HOST:PORT` (we connect) or
//! `tcp-listen://ADDR:PORT` (the peer connects to us), and the [`Connector`] that opens it.
//!
//! Layout: [`Endpoint`] and [`LineSettings`] are the config's ([`crate::config::endpoint`]); [`Connector`]
//! (what a link task calls after every loss), [`EndpointConnector`] (the one connector for all
//! three forms), [`serial`] (opening a device as an async stream), [`listen`] (one peer at a time;
//! a newer connection replaces the older, as FIAS servers do).
//!
//! The framing follows the transport: serial lines carry `STX data ETX LRC` with ACK/NAK, TCP
//! carries `STX data ETX` with neither ([`Endpoint::framing`]).

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;

use fias::Framing;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

pub mod listen;
pub mod serial;

pub use crate::config::endpoint::{AllowRule, Endpoint, LineSettings, Parity};
pub use listen::Listener;

/// Opens the stream to the peer; called again after every loss. May wait (for a peer to
/// connect, say); the link task keeps answering commands meanwhile.
pub trait Connector: Send + 'static {
    type Stream: AsyncRead + AsyncWrite + Send + 'static;
    fn connect(&mut self) -> impl Future<Output = Result<Self::Stream, String>> + Send;
    fn describe(&self) -> String;
    /// How frames travel on what this connector opens.
    fn framing(&self) -> Framing {
        Framing::Serial
    }
    /// Who is on the other end of the last stream opened (a TCP peer's address), if known.
    fn peer(&self) -> Option<String> {
        None
    }
}

/// Any byte stream a connector may hand out.
pub trait ByteStream: AsyncRead + AsyncWrite + Send {}
impl<T: AsyncRead + AsyncWrite + Send> ByteStream for T {}

pub type BoxStream = Pin<Box<dyn ByteStream>>;

/// The connector for every [`Endpoint`].
pub struct EndpointConnector {
    endpoint: Endpoint,
    line: LineSettings,
    listener: Option<Listener>,
    peer: Option<String>,
}

impl EndpointConnector {
    /// For `tcp-listen://`, binds at once; only `allow`ed addresses may connect (all, if empty).
    pub async fn new(endpoint: Endpoint, line: LineSettings, allow: Vec<AllowRule>) -> std::io::Result<Self> {
        let listener = match &endpoint {
            Endpoint::Listen(addr) => Some(Listener::bind(*addr, allow).await?),
            _ => None,
        };
        Ok(EndpointConnector { endpoint, line, listener, peer: None })
    }

    /// The address actually bound (for `tcp-listen://…:0`).
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.listener.as_ref().map(|l| l.local)
    }
}

impl Connector for EndpointConnector {
    type Stream = BoxStream;

    async fn connect(&mut self) -> Result<BoxStream, String> {
        match &self.endpoint {
            Endpoint::Device(path) => {
                let port = serial::open_port(path, &self.line).map_err(|e| e.to_string())?;
                self.peer = Some(path.display().to_string());
                Ok(Box::pin(port))
            }
            Endpoint::Connect(addr) => {
                let s = TcpStream::connect(addr).await.map_err(|e| format!("cannot connect to {addr}: {e}"))?;
                let _ = s.set_nodelay(true);
                self.peer = s.peer_addr().ok().map(|a| a.to_string());
                Ok(Box::pin(s))
            }
            Endpoint::Listen(_) => {
                let listener = self.listener.as_mut().expect("bound in new()");
                let s = listener.accept().await?;
                self.peer = s.peer_addr().ok().map(|a| a.to_string());
                Ok(Box::pin(s))
            }
        }
    }

    fn describe(&self) -> String {
        match (&self.endpoint, self.local_addr()) {
            (Endpoint::Listen(_), Some(local)) => format!("tcp-listen://{local}"),
            (e, _) => e.to_string(),
        }
    }

    fn framing(&self) -> Framing {
        self.endpoint.framing()
    }

    fn peer(&self) -> Option<String> {
        self.peer.clone()
    }
}
