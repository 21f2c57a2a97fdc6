//! The transfer queue: every upload and download the GUI starts, each with its own progress and
//! state, run as tasks that share one [`Scheduler`]. Front ends read it; the engine updates it
//! and calls `notify` on every change.

mod activity;
mod folders;
mod run;
#[cfg(test)]
mod tests;

use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use futures::future::Abortable;

pub use super::job::{Conflict, Direction, JobState, Totals};
use super::job::{IfExists, JobRow, QueueView, TransferOptions};
use super::local_paths::folder_of;
use super::{FileSlots, Pause, Progress, RunHandle, Scheduler, walk_files};
use crate::runtime::{Events, Inbox, Notify, event_channel};
use crate::s3::Connection;
use run::{News, run_job};

/// One file moving one way.
#[derive(Debug)]
pub struct Job {
    pub id: u64,
    pub direction: Direction,
    pub local: PathBuf,
    /// The folder a download stays inside (the one the user chose): no link leads it out.
    within: PathBuf,
    pub bucket: String,
    pub key: String,
    /// The version a download fetches (`None`: the current object).
    pub version_id: Option<String>,
    pub progress: Arc<Progress>,
    /// Storage class, content type, metadata of an upload; `if_exists` is set from `conflict`.
    options: TransferOptions,
    conflict: Mutex<Conflict>,
    /// Where it went when "keep both" gave it another name.
    landed_as: Mutex<Option<String>>,
    state: Mutex<JobState>,
    times: Mutex<(Option<Instant>, Option<Instant>)>,
    /// Set while a pause stops the job, so that it keeps what its resume needs.
    pause: Pause,
    /// The run under way, to pause or cancel it.
    run: Mutex<Option<RunHandle>>,
    /// Which run of the job this is (a retry or a resume starts another): news from an
    /// earlier run that arrives late is not taken for the current one's.
    runs: std::sync::atomic::AtomicU64,
}

/// What a job's task tells the queue; the queue alone changes a job's state.
#[derive(Debug)]
struct JobEvent {
    id: u64,
    run: u64,
    change: Change,
    at: Instant,
}

#[derive(Debug)]
enum Change {
    /// It holds a slot and moves bytes.
    Running,
    /// "Keep both" gave it another key or file name.
    LandsAs(String),
    Ended(JobState),
}

impl Job {
    pub fn state(&self) -> JobState {
        self.state.lock().expect("job state lock").clone()
    }

    /// The job's state, changed `at` (when its task said so).
    fn set_state(&self, state: JobState, at: Instant) {
        let mut times = self.times.lock().expect("job times lock");
        match state {
            JobState::Running => times.0 = Some(at),
            ref s if s.is_finished() => times.1 = Some(at),
            _ => {}
        }
        *self.state.lock().expect("job state lock") = state;
    }

    /// Bytes per second since the job started (to its end, once finished).
    pub fn rate(&self) -> f64 {
        let (start, end) = *self.times.lock().expect("job times lock");
        let Some(start) = start else { return 0.0 };
        let secs = end
            .unwrap_or_else(Instant::now)
            .duration_since(start)
            .as_secs_f64();
        if secs <= 0.0 {
            return 0.0;
        }
        self.progress.bytes_done.load(Ordering::Relaxed) as f64 / secs
    }

    /// Seconds left at the current rate, while running.
    pub fn eta_secs(&self) -> Option<f64> {
        super::job::eta_secs(
            &self.state(),
            self.rate(),
            self.progress.bytes_done.load(Ordering::Relaxed),
            self.progress.bytes_total.load(Ordering::Relaxed),
        )
    }

    /// The other key or file name "keep both" chose, if it chose one.
    pub fn landed_as(&self) -> Option<String> {
        self.landed_as.lock().expect("job lock").clone()
    }

    /// The file name (upload) or the key's last segment (download).
    pub fn name(&self) -> &str {
        super::job::last_segment(&self.key)
    }

