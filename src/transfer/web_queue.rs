//! The browser's transfer queue: files dropped on the page or picked are uploaded from `Blob`
//! slices, one part at a time, so a file is never wholly in memory. A few files move at once,
//! each with a few parts in flight: browsers open about six connections to one host.
//!
//! Everything here runs on the page's one thread (`spawn_local`), so jobs share state through
//! `Rc` and `Cell`; no borrow is held across an `await`.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::{Rc, Weak};

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{ChecksumAlgorithm, CompletedMultipartUpload, CompletedPart, StorageClass};
use futures::StreamExt;
use futures::future::{AbortHandle, Abortable};
use wasm_bindgen_futures::JsFuture;

use super::content::{crc32c_base64, guess_content_type};
use super::job::{
    Conflict, Direction, IfExists, JobRow, JobState, QueueView, Totals, TransferOptions,
    upload_destination,
};
use super::plan::plan_parts;
use crate::s3::connection::SignBodyWhereNeeded;
use crate::s3::runtime::Notify;
use crate::s3::{Connection, S3Error};

/// Files uploading at once; the rest wait as Queued.
const FILES_AT_ONCE: usize = 3;
/// Parts of one file in flight at once.
const PARTS_IN_FLIGHT: usize = 3;
// Bodies go with their CRC32C, which the server verifies, and unsigned where
// `Connection::signs_payloads` allows: hashing every byte again with SHA-256 would only add CPU
// work on the page's one thread.

/// Attempts per request when the server is busy or the network drops (the browser client's
/// own retries are few, so that a CORS refusal shows at once).
const ATTEMPTS: u32 = 4;

/// A file chosen in the browser, and the key suffix it keeps (its path inside a dropped or
/// picked folder, or just its name).
pub struct PickedFile {
    pub file: web_sys::File,
    pub relative_path: String,
}

impl PickedFile {
    /// A picked file keeps the folder path the browser reports (`webkitRelativePath`), if any.
    pub fn new(file: web_sys::File) -> Self {
        // web-sys has no binding for it; the property is on every browser's File.
        let relative = js_sys::Reflect::get(&file, &"webkitRelativePath".into())
            .ok()
            .and_then(|v| v.as_string())
            .filter(|s| !s.is_empty());
        let relative_path = relative.unwrap_or_else(|| file.name());
        Self {
            file,
            relative_path,
        }
    }
}

pub struct WebQueue {
    inner: Rc<RefCell<Inner>>,
}

struct Inner {
    connection: Connection,
    jobs: Vec<Rc<WebJob>>,
    next_id: u64,
    notify: Notify,
}

/// A multipart upload begun, and the parts the server has; kept over a pause so that resuming
/// sends only the rest.
struct Multipart {
    key: String,
    upload_id: String,
    parts: BTreeMap<i32, CompletedPart>,
}

struct WebJob {
    id: u64,
    file: web_sys::File,
    bucket: String,
    key: String,
    size_bytes: u64,
    options: TransferOptions,
    conflict: Cell<Conflict>,
    landed_as: RefCell<Option<String>>,
    bytes_sent: Cell<u64>,
    state: RefCell<JobState>,
    /// Milliseconds (browser clock) when it started running and when it finished.
    started_ms: Cell<Option<f64>>,
    ended_ms: Cell<Option<f64>>,
    abort: RefCell<Option<AbortHandle>>,
    /// Counts the job's runs, so that a stopped run finishing late leaves the next run alone.
    run: Cell<u64>,
    multipart: RefCell<Option<Multipart>>,
}

impl WebJob {
    fn state(&self) -> JobState {
        self.state.borrow().clone()
    }

    fn set_state(&self, state: JobState) {
        match state {
            JobState::Running => {
                self.started_ms.set(Some(js_sys::Date::now()));
                self.ended_ms.set(None);
            }
            ref s if s.is_finished() => self.ended_ms.set(Some(js_sys::Date::now())),
            _ => {}
        }
        *self.state.borrow_mut() = state;
    }

    fn rate(&self) -> f64 {
        let Some(start) = self.started_ms.get() else {
            return 0.0;
        };
        let secs = (self.ended_ms.get().unwrap_or_else(js_sys::Date::now) - start) / 1000.0;
        if secs <= 0.0 {
            return 0.0;
        }
        self.bytes_sent.get() as f64 / secs
    }

