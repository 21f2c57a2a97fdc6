//! Servers for the integration tests: the embedded sandbox always; moto and Garage when `.ci/run`
//! (or a developer) points at them.
//!
//! - moto: `SKIFF_TEST_MOTO_ENDPOINT=http://127.0.0.1:PORT`
//! - Garage: `SKIFF_TEST_GARAGE_ENDPOINT`, `SKIFF_TEST_GARAGE_KEY_ID`, `SKIFF_TEST_GARAGE_SECRET`
//!   (and optionally `SKIFF_TEST_GARAGE_REGION`, default `garage`)
//!
//! `SKIFF_REQUIRE_SERVERS=moto,garage` turns a missing server into a failure, so CI can never
//! pass by quietly not testing one.

pub mod ui;

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use futures::StreamExt;
use skiff::s3::client::static_connection;
use skiff::s3::{Connection, StaticEndpoint};
use skiff::sandbox::{RunningSandbox, SandboxOptions};

pub struct TestServer {
    pub name: &'static str,
    /// Where the server is and its keys, for front ends started on it.
    pub endpoint: StaticEndpoint,
    pub connection: Connection,
    _sandbox: Option<RunningSandbox>,
    _dir: Option<tempfile::TempDir>,
}

pub fn required(name: &str) -> bool {
    std::env::var("SKIFF_REQUIRE_SERVERS")
        .map(|v| v.split(',').any(|s| s.trim() == name))
        .unwrap_or(false)
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// The named server, or `None` (with a note on stderr) when it is not configured.
pub async fn server(name: &'static str) -> Option<TestServer> {
    let configured = match name {
        "sandbox" => {
            let dir = tempfile::tempdir().expect("temp dir");
            let sandbox = RunningSandbox::start(SandboxOptions::new(dir.path()))
                .await
                .expect("sandbox starts");
            let connection = static_connection("sandbox", &sandbox.endpoint, true);
            return Some(TestServer {
                name,
                endpoint: sandbox.endpoint.clone(),
                connection,
                _sandbox: Some(sandbox),
                _dir: Some(dir),
            });
        }
        "moto" => env("SKIFF_TEST_MOTO_ENDPOINT").map(|endpoint| StaticEndpoint {
            endpoint,
            region: "us-east-1".into(),
            access_key_id: "testing".into(),
            secret_access_key: "testing".into(),
        }),
        "garage" => match (
            env("SKIFF_TEST_GARAGE_ENDPOINT"),
            env("SKIFF_TEST_GARAGE_KEY_ID"),
            env("SKIFF_TEST_GARAGE_SECRET"),
        ) {
            (Some(endpoint), Some(key), Some(secret)) => Some(StaticEndpoint {
                endpoint,
                region: env("SKIFF_TEST_GARAGE_REGION").unwrap_or_else(|| "garage".into()),
                access_key_id: key,
                secret_access_key: secret,
            }),
            _ => None,
        },
        other => panic!("unknown test server {other}"),
    };
    match configured {
        Some(endpoint) => Some(TestServer {
            name,
            connection: static_connection(name, &endpoint, true),
            endpoint,
            _sandbox: None,
            _dir: None,
        }),
        None => {
            assert!(
                !required(name),
                "SKIFF_REQUIRE_SERVERS names {name}, but its SKIFF_TEST_* variables are not set"
            );
            eprintln!("note: {name} is not configured for this run (see tests/common/mod.rs)");
            None
        }
    }
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A bucket name unique to this test run.
pub fn unique_bucket(case: &str) -> String {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("skiff-{case}-{}-{nanos:x}-{n}", std::process::id())
}

/// Creates a fresh bucket on the server.
pub async fn fresh_bucket(server: &TestServer, case: &str) -> String {
    let bucket = unique_bucket(case);
    skiff::s3::bucket_setup::create_bucket(&server.connection, &bucket)
        .await
        .unwrap_or_else(|e| panic!("{}: create bucket {bucket}: {e}", server.name));
    bucket
}

/// A fresh bucket with versioning on.
pub async fn versioned_bucket(server: &TestServer, case: &str) -> String {
    use aws_sdk_s3::types::{BucketVersioningStatus, VersioningConfiguration};
    let bucket = fresh_bucket(server, case).await;
    let on = VersioningConfiguration::builder()
        .status(BucketVersioningStatus::Enabled)
        .build();
    (server
        .connection
        .client
        .put_bucket_versioning()
        .bucket(&bucket))
    .versioning_configuration(on)
    .send()
    .await
    .unwrap_or_else(|e| panic!("{}: versioning on {bucket}: {e}", server.name));
    bucket
}

/// Puts every key (body: the key's own bytes), 32 at a time.
pub async fn put_keys(server: &TestServer, bucket: &str, keys: &[String]) {
    let results: Vec<_> = futures::stream::iter(keys.iter().cloned())
        .map(|key| {
            let connection = server.connection.clone();
            let bucket = bucket.to_owned();
            async move {
                let body = key.clone().into_bytes();
                skiff::s3::objects::put_bytes(&connection, &bucket, &key, body)
                    .await
                    .map_err(|e| format!("{key}: {e}"))
            }
        })
        .buffer_unordered(32)
        .collect()
        .await;
    let failures: Vec<_> = results.into_iter().filter_map(Result::err).collect();
    assert!(
        failures.is_empty(),
        "{}: puts failed: {failures:?}",
        server.name
    );
}

/// Incomplete multipart uploads in the bucket (aborts are asynchronous: give them a moment).
pub async fn multipart_uploads_left(server: &TestServer, bucket: &str) -> usize {
    let mut left = usize::MAX;
    for _ in 0..50 {
        left = server
            .connection
            .client
            .list_multipart_uploads()
            .bucket(bucket)
            .send()
            .await
            .unwrap()
            .uploads()
            .len();
        if left == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    left
}

/// A `skiff serve` child process on a fresh data directory; killed when dropped.
pub struct ServedSandbox {
    child: std::process::Child,
    pub dir: tempfile::TempDir,
    /// The endpoint it printed.
    pub endpoint: String,
}

impl Drop for ServedSandbox {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `skiff serve --data DIR` and waits for it to print its endpoint.
pub fn serve_sandbox() -> ServedSandbox {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_skiff"))
        .args(["serve", "--data"])
        .arg(dir.path())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("skiff serve starts");
    let stdout = child.stdout.take().unwrap();
    let endpoint = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .find_map(|l| {
            l.trim()
                .strip_prefix("endpoint:")
                .map(|e| e.trim().to_owned())
        })
        .expect("serve prints its endpoint");
    ServedSandbox {
        child,
        dir,
        endpoint,
    }
}

/// `skiff` pointed at `endpoint` (the served sandbox, or a link to it) with the sandbox's keys.
pub fn skiff_at(served: &ServedSandbox, endpoint: &str) -> std::process::Command {
    let creds: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(served.dir.path().join("credentials.json")).unwrap(),
    )
    .unwrap();
    let key = |name: &str| creds[name].as_str().unwrap().to_owned();
    skiff_with(&StaticEndpoint {
        endpoint: endpoint.to_owned(),
        region: "us-east-1".into(),
        access_key_id: key("access_key_id"),
        secret_access_key: key("secret_access_key"),
    })
}

/// `skiff` pointed at `endpoint` as a user of the AWS CLI points it: `--endpoint-url` and the
/// keys and region in the environment, no profile.
pub fn skiff_with(endpoint: &StaticEndpoint) -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_skiff"));
    command
        .args(["--endpoint-url", &endpoint.endpoint])
        .env("AWS_ACCESS_KEY_ID", &endpoint.access_key_id)
        .env("AWS_SECRET_ACCESS_KEY", &endpoint.secret_access_key)
        .env("AWS_REGION", &endpoint.region)
        .env("AWS_CONFIG_FILE", "/nonexistent")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent");
    command
}

/// A GET of `url` as a browser following a link would send it (no credentials): the status,
/// the header block with lower-cased names, and the body. HTTP/1.0, so no chunked body.
pub async fn plain_get(url: &str) -> (u16, String, Vec<u8>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let rest = url.strip_prefix("http://").expect("a loopback http URL");
    let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let mut stream = tokio::net::TcpStream::connect(host).await.unwrap();
    let request = format!("GET {path} HTTP/1.0\r\nHost: {host}\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    let split = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("an HTTP answer");
    let head = String::from_utf8_lossy(&answer[..split]).to_ascii_lowercase();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, head, answer[split + 4..].to_vec())
}

/// A listener on 127.0.0.1 that hands each connection it accepts to `serve`, in a task of its
/// own: the base of the test proxies that stand between Skiff and a server. Returns its
/// `http://` address.
pub async fn loopback_proxy<F, Fut>(serve: F) -> String
where
    F: Fn(tokio::net::TcpStream) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        loop {
            if let Ok((client, _)) = listener.accept().await {
                tokio::spawn(serve(client));
            }
        }
    });
    address
}

