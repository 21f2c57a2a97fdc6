//! Copies, moves and renames on the server (the relocate engine) on the sandbox, moto and
//! Garage: a renamed folder is whole at its new place and gone from the old one, its objects keep
//! their bytes, headers, metadata and tags; through a proxy that fails 5% of requests a move of
//! 10,000 keys loses nothing; `skiff mv`, `set-class` and `restore` do what they say.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::cli::text;
use crate::common::{self, TestServer};
use rand::Rng;
use skiff::relocate::{InventoryProgress, RelocateRun, RelocateSpec, inventory};
use skiff::s3::copy::CopyOptions;
use skiff::s3::listing::{ListRequest, list_all};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

async fn keys_under(server: &TestServer, bucket: &str, prefix: &str) -> BTreeSet<String> {
    let listed = list_all(&server.connection, ListRequest::recursive(bucket, prefix))
        .await
        .unwrap_or_else(|e| panic!("{}: listing {prefix}: {e}", server.name));
    listed.objects.into_iter().map(|o| o.key).collect()
}

async fn a_folder_rename_moves_everything_and_keeps_what_it_carries(server: &TestServer) {
    let bucket = common::fresh_bucket(server, "rename").await;
    let keys: Vec<String> = (0..120)
        .map(|i| format!("runs/day1/shard {i:03}.bin"))
        .chain(["runs/day1/".into(), "runs/day10/kept.txt".into()])
        .collect();
    common::put_keys(server, &bucket, &keys).await;
    let c = &server.connection.client;
    (c.put_object().bucket(&bucket).key("runs/day1/meta.json"))
        .content_type("application/json")
        .metadata("source", "wiki dump")
        .tagging("team=nlp")
        .body(b"{\"rows\": 3}".to_vec().into())
        .send()
        .await
        .unwrap();
    if server.name == "moto" {
        // A class other than STANDARD must survive the one-request copy.
        (c.put_object().bucket(&bucket).key("runs/day1/cold.bin"))
            .storage_class(aws_sdk_s3::types::StorageClass::StandardIa)
            .body(b"cold".to_vec().into())
            .send()
            .await
            .unwrap();
    }
    // One key already at the destination: the inventory says a copy replaces it.
    common::put_keys(server, &bucket, &["runs/day-one/shard 007.bin".into()]).await;

    let spec = RelocateSpec::rename(&bucket, "runs/day1/", "day-one").unwrap();
    let found = inventory(&server.connection, &spec, &InventoryProgress::default())
        .await
        .unwrap_or_else(|e| panic!("{}: inventory: {e}", server.name));
    let expected = if server.name == "moto" { 123 } else { 122 };
    assert_eq!(found.pairs.len(), expected, "{}", server.name);
    assert_eq!(
        found.existing,
        vec!["runs/day-one/shard 007.bin".to_owned()]
    );
    let run = RelocateRun::new(found, CopyOptions::default(), 16);
    let report = run.execute(&server.connection).await;
    assert!(
        report.is_complete(),
        "{}: {}",
        server.name,
        report.summary()
    );
    assert_eq!(
        report.counts.sources_deleted, expected as u64,
        "{}",
        server.name
    );

    assert_eq!(
        keys_under(server, &bucket, "runs/day1/").await,
        BTreeSet::new(),
        "{}: keys left at the old place",
        server.name
    );
    let moved = keys_under(server, &bucket, "runs/day-one/").await;
    assert_eq!(moved.len(), expected, "{}", server.name);
    if server.name == "moto" {
        let cold = skiff::s3::objects::object_details(
            &server.connection,
            &bucket,
            "runs/day-one/cold.bin",
        )
        .await
        .unwrap();
        assert_eq!(cold.storage_class.as_deref(), Some("STANDARD_IA"));
    }
    assert!(
        moved.contains("runs/day-one/"),
        "{}: the folder marker",
        server.name
    );
    // Not in the renamed folder, though its name starts the same way.
    assert!(keys_under(server, &bucket, "runs/day10/").await.len() == 1);
    let got = (c
        .get_object()
        .bucket(&bucket)
        .key("runs/day-one/shard 042.bin"))
    .send()
    .await
    .unwrap();
    let bytes = got.body.collect().await.unwrap().into_bytes();
    assert_eq!(&bytes[..], b"runs/day1/shard 042.bin", "{}", server.name);
    let meta = (c
        .head_object()
        .bucket(&bucket)
        .key("runs/day-one/meta.json"))
    .send()
    .await
    .unwrap();
    assert_eq!(
        meta.content_type(),
        Some("application/json"),
        "{}",
        server.name
    );
    assert_eq!(
        meta.metadata()
            .and_then(|m| m.get("source"))
            .map(String::as_str),
        Some("wiki dump"),
        "{}",
        server.name
    );
    // Garage and the sandbox keep no object tags.
    if server.name == "moto" {
        let tags =
            skiff::s3::objects::object_tags(&server.connection, &bucket, "runs/day-one/meta.json")
                .await
                .unwrap();
        assert_eq!(tags, vec![("team".into(), "nlp".into())], "{}", server.name);
    }
    let csv = run.export_csv();
    assert_eq!(csv.lines().count(), expected + 1, "{}", server.name);
    assert!(csv.lines().skip(1).all(|l| l.contains(",moved,")), "{csv}");
}

