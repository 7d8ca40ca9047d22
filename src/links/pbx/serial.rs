//! The simulator's side of the serial path: a pseudo-terminal pair whose slave the service opens
//! exactly as it would open `/dev/ttyUSB0`, and the connector that reopens a device path.
//!
//! The simulator gets a pseudo-terminal pair from [`open_pty`]: it keeps the master and a
//! raw-mode handle on the slave (so the master never sees a hang-up while the service
//! reconnects). Opening devices and the async byte stream live in [`crate::links::port::serial`].

use std::fs::File;
use std::path::{Path, PathBuf};

use serialport::TTYPort;

use crate::config::{LineSettings, PbxConfig};
pub use crate::links::port::serial::{open_port, FdStream, SerialError};
use crate::links::port::Connector;

/// A pseudo-terminal pair for the simulator.
pub struct Pty {
    /// The PBX's end.
    pub master: nix::pty::PtyMaster,
    /// The path the service opens, as it would open a real device.
    pub slave_path: PathBuf,
    /// Held open (raw mode) so the master never sees a hang-up between reconnects.
    pub slave_hold: File,
}

/// Creates a pseudo-terminal. Not thread-safe on every platform: tests serialise their use.
pub fn open_pty() -> Result<Pty, SerialError> {
    use nix::fcntl::OFlag;
    use nix::sys::termios;
    let err = |e: nix::Error| SerialError::Pty(e.to_string());
    let master = nix::pty::posix_openpt(OFlag::O_RDWR | OFlag::O_NOCTTY).map_err(err)?;
    nix::pty::grantpt(&master).map_err(err)?;
    nix::pty::unlockpt(&master).map_err(err)?;
    let slave_path = PathBuf::from(nix::pty::ptsname_r(&master).map_err(err)?);
    let slave_hold = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(libc::O_NOCTTY)
        .open(&slave_path)
        .map_err(|e| SerialError::Pty(format!("{}: {e}", slave_path.display())))?;
    let mut t = termios::tcgetattr(&slave_hold).map_err(err)?;
    termios::cfmakeraw(&mut t);
    termios::tcsetattr(&slave_hold, termios::SetArg::TCSANOW, &t).map_err(err)?;
    Ok(Pty { master, slave_path, slave_hold })
}

use std::os::unix::fs::OpenOptionsExt;

/// Opens a serial device path with the configured line settings, again on every reconnect.
pub struct DeviceConnector {
    pub path: PathBuf,
    pub line: LineSettings,
}

impl DeviceConnector {
    pub fn new(path: &Path, cfg: PbxConfig) -> Self {
        DeviceConnector { path: path.to_path_buf(), line: cfg.line }
    }
}

impl Connector for DeviceConnector {
    type Stream = FdStream<TTYPort>;

    async fn connect(&mut self) -> Result<Self::Stream, String> {
        open_port(&self.path, &self.line).map_err(|e| e.to_string())
    }

    fn describe(&self) -> String {
        self.path.display().to_string()
    }
}
