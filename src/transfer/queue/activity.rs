//! What the queue as a whole is doing: its rate over the last seconds, and one repaint ticker
//! for however many jobs are running.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::runtime::Notify;

/// The rate is taken over this much of the recent past: long enough to smooth the steps of
/// small files finishing, short enough to follow a change.
const SPAN: Duration = Duration::from_secs(3);

/// Bytes moved by the queue, sampled each frame.
#[derive(Debug, Default)]
pub(super) struct RateMeter {
    samples: VecDeque<(Instant, u64)>,
}

impl RateMeter {
    /// `moved`: every byte the queue's jobs have moved so far.
    pub(super) fn note(&mut self, now: Instant, moved: u64) {
        // Fewer bytes than before (a job retried from its start): measure afresh.
        if self.samples.back().is_some_and(|&(_, last)| moved < last) {
            self.samples.clear();
        }
        self.samples.push_back((now, moved));
        while self.samples.len() > 2 && now.duration_since(self.samples[1].0) >= SPAN {
            self.samples.pop_front();
        }
    }

    /// Bytes per second over the span, or 0 before two samples.
    pub(super) fn rate(&self) -> f64 {
        let (Some(&(t0, b0)), Some(&(t1, b1))) = (self.samples.front(), self.samples.back()) else {
            return 0.0;
        };
        let secs = t1.duration_since(t0).as_secs_f64();
        if secs <= 0.0 {
            return 0.0;
        }
        (b1 - b0) as f64 / secs
    }
}

/// One task that repaints the window ten times a second while any job runs (a ticker per job
/// would wake the window 2,560 times a second with 256 files in flight).
#[derive(Debug, Clone, Default)]
pub(super) struct Ticker {
    running: Arc<AtomicUsize>,
}

/// A running job's share of the ticker; the ticker stops when the last is dropped.
pub(super) struct Ticking(Arc<AtomicUsize>);

impl Ticker {
    pub(super) fn start(&self, notify: &Notify) -> Ticking {
        if self.running.fetch_add(1, Ordering::Relaxed) == 0 {
            let (running, notify) = (self.running.clone(), notify.clone());
            tokio::spawn(async move {
                while running.load(Ordering::Relaxed) > 0 {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    notify();
                }
            });
        }
        Ticking(self.running.clone())
    }
}

impl Drop for Ticking {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rate_is_over_the_last_seconds() {
        let start = Instant::now();
        let mut meter = RateMeter::default();
        assert_eq!(meter.rate(), 0.0);
        // 1 MB/s for ten seconds, then 10 MB/s for five.
        for s in 0..=10u64 {
            meter.note(start + Duration::from_secs(s), s * 1_000_000);
        }
        assert_eq!(meter.rate(), 1e6);
        for s in 11..=15u64 {
            meter.note(
                start + Duration::from_secs(s),
                10_000_000 + (s - 10) * 10_000_000,
            );
        }
        assert_eq!(meter.rate(), 1e7);
        // A retry that starts a job over does not read as a negative rate.
        meter.note(start + Duration::from_secs(16), 5);
        assert_eq!(meter.rate(), 0.0);
    }
}
