//! A stream wrapper that paces bytes as a serial line at a given baud rate would (8N1: 10 bits
//! a byte), in both directions: bytes written arrive at the far end only after their wire
//! time, and bytes read are handed over only once they would have fully arrived. Benchmarks use
//! it to measure the link against the real line-rate bound.

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

/// Bytes that crossed the paced line, by direction (as seen by the wrapped side).
#[derive(Debug, Default)]
pub struct LineCounters {
    pub read: AtomicU64,
    pub written: AtomicU64,
}

impl LineCounters {
    pub fn read(&self) -> u64 {
        self.read.load(Ordering::Relaxed)
    }
    pub fn written(&self) -> u64 {
        self.written.load(Ordering::Relaxed)
    }
}

pub struct Paced<S> {
    inner: S,
    byte_time: Duration,
    held: Vec<u8>,
    read_sleep: Option<Pin<Box<Sleep>>>,
    read_free: Instant,
    write_sleep: Option<(Pin<Box<Sleep>>, usize)>,
    write_free: Instant,
    counters: Arc<LineCounters>,
}

impl<S> Paced<S> {
    /// Paces `inner` at `baud` with 10 bits per byte.
    pub fn new(inner: S, baud: u32) -> Self {
        let now = Instant::now();
        Paced {
            inner,
            byte_time: Duration::from_nanos(10_000_000_000 / baud as u64),
            held: Vec::new(),
            read_sleep: None,
            read_free: now,
            write_sleep: None,
            write_free: now,
            counters: Arc::default(),
        }
    }

    pub fn counters(&self) -> Arc<LineCounters> {
        self.counters.clone()
    }
}

const CHUNK: usize = 64;

impl<S: AsyncRead + Unpin> AsyncRead for Paced<S> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        loop {
            if !this.held.is_empty() {
                if let Some(s) = this.read_sleep.as_mut() {
                    ready!(s.as_mut().poll(cx));
                    this.read_sleep = None;
                }
                let n = this.held.len().min(buf.remaining());
                buf.put_slice(&this.held[..n]);
                this.held.drain(..n);
                return Poll::Ready(Ok(()));
            }
            let mut tmp = [0u8; CHUNK];
            let mut rb = ReadBuf::new(&mut tmp);
            ready!(Pin::new(&mut this.inner).poll_read(cx, &mut rb))?;
            let n = rb.filled().len();
            if n == 0 {
                return Poll::Ready(Ok(()));
            }
            this.counters.read.fetch_add(n as u64, Ordering::Relaxed);
            this.held.extend_from_slice(rb.filled());
            let start = this.read_free.max(Instant::now());
            this.read_free = start + this.byte_time * n as u32;
            this.read_sleep = Some(Box::pin(tokio::time::sleep_until(this.read_free)));
        }
    }
}

use std::future::Future;

impl<S: AsyncWrite + Unpin> AsyncWrite for Paced<S> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, data: &[u8]) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        if this.write_sleep.is_none() {
            let n = data.len().min(CHUNK);
            let start = this.write_free.max(Instant::now());
            this.write_free = start + this.byte_time * n as u32;
            this.write_sleep = Some((Box::pin(tokio::time::sleep_until(this.write_free)), n));
        }
        let (sleep, n) = this.write_sleep.as_mut().expect("set above");
        ready!(sleep.as_mut().poll(cx));
        let n = (*n).min(data.len());
        let written = ready!(Pin::new(&mut this.inner).poll_write(cx, &data[..n]))?;
        this.write_sleep = None;
        this.counters.written.fetch_add(written as u64, Ordering::Relaxed);
        Poll::Ready(Ok(written))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test(start_paused = true)]
    async fn bytes_take_their_wire_time() {
        let (a, b) = tokio::io::duplex(1024);
        let mut paced = Paced::new(a, 9600);
        let mut far = b;
        let t0 = Instant::now();
        paced.write_all(&[0u8; 96]).await.unwrap();
        // 96 bytes at 960 bytes/s = 100 ms (tokio timers tick in whole milliseconds)
        let took = Instant::now() - t0;
        assert!(took >= Duration::from_millis(100) && took <= Duration::from_millis(102), "{took:?}");
        let mut got = [0u8; 96];
        far.read_exact(&mut got).await.unwrap();
        far.write_all(&[1u8; 48]).await.unwrap();
        let t1 = Instant::now();
        let mut back = [0u8; 48];
        paced.read_exact(&mut back).await.unwrap();
        let took = Instant::now() - t1;
        assert!(took >= Duration::from_millis(50) && took <= Duration::from_millis(51), "{took:?}");
        assert_eq!((paced.counters().written(), paced.counters().read()), (96, 48));
    }
}
