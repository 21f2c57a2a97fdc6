//! A plan's execution: DeleteObjects in batches of 1,000 with several batches in flight,
//! AbortMultipartUpload for uploads, DeleteBucket last. A stopped or partly failed run continues
//! where it ended when it is run again.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use futures::StreamExt;

use super::report::{Entry, Failure, Report};
use crate::runtime::Notify;
use crate::s3::Connection;
use crate::s3::deletes::{delete_bucket, delete_objects};
use crate::s3::error::S3Error;
use crate::s3::object_io::ObjectRef;
use crate::s3::retry::back_off;

pub use super::plan::{CleanupPlan, DeleteTarget, VersionMode};
pub use crate::s3::deletes::MAX_KEYS_PER_DELETE;

/// Live counters while a run goes, for progress on screen.
#[derive(Debug, Default)]
pub struct RunProgress {
    pub objects_deleted: AtomicU64,
    pub bytes_deleted: AtomicU64,
    pub uploads_aborted: AtomicU64,
    pub failures: AtomicU64,
    pub requests: AtomicU64,
    /// Set to stop: batches in flight finish, no new one starts.
    pub stop: AtomicBool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunOptions {
    pub batches_in_flight: usize,
    /// Attempts per key (and per request) before an error is reported.
    pub attempts: u32,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            batches_in_flight: 8,
            attempts: 6,
        }
    }
}

#[derive(Debug, Default)]
struct RunState {
    /// Per batch of `MAX_KEYS_PER_DELETE` targets: whether it has been sent.
    batch_sent: Vec<bool>,
    /// Target index -> why it failed, for those that did.
    object_failures: HashMap<usize, Failure>,
    upload_done: Vec<bool>,
    upload_failures: HashMap<usize, Failure>,
    bucket_deleted: bool,
    bucket_failure: Option<Failure>,
    stopped: bool,
}

/// One plan's execution. `execute` can be called again after a stop or failures: it sends only
/// what has not been deleted yet.
pub struct CleanupRun {
    plan: CleanupPlan,
    pub progress: RunProgress,
    options: RunOptions,
    state: Mutex<RunState>,
}

impl CleanupRun {
    pub fn new(plan: CleanupPlan, options: RunOptions) -> Self {
        let batches = plan.objects.len().div_ceil(MAX_KEYS_PER_DELETE);
        let uploads = plan.uploads.len();
        Self {
            plan,
            progress: RunProgress::default(),
            options,
            state: Mutex::new(RunState {
                batch_sent: vec![false; batches],
                upload_done: vec![false; uploads],
                ..RunState::default()
            }),
        }
    }

    pub fn plan(&self) -> &CleanupPlan {
        &self.plan
    }

    pub fn stop(&self) {
        self.progress.stop.store(true, Ordering::Relaxed);
    }

    fn state(&self) -> std::sync::MutexGuard<'_, RunState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs what is left of the plan and reports the whole run so far.
    pub async fn execute(&self, connection: &Connection, notify: &Notify) -> Report {
        self.progress.stop.store(false, Ordering::Relaxed);
        self.state().stopped = false;
        self.delete_objects(connection, notify).await;
        self.abort_uploads(connection, notify).await;
        let stopped = self.progress.stop.load(Ordering::Relaxed);
        let clean = {
            let state = self.state();
            state.object_failures.is_empty()
                && state.upload_failures.is_empty()
                && state.batch_sent.iter().all(|&s| s)
                && state.upload_done.iter().all(|&d| d)
        };
        if self.plan.delete_bucket && !stopped && !self.state().bucket_deleted {
            if clean {
                self.delete_bucket(connection).await;
            } else {
                self.state().bucket_failure = Some(Failure::bucket(
                    self.plan.bucket(),
                    "",
                    "kept, because some of its contents could not be deleted (see above)",
                ));
            }
        }
        self.state().stopped = stopped;
        notify();
        self.report()
    }

