//! Where engine tasks run: tokio on native, the browser's event loop on the web.

use std::future::Future;
use std::sync::Arc;

/// Called whenever the engine has news for a front end (the GUI passes `request_repaint`).
pub type Notify = Arc<dyn Fn() + Send + Sync>;

pub fn no_notify() -> Notify {
    Arc::new(|| {})
}

/// `Send` where tasks may move between threads (tokio on the desktop); anything in the browser,
/// whose one thread runs every task.
#[cfg(not(target_arch = "wasm32"))]
pub trait MaybeSend: Send {}
#[cfg(not(target_arch = "wasm32"))]
impl<T: Send> MaybeSend for T {}
#[cfg(target_arch = "wasm32")]
pub trait MaybeSend {}
#[cfg(target_arch = "wasm32")]
impl<T> MaybeSend for T {}

pub fn spawn<F>(future: F)
where
    F: Future<Output = ()> + MaybeSend + 'static,
{
    #[cfg(not(target_arch = "wasm32"))]
    tokio::spawn(future);
    #[cfg(target_arch = "wasm32")]
    wasm_bindgen_futures::spawn_local(future);
}

/// A long job of the engine (a listing, a bucket setup, ...) as a front end holds it: its events
/// arrive on a bounded channel, `notify` is called after each (the GUI repaints), and dropping or
/// stopping the handle stops the job and the request it has in flight.
pub struct Job<E> {
    events: Inbox<E>,
    abort: futures::future::AbortHandle,
}

/// Where a front end takes the events of one job, or of many (a queue, whose jobs each run in a
/// task of their own and send through clones of one [`Events`]).
pub struct Inbox<E>(futures::channel::mpsc::Receiver<E>);

impl<E> Inbox<E> {
    /// An event that has arrived, without waiting.
    pub fn try_next(&mut self) -> Option<E> {
        self.0.try_recv().ok()
    }

    /// The next event, waiting for it; `None` once every sender is gone.
    pub async fn next(&mut self) -> Option<E> {
        use futures::StreamExt;
        self.0.next().await
    }
}

/// A bounded channel of events to a front end, with `notify` after each.
pub fn event_channel<E>(capacity: usize, notify: Notify) -> (Events<E>, Inbox<E>) {
    let (tx, rx) = futures::channel::mpsc::channel(capacity);
    (Events { tx, notify }, Inbox(rx))
}

/// Where a job sends its events.
pub struct Events<E> {
    tx: futures::channel::mpsc::Sender<E>,
    notify: Notify,
}

impl<E> Clone for Events<E> {
    fn clone(&self) -> Self {
        Self {
            tx: self.tx.clone(),
            notify: self.notify.clone(),
        }
    }
}

impl<E> Events<E> {
    /// Sends `event`, waiting while the channel is full; false once the handle is gone.
    pub async fn send(&mut self, event: E) -> bool {
        use futures::SinkExt;
        let sent = self.tx.send(event).await.is_ok();
        (self.notify)();
        sent
    }
}

impl<E> Events<E> {
    /// Runs `work` to its end, meanwhile sending what `snapshot` reads (a job's live counters)
    /// as a `progress` event whenever it changed, at most every `PROGRESS_EVERY`: counters are
    /// cumulative, so a front end that misses one loses nothing.
    pub async fn progress_while<T, P: PartialEq + Copy>(
        &mut self,
        work: impl Future<Output = T>,
        snapshot: impl Fn() -> P,
        progress: impl Fn(P) -> E,
    ) -> T {
        use futures::future::{Either, select};
        let mut work = std::pin::pin!(work);
        let mut sent: Option<P> = None;
        loop {
            let tick = std::pin::pin!(sleep(PROGRESS_EVERY));
            match select(work.as_mut(), tick).await {
                Either::Left((value, _)) => return value,
                Either::Right(((), _)) => {
                    let now = snapshot();
                    if sent != Some(now) {
                        sent = Some(now);
                        if !self.send(progress(now)).await {
                            return work.await;
                        }
                    }
                }
            }
        }
    }
}

/// How often a job's progress counters are sent while they change (ten frames a second).
pub const PROGRESS_EVERY: std::time::Duration = std::time::Duration::from_millis(100);

impl<E: MaybeSend + 'static> Job<E> {
    /// Starts `work` in the background with room for `capacity` events not yet taken.
    pub fn start<F, Fut>(capacity: usize, notify: Notify, work: F) -> Self
    where
        F: FnOnce(Events<E>) -> Fut,
        Fut: Future<Output = ()> + MaybeSend + 'static,
    {
        let (sender, events) = event_channel(capacity, notify);
        let (abort, registration) = futures::future::AbortHandle::new_pair();
        let task = futures::future::Abortable::new(work(sender), registration);
        spawn(async move {
            let _ = task.await;
        });
        Self { events, abort }
    }
}

impl<E> Job<E> {
    /// An event that has arrived, without waiting.
    pub fn try_next(&mut self) -> Option<E> {
        self.events.try_next()
    }

    /// The next event, waiting for it; `None` once the job has ended.
    pub async fn next(&mut self) -> Option<E> {
        self.events.next().await
    }

    pub fn stop(&self) {
        self.abort.abort();
    }
}

impl<E> Drop for Job<E> {
    fn drop(&mut self) {
        self.abort.abort();
    }
}

/// Spawns `future` where a runtime is running. A drop during shutdown has none: the work is
/// then left undone rather than panicking.
#[cfg(not(target_arch = "wasm32"))]
pub fn spawn_if_running<F>(future: F)
where
    F: Future<Output = ()> + Send + 'static,
{
    if let Ok(handle) = tokio::runtime::Handle::try_current() {
        handle.spawn(future);
    }
}

#[cfg(target_arch = "wasm32")]
pub fn spawn_if_running<F>(future: F)
where
    F: Future<Output = ()> + 'static,
{
    wasm_bindgen_futures::spawn_local(future);
}

/// Waits without blocking the thread: tokio's timer on native, the browser's on the web.
pub async fn sleep(duration: std::time::Duration) {
    #[cfg(not(target_arch = "wasm32"))]
    tokio::time::sleep(duration).await;
    #[cfg(target_arch = "wasm32")]
    gloo_timers::future::sleep(duration).await;
}

/// Milliseconds since the Unix epoch by this machine's (or this browser's) clock. (std's clock
/// panics in a browser.)
pub fn now_millis() -> u64 {
    #[cfg(target_arch = "wasm32")]
    return js_sys::Date::now() as u64;
    #[cfg(not(target_arch = "wasm32"))]
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// Seconds since the Unix epoch by this machine's (or this browser's) clock.
pub fn now_secs() -> i64 {
    #[cfg(target_arch = "wasm32")]
    return (js_sys::Date::now() / 1000.0) as i64;
    #[cfg(not(target_arch = "wasm32"))]
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// A random number in `[0, 1)`, to spread retries of many requests apart.
pub fn random_fraction() -> f64 {
    #[cfg(target_arch = "wasm32")]
    return js_sys::Math::random();
    #[cfg(not(target_arch = "wasm32"))]
    rand::random::<f64>()
}
