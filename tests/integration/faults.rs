//! Transfers through a loopback proxy that drops connections and answers 503 SlowDown or 500 for
//! a share of them: every object still arrives intact and no multipart upload is left behind.

use crate::common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use common::{TestServer, fresh_bucket};
use futures::StreamExt;
use rand::{Rng, RngCore};
use skiff::transfer::{
    Progress, Scheduler, TransferOptions, download_object, download_prefix, upload_file,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[derive(Default)]
struct Faults {
    dropped: AtomicU64,
    slow_down: AtomicU64,
    internal: AtomicU64,
    cut: AtomicU64,
    forwarded: AtomicU64,
}

/// Reads one request: its head (up to the blank line) and its Content-Length body. An empty
/// head means the client closed the connection first.
pub(crate) async fn read_request(client: &mut TcpStream) -> std::io::Result<(Vec<u8>, Vec<u8>)> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if client.read(&mut byte).await? == 0 {
            return Ok((Vec::new(), Vec::new()));
        }
        head.push(byte[0]);
    }
    let text = String::from_utf8_lossy(&head).to_ascii_lowercase();
    let length: u64 = text
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    let mut body = Vec::new();
    client.take(length).read_to_end(&mut body).await?;
    Ok((head, body))
}

/// Answers an error to a request already read.
pub(crate) async fn answer_read(client: &mut TcpStream, status: &str, code: &str) {
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code><Message>injected</Message></Error>"
    );
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: application/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = client.write_all(response.as_bytes()).await;
    let _ = client.shutdown().await;
}

async fn answer(client: &mut TcpStream, status: &str, code: &str) {
    let _ = read_request(client).await;
    answer_read(client, status, code).await;
}

