//! Downloads on tokio: one GET for small objects, else parallel ranged GETs written at their
//! offsets into `dest.skiff-part`, each part's checksum taken as it arrives, renamed to `dest`
//! once every byte is there and checked.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;

use aws_sdk_s3::primitives::ByteStream;

mod partial_file;
mod ranges;

use super::checksum::{PartChecksum, PartCrc, StoredChecksum, parts_confirm};
use super::error::TransferError;
use super::job::{IfExists, TransferOptions};
use super::journal::{DownloadJournal, claim_journal};
use super::local_paths::{create_partial, folder_of, land, make_folder_within};
use super::plan::{self, PartPlan, plan_parts};
use super::scheduler::{Progress, Scheduler};
use crate::s3::object_io::ObjectRef;
use crate::s3::retry::back_off;
use crate::s3::{Connection, S3Error};
use partial_file::{PartialFile, resume_or_start};
use ranges::{BODY_BREAKS_IN_A_ROW, BODY_STALL_SECS, Noted, PartFetch, fetch_missing};

/// Downloads `s3://bucket/key` to the file `dest`, which stays in its folder: parallel ranged
/// GETs for large objects, written at their offsets into `dest.skiff-part`, put in `dest`'s
/// place once every byte is there.
pub async fn download_object(
    connection: &Connection,
    scheduler: &Scheduler,
    bucket: &str,
    key: &str,
    dest: &Path,
    options: &TransferOptions,
    progress: &Arc<Progress>,
) -> Result<u64, TransferError> {
    let object = ObjectRef::new(connection, bucket, key);
    download_object_within(&object, scheduler, dest, folder_of(dest), options, progress).await
}

/// As [`download_object`], to `dest` below the folder `within` the user chose, which no
/// symbolic link lets it leave.
pub async fn download_object_within(
    object: &ObjectRef<'_>,
    scheduler: &Scheduler,
    dest: &Path,
    within: &Path,
    options: &TransferOptions,
    progress: &Arc<Progress>,
) -> Result<u64, TransferError> {
    let downloads = Downloads {
        connection: object.connection,
        scheduler,
        options,
        progress,
        root: within,
    };
    downloads
        .download_version(object.bucket, object.key, object.version_id, None, dest)
        .await
}

/// What the downloads of one run (one object, or a prefix) share.
pub(crate) struct Downloads<'a> {
    pub connection: &'a Connection,
    pub scheduler: &'a Scheduler,
    pub options: &'a TransferOptions,
    pub progress: &'a Arc<Progress>,
    /// The folder the user chose: nothing is written outside it.
    pub root: &'a Path,
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
        self.download_version(bucket, key, None, listed_size, dest)
            .await
    }

    /// As [`Self::download`], of one version of the object (`None`: the current one).
    pub(crate) async fn download_version(
        &self,
        bucket: &str,
        key: &str,
        version_id: Option<&str>,
        listed_size: Option<u64>,
        dest: &Path,
    ) -> Result<u64, TransferError> {
        let made_folders = make_folder_within(self.root, dest)?;
        let object = ObjectRef::new(self.connection, bucket, key).at_version(version_id);
        let (size, landed) = fetch_object(self, &object, listed_size, dest).await?;
        if self.options.record_downloads {
            crate::local_data::ledger::record(&landed, bucket, key, made_folders);
        }
        Ok(size)
    }
}

