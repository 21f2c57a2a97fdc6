//! What the sandbox's HTTP server adds around S3: a Host check on every port (DNS rebinding),
//! CORS for the web app's origin, and the web app itself, served from the built `dist/` folder
//! on a port of its own.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use bytes::Bytes;
use futures::future::BoxFuture;
use http::{HeaderValue, Method, Request, Response, StatusCode, header};
use hyper::body::Incoming;
use s3s::Body;
use s3s::service::S3Service;

/// Response headers a page may read: the SDK needs the ETag (multipart), the checksums and the
/// request ids.
const EXPOSED_HEADERS: &str = "ETag, Content-Length, Content-Type, Content-Range, Last-Modified, \
    x-amz-request-id, x-amz-id-2, x-amz-version-id, x-amz-delete-marker, \
    x-amz-checksum-crc32c, x-amz-checksum-crc32, x-amz-checksum-crc64nvme, x-amz-checksum-sha256, \
    x-amz-checksum-type, x-amz-server-side-encryption, x-amz-mp-parts-count";

/// A service that answers only requests addressed to this loopback server by name. A page on any
/// site can rebind its own host name to 127.0.0.1 and then call us same-origin; its requests
/// still carry its name in `Host`, which is how they are told apart and refused.
#[derive(Clone)]
pub struct LoopbackOnly<S> {
    pub inner: S,
    pub hosts: AllowedHosts,
}

/// The `Host` values a server bound at one address answers to: `127.0.0.1`, `localhost`,
/// `[::1]` and the bound address itself, with any port. The name is what tells a rebound page
/// from us; the port may be another loopback one, as behind a local proxy (a TLS terminator, the
/// tests' fault-injecting proxies), where the client signed its requests for the proxy's port
/// and SigV4 forbids rewriting `Host`.
#[derive(Clone, Debug)]
pub struct AllowedHosts {
    bound_ip: String,
}

impl AllowedHosts {
    pub fn new(bound: SocketAddr) -> Self {
        let bound_ip = match bound {
            SocketAddr::V4(a) => a.ip().to_string(),
            SocketAddr::V6(a) => format!("[{}]", a.ip()),
        };
        Self { bound_ip }
    }

    pub fn allows(&self, host: &str) -> bool {
        let name = match host.rsplit_once(':') {
            // `[::1]` alone has colons but no port after its bracket.
            Some((name, port)) if !port.contains(']') => {
                if port.parse::<u16>().is_err() {
                    return false;
                }
                name
            }
            _ => host,
        };
        name.eq_ignore_ascii_case("localhost")
            || name == "127.0.0.1"
            || name == "[::1]"
            || name == self.bound_ip
    }

    /// Whether the request's `Host` (HTTP/1.1) or authority (HTTP/2) is one we answer to.
    fn admit<B>(&self, req: &Request<B>) -> bool {
        let host = match req.headers().get(header::HOST) {
            Some(value) => value.to_str().ok(),
            None => req.uri().authority().map(|a| a.as_str()),
        };
        host.is_some_and(|host| self.allows(host))
    }
}

impl<S> hyper::service::Service<Request<Incoming>> for LoopbackOnly<S>
where
    S: hyper::service::Service<Request<Incoming>, Response = Response<Body>>,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
{
    type Response = Response<Body>;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Self::Response, Self::Error>>;

    fn call(&self, req: Request<Incoming>) -> Self::Future {
        if !self.hosts.admit(&req) {
            tracing::warn!("sandbox: refused a request addressed to another host name");
            let response = plain(
                StatusCode::FORBIDDEN,
                "This server answers only to 127.0.0.1, localhost and [::1].",
            );
            return Box::pin(async move { Ok(response) });
        }
        Box::pin(self.inner.call(req))
    }
}

/// The S3 service, answering the browser's CORS preflights and marking its responses readable by
/// the allowed origins (and no others).
#[derive(Clone)]
pub struct CorsS3 {
    pub inner: S3Service,
    /// Origins allowed everything (the web app's own, `--cors-origin`).
    pub origins: Arc<Vec<String>>,
    /// For the CORS rules each bucket holds, as S3 applies them.
    pub backend: super::backend::Backend,
}

/// What a CORS answer allows: methods, headers, exposed headers, max age.
struct Allowed {
    origin: HeaderValue,
    methods: String,
    headers: Option<String>,
    expose: String,
    max_age: String,
}

impl CorsS3 {
    /// What the request's origin may do: everything for the sandbox's own origins, else what
    /// the first of the bucket's CORS rules that allows the origin and method says.
    fn allowed(&self, req: &Request<Incoming>) -> Option<Allowed> {
        let origin = req.headers().get(header::ORIGIN)?;
        if self
            .origins
            .iter()
            .any(|o| o.as_bytes() == origin.as_bytes())
        {
            return Some(Allowed {
                origin: origin.clone(),
                methods: "GET, PUT, POST, DELETE, HEAD".into(),
                headers: None,
                expose: EXPOSED_HEADERS.into(),
                max_age: "3000".into(),
            });
        }
        let origin_text = origin.to_str().ok()?;
        let method = req
            .headers()
            .get(header::ACCESS_CONTROL_REQUEST_METHOD)
            .and_then(|m| m.to_str().ok())
            .unwrap_or(req.method().as_str());
        let bucket = req.uri().path().trim_start_matches('/').split('/').next()?;
        let rules = self.backend.cors_rules(bucket)?;
        let rule = rules.iter().find(|rule| {
            rule.allowed_methods.iter().any(|m| m.as_str() == method)
                && rule
                    .allowed_origins
                    .iter()
                    .any(|o| wildcard_matches(o, origin_text))
        })?;
        let join = |list: &Option<Vec<String>>| list.as_ref().map(|l| l.join(", "));
        Some(Allowed {
            origin: origin.clone(),
            methods: rule
                .allowed_methods
                .iter()
                .map(|m| m.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            headers: join(&rule.allowed_headers),
            expose: join(&rule.expose_headers).unwrap_or_default(),
            max_age: rule.max_age_seconds.unwrap_or(0).to_string(),
        })
    }
}

/// A CORS origin pattern with at most one `*`.
fn wildcard_matches(pattern: &str, origin: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == origin,
        Some((head, tail)) => {
            origin.len() >= head.len() + tail.len()
                && origin.starts_with(head)
                && origin.ends_with(tail)
        }
    }
}

