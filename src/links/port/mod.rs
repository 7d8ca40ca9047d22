//! Where a FIAS peer is reached: a serial device, `tcp://HOST:PORT` (we connect) or
//! `tcp-listen://ADDR:PORT` (the peer connects to us), and the [`Connector`] that opens it.
//!
//! Layout: [`Endpoint`] (the parsed `port` key) and [`LineSettings`] (a serial line's), [`Connector`]
//! (what a link task calls after every loss), [`EndpointConnector`] (the one connector for all
//! three forms), [`serial`] (opening a device as an async stream), [`listen`] (one peer at a time;
//! a newer connection replaces the older, as FIAS servers do).
//!
//! The framing follows the transport: serial lines carry `STX data ETX LRC` with ACK/NAK, TCP
//! carries `STX data ETX` with neither ([`Endpoint::framing`]).

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::pin::Pin;

use fias::Framing;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

pub mod listen;
pub mod serial;

pub use listen::{AllowRule, Listener};
pub use serial::{LineSettings, Parity};

/// A parsed `port` value (other than the built-in simulator).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// A serial device such as `/dev/ttyUSB0`.
    Device(PathBuf),
    /// `tcp://HOST:PORT`: switchboard connects, and reconnects with back-off.
    Connect(String),
    /// `tcp-listen://ADDR:PORT`: switchboard listens for the peer.
    Listen(SocketAddr),
}

impl Endpoint {
    /// Parses `tcp://`, `tcp-listen://` or a device path; says what is wrong otherwise.
    pub fn parse(text: &str) -> Result<Endpoint, String> {
        if let Some(rest) = text.strip_prefix("tcp-listen://") {
            return rest.parse().map(Endpoint::Listen).map_err(|_| {
                format!("{text:?}: after tcp-listen:// give the address and port to listen on, such as 0.0.0.0:5010")
            });
        }
        if let Some(rest) = text.strip_prefix("tcp://") {
            let ok = rest
                .rsplit_once(':')
                .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok_and(|p| p > 0));
            if !ok {
                return Err(format!("{text:?}: after tcp:// give HOST:PORT, such as 192.0.2.10:5010"));
            }
            return Ok(Endpoint::Connect(rest.to_string()));
        }
        if text.contains("://") {
            return Err(format!("{text:?}: the forms are a device path, tcp://HOST:PORT and tcp-listen://ADDR:PORT"));
        }
        if text.is_empty() {
            return Err("give a device path such as \"/dev/ttyUSB0\", tcp://HOST:PORT or tcp-listen://ADDR:PORT".into());
        }
        Ok(Endpoint::Device(PathBuf::from(text)))
    }

    pub fn framing(&self) -> Framing {
        match self {
            Endpoint::Device(_) => Framing::Serial,
            Endpoint::Connect(_) | Endpoint::Listen(_) => Framing::Tcp,
        }
    }
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Endpoint::Device(p) => write!(f, "{}", p.display()),
            Endpoint::Connect(a) => write!(f, "tcp://{a}"),
            Endpoint::Listen(a) => write!(f, "tcp-listen://{a}"),
        }
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_forms_parse_and_wrong_ones_say_why() {
        assert_eq!(Endpoint::parse("/dev/ttyUSB0"), Ok(Endpoint::Device("/dev/ttyUSB0".into())));
        assert_eq!(Endpoint::parse("tcp://pbx.local:5010"), Ok(Endpoint::Connect("pbx.local:5010".into())));
        assert_eq!(Endpoint::parse("tcp-listen://0.0.0.0:5010"), Ok(Endpoint::Listen("0.0.0.0:5010".parse().unwrap())));
        assert!(Endpoint::parse("tcp://pbx.local").unwrap_err().contains("HOST:PORT"));
        assert!(Endpoint::parse("tcp-listen://pbx:5010").unwrap_err().contains("address and port"));
        assert!(Endpoint::parse("udp://x:1").unwrap_err().contains("the forms are"));
        assert_eq!(Endpoint::parse("tcp://a:1").unwrap().framing(), Framing::Tcp);
        assert_eq!(Endpoint::parse("/dev/ttyS0").unwrap().framing(), Framing::Serial);
    }
}
