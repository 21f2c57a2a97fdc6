//! A three-node Garage cluster (replication factor 3, `scripts/garage-cluster.sh`) losing a node
//! in the middle of Skiff's work: a large multipart upload, a folder of 10,000 files, a listing
//! of 100,000 keys and their cleanup each finish correctly, and the node's return changes nothing.
//!
//! Runs where `SKIFF_TEST_GARAGE_PIDS` names the cluster's nodes (the endpoint first); the node
//! killed is the last one, never the endpoint.

use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;

use futures::StreamExt;

use crate::common::{self, TestServer};
use skiff::transfer::{Progress, Scheduler, TransferOptions, Verdict};

/// Keys the listing and the cleanup go through with a node lost.
const KEYS: usize = 100_000;

/// The node the tests kill, shared: one test's restart is the next one's node.
static NODE: std::sync::OnceLock<Node> = std::sync::OnceLock::new();
/// One test at a time loses the node.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The cluster, if this run has one, its node to kill, and the turn to kill it.
async fn cluster() -> Option<(
    TestServer,
    &'static Node,
    tokio::sync::MutexGuard<'static, ()>,
)> {
    let pids = std::env::var("SKIFF_TEST_GARAGE_PIDS").ok()?;
    let last: u32 = pids.split_whitespace().last()?.parse().ok()?;
    let turn = ONE_AT_A_TIME.lock().await;
    let server = common::server("garage").await?;
    Some((server, NODE.get_or_init(|| Node::of(last)), turn))
}

/// A Garage node's process: killed, and started again with its own command line.
struct Node {
    pid: std::sync::Mutex<u32>,
    command: Vec<String>,
    /// The node as this test started it again (it outlives the test, as the cluster does).
    restarted: std::sync::Mutex<Option<std::process::Child>>,
}

impl Node {
    /// The node of process `pid`; where it is gone (an earlier run of these tests started it
    /// again), the running Garage with the same place in the cluster (`node2/garage.toml`).
    fn of(pid: u32) -> Self {
        let (pid, cmdline) = match std::fs::read(format!("/proc/{pid}/cmdline")) {
            Ok(cmdline) => (pid, cmdline),
            Err(_) => std::fs::read_dir("/proc")
                .unwrap()
                .flatten()
                .find_map(|e| {
                    let pid: u32 = e.file_name().to_str()?.parse().ok()?;
                    let cmdline = std::fs::read(e.path().join("cmdline")).ok()?;
                    let text = String::from_utf8_lossy(&cmdline).into_owned();
                    let ours = text.contains("garage") && text.contains("node2/garage.toml");
                    ours.then_some((pid, cmdline))
                })
                .expect("the cluster's third node is running"),
        };
        let command = cmdline
            .split(|b| *b == 0)
            .filter(|a| !a.is_empty())
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        Self {
            pid: std::sync::Mutex::new(pid),
            command,
            restarted: std::sync::Mutex::new(None),
        }
    }

    fn kill(&self) {
        if let Some(mut child) = self.restarted.lock().unwrap().take() {
            let _ = child.kill();
            let _ = child.wait();
            return;
        }
        let pid = *self.pid.lock().unwrap();
        let _ = std::process::Command::new("kill")
            .args(["-9", &pid.to_string()])
            .status();
    }

    /// Starts the node again and waits until it answers.
    async fn start_again(&self) {
        let child = std::process::Command::new(&self.command[0])
            .args(&self.command[1..])
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        *self.pid.lock().unwrap() = child.id();
        *self.restarted.lock().unwrap() = Some(child);
        // Its RPC port answering is enough: the cluster takes it back by itself.
        tokio::time::sleep(Duration::from_secs(3)).await;
    }
}

