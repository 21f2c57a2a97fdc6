//! Downloads on tokio: one GET for small objects, else parallel ranged GETs written at their
//! offsets into `dest.skiff-part`, each part's checksum taken as it arrives, renamed to `dest`
//! once every byte is there and checked.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;

use aws_sdk_s3::primitives::ByteStream;
use futures::{StreamExt, TryStreamExt};

use super::checksum::{PartChecksum, PartCrc, PartHasher, StoredChecksum, parts_confirm};
use super::error::TransferError;
use super::job::TransferOptions;
use super::journal::{DownloadJournal, claim_journal};
use super::local_paths::partial_path;
use super::plan::{self, PartPlan, plan_parts};
use super::scheduler::{Progress, Scheduler};
use crate::s3::object_io::ObjectRef;
use crate::s3::retry::back_off;
use crate::s3::{Connection, S3Error};

/// Downloads `s3://bucket/key` to `dest`: parallel ranged GETs for large objects, written at
/// their offsets into `dest.skiff-part`, renamed to `dest` once every byte is there.
pub async fn download_object(
    connection: &Connection,
    scheduler: &Scheduler,
    bucket: &str,
    key: &str,
    dest: &Path,
    options: &TransferOptions,
    progress: &Arc<Progress>,
) -> Result<u64, TransferError> {
    let downloads = Downloads {
        connection,
        scheduler,
        options,
        progress,
    };
    downloads.download(bucket, key, None, dest).await
}

/// What the downloads of one run (one object, or a prefix) share.
pub(crate) struct Downloads<'a> {
    pub connection: &'a Connection,
    pub scheduler: &'a Scheduler,
    pub options: &'a TransferOptions,
    pub progress: &'a Arc<Progress>,
}

impl Downloads<'_> {
    /// As [`download_object`]; a size known from a listing saves the HEAD request for objects
    /// fetched in one GET. Each finished download goes into the downloads ledger.
    pub(crate) async fn download(
        &self,
        bucket: &str,
        key: &str,
        listed_size: Option<u64>,
        dest: &Path,
    ) -> Result<u64, TransferError> {
        let size = fetch_object(self, bucket, key, listed_size, dest).await?;
        if self.options.record_downloads {
            crate::local_data::ledger::record(dest, bucket, key);
        }
        Ok(size)
    }
}

