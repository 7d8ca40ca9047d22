//! Our side's turnaround on the line: from reading the bytes that held the PBX's ACK to writing
//! our next frame. In a stop-and-wait protocol every microsecond of it is line time lost; the
//! status shows its p50 and p99 (`turnaround_p50_us`, `turnaround_p99_us`).

use std::collections::VecDeque;
use std::time::Duration;

use tokio::time::Instant;

/// How many turnarounds the figures are taken over.
const KEPT: usize = 2048;
/// The figures are taken again every this many frames.
const EVERY: u64 = 64;

#[derive(Debug)]
pub struct Turnaround {
    last_read: Instant,
    acked_at: Option<Instant>,
    samples: VecDeque<Duration>,
    count: u64,
}

impl Default for Turnaround {
    fn default() -> Self {
        Turnaround { last_read: Instant::now(), acked_at: None, samples: VecDeque::with_capacity(KEPT), count: 0 }
    }
}

impl Turnaround {
    /// Bytes were read from the line now; returns the instant.
    pub fn read(&mut self) -> Instant {
        self.last_read = Instant::now();
        self.last_read
    }

    /// Those bytes held an ACK for our frame.
    pub fn acked(&mut self) {
        self.acked_at = Some(self.last_read);
    }

    /// A frame was written; returns fresh (p50, p99) in microseconds every [`EVERY`] frames.
    pub fn frame_written(&mut self) -> Option<(u64, u64)> {
        let at = self.acked_at.take()?;
        if self.samples.len() == KEPT {
            self.samples.pop_front();
        }
        self.samples.push_back(at.elapsed());
        self.count += 1;
        if !self.count.is_multiple_of(EVERY) {
            return None;
        }
        let mut v: Vec<u64> = self.samples.iter().map(|d| d.as_micros() as u64).collect();
        v.sort_unstable();
        let at = |p: f64| v[((v.len() - 1) as f64 * p).round() as usize];
        Some((at(0.5), at(0.99)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_frames_after_an_ack_count_and_figures_come_every_64() {
        let mut t = Turnaround::default();
        assert_eq!(t.frame_written(), None, "no ACK yet: not a turnaround");
        for i in 1..=64 {
            t.read();
            t.acked();
            let figures = t.frame_written();
            assert_eq!(figures.is_some(), i == 64);
        }
        assert_eq!(t.frame_written(), None, "one ACK, one turnaround");
    }
}