    fn row(&self) -> JobRow {
        let state = self.state();
        let rate = self.rate();
        let bytes_done = self.progress.bytes_done.load(Ordering::Relaxed);
        let bytes_total = self.progress.bytes_total.load(Ordering::Relaxed);
        JobRow {
            id: self.id,
            direction: self.direction,
            // A version's download says which: the current object's name is the same.
            name: match &self.version_id {
                Some(v) => format!("{} (version {})", self.name(), short_version(v)),
                None => self.name().to_owned(),
            },
            landed_as: self.landed_as(),
            bucket: self.bucket.clone(),
            key: self.key.clone(),
            local: self.local.display().to_string(),
            bytes_done,
            bytes_total,
            rate,
            eta_secs: super::job::eta_secs(&state, rate, bytes_done, bytes_total),
            state,
        }
    }
}

pub struct TransferQueue {
    connection: Connection,
    scheduler: Scheduler,
    options: TransferOptions,
    /// Files moving at once, as many as throughput grows with; the rest wait as Queued.
    files: FileSlots,
    ticker: activity::Ticker,
    rate: activity::RateMeter,
    /// Bytes moved by jobs cleared from the list, so that the rate does not fall with them.
    cleared_bytes: u64,
    jobs: Vec<Arc<Job>>,
    next_id: u64,
    notify: Notify,
    /// Where the jobs' tasks send their news, and where [`Self::poll`] takes it.
    events: Events<JobEvent>,
    inbox: Inbox<JobEvent>,
    /// Folders being walked off the UI thread; their files join the queue once found.
    walks: Vec<folders::FolderWalk>,
}

/// A job about to join the queue: what it moves, where, how, and how many bytes (0 for a
/// download, which learns its size from the server).
struct Queued<'a> {
    direction: Direction,
    local: PathBuf,
    within: PathBuf,
    bucket: &'a str,
    key: String,
    version_id: Option<String>,
    options: &'a TransferOptions,
    conflict: Conflict,
    size_bytes: u64,
}

impl TransferQueue {
    pub fn new(connection: Connection, options: TransferOptions, notify: Notify) -> Self {
        let (events, inbox) = event_channel(256, notify.clone());
        Self {
            events,
            inbox,
            files: FileSlots::new(options.files_at_once),
            ticker: activity::Ticker::default(),
            rate: activity::RateMeter::default(),
            cleared_bytes: 0,
            scheduler: Scheduler::for_options(&options, 256 * super::plan::MIB),
            connection,
            options,
            jobs: Vec::new(),
            next_id: 1,
            notify,
            walks: Vec::new(),
        }
    }

    pub fn jobs(&self) -> &[Arc<Job>] {
        &self.jobs
    }

    /// Takes in what the jobs' tasks reported since the last call: each frame, before drawing.
    pub fn poll(&mut self) {
        while let Some(JobEvent {
            id,
            run,
            change,
            at,
        }) = self.inbox.try_next()
        {
            let Ok(index) = self.jobs.binary_search_by_key(&id, |j| j.id) else {
                continue; // cleared from the list meanwhile
            };
            let job = &self.jobs[index];
            if job.runs.load(Ordering::Relaxed) != run {
                continue;
            }
            match change {
                Change::Running => job.set_state(JobState::Running, at),
                Change::LandsAs(other) => *job.landed_as.lock().expect("job lock") = Some(other),
                Change::Ended(state) => {
                    job.set_state(state, at);
                    job.run.lock().expect("job run lock").take();
                }
            }
        }
        let moved: u64 = (self.jobs.iter())
            .map(|j| j.progress.bytes_done.load(Ordering::Relaxed))
            .sum();
        self.rate.note(Instant::now(), self.cleared_bytes + moved);
    }

    pub fn totals(&self) -> Totals {
        let mut t = Totals::default();
        for job in &self.jobs {
            t.count(
                &job.state(),
                job.progress.bytes_done.load(Ordering::Relaxed),
                job.progress.bytes_total.load(Ordering::Relaxed),
            );
        }
        t.rate = self.rate.rate();
        t.requests_in_flight = self.scheduler.requests_in_flight();
        t.files_at_once = self.files.limit();
        t
    }

    /// Uploads a file or, recursively, a folder (keeping relative paths) into `prefix`, with the
    /// queue's options; existing keys are overwritten.
    pub fn upload_path(
        &mut self,
        path: PathBuf,
        bucket: &str,
        prefix: &str,
    ) -> std::io::Result<usize> {
        let options = self.options.clone();
        let conflict = Conflict::Decided(options.if_exists);
        self.upload_path_with(path, bucket, prefix, &options, conflict)
    }