async fn fetch_object(
    downloads: &Downloads<'_>,
    bucket: &str,
    key: &str,
    listed_size: Option<u64>,
    dest: &Path,
) -> Result<u64, TransferError> {
    let Downloads {
        connection,
        scheduler,
        options,
        progress,
    } = *downloads;
    if let Some(size) = listed_size.filter(|s| *s < options.multipart_threshold_bytes) {
        return download_whole(connection, scheduler, bucket, key, size, dest, progress).await;
    }
    let target = connection.target().bucket(bucket).key(key);
    let object = ObjectRef {
        connection,
        bucket,
        key,
    };
    let head = object.head_with_checksum().await?;
    let size = head.content_length().unwrap_or(0).max(0) as u64;
    let etag = head.e_tag().map(str::to_owned);
    if size == 0 || size < options.multipart_threshold_bytes {
        // Whole, so that the SDK checks any full-object checksum the server stored.
        return download_whole(connection, scheduler, bucket, key, size, dest, progress).await;
    }
    let stored = StoredChecksum::readings(&head);
    // Only an unambiguous value is checked (see `parts_confirm`): without one, taking the
    // parts' checksums would cost CPU for nothing.
    let (part_checksum, upload_parts) = match stored.as_slice() {
        [only] => (Some(only.part_checksum()), only.composite_parts()),
        _ => (None, None),
    };
    let partial = partial_path(dest)?;
    // Parts that are the upload's parts check a composite checksum as they arrive.
    let plan = match upload_parts {
        Some(parts) => upload_plan(connection, bucket, key, etag.as_deref(), size, parts).await,
        None => None,
    };
    let plan = match plan {
        Some(plan) => plan,
        None => plan_parts(size, options.part_size_bytes)?,
    };
    let part_count = plan.part_count;
    let _claim = claim_journal(&DownloadJournal::file_for(dest), || {
        format!("The download of s3://{bucket}/{key} to {}", dest.display())
    })
    .await?;
    let identity = DownloadJournal {
        etag: etag.clone(),
        size_bytes: size,
        part_size_bytes: plan.part_size_bytes,
        parts: Default::default(),
        part_checksum,
        endpoint: target.endpoint.clone(),
        bucket: bucket.to_owned(),
        key: key.to_owned(),
        dest: dest.to_owned(),
    };
    let (journal, resumed, missing) = resume_or_start(identity, &plan, &partial)?;
    progress.parts_total.store(part_count, Ordering::Relaxed);
    progress
        .parts_resumed
        .store(resumed.len() as u64, Ordering::Relaxed);
    progress.add(resumed.iter().map(|r| r.len).sum());
    let download = Arc::new(PartFetch {
        connection: connection.clone(),
        bucket: bucket.to_owned(),
        key: key.to_owned(),
        etag,
        plan,
        part_checksum,
        file: PartialFile::open(&partial)?,
        journal: std::sync::Mutex::new(journal),
        stopped: Default::default(),
        progress: progress.clone(),
    });
    let _stop_noting = StopNoting(download.clone());
    let in_flight = ranges_in_flight(options);
    let requests = range_requests(&missing, parts_per_request(&plan, in_flight));
    let mut fetched: Vec<PartCrc> = futures::stream::iter(requests)
        .map(|(first, count)| {
            let download = download.clone();
            let scheduler = scheduler.clone();
            let mut task = RangeTask(tokio::spawn(async move {
                let (_request, _memory) = scheduler.permit(WRITE_BLOCK_BYTES as u64).await;
                download.fetch(first, count).await
            }));
            let target = &target;
            async move {
                (&mut task.0).await.map_err(|e| {
                    TransferError::from(S3Error::Other {
                        what: target.describe(),
                        detail: format!("the download stopped ({e})"),
                    })
                })?
            }
        })
        .buffer_unordered(in_flight)
        .try_concat()
        .await?;
    // A failed run keeps its partial file and journal: the next run sends only what is missing.
    fetched.extend(resumed);
    let object = ObjectRef {
        connection,
        bucket,
        key,
    };
    settle(&object, &stored, fetched, &partial, dest, size).await
}

/// The journal of an earlier run of this download (a crash, a kill, a pause), the parts it
/// wrote and the parts still missing; or, where there is none that fits `identity`, a new
/// journal and partial file of the object's size.
fn resume_or_start(
    identity: DownloadJournal,
    plan: &PartPlan,
    partial: &Path,
) -> Result<(DownloadJournal, Vec<PartCrc>, Vec<u64>), TransferError> {
    let found = DownloadJournal::find(
        &identity.dest,
        identity.etag.as_deref(),
        identity.size_bytes,
        plan.part_size_bytes,
        identity.part_checksum,
    );
    let Some(found) = found.filter(|j| !j.parts.is_empty()) else {
        // A journal of another object (or part size) at this destination no longer applies.
        DownloadJournal::remove(&identity.dest);
        let file = std::fs::File::create(partial).map_err(|e| TransferError::io(partial, e))?;
        file.set_len(identity.size_bytes)
            .map_err(|e| TransferError::io(partial, e))?;
        return Ok((identity, Vec::new(), (0..plan.part_count).collect()));
    };
    let resumed = (found.parts.iter())
        .map(|(&index, &(len, crc))| PartCrc {
            start: plan.range(index).0,
            len,
            crc,
        })
        .collect();
    let missing = (0..plan.part_count)
        .filter(|i| !found.parts.contains_key(i))
        .collect();
    Ok((found, resumed, missing))
}

/// Takes the partial file as the download once every byte is there and its parts carry the
/// stored checksum; else removes it, with its journal, and says why.
async fn settle(
    object: &ObjectRef<'_>,
    stored: &[StoredChecksum],
    mut fetched: Vec<PartCrc>,
    partial: &Path,
    dest: &Path,
    size: u64,
) -> Result<u64, TransferError> {
    let (bucket, key) = (object.bucket.to_owned(), object.key.to_owned());
    fetched.sort_by_key(|p| p.start);
    let written: u64 = fetched.iter().map(|p| p.len).sum();
    if written == size && !parts_confirm(stored, &fetched, partial, size).await {
        let _ = std::fs::remove_file(partial);
        DownloadJournal::remove(dest);
        return Err(TransferError::ChecksumMismatch { bucket, key });
    }
    if written != size {
        let _ = std::fs::remove_file(partial);
        DownloadJournal::remove(dest);
        return Err(TransferError::SizeMismatch {
            bucket,
            key,
            expected: size,
            got: written,
        });
    }
    std::fs::rename(partial, dest).map_err(|e| TransferError::io(dest, e))?;
    DownloadJournal::remove(dest);
    Ok(size)
}