/// Runs `work`, killing the node once `progress` passes `fraction`; the node comes back after.
async fn with_a_node_lost<T>(
    node: &Node,
    work: impl std::future::Future<Output = T>,
    progress: impl Fn() -> f64,
    fraction: f64,
) -> T {
    let killed = std::sync::atomic::AtomicBool::new(false);
    let killer = async {
        while progress() < fraction {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        node.kill();
        killed.store(true, Relaxed);
        std::future::pending::<()>().await
    };
    let done = tokio::select! {
        done = work => done,
        () = killer => unreachable!(),
    };
    assert!(
        killed.load(Relaxed),
        "the work ended before the node was killed"
    );
    done
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_node_lost_during_a_large_upload_costs_nothing() {
    let Some((server, node, _turn)) = cluster().await else {
        return;
    };
    let bucket = common::fresh_bucket(&server, "cluster-big").await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shard.bin");
    {
        use rand::RngCore;
        use std::io::Write;
        let mut file = std::fs::File::create(&path).unwrap();
        let mut block = vec![0u8; 8 << 20];
        for _ in 0..128 {
            rand::rng().fill_bytes(&mut block);
            file.write_all(&block).unwrap();
        }
    }
    let scheduler = Scheduler::new(32, 48 << 20);
    let progress = Arc::new(Progress::default());
    let options = TransferOptions::default();
    let upload = skiff::transfer::upload_file(
        &server.connection,
        &scheduler,
        &path,
        &bucket,
        "shard.bin",
        &options,
        &progress,
    );
    let done = || {
        let total = progress.bytes_total.load(Relaxed).max(1);
        progress.bytes_done.load(Relaxed) as f64 / total as f64
    };
    with_a_node_lost(node, upload, done, 0.3).await.unwrap();
    let verdict =
        skiff::transfer::verify_file(&server.connection, &path, &bucket, "shard.bin").await;
    assert!(
        matches!(verdict, Ok(Verdict::Identical { .. })),
        "{verdict:?}"
    );
    node.start_again().await;
    let verdict =
        skiff::transfer::verify_file(&server.connection, &path, &bucket, "shard.bin").await;
    assert!(
        matches!(verdict, Ok(Verdict::Identical { .. })),
        "after the node's return: {verdict:?}"
    );
    assert_eq!(common::multipart_uploads_left(&server, &bucket).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_node_lost_during_many_files_listing_and_cleanup_loses_nothing() {
    let Some((server, node, _turn)) = cluster().await else {
        return;
    };
    let bucket = common::fresh_bucket(&server, "cluster-many").await;
    // 10,000 files up, a node lost a third of the way.
    let dir = tempfile::tempdir().unwrap();
    for i in 0..10_000 {
        let folder = dir.path().join(format!("split-{}", i % 10));
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(
            folder.join(format!("part-{i:05}.bin")),
            format!("{i}").repeat(3),
        )
        .unwrap();
    }
    let scheduler = Scheduler::new(64, 48 << 20);
    let progress = Arc::new(Progress::default());
    let options = TransferOptions {
        concurrency: 16,
        ..TransferOptions::default()
    };
    let upload = skiff::transfer::upload_dir(
        &server.connection,
        &scheduler,
        dir.path(),
        &bucket,
        "data/",
        &options,
        &progress,
    );
    let done = || {
        let total = progress.bytes_total.load(Relaxed).max(1);
        progress.bytes_done.load(Relaxed) as f64 / total as f64
    };
    let results = with_a_node_lost(node, upload, done, 0.3).await.unwrap();
    let failed: Vec<_> = results.iter().filter(|r| r.result.is_err()).collect();
    assert!(
        failed.is_empty(),
        "{} failed: {:?}",
        failed.len(),
        failed.first()
    );
    // The listing, with the node still down: every file sent.
    let listed = skiff::s3::listing::list_all(
        &server.connection,
        skiff::s3::listing::ListRequest::recursive(&bucket, "data/"),
    )
    .await
    .unwrap();
    assert_eq!(listed.objects.len(), 10_000);
    node.start_again().await;
    // 90,000 more keys beside them (straight from the SDK, many at once), to list 100,000.
    let puts = futures::stream::iter(10_000..KEYS).map(|i| {
        let (client, bucket) = (&server.connection.client, &bucket);
        let key = format!("data/split-{}/part-{i:06}.bin", i % 10);
        async move { client.put_object().bucket(bucket).key(key).send().await }
    });
    let put: Vec<_> = puts.buffer_unordered(128).collect().await;
    assert!(
        put.iter().all(Result::is_ok),
        "{:?}",
        put.iter().find(|r| r.is_err())
    );
    let counted = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let listing = {
        let counted = counted.clone();
        let connection = server.connection.clone();
        let bucket = bucket.clone();
        async move {
            let request = skiff::s3::listing::ListRequest::recursive(&bucket, "data/");
            let mut listing = skiff::s3::listing::Listing::start(
                &connection,
                request,
                skiff::runtime::no_notify(),
            );
            let mut keys = Vec::new();
            while let Some(event) = listing.next().await {
                match event {
                    skiff::s3::listing::ListEvent::Page(page) => {
                        counted.fetch_add(page.objects.len() as u64, Relaxed);
                        keys.extend(page.objects.into_iter().map(|o| o.key));
                    }
                    skiff::s3::listing::ListEvent::Done => break,
                    skiff::s3::listing::ListEvent::Failed { error, .. } => panic!("{error}"),
                }
            }
            keys
        }
    };
    let seen = || counted.load(Relaxed) as f64 / KEYS as f64;
    let keys = with_a_node_lost(node, listing, seen, 0.3).await;
    assert_eq!(keys.len(), KEYS, "a listing with a node lost is complete");
    assert!(keys.is_sorted(), "in key order");
    let twice = keys.windows(2).find(|w| w[0] == w[1]);
    assert!(twice.is_none(), "listed twice: {twice:?}");
    node.start_again().await;
    // A cleanup of everything, the node lost half way: nothing left.
    let scope = skiff::cleanup::Scope::Prefix {
        bucket: bucket.clone(),
        prefix: "data/".into(),
    };
    let scan = skiff::cleanup::inventory::ScanProgress::default();
    let inventory = skiff::cleanup::inventory::scan(
        &server.connection,
        &scope,
        &skiff::cleanup::scope::Filters::default(),
        &scan,
        &skiff::runtime::no_notify(),
    )
    .await
    .unwrap();
    let plan = skiff::cleanup::plan::CleanupPlan::from_inventory(
        &inventory,
        skiff::cleanup::plan::VersionMode::AllVersions,
    );
    let run = Arc::new(skiff::cleanup::execute::CleanupRun::new(
        plan,
        Default::default(),
    ));
    let deleted = || run.progress.objects_deleted.load(Relaxed) as f64 / KEYS as f64;
    let report = with_a_node_lost(
        node,
        run.execute(&server.connection, &skiff::runtime::no_notify()),
        deleted,
        0.5,
    )
    .await;
    assert!(report.is_complete(), "{report:?}");
    node.start_again().await;
    let left = skiff::s3::listing::list_all(
        &server.connection,
        skiff::s3::listing::ListRequest::recursive(&bucket, ""),
    )
    .await
    .unwrap();
    assert!(left.objects.is_empty(), "{} left", left.objects.len());
}