    /// Work lists: per batch, the target indices still to send.
    fn pending_batches(&self) -> Vec<Vec<usize>> {
        let state = self.state();
        let total = self.plan.objects.len();
        (0..state.batch_sent.len())
            .filter_map(|b| {
                let range = b * MAX_KEYS_PER_DELETE..((b + 1) * MAX_KEYS_PER_DELETE).min(total);
                let indices: Vec<usize> = if state.batch_sent[b] {
                    range
                        .filter(|i| state.object_failures.contains_key(i))
                        .collect()
                } else {
                    range.collect()
                };
                (!indices.is_empty()).then_some(indices)
            })
            .collect()
    }

    async fn delete_objects(&self, connection: &Connection, notify: &Notify) {
        let batches = self.pending_batches();
        let work = batches.into_iter().map(|indices| async move {
            if self.progress.stop.load(Ordering::Relaxed) {
                return;
            }
            let batch = indices[0] / MAX_KEYS_PER_DELETE;
            let failures = self.delete_batch(connection, &indices).await;
            let mut state = self.state();
            state.batch_sent[batch] = true;
            let (mut deleted, mut bytes) = (0u64, 0u64);
            for &i in &indices {
                state.object_failures.remove(&i);
                if !failures.contains_key(&i) {
                    deleted += 1;
                    bytes += self.plan.objects[i].size_bytes;
                }
            }
            self.progress
                .failures
                .fetch_add(failures.len() as u64, Ordering::Relaxed);
            state.object_failures.extend(failures);
            drop(state);
            self.progress
                .objects_deleted
                .fetch_add(deleted, Ordering::Relaxed);
            self.progress
                .bytes_deleted
                .fetch_add(bytes, Ordering::Relaxed);
            notify();
        });
        futures::stream::iter(work)
            .buffer_unordered(self.options.batches_in_flight.max(1))
            .collect::<()>()
            .await;
    }

    /// Sends one batch, retrying the keys S3 asks to retry; returns the keys that failed.
    async fn delete_batch(
        &self,
        connection: &Connection,
        indices: &[usize],
    ) -> HashMap<usize, Failure> {
        let bucket = self.plan.bucket();
        let (mut pending, mut failures) = self.still_as_scanned(connection, indices).await;
        if pending.is_empty() {
            return failures;
        }
        for attempt in 0..self.options.attempts {
            if attempt > 0 {
                back_off(attempt).await;
            }
            let keys: Vec<(&str, Option<&str>)> = (pending.iter())
                .map(|&i| {
                    let t = &self.plan.objects[i];
                    (t.key.as_str(), t.version_id.as_deref())
                })
                .collect();
            self.progress.requests.fetch_add(1, Ordering::Relaxed);
            let errors = match delete_objects(connection, bucket, &keys).await {
                Ok(errors) => errors,
                Err(error) => {
                    // A success answer cut short is retried too: deleting again is harmless.
                    let retry = worth_asking_again(&error);
                    if retry && attempt + 1 < self.options.attempts {
                        continue;
                    }
                    for &i in &pending {
                        let t = &self.plan.objects[i];
                        failures.insert(i, Failure::object(t, "", &error.with_hint()));
                    }
                    return failures;
                }
            };
            let by_identity: HashMap<(&str, Option<&str>), usize> = pending
                .iter()
                .map(|&i| {
                    let t = &self.plan.objects[i];
                    ((t.key.as_str(), t.version_id.as_deref()), i)
                })
                .collect();
            let by_key: HashMap<&str, usize> = pending
                .iter()
                .map(|&i| (self.plan.objects[i].key.as_str(), i))
                .collect();
            let mut retry = Vec::new();
            for e in &errors {
                // Some servers leave the version id out of their error entries.
                let Some(&i) = by_identity
                    .get(&(e.key.as_str(), e.version_id.as_deref()))
                    .or_else(|| by_key.get(e.key.as_str()))
                else {
                    continue;
                };
                if is_retryable_code(&e.code) && attempt + 1 < self.options.attempts {
                    retry.push(i);
                } else {
                    let t = &self.plan.objects[i];
                    let reason = per_key_reason(&e.code, e.message.as_deref());
                    failures.insert(i, Failure::object(t, &e.code, &reason));
                }
            }
            if retry.is_empty() {
                return failures;
            }
            pending = retry;
        }
        failures
    }