#[test]
fn a_folder_rename_moves_every_key_with_its_metadata() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    for name in ["sandbox", "moto", "garage"] {
        if let Some(server) = rt.block_on(common::server(name)) {
            rt.block_on(a_folder_rename_moves_everything_and_keeps_what_it_carries(
                &server,
            ));
        }
    }
}

/// A proxy that serves one request per connection and fails `share` of them (a dropped
/// connection, 503 SlowDown or 500), forwarding the rest.
async fn failing_proxy(upstream: String, share: f64) -> (String, Arc<AtomicU64>) {
    let failed = Arc::new(AtomicU64::new(0));
    let counter = failed.clone();
    let address = common::loopback_proxy(move |mut client| {
        let (upstream, failed) = (upstream.clone(), counter.clone());
        async move {
            let Ok((head, body)) = crate::faults::read_request(&mut client).await else {
                return;
            };
            if head.is_empty() {
                return;
            }
            let roll: f64 = rand::rng().random();
            if roll < share {
                failed.fetch_add(1, Ordering::Relaxed);
                match (roll / share * 3.0) as u32 {
                    0 => drop(client),
                    1 => crate::faults::answer_read(&mut client, "503 Slow Down", "SlowDown").await,
                    _ => {
                        crate::faults::answer_read(
                            &mut client,
                            "500 Internal Server Error",
                            "InternalError",
                        )
                        .await
                    }
                }
                return;
            }
            let Ok(mut server) = TcpStream::connect(&upstream).await else {
                return;
            };
            // One request a connection: the server closes after its answer.
            let head =
                String::from_utf8_lossy(&head).replacen("\r\n", "\r\nConnection: close\r\n", 1);
            if server.write_all(head.as_bytes()).await.is_err()
                || server.write_all(&body).await.is_err()
            {
                return;
            }
            let _ = tokio::io::copy(&mut server, &mut client).await;
            let _ = client.shutdown().await;
        }
    })
    .await;
    (address, failed)
}

async fn a_move_through_faults_loses_nothing(server: &TestServer, count: usize) {
    let bucket = common::fresh_bucket(server, "move-faults").await;
    let keys: Vec<String> = (0..count).map(|i| format!("old/{i:05}.json")).collect();
    common::put_keys(server, &bucket, &keys).await;
    let (proxy, failed) = failing_proxy(common::upstream(server), 0.05).await;
    let flaky = common::through(server, proxy);
    let spec = RelocateSpec::rename(&bucket, "old/", "new").unwrap();
    let found = inventory(&flaky, &spec, &InventoryProgress::default())
        .await
        .unwrap_or_else(|e| panic!("{}: inventory: {e}", server.name));
    assert_eq!(found.pairs.len(), count);
    let run = RelocateRun::new(found, CopyOptions::default(), 32);
    let mut passes = 0;
    loop {
        passes += 1;
        let report = run.execute(&flaky).await;
        // After every pass each key is at one place at least: a source goes only when its copy
        // is confirmed.
        let old = keys_under(server, &bucket, "old/").await;
        let new = keys_under(server, &bucket, "new/").await;
        for key in &keys {
            let moved = format!("new/{}", &key[4..]);
            assert!(
                old.contains(key) || new.contains(&moved),
                "{}: {key} was lost in pass {passes}",
                server.name
            );
        }
        if report.is_complete() || passes == 5 {
            assert!(
                report.is_complete(),
                "{}: {}",
                server.name,
                report.summary()
            );
            break;
        }
    }
    assert!(keys_under(server, &bucket, "old/").await.is_empty());
    assert_eq!(keys_under(server, &bucket, "new/").await.len(), count);
    let failed = failed.load(Ordering::Relaxed);
    eprintln!(
        "{}: moved {count} keys in {passes} passes; the proxy failed {failed} requests",
        server.name
    );
    assert!(failed > 0, "the proxy failed no request");
}

