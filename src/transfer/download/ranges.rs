//! The ranged GETs of a large download: which parts each asks for, how many run at once, and
//! how each finished part is written, checked and journaled.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use futures::{StreamExt, TryStreamExt};

use super::partial_file::{OffsetWriter, PartialFile, WRITE_BLOCK_BYTES};
use super::{broken_off, next_chunk};
use crate::s3::object_io::ObjectRef;
use crate::s3::retry::back_off;
use crate::s3::{Connection, S3Error};
use crate::transfer::checksum::{PartChecksum, PartCrc, PartHasher};
use crate::transfer::error::TransferError;
use crate::transfer::job::TransferOptions;
use crate::transfer::journal::DownloadJournal;
use crate::transfer::plan::{self, PartPlan};
use crate::transfer::scheduler::{Progress, Scheduler};

/// Fetches the `missing` parts of `download` in ranged GETs, several at once, each part
/// journaled as it lands; once all are in, the journal is no longer written.
pub(super) async fn fetch_missing(
    download: PartFetch,
    missing: &[u64],
    scheduler: &Scheduler,
    options: &TransferOptions,
) -> Result<Vec<PartCrc>, TransferError> {
    let download = Arc::new(download);
    let stop_noting = StopNoting(download.clone());
    let in_flight = ranges_in_flight(options);
    let requests = range_requests(missing, parts_per_request(&download.plan, in_flight));
    let target = download.target();
    let fetched: Vec<PartCrc> = futures::stream::iter(requests)
        .map(|(first, count)| {
            let download = download.clone();
            let scheduler = scheduler.clone();
            let mut task = RangeTask(tokio::spawn(async move {
                let _held = scheduler.permit(WRITE_BLOCK_BYTES as u64).await;
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
    // Every byte is in: the journal has no more use, and must not be written again once gone.
    stop_noting.finished();
    Ok(fetched)
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
pub(super) const BODY_BREAKS_IN_A_ROW: u32 = 5;

/// A body that sends nothing for this long counts as broken off.
pub(super) const BODY_STALL_SECS: u64 = 60;

/// Ends a download's journal writes when the download returns or is dropped. Its range tasks are
/// aborted then, but one may be in the middle of noting a part: without this, a cancel that
/// removed the journal could see it written again a moment later. A download that stops before
/// its end (a pause, a failure, a quit) first makes what it wrote durable and journals it, so
/// that its resume fetches only what is missing.
struct StopNoting(Arc<PartFetch>);

impl StopNoting {
    /// Every part is in: nothing more is journaled, and nothing is made durable for a resume.
    fn finished(self) {
        let _journal = self.0.journal.lock();
        self.0.stopped.store(true, Ordering::Relaxed);
    }
}

impl Drop for StopNoting {
    fn drop(&mut self) {
        // Under the journal's lock, so that no note is half done once this returns.
        let Ok(noted) = self.0.journal.lock() else {
            return;
        };
        if self.0.stopped.swap(true, Ordering::Relaxed) {
            return;
        }
        if noted.journal.parts.len() > noted.durable_parts {
            self.0.commit(&noted.journal);
        }
    }
}

/// The journal of a download in memory, with every part written to the partial file, and how
/// many of them the journal on disk holds.
pub(super) struct Noted {
    journal: DownloadJournal,
    durable_parts: usize,
    synced_at: std::time::Instant,
    syncing: bool,
}

impl Noted {
    pub(super) fn new(journal: DownloadJournal) -> Self {
        Self {
            durable_parts: journal.parts.len(),
            journal,
            synced_at: std::time::Instant::now(),
            syncing: false,
        }
    }
}

/// How often a running download makes its written parts durable (`fdatasync`) and journals them.
/// The journal never names a part whose bytes a power cut could lose. Each sync forces write-back
/// the page cache would do later anyway; once a second keeps that inside a tenth of a 1 GiB
/// download's time (every quarter second cost 10.5%: `scripts/bench_transfer.py --only
/// download`), and a crash costs at most a second of parts fetched again.
const JOURNAL_SYNC_MILLIS: u128 = 1000;

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
pub(super) struct PartFetch {
    pub(super) connection: Connection,
    pub(super) bucket: String,
    pub(super) key: String,
    pub(super) version_id: Option<String>,
    pub(super) etag: Option<String>,
    pub(super) plan: PartPlan,
    /// The checksum taken of each part: the object's own kind, which also checks the whole, or
    /// one for the journal alone.
    pub(super) journal_checksum: PartChecksum,
    pub(super) file: Arc<PartialFile>,
    /// Where each finished part is noted, until the download stops (see [`StopNoting`]).
    pub(super) journal: std::sync::Mutex<Noted>,
    pub(super) stopped: std::sync::atomic::AtomicBool,
    pub(super) progress: Arc<Progress>,
}

impl PartFetch {
    /// Parts `first..first + count` in one ranged GET, each part's checksum taken as its bytes
    /// go by and noted in the journal once its last byte is written, so that a resume fetches only
    /// whole missing parts. A body that breaks off or stalls is asked for again from the first
    /// byte not yet received: a dropped connection costs a retry, not the range.
    async fn fetch(
        self: &Arc<Self>,
        first: u64,
        count: u64,
    ) -> Result<Vec<PartCrc>, TransferError> {
        let start = self.plan.range(first).0;
        let end = self.plan.range(first + count - 1).1;
        let mut done = Vec::with_capacity(count as usize);
        let mut part = PartCrc {
            start,
            len: 0,
            crc: 0,
        };
        let mut hasher = PartHasher::new(Some(self.journal_checksum));
        let mut writer = OffsetWriter::new(self.file.clone(), start);
        let mut offset = start;
        let mut breaks = 0u32;
        loop {
            let object = ObjectRef::new(&self.connection, &self.bucket, &self.key)
                .at_version(self.version_id.as_deref());
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

    /// Notes a finished part; at most once a second, what was noted is made durable and
    /// journaled on a blocking thread, while the download goes on.
    fn note(self: &Arc<Self>, index: u64, part: &PartCrc) {
        let Ok(mut noted) = self.journal.lock() else {
            return;
        };
        if self.stopped.load(Ordering::Relaxed) {
            return;
        }
        noted.journal.parts.insert(index, (part.len, part.crc));
        if noted.syncing || noted.synced_at.elapsed().as_millis() < JOURNAL_SYNC_MILLIS {
            return;
        }
        noted.syncing = true;
        let snapshot = noted.journal.clone();
        let this = self.clone();
        tokio::task::spawn_blocking(move || {
            // The sync runs outside the lock: parts go on being noted meanwhile.
            let durable = this.make_durable();
            let Ok(mut noted) = this.journal.lock() else {
                return;
            };
            noted.syncing = false;
            noted.synced_at = std::time::Instant::now();
            if durable && !this.stopped.load(Ordering::Relaxed) && save_journal(&snapshot) {
                noted.durable_parts = snapshot.parts.len();
            }
        });
    }

    /// Makes every written byte durable, then journals `journal` (when a download stops).
    fn commit(&self, journal: &DownloadJournal) {
        if self.make_durable() {
            save_journal(journal);
        }
    }

    /// Syncs the partial file (`fdatasync`); whether it worked.
    fn make_durable(&self) -> bool {
        self.file
            .sync_data()
            .map_err(|e| tracing::warn!("download not made durable: {e}"))
            .is_ok()
    }
}

/// Writes `journal`; whether it worked (a journal not written costs a resume, not the download).
fn save_journal(journal: &DownloadJournal) -> bool {
    journal
        .save()
        .map_err(|e| tracing::warn!("download journal not written: {e}"))
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transfer::plan::plan_parts;

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
