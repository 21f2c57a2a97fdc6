//! The embedded local S3 server: s3s over Skiff's own storage backend, on loopback.
//!
//! One data directory has one server. The process that starts it holds an exclusive lock on
//! `server.lock` and records its address in `endpoint.json`; any other Skiff process that opens
//! the same directory finds the lock taken and connects to the recorded endpoint instead.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder as ConnBuilder;
use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::s3::StaticEndpoint;

mod backend;
mod http;

pub const SANDBOX_REGION: &str = "us-east-1";
const LOCK_FILE: &str = "server.lock";
const ENDPOINT_FILE: &str = "endpoint.json";
/// The port the sandbox last listened on; unlike `endpoint.json` it outlives the server.
const LAST_PORT_FILE: &str = "last-port";
const CREDENTIALS_FILE: &str = "credentials.json";
/// Where the store lives: plain files and JSON lines (see `backend::storage`).
const STORE_DIR: &str = "buckets";
/// Where an earlier Skiff's sandbox (s3s-fs) kept its objects: moved in on the first start.
const OLD_STORE_DIR: &str = "store";

#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("Cannot use the sandbox data directory {path}: {source}.")]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("Cannot listen on {addr}: {source}. Choose another port or stop the program using it.")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error(
        "Another Skiff process holds the sandbox in {path}, but its server at {endpoint} does not answer. \
         Close the other Skiff, or start with another data directory."
    )]
    OwnerNotAnswering { path: PathBuf, endpoint: String },
    #[error(
        "The sandbox in {path} is already served by another Skiff process at {endpoint}; stop it \
         first to serve it here."
    )]
    AlreadyServed { path: PathBuf, endpoint: String },
    #[error("The sandbox's storage in {path} could not be opened: {detail}.")]
    Store { path: PathBuf, detail: String },
}

/// Where the sandbox keeps its data: the user's data directory, or `SKIFF_SANDBOX_DIR`.
pub fn default_data_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("SKIFF_SANDBOX_DIR") {
        return PathBuf::from(dir);
    }
    directories::ProjectDirs::from("dev", "Skiff", "Skiff")
        .map(|d| d.data_dir().join("sandbox"))
        .unwrap_or_else(|| crate::local_data::homeless_dir().join("sandbox"))
}

#[derive(Debug, Clone)]
pub struct SandboxOptions {
    pub data_dir: PathBuf,
    pub host: IpAddr,
    /// 0 picks a free port.
    pub port: u16,
    /// Also serve the built web app from this folder (`dist/`), on a port of its own, with the
    /// sandbox answering CORS for the app's origin.
    pub web_app: Option<WebAppOptions>,
    /// Further page origins allowed to call the sandbox from a browser (`http://127.0.0.1:8000`).
    pub cors_origins: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct WebAppOptions {
    pub root: PathBuf,
    /// 0 picks a free port.
    pub port: u16,
}

impl WebAppOptions {
    pub fn at(root: PathBuf, port: u16) -> Self {
        Self { root, port }
    }
}

impl SandboxOptions {
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            data_dir: data_dir.into(),
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            web_app: None,
            cors_origins: Vec::new(),
        }
    }
}

/// The sandbox this process uses: one it runs, or one another process runs.
pub enum Sandbox {
    Running(RunningSandbox),
    Attached(StaticEndpoint),
}

impl Sandbox {
    pub fn endpoint(&self) -> &StaticEndpoint {
        match self {
            Self::Running(r) => &r.endpoint,
            Self::Attached(e) => e,
        }
    }

    /// Starts the server for `options.data_dir`, or attaches to the process already serving it.
    pub async fn start_or_attach(options: SandboxOptions) -> Result<Self, SandboxError> {
        let dir = &options.data_dir;
        let lock = open_lock(dir)?;
        if lock.try_lock().is_ok() {
            return RunningSandbox::start_locked(options, lock)
                .await
                .map(Self::Running);
        }
        attach(dir).await.map(Self::Attached)
    }
}

/// The sandbox another process serves from `dir`, with its keys; `None` when none does.
pub async fn served_elsewhere(dir: &Path) -> Result<Option<StaticEndpoint>, SandboxError> {
    let lock = open_lock(dir)?;
    if lock.try_lock().is_ok() {
        return Ok(None);
    }
    attach(dir).await.map(Some)
}

/// A sandbox server this process runs. Dropping it stops the server.
pub struct RunningSandbox {
    pub endpoint: StaticEndpoint,
    /// Where the web app is served, when asked for.
    pub web_url: Option<String>,
    data_dir: PathBuf,
    shutdown: watch::Sender<bool>,
    _lock: File,
}

impl RunningSandbox {
    /// Starts the server; fails if another process already serves this data directory.
    pub async fn start(options: SandboxOptions) -> Result<Self, SandboxError> {
        let lock = open_lock(&options.data_dir)?;
        if lock.try_lock().is_err() {
            let endpoint = read_endpoint(&options.data_dir)
                .map(|e| e.endpoint)
                .unwrap_or_else(|| "an unknown address".into());
            return Err(SandboxError::AlreadyServed {
                path: options.data_dir.clone(),
                endpoint,
            });
        }
        Self::start_locked(options, lock).await
    }