    /// As [`Self::upload_path`], with these upload options and this answer to existing keys.
    pub fn upload_path_with(
        &mut self,
        path: PathBuf,
        bucket: &str,
        prefix: &str,
        options: &TransferOptions,
        conflict: Conflict,
    ) -> std::io::Result<usize> {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if path.is_dir() {
            let files = walk_files(&path).map_err(std::io::Error::other)?;
            let count = files.len();
            for (file, relative) in files {
                let key = format!("{prefix}{name}/{relative}");
                self.push(
                    Direction::Upload,
                    file,
                    (bucket, key, None),
                    options,
                    conflict,
                );
            }
            Ok(count)
        } else {
            let key = format!("{prefix}{name}");
            self.push(
                Direction::Upload,
                path,
                (bucket, key, None),
                options,
                conflict,
            );
            Ok(1)
        }
    }

    /// Queues the upload of one file to exactly `key`, replacing what is there (a sync names
    /// every key itself).
    pub fn upload_file_to(&mut self, path: PathBuf, bucket: &str, key: &str) {
        let options = self.options.clone();
        let conflict = Conflict::Decided(IfExists::Overwrite);
        let key = (bucket, key.to_owned(), None);
        self.push(Direction::Upload, path, key, &options, conflict);
    }

    pub fn download(&mut self, bucket: &str, key: &str, dest: PathBuf) {
        let options = self.options.clone();
        let conflict = Conflict::Decided(options.if_exists);
        let within = folder_of(&dest).to_owned();
        self.download_with(bucket, key, None, dest, &within, conflict);
    }

    /// Queues the download of `key` (of its version `version_id`, where one is named) to
    /// `dest`, which stays inside the folder `within`.
    pub fn download_with(
        &mut self,
        bucket: &str,
        key: &str,
        version_id: Option<&str>,
        dest: PathBuf,
        within: &std::path::Path,
        conflict: Conflict,
    ) {
        let options = self.options.clone();
        self.push_sized(Queued {
            direction: Direction::Download,
            local: dest,
            within: within.to_owned(),
            bucket,
            key: key.to_owned(),
            version_id: version_id.map(str::to_owned),
            options: &options,
            conflict,
            size_bytes: 0,
        });
    }

    fn push(
        &mut self,
        direction: Direction,
        local: PathBuf,
        (bucket, key, version_id): (&str, String, Option<String>),
        options: &TransferOptions,
        conflict: Conflict,
    ) {
        let size = match direction {
            Direction::Upload => std::fs::metadata(&local).map(|m| m.len()).unwrap_or(0),
            Direction::Download => 0,
        };
        self.push_sized(Queued {
            direction,
            within: folder_of(&local).to_owned(),
            local,
            bucket,
            key,
            version_id,
            options,
            conflict,
            size_bytes: size,
        });
    }

    /// A new job at the end of the queue, started as soon as a slot frees.
    fn push_sized(&mut self, queued: Queued<'_>) {
        let Queued {
            direction,
            local,
            within,
            bucket,
            key,
            version_id,
            options,
            conflict,
            size_bytes,
        } = queued;
        let job = Arc::new(Job {
            id: self.next_id,
            direction,
            local,
            within,
            bucket: bucket.to_owned(),
            key,
            version_id,
            progress: Arc::default(),
            options: options.clone(),
            conflict: Mutex::new(conflict),
            landed_as: Mutex::new(None),
            state: Mutex::new(JobState::Queued),
            times: Mutex::new((None, None)),
            pause: Pause::default(),
            run: Mutex::new(None),
            runs: Default::default(),
        });
        job.progress
            .bytes_total
            .store(size_bytes, Ordering::Relaxed);
        self.next_id += 1;
        self.jobs.push(job.clone());
        self.start(job);
    }

    /// Queues every transfer an earlier run left unfinished; each sends or fetches only what
    /// is missing.
    pub fn resume_unfinished_all(&mut self, unfinished: &super::recovery::Unfinished) {
        for journal in &unfinished.uploads {
            self.resume_unfinished(journal);
        }
        for journal in &unfinished.downloads {
            self.resume_unfinished_download(journal);
        }
    }

