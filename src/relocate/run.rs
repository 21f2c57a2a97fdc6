//! Running an inventory: the copies in parallel, each confirmed at its destination; then, for a
//! move, DeleteObjects batches of only the confirmed sources. A stopped run lets the copies in
//! flight finish and still deletes the sources already confirmed, so each key is either moved or
//! untouched; `execute` again continues with what is left (failures included).

use std::sync::atomic::Ordering::Relaxed;
use std::sync::atomic::{AtomicBool, AtomicU64};
use std::sync::{Arc, Mutex};

use futures::StreamExt;

use super::{Inventory, InventoryProgress, Mode, RelocateSpec, inventory};
use crate::runtime::{Job, Notify};
use crate::s3::copy::{CopyOptions, confirm_copy, copy_listed};
use crate::s3::deletes::{MAX_KEYS_PER_DELETE, delete_objects};
use crate::s3::{Connection, S3Error};

/// Where one object stands.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "outcome", content = "reason")]
pub enum Outcome {
    NotStarted,
    /// Copied and confirmed (for a move, its source not deleted yet).
    Copied,
    /// Copied, confirmed and its source deleted.
    Moved,
    /// Not copied (or not confirmed): the source is untouched.
    CopyFailed(String),
    /// Copied, but the source could not be deleted: it exists twice.
    SourceKept(String),
}

#[derive(Debug, Default)]
struct Counters {
    copied: AtomicU64,
    bytes_copied: AtomicU64,
    sources_deleted: AtomicU64,
    failures: AtomicU64,
    requests: AtomicU64,
}

/// What a run has done so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct RelocateCounts {
    pub copied: u64,
    pub bytes_copied: u64,
    pub sources_deleted: u64,
    pub failures: u64,
    pub requests: u64,
}

/// A run's outcome so far, for the report window and the command line's summary.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RelocateReport {
    pub what: String,
    pub move_sources: bool,
    pub planned: u64,
    pub planned_bytes: u64,
    pub counts: RelocateCounts,
    pub not_started: u64,
    pub stopped: bool,
}

impl RelocateReport {
    pub fn is_complete(&self) -> bool {
        self.not_started == 0 && self.counts.failures == 0
    }

    /// "Moved 10,000 of 10,000 objects (1.2 GiB); 0 failed."
    pub fn summary(&self) -> String {
        use crate::format::{human_bytes, thousands};
        let c = &self.counts;
        let done = if self.move_sources {
            format!("Moved {}", thousands(c.sources_deleted))
        } else {
            format!("Copied {}", thousands(c.copied))
        };
        let mut text = format!(
            "{done} of {} objects ({} copied on the server)",
            thousands(self.planned),
            human_bytes(c.bytes_copied)
        );
        if c.failures > 0 {
            text.push_str(&format!(
                "; {} failed (their sources are kept)",
                thousands(c.failures)
            ));
        }
        if self.not_started > 0 {
            text.push_str(&format!("; {} not started", thousands(self.not_started)));
        }
        text.push('.');
        if self.stopped {
            text.push_str(" Stopped: continue to do the rest.");
        }
        text
    }
}

/// One object's line in the report files.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RelocateEntry {
    pub from: String,
    pub to: String,
    pub size_bytes: u64,
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// An inventory being carried out; `execute` may be called again after a stop to continue.
pub struct RelocateRun {
    inventory: Inventory,
    options: CopyOptions,
    /// Objects copied at once (each large one also copies its parts in parallel).
    concurrency: usize,
    outcomes: Mutex<Vec<Outcome>>,
    counters: Counters,
    stop: AtomicBool,
    stopped: AtomicBool,
}

impl RelocateRun {
    pub fn new(inventory: Inventory, options: CopyOptions, concurrency: usize) -> Self {
        let outcomes = vec![Outcome::NotStarted; inventory.pairs.len()];
        Self {
            options: CopyOptions {
                changes: inventory.spec.changes.clone(),
                ..options
            },
            inventory,
            concurrency: concurrency.max(1),
            outcomes: Mutex::new(outcomes),
            counters: Counters::default(),
            stop: AtomicBool::new(false),
            stopped: AtomicBool::new(false),
        }
    }

    pub fn inventory(&self) -> &Inventory {
        &self.inventory
    }

    pub fn spec(&self) -> &RelocateSpec {
        &self.inventory.spec
    }

    /// Lets the copies in flight finish, deletes the sources they confirm, then ends.
    pub fn stop(&self) {
        self.stop.store(true, Relaxed);
    }

    pub fn counts(&self) -> RelocateCounts {
        let c = &self.counters;
        RelocateCounts {
            copied: c.copied.load(Relaxed),
            bytes_copied: c.bytes_copied.load(Relaxed),
            sources_deleted: c.sources_deleted.load(Relaxed),
            failures: c.failures.load(Relaxed),
            requests: c.requests.load(Relaxed),
        }
    }

