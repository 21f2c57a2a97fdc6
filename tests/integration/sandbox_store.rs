//! The sandbox's own store: what a restart keeps, what a kill cannot tear, what an earlier
//! Skiff's s3s-fs data becomes, lifecycle rules applied on start, files private to the user,
//! and a bucket's CORS rules answering browsers.

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::*;
use skiff::s3::client::static_connection;
use skiff::sandbox::{RunningSandbox, SandboxOptions};

async fn start(dir: &std::path::Path) -> (RunningSandbox, skiff::s3::Connection) {
    let sandbox = RunningSandbox::start(SandboxOptions::new(dir))
        .await
        .unwrap();
    let connection = static_connection("sandbox", &sandbox.endpoint, true);
    (sandbox, connection)
}

/// Stops a sandbox and waits for its lock to be free.
async fn stop(sandbox: RunningSandbox) {
    drop(sandbox);
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
}

fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p.clone());
            }
            found.push(p);
        }
    }
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_keeps_versions_uploads_and_settings_and_files_stay_private() {
    let dir = tempfile::tempdir().unwrap();
    let (sandbox, c) = start(dir.path()).await;
    let client = &c.client;
    client.create_bucket().bucket("keep").send().await.unwrap();
    let on = VersioningConfiguration::builder()
        .status(BucketVersioningStatus::Enabled)
        .build();
    client
        .put_bucket_versioning()
        .bucket("keep")
        .versioning_configuration(on)
        .send()
        .await
        .unwrap();
    for body in ["one", "two"] {
        (client.put_object().bucket("keep").key("a/b.txt"))
            .body(ByteStream::from_static(body.as_bytes()))
            .send()
            .await
            .unwrap();
    }
    let upload = client
        .create_multipart_upload()
        .bucket("keep")
        .key("big")
        .send()
        .await
        .unwrap();
    let upload_id = upload.upload_id().unwrap().to_owned();
    stop(sandbox).await;

    let (sandbox, c) = start(dir.path()).await;
    let client = &c.client;
    let versions = client
        .list_object_versions()
        .bucket("keep")
        .send()
        .await
        .unwrap();
    assert_eq!(versions.versions().len(), 2);
    let uploads = client
        .list_multipart_uploads()
        .bucket("keep")
        .send()
        .await
        .unwrap();
    assert_eq!(uploads.uploads()[0].upload_id(), Some(upload_id.as_str()));
    let status = client
        .get_bucket_versioning()
        .bucket("keep")
        .send()
        .await
        .unwrap();
    assert_eq!(status.status(), Some(&BucketVersioningStatus::Enabled));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for path in files_under(&dir.path().join("buckets")) {
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            let wanted = if path.is_dir() { 0o700 } else { 0o600 };
            assert_eq!(mode, wanted, "{}", path.display());
        }
    }
    stop(sandbox).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_torn_journal_line_and_stray_bytes_are_dropped_on_start() {
    let dir = tempfile::tempdir().unwrap();
    let (sandbox, c) = start(dir.path()).await;
    c.client
        .create_bucket()
        .bucket("torn")
        .send()
        .await
        .unwrap();
    (c.client.put_object().bucket("torn").key("whole"))
        .body(ByteStream::from_static(b"kept"))
        .send()
        .await
        .unwrap();
    stop(sandbox).await;
    // A kill mid-write: half a journal line, and bytes no line names.
    let bucket_dir = dir.path().join("buckets/torn");
    let mut journal = std::fs::OpenOptions::new()
        .append(true)
        .open(bucket_dir.join("journal.jsonl"))
        .unwrap();
    std::io::Write::write_all(&mut journal, b"{\"put\":{\"key\":\"half\",\"vers").unwrap();
    std::fs::create_dir_all(bucket_dir.join("data/zz")).unwrap();
    std::fs::write(bucket_dir.join("data/zz/stray"), b"orphan").unwrap();

    let (sandbox, c) = start(dir.path()).await;
    let listed = c
        .client
        .list_objects_v2()
        .bucket("torn")
        .send()
        .await
        .unwrap();
    let keys: Vec<&str> = listed.contents().iter().filter_map(|o| o.key()).collect();
    assert_eq!(keys, ["whole"]);
    assert!(
        !bucket_dir.join("data/zz/stray").exists(),
        "stray bytes are removed"
    );
    stop(sandbox).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_earlier_s3s_fs_sandbox_moves_in() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("store");
    std::fs::create_dir_all(old.join("legacy/raw/2026")).unwrap();
    std::fs::create_dir_all(old.join("legacy/empty")).unwrap();
    std::fs::write(old.join("legacy/raw/2026/a.csv"), b"a,b\n1,2\n").unwrap();
    std::fs::write(old.join("legacy/top.txt"), b"top").unwrap();
    std::fs::write(old.join("legacy/empty/.skiff-folder"), b"").unwrap();
    // s3s-fs's side file for top.txt: its content type.
    let b64 = |s: &str| {
        aws_smithy_types::base64::encode(s)
            .trim_end_matches('=')
            .replace('+', "-")
            .replace('/', "_")
    };
    let side = old.join(format!(
        ".bucket-{}.object-{}.metadata.json",
        b64("legacy"),
        b64("top.txt")
    ));
    std::fs::write(
        side,
        br#"{"content_type":"text/x-top","user_metadata":{"Owner":"ana"}}"#,
    )
    .unwrap();

    let (sandbox, c) = start(dir.path()).await;
    let listed = c
        .client
        .list_objects_v2()
        .bucket("legacy")
        .send()
        .await
        .unwrap();
    let mut keys: Vec<&str> = listed.contents().iter().filter_map(|o| o.key()).collect();
    keys.sort();
    assert_eq!(keys, ["empty/", "raw/2026/a.csv", "top.txt"]);
    let head = c
        .client
        .head_object()
        .bucket("legacy")
        .key("top.txt")
        .send()
        .await
        .unwrap();
    assert_eq!(head.content_type(), Some("text/x-top"));
    assert_eq!(
        head.metadata()
            .and_then(|m| m.get("owner"))
            .map(String::as_str),
        Some("ana")
    );
    let got = c
        .client
        .get_object()
        .bucket("legacy")
        .key("raw/2026/a.csv")
        .send()
        .await
        .unwrap();
    assert_eq!(
        got.body.collect().await.unwrap().into_bytes().as_ref(),
        b"a,b\n1,2\n"
    );
    assert!(!old.exists(), "the old store is gone once moved");
    stop(sandbox).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lifecycle_rules_are_applied_on_start() {
    let dir = tempfile::tempdir().unwrap();
    let (sandbox, c) = start(dir.path()).await;
    let client = &c.client;
    client.create_bucket().bucket("tidy").send().await.unwrap();
    let abort = LifecycleRule::builder()
        .id("abort")
        .status(ExpirationStatus::Enabled)
        .filter(LifecycleRuleFilter::builder().prefix("").build())
        .abort_incomplete_multipart_upload(
            AbortIncompleteMultipartUpload::builder()
                .days_after_initiation(1)
                .build(),
        )
        .build()
        .unwrap();
    let expire = LifecycleRule::builder()
        .id("expire-tmp")
        .status(ExpirationStatus::Enabled)
        .filter(LifecycleRuleFilter::builder().prefix("tmp/").build())
        .expiration(LifecycleExpiration::builder().days(1).build())
        .build()
        .unwrap();
    let config = BucketLifecycleConfiguration::builder()
        .rules(abort)
        .rules(expire)
        .build()
        .unwrap();
    client
        .put_bucket_lifecycle_configuration()
        .bucket("tidy")
        .lifecycle_configuration(config)
        .send()
        .await
        .unwrap();
    let upload = client
        .create_multipart_upload()
        .bucket("tidy")
        .key("forgotten")
        .send()
        .await
        .unwrap();
    let upload_id = upload.upload_id().unwrap().to_owned();
    for key in ["tmp/old", "keep/old"] {
        (client.put_object().bucket("tidy").key(key))
            .body(ByteStream::from_static(b"x"))
            .send()
            .await
            .unwrap();
    }
    stop(sandbox).await;
    // Two days pass: the upload's start and the objects' times moved back on disk.
    let bucket_dir = dir.path().join("buckets/tidy");
    let record = bucket_dir
        .join("uploads")
        .join(&upload_id)
        .join("upload.json");
    let mut json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&record).unwrap()).unwrap();
    let two_days_ago = json["initiated_ms"].as_i64().unwrap() - 2 * 86_400_000;
    json["initiated_ms"] = two_days_ago.into();
    std::fs::write(&record, serde_json::to_vec(&json).unwrap()).unwrap();
    let journal = std::fs::read_to_string(bucket_dir.join("journal.jsonl")).unwrap();
    let aged: String = journal
        .lines()
        .map(|line| {
            let mut change: serde_json::Value = serde_json::from_str(line).unwrap();
            if let Some(v) = change["put"]["version"]["last_modified_ms"].as_i64() {
                change["put"]["version"]["last_modified_ms"] = (v - 2 * 86_400_000).into();
            }
            format!("{change}\n")
        })
        .collect();
    std::fs::write(bucket_dir.join("journal.jsonl"), aged).unwrap();

    let (sandbox, c) = start(dir.path()).await;
    let uploads = c
        .client
        .list_multipart_uploads()
        .bucket("tidy")
        .send()
        .await
        .unwrap();
    assert!(
        uploads.uploads().is_empty(),
        "the forgotten upload was aborted"
    );
    let listed = c
        .client
        .list_objects_v2()
        .bucket("tidy")
        .send()
        .await
        .unwrap();
    let keys: Vec<&str> = listed.contents().iter().filter_map(|o| o.key()).collect();
    assert_eq!(keys, ["keep/old"], "only tmp/ expired");
    stop(sandbox).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_buckets_cors_rules_answer_browsers() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let dir = tempfile::tempdir().unwrap();
    let (sandbox, c) = start(dir.path()).await;
    c.client.create_bucket().bucket("web").send().await.unwrap();
    let rule = CorsRule::builder()
        .allowed_methods("GET")
        .allowed_methods("PUT")
        .allowed_origins("http://127.0.0.1:*")
        .allowed_headers("*")
        .expose_headers("ETag")
        .max_age_seconds(600)
        .build()
        .unwrap();
    let cors = CorsConfiguration::builder()
        .cors_rules(rule)
        .build()
        .unwrap();
    c.client
        .put_bucket_cors()
        .bucket("web")
        .cors_configuration(cors)
        .send()
        .await
        .unwrap();
    let address = sandbox
        .endpoint
        .endpoint
        .trim_start_matches("http://")
        .to_owned();
    let preflight = |origin: &'static str, method: &'static str| {
        let address = address.clone();
        async move {
            let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
            let request = format!(
                "OPTIONS /web/key HTTP/1.1\r\nHost: {address}\r\nOrigin: {origin}\r\n\
                 Access-Control-Request-Method: {method}\r\nAccess-Control-Request-Headers: content-type\r\n\
                 Connection: close\r\n\r\n"
            );
            stream.write_all(request.as_bytes()).await.unwrap();
            let mut answer = String::new();
            stream.read_to_string(&mut answer).await.unwrap();
            answer.to_ascii_lowercase()
        }
    };
    let allowed = preflight("http://127.0.0.1:5173", "PUT").await;
    assert!(allowed.starts_with("http/1.1 200"), "{allowed}");
    assert!(
        allowed.contains("access-control-allow-origin: http://127.0.0.1:5173"),
        "{allowed}"
    );
    assert!(allowed.contains("access-control-max-age: 600"), "{allowed}");
    let other = preflight("http://evil.example", "GET").await;
    assert!(other.starts_with("http/1.1 403"), "{other}");
    let delete = preflight("http://127.0.0.1:5173", "DELETE").await;
    assert!(
        delete.starts_with("http/1.1 403"),
        "a method no rule allows: {delete}"
    );
    stop(sandbox).await;
}