    /// Queues again an upload an earlier run left unfinished; it sends only the missing parts.
    pub fn resume_unfinished(&mut self, journal: &super::journal::UploadJournal) {
        let local = journal.source.clone();
        let (bucket, key) = (&journal.bucket, journal.key.clone());
        self.requeue_unfinished(
            Direction::Upload,
            local,
            (bucket, key, None),
            journal.part_size_bytes,
        );
    }

    /// Queues again a download an earlier run left unfinished; it fetches only the missing parts.
    pub fn resume_unfinished_download(&mut self, journal: &super::journal::DownloadJournal) {
        let local = journal.dest.clone();
        let (bucket, key) = (&journal.bucket, journal.key.clone());
        let version_id = journal.version_id.clone();
        self.requeue_unfinished(
            Direction::Download,
            local,
            (bucket, key, version_id),
            journal.part_size_bytes,
        );
    }

    /// A transfer an earlier run began, at the part size its journal was written with (the
    /// parts it notes are of that size), overwriting what it began to write.
    fn requeue_unfinished(
        &mut self,
        direction: Direction,
        local: PathBuf,
        (bucket, key, version_id): (&str, String, Option<String>),
        part_size_bytes: u64,
    ) {
        let options = TransferOptions {
            part_size_bytes,
            ..self.options.clone()
        };
        let conflict = Conflict::Decided(IfExists::Overwrite);
        self.push(
            direction,
            local,
            (bucket, key, version_id),
            &options,
            conflict,
        );
    }

    /// Jobs waiting for an answer because their destination exists.
    pub fn waiting_for_decision(&self) -> usize {
        self.jobs
            .iter()
            .filter(|j| j.state() == JobState::Exists)
            .count()
    }

    /// Answers every job waiting on an existing destination, and starts them again.
    pub fn decide(&self, policy: IfExists) {
        for job in &self.jobs {
            if job.state() == JobState::Exists {
                *job.conflict.lock().expect("job lock") = Conflict::Decided(policy);
                self.start(job.clone());
            }
        }
    }

    fn start(&self, job: Arc<Job>) {
        let (run, registration) = RunHandle::new(job.pause.clone());
        *job.run.lock().expect("job run lock") = Some(run);
        job.set_state(JobState::Queued, Instant::now());
        let run = job.runs.fetch_add(1, Ordering::Relaxed) + 1;
        let (connection, scheduler, files, ticker, notify) = (
            self.connection.clone(),
            self.scheduler.clone(),
            self.files.clone(),
            self.ticker.clone(),
            self.notify.clone(),
        );
        let news = News {
            id: job.id,
            run,
            events: self.events.clone(),
        };
        let work = {
            let (job, mut news) = (job.clone(), news.clone());
            async move {
                let slot = files.slot().await;
                news.send(Change::Running).await;
                // Progress moves on its own; the ticker keeps the window repainting while it does.
                let ticking = ticker.start(&notify);
                let result = run_job(&connection, &scheduler, &job, &mut news).await;
                drop(ticking);
                if let Ok(JobState::Done) = result {
                    slot.done(job.progress.bytes_done.load(Ordering::Relaxed));
                }
                news.send(Change::Ended(match result {
                    Ok(state) => state,
                    Err(e) => JobState::Failed {
                        message: e.to_string(),
                        hint: e.hint(),
                    },
                }))
                .await;
            }
        };
        let task = Abortable::new(work, registration);
        let (pause, mut news) = (job.pause.clone(), news);
        tokio::spawn(async move {
            if task.await.is_err() {
                let stopped = if pause.is_set() {
                    JobState::Paused
                } else {
                    JobState::Cancelled
                };
                news.send(Change::Ended(stopped)).await;
            }
        });
    }