    /// The targets of a batch still as the scan saw them, and a failure for each current object
    /// written again since: new data, which the run leaves alone. One listing of the batch's
    /// range (a run's checks together cost one more listing of the scope) tells. A target gone
    /// since stays in the batch (deleting it again is harmless); where the check fails, its
    /// targets are not deleted.
    async fn still_as_scanned(
        &self,
        connection: &Connection,
        indices: &[usize],
    ) -> (Vec<usize>, HashMap<usize, Failure>) {
        let objects = &self.plan.objects;
        let checked: Vec<usize> = (indices.iter().copied())
            .filter(|&i| objects[i].scanned_modified_secs.is_some())
            .collect();
        let keys: Vec<&str> = checked.iter().map(|&i| objects[i].key.as_str()).collect();
        let (Some(first), Some(last)) = (keys.iter().min(), keys.iter().max()) else {
            return (indices.to_vec(), HashMap::new());
        };
        let prefix = common_prefix(&keys);
        // Just before the first key: the key less its last character sorts before it.
        let start_after = first
            .char_indices()
            .last()
            .map(|(i, _)| &first[..i])
            .filter(|s| !s.is_empty());
        let mut listed = Err(S3Error::Cancelled);
        for attempt in 0..self.options.attempts.max(1) {
            if attempt > 0 {
                back_off(attempt).await;
            }
            self.progress.requests.fetch_add(1, Ordering::Relaxed);
            let bucket = self.plan.bucket();
            listed =
                crate::s3::listing::list_range(connection, bucket, prefix, start_after, last).await;
            // A server may fail a listing while other batches delete beside it: ask again.
            if !matches!(&listed, Err(e) if worth_asking_again(e)) {
                break;
            }
        }
        let mut failures = HashMap::new();
        match listed {
            Ok(entries) => {
                let now: HashMap<&str, (u64, i64)> = (entries.iter())
                    .map(|e| (e.key.as_str(), (e.size_bytes, e.last_modified_secs)))
                    .collect();
                for &i in &checked {
                    let t = &objects[i];
                    let scanned = (t.size_bytes, t.scanned_modified_secs.unwrap_or_default());
                    if now.get(t.key.as_str()).is_some_and(|&seen| seen != scanned) {
                        let reason = "written again since the scan (another size or time): \
                                      left as it is; scan again to include it";
                        failures.insert(i, Failure::object(t, "ChangedSinceScan", reason));
                    }
                }
            }
            Err(error) => {
                let reason = format!(
                    "not deleted: it could not be checked to be as scanned ({})",
                    error.with_hint()
                );
                for &i in &checked {
                    failures.insert(i, Failure::object(&objects[i], "", &reason));
                }
            }
        }
        let pending = (indices.iter().copied())
            .filter(|i| !failures.contains_key(i))
            .collect();
        (pending, failures)
    }

    async fn abort_uploads(&self, connection: &Connection, notify: &Notify) {
        let pending: Vec<usize> = {
            let state = self.state();
            (0..self.plan.uploads.len())
                .filter(|&i| !state.upload_done[i])
                .collect()
        };
        let bucket = self.plan.bucket();
        let work = pending.into_iter().map(|i| async move {
            if self.progress.stop.load(Ordering::Relaxed) {
                return;
            }
            let upload = &self.plan.uploads[i];
            self.progress.requests.fetch_add(1, Ordering::Relaxed);
            let object = ObjectRef::new(connection, bucket, &upload.key);
            let failure = match object.abort_multipart_upload(&upload.upload_id).await {
                Ok(()) => None,
                // Completed or aborted since the scan: it is gone either way.
                Err(S3Error::Service { code, .. }) if code == "NoSuchUpload" => None,
                Err(error) => Some(Failure::upload(upload, &error.with_hint())),
            };
            let mut state = self.state();
            match failure {
                None => {
                    state.upload_done[i] = true;
                    state.upload_failures.remove(&i);
                    self.progress
                        .uploads_aborted
                        .fetch_add(1, Ordering::Relaxed);
                }
                Some(f) => {
                    self.progress.failures.fetch_add(1, Ordering::Relaxed);
                    state.upload_failures.insert(i, f);
                }
            }
            drop(state);
            notify();
        });
        futures::stream::iter(work)
            .buffer_unordered(8)
            .collect::<()>()
            .await;
    }

