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
    /// Set before dropping a transfer to pause it: its multipart upload and journal are kept, so
    /// that starting it again sends only the missing parts. Unset, dropping it cancels (aborts).
    pub pause: std::sync::atomic::AtomicBool,
}

impl Progress {
    pub(crate) fn add(&self, n: u64) {
        self.bytes_done.fetch_add(n, Ordering::Relaxed);
    }
}