    /// Stops a job; a multipart upload in flight is aborted on the server.
    pub fn cancel(&self, id: u64) {
        let Some(job) = self.jobs.iter().find(|j| j.id == id) else {
            return;
        };
        if job.state() == JobState::Exists {
            job.set_state(JobState::Cancelled, Instant::now());
            (self.notify)();
        } else if job.state() == JobState::Paused {
            // Its upload waits on the server for a resume: remove it there too.
            job.set_state(JobState::Cancelled, Instant::now());
            if job.direction == Direction::Upload {
                let (connection, bucket, key, local) = (
                    self.connection.clone(),
                    job.bucket.clone(),
                    job.key.clone(),
                    job.local.clone(),
                );
                tokio::spawn(async move {
                    super::discard_paused_upload(&connection, &bucket, &key, &local).await;
                });
            }
            (self.notify)();
        } else if !job.state().is_finished()
            && let Some(run) = job.run.lock().expect("job run lock").take()
        {
            run.cancel();
        }
        if job.direction == Direction::Download && job.state() != JobState::Done {
            // Let the aborted task drop its file handles first.
            let local = job.local.clone();
            tokio::spawn(async move {
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                super::discard_partial_download(&local);
            });
        }
    }

    /// Stops a job so that it can go on later: a multipart upload keeps its sent parts.
    pub fn pause(&self, id: u64) {
        if let Some(job) = self.jobs.iter().find(|j| j.id == id)
            && matches!(job.state(), JobState::Queued | JobState::Running)
            && let Some(run) = job.run.lock().expect("job run lock").take()
        {
            run.pause();
        }
    }

    /// Goes on with a paused job; an upload sends only the parts it had not sent.
    pub fn resume(&self, id: u64) {
        if let Some(job) = self.jobs.iter().find(|j| j.id == id)
            && job.state() == JobState::Paused
        {
            job.pause.clear();
            job.progress.bytes_done.store(0, Ordering::Relaxed);
            self.start(job.clone());
        }
    }

    pub fn pause_all(&self) {
        for job in &self.jobs {
            self.pause(job.id);
        }
    }

    pub fn resume_all(&self) {
        for job in &self.jobs {
            self.resume(job.id);
        }
    }

    pub fn cancel_all(&self) {
        for job in &self.jobs {
            self.cancel(job.id);
        }
    }

    /// Runs a failed or cancelled job again from the start.
    pub fn retry(&self, id: u64) {
        if let Some(job) = self.jobs.iter().find(|j| j.id == id)
            && matches!(job.state(), JobState::Failed { .. } | JobState::Cancelled)
        {
            job.progress.bytes_done.store(0, Ordering::Relaxed);
            self.start(job.clone());
        }
    }

    pub fn clear_finished(&mut self) {
        let cleared = &mut self.cleared_bytes;
        self.jobs.retain(|j| {
            let finished = matches!(
                j.state(),
                JobState::Done | JobState::Skipped | JobState::Cancelled
            );
            if finished {
                *cleared += j.progress.bytes_done.load(Ordering::Relaxed);
            }
            !finished
        });
    }
}

impl QueueView for TransferQueue {
    fn len(&self) -> usize {
        self.jobs.len()
    }
    fn row(&self, index: usize) -> Option<JobRow> {
        self.jobs.get(index).map(|j| j.row())
    }
    fn totals(&self) -> Totals {
        TransferQueue::totals(self)
    }
    fn uploads_into(&self, bucket: &str, prefix: &str) -> bool {
        self.jobs.iter().any(|j| {
            j.direction == Direction::Upload && j.bucket == bucket && j.key.starts_with(prefix)
        })
    }
    fn pause(&mut self, id: u64) {
        TransferQueue::pause(self, id);
    }
    fn resume(&mut self, id: u64) {
        TransferQueue::resume(self, id);
    }
    fn cancel(&mut self, id: u64) {
        TransferQueue::cancel(self, id);
    }
    fn retry(&mut self, id: u64) {
        TransferQueue::retry(self, id);
    }
    fn pause_all(&mut self) {
        TransferQueue::pause_all(self);
    }
    fn resume_all(&mut self) {
        TransferQueue::resume_all(self);
    }
    fn cancel_all(&mut self) {
        TransferQueue::cancel_all(self);
    }
    fn clear_finished(&mut self) {
        TransferQueue::clear_finished(self);
    }
    fn decide(&mut self, policy: IfExists) {
        TransferQueue::decide(self, policy);
    }
}

/// A version id's first characters, as the versions window shows them.
fn short_version(id: &str) -> &str {
    id.char_indices().nth(12).map_or(id, |(at, _)| &id[..at])
}
