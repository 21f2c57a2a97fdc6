//! What a transfer job is on every platform: its direction and state, what it does when the
//! destination exists, and the view a queue panel draws. The desktop queue (tokio, files) and the
//! browser queue (`Blob` slices) both offer [`QueueView`], so one panel serves both.

use crate::s3::object_io::ObjectHeaders;
use crate::s3::{Connection, S3Error};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Upload,
    Download,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobState {
    Queued,
    Running,
    /// Stopped by the user; an upload keeps its sent parts for the resume.
    Paused,
    Done,
    /// The destination exists and the policy said skip.
    Skipped,
    /// The destination exists and the user asked to be asked: waiting for [`QueueView::decide`].
    Exists,
    Failed {
        message: String,
        hint: String,
    },
    Cancelled,
}

impl JobState {
    pub fn is_finished(&self) -> bool {
        matches!(
            self,
            Self::Done | Self::Skipped | Self::Failed { .. } | Self::Cancelled
        )
    }
}

/// What a job does when its destination exists: a policy, or ask the user first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Conflict {
    #[default]
    Ask,
    Decided(IfExists),
}

/// What to do when the destination (key or local file) is already there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IfExists {
    #[default]
    Overwrite,
    Skip,
    /// Keep both: the new one becomes `name (1).ext`, `name (2).ext`, ...
    Rename,
}

impl IfExists {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "overwrite" => Some(Self::Overwrite),
            "skip" => Some(Self::Skip),
            "rename" => Some(Self::Rename),
            _ => None,
        }
    }
}

/// `name (n).ext` for the n-th alternative to `name.ext` (a key or a file name).
pub fn numbered(name: &str, n: u32) -> String {
    let (dir, file) = name.rsplit_once('/').map_or(("", name), |(d, f)| (d, f));
    let (stem, ext) = match file.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => (stem, format!(".{ext}")),
        _ => (file, String::new()),
    };
    let renamed = format!("{stem} ({n}){ext}");
    if dir.is_empty() && !name.starts_with('/') {
        renamed
    } else {
        format!("{dir}/{renamed}")
    }
}

/// Files at once when nothing has been measured yet: twice the fixed default before, as 16
/// at once was always worth doubling over a link of any length.
pub const START: usize = 32;
/// Parts of one file in flight unless the user says otherwise: 16 parts of 8 MiB fill a
/// 1 Gbit/s link at 80 ms within the memory bound.
pub const PARTS_AT_ONCE: usize = 16;
/// The most files at once (s5cmd runs 256 workers).
pub const MAX: usize = 256;

/// How many files at once: a fixed number, or found by measuring.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilesAtOnce {
    Fixed(usize),
    Adaptive { start: usize, max: usize },
}

impl Default for FilesAtOnce {
    fn default() -> Self {
        Self::Adaptive {
            start: START,
            max: MAX,
        }
    }
}

impl FilesAtOnce {
    /// A number the user gave, else measured.
    pub fn from_flag(flag: Option<usize>) -> Self {
        match flag {
            Some(n) => Self::Fixed(n.max(1)),
            None => Self::default(),
        }
    }

    /// The most it can ever be.
    pub fn most(self) -> usize {
        match self {
            Self::Fixed(n) => n.max(1),
            Self::Adaptive { start, max } => max.max(start).max(1),
        }
    }
}

#[derive(Debug, Clone)]
pub struct TransferOptions {
    pub part_size_bytes: u64,
    pub multipart_threshold_bytes: u64,
    /// Parts of one file in flight at once.
    pub concurrency: usize,
    /// Files (or objects) moved at once; their parts share the scheduler's permits.
    pub files_at_once: FilesAtOnce,
    pub storage_class: Option<String>,
    /// Overrides the type guessed from the file name.
    pub content_type: Option<String>,
    pub metadata: Vec<(String, String)>,
    /// What a batch does when the destination already exists.
    pub if_exists: IfExists,
    /// Note each finished download in the downloads ledger (the app and `skiff cp` do; a
    /// library user or a test need not).
    pub record_downloads: bool,
}

impl Default for TransferOptions {
    fn default() -> Self {
        Self {
            part_size_bytes: super::plan::DEFAULT_PART_SIZE_BYTES,
            multipart_threshold_bytes: super::plan::DEFAULT_MULTIPART_THRESHOLD_BYTES,
            concurrency: PARTS_AT_ONCE,
            files_at_once: FilesAtOnce::default(),
            storage_class: None,
            content_type: None,
            metadata: Vec::new(),
            if_exists: IfExists::Overwrite,
            record_downloads: false,
        }
    }
}

impl TransferOptions {
    /// What an upload to `key` stores besides its bytes: the content type given, else the one
    /// the browser reports for the file, else one guessed from the name.
    pub fn headers_for(&self, key: &str, browser_type: Option<String>) -> ObjectHeaders {
        let content_type = (self.content_type.clone())
            .or(browser_type.filter(|t| !t.is_empty()))
            .unwrap_or_else(|| super::content::guess_content_type(key).to_owned());
        ObjectHeaders {
            content_type,
            storage_class: self.storage_class.clone(),
            metadata: self.metadata.clone(),
        }
    }
}