/// The parts a multipart object was uploaded in, from a HEAD of its first part, or `None` where
/// the server does not tell (it ignores `partNumber`, or the sizes do not fit `parts`).
async fn upload_plan(
    connection: &Connection,
    bucket: &str,
    key: &str,
    etag: Option<&str>,
    size: u64,
    parts: u64,
) -> Option<PartPlan> {
    let object = ObjectRef {
        connection,
        bucket,
        key,
    };
    let first_part_bytes = object.first_part_bytes(etag).await?;
    plan::upload_layout(size, first_part_bytes, parts)
}

/// Ranged GETs of one object in flight at once: half the transfer concurrency (8 by default), as
/// s5cmd (5), rclone (4) and the AWS CLI (10) do. On the 2-core development machine 8 kept pace
/// with s5cmd on a 1 GiB download where 16 trailed it by 16% (median of 5, same run).
fn ranges_in_flight(options: &TransferOptions) -> usize {
    (options.concurrency / 2).max(1)
}

/// The most bytes one ranged GET asks for; s5cmd asks for 50 MiB. Each request costs a
/// signature, a round trip and a lookup on the server. On a 1 GiB download from Garage, 8 MiB
/// requests took 0.93-0.94 s and 0.11-0.16 s of user time, 32-128 MiB took 0.86-0.96 s and
/// 0.05-0.11 s (4 runs each, 8 in flight).
const RANGE_REQUEST_BYTES: u64 = 64 * plan::MIB;

/// Parts of the plan per ranged GET: as many as fit in [`RANGE_REQUEST_BYTES`], but few
/// enough that a mid-sized object still keeps `in_flight` requests busy.
fn parts_per_request(plan: &PartPlan, in_flight: usize) -> u64 {
    let fit = (RANGE_REQUEST_BYTES / plan.part_size_bytes).max(1);
    plan.part_count.div_ceil(in_flight as u64).clamp(1, fit)
}

/// The missing parts (sorted) as range requests `(first, count)` of at most `per_request`
/// adjacent parts each.
fn range_requests(missing: &[u64], per_request: u64) -> Vec<(u64, u64)> {
    let mut requests: Vec<(u64, u64)> = Vec::new();
    for &part in missing {
        match requests.last_mut() {
            Some((first, count)) if *first + *count == part && *count < per_request => *count += 1,
            _ => requests.push((part, 1)),
        }
    }
    requests
}

/// A body that broke off is asked for again from its first missing byte, this many times in a
/// row without a byte arriving in between.
const BODY_BREAKS_IN_A_ROW: u32 = 5;

/// A body that sends nothing for this long counts as broken off.
const BODY_STALL_SECS: u64 = 60;

/// Ends a download's journal writes when the download returns or is dropped. Its range tasks are
/// aborted then, but one may be in the middle of noting a part: without this, a cancel that
/// removed the journal could see it written again a moment later.
struct StopNoting(Arc<PartFetch>);

impl Drop for StopNoting {
    fn drop(&mut self) {
        // Under the journal's lock, so that no note is half done once this returns.
        let _journal = self.0.journal.lock();
        self.0.stopped.store(true, Ordering::Relaxed);
    }
}

/// A ranged GET in a task of its own, stopped when whoever awaits it goes away (a pause, a
/// cancel, another range's failure). A task of its own, rather than one future among several
/// polled by the download: the connection's task and the range's task then wake each other on
/// one worker thread. On a 1 GiB download from Garage this cut voluntary context switches from
/// 13-15k to 3.1-3.4k and system time from 0.55-0.58 s to 0.44-0.46 s (/usr/bin/time, 4 of 5
/// runs each; s5cmd: 5.8-7.4k, 0.44-0.48 s).
struct RangeTask(tokio::task::JoinHandle<Result<Vec<PartCrc>, TransferError>>);