    fn row(&self) -> JobRow {
        let state = self.state();
        let rate = self.rate();
        let (bytes_done, bytes_total) = (self.bytes_sent.get(), self.size_bytes);
        JobRow {
            id: self.id,
            direction: Direction::Upload,
            name: super::job::last_segment(&self.key).to_owned(),
            landed_as: self.landed_as.borrow().clone(),
            bucket: self.bucket.clone(),
            key: self.key.clone(),
            local: self.file.name(),
            bytes_done,
            bytes_total,
            rate,
            eta_secs: super::job::eta_secs(&state, rate, bytes_done, bytes_total),
            state,
        }
    }

    /// Stops its task, if running; the caller sets the state it stops in.
    fn stop(&self) {
        if let Some(handle) = self.abort.borrow_mut().take() {
            handle.abort();
        }
    }

    /// Aborts the multipart upload it began, if any, so that no parts are left to be billed.
    fn discard_upload(&self, connection: &Connection) {
        let Some(multipart) = self.multipart.borrow_mut().take() else {
            return;
        };
        let connection = connection.clone();
        let bucket = self.bucket.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let aborted = connection
                .client
                .abort_multipart_upload()
                .bucket(&bucket)
                .key(&multipart.key)
                .upload_id(&multipart.upload_id)
                .send()
                .await;
            if let Err(e) = aborted {
                let target = connection.target().bucket(&bucket).key(&multipart.key);
                tracing::warn!("{}", connection.error(e, &target).with_hint());
            }
        });
        self.bytes_sent.set(0);
    }
}

impl WebQueue {
    pub fn new(connection: Connection, notify: Notify) -> Self {
        Self {
            inner: Rc::new(RefCell::new(Inner {
                connection,
                jobs: Vec::new(),
                next_id: 1,
                notify,
            })),
        }
    }

    /// Queues each file for `s3://bucket/prefix<relative path>`.
    pub fn upload(
        &mut self,
        files: Vec<PickedFile>,
        bucket: &str,
        prefix: &str,
        options: &TransferOptions,
        conflict: Conflict,
    ) {
        {
            let mut inner = self.inner.borrow_mut();
            for picked in files {
                let id = inner.next_id;
                inner.next_id += 1;
                let size_bytes = picked.file.size().max(0.0) as u64;
                inner.jobs.push(Rc::new(WebJob {
                    id,
                    bucket: bucket.to_owned(),
                    key: format!("{prefix}{}", picked.relative_path),
                    file: picked.file,
                    size_bytes,
                    options: options.clone(),
                    conflict: Cell::new(conflict),
                    landed_as: RefCell::new(None),
                    bytes_sent: Cell::new(0),
                    state: RefCell::new(JobState::Queued),
                    started_ms: Cell::new(None),
                    ended_ms: Cell::new(None),
                    abort: RefCell::new(None),
                    run: Cell::new(0),
                    multipart: RefCell::new(None),
                }));
            }
        }
        pump(&self.inner);
    }

    fn job(&self, id: u64) -> Option<Rc<WebJob>> {
        self.inner
            .borrow()
            .jobs
            .iter()
            .find(|j| j.id == id)
            .cloned()
    }

    fn ids(&self) -> Vec<u64> {
        self.inner.borrow().jobs.iter().map(|j| j.id).collect()
    }

    fn changed(&self) {
        let notify = self.inner.borrow().notify.clone();
        notify();
        pump(&self.inner);
    }
}

/// Starts queued jobs while fewer than [`FILES_AT_ONCE`] run. Each job calls it again when it
/// ends, so the queue moves on even while the page is hidden and draws no frames.
fn pump(inner: &Rc<RefCell<Inner>>) {
    let (ready, connection, notify) = {
        let me = inner.borrow();
        let running = me
            .jobs
            .iter()
            .filter(|j| j.state() == JobState::Running)
            .count();
        let ready: Vec<Rc<WebJob>> = me
            .jobs
            .iter()
            .filter(|j| j.state() == JobState::Queued)
            .take(FILES_AT_ONCE.saturating_sub(running))
            .cloned()
            .collect();
        (ready, me.connection.clone(), me.notify.clone())
    };
    for job in ready {
        start(
            Rc::downgrade(inner),
            job,
            connection.clone(),
            notify.clone(),
        );
    }
}

