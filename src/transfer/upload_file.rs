//! Uploads from the desktop: a file read at each part's offset, with a journal beside it so that
//! a crash, a quit or a pause costs only the parts not yet sent. The sequence of requests is the
//! shared worker's ([`super::upload`]).

use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use super::error::TransferError;
use super::job::TransferOptions;
use super::journal::{SentPart, UploadJournal, claim_journal};
use super::plan::plan_parts;
use super::positioned_io::read_exact_at;
use super::scheduler::{Pause, Progress, Scheduler};
use super::upload::{Begun, PartSource, Upload, UploadRecord, upload};
use crate::s3::Connection;
use crate::s3::object_io::ObjectRef;

/// Uploads one file to `s3://bucket/key`. Bodies go unsigned where
/// [`Connection::signs_payloads`] allows: hashing every byte with SHA-256 for the signature took
/// 7 s of CPU per GiB here, three quarters of the upload's time.
pub async fn upload_file(
    connection: &Connection,
    scheduler: &Scheduler,
    path: &Path,
    bucket: &str,
    key: &str,
    options: &TransferOptions,
    progress: &Progress,
) -> Result<(), TransferError> {
    let object = ObjectRef::new(connection, bucket, key);
    let never = Pause::default();
    upload_file_pausable(&object, scheduler, path, options, progress, &never).await
}

/// As [`upload_file`], for a transfer that `pause` may stop for a pause: set when the future
/// is dropped, the multipart upload and its journal stay for the resume.
pub async fn upload_file_pausable(
    object: &ObjectRef<'_>,
    scheduler: &Scheduler,
    path: &Path,
    options: &TransferOptions,
    progress: &Progress,
    pause: &Pause,
) -> Result<(), TransferError> {
    let (connection, bucket, key) = (object.connection, object.bucket, object.key);
    let meta = tokio::fs::metadata(path)
        .await
        .map_err(|e| TransferError::io(path, e))?;
    let size = meta.len();
    let multipart = size >= options.multipart_threshold_bytes;
    // A multipart upload holds its journal while it runs, so that no other window or command
    // sends the same parts.
    let (_claim, journal) = if multipart {
        let part_size_bytes = plan_parts(size, options.part_size_bytes)?.part_size_bytes;
        let claim = claim_journal(&UploadJournal::file_for(bucket, key, path), || {
            format!("The upload of {} to s3://{bucket}/{key}", path.display())
        })
        .await?;
        let journal = UploadJournal::find(bucket, key, path, &meta, part_size_bytes)
            .unwrap_or_else(|| {
                let endpoint = &connection.target().endpoint;
                UploadJournal::new(endpoint, bucket, key, path, &meta, "", part_size_bytes)
            });
        (Some(claim), Some(journal))
    } else {
        (None, None)
    };
    let source = FileSource {
        file: Arc::new(std::fs::File::open(path).map_err(|e| TransferError::io(path, e))?),
        path,
        meta,
        scheduler,
    };
    let record = JournalRecord {
        journal: Mutex::new(journal),
        progress,
        pause,
    };
    let job = Upload {
        object: *object,
        headers: options.headers_for(key, None),
        multipart_threshold_bytes: options.multipart_threshold_bytes,
        part_size_bytes: options.part_size_bytes,
        parts_in_flight: options.concurrency,
    };
    upload(&job, &source, &record).await
}

/// A file read at each part's offset, each part holding its share of the scheduler's requests
/// and memory until it is sent.
struct FileSource<'a> {
    file: Arc<std::fs::File>,
    path: &'a Path,
    meta: std::fs::Metadata,
    scheduler: &'a Scheduler,
}

