//! The built-in simulated PBX behind a pseudo-terminal.

use std::path::PathBuf;

use pbx_sim::{SimHandle, SimOptions};

use super::serial::{open_pty, FdStream, SerialError};

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
