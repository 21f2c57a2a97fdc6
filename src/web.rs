//! Web entry: runs the app on the page's canvas.

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::wasm_bindgen;

#[wasm_bindgen(start)]
pub fn start() {
    let web_options = eframe::WebOptions::default();
    wasm_bindgen_futures::spawn_local(async {
        let document = web_sys::window()
            .and_then(|w| w.document())
            .expect("the page has a document");
        let canvas = document
            .get_element_by_id("skiff_canvas")
            .and_then(|e| e.dyn_into::<web_sys::HtmlCanvasElement>().ok())
            .expect("the page has a canvas with id skiff_canvas");
        let environment = crate::app::AppEnvironment {
            sandbox: served_sandbox().await,
            open_at: linked_place(),
            file_dialogs: crate::app::FileDialogs::System,
            ..crate::app::AppEnvironment::default()
        };
        let result = eframe::WebRunner::new()
            .start(
                canvas,
                web_options,
                Box::new(|cc| Ok(Box::new(crate::app::SkiffApp::new(cc, environment)))),
            )
            .await;
        if let Some(loading) = document.get_element_by_id("loading") {
            match result {
                Ok(()) => loading.remove(),
                Err(e) => loading.set_inner_html(&format!("Skiff could not start: {e:?}")),
            }
        }
    });
}

/// The sandbox `skiff serve --web` serves beside the app (its `sandbox.json`); `None` when the
/// page comes from anywhere else.
async fn served_sandbox() -> Option<crate::s3::StaticEndpoint> {
    let window = web_sys::window()?;
    let response = wasm_bindgen_futures::JsFuture::from(window.fetch_with_str("sandbox.json"))
        .await
        .ok()?
        .dyn_into::<web_sys::Response>()
        .ok()?;
    if !response.ok() {
        return None;
    }
    let text = wasm_bindgen_futures::JsFuture::from(response.text().ok()?)
        .await
        .ok()?
        .as_string()?;
    serde_json::from_str(&text).ok()
}

/// The bucket and prefix a link names: `?bucket=datasets&prefix=raw/2026/`.
fn linked_place() -> Option<(String, String)> {
    let search = web_sys::window()?.location().search().ok()?;
    let params = crate::format::query_pairs(search.trim_start_matches('?'));
    let find = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let bucket = find("bucket").filter(|b| !b.is_empty())?;
    Some((bucket, find("prefix").unwrap_or_default()))
}