impl hyper::service::Service<Request<Incoming>> for CorsS3 {
    type Response = Response<Body>;
    type Error = s3s::HttpError;
    type Future = BoxFuture<'static, Result<Self::Response, Self::Error>>;

    fn call(&self, req: Request<Incoming>) -> Self::Future {
        let origin = self.allowed(&req);
        let preflight = req.method() == Method::OPTIONS
            && req
                .headers()
                .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
        if preflight {
            let asked = req
                .headers()
                .get(header::ACCESS_CONTROL_REQUEST_HEADERS)
                .cloned();
            let mut response = Response::new(Body::empty());
            match origin {
                Some(allowed) => {
                    let h = response.headers_mut();
                    h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, allowed.origin);
                    if let Ok(methods) = HeaderValue::from_str(&allowed.methods) {
                        h.insert(header::ACCESS_CONTROL_ALLOW_METHODS, methods);
                    }
                    // A rule's AllowedHeaders of `*` (or the sandbox's own origins) allow
                    // what the browser asks.
                    let headers = match allowed.headers.as_deref() {
                        None | Some("*") => asked,
                        Some(list) => HeaderValue::from_str(list).ok(),
                    };
                    if let Some(headers) = headers {
                        h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, headers);
                    }
                    if let Ok(age) = HeaderValue::from_str(&allowed.max_age) {
                        h.insert(header::ACCESS_CONTROL_MAX_AGE, age);
                    }
                    h.insert(header::VARY, HeaderValue::from_static("Origin"));
                }
                // As S3 does for an origin no rule allows.
                None => *response.status_mut() = StatusCode::FORBIDDEN,
            }
            return Box::pin(async move { Ok(response) });
        }
        let inner = self.inner.clone();
        Box::pin(async move {
            let mut response = hyper::service::Service::call(&inner, req).await?;
            if let Some(allowed) = origin {
                let h = response.headers_mut();
                h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, allowed.origin);
                if let Ok(expose) = HeaderValue::from_str(&allowed.expose)
                    && !allowed.expose.is_empty()
                {
                    h.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, expose);
                }
                h.append(header::VARY, HeaderValue::from_static("Origin"));
            }
            Ok(response)
        })
    }
}

/// The built web app (`dist/`), plus `sandbox.json`: the sandbox's endpoint and keys, so the
/// page opens on the sandbox as the desktop app does. Loopback only, like the sandbox itself.
#[derive(Clone)]
pub struct WebApp {
    pub root: Arc<PathBuf>,
    pub sandbox_json: Bytes,
}

impl hyper::service::Service<Request<Incoming>> for WebApp {
    type Response = Response<Body>;
    type Error = std::convert::Infallible;
    type Future = BoxFuture<'static, Result<Self::Response, Self::Error>>;

    fn call(&self, req: Request<Incoming>) -> Self::Future {
        let this = self.clone();
        Box::pin(async move { Ok(this.answer(req.method(), req.uri().path()).await) })
    }
}

impl WebApp {
    async fn answer(&self, method: &Method, path: &str) -> Response<Body> {
        if method != Method::GET && method != Method::HEAD {
            return plain(StatusCode::METHOD_NOT_ALLOWED, "only GET here");
        }
        let name = path.trim_start_matches('/');
        let name = if name.is_empty() { "index.html" } else { name };
        if name == "sandbox.json" {
            return with_type(self.sandbox_json.clone(), "application/json");
        }
        // Only plain file names of dist/ itself: no `..`, no folders.
        if name.contains('/') || name.contains('\\') || name.starts_with('.') {
            return plain(StatusCode::NOT_FOUND, "not found");
        }
        match tokio::fs::read(self.root.join(name)).await {
            Ok(bytes) => with_type(Bytes::from(bytes), content_type(name)),
            Err(_) => plain(StatusCode::NOT_FOUND, "not found"),
        }
    }
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit('.').next() {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript",
        Some("wasm") => "application/wasm",
        Some("json") => "application/json",
        Some("png") => "image/png",
        Some("svg") => "image/svg+xml",
        Some("ico") => "image/x-icon",
        Some("css") => "text/css",
        _ => "application/octet-stream",
    }
}

fn with_type(bytes: Bytes, content_type: &'static str) -> Response<Body> {
    let mut response = Response::new(Body::from(bytes));
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    // A rebuilt app is picked up on reload.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    // No other page may frame the app (clickjacking its delete buttons).
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("frame-ancestors 'none'"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

fn plain(status: StatusCode, text: &'static str) -> Response<Body> {
    let mut response = Response::new(Body::from(Bytes::from_static(text.as_bytes())));
    *response.status_mut() = status;
    response
}