/// The key an upload should go to under `policy`, or `None` to skip it.
pub async fn upload_destination(
    connection: &Connection,
    bucket: &str,
    key: &str,
    policy: IfExists,
) -> Result<Option<String>, S3Error> {
    if policy == IfExists::Overwrite {
        return Ok(Some(key.to_owned()));
    }
    let exists = |k: String| async move {
        match crate::s3::objects::head_object(connection, bucket, &k).await {
            Ok(_) => Ok(true),
            Err(S3Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(e),
        }
    };
    if !exists(key.to_owned()).await? {
        return Ok(Some(key.to_owned()));
    }
    if policy == IfExists::Skip {
        return Ok(None);
    }
    for n in 1..10_000 {
        let candidate = numbered(key, n);
        if !exists(candidate.clone()).await? {
            return Ok(Some(candidate));
        }
    }
    Ok(None)
}

#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Totals {
    pub jobs: usize,
    pub done: usize,
    pub failed: usize,
    pub active: usize,
    pub paused: usize,
    pub skipped: usize,
    /// Waiting for the user to say what to do with an existing destination.
    pub waiting: usize,
    pub bytes_done: u64,
    pub bytes_total: u64,
    /// Bytes per second over the last seconds (0 where the queue does not measure it).
    pub rate: f64,
    /// Requests holding a connection now.
    pub requests_in_flight: usize,
    /// Files the queue lets move at once now (raised while throughput grows).
    pub files_at_once: usize,
}

impl Totals {
    /// Adds one job's state and bytes.
    pub fn count(&mut self, state: &JobState, bytes_done: u64, bytes_total: u64) {
        self.jobs += 1;
        match state {
            JobState::Done => self.done += 1,
            JobState::Failed { .. } => self.failed += 1,
            JobState::Queued | JobState::Running => self.active += 1,
            JobState::Paused => self.paused += 1,
            JobState::Skipped => self.skipped += 1,
            JobState::Exists => self.waiting += 1,
            JobState::Cancelled => {}
        }
        self.bytes_done += bytes_done;
        self.bytes_total += bytes_total;
    }
}

/// One transfer as the queue panel shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct JobRow {
    pub id: u64,
    pub direction: Direction,
    /// The file name (upload) or the key's last segment (download).
    pub name: String,
    /// The other key or file name "keep both" chose, if it chose one.
    pub landed_as: Option<String>,
    pub bucket: String,
    pub key: String,
    /// The local side: a path on the desktop, the file's name in a browser.
    pub local: String,
    pub bytes_done: u64,
    pub bytes_total: u64,
    /// Bytes per second since the job started (to its end, once finished).
    pub rate: f64,
    /// Seconds left at the current rate, while running.
    pub eta_secs: Option<f64>,
    pub state: JobState,
}

/// Seconds left at `rate` while running, for [`JobRow::eta_secs`].
pub fn eta_secs(state: &JobState, rate: f64, bytes_done: u64, bytes_total: u64) -> Option<f64> {
    (*state == JobState::Running && rate > 0.0 && bytes_total > bytes_done)
        .then(|| (bytes_total - bytes_done) as f64 / rate)
}

/// The last segment of a key or path, for a job's name.
pub fn last_segment(key: &str) -> &str {
    key.rsplit('/').find(|s| !s.is_empty()).unwrap_or(key)
}

/// What a queue panel reads from a transfer queue and asks of it. Rows are read one at a time
/// so that a panel draws only the rows on screen, however long the queue.
pub trait QueueView {
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    fn row(&self, index: usize) -> Option<JobRow>;
    fn totals(&self) -> Totals;
    /// Whether any upload goes under `s3://bucket/prefix`. Asked when uploads finish, so it
    /// reads the jobs in place rather than building a row for each.
    fn uploads_into(&self, bucket: &str, prefix: &str) -> bool;
    fn pause(&mut self, id: u64);
    fn resume(&mut self, id: u64);
    fn cancel(&mut self, id: u64);
    fn retry(&mut self, id: u64);
    fn pause_all(&mut self);
    fn resume_all(&mut self);
    fn cancel_all(&mut self);
    fn clear_finished(&mut self);
    /// Answers every job waiting on an existing destination.
    fn decide(&mut self, policy: IfExists);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renamed_copies_keep_their_extension() {
        assert_eq!(numbered("a/b/model.ckpt", 1), "a/b/model (1).ckpt");
        assert_eq!(numbered("README", 2), "README (2)");
        assert_eq!(numbered(".env", 1), ".env (1)");
        assert_eq!(numbered("x/archive.tar.gz", 3), "x/archive.tar (3).gz");
        assert_eq!(IfExists::parse("skip"), Some(IfExists::Skip));
        assert_eq!(IfExists::parse("ask"), None);
    }
}
