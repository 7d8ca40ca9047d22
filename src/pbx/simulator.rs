//! The built-in simulated PBX behind a pseudo-terminal, and the port connector for the link.

use std::path::{Path, PathBuf};

use pbx_sim::{SimHandle, SimOptions};
use serialport::TTYPort;

use super::link::Connector;
use super::serial::{open_port, open_pty, FdStream, SerialError};
use crate::config::PbxConfig;

/// A simulator running on the master side of a fresh pseudo-terminal.
pub struct PtySimulator {
    pub handle: SimHandle,
    pub port: PathBuf,
    _slave_hold: std::fs::File,
}

/// Starts the simulator; the service then opens `port` like any serial device.
pub fn start(opts: SimOptions) -> Result<PtySimulator, SerialError> {
    let pty = open_pty()?;
    let stream = FdStream::new(pty.master).map_err(|e| SerialError::Pty(e.to_string()))?;
    let (handle, _task) = pbx_sim::spawn(stream, opts);
    Ok(PtySimulator { handle, port: pty.slave_path, _slave_hold: pty.slave_hold })
}

/// Opens a serial device path with the configured line settings, again on every reconnect.
pub struct DeviceConnector {
    pub path: PathBuf,
    pub cfg: PbxConfig,
}

impl DeviceConnector {
    pub fn new(path: &Path, cfg: PbxConfig) -> Self {
        DeviceConnector { path: path.to_path_buf(), cfg }
    }
}

impl Connector for DeviceConnector {
    type Stream = FdStream<TTYPort>;

    fn connect(&mut self) -> Result<Self::Stream, String> {
        open_port(&self.path, &self.cfg).map_err(|e| e.to_string())
    }

    fn describe(&self) -> String {
        self.path.display().to_string()
    }
}