/// A proxy on 127.0.0.1 in front of `upstream` (host:port); faults on roughly a third of the
/// connections, and forwarded connections cut after a random 50-600 ms.
async fn start_proxy(upstream: String) -> (String, Arc<Faults>) {
    let faults = Arc::new(Faults::default());
    let counters = faults.clone();
    let address = common::loopback_proxy(move |mut client| {
        let (upstream, faults) = (upstream.clone(), counters.clone());
        async move {
            let roll: f64 = rand::rng().random();
            if roll < 0.12 {
                faults.dropped.fetch_add(1, Ordering::Relaxed);
                drop(client);
            } else if roll < 0.22 {
                faults.slow_down.fetch_add(1, Ordering::Relaxed);
                answer(&mut client, "503 Slow Down", "SlowDown").await;
            } else if roll < 0.30 {
                faults.internal.fetch_add(1, Ordering::Relaxed);
                answer(&mut client, "500 Internal Server Error", "InternalError").await;
            } else {
                faults.forwarded.fetch_add(1, Ordering::Relaxed);
                let Ok(mut server) = TcpStream::connect(&upstream).await else {
                    return;
                };
                let lifetime = std::time::Duration::from_millis(rand::rng().random_range(50..600));
                let cut = tokio::time::timeout(
                    lifetime,
                    tokio::io::copy_bidirectional(&mut client, &mut server),
                )
                .await
                .is_err();
                if cut {
                    faults.cut.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
    })
    .await;
    (address, faults)
}

async fn hundred_objects_survive(server: &TestServer) {
    let bucket = fresh_bucket(server, "faults").await;
    let (proxy, faults) = start_proxy(common::upstream(server)).await;
    let through_proxy = common::through(server, proxy);
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for i in 0..100 {
        let len = if i % 40 == 7 {
            20 * 1024 * 1024 + i
        } else {
            rand::rng().random_range(0..64 * 1024)
        };
        let mut bytes = vec![0u8; len];
        rand::rng().fill_bytes(&mut bytes);
        let path = dir.path().join(format!("f{i}.bin"));
        std::fs::write(&path, &bytes).unwrap();
        files.push((path, format!("faults/object {i:03}.bin"), bytes));
    }
    assert_eq!(
        files
            .iter()
            .filter(|f| f.2.len() > 16 * 1024 * 1024)
            .count(),
        3
    );
    let scheduler = Scheduler::default();
    let options = TransferOptions::default();
    let failures: Vec<String> = futures::stream::iter(files.iter())
        .map(|(path, key, _)| {
            let (c, s, o, bucket) = (&through_proxy, &scheduler, &options, &bucket);
            async move {
                upload_file(c, s, path, bucket, key, o, &Progress::default())
                    .await
                    .err()
                    .map(|e| format!("{key}: {e}"))
            }
        })
        .buffer_unordered(8)
        .filter_map(|f| async move { f })
        .collect()
        .await;
    assert!(failures.is_empty(), "{}: {failures:?}", server.name);

    // Read back through the same proxy: every byte is where it should be, though bodies break
    // off mid-stream. One ranged GET at a time, so a multipart object's three 8 MiB parts come
    // in one request, which a cut connection interrupts between and inside parts.
    let one_range = TransferOptions {
        concurrency: 2,
        ..TransferOptions::default()
    };
    for (_, key, bytes) in &files {
        let out = dir.path().join("check.bin");
        if let Err(e) = download_object(
            &through_proxy,
            &scheduler,
            &bucket,
            key,
            &out,
            &one_range,
            &Default::default(),
        )
        .await
        {
            panic!("{}: {key} did not download: {e}", server.name);
        }
        assert!(
            std::fs::read(&out).unwrap() == *bytes,
            "{}: {key} differs",
            server.name
        );
    }
    assert!(
        !dir.path().join("check.bin.skiff-part").exists(),
        "{}: a partial download was left",
        server.name
    );
    assert!(
        common::multipart_uploads_left(server, &bucket).await == 0,
        "{}: incomplete uploads left",
        server.name
    );
    let injected = faults.dropped.load(Ordering::Relaxed)
        + faults.slow_down.load(Ordering::Relaxed)
        + faults.internal.load(Ordering::Relaxed)
        + faults.cut.load(Ordering::Relaxed);
    eprintln!(
        "{}: dropped {}, 503 {}, 500 {}, cut mid-stream {}, forwarded {}",
        server.name,
        faults.dropped.load(Ordering::Relaxed),
        faults.slow_down.load(Ordering::Relaxed),
        faults.internal.load(Ordering::Relaxed),
        faults.cut.load(Ordering::Relaxed),
        faults.forwarded.load(Ordering::Relaxed)
    );
    assert!(injected >= 10, "the proxy injected only {injected} faults");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moto_through_a_faulty_network() {
    if let Some(server) = common::server("moto").await {
        hundred_objects_survive(&server).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garage_through_a_faulty_network() {
    if let Some(server) = common::server("garage").await {
        hundred_objects_survive(&server).await;
    }
}

/// A proxy on 127.0.0.1 in front of `upstream` that answers the first `refusals` attempts of
/// every request (told apart by its request line) with 503 SlowDown and forwards the next.
async fn start_throttling_proxy(upstream: String, refusals: u32) -> String {
    let attempts = std::sync::Mutex::new(std::collections::HashMap::<String, u32>::new());
    start_refusing_proxy(upstream, move |request_line| {
        let mut attempts = attempts.lock().unwrap();
        let seen = attempts.entry(request_line.to_owned()).or_default();
        *seen += 1;
        (*seen <= refusals).then_some(("503 Slow Down", "SlowDown"))
    })
    .await
}

/// A proxy on 127.0.0.1 in front of `upstream` that answers a request with the error (status
/// and code) `refuse` names for its request line, and forwards the rest.
async fn start_refusing_proxy(
    upstream: String,
    refuse: impl Fn(&str) -> Option<(&'static str, &'static str)> + Send + Sync + 'static,
) -> String {
    start_judging_proxy(upstream, move |request_line| {
        let verdict = match refuse(&request_line) {
            Some((status, code)) => Verdict::Refuse(status, code),
            None => Verdict::Forward,
        };
        std::future::ready(verdict)
    })
    .await
}

/// What a judging proxy does with one request.
pub(crate) enum Verdict {
    Forward,
    /// Answers this status and S3 error code.
    Refuse(&'static str, &'static str),
}

/// A proxy on 127.0.0.1 in front of `upstream` that reads each request and does what `judge`
/// decides from its request line, when it decides (a judge that waits holds the request).
/// Each connection carries one request, so every attempt meets the proxy afresh.
pub(crate) async fn start_judging_proxy<Judged>(
    upstream: String,
    judge: impl Fn(String) -> Judged + Send + Sync + 'static,
) -> String
where
    Judged: std::future::Future<Output = Verdict> + Send + 'static,
{
    let judge = Arc::new(judge);
    common::loopback_proxy(move |mut client| {
        let (upstream, judge) = (upstream.clone(), judge.clone());
        async move {
            let Ok((head, body)) = read_request(&mut client).await else {
                return;
            };
            let head = String::from_utf8_lossy(&head).into_owned();
            let Some(request_line) = head.lines().next().filter(|l| !l.is_empty()) else {
                return;
            };
            if let Verdict::Refuse(status, code) = judge(request_line.to_owned()).await {
                answer_read(&mut client, status, code).await;
                return;
            }
            let Ok(mut server) = TcpStream::connect(&upstream).await else {
                return;
            };
            let mut forwarded: String = head
                .trim_end()
                .lines()
                .filter(|l| !l.to_ascii_lowercase().starts_with("connection:"))
                .map(|l| format!("{l}\r\n"))
                .collect();
            forwarded.push_str("Connection: close\r\n\r\n");
            if server.write_all(forwarded.as_bytes()).await.is_err()
                || server.write_all(&body).await.is_err()
            {
                return;
            }
            let _ = tokio::io::copy(&mut server, &mut client).await;
            let _ = client.shutdown().await;
        }
    })
    .await
}

/// A prefix downloads as it is listed. When the listing fails after its first page, the
/// objects listed still arrive, and the failure is reported after them as an item of its own,
/// naming the prefix; a listing that fails at once is the batch's error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listing_that_fails_midway_is_reported_after_what_it_listed() {
    let server = common::server("sandbox").await.unwrap();
    let bucket = fresh_bucket(&server, "midway").await;
    let keys: Vec<String> = (0..1100).map(|i| format!("d/{i:05}.txt")).collect();
    common::put_keys(&server, &bucket, &keys).await;
    // Page 2 of the listing is refused.
    let proxy = start_refusing_proxy(common::upstream(&server), |line| {
        (line.contains("list-type=2") && line.contains("continuation-token="))
            .then_some(("403 Forbidden", "AccessDenied"))
    })
    .await;
    let through_proxy = common::through(&server, proxy);
    let dir = tempfile::tempdir().unwrap();
    let (scheduler, options) = (Scheduler::default(), TransferOptions::default());
    let progress = Arc::new(Progress::default());
    let download = |prefix: &'static str| {
        let (c, s, o, p, b) = (&through_proxy, &scheduler, &options, &progress, &bucket);
        download_prefix(c, s, b, prefix, dir.path(), o, p)
    };
    let results = download("d/").await.expect("the first page was listed");
    let (done, failed): (Vec<_>, Vec<_>) = results.iter().partition(|r| r.result.is_ok());
    assert_eq!(done.len(), 1000, "every object of the first page arrives");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1000);
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(failed[0].source, format!("s3://{bucket}/d/"));
    let error = failed[0].result.as_ref().unwrap_err().to_string();
    assert!(
        error.contains("AccessDenied") || error.contains("denied"),
        "{error}"
    );

    let at_once = download_prefix(
        &server.connection,
        &scheduler,
        "no-such-bucket-here",
        "d/",
        dir.path(),
        &options,
        &progress,
    )
    .await;
    assert!(
        at_once.is_err(),
        "a listing that fails at once fails the batch"
    );
}

/// The SDK keeps one retry quota for every client of a region in the process, and each retry
/// beyond the first spends from it for good. A long transfer on a throttling server would drain
/// it, and from then on every transfer would fail at its first 503. Transfers retry on their own
/// budget: each request up to its attempt limit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttled_transfers_outlast_the_sdk_retry_quota() {
    let server = common::server("sandbox").await.unwrap();
    let bucket = fresh_bucket(&server, "quota").await;
    let through_proxy = common::through(
        &server,
        start_throttling_proxy(common::upstream(&server), 2).await,
    );
    let dir = tempfile::tempdir().unwrap();
    // Each request is refused twice: 100 uploads and 100 downloads leave 5 quota tokens each
    // spent for good, 1,000 in all, twice what the SDK's quota holds.
    let objects: Vec<(std::path::PathBuf, String, Vec<u8>)> = (0..100)
        .map(|i| {
            let bytes = format!("object {i} ").repeat(i + 1).into_bytes();
            let path = dir.path().join(format!("up-{i}.txt"));
            std::fs::write(&path, &bytes).unwrap();
            (path, format!("throttled/{i:03}.txt"), bytes)
        })
        .collect();
    let scheduler = Scheduler::default();
    let options = TransferOptions::default();
    let failures: Vec<String> = futures::stream::iter(objects.iter())
        .map(|(path, key, bytes)| {
            let (c, s, o, bucket) = (&through_proxy, &scheduler, &options, &bucket);
            let back = dir.path().join(format!("down-{}", key.replace('/', "-")));
            async move {
                if let Err(e) = upload_file(c, s, path, bucket, key, o, &Progress::default()).await
                {
                    return Some(format!("upload {key}: {e}"));
                }
                if let Err(e) =
                    download_object(c, s, bucket, key, &back, o, &Default::default()).await
                {
                    return Some(format!("download {key}: {e}"));
                }
                (std::fs::read(&back).unwrap() != *bytes).then(|| format!("{key} differs"))
            }
        })
        .buffer_unordered(32)
        .filter_map(|f| async move { f })
        .collect()
        .await;
    assert!(
        failures.is_empty(),
        "{} of 100 failed, the first: {:?}",
        failures.len(),
        failures.first()
    );
}
