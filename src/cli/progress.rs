//! Progress on a terminal for long commands (indicatif): a bar for transfers, a spinner with a
//! status line for the rest. Nothing is drawn when stderr is not a terminal.

use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How often the display reads the engine's counters.
const TICK: Duration = Duration::from_millis(200);

pub struct ProgressLine {
    bar: ProgressBar,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl ProgressLine {
    /// A spinner beside the line `status` gives, with the seconds since the start.
    pub fn start(status: impl Fn(f64) -> String + Send + 'static) -> Self {
        let bar = ProgressBar::with_draw_target(None, draw_target());
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg}").expect("a valid progress template"),
        );
        Self::ticking(bar, move |bar, secs| {
            bar.set_message(crate::format::escape_controls(&status(secs)).into_owned());
        })
    }

    /// A bar of bytes moved of the total, with rate and time left.
    pub fn transfer(progress: Arc<crate::transfer::Progress>) -> Self {
        let bar = ProgressBar::with_draw_target(Some(1), draw_target());
        bar.set_style(
            ProgressStyle::with_template("{bar:30} {msg}").expect("a valid progress template"),
        );
        Self::ticking(bar, move |bar, secs| {
            let done = progress.bytes_done.load(Relaxed);
            let total = progress.bytes_total.load(Relaxed);
            // An empty bar until the total is known.
            bar.set_length(total.max(1));
            bar.set_position(done.min(total));
            let rate = done as f64 / secs;
            bar.set_message(format!(
                "{} of {} at {}{}",
                crate::format::human_bytes(done),
                crate::format::human_bytes(total),
                crate::format::rate(rate),
                eta_text(done, total, rate)
            ));
        })
    }

    /// Runs `print` with the bar cleared, so that lines printed meanwhile stay whole.
    pub fn suspend<R>(&self, print: impl FnOnce() -> R) -> R {
        self.bar.suspend(print)
    }

    /// Calls `update` on the bar every [`TICK`] until [`ProgressLine::finish`].
    fn ticking(bar: ProgressBar, update: impl Fn(&ProgressBar, f64) + Send + 'static) -> Self {
        let (stop, mut stopped) = tokio::sync::oneshot::channel();
        let ticked = bar.clone();
        let task = tokio::spawn(async move {
            let started = std::time::Instant::now();
            loop {
                update(&ticked, started.elapsed().as_secs_f64().max(0.001));
                ticked.tick();
                tokio::select! {
                    _ = &mut stopped => break,
                    () = tokio::time::sleep(TICK) => {}
                }
            }
            update(&ticked, started.elapsed().as_secs_f64().max(0.001));
        });
        Self {
            bar,
            stop: Some(stop),
            task: Some(task),
        }
    }

    pub async fn finish(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
        // The last state stays on screen, as the hand-drawn line did.
        self.bar.abandon();
    }
}

/// stderr when it is a terminal (indicatif draws nothing otherwise), at most 5 redraws a second.
fn draw_target() -> ProgressDrawTarget {
    ProgressDrawTarget::stderr_with_hz(5)
}

/// `, 12 s left` when the rate says, or nothing.
pub fn eta_text(done: u64, total: u64, rate_per_sec: f64) -> String {
    if rate_per_sec > 0.0 && total > done {
        format!(
            ", {}",
            crate::format::time_left((total - done) as f64 / rate_per_sec)
        )
    } else {
        String::new()
    }
}