impl Drop for RangeTask {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// What the ranged GETs of one download share.
struct PartFetch {
    connection: Connection,
    bucket: String,
    key: String,
    etag: Option<String>,
    plan: PartPlan,
    /// The checksum the object carries, to be taken of each part; without one, taking any
    /// would cost a tenth of the client's CPU for nothing.
    part_checksum: Option<PartChecksum>,
    file: Arc<PartialFile>,
    /// Where each finished part is noted, until the download stops (see [`StopNoting`]).
    journal: std::sync::Mutex<DownloadJournal>,
    stopped: std::sync::atomic::AtomicBool,
    progress: Arc<Progress>,
}

impl PartFetch {
    /// Parts `first..first + count` in one ranged GET, each part's checksum taken as its bytes
    /// go by and noted in the journal once its last byte is written, so that a resume fetches only
    /// whole missing parts. A body that breaks off or stalls is asked for again from the first
    /// byte not yet received: a dropped connection costs a retry, not the range.
    async fn fetch(&self, first: u64, count: u64) -> Result<Vec<PartCrc>, TransferError> {
        let start = self.plan.range(first).0;
        let end = self.plan.range(first + count - 1).1;
        let mut done = Vec::with_capacity(count as usize);
        let mut part = PartCrc {
            start,
            len: 0,
            crc: 0,
        };
        let mut hasher = PartHasher::new(self.part_checksum);
        let mut writer = OffsetWriter::new(self.file.clone(), start);
        let mut offset = start;
        let mut breaks = 0u32;
        loop {
            let object = ObjectRef {
                connection: &self.connection,
                bucket: &self.bucket,
                key: &self.key,
            };
            // A part of a newer object must not be stitched to parts of the old.
            let mut body = (object.get(Some((offset, end)), self.etag.as_deref(), false)).await?;
            let broke = loop {
                let chunk = match next_chunk(&mut body).await {
                    Ok(Some(chunk)) => chunk,
                    Ok(None) => break None,
                    Err(why) => break Some(why),
                };
                if chunk.len() as u64 > end - offset {
                    return Err(broken_off(
                        &self.target(),
                        format!(
                            "the server sent more than the {} bytes asked for",
                            end - start
                        ),
                    )
                    .into());
                }
                breaks = 0;
                let mut rest = &chunk[..];
                while !rest.is_empty() {
                    let part_end = self.plan.range(first + done.len() as u64).1;
                    let room = (part_end - offset) as usize;
                    let (now, later) = rest.split_at(rest.len().min(room));
                    // The checksum of what arrived, while it is in memory anyway.
                    hasher.update(now);
                    part.len += now.len() as u64;
                    writer.write(now)?;
                    self.progress.add(now.len() as u64);
                    offset += now.len() as u64;
                    rest = later;
                    if offset == part_end {
                        // Written before it is noted: the journal never claims bytes not in the file.
                        writer.flush()?;
                        part.crc = hasher.finish();
                        self.note(first + done.len() as u64, &part);
                        let next = PartCrc {
                            start: offset,
                            len: 0,
                            crc: 0,
                        };
                        done.push(std::mem::replace(&mut part, next));
                    }
                }
            };
            // Every byte is in: the parts' checksums judge them, not how the body ended.
            if offset == end {
                break;
            }
            if breaks + 1 >= BODY_BREAKS_IN_A_ROW {
                let why = broke.unwrap_or_else(|| format!("it ended at byte {offset} of {end}"));
                return Err(broken_off(&self.target(), why).into());
            }
            back_off(breaks).await;
            breaks += 1;
        }
        writer.finish()?;
        Ok(done)
    }

    fn target(&self) -> crate::s3::Target {
        self.connection.target().bucket(&self.bucket).key(&self.key)
    }

