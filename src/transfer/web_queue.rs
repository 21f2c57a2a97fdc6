//! The browser's transfer queue: files dropped on the page or picked are uploaded from `Blob`
//! slices, one part at a time, so a file is never wholly in memory. A few files move at once,
//! each with a few parts in flight: browsers open about six connections to one host.
//!
//! Everything here runs on the page's one thread (`spawn_local`), so jobs share state through
//! `Rc` and `Cell`; no borrow is held across an `await`.

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use futures::future::{AbortHandle, Abortable};
use wasm_bindgen_futures::JsFuture;

use super::error::TransferError;
use super::job::{
    Conflict, Direction, IfExists, JobRow, JobState, QueueView, Totals, TransferOptions,
    upload_destination,
};
use super::upload::{Begun, PartSource, Upload, UploadRecord, abort_later, upload};
use crate::runtime::Notify;
use crate::s3::Connection;
use crate::s3::object_io::{ObjectRef, SentPart};

/// Files uploading at once; the rest wait as Queued.
const FILES_AT_ONCE: usize = 3;
/// Parts of one file in flight at once.
const PARTS_IN_FLIGHT: usize = 3;

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
/// sends only the rest, to the key its first run chose.
struct Multipart {
    key: String,
    begun: Begun,
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
        if let Some(multipart) = self.multipart.borrow_mut().take() {
            abort_later(
                connection,
                &self.bucket,
                &multipart.key,
                multipart.begun.upload_id,
            );
        }
        self.bytes_sent.set(0);
    }
}

/// What the shared upload worker keeps of a browser job: its multipart upload in memory (a page
/// that closes loses it; the uploads cleanup finds what it left), its bytes for the queue panel.
struct JobRecord<'a> {
    job: &'a WebJob,
    key: &'a str,
    notify: &'a Notify,
}

impl UploadRecord for JobRecord<'_> {
    fn current(&self) -> Option<Begun> {
        self.job
            .multipart
            .borrow()
            .as_ref()
            .map(|m| m.begun.clone())
    }

    fn begun(&self, upload_id: &str) {
        *self.job.multipart.borrow_mut() = Some(Multipart {
            key: self.key.to_owned(),
            begun: Begun {
                upload_id: upload_id.to_owned(),
                parts: Default::default(),
            },
        });
    }

    fn part_sent(&self, number: u32, part: &SentPart) {
        if let Some(multipart) = self.job.multipart.borrow_mut().as_mut() {
            multipart.begun.parts.insert(number, part.clone());
        }
    }

    fn forget(&self) {
        self.job.multipart.borrow_mut().take();
    }

    fn add_bytes(&self, bytes: u64) {
        self.job.bytes_sent.set(self.job.bytes_sent.get() + bytes);
        (self.notify)();
    }

    fn resumed(&self, _parts: u64, bytes: u64, _parts_total: u64) {
        self.job.bytes_sent.set(bytes);
        (self.notify)();
    }

    fn pausing(&self) -> bool {
        self.job.state() == JobState::Paused
    }
}

/// A browser `File`, read a part at a time through `Blob.slice`.
struct BlobSource<'a>(&'a web_sys::File);

impl PartSource for BlobSource<'_> {
    type Held = ();

    fn size_bytes(&self) -> u64 {
        self.0.size().max(0.0) as u64
    }

    async fn read(&self, start: u64, end: u64) -> Result<(Vec<u8>, ()), TransferError> {
        Ok((read_slice(self.0, start, end).await?, ()))
    }

    /// A `File` is the snapshot the user picked: a change on disk makes its reads fail.
    async fn check_unchanged(&self) -> Result<(), TransferError> {
        Ok(())
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
async fn run(
    connection: &Connection,
    job: &WebJob,
    notify: &Notify,
) -> Result<JobState, TransferError> {
    let begun = job.multipart.borrow().as_ref().map(|m| m.key.clone());
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
    let upload_job = Upload {
        object: ObjectRef::new(connection, &job.bucket, &key),
        headers: job.options.headers_for(&key, Some(job.file.type_())),
        multipart_threshold_bytes: job.options.multipart_threshold_bytes,
        part_size_bytes: job.options.part_size_bytes,
        parts_in_flight: PARTS_IN_FLIGHT,
    };
    let record = JobRecord {
        job,
        key: &key,
        notify,
    };
    upload(&upload_job, &BlobSource(&job.file), &record).await?;
    Ok(JobState::Done)
}

/// Bytes `[start, end)` of a file, read through `Blob.slice`.
async fn read_slice(
    file: &web_sys::File,
    start: u64,
    end: u64,
) -> Result<Vec<u8>, crate::s3::S3Error> {
    let unreadable = |e: wasm_bindgen::JsValue| crate::s3::S3Error::Other {
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