/// The `host:port` of a server's plain-HTTP endpoint, for a proxy to forward to.
pub fn upstream(server: &TestServer) -> String {
    server
        .endpoint
        .endpoint
        .trim_start_matches("http://")
        .to_owned()
}

/// A connection to `server` through the proxy at `proxy`.
pub fn through(server: &TestServer, proxy: String) -> Connection {
    static_connection(
        "proxy",
        &StaticEndpoint {
            endpoint: proxy,
            ..server.endpoint.clone()
        },
        true,
    )
}

/// Copies `from` to `to` until either ends, counting as it goes (a pooled connection may stay
/// open long after the test reads the count).
async fn pump(
    from: &mut (impl tokio::io::AsyncRead + Unpin),
    to: &mut (impl tokio::io::AsyncWrite + Unpin),
    count: &AtomicU64,
) {
    use tokio::io::AsyncReadExt;
    let mut buffer = vec![0u8; 64 * 1024];
    while let Ok(n @ 1..) = from.read(&mut buffer).await {
        count.fetch_add(n as u64, Ordering::Relaxed);
        if to.write_all(&buffer[..n]).await.is_err() {
            break;
        }
    }
    let _ = to.shutdown().await;
}

/// A proxy that counts the bytes each way.
pub async fn counting_proxy(upstream: String) -> (String, Arc<(AtomicU64, AtomicU64)>) {
    let counted = Arc::new((AtomicU64::new(0), AtomicU64::new(0)));
    let counters = counted.clone();
    let address = loopback_proxy(move |client| {
        let (upstream, counters) = (upstream.clone(), counters.clone());
        async move {
            let Ok(server) = TcpStream::connect(&upstream).await else {
                return;
            };
            let (mut client_in, mut client_out) = client.into_split();
            let (mut server_in, mut server_out) = server.into_split();
            let up = pump(&mut client_in, &mut server_out, &counters.0);
            let down = pump(&mut server_in, &mut client_out, &counters.1);
            tokio::join!(up, down);
        }
    })
    .await;
    (address, counted)
}
