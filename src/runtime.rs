//! Where engine tasks run: tokio on native, the browser's event loop on the web.

use std::future::Future;
use std::sync::Arc;

/// Called whenever the engine has news for a front end (the GUI passes `request_repaint`).
pub type Notify = Arc<dyn Fn() + Send + Sync>;

pub fn no_notify() -> Notify {
    Arc::new(|| {})
}

#[cfg(not(target_arch = "wasm32"))]
pub fn spawn<F>(future: F)
where
    F: Future<Output = ()> + Send + 'static,
{
    tokio::spawn(future);
}

#[cfg(target_arch = "wasm32")]
pub fn spawn<F>(future: F)
where
    F: Future<Output = ()> + 'static,
{
    wasm_bindgen_futures::spawn_local(future);
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
