//! A cleanup's long jobs as a front end holds them (`runtime::Job`): the scan (the dry run) and
//! the run. Their counters arrive as events while they go, their result as the last event; the
//! command line awaits `scan` and `CleanupRun::execute` directly.

use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;

use super::execute::RunProgress;
use super::{CleanupRun, Filters, Inventory, Report, ScanProgress, Scope, scan};
use crate::runtime::{Job, Notify, no_notify};
use crate::s3::{Connection, S3Error};

/// What a scan has found so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScanCounts {
    pub entries: u64,
    pub bytes: u64,
    pub uploads: u64,
}

impl ScanCounts {
    fn of(progress: &ScanProgress) -> Self {
        Self {
            entries: progress.entries_seen.load(Relaxed),
            bytes: progress.bytes_seen.load(Relaxed),
            uploads: progress.uploads_seen.load(Relaxed),
        }
    }
}

#[derive(Debug)]
pub enum ScanEvent {
    Progress(ScanCounts),
    /// The last event: the inventory, or why there is none (a stopped scan ends as cancelled).
    Done(Result<Inventory, S3Error>),
}

/// A scan running in the background. Dropping it stops the scan at once.
pub struct ScanJob {
    job: Job<ScanEvent>,
    progress: Arc<ScanProgress>,
}

impl ScanJob {
    pub fn start(connection: &Connection, scope: Scope, filters: Filters, notify: Notify) -> Self {
        let progress = Arc::new(ScanProgress::default());
        let connection = connection.clone();
        let seen = progress.clone();
        let job = Job::start(8, notify, move |mut events| async move {
            let quiet = no_notify();
            let scanning = scan(&connection, &scope, &filters, &seen, &quiet);
            let result = events
                .progress_while(scanning, || ScanCounts::of(&seen), ScanEvent::Progress)
                .await;
            events.send(ScanEvent::Done(result)).await;
        });
        Self { job, progress }
    }

    pub fn try_next(&mut self) -> Option<ScanEvent> {
        self.job.try_next()
    }

    /// The next event, waiting for it; `None` after `Done`.
    pub async fn next(&mut self) -> Option<ScanEvent> {
        self.job.next().await
    }

    /// Ends the scan after the page in flight; it then ends as cancelled.
    pub fn stop(&self) {
        self.progress.stop.store(true, Relaxed);
    }
}

/// What a run has done so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunCounts {
    pub objects_deleted: u64,
    pub bytes_deleted: u64,
    pub uploads_aborted: u64,
    pub failures: u64,
    pub requests: u64,
}

impl RunCounts {
    pub fn of(progress: &RunProgress) -> Self {
        Self {
            objects_deleted: progress.objects_deleted.load(Relaxed),
            bytes_deleted: progress.bytes_deleted.load(Relaxed),
            uploads_aborted: progress.uploads_aborted.load(Relaxed),
            failures: progress.failures.load(Relaxed),
            requests: progress.requests.load(Relaxed),
        }
    }

    /// Targets done either way (deleted, aborted or failed).
    pub fn done(&self) -> u64 {
        self.objects_deleted + self.uploads_aborted + self.failures
    }
}

#[derive(Debug)]
pub enum RunEvent {
    Progress(RunCounts),
    /// The last event: the whole run so far, earlier passes included.
    Done(Report),
}

/// A pass of a cleanup run in the background: what is left of its plan. `stop` lets the batches
/// in flight finish (their deletes are then in the report); dropping the handle stops at once.
pub struct RunJob {
    job: Job<RunEvent>,
    run: Arc<CleanupRun>,
}

impl RunJob {
    pub fn start(connection: &Connection, run: Arc<CleanupRun>, notify: Notify) -> Self {
        let connection = connection.clone();
        let running = run.clone();
        let job = Job::start(8, notify, move |mut events| async move {
            let quiet = no_notify();
            let executing = running.execute(&connection, &quiet);
            let report = events
                .progress_while(
                    executing,
                    || RunCounts::of(&running.progress),
                    RunEvent::Progress,
                )
                .await;
            events
                .send(RunEvent::Progress(RunCounts::of(&running.progress)))
                .await;
            events.send(RunEvent::Done(report)).await;
        });
        Self { job, run }
    }

    pub fn try_next(&mut self) -> Option<RunEvent> {
        self.job.try_next()
    }

    /// The next event, waiting for it; `None` after `Done`.
    pub async fn next(&mut self) -> Option<RunEvent> {
        self.job.next().await
    }

    pub fn stop(&self) {
        self.run.stop();
    }
}