async fn fetch_object(
    downloads: &Downloads<'_>,
    object: &ObjectRef<'_>,
    listed_size: Option<u64>,
    dest: &Path,
) -> Result<(u64, PathBuf), TransferError> {
    let (bucket, key) = (object.bucket, object.key);
    let Downloads {
        connection,
        scheduler,
        options,
        progress,
        ..
    } = *downloads;
    if let Some(size) = listed_size.filter(|s| *s < options.multipart_threshold_bytes) {
        return download_whole(downloads, object, size, dest).await;
    }
    let target = connection.target().bucket(bucket).key(key);
    let head = object.head_with_checksum().await?;
    let size = head.content_length().unwrap_or(0).max(0) as u64;
    // A download of one object learns its total here (a prefix's comes from its listing).
    let _ = (progress.bytes_total).compare_exchange(0, size, Ordering::Relaxed, Ordering::Relaxed);
    let etag = head.e_tag().map(str::to_owned);
    if size == 0 || size < options.multipart_threshold_bytes {
        // Whole, so that the SDK checks any full-object checksum the server stored.
        return download_whole(downloads, object, size, dest).await;
    }
    let stored = StoredChecksum::readings(&head);
    // Only an unambiguous value is checked (see `parts_confirm`): without one, taking the
    // parts' checksums would cost CPU for nothing.
    let (part_checksum, upload_parts) = match stored.as_slice() {
        [only] => (Some(only.part_checksum()), only.composite_parts()),
        _ => (None, None),
    };
    // What the journal records of each part, so that a resume can check the bytes on disk are
    // the bytes that arrived: the object's own checksum, else CRC32C (cheap where the CPU has
    // an instruction for it, and taken only for objects that carry no checksum of their own).
    let journal_checksum = part_checksum.unwrap_or(PartChecksum::Crc32c);
    let partial = DownloadJournal::partial_for(dest);
    // Parts that are the upload's parts check a composite checksum as they arrive.
    let plan = match upload_parts {
        Some(parts) => upload_plan(object, etag.as_deref(), size, parts).await,
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
        part_checksum: Some(journal_checksum),
        endpoint: target.endpoint.clone(),
        bucket: bucket.to_owned(),
        key: key.to_owned(),
        version_id: object.version_id.map(str::to_owned),
        dest: dest.to_owned(),
    };
    let (journal, resumed, missing) = resume_or_start(identity, &plan, &partial).await?;
    progress.parts_total.store(part_count, Ordering::Relaxed);
    progress
        .parts_resumed
        .store(resumed.len() as u64, Ordering::Relaxed);
    progress.add(resumed.iter().map(|r| r.len).sum());
    let download = PartFetch {
        connection: connection.clone(),
        bucket: bucket.to_owned(),
        key: key.to_owned(),
        version_id: object.version_id.map(str::to_owned),
        etag,
        plan,
        journal_checksum,
        file: PartialFile::open(&partial)?,
        journal: std::sync::Mutex::new(Noted::new(journal)),
        stopped: Default::default(),
        progress: progress.clone(),
    };
    let mut fetched = fetch_missing(download, &missing, scheduler, options).await?;
    // A failed run keeps its partial file and journal: the next run sends only what is missing.
    fetched.extend(resumed);
    let landed = settle(
        object,
        &stored,
        fetched,
        &partial,
        dest,
        size,
        options.if_exists,
    )
    .await?;
    Ok((size, landed))
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
    if_exists: IfExists,
) -> Result<PathBuf, TransferError> {
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
    let landed = land(partial, dest, if_exists)?;
    DownloadJournal::remove(dest);
    Ok(landed)
}

/// The parts a multipart object was uploaded in, from a HEAD of its first part, or `None` where
/// the server does not tell (it ignores `partNumber`, or the sizes do not fit `parts`).
async fn upload_plan(
    object: &ObjectRef<'_>,
    etag: Option<&str>,
    size: u64,
    parts: u64,
) -> Option<PartPlan> {
    let first_part_bytes = object.first_part_bytes(etag).await?;
    plan::upload_layout(size, first_part_bytes, parts)
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
    downloads: &Downloads<'_>,
    object: &ObjectRef<'_>,
    size: u64,
    dest: &Path,
) -> Result<(u64, PathBuf), TransferError> {
    let (bucket, key) = (object.bucket, object.key);
    let Downloads {
        connection,
        scheduler,
        progress,
        ..
    } = *downloads;
    let target = connection.target().bucket(bucket).key(key);
    let _held = scheduler.permit(size).await;
    let mut breaks = 0u32;
    let bytes = loop {
        let mut body = object.get(None, None, true).await?;
        let mut bytes = Vec::with_capacity(size as usize);
        let broke = loop {
            match next_chunk(&mut body).await {
                // A server that sends more than it listed is not read into memory without end.
                Ok(Some(chunk)) if (bytes.len() + chunk.len()) as u64 > size => {
                    return Err(broken_off(
                        &target,
                        format!("the server sent more than the {size} bytes it listed"),
                    )
                    .into());
                }
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
    let if_exists = downloads.options.if_exists;
    let landed = if bytes.len() <= INLINE_WRITE_BYTES {
        write_whole(dest, &bytes, if_exists)?
    } else {
        let dest_owned = dest.to_owned();
        tokio::task::spawn_blocking(move || write_whole(&dest_owned, &bytes, if_exists))
            .await
            .map_err(|e| TransferError::io(dest, std::io::Error::other(e)))??
    };
    progress.add(size);
    Ok((size, landed))
}

/// Files up to this size are written on the runtime's thread: a write of 1 MiB into the page
/// cache takes well under a millisecond, less than the trip to a blocking thread and back. For
/// 2,000 files of 64 KiB from Garage, that trip cost 0.3 s of system time and half again as many
/// involuntary context switches (/usr/bin/time, 3 runs each, alternating).
const INLINE_WRITE_BYTES: usize = plan::MIB as usize;

/// `bytes` into `dest.skiff-part`, then put in `dest`'s place.
fn write_whole(dest: &Path, bytes: &[u8], if_exists: IfExists) -> Result<PathBuf, TransferError> {
    use std::io::Write;
    let partial = DownloadJournal::partial_for(dest);
    create_partial(&partial)?
        .write_all(bytes)
        .map_err(|e| TransferError::io(&partial, e))?;
    land(&partial, dest, if_exists)
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