    /// Notes a finished part in the journal.
    fn note(&self, index: u64, part: &PartCrc) {
        let mut journal = self.journal.lock().expect("journal lock");
        if self.stopped.load(Ordering::Relaxed) {
            return;
        }
        journal.parts.insert(index, (part.len, part.crc));
        if let Err(e) = journal.save() {
            tracing::warn!("download journal not written: {e}");
        }
    }
}

/// The size of each write of a ranged download. The kernel gives a write a page-cache folio as
/// large as the write, and folios over 32 KiB (order 3) come from the allocator's slow path,
/// which compacts memory first where it is fragmented. On the development machine (a VM whose
/// freed memory goes back to its host) a python loop writing 1 GiB was slow (0.42-1.47 s of
/// system time instead of 0.18-0.25 s) in 3 of 8 runs with 128 KiB writes and 2 of 3 with 1
/// MiB, never with 32 or 64 KiB. After the benchmark's uploads, runs 2-5 of a 1 GiB download
/// took 0.54-1.42 s of system time with 64 KiB writes, 0.57-0.71 s with 32 KiB (s5cmd, which
/// writes 32 KiB, 0.43-0.53 s).
const WRITE_BLOCK_BYTES: usize = 32 * 1024;

/// The partial file of one download, one handle shared by its ranges.
struct PartialFile {
    file: std::fs::File,
    path: PathBuf,
}

impl PartialFile {
    fn open(path: &Path) -> Result<Arc<Self>, TransferError> {
        let file = std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .map_err(|e| TransferError::io(path, e))?;
        Ok(Arc::new(Self {
            file,
            path: path.to_owned(),
        }))
    }
}

/// Writes a ranged download at its offset in the partial file in blocks of
/// [`WRITE_BLOCK_BYTES`], each with one `pwrite` on the thread that received it, while the bytes
/// are still in the CPU's cache. Handing 1 MiB blocks to a blocking thread instead cost three
/// times s5cmd's system time on a 1 GiB download (/usr/bin/time). A buffered write only copies
/// into the page cache, so the runtime's thread is not held long.
struct OffsetWriter {
    file: Arc<PartialFile>,
    offset: u64,
    /// The start of the next block, gathered from chunks too short to make one.
    block: Vec<u8>,
}

impl OffsetWriter {
    fn new(file: Arc<PartialFile>, offset: u64) -> Self {
        Self {
            file,
            offset,
            block: Vec::with_capacity(WRITE_BLOCK_BYTES),
        }
    }

    fn write(&mut self, mut chunk: &[u8]) -> Result<(), TransferError> {
        // A started block is topped up first, so that every write starts on a block boundary.
        if !self.block.is_empty() {
            let room = WRITE_BLOCK_BYTES - self.block.len();
            let (now, later) = chunk.split_at(room.min(chunk.len()));
            self.block.extend_from_slice(now);
            chunk = later;
            if self.block.len() < WRITE_BLOCK_BYTES {
                return Ok(());
            }
            self.flush()?;
        }
        // Whole blocks go to the file straight from the chunk; only the tail is copied.
        while chunk.len() >= WRITE_BLOCK_BYTES {
            let (now, later) = chunk.split_at(WRITE_BLOCK_BYTES);
            self.write_at(now)?;
            chunk = later;
        }
        self.block.extend_from_slice(chunk);
        Ok(())
    }

    /// Writes what the block holds.
    fn flush(&mut self) -> Result<(), TransferError> {
        let block = std::mem::take(&mut self.block);
        let written = self.write_at(&block);
        self.block = block;
        self.block.clear();
        written
    }

    fn write_at(&mut self, bytes: &[u8]) -> Result<(), TransferError> {
        write_all_at(&self.file.file, bytes, self.offset)
            .map_err(|e| TransferError::io(&self.file.path, e))?;
        self.offset += bytes.len() as u64;
        Ok(())
    }

