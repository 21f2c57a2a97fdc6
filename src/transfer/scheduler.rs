//! What every transfer shares: one bound on requests in flight and on bytes in memory, and the
//! progress a front end draws.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::Semaphore;

use super::plan;

/// Permits shared by every transfer: requests in flight, and MiB of part buffers in memory, so ten
/// parallel 10 GiB uploads hold no more memory than one.
#[derive(Debug, Clone)]
pub struct Scheduler {
    requests: Arc<Semaphore>,
    memory_mib: Arc<Semaphore>,
    memory_budget_mib: u32,
}

impl Scheduler {
    pub fn new(max_requests: usize, memory_budget_bytes: u64) -> Self {
        let mib = (memory_budget_bytes / plan::MIB).clamp(8, u32::MAX as u64) as u32;
        Self {
            requests: Arc::new(Semaphore::new(max_requests.max(1))),
            memory_mib: Arc::new(Semaphore::new(mib as usize)),
            memory_budget_mib: mib,
        }
    }

    /// A request slot and room for `bytes` in memory; both are released when dropped.
    pub(crate) async fn permit(
        &self,
        bytes: u64,
    ) -> (
        tokio::sync::OwnedSemaphorePermit,
        tokio::sync::OwnedSemaphorePermit,
    ) {
        let mib = (bytes.div_ceil(plan::MIB) as u32).clamp(1, self.memory_budget_mib);
        let memory = self
            .memory_mib
            .clone()
            .acquire_many_owned(mib)
            .await
            .expect("scheduler semaphores are never closed");
        let request = self
            .requests
            .clone()
            .acquire_owned()
            .await
            .expect("scheduler semaphores are never closed");
        (request, memory)
    }
}

impl Default for Scheduler {
    /// 64 requests and 256 MiB of buffers.
    fn default() -> Self {
        Self::new(64, 256 * plan::MIB)
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
