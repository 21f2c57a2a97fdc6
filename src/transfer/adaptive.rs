//! How many files move at once, found by measuring rather than asked of the user. Over a long
//! link each small file costs a round trip, so throughput grows with the files in flight until
//! the link (or the server) is full; on loopback it stops growing early. The limit doubles while
//! a window of completions shows throughput growing by 15%, steps back when the last doubling
//! did not, and probes again now and then, as conditions change. Memory
//! stays bounded by the [`super::Scheduler`]'s permits whatever the limit.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

pub use super::job::FilesAtOnce;

pub use super::job::{MAX, START};

/// A window ends after at least this long, so that on loopback (completions every few
/// microseconds) a rate is not measured over noise; short, as every window spent below the
/// link's rate is lost time on a short transfer.
const MIN_WINDOW: Duration = Duration::from_millis(50);
/// Throughput must grow by this factor for a doubling to count as worth it.
const GREW: f64 = 1.15;
/// Steady windows before the limit is probed upward again.
const PROBE_AFTER: u32 = 30;

/// Bytes and completions per second over one window.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Rate {
    bytes: f64,
    items: f64,
}

impl Rate {
    /// Grown by `factor` in bytes or in completions (small files are bound by the second).
    fn beats(self, other: Rate, factor: f64) -> bool {
        self.bytes > other.bytes * factor || self.items > other.items * factor
    }
}

/// The decisions, kept apart from the clock and the semaphore so that tests can drive them.
#[derive(Debug)]
pub struct Gauge {
    limit: usize,
    max: usize,
    /// The limit before the last doubling, to return to if it made things worse.
    previous: usize,
    growing: bool,
    /// The rate measured at `previous`, while growing.
    best: Option<Rate>,
    window_start: Instant,
    window_bytes: u64,
    window_items: usize,
    steady_windows: u32,
}

impl Gauge {
    pub fn new(start: usize, max: usize, now: Instant) -> Self {
        let max = max.max(1);
        let limit = start.clamp(1, max);
        Self {
            limit,
            max,
            previous: limit,
            growing: limit < max,
            best: None,
            window_start: now,
            window_bytes: 0,
            window_items: 0,
            steady_windows: 0,
        }
    }

    pub fn limit(&self) -> usize {
        self.limit
    }

    /// One file done with `bytes` moved, at `now`: the new limit, when it changes.
    pub fn completed(&mut self, bytes: u64, now: Instant) -> Option<usize> {
        self.window_bytes += bytes;
        self.window_items += 1;
        let elapsed = now.saturating_duration_since(self.window_start);
        if self.window_items < self.limit || elapsed < MIN_WINDOW {
            return None;
        }
        let secs = elapsed.as_secs_f64();
        let rate = Rate {
            bytes: self.window_bytes as f64 / secs,
            items: self.window_items as f64 / secs,
        };
        (self.window_start, self.window_bytes, self.window_items) = (now, 0, 0);
        let before = self.limit;
        match (self.growing, self.best) {
            // A doubling that bought nothing is taken back: more in flight costs the server
            // and memory for no gain.
            (true, Some(best)) if !rate.beats(best, GREW) => {
                self.growing = false;
                self.steady_windows = 0;
                self.limit = self.previous;
            }
            (true, _) => {
                self.best = Some(rate);
                self.double();
            }
            (false, _) => {
                self.steady_windows += 1;
                if self.steady_windows >= PROBE_AFTER && self.limit < self.max {
                    self.steady_windows = 0;
                    self.growing = true;
                    self.best = Some(rate);
                    self.double();
                }
            }
        }
        (self.limit != before).then_some(self.limit)
    }

    fn double(&mut self) {
        self.previous = self.limit;
        self.limit = (self.limit * 2).min(self.max);
        if self.limit == self.max {
            self.growing = false;
        }
    }
}

/// Slots for files, as many as the measured limit allows. Cloned, it is the same limit.
#[derive(Debug, Clone)]
pub struct FileSlots {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    slots: Arc<Semaphore>,
    /// None: a fixed number.
    gauge: Option<Mutex<Gauge>>,
    /// Slots to retire as they come back, after the limit went down.
    owed: AtomicUsize,
    limit: AtomicUsize,
    in_use: AtomicUsize,
}

impl FileSlots {
    pub fn new(files: FilesAtOnce) -> Self {
        let (limit, gauge) = match files {
            FilesAtOnce::Fixed(n) => (n.max(1), None),
            FilesAtOnce::Adaptive { start, max } => {
                let gauge = Gauge::new(start, max, Instant::now());
                (gauge.limit(), Some(Mutex::new(gauge)))
            }
        };
        Self {
            shared: Arc::new(Shared {
                slots: Arc::new(Semaphore::new(limit)),
                gauge,
                owed: AtomicUsize::new(0),
                limit: AtomicUsize::new(limit),
                in_use: AtomicUsize::new(0),
            }),
        }
    }

    /// Waits for a slot; call [`Slot::done`] with the bytes moved when the file has moved.
    pub async fn slot(&self) -> Slot {
        let permit = (self.shared.slots.clone())
            .acquire_owned()
            .await
            .expect("file slots are never closed");
        self.shared.in_use.fetch_add(1, Ordering::Relaxed);
        Slot {
            permit: Some(permit),
            shared: self.shared.clone(),
        }
    }