    fn finish(mut self) -> Result<(), TransferError> {
        if self.block.is_empty() {
            return Ok(());
        }
        self.flush()
    }
}

#[cfg(unix)]
fn write_all_at(file: &std::fs::File, bytes: &[u8], offset: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::write_all_at(file, bytes, offset)
}

#[cfg(windows)]
fn write_all_at(file: &std::fs::File, mut bytes: &[u8], mut offset: u64) -> std::io::Result<()> {
    while !bytes.is_empty() {
        let n = std::os::windows::fs::FileExt::seek_write(file, bytes, offset)?;
        if n == 0 {
            return Err(std::io::ErrorKind::WriteZero.into());
        }
        bytes = &bytes[n..];
        offset += n as u64;
    }
    Ok(())
}

fn broken_off(target: &crate::s3::Target, e: impl std::fmt::Display) -> S3Error {
    S3Error::Other {
        what: target.describe(),
        detail: format!("the download broke off ({e})"),
    }
}

/// One GET into memory, then `dest.skiff-part`, renamed to `dest`. A body that breaks off is
/// fetched again; one that fails the SDK's check of a stored checksum is refused.
async fn download_whole(
    connection: &Connection,
    scheduler: &Scheduler,
    bucket: &str,
    key: &str,
    size: u64,
    dest: &Path,
    progress: &Progress,
) -> Result<u64, TransferError> {
    let target = connection.target().bucket(bucket).key(key);
    let (_request, _memory) = scheduler.permit(size).await;
    let mut breaks = 0u32;
    let bytes = loop {
        let object = ObjectRef {
            connection,
            bucket,
            key,
        };
        let mut body = object.get(None, None, true).await?;
        let mut bytes = Vec::with_capacity(size as usize);
        let broke = loop {
            match next_chunk(&mut body).await {
                Ok(Some(chunk)) => bytes.extend_from_slice(&chunk),
                Ok(None) => break None,
                Err(why) => break Some(why),
            }
        };
        let Some(why) = broke else { break bytes };
        if bytes.len() as u64 == size {
            // Every byte arrived, yet the body failed: the SDK found the stored checksum wrong.
            return Err(TransferError::ChecksumMismatch {
                bucket: bucket.to_owned(),
                key: key.to_owned(),
            });
        }
        if breaks + 1 >= BODY_BREAKS_IN_A_ROW {
            return Err(broken_off(&target, why).into());
        }
        back_off(breaks).await;
        breaks += 1;
    };
    if bytes.len() as u64 != size {
        return Err(TransferError::SizeMismatch {
            bucket: bucket.to_owned(),
            key: key.to_owned(),
            expected: size,
            got: bytes.len() as u64,
        });
    }
    if bytes.len() <= INLINE_WRITE_BYTES {
        write_whole(dest, &bytes)?;
    } else {
        let dest_owned = dest.to_owned();
        tokio::task::spawn_blocking(move || write_whole(&dest_owned, &bytes))
            .await
            .map_err(|e| TransferError::io(dest, std::io::Error::other(e)))??;
    }
    progress.add(size);
    Ok(size)
}

/// Files up to this size are written on the runtime's thread: a write of 1 MiB into the page
/// cache takes well under a millisecond, less than the trip to a blocking thread and back. For
/// 2,000 files of 64 KiB from Garage, that trip cost 0.3 s of system time and half again as many
/// involuntary context switches (/usr/bin/time, 3 runs each, alternating).
const INLINE_WRITE_BYTES: usize = plan::MIB as usize;

/// `bytes` into `dest.skiff-part` (its folder made), then renamed to `dest`.
fn write_whole(dest: &Path, bytes: &[u8]) -> Result<(), TransferError> {
    let partial = partial_path(dest)?;
    std::fs::write(&partial, bytes).map_err(|e| TransferError::io(&partial, e))?;
    std::fs::rename(&partial, dest).map_err(|e| TransferError::io(dest, e))
}

/// The next chunk of a body, or why there is none: an error, or a stall.
async fn next_chunk(body: &mut ByteStream) -> Result<Option<bytes::Bytes>, String> {
    match tokio::time::timeout(
        std::time::Duration::from_secs(BODY_STALL_SECS),
        body.try_next(),
    )
    .await
    {
        Ok(result) => result.map_err(|e| e.to_string()),
        Err(_) => Err(format!("nothing arrived for {BODY_STALL_SECS} s")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_parts_are_asked_for_in_runs_of_adjacent_parts() {
        assert_eq!(range_requests(&[], 8), vec![]);
        assert_eq!(
            range_requests(&[0, 1, 2, 3, 4], 2),
            vec![(0, 2), (2, 2), (4, 1)]
        );
        // A resume: parts 2, 3 and 6 were written by the earlier run.
        assert_eq!(
            range_requests(&[0, 1, 4, 5, 7, 8, 9], 8),
            vec![(0, 2), (4, 2), (7, 3)]
        );
    }

    #[test]
    fn a_request_spans_up_to_64_mib_yet_every_range_in_flight_gets_work() {
        let mib = plan::MIB;
        let gib = plan_parts(1024 * mib, 8 * mib).unwrap();
        assert_eq!(parts_per_request(&gib, 8), 8, "1 GiB: 16 GETs of 64 MiB");
        let mid = plan_parts(100 * mib, 8 * mib).unwrap();
        assert_eq!(parts_per_request(&mid, 8), 2, "100 MiB: 7 GETs, not 2");
        let huge_parts = plan_parts(1024 * mib, 128 * mib).unwrap();
        assert_eq!(parts_per_request(&huge_parts, 8), 1);
        assert_eq!(parts_per_request(&gib, 1), 8);
    }
}