#[test]
fn a_move_of_ten_thousand_keys_through_faults_loses_nothing() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    if let Some(garage) = rt.block_on(common::server("garage")) {
        rt.block_on(a_move_through_faults_loses_nothing(&garage, 10_000));
    }
    if let Some(moto) = rt.block_on(common::server("moto")) {
        rt.block_on(a_move_through_faults_loses_nothing(&moto, 500));
    }
}

#[test]
fn skiff_mv_moves_between_buckets_and_to_and_from_this_machine() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let Some(moto) = rt.block_on(common::server("moto")) else {
        return;
    };
    let from = rt.block_on(common::fresh_bucket(&moto, "mv-from"));
    let to = rt.block_on(common::fresh_bucket(&moto, "mv-to"));
    let keys: Vec<String> = ["ds/v1/a.bin", "ds/v1/b c.bin", "ds/v2/a.bin"]
        .map(String::from)
        .to_vec();
    rt.block_on(common::put_keys(&moto, &from, &keys));
    let skiff = |args: &[&str]| {
        common::skiff_with(&moto.endpoint)
            .args(args)
            .output()
            .unwrap()
    };
    let (source, destination) = (format!("s3://{from}/ds/v1/"), format!("s3://{to}/ds/"));

    let out = skiff(&["mv", "--recursive", "--dry-run", &source, &destination]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains(&format!(
            "(dryrun) move: s3://{from}/ds/v1/b c.bin to s3://{to}/ds/b c.bin"
        )),
        "{}",
        text(&out)
    );
    assert_eq!(rt.block_on(keys_under(&moto, &from, "ds/")).len(), 3);

    let out = skiff(&["mv", "--recursive", &source, &destination]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains(&format!(
            "move: s3://{from}/ds/v1/a.bin to s3://{to}/ds/a.bin"
        )),
        "{}",
        text(&out)
    );
    assert_eq!(
        rt.block_on(keys_under(&moto, &from, "ds/")),
        BTreeSet::from(["ds/v2/a.bin".to_owned()])
    );
    assert_eq!(rt.block_on(keys_under(&moto, &to, "ds/")).len(), 2);

    // Onto an existing key without a terminal and without --yes: refused, nothing moves.
    let out = skiff(&["mv", &format!("s3://{from}/ds/v2/a.bin"), &destination]);
    assert!(!out.status.success());
    assert!(text(&out).contains("Nothing was moved."), "{}", text(&out));
    assert_eq!(rt.block_on(keys_under(&moto, &from, "ds/")).len(), 1);
    let out = skiff(&[
        "mv",
        "--yes",
        &format!("s3://{from}/ds/v2/a.bin"),
        &destination,
    ]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(rt.block_on(keys_under(&moto, &from, "ds/")).is_empty());

    // S3 to this machine: the object goes once the download is whole.
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("got");
    let out = skiff(&[
        "mv",
        &format!("s3://{to}/ds/b c.bin"),
        local.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(std::fs::read(&local).unwrap(), b"ds/v1/b c.bin");
    assert!(
        !rt.block_on(keys_under(&moto, &to, "ds/"))
            .contains("ds/b c.bin")
    );

    // A dry run of a download says where each object would land and writes nothing.
    let out = skiff(&[
        "cp",
        "--dry-run",
        "--recursive",
        &format!("s3://{to}/ds/"),
        dir.path().join("dry").to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let expected = format!(
        "(dryrun) download: s3://{to}/ds/a.bin to {}",
        dir.path().join("dry/a.bin").display()
    );
    assert!(text(&out).contains(&expected), "{}", text(&out));
    assert!(!dir.path().join("dry").exists());

    // And back: the local file goes once the upload is whole.
    let out = skiff(&["mv", local.to_str().unwrap(), &format!("s3://{to}/back/")]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(!local.exists());
    assert!(
        rt.block_on(keys_under(&moto, &to, "back/"))
            .contains("back/got")
    );
}

#[test]
fn set_class_and_restore_on_moto() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let Some(moto) = rt.block_on(common::server("moto")) else {
        return;
    };
    let bucket = rt.block_on(common::fresh_bucket(&moto, "classes"));
    let keys: Vec<String> = ["old/a.bin", "old/b.bin", "older.txt"]
        .map(String::from)
        .to_vec();
    rt.block_on(common::put_keys(&moto, &bucket, &keys));
    let skiff = |args: &[&str]| {
        common::skiff_with(&moto.endpoint)
            .args(args)
            .output()
            .unwrap()
    };
    let class_of = |key: &str| {
        let details = rt
            .block_on(skiff::s3::objects::object_details(
                &moto.connection,
                &bucket,
                key,
            ))
            .unwrap();
        (details.storage_class, details.restore)
    };
    let prefix = format!("s3://{bucket}/old/");
    let out = skiff(&["set-class", "--recursive", "--dry-run", &prefix, "glacier"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("2 objects"), "{}", text(&out));
    assert_eq!(class_of("old/a.bin").0.as_deref(), Some("STANDARD"));
    let out = skiff(&["set-class", "--recursive", "--yes", &prefix, "glacier"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(class_of("old/a.bin").0.as_deref(), Some("GLACIER"));
    assert_eq!(class_of("old/b.bin").0.as_deref(), Some("GLACIER"));
    assert_eq!(class_of("older.txt").0.as_deref(), Some("STANDARD"));

    let url = format!("s3://{bucket}/old/a.bin");
    let out = skiff(&["restore", &url, "--days", "3", "--tier", "bulk"]);
    assert!(out.status.success(), "{}", text(&out));
    let restore = class_of("old/a.bin").1.expect("a restore status");
    assert!(
        restore.starts_with("available until") || restore.starts_with("in progress"),
        "{restore}"
    );
    let out = skiff(&["restore", &url, "--days", "3", "--tier", "slow"]);
    assert!(!out.status.success());
}

async fn headers_change_in_place(server: &TestServer) {
    use skiff::s3::copy::{CopyChanges, ObjectHeaders, copy_object};
    let bucket = common::fresh_bucket(server, "headers").await;
    let key = "data/table.csv";
    common::put_keys(server, &bucket, &[key.to_owned()]).await;
    let headers = ObjectHeaders {
        content_type: Some("text/csv".into()),
        cache_control: Some("max-age=60".into()),
        content_disposition: Some("attachment; filename=\"t.csv\"".into()),
        metadata: [("source".to_owned(), "survey 2026".to_owned())].into(),
        ..ObjectHeaders::default()
    };
    let options = CopyOptions {
        changes: CopyChanges {
            storage_class: None,
            headers: Some(headers),
        },
        ..CopyOptions::default()
    };
    copy_object(&server.connection, (&bucket, key), (&bucket, key), &options)
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", server.name));
    let details = skiff::s3::objects::object_details(&server.connection, &bucket, key)
        .await
        .unwrap();
    assert_eq!(
        details.content_type.as_deref(),
        Some("text/csv"),
        "{}",
        server.name
    );
    assert_eq!(
        details.cache_control.as_deref(),
        Some("max-age=60"),
        "{}",
        server.name
    );
    assert_eq!(
        details.user_metadata.get("source").map(String::as_str),
        Some("survey 2026"),
        "{}",
        server.name
    );
    assert_eq!(
        details.size_bytes,
        key.len() as u64,
        "{}: the bytes stay",
        server.name
    );
    if server.name == "moto" {
        let tags = vec![("stage".to_owned(), "clean".to_owned())];
        skiff::s3::objects::set_object_tags(&server.connection, &bucket, key, &tags)
            .await
            .unwrap();
        let read = skiff::s3::objects::object_tags(&server.connection, &bucket, key)
            .await
            .unwrap();
        assert_eq!(read, tags);
    }
}

#[test]
fn metadata_and_tags_change_in_place() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    for name in ["moto", "garage"] {
        if let Some(server) = rt.block_on(common::server(name)) {
            rt.block_on(headers_change_in_place(&server));
        }
    }
}

/// A `size`-byte object made on the server from copies of a 64 MiB random object: large
/// objects for copy tests without sending their bytes (Garage keeps one copy of each block).
async fn composed_object(server: &TestServer, bucket: &str, key: &str, size: u64) -> Vec<u8> {
    use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
    const BLOCK: u64 = 64 * 1024 * 1024;
    let c = &server.connection.client;
    let mut block = vec![0u8; BLOCK as usize];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut block);
    let base = format!("{key}.block");
    c.put_object()
        .bucket(bucket)
        .key(&base)
        .body(block.clone().into())
        .send()
        .await
        .unwrap();
    let upload = c
        .create_multipart_upload()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .unwrap();
    let id = upload.upload_id().unwrap();
    let mut parts = Vec::new();
    for n in 1..=size.div_ceil(BLOCK) as i32 {
        let copied = c
            .upload_part_copy()
            .bucket(bucket)
            .key(key)
            .upload_id(id)
            .part_number(n)
            .copy_source(format!("{bucket}/{base}"))
            .send()
            .await
            .unwrap();
        let etag = copied.copy_part_result().and_then(|r| r.e_tag()).unwrap();
        parts.push(CompletedPart::builder().part_number(n).e_tag(etag).build());
    }
    c.complete_multipart_upload()
        .bucket(bucket)
        .key(key)
        .upload_id(id)
        .multipart_upload(
            CompletedMultipartUpload::builder()
                .set_parts(Some(parts))
                .build(),
        )
        .send()
        .await
        .unwrap();
    block
}

async fn range_of(server: &TestServer, bucket: &str, key: &str, first: u64, len: u64) -> Vec<u8> {
    let got = (server.connection.client.get_object())
        .bucket(bucket)
        .key(key)
        .range(format!("bytes={first}-{}", first + len - 1))
        .send()
        .await
        .unwrap();
    got.body.collect().await.unwrap().into_bytes().to_vec()
}

/// Garage: a 6 GiB object copied in UploadPartCopy parts keeps every byte (its multipart ETag,
/// made of the parts' MD5s, matches the source's, and sampled ranges match); a 1 GiB copy
/// sends under 1 MiB through a counting proxy, since the bytes never leave the server.
#[test]
fn large_copies_stay_on_the_server() {
    use skiff::s3::copy::{confirm_copy, copy_object};
    let rt = tokio::runtime::Runtime::new().unwrap();
    let Some(garage) = rt.block_on(common::server("garage")) else {
        return;
    };
    const GIB: u64 = 1024 * 1024 * 1024;
    let bucket = rt.block_on(common::fresh_bucket(&garage, "large-copy"));
    rt.block_on(async {
        let block = composed_object(&garage, &bucket, "big/6gib.bin", 6 * GIB).await;
        let options = CopyOptions {
            part_size: 64 * 1024 * 1024,
            ..CopyOptions::default()
        };
        let copied = copy_object(
            &garage.connection,
            (&bucket, "big/6gib.bin"),
            (&bucket, "copy/6gib.bin"),
            &options,
        )
        .await
        .unwrap();
        assert_eq!(copied.bytes, 6 * GIB);
        confirm_copy(&garage.connection, (&bucket, "copy/6gib.bin"), &copied)
            .await
            .unwrap();
        let etag = |key: &'static str| {
            let c = garage.connection.client.clone();
            let bucket = bucket.clone();
            async move {
                let head = c
                    .head_object()
                    .bucket(bucket)
                    .key(key)
                    .send()
                    .await
                    .unwrap();
                head.e_tag().unwrap().to_owned()
            }
        };
        let (source, copy) = (etag("big/6gib.bin").await, etag("copy/6gib.bin").await);
        assert!(copy.ends_with("-96\""), "{copy}");
        assert_eq!(source, copy, "the parts' MD5s");
        for offset in [0, 5 * GIB + 123_456_789, 6 * GIB - 4096] {
            let got = range_of(&garage, &bucket, "copy/6gib.bin", offset, 4096).await;
            let at = (offset % (64 * 1024 * 1024)) as usize;
            assert!(got == block[at..at + 4096], "bytes at {offset}");
        }

        composed_object(&garage, &bucket, "big/1gib.bin", GIB).await;
        let (proxy, counted) = common::counting_proxy(common::upstream(&garage)).await;
        let through = common::through(&garage, proxy);
        let copied = copy_object(
            &through,
            (&bucket, "big/1gib.bin"),
            (&bucket, "copy/1gib.bin"),
            &CopyOptions::default(),
        )
        .await
        .unwrap();
        assert_eq!(copied.bytes, GIB);
        let (up, down) = (
            counted.0.load(Ordering::Relaxed),
            counted.1.load(Ordering::Relaxed),
        );
        eprintln!("a 1 GiB copy on the server: {up} bytes sent, {down} received");
        assert!(up + down < 1024 * 1024, "{up} up, {down} down");
    });
}