    /// Files allowed at once now.
    pub fn limit(&self) -> usize {
        self.shared.limit.load(Ordering::Relaxed)
    }

    /// Files moving now.
    pub fn in_use(&self) -> usize {
        self.shared.in_use.load(Ordering::Relaxed)
    }
}

/// A file's right to move. Dropped without [`Slot::done`] (a failure, a cancel), it counts for
/// nothing in the measure.
#[derive(Debug)]
pub struct Slot {
    permit: Option<OwnedSemaphorePermit>,
    shared: Arc<Shared>,
}

impl Slot {
    pub fn done(self, bytes: u64) {
        let Some(gauge) = &self.shared.gauge else {
            return;
        };
        let changed = gauge
            .lock()
            .expect("gauge lock")
            .completed(bytes, Instant::now());
        if let Some(limit) = changed {
            let before = self.shared.limit.swap(limit, Ordering::Relaxed);
            if limit > before {
                self.shared.slots.add_permits(limit - before);
            } else {
                self.shared
                    .owed
                    .fetch_add(before - limit, Ordering::Relaxed);
            }
        }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.shared.in_use.fetch_sub(1, Ordering::Relaxed);
        let Some(permit) = self.permit.take() else {
            return;
        };
        let owed = &self.shared.owed;
        let retired = owed
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
            .is_ok();
        if retired {
            permit.forget();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A link as the gauge sees it: each file takes `latency`, and no more than `capacity`
    /// files a second get through however many are in flight. Returns the limits chosen.
    fn drive(latency: Duration, capacity: f64, files: usize, max: usize) -> Vec<usize> {
        let mut now = Instant::now();
        let mut gauge = Gauge::new(START, max, now);
        let mut limits = vec![gauge.limit()];
        let mut moved = 0;
        while moved < files {
            let in_flight = gauge.limit();
            let round = latency.max(Duration::from_secs_f64(in_flight as f64 / capacity));
            let step = round / in_flight as u32;
            for _ in 0..in_flight {
                now += step;
                moved += 1;
                if let Some(limit) = gauge.completed(64 * 1024, now) {
                    limits.push(limit);
                    break;
                }
            }
        }
        limits
    }

    #[test]
    fn a_long_link_raises_the_limit_until_the_link_is_full() {
        // 40 ms a file, room for 1,500 files a second: full at 60 in flight.
        let limits = drive(Duration::from_millis(40), 1500.0, 20_000, MAX);
        assert_eq!(limits[..4], [32, 64, 128, 64], "{limits:?}");
        // 128 bought nothing over 64: it is taken back, and tried again only now and then.
        assert!(limits.iter().all(|&l| l <= 128), "{limits:?}");
        assert_eq!(limits.last(), Some(&64), "{limits:?}");
    }

    #[test]
    fn a_fast_server_stops_after_one_try() {
        // 1 ms a file, but the server does no more than 20,000 a second: 32 already fill it,
        // which only a try at 64 can show.
        let limits = drive(Duration::from_millis(1), 20_000.0, 100_000, MAX);
        assert_eq!(limits[..3], [32, 64, 32], "{limits:?}");
        assert!(limits.iter().all(|&l| l <= 64), "{limits:?}");
        assert_eq!(limits.last(), Some(&32), "{limits:?}");
    }

    #[test]
    fn never_past_the_maximum() {
        let limits = drive(Duration::from_millis(80), 1e9, 100_000, 64);
        assert_eq!(*limits.iter().max().unwrap(), 64, "{limits:?}");
    }

    #[test]
    fn a_doubling_that_hurts_is_taken_back() {
        let mut now = Instant::now();
        let mut gauge = Gauge::new(16, MAX, now);
        // 16 files in 200 ms, then at 32 the same 32 files take 800 ms: worse, back to 16.
        let mut feed = |gauge: &mut Gauge, files: usize, over: Duration| {
            let mut change = None;
            for _ in 0..files {
                now += over / files as u32;
                change = gauge.completed(1000, now).or(change);
            }
            change
        };
        assert_eq!(feed(&mut gauge, 16, Duration::from_millis(200)), Some(32));
        assert_eq!(feed(&mut gauge, 32, Duration::from_millis(800)), Some(16));
        assert_eq!(feed(&mut gauge, 16, Duration::from_millis(200)), None);
    }

    #[tokio::test]
    async fn slots_follow_the_limit_down_as_they_come_back() {
        let slots = FileSlots::new(FilesAtOnce::Fixed(2));
        let (a, b) = (slots.slot().await, slots.slot().await);
        assert_eq!(slots.in_use(), 2);
        // Lowered to 1 while both are out: the first to come back is retired.
        slots.shared.owed.store(1, Ordering::Relaxed);
        drop(a);
        assert_eq!(slots.shared.slots.available_permits(), 0);
        drop(b);
        assert_eq!(slots.shared.slots.available_permits(), 1);
        assert_eq!(slots.in_use(), 0);
    }
}