fn start(queue: Weak<RefCell<Inner>>, job: Rc<WebJob>, connection: Connection, notify: Notify) {
    job.set_state(JobState::Running);
    let (handle, registration) = AbortHandle::new_pair();
    *job.abort.borrow_mut() = Some(handle);
    let this_run = job.run.get() + 1;
    job.run.set(this_run);
    notify();
    wasm_bindgen_futures::spawn_local(async move {
        let outcome = Abortable::new(run(&connection, &job, &notify), registration).await;
        if job.run.get() != this_run {
            return;
        }
        match outcome {
            Ok(Ok(state)) => job.set_state(state),
            Ok(Err(e)) => {
                job.discard_upload(&connection);
                job.set_state(JobState::Failed {
                    message: e.to_string(),
                    hint: e.hint(),
                });
            }
            // Pause and cancel set the state they stop in.
            Err(_aborted) => {}
        }
        job.abort.borrow_mut().take();
        notify();
        if let Some(queue) = queue.upgrade() {
            pump(&queue);
        }
    });
}

/// One upload from its destination check to its last part; the state it ends in.
async fn run(connection: &Connection, job: &WebJob, notify: &Notify) -> Result<JobState, S3Error> {
    let begun = job.multipart.borrow().as_ref().map(|m| m.key.clone());
    let resumed = begun.is_some();
    let key = match begun {
        Some(key) => key,
        None => {
            let conflict = job.conflict.get();
            // Asking needs to know first: Skip's check says whether the key exists.
            let policy = match conflict {
                Conflict::Decided(policy) => policy,
                Conflict::Ask => IfExists::Skip,
            };
            match upload_destination(connection, &job.bucket, &job.key, policy).await? {
                Some(key) => key,
                None if conflict == Conflict::Ask => return Ok(JobState::Exists),
                None => return Ok(JobState::Skipped),
            }
        }
    };
    if key != job.key {
        *job.landed_as.borrow_mut() = Some(key.clone());
    }
    let target = connection.target().bucket(&job.bucket).key(&key);
    let content_type = job.options.content_type.clone().unwrap_or_else(|| {
        let from_browser = job.file.type_();
        if from_browser.is_empty() {
            guess_content_type(&key).to_owned()
        } else {
            from_browser
        }
    });
    let storage_class = job.options.storage_class.as_deref().map(StorageClass::from);
    let metadata =
        (!job.options.metadata.is_empty()).then(|| job.options.metadata.iter().cloned().collect());

    if job.size_bytes < job.options.multipart_threshold_bytes {
        let bytes = bytes::Bytes::from(read_slice(&job.file, 0, job.size_bytes).await?);
        let checksum = crc32c_base64(&bytes);
        with_retries(|| async {
            connection
                .client
                .put_object()
                .bucket(&job.bucket)
                .key(&key)
                .content_type(&content_type)
                .set_storage_class(storage_class.clone())
                .set_metadata(metadata.clone())
                .checksum_crc32_c(&checksum)
                .body(ByteStream::from(bytes.clone()))
                .customize()
                .sign_body_where_needed(connection)
                .send()
                .await
                .map_err(|e| connection.error(e, &target))
        })
        .await?;
        job.bytes_sent.set(job.size_bytes);
        return Ok(JobState::Done);
    }

    let plan =
        plan_parts(job.size_bytes, job.options.part_size_bytes).map_err(|e| S3Error::Other {
            what: target.describe(),
            detail: e.to_string(),
        })?;
    if job.multipart.borrow().is_none() {
        let created = with_retries(|| async {
            connection
                .client
                .create_multipart_upload()
                .bucket(&job.bucket)
                .key(&key)
                .content_type(&content_type)
                .set_storage_class(storage_class.clone())
                .set_metadata(metadata.clone())
                .checksum_algorithm(ChecksumAlgorithm::Crc32C)
                .send()
                .await
                .map_err(|e| connection.error(e, &target))
        })
        .await?;
        *job.multipart.borrow_mut() = Some(Multipart {
            key: key.clone(),
            upload_id: created.upload_id().unwrap_or_default().to_owned(),
            parts: BTreeMap::new(),
        });
    }
    let (upload_id, missing) = {
        let multipart = job.multipart.borrow();
        let multipart = multipart.as_ref().expect("begun above");
        let sent: u64 = multipart
            .parts
            .keys()
            .map(|n| {
                let (start, end) = plan.range(*n as u64 - 1);
                end - start
            })
            .sum();
        job.bytes_sent.set(sent);
        let missing: Vec<u64> = (0..plan.part_count)
            .filter(|i| !multipart.parts.contains_key(&(*i as i32 + 1)))
            .collect();
        (multipart.upload_id.clone(), missing)
    };
    let mut sending = futures::stream::iter(missing)
        .map(|index| {
            let (upload_id, target, key) = (&upload_id, &target, &key);
            async move {
                let (start, end) = plan.range(index);
                let bytes = bytes::Bytes::from(read_slice(&job.file, start, end).await?);
                // Sent with the part, so the server checks every part, and named again at
                // completion.
                let checksum = crc32c_base64(&bytes);
                let number = index as i32 + 1;
                let out = with_retries(|| async {
                    connection
                        .client
                        .upload_part()
                        .bucket(&job.bucket)
                        .key(key)
                        .upload_id(upload_id)
                        .part_number(number)
                        .checksum_crc32_c(&checksum)
                        .body(ByteStream::from(bytes.clone()))
                        .customize()
                        .sign_body_where_needed(connection)
                        .send()
                        .await
                        .map_err(|e| connection.error(e, target))
                })
                .await?;
                let part = CompletedPart::builder()
                    .part_number(number)
                    .set_e_tag(out.e_tag().map(str::to_owned))
                    .checksum_crc32_c(checksum)
                    .build();
                Ok::<_, S3Error>((number, part, end - start))
            }
        })
        .buffer_unordered(PARTS_IN_FLIGHT);
    while let Some(sent) = sending.next().await {
        let (number, part, len) = sent?;
        if let Some(multipart) = job.multipart.borrow_mut().as_mut() {
            multipart.parts.insert(number, part);
        }
        job.bytes_sent.set(job.bytes_sent.get() + len);
        notify();
    }
    drop(sending);
    let parts: Vec<CompletedPart> = job
        .multipart
        .borrow()
        .as_ref()
        .map(|m| m.parts.values().cloned().collect())
        .unwrap_or_default();
    let completed = with_retries(|| async {
        connection
            .client
            .complete_multipart_upload()
            .bucket(&job.bucket)
            .key(&key)
            .upload_id(&upload_id)
            .multipart_upload(
                CompletedMultipartUpload::builder()
                    .set_parts(Some(parts.clone()))
                    .build(),
            )
            .send()
            .await
            .map_err(|e| connection.error(e, &target))
    })
    .await;
    match completed {
        Ok(_) => {}
        // Some servers (moto) answer in a form the SDK cannot read: the listing tells whether
        // the upload completed.
        Err(S3Error::UnreadableAnswer { .. }) => confirm_listed(connection, job, &key).await?,
        // A pause can land while Complete is on its way: the server completed the upload and
        // the page never heard. Resumed, the upload is gone; the listing tells whether it
        // became the object.
        Err(e) if resumed && upload_is_gone(&e) => confirm_listed(connection, job, &key).await?,
        Err(e) => return Err(e),
    }
    job.multipart.borrow_mut().take();
    Ok(JobState::Done)
}

