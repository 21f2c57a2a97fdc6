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