    async fn delete_bucket(&self, connection: &Connection) {
        let bucket = self.plan.bucket();
        self.progress.requests.fetch_add(1, Ordering::Relaxed);
        let result = delete_bucket(connection, bucket).await;
        let mut state = self.state();
        match result {
            Ok(()) => {
                state.bucket_deleted = true;
                state.bucket_failure = None;
            }
            Err(error) => {
                let reason = match &error {
                    S3Error::Service { code, .. } if code == "BucketNotEmpty" => {
                        "kept: it is not empty. Objects, versions or uploads were added after \
                         the scan (they were not deleted); scan again to include them."
                            .to_owned()
                    }
                    _ => error.with_hint(),
                };
                state.bucket_failure = Some(Failure::bucket(bucket, "", &reason));
            }
        }
    }

    /// The run so far: counts, bytes, and every failure with its reason.
    pub fn report(&self) -> Report {
        let state = self.state();
        let mut failures: Vec<(usize, Failure)> = state
            .object_failures
            .iter()
            .map(|(&i, f)| (i, f.clone()))
            .collect();
        failures.sort_by_key(|(i, _)| *i);
        let mut failures: Vec<Failure> = failures.into_iter().map(|(_, f)| f).collect();
        let mut upload_failures: Vec<(usize, Failure)> = state
            .upload_failures
            .iter()
            .map(|(&i, f)| (i, f.clone()))
            .collect();
        upload_failures.sort_by_key(|(i, _)| *i);
        failures.extend(upload_failures.into_iter().map(|(_, f)| f));
        failures.extend(state.bucket_failure.clone());
        let objects_not_sent: u64 = {
            let total = self.plan.objects.len();
            state
                .batch_sent
                .iter()
                .enumerate()
                .filter(|(_, sent)| !**sent)
                .map(|(b, _)| {
                    (((b + 1) * MAX_KEYS_PER_DELETE).min(total) - b * MAX_KEYS_PER_DELETE) as u64
                })
                .sum()
        };
        Report {
            scope: self.plan.scope.describe(),
            bucket: self.plan.bucket().to_owned(),
            mode: self.plan.mode,
            planned_objects: self.plan.objects.len() as u64,
            planned_bytes: self.plan.objects.iter().map(|t| t.size_bytes).sum(),
            deleted_objects: self.progress.objects_deleted.load(Ordering::Relaxed),
            deleted_bytes: self.progress.bytes_deleted.load(Ordering::Relaxed),
            not_sent_objects: objects_not_sent,
            planned_uploads: self.plan.uploads.len() as u64,
            aborted_uploads: self.progress.uploads_aborted.load(Ordering::Relaxed),
            bucket_deleted: self.plan.delete_bucket.then_some(state.bucket_deleted),
            stopped: state.stopped,
            requests: self.progress.requests.load(Ordering::Relaxed),
            failures,
        }
    }
}

