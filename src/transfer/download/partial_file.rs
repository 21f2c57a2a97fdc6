//! The partial file of a large download: where its parts are written, and how an earlier run's
//! parts are found again and checked before they are trusted.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::transfer::checksum::{PartChecksum, PartCrc, PartHasher};
use crate::transfer::error::TransferError;
use crate::transfer::journal::DownloadJournal;
use crate::transfer::local_paths::{create_partial, reopen_partial};
use crate::transfer::plan::PartPlan;
use crate::transfer::positioned_io::{read_exact_at, write_all_at};

/// The journal of an earlier run of this download (a crash, a kill, a pause), the parts it
/// wrote and the parts still missing; or, where there is none that fits `identity`, a new
/// journal and partial file of the object's size. A journal is not taken on its word: one that
/// names parts the plan has not is discarded, and each part it names is read back from the
/// partial file and checked (a power cut can leave written pages as zeros), so that only parts
/// whose bytes are on disk are kept.
pub(super) async fn resume_or_start(
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
    let found = found.filter(|j| !j.parts.is_empty()).and_then(|j| {
        let fits = j.parts.iter().all(|(&index, &(len, _))| {
            index < plan.part_count && {
                let (start, end) = plan.range(index);
                len == end - start
            }
        });
        if !fits {
            tracing::warn!(
                "the resume journal of {} names parts this download has not; it was discarded",
                crate::format::escape_controls(&identity.dest.display().to_string())
            );
        }
        fits.then_some(j)
    });
    let Some(mut found) = found else {
        // A journal of another object (or part size) at this destination no longer applies.
        DownloadJournal::remove(&identity.dest);
        let file = create_partial(partial)?;
        file.set_len(identity.size_bytes)
            .map_err(|e| TransferError::io(partial, e))?;
        return Ok((identity, Vec::new(), (0..plan.part_count).collect()));
    };
    let (checked, bad) = {
        let (file, checksum) = (reopen_partial(partial)?, identity.part_checksum);
        let (parts, plan) = (found.parts.clone(), *plan);
        tokio::task::spawn_blocking(move || parts_on_disk(&file, &plan, checksum, parts))
            .await
            .map_err(|e| TransferError::io(partial, std::io::Error::other(e)))?
    };
    if bad > 0 {
        tracing::warn!(
            "{bad} parts the resume journal of {} names were not on disk as written; they are fetched again",
            crate::format::escape_controls(&identity.dest.display().to_string())
        );
    }
    found.parts = checked;
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

/// The parts of `parts` whose bytes in `file` still have the checksum the journal noted, and
/// how many did not.
fn parts_on_disk(
    file: &std::fs::File,
    plan: &PartPlan,
    checksum: Option<PartChecksum>,
    parts: std::collections::BTreeMap<u64, (u64, u64)>,
) -> (std::collections::BTreeMap<u64, (u64, u64)>, usize) {
    let mut hasher = PartHasher::new(checksum);
    let mut buffer = vec![0u8; 1 << 20];
    let mut bad = 0;
    let kept = parts
        .into_iter()
        .filter(|&(index, (len, crc))| {
            let (start, end) = plan.range(index);
            let mut offset = start;
            let mut readable = true;
            while readable && offset < end {
                let n = ((end - offset) as usize).min(buffer.len());
                readable = read_exact_at(file, &mut buffer[..n], offset).is_ok();
                hasher.update(&buffer[..n]);
                offset += n as u64;
            }
            let same = hasher.finish() == crc && readable && len == end - start;
            bad += usize::from(!same);
            same
        })
        .collect();
    (kept, bad)
}

/// The size of each write of a ranged download. The kernel gives a write a page-cache folio as
/// large as the write, and folios over 32 KiB (order 3) come from the allocator's slow path,
/// which compacts memory first where it is fragmented. On the development machine (a VM whose
/// freed memory goes back to its host) a python loop writing 1 GiB was slow (0.42-1.47 s of
/// system time instead of 0.18-0.25 s) in 3 of 8 runs with 128 KiB writes and 2 of 3 with 1
/// MiB, never with 32 or 64 KiB. After the benchmark's uploads, runs 2-5 of a 1 GiB download
/// took 0.54-1.42 s of system time with 64 KiB writes, 0.57-0.71 s with 32 KiB (s5cmd, which
/// writes 32 KiB, 0.43-0.53 s).
pub(super) const WRITE_BLOCK_BYTES: usize = 32 * 1024;

/// The partial file of one download, one handle shared by its ranges.
pub(super) struct PartialFile {
    file: std::fs::File,
    path: PathBuf,
}

impl PartialFile {
    pub(super) fn open(path: &Path) -> Result<Arc<Self>, TransferError> {
        let file = reopen_partial(path)?;
        Ok(Arc::new(Self {
            file,
            path: path.to_owned(),
        }))
    }

    /// Makes every byte written so far durable (`fdatasync`).
    pub(super) fn sync_data(&self) -> std::io::Result<()> {
        self.file.sync_data()
    }
}

/// Writes a ranged download at its offset in the partial file in blocks of
/// [`WRITE_BLOCK_BYTES`], each with one `pwrite` on the thread that received it, while the bytes
/// are still in the CPU's cache. Handing 1 MiB blocks to a blocking thread instead cost three
/// times s5cmd's system time on a 1 GiB download (/usr/bin/time). A buffered write only copies
/// into the page cache, so the runtime's thread is not held long.
pub(super) struct OffsetWriter {
    file: Arc<PartialFile>,
    offset: u64,
    /// The start of the next block, gathered from chunks too short to make one.
    block: Vec<u8>,
}

impl OffsetWriter {
    pub(super) fn new(file: Arc<PartialFile>, offset: u64) -> Self {
        Self {
            file,
            offset,
            block: Vec::with_capacity(WRITE_BLOCK_BYTES),
        }
    }

    pub(super) fn write(&mut self, mut chunk: &[u8]) -> Result<(), TransferError> {
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
    pub(super) fn flush(&mut self) -> Result<(), TransferError> {
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

    pub(super) fn finish(mut self) -> Result<(), TransferError> {
        if self.block.is_empty() {
            return Ok(());
        }
        self.flush()
    }
}