    fn outcomes(&self) -> std::sync::MutexGuard<'_, Vec<Outcome>> {
        self.outcomes.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn set(&self, index: usize, outcome: Outcome) {
        let mut outcomes = self.outcomes();
        let was_failure = matches!(
            outcomes[index],
            Outcome::CopyFailed(_) | Outcome::SourceKept(_)
        );
        if was_failure {
            self.counters.failures.fetch_sub(1, Relaxed);
        }
        if matches!(outcome, Outcome::CopyFailed(_) | Outcome::SourceKept(_)) {
            self.counters.failures.fetch_add(1, Relaxed);
        }
        outcomes[index] = outcome;
    }

    /// Copies what is not copied yet, then (for a move) deletes the confirmed sources.
    pub async fn execute(&self, connection: &Connection) -> RelocateReport {
        self.stop.store(false, Relaxed);
        self.stopped.store(false, Relaxed);
        let to_copy: Vec<usize> = (self.outcomes().iter().enumerate())
            .filter(|(_, o)| matches!(o, Outcome::NotStarted | Outcome::CopyFailed(_)))
            .map(|(i, _)| i)
            .collect();
        futures::stream::iter(to_copy)
            .for_each_concurrent(self.concurrency, |index| async move {
                if self.stop.load(Relaxed) {
                    self.stopped.store(true, Relaxed);
                    return;
                }
                let outcome = self.copy_one(connection, index).await;
                self.set(index, outcome);
            })
            .await;
        if self.inventory.spec.mode == Mode::Move {
            self.delete_sources(connection).await;
        }
        self.report()
    }

    async fn copy_one(&self, connection: &Connection, index: usize) -> Outcome {
        let spec = &self.inventory.spec;
        let pair = &self.inventory.pairs[index];
        if spec.mode == Mode::Move && spec.from_bucket == spec.to_bucket && pair.from == pair.to {
            // Never delete a source that is its own destination.
            return Outcome::CopyFailed("the source is its own destination".into());
        }
        let from = (spec.from_bucket.as_str(), pair.from.as_str());
        let to = (spec.to_bucket.as_str(), pair.to.as_str());
        // The copy (or a HEAD and its parts); a confirming HEAD is counted when sent.
        let parts = if pair.size_bytes > self.options.multipart_above {
            pair.size_bytes.div_ceil(self.options.part_size) + 3
        } else {
            1
        };
        self.counters.requests.fetch_add(parts, Relaxed);
        let known = (pair.size_bytes, pair.etag.as_deref(), pair.storage_class);
        let (copied, confirmed) =
            match copy_listed(connection, from, to, known, &self.options).await {
                Ok(done) => done,
                Err(e) => return Outcome::CopyFailed(e.with_hint()),
            };
        // The copy answered with the source's MD5 ETag: the same bytes. Otherwise a HEAD says.
        if !confirmed {
            self.counters.requests.fetch_add(1, Relaxed);
            if let Err(reason) = confirm_copy(connection, to, &copied).await {
                return Outcome::CopyFailed(reason);
            }
        }
        self.counters.copied.fetch_add(1, Relaxed);
        self.counters.bytes_copied.fetch_add(copied.bytes, Relaxed);
        Outcome::Copied
    }

    /// DeleteObjects over the confirmed sources, a batch at a time, reading each key's error.
    async fn delete_sources(&self, connection: &Connection) {
        let bucket = &self.inventory.spec.from_bucket;
        let confirmed: Vec<usize> = (self.outcomes().iter().enumerate())
            .filter(|(_, o)| matches!(o, Outcome::Copied | Outcome::SourceKept(_)))
            .map(|(i, _)| i)
            .collect();
        let batches: Vec<Vec<usize>> = confirmed
            .chunks(MAX_KEYS_PER_DELETE)
            .map(<[usize]>::to_vec)
            .collect();
        futures::stream::iter(batches)
            .for_each_concurrent(4, |batch| async move {
                let keys: Vec<(&str, Option<&str>)> = batch
                    .iter()
                    .map(|&i| (self.inventory.pairs[i].from.as_str(), None))
                    .collect();
                self.counters.requests.fetch_add(1, Relaxed);
                let refused = delete_objects(connection, bucket, &keys).await;
                for &index in &batch {
                    let key = &self.inventory.pairs[index].from;
                    let outcome = match &refused {
                        Err(e) => Outcome::SourceKept(e.with_hint()),
                        Ok(errors) => match errors.iter().find(|e| &e.key == key) {
                            Some(e) => Outcome::SourceKept(format!(
                                "the server kept the source: {}{}",
                                e.code,
                                e.message
                                    .as_deref()
                                    .map(|m| format!(" ({m})"))
                                    .unwrap_or_default()
                            )),
                            None => {
                                self.counters.sources_deleted.fetch_add(1, Relaxed);
                                Outcome::Moved
                            }
                        },
                    };
                    self.set(index, outcome);
                }
            })
            .await;
    }

