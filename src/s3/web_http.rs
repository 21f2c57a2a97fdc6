//! The browser side of the SDK: an HTTP client over `fetch`, a clock and a sleep.
//!
//! The SDK wants `Send` futures; browser futures are not. Each piece therefore runs its JS work
//! on the page's event loop with `spawn_local` and hands the result back over a oneshot channel,
//! whose receiver is `Send`.

use std::time::{Duration, SystemTime};

use aws_sdk_s3::config::{AsyncSleep, SharedAsyncSleep, Sleep};
use aws_smithy_async::time::{SharedTimeSource, TimeSource};
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::body::SdkBody;
use futures::channel::oneshot;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

pub fn configure(builder: aws_sdk_s3::config::Builder) -> aws_sdk_s3::config::Builder {
    builder
        .http_client(SharedHttpClient::new(FetchClient))
        .sleep_impl(SharedAsyncSleep::new(BrowserSleep))
        .time_source(SharedTimeSource::new(BrowserClock))
}

#[derive(Debug, Clone, Copy)]
struct BrowserClock;

impl TimeSource for BrowserClock {
    fn now(&self) -> SystemTime {
        // std's SystemTime::now() panics on wasm32-unknown-unknown.
        SystemTime::UNIX_EPOCH + Duration::from_millis(js_sys::Date::now() as u64)
    }
}

#[derive(Debug, Clone, Copy)]
struct BrowserSleep;

impl AsyncSleep for BrowserSleep {
    fn sleep(&self, duration: Duration) -> Sleep {
        let (tx, rx) = oneshot::channel::<()>();
        let millis = u32::try_from(duration.as_millis()).unwrap_or(u32::MAX);
        wasm_bindgen_futures::spawn_local(async move {
            gloo_timers::future::TimeoutFuture::new(millis).await;
            let _ = tx.send(());
        });
        Sleep::new(async move {
            let _ = rx.await;
        })
    }
}

#[derive(Debug, Clone, Copy)]
struct FetchClient;

impl HttpClient for FetchClient {
    fn http_connector(
        &self,
        _settings: &HttpConnectorSettings,
        _components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(FetchConnector)
    }
}

#[derive(Debug, Clone, Copy)]
struct FetchConnector;

impl HttpConnector for FetchConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let (tx, rx) = oneshot::channel();
        wasm_bindgen_futures::spawn_local(async move {
            let _ = tx.send(fetch(request).await);
        });
        HttpConnectorFuture::new(async move {
            rx.await.unwrap_or_else(|_| {
                Err(ConnectorError::other("the fetch was dropped".into(), None))
            })
        })
    }
}

/// Headers the browser sets itself and refuses from scripts.
const FORBIDDEN_HEADERS: [&str; 5] = [
    "host",
    "content-length",
    "user-agent",
    "expect",
    "connection",
];

fn js_error(what: &str, value: wasm_bindgen::JsValue) -> ConnectorError {
    let detail = value
        .as_string()
        .or_else(|| {
            value
                .dyn_ref::<js_sys::Error>()
                .map(|e| String::from(e.message()))
        })
        .unwrap_or_else(|| "no detail".into());
    // A fetch that fails outright is, in a browser, most often a CORS refusal or an unreachable host.
    ConnectorError::io(
        format!("{what}: {detail} (blocked by CORS, or the host is unreachable)").into(),
    )
}

async fn fetch(request: HttpRequest) -> Result<HttpResponse, ConnectorError> {
    let headers = web_sys::Headers::new().map_err(|e| js_error("headers", e))?;
    for (name, value) in request.headers() {
        if !FORBIDDEN_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
            headers
                .append(name, value)
                .map_err(|e| js_error("header", e))?;
        }
    }
    let init = web_sys::RequestInit::new();
    init.set_method(request.method());
    init.set_headers(&headers);
    let body = request.body().bytes().ok_or_else(|| {
        ConnectorError::user("streaming request bodies are not supported in the browser".into())
    })?;
    if !body.is_empty() {
        // Binary bodies go as bytes, never through a string.
        let array = js_sys::Uint8Array::from(body);
        init.set_body(&array);
    }
    let js_request = web_sys::Request::new_with_str_and_init(request.uri(), &init)
        .map_err(|e| js_error("request", e))?;
    let window =
        web_sys::window().ok_or_else(|| ConnectorError::other("no window".into(), None))?;
    let response: web_sys::Response = JsFuture::from(window.fetch_with_request(&js_request))
        .await
        .map_err(|e| js_error("fetch failed", e))?
        .dyn_into()
        .map_err(|e| js_error("fetch answer", e))?;
    let status = StatusCode::try_from(response.status())
        .map_err(|e| ConnectorError::other(Box::new(e), None))?;
    let buffer = JsFuture::from(response.array_buffer().map_err(|e| js_error("body", e))?)
        .await
        .map_err(|e| js_error("reading the body", e))?;
    let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
    let mut out = HttpResponse::new(status, SdkBody::from(bytes));
    if let Ok(Some(entries)) = js_sys::try_iter(&response.headers()) {
        for entry in entries.flatten() {
            let pair: js_sys::Array = entry.unchecked_into();
            if let (Some(k), Some(v)) = (pair.get(0).as_string(), pair.get(1).as_string()) {
                out.headers_mut().append(k, v);
            }
        }
    }
    Ok(out)
}
