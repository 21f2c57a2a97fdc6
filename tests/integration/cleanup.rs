//! Cleanup against real servers: inventory counts, scope boundaries, versions, uploads, batches,
//! stop and continue, per-key errors, and objects that arrive after the scan.

use crate::common;

use std::sync::Arc;

use common::{TestServer, fresh_bucket, put_keys, server};
use skiff::cleanup::inventory::{ItemKind, list_uploads};
use skiff::cleanup::{
    CleanupPlan, CleanupRun, Filters, Inventory, RunOptions, ScanProgress, Scope, VersionMode,
    Versioning, scan,
};
use skiff::runtime::{Notify, no_notify};
use skiff::s3::S3Error;
use skiff::s3::listing::{ListRequest, list_all};

async fn inventory(server: &TestServer, scope: &Scope, filters: &Filters) -> Inventory {
    scan(
        &server.connection,
        scope,
        filters,
        &ScanProgress::default(),
        &no_notify(),
    )
    .await
    .unwrap_or_else(|e| panic!("{}: scan {scope:?}: {e}", server.name))
}

async fn keys(server: &TestServer, bucket: &str) -> Vec<String> {
    let mut keys: Vec<String> = list_all(&server.connection, ListRequest::recursive(bucket, ""))
        .await
        .unwrap()
        .objects
        .into_iter()
        .map(|o| o.key)
        .collect();
    keys.sort();
    keys
}

fn strings(keys: &[&str]) -> Vec<String> {
    keys.iter().map(|k| (*k).to_owned()).collect()
}

async fn run_plan(server: &TestServer, plan: CleanupPlan) -> skiff::cleanup::Report {
    CleanupRun::new(plan, RunOptions::default())
        .execute(&server.connection, &no_notify())
        .await
}

/// `data/` takes only what is under it; `data` (no slash) is shown as exactly what it matches.
async fn boundaries(server: &TestServer) {
    let bucket = fresh_bucket(server, "bounds").await;
    let all = vec![
        "data/a",
        "data/sub/b",
        "data/",
        "data-old/c",
        "database.csv",
        "data",
    ];
    put_keys(server, &bucket, &strings(&all)).await;

    let bare = Scope::Prefix {
        bucket: bucket.clone(),
        prefix: "data".into(),
    };
    let found = inventory(server, &bare, &Filters::default()).await;
    assert_eq!(
        found.items.len(),
        all.len(),
        "{}: a bare prefix matches every key that starts with it",
        server.name
    );
    assert!(bare.describe().contains("data-old"));

    let folder = Scope::Prefix {
        bucket: bucket.clone(),
        prefix: "data/".into(),
    };
    let found = inventory(server, &folder, &Filters::default()).await;
    let mut planned: Vec<&str> = found.items.iter().map(|i| i.key.as_str()).collect();
    planned.sort();
    assert_eq!(
        planned,
        ["data/", "data/a", "data/sub/b"],
        "{}",
        server.name
    );
    let report = run_plan(
        server,
        CleanupPlan::from_inventory(&found, VersionMode::AllVersions),
    )
    .await;
    assert!(report.is_complete(), "{}: {report:?}", server.name);
    assert_eq!(report.deleted_objects, 3);
    let left = strings(&["data", "data-old/c", "database.csv"]);
    assert_eq!(keys(server, &bucket).await, left, "{}", server.name);
}

#[tokio::test]
async fn prefix_boundaries_on_every_server() {
    for name in ["sandbox", "moto", "garage"] {
        if let Some(server) = server(name).await {
            boundaries(&server).await;
        }
    }
}

