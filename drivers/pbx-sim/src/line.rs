//! A serial line paced by OS threads with precise sleeps, for benchmarks against the wire bound.
//!
//! Each direction is an OS thread that hands every byte on once it would have arrived (8N1: 10
//! bits a byte), sleeping to within microseconds: no async timer's whole-millisecond ticks are
//! added per ACK or per frame, and bytes arrive one after another as from a UART, so an ACK
//! written just before a frame is seen a frame's time before that frame ends. (An earlier pacer
//! on tokio timers added ~1 ms per ACK; a first version of this one handed on whole writes at
//! their last byte's time, which glued an ACK to the frame behind it and made the two
//! directions of a wake-up burst take turns: 0.59 of the line instead of 0.96.) The simulator
//! runs on the returned socket; the link opens the pty as it would a device.

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

/// A serial line at `baud` (8N1) between a pty master (any descriptor it owns: read and written
/// blocking) and the simulator: each direction an OS thread that hands each byte on once it
/// would have arrived. Returns the simulator's end and the byte counters.
pub fn precise_line(pty: impl std::os::fd::IntoRawFd, baud: u32) -> (tokio::net::UnixStream, Arc<LineBytes>) {
    use std::os::fd::FromRawFd;
    // SAFETY: `into_raw_fd` hands over the descriptor's ownership; the File is its only owner.
    let pty = unsafe { std::fs::File::from_raw_fd(pty.into_raw_fd()) };
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
                // Byte k of the chunk arrives (k + 1) byte times after the line is free: hand
                // each on at its own time (those already due together), as a UART would, so an
                // ACK written just before a frame is seen a frame's time before the frame's end.
                let start = free.max(Instant::now());
                let mut k = 0;
                while k < n {
                    sleep_until(start + byte * (k as u32 + 1));
                    let due = ((Instant::now() - start).as_nanos() / byte.as_nanos()) as usize;
                    let m = due.clamp(k + 1, n);
                    // Counted as it arrives, before the far end can read it.
                    let c = if to_pbx { &count.to_pbx } else { &count.to_pms };
                    c.fetch_add((m - k) as u64, std::sync::atomic::Ordering::Relaxed);
                    if to.write_all(&buf[k..m]).is_err() {
                        return;
                    }
                    k = m;
                }
                free = start + byte * n as u32;
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
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test]
    async fn bytes_take_their_wire_time_each_way_and_are_counted() {
        let (mut far, near) = std::os::unix::net::UnixStream::pair().unwrap();
        let (mut sim, bytes) = precise_line(near, 9600);
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

/// The line is full duplex, and delivers a write byte by byte.
#[cfg(test)]
mod duplex {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn both_directions_at_once_take_the_time_of_one() {
        let (far, near) = std::os::unix::net::UnixStream::pair().unwrap();
        let (sim, _) = precise_line(near, 9600);
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

    #[tokio::test]
    async fn the_first_byte_of_a_write_arrives_before_the_last_one() {
        let (mut far, near) = std::os::unix::net::UnixStream::pair().unwrap();
        let (mut sim, _) = precise_line(near, 9600);
        // An ACK and a 95-byte frame in one write: the ACK must not wait for the frame.
        let mut write = vec![0x06u8];
        write.extend_from_slice(&[b'x'; 95]);
        let t = Instant::now();
        far.write_all(&write).unwrap();
        let mut first = [0u8; 1];
        sim.read_exact(&mut first).await.unwrap();
        let ack_at = t.elapsed();
        let mut rest = [0u8; 95];
        sim.read_exact(&mut rest).await.unwrap();
        let frame_at = t.elapsed();
        assert_eq!(first, [0x06]);
        assert!(ack_at < Duration::from_millis(30), "the ACK took {ack_at:?}");
        assert!(frame_at >= Duration::from_millis(99), "the frame took {frame_at:?}");
    }
}