    async fn start_locked(options: SandboxOptions, lock: File) -> Result<Self, SandboxError> {
        let dir = options.data_dir.clone();
        let (access_key_id, secret_access_key) = load_or_create_credentials(&dir)?;
        let store = dir.join(STORE_DIR);
        crate::local_data::create_private_dir(&store).map_err(|source| SandboxError::DataDir {
            path: store.clone(),
            source,
        })?;
        let backend = backend::Backend::open(&store, &dir.join(OLD_STORE_DIR)).map_err(|e| {
            SandboxError::Store {
                path: store.clone(),
                detail: e.to_string(),
            }
        })?;
        let service = {
            let mut builder = s3s::service::S3ServiceBuilder::new(backend.clone());
            builder.set_auth(s3s::auth::SimpleAuth::from_single(
                access_key_id.clone(),
                secret_access_key.clone(),
            ));
            builder.build()
        };

        let addr = SocketAddr::new(options.host, options.port);
        // With no port asked for, the last run's port is tried first: profiles and scripts
        // pointed at the sandbox keep working, and so does the resume of unfinished uploads,
        // which are tied to the endpoint.
        let previous = (options.port == 0)
            .then(|| std::fs::read_to_string(dir.join(LAST_PORT_FILE)).ok())
            .flatten()
            .and_then(|text| text.trim().parse::<u16>().ok());
        let listener = match previous {
            Some(port) => match TcpListener::bind(SocketAddr::new(options.host, port)).await {
                Ok(listener) => Ok(listener),
                Err(_) => TcpListener::bind(addr).await,
            },
            None => TcpListener::bind(addr).await,
        }
        .map_err(|source| SandboxError::Bind { addr, source })?;
        let local = listener
            .local_addr()
            .map_err(|source| SandboxError::Bind { addr, source })?;
        // Best effort: without it the next start picks any free port.
        let _ = crate::local_data::replace_private(
            &dir.join(LAST_PORT_FILE),
            local.port().to_string().as_bytes(),
        );
        let endpoint = StaticEndpoint {
            endpoint: format!("http://{}", format_addr(local)),
            region: SANDBOX_REGION.to_owned(),
            access_key_id,
            secret_access_key,
        };

        let (shutdown, stop) = watch::channel(false);
        let mut origins = options.cors_origins.clone();
        let mut web_url = None;
        if let Some(web) = &options.web_app {
            let addr = SocketAddr::new(options.host, web.port);
            let listener = TcpListener::bind(addr)
                .await
                .map_err(|source| SandboxError::Bind { addr, source })?;
            let local = listener
                .local_addr()
                .map_err(|source| SandboxError::Bind { addr, source })?;
            let url = format!("http://{}", format_addr(local));
            origins.push(url.clone());
            if local.ip().is_loopback() {
                origins.push(format!("http://localhost:{}", local.port()));
            }
            let app = http::WebApp {
                root: std::sync::Arc::new(web.root.clone()),
                sandbox_json: serde_json::to_vec(&endpoint)
                    .expect("an endpoint serialises")
                    .into(),
            };
            let app = http::LoopbackOnly {
                inner: app,
                hosts: http::AllowedHosts::new(local),
            };
            tokio::spawn(serve_http(listener, app, stop.clone()));
            web_url = Some(format!("{url}/"));
        }
        let service = http::LoopbackOnly {
            inner: http::CorsS3 {
                inner: service,
                origins: std::sync::Arc::new(origins),
                backend: backend.clone(),
            },
            hosts: http::AllowedHosts::new(local),
        };
        tokio::spawn(serve_http(listener, service, stop.clone()));
        tokio::spawn(sweep_hourly(backend, stop));

        write_endpoint(&dir, &endpoint.endpoint)?;
        tracing::info!("sandbox serving {} at {}", dir.display(), endpoint.endpoint);
        Ok(Self {
            endpoint,
            web_url,
            data_dir: dir,
            shutdown,
            _lock: lock,
        })
    }
}

impl Drop for RunningSandbox {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        let _ = std::fs::remove_file(self.data_dir.join(ENDPOINT_FILE));
    }
}

/// Applies the buckets' lifecycle rules every hour while the sandbox serves.
async fn sweep_hourly(backend: backend::Backend, mut stop: watch::Receiver<bool>) {
    let mut hourly = tokio::time::interval(Duration::from_secs(3600));
    hourly.tick().await;
    loop {
        tokio::select! {
            _ = hourly.tick() => {
                let backend = backend.clone();
                let _ = tokio::task::spawn_blocking(move || backend.sweep()).await;
            }
            _ = stop.changed() => return,
        }
    }
}