/// What is written after the scan is not in the plan, so it survives, and so does an object
/// written again after the scan (new data, on a bucket without versions to keep the old); the
/// count deleted is the count planned that was still as scanned.
async fn late_arrivals_survive(server: &TestServer) {
    let bucket = fresh_bucket(server, "late").await;
    let first: Vec<String> = (0..40).map(|i| format!("logs/{i:03}.txt")).collect();
    put_keys(server, &bucket, &first).await;
    let scope = Scope::Bucket {
        bucket: bucket.clone(),
    };
    let found = inventory(server, &scope, &Filters::default()).await;
    assert_eq!(found.counts().current, 40);
    let late = strings(&["logs/late-1.txt", "logs/zz-late-2.txt", "other/late-3.txt"]);
    put_keys(server, &bucket, &late).await;
    let rewritten = "logs/007.txt";
    skiff::s3::objects::put_bytes(&server.connection, &bucket, rewritten, vec![b'n'; 100])
        .await
        .unwrap();
    let report = run_plan(
        server,
        CleanupPlan::from_inventory(&found, VersionMode::AllVersions),
    )
    .await;
    let unversioned = found.versioning != Versioning::Versioned;
    let (deleted, mut left) = if unversioned {
        (39, late.clone())
    } else {
        (40, late.clone())
    };
    if unversioned {
        left.insert(1, rewritten.to_owned());
        assert_eq!(report.failures.len(), 1, "{}: {report:?}", server.name);
        assert_eq!(report.failures[0].key, rewritten);
        assert_eq!(report.failures[0].code, "ChangedSinceScan");
    } else {
        assert!(report.failures.is_empty(), "{}: {report:?}", server.name);
    }
    assert_eq!(
        report.deleted_objects, deleted,
        "{}: {report:?}",
        server.name
    );
    let mut now = keys(server, &bucket).await;
    now.sort();
    left.sort();
    if !unversioned {
        // Its scanned version went; the version written since is the object now.
        left.push(rewritten.to_owned());
        left.sort();
    }
    assert_eq!(now, left, "{}", server.name);
}

#[tokio::test]
async fn objects_added_after_the_inventory_survive() {
    for name in ["sandbox", "moto", "garage"] {
        if let Some(server) = server(name).await {
            late_arrivals_survive(&server).await;
        }
    }
}

async fn ten_thousand(server: &TestServer) {
    let bucket = fresh_bucket(server, "10k").await;
    let all: Vec<String> = (0..10_000)
        .map(|i| format!("shards/{:02}/part-{i:05}.bin", i % 17))
        .collect();
    put_keys(server, &bucket, &all).await;
    put_keys(server, &bucket, &strings(&["shards-keep/x", "keep.txt"])).await;
    let scope = Scope::Prefix {
        bucket: bucket.clone(),
        prefix: "shards/".into(),
    };
    let found = inventory(server, &scope, &Filters::default()).await;
    let planned = found.counts().current;
    assert_eq!(planned, 10_000, "{}", server.name);
    let plan = CleanupPlan::from_inventory(&found, VersionMode::AllVersions);
    let report = run_plan(server, plan).await;
    assert_eq!(
        report.deleted_objects, planned,
        "{}: {report:?}",
        server.name
    );
    assert!(report.is_complete(), "{}: {report:?}", server.name);
    assert!(
        report.requests >= 10,
        "{}: 10,000 keys need at least 10 DeleteObjects requests, sent {}",
        server.name,
        report.requests
    );
    assert_eq!(
        keys(server, &bucket).await,
        strings(&["keep.txt", "shards-keep/x"])
    );
}

#[tokio::test]
async fn ten_thousand_keys_go_in_batches() {
    for name in ["sandbox", "garage"] {
        if let Some(server) = server(name).await {
            ten_thousand(&server).await;
        }
    }
}

/// A run stopped after its first batch reports what is left, and running it again finishes.
#[tokio::test]
async fn a_stopped_run_continues_where_it_stopped() {
    let server = server("sandbox").await.unwrap();
    let bucket = fresh_bucket(&server, "stop").await;
    let all: Vec<String> = (0..2_500).map(|i| format!("k/{i:05}")).collect();
    put_keys(&server, &bucket, &all).await;
    let scope = Scope::Prefix {
        bucket: bucket.clone(),
        prefix: "k/".into(),
    };
    let found = inventory(&server, &scope, &Filters::default()).await;
    let run = Arc::new(CleanupRun::new(
        CleanupPlan::from_inventory(&found, VersionMode::AllVersions),
        RunOptions {
            batches_in_flight: 1,
            ..RunOptions::default()
        },
    ));
    // Stop as soon as the first batch lands: the other two must not be sent.
    let stopper: Notify = {
        let run = run.clone();
        Arc::new(move || run.stop())
    };
    let report = run.execute(&server.connection, &stopper).await;
    assert!(report.stopped);
    assert_eq!(report.deleted_objects, 1000);
    assert_eq!(report.not_sent_objects, 1500);
    assert!(!report.is_complete());
    assert_eq!(keys(&server, &bucket).await.len(), 1500);

    let report = run.execute(&server.connection, &no_notify()).await;
    assert!(report.is_complete(), "{report:?}");
    assert_eq!(report.deleted_objects, 2500);
    assert!(keys(&server, &bucket).await.is_empty());
    let csv = run.export_csv();
    assert_eq!(csv.lines().count(), 2501, "a header and one line per key");
    assert!(csv.lines().skip(1).all(|l| l.contains(",deleted,")));
}

