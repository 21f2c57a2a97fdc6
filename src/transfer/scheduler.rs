//! What every transfer shares: one bound on requests in flight and on bytes in memory, and the
//! progress a front end draws.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::plan;

/// Permits shared by every transfer: requests in flight, and KiB of buffers in memory, so ten
/// parallel 10 GiB uploads hold no more memory than one, and 256 small files in flight are not
/// each charged a MiB.
#[derive(Debug, Clone)]
pub struct Scheduler {
    requests: Arc<Semaphore>,
    memory_kib: Arc<Semaphore>,
    memory_budget_kib: u32,
    in_flight: Arc<AtomicUsize>,
}

/// A request's slot and its room in memory, held until the request is done.
#[derive(Debug)]
pub(crate) struct Held {
    _request: OwnedSemaphorePermit,
    _memory: OwnedSemaphorePermit,
    in_flight: Arc<AtomicUsize>,
}

impl Drop for Held {
    fn drop(&mut self) {
        self.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Scheduler {
    pub fn new(max_requests: usize, memory_budget_bytes: u64) -> Self {
        let kib = (memory_budget_bytes / 1024).clamp(8 * 1024, u32::MAX as u64) as u32;
        Self {
            requests: Arc::new(Semaphore::new(max_requests.max(1))),
            memory_kib: Arc::new(Semaphore::new(kib as usize)),
            memory_budget_kib: kib,
            in_flight: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// For transfers with these options: requests enough for every file in flight, or for
    /// four files' parts, and `memory_budget_bytes` of buffers.
    pub fn for_options(options: &super::TransferOptions, memory_budget_bytes: u64) -> Self {
        let files = options.files_at_once.most();
        Self::new(files.max(options.concurrency * 4), memory_budget_bytes)
    }

    /// A request slot and room for `bytes` in memory; both are released when dropped.
    pub(crate) async fn permit(&self, bytes: u64) -> Held {
        let kib = (bytes.div_ceil(1024) as u32).clamp(1, self.memory_budget_kib);
        let memory = (self.memory_kib.clone())
            .acquire_many_owned(kib)
            .await
            .expect("scheduler semaphores are never closed");
        let request = (self.requests.clone())
            .acquire_owned()
            .await
            .expect("scheduler semaphores are never closed");
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        Held {
            _request: request,
            _memory: memory,
            in_flight: self.in_flight.clone(),
        }
    }

    /// Requests holding a connection now.
    pub fn requests_in_flight(&self) -> usize {
        self.in_flight.load(Ordering::Relaxed)
    }
}

impl Default for Scheduler {
    /// As many requests as the most files at once, and 256 MiB of buffers.
    fn default() -> Self {
        Self::new(super::adaptive::MAX, 256 * plan::MIB)
    }
}

/// Bytes moved so far, shared with whoever draws progress.
#[derive(Debug, Default)]
pub struct Progress {
    pub bytes_done: AtomicU64,
    pub bytes_total: AtomicU64,
    /// Parts a resumed upload found already sent, and the parts it has in all.
    pub parts_resumed: AtomicU64,
    pub parts_total: AtomicU64,
}

/// Whether the stop of a transfer is a pause. Whoever may pause it holds one (a [`RunHandle`]
/// does), the upload reads it as it is stopped: set, its multipart upload and journal are kept,
/// so that a start again sends only the missing parts; unset, the stop is a cancel and the
/// upload is aborted on the server.
#[derive(Debug, Clone, Default)]
pub struct Pause(std::sync::Arc<std::sync::atomic::AtomicBool>);

impl Pause {
    pub fn set(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    pub fn clear(&self) {
        self.0.store(false, Ordering::Relaxed);
    }

    pub fn is_set(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// A transfer running in a task of its own, as its starter holds it: `pause` and `cancel` both
/// stop the task at once; the pause is marked first, so the transfer keeps what a resume needs.
#[derive(Debug)]
pub struct RunHandle {
    abort: futures::future::AbortHandle,
    pause: Pause,
}

impl RunHandle {
    /// A handle over `pause`, and the registration that makes a future stoppable by it
    /// (`futures::future::Abortable::new(future, registration)`).
    pub fn new(pause: Pause) -> (Self, futures::future::AbortRegistration) {
        let (abort, registration) = futures::future::AbortHandle::new_pair();
        (Self { abort, pause }, registration)
    }

    pub fn pause(&self) {
        self.pause.set();
        self.abort.abort();
    }

    pub fn cancel(&self) {
        self.abort.abort();
    }
}

impl Progress {
    pub(crate) fn add(&self, n: u64) {
        self.bytes_done.fetch_add(n, Ordering::Relaxed);
    }
}
