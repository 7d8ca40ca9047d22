//! A serial line paced by OS threads with precise sleeps, for benchmarks against the wire bound.
//!
//! [`crate::paced::Paced`] paces inside the async runtime, whose timers tick in whole
//! milliseconds: an ACK's 1.04 ms then takes about 2 ms, and a frame is handed over up to a
//! millisecond late, which no real line does. Here each direction is an OS thread that sleeps to
//! within microseconds of when a chunk's last byte would have arrived, then hands it on. The
//! simulator runs on the returned socket; the link opens the pty as it would a device.

use std::io::{Read, Write};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Bytes that crossed the precise line: PMS->PBX and PBX->PMS.
#[derive(Default)]
pub struct LineBytes {
    to_pbx: std::sync::atomic::AtomicU64,
    to_pms: std::sync::atomic::AtomicU64,
}

impl LineBytes {
    pub fn read(&self) -> u64 {
        self.to_pbx.load(std::sync::atomic::Ordering::Relaxed)
    }
    pub fn written(&self) -> u64 {
        self.to_pms.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// Sleeps until `t` within a few microseconds: the OS sleep for most of it, a spin for the rest.
fn sleep_until(t: Instant) {
    loop {
        let now = Instant::now();
        if now >= t {
            return;
        }
        let left = t - now;
        if left > Duration::from_micros(300) {
            std::thread::sleep(left - Duration::from_micros(200));
        } else {
            std::hint::spin_loop();
        }
    }
}

/// A serial line at `baud` (8N1) between a pty master (as a blocking file) and the simulator: each direction an OS
/// thread that hands a chunk on once its last byte would have arrived. Returns the simulator's
/// end and the byte counters.
pub fn precise_line(pty: std::fs::File, baud: u32) -> (tokio::net::UnixStream, Arc<LineBytes>) {
    let byte = Duration::from_nanos(10_000_000_000 / baud as u64);
    let (ours, theirs) = std::os::unix::net::UnixStream::pair().unwrap();
    let counters = Arc::new(LineBytes::default());
    let relay = |mut from: Box<dyn Read + Send>, mut to: Box<dyn Write + Send>, count: Arc<LineBytes>, to_pbx: bool| {
        std::thread::spawn(move || {
            let mut free = Instant::now();
            let mut buf = [0u8; 256];
            loop {
                let n = match from.read(&mut buf) {
                    Ok(0) | Err(_) => return,
                    Ok(n) => n,
                };
                free = free.max(Instant::now()) + byte * n as u32;
                sleep_until(free);
                if to.write_all(&buf[..n]).is_err() {
                    return;
                }
                let c = if to_pbx { &count.to_pbx } else { &count.to_pms };
                c.fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
            }
        });
    };
    relay(Box::new(pty.try_clone().unwrap()), Box::new(ours.try_clone().unwrap()), counters.clone(), true);
    relay(Box::new(ours), Box::new(pty), counters.clone(), false);
    theirs.set_nonblocking(true).unwrap();
    (tokio::net::UnixStream::from_std(theirs).unwrap(), counters)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::{FromRawFd, IntoRawFd};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test]
    async fn bytes_take_their_wire_time_each_way_and_are_counted() {
        let (mut far, near) = std::os::unix::net::UnixStream::pair().unwrap();
        // SAFETY: the descriptor is ours; it moves into the File.
        let file = unsafe { std::fs::File::from_raw_fd(near.into_raw_fd()) };
        let (mut sim, bytes) = precise_line(file, 9600);
        let t = Instant::now();
        far.write_all(&[7u8; 96]).unwrap();
        let mut got = [0u8; 96];
        sim.read_exact(&mut got).await.unwrap();
        assert!(t.elapsed() >= Duration::from_millis(100), "96 bytes at 960 bytes/s: {:?}", t.elapsed());
        sim.write_all(&[1u8; 48]).await.unwrap();
        let mut back = [0u8; 48];
        let t = Instant::now();
        std::io::Read::read_exact(&mut far, &mut back).unwrap();
        assert!(t.elapsed() >= Duration::from_millis(45), "{:?}", t.elapsed());
        assert_eq!((bytes.read(), bytes.written(), got, back), (96, 48, [7u8; 96], [1u8; 48]));
    }
}

/// The line is full duplex: the burst bench's "directions taking turns" over it (BENCHMARKS.md)
/// must come from elsewhere.
#[cfg(test)]
mod duplex {
    use super::*;
    use std::os::fd::{FromRawFd, IntoRawFd};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn both_directions_at_once_take_the_time_of_one() {
        let (far, near) = std::os::unix::net::UnixStream::pair().unwrap();
        // SAFETY: the descriptor is ours; it moves into the File.
        let file = unsafe { std::fs::File::from_raw_fd(near.into_raw_fd()) };
        let (sim, _) = precise_line(file, 9600);
        let (mut sr, mut sw) = tokio::io::split(sim);
        let t = Instant::now();
        let mut far_r = far.try_clone().unwrap();
        let mut far_w = far;
        let a = std::thread::spawn(move || far_w.write_all(&[1u8; 480]).unwrap());
        let b = std::thread::spawn(move || {
            let mut got = [0u8; 480];
            far_r.read_exact(&mut got).unwrap();
        });
        sw.write_all(&[2u8; 480]).await.unwrap();
        let mut got = [0u8; 480];
        sr.read_exact(&mut got).await.unwrap();
        a.join().unwrap();
        b.join().unwrap();
        let took = t.elapsed();
        assert!(
            took >= Duration::from_millis(495) && took < Duration::from_millis(900),
            "480 bytes each way: {took:?}"
        );
    }
}