async fn put_versions(server: &TestServer, bucket: &str) {
    server
        .connection
        .client
        .put_bucket_versioning()
        .bucket(bucket)
        .versioning_configuration(
            aws_sdk_s3::types::VersioningConfiguration::builder()
                .status(aws_sdk_s3::types::BucketVersioningStatus::Enabled)
                .build(),
        )
        .send()
        .await
        .unwrap();
    // Three versions of each key.
    for round in 0..3 {
        let keys: Vec<String> = ["raw/a.txt", "raw/b.txt", "raw/c.txt", "top.txt"]
            .iter()
            .map(|k| (*k).to_owned())
            .collect();
        for key in &keys {
            skiff::s3::objects::put_bytes(
                &server.connection,
                bucket,
                key,
                format!("{key} round {round}").into_bytes(),
            )
            .await
            .unwrap();
        }
    }
    // A delete marker over raw/b.txt and over top.txt.
    for key in ["raw/b.txt", "top.txt"] {
        server
            .connection
            .client
            .delete_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await
            .unwrap();
    }
}

async fn start_upload(server: &TestServer, bucket: &str, key: &str) -> String {
    server
        .connection
        .client
        .create_multipart_upload()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .unwrap()
        .upload_id()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn versioned_bucket_on_moto() {
    let Some(server) = server("moto").await else {
        return;
    };
    let bucket = fresh_bucket(&server, "versions").await;
    put_versions(&server, &bucket).await;
    start_upload(&server, &bucket, "raw/big.bin").await;
    start_upload(&server, &bucket, "other.bin").await;

    let whole = Scope::Bucket {
        bucket: bucket.clone(),
    };
    let found = inventory(&server, &whole, &Filters::default()).await;
    assert_eq!(found.versioning, Versioning::Versioned);
    let c = found.counts();
    assert_eq!(
        (c.current, c.noncurrent, c.delete_markers, c.uploads),
        (2, 10, 2, 2),
        "{c:?}"
    );

    // Delete markers only, on raw/: every version stays and can be restored.
    let raw = Scope::Prefix {
        bucket: bucket.clone(),
        prefix: "raw/".into(),
    };
    let found_raw = inventory(&server, &raw, &Filters::default()).await;
    let plan = CleanupPlan::from_inventory(&found_raw, VersionMode::DeleteMarkersOnly);
    assert_eq!(plan.objects.len(), 2, "raw/a.txt and raw/c.txt are current");
    assert!(plan.uploads.is_empty(), "a prefix keeps its uploads");
    let report = run_plan(&server, plan).await;
    assert!(report.is_complete(), "{report:?}");
    assert!(keys(&server, &bucket).await.is_empty());
    let again = inventory(&server, &whole, &Filters::default())
        .await
        .counts();
    assert_eq!(
        (again.current, again.noncurrent, again.delete_markers),
        (0, 12, 4),
        "{again:?}"
    );

    // Delete the bucket: every version, marker and upload, then the bucket.
    let delete = Scope::DeleteBucket {
        bucket: bucket.clone(),
    };
    let found = inventory(&server, &delete, &Filters::default()).await;
    let plan = CleanupPlan::from_inventory(&found, VersionMode::AllVersions);
    assert_eq!(plan.objects.len(), 16);
    assert_eq!(plan.uploads.len(), 2);
    let report = run_plan(&server, plan).await;
    assert!(report.is_complete(), "{report:?}");
    assert_eq!(report.bucket_deleted, Some(true));
    let gone = skiff::s3::buckets::head_bucket(&server.connection, &bucket).await;
    assert!(
        matches!(gone, Err(S3Error::NoSuchBucket { .. })),
        "{gone:?}"
    );
}

/// An object under legal hold fails with its reason; the rest of the batch is deleted, and the
/// bucket is kept with a reason.
#[tokio::test]
async fn locked_objects_are_reported_and_the_rest_deleted() {
    let Some(server) = server("moto").await else {
        return;
    };
    let bucket = common::unique_bucket("locked");
    server
        .connection
        .client
        .create_bucket()
        .bucket(&bucket)
        .object_lock_enabled_for_bucket(true)
        .send()
        .await
        .unwrap();
    put_keys(&server, &bucket, &strings(&["a", "held", "z"])).await;
    server
        .connection
        .client
        .put_object_legal_hold()
        .bucket(&bucket)
        .key("held")
        .legal_hold(
            aws_sdk_s3::types::ObjectLockLegalHold::builder()
                .status(aws_sdk_s3::types::ObjectLockLegalHoldStatus::On)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let scope = Scope::DeleteBucket {
        bucket: bucket.clone(),
    };
    let found = inventory(&server, &scope, &Filters::default()).await;
    assert_eq!(found.counts().locked, 1);
    let held = found.items.iter().find(|i| i.key == "held").unwrap();
    assert_eq!(held.locked.as_deref(), Some("legal hold"));

    let report = run_plan(
        &server,
        CleanupPlan::from_inventory(&found, VersionMode::AllVersions),
    )
    .await;
    assert_eq!(report.deleted_objects, 2, "{report:?}");
    assert_eq!(report.bucket_deleted, Some(false));
    let object_failures: Vec<_> = report
        .failures
        .iter()
        .filter(|f| f.kind == "object")
        .collect();
    assert_eq!(object_failures.len(), 1, "{report:?}");
    assert_eq!(object_failures[0].key, "held");
    assert_eq!(object_failures[0].code, "AccessDenied");
    assert!(object_failures[0].reason.contains("legal hold"));
    assert!(report.failures.iter().any(|f| f.kind == "bucket"));
    assert_eq!(keys(&server, &bucket).await, ["held"]);
}

/// The incomplete-uploads view: list with parts and bytes, filter by age, abort, lifecycle rule.
async fn uploads_view(server: &TestServer) {
    let bucket = fresh_bucket(server, "uploads").await;
    let with_part = start_upload(server, &bucket, "ckpt/step-100.bin").await;
    server
        .connection
        .client
        .upload_part()
        .bucket(&bucket)
        .key("ckpt/step-100.bin")
        .upload_id(&with_part)
        .part_number(1)
        .body(vec![7u8; 5 * 1024 * 1024].into())
        .send()
        .await
        .unwrap();
    start_upload(server, &bucket, "ckpt/step-200.bin").await;
    start_upload(server, &bucket, "elsewhere/x.bin").await;

    let listed = list_uploads(
        &server.connection,
        &bucket,
        "ckpt/",
        &ScanProgress::default(),
        &no_notify(),
    )
    .await
    .unwrap();
    assert_eq!(listed.len(), 2, "{}: {listed:?}", server.name);
    if let Some(bytes) = listed[0].bytes {
        assert_eq!(bytes, 5 * 1024 * 1024, "{}", server.name);
        assert_eq!(listed[0].parts, Some(1));
    }

    // Started just now, so "older than 1 day" keeps none of them.
    let scope = Scope::Uploads {
        bucket: bucket.clone(),
        prefix: "ckpt/".into(),
    };
    let old_only = Filters {
        older_than_days: Some(1),
        ..Filters::default()
    };
    if server.name != "moto" {
        // moto reports every upload as started in 2010.
        let found = inventory(server, &scope, &old_only).await;
        assert!(
            found.uploads.is_empty(),
            "{}: {:?}",
            server.name,
            found.uploads
        );
    }
    let found = inventory(server, &scope, &Filters::default()).await;
    assert!(found.items.is_empty(), "the uploads scope lists no objects");
    let report = run_plan(
        server,
        CleanupPlan::from_inventory(&found, VersionMode::AllVersions),
    )
    .await;
    assert_eq!(report.aborted_uploads, 2, "{}: {report:?}", server.name);
    let left = list_uploads(
        &server.connection,
        &bucket,
        "",
        &ScanProgress::default(),
        &no_notify(),
    )
    .await
    .unwrap();
    assert_eq!(left.len(), 1, "{}", server.name);
    assert_eq!(left[0].key, "elsewhere/x.bin");
}

#[tokio::test]
async fn incomplete_uploads_view() {
    for name in ["moto", "garage"] {
        if let Some(server) = server(name).await {
            uploads_view(&server).await;
        }
    }
}

#[tokio::test]
async fn lifecycle_rule_for_uploads_keeps_other_rules() {
    let Some(server) = server("moto").await else {
        return;
    };
    let bucket = fresh_bucket(&server, "rule").await;
    let mut spec = skiff::s3::bucket_setup::BucketSpec::new(&bucket, "us-east-1");
    spec.lifecycle.abort_incomplete_uploads_days = None;
    spec.lifecycle.noncurrent_expiration_days = Some(30);
    let outcome = skiff::s3::bucket_setup::apply_step(
        &server.connection,
        &spec,
        skiff::s3::bucket_setup::SetupStep::Lifecycle,
    )
    .await;
    assert!(
        matches!(outcome, skiff::s3::bucket_setup::StepOutcome::Applied),
        "{outcome:?}"
    );
    skiff::s3::uploads::add_abort_rule(&server.connection, &bucket, 3)
        .await
        .unwrap();
    let rules = server
        .connection
        .client
        .get_bucket_lifecycle_configuration()
        .bucket(&bucket)
        .send()
        .await
        .unwrap()
        .rules
        .unwrap_or_default();
    assert_eq!(rules.len(), 2, "{rules:?}");
    let abort = rules
        .iter()
        .find(|r| r.id() == Some(skiff::s3::uploads::ABORT_RULE_ID))
        .expect("the abort rule");
    assert_eq!(
        abort
            .abort_incomplete_multipart_upload()
            .and_then(|a| a.days_after_initiation()),
        Some(3)
    );
    // Adding it again changes the days rather than adding a second rule.
    skiff::s3::uploads::add_abort_rule(&server.connection, &bucket, 9)
        .await
        .unwrap();
    let rules = server
        .connection
        .client
        .get_bucket_lifecycle_configuration()
        .bucket(&bucket)
        .send()
        .await
        .unwrap()
        .rules
        .unwrap_or_default();
    assert_eq!(rules.len(), 2, "{rules:?}");
}

/// Filters narrow the plan: age, storage class and a glob.
#[tokio::test]
async fn filters_narrow_the_inventory() {
    let server = server("sandbox").await.unwrap();
    let bucket = fresh_bucket(&server, "filters").await;
    put_keys(
        &server,
        &bucket,
        &strings(&["tmp/a.tmp", "tmp/b.keep", "tmp/deep/c.tmp"]),
    )
    .await;
    let scope = Scope::Prefix {
        bucket: bucket.clone(),
        prefix: "tmp/".into(),
    };
    let glob = Filters {
        key_glob: Some("*.tmp".into()),
        ..Filters::default()
    };
    let found = inventory(&server, &scope, &glob).await;
    let planned: Vec<&str> = found.items.iter().map(|i| i.key.as_str()).collect();
    assert_eq!(planned, ["tmp/a.tmp", "tmp/deep/c.tmp"]);
    assert_eq!(found.filtered_out, 1);
    let old = Filters {
        older_than_days: Some(1),
        ..Filters::default()
    };
    assert!(inventory(&server, &scope, &old).await.items.is_empty());
    assert!(
        found.items.iter().all(|i| i.kind == ItemKind::Current),
        "the sandbox lists no versions"
    );
}

/// The scan and the run as the wizard holds them: counts while they go, the result last, and a
/// stop that ends a scan as cancelled and lets a run's batch in flight land.
#[tokio::test]
async fn cleanup_jobs_send_their_counts_then_their_result() {
    use skiff::cleanup::jobs::{RunEvent, RunJob, ScanEvent, ScanJob};
    let server = server("sandbox").await.unwrap();
    let bucket = fresh_bucket(&server, "jobs").await;
    let all: Vec<String> = (0..2_500).map(|i| format!("k/{i:05}")).collect();
    put_keys(&server, &bucket, &all).await;
    let scope = Scope::Prefix {
        bucket: bucket.clone(),
        prefix: "k/".into(),
    };

    let stopped = ScanJob::start(
        &server.connection,
        scope.clone(),
        Filters::default(),
        no_notify(),
    );
    stopped.stop();
    let mut stopped = stopped;
    let mut last = None;
    while let Some(event) = stopped.next().await {
        last = Some(event);
    }
    assert!(
        matches!(&last, Some(ScanEvent::Done(Err(S3Error::Cancelled)))),
        "{last:?}"
    );

    let mut scan = ScanJob::start(&server.connection, scope, Filters::default(), no_notify());
    let mut counted = 0;
    let found = loop {
        match scan.next().await.expect("the scan ends with Done") {
            ScanEvent::Progress(counts) => {
                assert!(counts.entries >= counted, "counts only grow");
                counted = counts.entries;
            }
            ScanEvent::Done(result) => break result.unwrap(),
        }
    };
    assert!(counted <= 2_500);
    assert_eq!(found.counts().current, 2_500);

    let run = Arc::new(CleanupRun::new(
        CleanupPlan::from_inventory(&found, VersionMode::AllVersions),
        RunOptions::default(),
    ));
    let mut job = RunJob::start(&server.connection, run.clone(), no_notify());
    let mut deleted = 0;
    let report = loop {
        match job.next().await.expect("the run ends with Done") {
            RunEvent::Progress(counts) => deleted = counts.objects_deleted,
            RunEvent::Done(report) => break report,
        }
    };
    assert!(report.is_complete(), "{report:?}");
    assert_eq!(
        deleted, 2_500,
        "the last counts before the report are final"
    );
    assert!(job.next().await.is_none());
    assert!(keys(&server, &bucket).await.is_empty());
}
