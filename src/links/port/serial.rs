//! Serial devices: opening one (a real device or a pseudo-terminal slave, by the same code) and
//! making any non-blocking file descriptor an `AsyncRead + AsyncWrite`.

use std::io;

use crate::config::endpoint::{LineSettings, Parity};
use std::os::fd::{AsRawFd, RawFd};
use std::path::{Path, PathBuf};

use std::pin::Pin;
use std::task::{ready, Context, Poll};

use serialport::{DataBits, FlowControl, SerialPortBuilder, StopBits, TTYPort};
use tokio::io::unix::AsyncFd;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

#[derive(Debug, thiserror::Error)]
pub enum SerialError {
    #[error("cannot open serial port {path}: {msg}")]
    Open { path: PathBuf, msg: String },
    #[error("cannot create a pseudo-terminal: {0}")]
    Pty(String),
    #[error("serial port {path}: {err}")]
    Io { path: PathBuf, err: io::Error },
}

fn set_nonblocking(fd: RawFd) -> io::Result<()> {
    // SAFETY: fcntl on a descriptor we own; no memory is passed.
    unsafe {
        let flags = libc::fcntl(fd, libc::F_GETFL);
        if flags < 0 || libc::fcntl(fd, libc::F_SETFL, flags | libc::O_NONBLOCK) < 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

/// Any owned, pollable file descriptor as an async byte stream.
pub struct FdStream<T: AsRawFd> {
    inner: AsyncFd<T>,
}

impl<T: AsRawFd> FdStream<T> {
    pub fn new(fd: T) -> io::Result<Self> {
        set_nonblocking(fd.as_raw_fd())?;
        // SAFETY: the types used here (TTYPort, PtyMaster) own their descriptor and keep it open,
        // unchanged, until they are dropped, which happens only with the AsyncFd.
        let inner = unsafe { AsyncFd::register(fd) }.map_err(io::Error::from)?;
        Ok(FdStream { inner })
    }
}

impl<T: AsRawFd> AsyncRead for FdStream<T> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        loop {
            let mut guard = ready!(self.inner.poll_read_ready(cx))?;
            let unfilled = buf.initialize_unfilled();
            let res = guard.try_io(|fd| {
                // SAFETY: reading into a buffer we own, of its length.
                let n = unsafe { libc::read(fd.as_raw_fd(), unfilled.as_mut_ptr().cast(), unfilled.len()) };
                if n < 0 {
                    Err(io::Error::last_os_error())
                } else {
                    Ok(n as usize)
                }
            });
            match res {
                Ok(Ok(n)) => {
                    buf.advance(n);
                    return Poll::Ready(Ok(()));
                }
                Ok(Err(e)) => return Poll::Ready(Err(e)),
                Err(_would_block) => continue,
            }
        }
    }
}

impl<T: AsRawFd> AsyncWrite for FdStream<T> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, data: &[u8]) -> Poll<io::Result<usize>> {
        loop {
            let mut guard = ready!(self.inner.poll_write_ready(cx))?;
            let res = guard.try_io(|fd| {
                // SAFETY: writing from a slice we borrow, of its length.
                let n = unsafe { libc::write(fd.as_raw_fd(), data.as_ptr().cast(), data.len()) };
                if n < 0 {
                    Err(io::Error::last_os_error())
                } else {
                    Ok(n as usize)
                }
            });
            match res {
                Ok(r) => return Poll::Ready(r),
                Err(_would_block) => continue,
            }
        }
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

/// Opens a serial device with the configured line settings (no flow control, raw mode).
pub fn open_port(path: &Path, cfg: &LineSettings) -> Result<FdStream<TTYPort>, SerialError> {
    let builder: SerialPortBuilder = serialport::new(path.to_string_lossy(), cfg.baud)
        .data_bits(if cfg.data_bits == 7 { DataBits::Seven } else { DataBits::Eight })
        .parity(match cfg.parity {
            Parity::None => serialport::Parity::None,
            Parity::Even => serialport::Parity::Even,
            Parity::Odd => serialport::Parity::Odd,
        })
        .stop_bits(if cfg.stop_bits == 2 { StopBits::Two } else { StopBits::One })
        .flow_control(FlowControl::None);
    let port =
        TTYPort::open(&builder).map_err(|e| SerialError::Open { path: path.to_path_buf(), msg: e.to_string() })?;
    FdStream::new(port).map_err(|err| SerialError::Io { path: path.to_path_buf(), err })
}
