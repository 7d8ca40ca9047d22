//! Where a peer (the PBX, the PMS) is reached, as the config names it: [`Endpoint`] (a serial
//! device, `tcp://HOST:PORT` or `tcp-listen://ADDR:PORT`), a serial line's [`LineSettings`], and
//! who may connect to a listening port ([`AllowRule`]). Opening them is the links' work
//! (`crate::links::port`).

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use fias::Framing;

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

/// Serial parity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parity {
    None,
    Even,
    Odd,
}

/// A serial line's settings (used only when the port is a device).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineSettings {
    pub baud: u32,
    pub data_bits: u8,
    pub parity: Parity,
    pub stop_bits: u8,
}

/// One entry of an `allow` list: an address (`10.1.2.3`) or a network (`10.1.2.0/24`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AllowRule(ipnet::IpNet);

impl std::str::FromStr for AllowRule {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let net = match s.parse::<IpAddr>() {
            Ok(ip) => ipnet::IpNet::from(ip),
            Err(_) => s.parse::<ipnet::IpNet>().map_err(|_| {
                let shown: String = s.chars().take(50).collect();
                format!("{shown:?} is not an address or network like \"10.1.2.3\" or \"10.1.2.0/24\"")
            })?,
        };
        Ok(AllowRule(net.trunc()))
    }
}

impl AllowRule {
    pub fn allows(&self, ip: IpAddr) -> bool {
        // An IPv4 peer on a dual-stack socket arrives as ::ffff:a.b.c.d.
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        self.0.contains(&ip)
    }
}

/// Whether `ip` may connect: on the list, or there is no list.
pub fn allowed(allow: &[AllowRule], ip: IpAddr) -> bool {
    allow.is_empty() || allow.iter().any(|r| r.allows(ip))
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

    #[test]
    fn allow_rules_take_addresses_and_networks() {
        let rules: Vec<AllowRule> =
            ["10.1.2.3", "192.168.7.0/24", "fd00::/8"].iter().map(|s| s.parse().unwrap()).collect();
        for ok in ["10.1.2.3", "192.168.7.200", "::ffff:10.1.2.3", "fd00::1"] {
            assert!(allowed(&rules, ok.parse().unwrap()), "{ok}");
        }
        for no in ["10.1.2.4", "192.168.8.1", "127.0.0.1"] {
            assert!(!allowed(&rules, no.parse().unwrap()), "{no}");
        }
        assert!(allowed(&[], "8.8.8.8".parse().unwrap()), "no list: anyone (warned at start)");
        assert!("10.1.2".parse::<AllowRule>().unwrap_err().contains("10.1.2.0/24"));
        assert!("10.1.2.0/33".parse::<AllowRule>().is_err());
    }
}