/// Accepts connections until the sandbox stops (`stop` changes, or its sender goes), then lets
/// the open ones finish (5 s at most).
async fn serve_http<S, B>(listener: TcpListener, service: S, mut stop: watch::Receiver<bool>)
where
    S: hyper::service::Service<
            hyper::Request<hyper::body::Incoming>,
            Response = hyper::Response<B>,
        > + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    B: hyper::body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let http = ConnBuilder::new(TokioExecutor::new());
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    loop {
        let socket = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((socket, _)) => socket,
                Err(err) => {
                    tracing::warn!("sandbox: accept failed: {err}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = stop.changed() => break,
        };
        let _ = socket.set_nodelay(true);
        let conn = http.serve_connection(TokioIo::new(socket), service.clone());
        let conn = graceful.watch(conn.into_owned());
        tokio::spawn(async move {
            let _ = conn.await;
        });
    }
    let _ = tokio::time::timeout(Duration::from_secs(5), graceful.shutdown()).await;
}

fn format_addr(addr: SocketAddr) -> String {
    match addr {
        SocketAddr::V4(a) => a.to_string(),
        SocketAddr::V6(a) => format!("[{}]:{}", a.ip(), a.port()),
    }
}

/// The sandbox's data directory (made private: it holds the keys and every object) and the lock
/// file whose holder serves it.
fn open_lock(dir: &Path) -> Result<File, SandboxError> {
    crate::local_data::create_private_dir(dir).map_err(|source| SandboxError::DataDir {
        path: dir.to_owned(),
        source,
    })?;
    OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.join(LOCK_FILE))
        .map_err(|source| SandboxError::DataDir {
            path: dir.to_owned(),
            source,
        })
}

#[derive(Serialize, Deserialize)]
struct EndpointRecord {
    endpoint: String,
    pid: u32,
}

fn write_endpoint(dir: &Path, endpoint: &str) -> Result<(), SandboxError> {
    let record = EndpointRecord {
        endpoint: endpoint.to_owned(),
        pid: std::process::id(),
    };
    let path = dir.join(ENDPOINT_FILE);
    let text = serde_json::to_string_pretty(&record).expect("endpoint record serialises");
    crate::local_data::replace_private(&path, text.as_bytes())
        .map_err(|source| SandboxError::DataDir { path, source })
}

fn read_endpoint(dir: &Path) -> Option<EndpointRecord> {
    let text = std::fs::read_to_string(dir.join(ENDPOINT_FILE)).ok()?;
    serde_json::from_str(&text).ok()
}

async fn attach(dir: &Path) -> Result<StaticEndpoint, SandboxError> {
    // The owner may have taken the lock a moment ago and not yet written its address.
    let mut record = None;
    for _ in 0..40 {
        record = read_endpoint(dir);
        if record.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let endpoint = record.map(|r| r.endpoint).unwrap_or_default();
    let host_port = endpoint.trim_start_matches("http://").to_owned();
    let answers = tokio::time::timeout(
        Duration::from_secs(2),
        tokio::net::TcpStream::connect(host_port),
    )
    .await
    .is_ok_and(|r| r.is_ok());
    if !answers {
        return Err(SandboxError::OwnerNotAnswering {
            path: dir.to_owned(),
            endpoint: if endpoint.is_empty() {
                "an unknown address".into()
            } else {
                endpoint
            },
        });
    }
    let (access_key_id, secret_access_key) = load_or_create_credentials(dir)?;
    Ok(StaticEndpoint {
        endpoint,
        region: SANDBOX_REGION.to_owned(),
        access_key_id,
        secret_access_key,
    })
}

#[derive(Serialize, Deserialize)]
struct CredentialsRecord {
    access_key_id: String,
    secret_access_key: String,
}

/// The sandbox's keys, made on first start and kept readable by the user alone: a file that
/// others may read (copied in, or from an older Skiff) is made private first.
fn load_or_create_credentials(dir: &Path) -> Result<(String, String), SandboxError> {
    let path = dir.join(CREDENTIALS_FILE);
    make_private_file(&path).map_err(|source| SandboxError::DataDir {
        path: path.clone(),
        source,
    })?;
    if let Ok(text) = std::fs::read_to_string(&path)
        && let Ok(record) = serde_json::from_str::<CredentialsRecord>(&text)
    {
        return Ok((record.access_key_id, record.secret_access_key));
    }
    let record = CredentialsRecord {
        access_key_id: format!(
            "SKIFF{}",
            crate::local_data::random_token(15).to_uppercase()
        ),
        secret_access_key: crate::local_data::random_token(40),
    };
    let text = serde_json::to_string_pretty(&record).expect("credentials serialise");
    let write = || -> std::io::Result<()> {
        let mut options = OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(&path)?;
        file.write_all(text.as_bytes())
    };
    write().map_err(|source| SandboxError::DataDir {
        path: path.clone(),
        source,
    })?;
    Ok((record.access_key_id, record.secret_access_key))
}

/// Takes group and other permissions off an existing file of ours; refuses one that is not a
/// plain file (a link could point the repair, and the keys, anywhere).
fn make_private_file(path: &Path) -> std::io::Result<()> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    if !meta.is_file() {
        return Err(std::io::Error::other(
            "it is not a plain file; remove it and Skiff makes new keys",
        ));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if meta.permissions().mode() & 0o077 != 0 {
            tracing::warn!("{} was readable by others; made private", path.display());
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
        }
    }
    Ok(())
}