    pub fn report(&self) -> RelocateReport {
        let not_started = (self.outcomes().iter())
            .filter(|o| **o == Outcome::NotStarted)
            .count() as u64;
        RelocateReport {
            what: self.inventory.spec.describe(),
            move_sources: self.inventory.spec.mode == Mode::Move,
            planned: self.inventory.pairs.len() as u64,
            planned_bytes: self.inventory.bytes,
            counts: self.counts(),
            not_started,
            stopped: self.stopped.load(Relaxed),
        }
    }

    /// The first `most` failures as `s3://bucket/key: reason`, without building every entry.
    pub fn failures(&self, most: usize) -> Vec<String> {
        let bucket = &self.inventory.spec.from_bucket;
        (self.inventory.pairs.iter())
            .zip(self.outcomes().iter())
            .filter_map(|(pair, outcome)| match outcome {
                Outcome::CopyFailed(reason) | Outcome::SourceKept(reason) => {
                    Some(format!("s3://{bucket}/{}: {reason}", pair.from))
                }
                _ => None,
            })
            .take(most)
            .collect()
    }

    /// Every object and what became of it, in the inventory's order.
    pub fn entries(&self) -> Vec<RelocateEntry> {
        let spec = &self.inventory.spec;
        (self.inventory.pairs.iter())
            .zip(self.outcomes().iter())
            .map(|(pair, outcome)| RelocateEntry {
                from: format!("s3://{}/{}", spec.from_bucket, pair.from),
                to: format!("s3://{}/{}", spec.to_bucket, pair.to),
                size_bytes: pair.size_bytes,
                outcome: outcome.clone(),
            })
            .collect()
    }

    /// The report as CSV: `from,to,size_bytes,outcome,reason`.
    pub fn export_csv(&self) -> String {
        let mut out = String::from("from,to,size_bytes,outcome,reason\n");
        for e in self.entries() {
            let (outcome, reason) = match &e.outcome {
                Outcome::NotStarted => ("not_started", ""),
                Outcome::Copied => ("copied", ""),
                Outcome::Moved => ("moved", ""),
                Outcome::CopyFailed(r) => ("copy_failed", r.as_str()),
                Outcome::SourceKept(r) => ("source_kept", r.as_str()),
            };
            let size = e.size_bytes.to_string();
            out += &crate::format::csv_line(&[&e.from, &e.to, &size, outcome, reason]);
        }
        out
    }

    /// The report as JSON: the summary and every entry.
    pub fn export_json(&self) -> String {
        #[derive(serde::Serialize)]
        struct Export {
            report: RelocateReport,
            entries: Vec<RelocateEntry>,
        }
        serde_json::to_string_pretty(&Export {
            report: self.report(),
            entries: self.entries(),
        })
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }
}

#[derive(Debug)]
pub enum InventoryEvent {
    /// Objects found so far.
    Progress(u64),
    Done(Box<Result<Inventory, S3Error>>),
}

/// An inventory running in the background; dropping it stops at once.
pub struct InventoryJob {
    job: Job<InventoryEvent>,
    progress: Arc<InventoryProgress>,
}

impl InventoryJob {
    pub fn start(connection: &Connection, spec: RelocateSpec, notify: Notify) -> Self {
        let progress = Arc::new(InventoryProgress::default());
        let (connection, seen) = (connection.clone(), progress.clone());
        let job = Job::start(8, notify, move |mut events| async move {
            let listing = inventory(&connection, &spec, &seen);
            let result = events
                .progress_while(
                    listing,
                    || seen.objects_seen.load(Relaxed),
                    InventoryEvent::Progress,
                )
                .await;
            events.send(InventoryEvent::Done(Box::new(result))).await;
        });
        Self { job, progress }
    }

    pub fn try_next(&mut self) -> Option<InventoryEvent> {
        self.job.try_next()
    }

    pub fn stop(&self) {
        self.progress.stop.store(true, Relaxed);
    }
}

#[derive(Debug)]
pub enum RelocateEvent {
    Progress(RelocateCounts),
    /// The last event: the whole run so far, earlier passes included.
    Done(RelocateReport),
}

/// A pass of a run in the background. `stop` lets the copies in flight finish; dropping the
/// handle stops at once.
pub struct RelocateJob {
    job: Job<RelocateEvent>,
    run: Arc<RelocateRun>,
}

impl RelocateJob {
    pub fn start(connection: &Connection, run: Arc<RelocateRun>, notify: Notify) -> Self {
        let (connection, running) = (connection.clone(), run.clone());
        let job = Job::start(8, notify, move |mut events| async move {
            let executing = running.execute(&connection);
            let report = events
                .progress_while(executing, || running.counts(), RelocateEvent::Progress)
                .await;
            events.send(RelocateEvent::Progress(running.counts())).await;
            events.send(RelocateEvent::Done(report)).await;
        });
        Self { job, run }
    }

    pub fn try_next(&mut self) -> Option<RelocateEvent> {
        self.job.try_next()
    }

    pub async fn next(&mut self) -> Option<RelocateEvent> {
        self.job.next().await
    }

    pub fn stop(&self) {
        self.run.stop();
    }
}
