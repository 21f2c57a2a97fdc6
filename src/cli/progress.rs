//! A one-line progress display for long commands.

/// A one-line progress display on a terminal's stderr; nothing when stderr is not a terminal.
pub struct ProgressLine {
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl ProgressLine {
    /// Redraws the line `status` gives, with the seconds since the start, five times a second.
    pub fn start(status: impl Fn(f64) -> String + Send + 'static) -> Self {
        use std::io::IsTerminal;
        if !std::io::stderr().is_terminal() {
            return Self {
                stop: None,
                task: None,
            };
        }
        let (stop, mut stopped) = tokio::sync::oneshot::channel();
        let task = tokio::spawn(async move {
            let started = std::time::Instant::now();
            loop {
                eprint!(
                    "\r{}   ",
                    crate::format::escape_controls(&status(
                        started.elapsed().as_secs_f64().max(0.001)
                    ))
                );
                tokio::select! {
                    _ = &mut stopped => break,
                    () = tokio::time::sleep(std::time::Duration::from_millis(200)) => {}
                }
            }
            eprintln!();
        });
        Self {
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// Bytes moved of the total, rate and time left.
    pub fn transfer(progress: std::sync::Arc<crate::transfer::Progress>) -> Self {
        use std::sync::atomic::Ordering::Relaxed;
        Self::start(move |secs| {
            let done = progress.bytes_done.load(Relaxed);
            let total = progress.bytes_total.load(Relaxed);
            let rate = done as f64 / secs;
            format!(
                "{} of {} at {}{}",
                crate::format::human_bytes(done),
                crate::format::human_bytes(total),
                crate::format::rate(rate),
                eta_text(done, total, rate)
            )
        })
    }

    pub async fn finish(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
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