/// Whether the server no longer knows a multipart upload.
fn upload_is_gone(e: &S3Error) -> bool {
    matches!(e, S3Error::Service { code, .. } if code == "NoSuchUpload")
}

/// Confirms through a listing that `key` holds an object of the job's size. A listing, not a
/// HEAD: a bucket-level request, which servers that refuse a page's HEAD (moto) let it make.
async fn confirm_listed(connection: &Connection, job: &WebJob, key: &str) -> Result<(), S3Error> {
    let listed = crate::s3::listing::list_all(
        connection,
        crate::s3::listing::ListRequest::recursive(&job.bucket, key),
    )
    .await?;
    let size = listed
        .objects
        .iter()
        .find(|o| o.key == key)
        .map(|o| o.size_bytes);
    let problem = match size {
        Some(n) if n == job.size_bytes => return Ok(()),
        Some(n) => format!("it lists with {n} bytes, not {}", job.size_bytes),
        None => "it is not listed after completing".to_owned(),
    };
    Err(S3Error::Other {
        what: connection.target().bucket(&job.bucket).key(key).describe(),
        detail: format!("the upload could not be confirmed: {problem}"),
    })
}

/// Bytes `[start, end)` of a file, read through `Blob.slice`.
async fn read_slice(file: &web_sys::File, start: u64, end: u64) -> Result<Vec<u8>, S3Error> {
    let unreadable = |e: wasm_bindgen::JsValue| S3Error::Other {
        what: file.name(),
        detail: format!(
            "the browser could not read the file ({})",
            e.as_string().unwrap_or_else(|| format!("{e:?}"))
        ),
    };
    let blob = file
        .slice_with_f64_and_f64(start as f64, end as f64)
        .map_err(unreadable)?;
    let buffer = JsFuture::from(blob.array_buffer())
        .await
        .map_err(unreadable)?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

/// Tries `send` up to [`ATTEMPTS`] times while the error is worth retrying, with growing,
/// jittered pauses.
async fn with_retries<T, F, Fut>(mut send: F) -> Result<T, S3Error>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, S3Error>>,
{
    let mut attempt = 1;
    loop {
        match send().await {
            Err(e) if e.is_transient() && attempt < ATTEMPTS => {
                let base_ms = 200.0 * f64::from(1 << attempt);
                let pause_ms = base_ms * (0.5 + js_sys::Math::random());
                crate::s3::runtime::sleep(std::time::Duration::from_millis(pause_ms as u64)).await;
                attempt += 1;
            }
            result => return result,
        }
    }
}

impl QueueView for WebQueue {
    fn len(&self) -> usize {
        self.inner.borrow().jobs.len()
    }

    fn row(&self, index: usize) -> Option<JobRow> {
        self.inner.borrow().jobs.get(index).map(|j| j.row())
    }

    fn uploads_into(&self, bucket: &str, prefix: &str) -> bool {
        (self.inner.borrow().jobs.iter()).any(|j| j.bucket == bucket && j.key.starts_with(prefix))
    }

    fn totals(&self) -> Totals {
        let mut totals = Totals::default();
        for job in &self.inner.borrow().jobs {
            totals.count(&job.state(), job.bytes_sent.get(), job.size_bytes);
        }
        totals
    }

    fn pause(&mut self, id: u64) {
        if let Some(job) = self.job(id)
            && matches!(job.state(), JobState::Queued | JobState::Running)
        {
            job.stop();
            job.set_state(JobState::Paused);
            self.changed();
        }
    }

    fn resume(&mut self, id: u64) {
        if let Some(job) = self.job(id)
            && job.state() == JobState::Paused
        {
            job.set_state(JobState::Queued);
            self.changed();
        }
    }

    fn cancel(&mut self, id: u64) {
        if let Some(job) = self.job(id)
            && !job.state().is_finished()
        {
            job.stop();
            job.discard_upload(&self.inner.borrow().connection);
            job.set_state(JobState::Cancelled);
            self.changed();
        }
    }

    fn retry(&mut self, id: u64) {
        if let Some(job) = self.job(id)
            && matches!(job.state(), JobState::Failed { .. } | JobState::Cancelled)
        {
            job.bytes_sent.set(0);
            job.set_state(JobState::Queued);
            self.changed();
        }
    }

    fn pause_all(&mut self) {
        for id in self.ids() {
            self.pause(id);
        }
    }

    fn resume_all(&mut self) {
        for id in self.ids() {
            self.resume(id);
        }
    }

    fn cancel_all(&mut self) {
        for id in self.ids() {
            self.cancel(id);
        }
    }

    fn clear_finished(&mut self) {
        self.inner.borrow_mut().jobs.retain(|j| {
            !matches!(
                j.state(),
                JobState::Done | JobState::Skipped | JobState::Cancelled
            )
        });
    }

    fn decide(&mut self, policy: IfExists) {
        for job in self.inner.borrow().jobs.iter() {
            if job.state() == JobState::Exists {
                job.conflict.set(Conflict::Decided(policy));
                job.set_state(JobState::Queued);
            }
        }
        self.changed();
    }
}