impl PartSource for FileSource<'_> {
    type Held = super::scheduler::Held;

    fn size_bytes(&self) -> u64 {
        self.meta.len()
    }

    async fn read(&self, start: u64, end: u64) -> Result<(Vec<u8>, Self::Held), TransferError> {
        let held = self.scheduler.permit(end - start).await;
        let (file, path) = (self.file.clone(), self.path.to_owned());
        let bytes = tokio::task::spawn_blocking(move || {
            let mut buffer = vec![0u8; (end - start) as usize];
            match read_exact_at(&file, &mut buffer, start) {
                Ok(()) => Ok(buffer),
                // Shorter than when the upload began.
                Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                    Err(TransferError::SourceChanged { path })
                }
                Err(e) => Err(TransferError::io(&path, e)),
            }
        })
        .await
        .map_err(|e| TransferError::io(self.path, std::io::Error::other(e)))??;
        Ok((bytes, held))
    }

    /// By the open file's own metadata (an fstat, which needs no disk read): a thread hop per
    /// check would cost every small file of a folder upload a second trip.
    async fn check_unchanged(&self) -> Result<(), TransferError> {
        let unchanged = self.file.metadata().is_ok_and(|m| {
            m.len() == self.meta.len() && m.modified().ok() == self.meta.modified().ok()
        });
        match unchanged {
            true => Ok(()),
            false => Err(TransferError::SourceChanged {
                path: self.path.to_owned(),
            }),
        }
    }
}

/// The upload's journal on disk (none for a single PUT, which has nothing to resume), and its
/// progress for the queue and the command line.
struct JournalRecord<'a> {
    journal: Mutex<Option<UploadJournal>>,
    progress: &'a Progress,
    pause: &'a Pause,
}

impl JournalRecord<'_> {
    /// Changes the journal and writes it.
    fn note(&self, change: impl FnOnce(&mut UploadJournal)) {
        let mut journal = self.journal.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(journal) = journal.as_mut() {
            change(journal);
            if let Err(e) = journal.save() {
                tracing::warn!(
                    "resume journal for {} not written: {e}",
                    journal.source.display()
                );
            }
        }
    }
}

impl UploadRecord for JournalRecord<'_> {
    fn current(&self) -> Option<Begun> {
        let journal = self.journal.lock().unwrap_or_else(|e| e.into_inner());
        let journal = journal.as_ref().filter(|j| !j.upload_id.is_empty())?;
        Some(Begun {
            upload_id: journal.upload_id.clone(),
            parts: journal.parts.clone(),
        })
    }

    fn begun(&self, upload_id: &str) {
        self.note(|journal| {
            journal.upload_id = upload_id.to_owned();
            journal.parts.clear();
        });
    }

    fn part_sent(&self, number: u32, part: &SentPart) {
        self.note(|journal| {
            journal.parts.insert(number, part.clone());
        });
    }

    fn forget(&self) {
        let mut journal = self.journal.lock().unwrap_or_else(|e| e.into_inner());
        // Kept in memory, empty: an upload started over after a dead one gets a journal again.
        if let Some(journal) = journal.as_mut() {
            journal.remove();
            journal.upload_id.clear();
            journal.parts.clear();
        }
    }

    fn add_bytes(&self, bytes: u64) {
        self.progress.add(bytes);
    }

    fn resumed(&self, parts: u64, bytes: u64, parts_total: u64) {
        self.progress.parts_resumed.store(parts, Ordering::Relaxed);
        self.progress
            .parts_total
            .store(parts_total, Ordering::Relaxed);
        self.progress.add(bytes);
    }

    fn pausing(&self) -> bool {
        self.pause.is_set()
    }
}

/// Aborts the multipart upload a paused transfer of `source` left, and forgets its journal.
pub async fn discard_paused_upload(
    connection: &Connection,
    bucket: &str,
    key: &str,
    source: &Path,
) {
    if let Some(journal) = UploadJournal::load(bucket, key, source) {
        let object = ObjectRef::new(connection, bucket, key);
        // Gone already, or unreachable: the server ends forgotten uploads by its lifecycle rule,
        // and the uploads cleanup lists them.
        if let Err(e) = object.abort_multipart_upload(&journal.upload_id).await {
            tracing::warn!("{}", crate::format::escape_lines(&e.with_hint()));
        }
        journal.remove();
    }
}