impl CleanupRun {
    /// Every planned entry and what became of it, for the CSV and JSON exports.
    pub fn entries(&self) -> Vec<Entry> {
        let state = self.state();
        let mut entries = Vec::with_capacity(self.plan.objects.len() + self.plan.uploads.len() + 1);
        for (i, t) in self.plan.objects.iter().enumerate() {
            let (outcome, reason) = match state.object_failures.get(&i) {
                Some(f) => ("failed", f.reason.clone()),
                None if state.batch_sent[i / MAX_KEYS_PER_DELETE] => ("deleted", String::new()),
                None => ("not run", String::new()),
            };
            entries.push(Entry {
                kind: if t.is_delete_marker {
                    "delete marker"
                } else {
                    "object"
                },
                key: t.key.clone(),
                version_id: t.version_id.clone(),
                size_bytes: Some(t.size_bytes),
                outcome,
                reason,
            });
        }
        for (i, u) in self.plan.uploads.iter().enumerate() {
            let (outcome, reason) = match state.upload_failures.get(&i) {
                Some(f) => ("failed", f.reason.clone()),
                None if state.upload_done[i] => ("deleted", String::new()),
                None => ("not run", String::new()),
            };
            entries.push(Entry {
                kind: "upload",
                key: u.key.clone(),
                version_id: Some(u.upload_id.clone()),
                size_bytes: u.bytes,
                outcome,
                reason,
            });
        }
        if self.plan.delete_bucket {
            let (outcome, reason) = match (&state.bucket_failure, state.bucket_deleted) {
                (_, true) => ("deleted", String::new()),
                (Some(f), _) => ("failed", f.reason.clone()),
                (None, false) => ("not run", String::new()),
            };
            entries.push(Entry {
                kind: "bucket",
                key: self.plan.bucket().to_owned(),
                version_id: None,
                size_bytes: None,
                outcome,
                reason,
            });
        }
        entries
    }

    pub fn export_csv(&self) -> String {
        super::report::to_csv(&self.entries())
    }

    /// Leaves the run's CSV report in `dir` (see [`super::report::audit_dir`]); the file's path.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn save_audit_copy(&self, dir: &std::path::Path) -> std::io::Result<std::path::PathBuf> {
        super::report::save_audit_copy(dir, self.plan().bucket(), &self.export_csv())
    }

    pub fn export_json(&self) -> String {
        super::report::to_json(&self.report(), &self.entries())
    }
}

/// Whether a failed request is worth sending again: the network, a throttle, a server error
/// code that passes, or a success answer cut short (deleting or listing again is harmless).
fn worth_asking_again(error: &S3Error) -> bool {
    match error {
        S3Error::Service { code, .. } => is_retryable_code(code),
        S3Error::UnreadableAnswer { .. } => true,
        other => other.is_transient(),
    }
}

fn is_retryable_code(code: &str) -> bool {
    matches!(
        code,
        "SlowDown" | "InternalError" | "ServiceUnavailable" | "RequestTimeout" | "Throttling"
    )
}

/// A per-key DeleteObjects error in words the user can act on.
fn per_key_reason(code: &str, message: Option<&str>) -> String {
    let detail = message.map(|m| format!(" ({m})")).unwrap_or_default();
    match code {
        "AccessDenied" => format!(
            "access denied{detail}: the object may be under legal hold or retention \
             (Object Lock), or these credentials lack s3:DeleteObject / s3:DeleteObjectVersion"
        ),
        "InvalidRequest" | "InvalidArgument" => format!("refused as sent{detail}"),
        "" => format!("not deleted{detail}"),
        _ => format!("{code}{detail}"),
    }
}

/// The longest start all `keys` share, ending on a character boundary.
fn common_prefix<'a>(keys: &[&'a str]) -> &'a str {
    let Some(&first) = keys.first() else {
        return "";
    };
    let mut end = first.len();
    for key in &keys[1..] {
        end = first
            .char_indices()
            .zip(key.chars())
            .find(|((_, a), b)| a != b)
            .map_or(end.min(key.len()), |((i, _), _)| i.min(end));
    }
    while !first.is_char_boundary(end) {
        end -= 1;
    }
    &first[..end]
}

#[cfg(test)]
mod tests {
    use super::common_prefix;

    #[test]
    fn common_prefixes_end_on_a_character() {
        assert_eq!(common_prefix(&["data/a.txt", "data/b.txt"]), "data/");
        assert_eq!(common_prefix(&["data/a", "data/a/b"]), "data/a");
        assert_eq!(common_prefix(&["x/é1", "x/è2"]), "x/");
        assert_eq!(common_prefix(&["only"]), "only");
        assert_eq!(common_prefix(&["a", "b"]), "");
        assert_eq!(common_prefix(&[]), "");
    }
}
