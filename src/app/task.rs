//! One-shot background work for the UI: a promise that asks for a repaint when it resolves, so a
//! result shows without the user moving the mouse.

use std::future::Future;

use poll_promise::Promise;

#[cfg(not(target_arch = "wasm32"))]
pub fn spawn<T, F>(ctx: &egui::Context, future: F) -> Promise<T>
where
    T: Send + 'static,
    F: Future<Output = T> + Send + 'static,
{
    let ctx = ctx.clone();
    Promise::spawn_async(async move {
        let value = future.await;
        ctx.request_repaint();
        value
    })
}

#[cfg(target_arch = "wasm32")]
pub fn spawn<T, F>(ctx: &egui::Context, future: F) -> Promise<T>
where
    T: Send + 'static,
    F: Future<Output = T> + 'static,
{
    let ctx = ctx.clone();
    Promise::spawn_local(async move {
        let value = future.await;
        ctx.request_repaint();
        value
    })
}

/// The engine's repaint callback for this context.
pub fn notifier(ctx: &egui::Context) -> crate::runtime::Notify {
    let ctx = ctx.clone();
    std::sync::Arc::new(move || ctx.request_repaint())
}

/// A promise's value once it has one, leaving `None` behind; the promise stays while pending.
pub fn take_ready<T: Send + 'static>(slot: &mut Option<Promise<T>>) -> Option<T> {
    match slot.take()?.try_take() {
        Ok(value) => Some(value),
        Err(promise) => {
            *slot = Some(promise);
            None
        }
    }
}
