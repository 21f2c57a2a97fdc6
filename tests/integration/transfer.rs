//! Uploads and downloads, byte for byte, against every server.

use crate::common;

use std::path::Path;

use common::{TestServer, fresh_bucket};
use rand::RngCore;
use skiff::s3::object_io::ObjectRef;
use skiff::transfer::plan::MIB;
use skiff::transfer::{
    Pause, Progress, Scheduler, TransferError, TransferOptions, Verdict, download_object,
    download_prefix, upload_dir, upload_file, upload_file_pausable, verify_file,
};

fn random_bytes(len: usize) -> Vec<u8> {
    let mut bytes = vec![0u8; len];
    rand::rng().fill_bytes(&mut bytes);
    bytes
}

async fn round_trip_sizes(server: &TestServer) {
    let bucket = fresh_bucket(server, "sizes").await;
    let dir = tempfile::tempdir().unwrap();
    let scheduler = Scheduler::default();
    let options = TransferOptions::default();
    let cases: [(&str, usize); 5] = [
        ("empty.bin", 0),
        ("one byte.bin", 1),
        ("exactly the threshold+%#?ü.bin", 16 * MIB as usize),
        ("three parts, short last.bin", 20 * MIB as usize + 1),
        ("small/with space+plus%#?ünïcødé🚀.txt", 1000),
    ];
    for (key, len) in cases {
        let bytes = random_bytes(len);
        let local = dir.path().join("upload.bin");
        std::fs::write(&local, &bytes).unwrap();
        let progress = Progress::default();
        upload_file(
            &server.connection,
            &scheduler,
            &local,
            &bucket,
            key,
            &options,
            &progress,
        )
        .await
        .unwrap_or_else(|e| panic!("{}: upload {key}: {e}", server.name));
        assert_eq!(
            progress
                .bytes_done
                .load(std::sync::atomic::Ordering::Relaxed),
            len as u64
        );

        let back = dir.path().join("back").join("file.bin");
        let got = download_object(
            &server.connection,
            &scheduler,
            &bucket,
            key,
            &back,
            &options,
            &Default::default(),
        )
        .await
        .unwrap_or_else(|e| panic!("{}: download {key}: {e}", server.name));
        assert_eq!(got, len as u64);
        assert!(
            std::fs::read(&back).unwrap() == bytes,
            "{}: {key} came back different",
            server.name
        );
        assert!(!back.with_extension("bin.skiff-part").exists());
    }
}

async fn folder_of_500_files(server: &TestServer) {
    let bucket = fresh_bucket(server, "folder").await;
    let src = tempfile::tempdir().unwrap();
    let mut expected = Vec::new();
    for i in 0..500 {
        let relative = format!("split-{}/shard {:02}/part-{i:04}.jsonl", i % 3, i % 17);
        let path = src.path().join(&relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let bytes = random_bytes(i * 7 % 3000);
        std::fs::write(&path, &bytes).unwrap();
        expected.push((relative, bytes));
    }
    let scheduler = Scheduler::default();
    let options = TransferOptions::default();
    let results = upload_dir(
        &server.connection,
        &scheduler,
        src.path(),
        &bucket,
        "data/",
        &options,
        &Progress::default(),
    )
    .await
    .unwrap();
    let failures: Vec<_> = results.iter().filter(|r| r.result.is_err()).collect();
    assert!(failures.is_empty(), "{}: {failures:?}", server.name);
    assert_eq!(results.len(), 500);

    let out = tempfile::tempdir().unwrap();
    let results = download_prefix(
        &server.connection,
        &scheduler,
        &bucket,
        "data/",
        out.path(),
        &options,
        &Default::default(),
    )
    .await
    .unwrap();
    assert!(results.iter().all(|r| r.result.is_ok()), "{}", server.name);
    assert_eq!(results.len(), 500);
    for (relative, bytes) in &expected {
        let got = std::fs::read(out.path().join(relative)).unwrap();
        assert!(&got == bytes, "{}: {relative} differs", server.name);
    }
}

/// A cancelled multipart upload is aborted: no parts are left to be billed.
async fn cancel_leaves_no_upload(server: &TestServer) {
    let bucket = fresh_bucket(server, "cancel").await;
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("big.bin");
    std::fs::write(&local, random_bytes(48 * MIB as usize)).unwrap();
    let progress = Progress::default();
    let options = TransferOptions {
        concurrency: 1,
        ..TransferOptions::default()
    };
    let scheduler = Scheduler::default();
    // Boxed, so that dropping it really drops the upload (a pinned local would live on).
    let mut upload = Box::pin(upload_file(
        &server.connection,
        &scheduler,
        &local,
        &bucket,
        "big.bin",
        &options,
        &progress,
    ));
    // Let the upload start (the first part goes up), then drop it, as Cancel does.
    let started = async {
        while progress
            .bytes_done
            .load(std::sync::atomic::Ordering::Relaxed)
            == 0
        {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    };
    tokio::select! {
        r = &mut upload => panic!("{}: finished before it could be cancelled: {r:?}", server.name),
        () = started => {}
    }
    drop(upload);
    let left = common::multipart_uploads_left(server, &bucket).await;
    assert_eq!(
        left, 0,
        "{}: the cancelled upload was not aborted",
        server.name
    );
}

async fn keys_that_escape_are_refused(server: &TestServer) {
    let bucket = fresh_bucket(server, "escape").await;
    for key in ["../escape.txt", "/abs.txt", "a/../../b.txt", "ok.txt"] {
        skiff::s3::objects::put_bytes(&server.connection, &bucket, key, b"x".to_vec())
            .await
            .unwrap();
    }
    let outer = tempfile::tempdir().unwrap();
    let inner = outer.path().join("inner");
    std::fs::create_dir(&inner).unwrap();
    let results = download_prefix(
        &server.connection,
        &Scheduler::default(),
        &bucket,
        "",
        &inner,
        &TransferOptions::default(),
        &Default::default(),
    )
    .await
    .unwrap();
    let refused: Vec<_> = results
        .iter()
        .filter(|r| matches!(r.result, Err(TransferError::UnsafePath { .. })))
        .map(|r| r.source.as_str())
        .collect();
    assert_eq!(refused.len(), 3, "{refused:?}");
    let mut written = Vec::new();
    walk(outer.path(), &mut written);
    assert_eq!(
        written,
        [inner.join("ok.txt")],
        "nothing lands outside the chosen folder"
    );
}

fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            walk(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// Verify says "identical" for the file uploaded, and "different" once a byte changes.
async fn verify_detects_changes(server: &TestServer) {
    let bucket = fresh_bucket(server, "verify").await;
    let dir = tempfile::tempdir().unwrap();
    let options = TransferOptions::default();
    for (key, len) in [
        ("single.bin", 3 * MIB as usize + 7),
        ("multi.bin", 20 * MIB as usize + 3),
    ] {
        let local = dir.path().join(key);
        let mut bytes = random_bytes(len);
        std::fs::write(&local, &bytes).unwrap();
        upload_file(
            &server.connection,
            &Scheduler::default(),
            &local,
            &bucket,
            key,
            &options,
            &Progress::default(),
        )
        .await
        .unwrap();
        let verdict = verify_file(&server.connection, &local, &bucket, key)
            .await
            .unwrap();
        eprintln!("{}: {key}: {verdict:?}", server.name);
        assert!(
            matches!(
                verdict,
                Verdict::Identical { .. } | Verdict::SizeOnly { .. }
            ),
            "{}: {key}: {verdict:?}",
            server.name
        );
        let had_checksum = matches!(verdict, Verdict::Identical { .. });
        bytes[len / 2] ^= 0xff;
        std::fs::write(&local, &bytes).unwrap();
        let verdict = verify_file(&server.connection, &local, &bucket, key)
            .await
            .unwrap();
        if had_checksum {
            assert!(
                matches!(verdict, Verdict::Different { .. }),
                "{}: {key}: {verdict:?}",
                server.name
            );
        }
        std::fs::write(&local, &bytes[..len - 1]).unwrap();
        let verdict = verify_file(&server.connection, &local, &bucket, key)
            .await
            .unwrap();
        assert!(
            matches!(verdict, Verdict::Different { .. }),
            "{}: a shorter file differs",
            server.name
        );
    }
}

/// A run that stopped between Complete and forgetting its journal (a pause or a crash as the
/// answer came) leaves a journal whose upload the server no longer knows. The next run finds the
/// object is the file already (its size, and the composite CRC32C of the journal's parts) and
/// sends nothing. On servers that keep a multipart object's checksum: Garage. (The sandbox keeps
/// none; moto shows a CRC32C for a multipart object that is no reading of its parts, the same
/// for CRC32C as for CRC32 uploads. On both the file is sent again, as before.)
async fn a_completed_upload_is_not_sent_again(server: &TestServer) {
    use skiff::transfer::crc32c_base64;
    use skiff::transfer::journal::{SentPart, UploadJournal};
    let bucket = fresh_bucket(server, "completed").await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("checkpoint.bin");
    let bytes = random_bytes(20 * MIB as usize + 3);
    std::fs::write(&file, &bytes).unwrap();
    let key = "ckpt/checkpoint.bin";
    let upload = |progress: Progress| {
        let (bucket, file) = (bucket.clone(), file.clone());
        async move {
            upload_file(
                &server.connection,
                &Scheduler::default(),
                &file,
                &bucket,
                key,
                &TransferOptions::default(),
                &progress,
            )
            .await
            .map(|()| progress)
        }
    };
    upload(Progress::default()).await.unwrap();
    let etag = || async {
        skiff::s3::objects::head_object(&server.connection, &bucket, key)
            .await
            .unwrap()
            .etag
    };
    let stored = etag().await;

    // The journal as such a run leaves it: every part sent, the upload completed and gone.
    let meta = std::fs::metadata(&file).unwrap();
    let mut journal = UploadJournal::new(
        &server.connection.target().endpoint,
        &bucket,
        key,
        &file,
        &meta,
        "an-upload-that-completed",
        8 * MIB,
    );
    for (i, part) in bytes.chunks(8 * MIB as usize).enumerate() {
        journal.parts.insert(
            i as u32 + 1,
            SentPart {
                etag: None,
                crc32c: crc32c_base64(part),
            },
        );
    }
    journal.save().unwrap();

    let progress = upload(Progress::default()).await.unwrap();
    use std::sync::atomic::Ordering::Relaxed;
    assert_eq!(
        progress.parts_resumed.load(Relaxed),
        3,
        "{}: the file was sent again",
        server.name
    );
    assert_eq!(
        etag().await,
        stored,
        "{}: the object was written again",
        server.name
    );
    assert!(
        UploadJournal::load(&bucket, key, &file).is_none(),
        "{}: the journal was kept",
        server.name
    );
}

/// A journal whose upload the server no longer knows (aborted by a lifecycle rule, or by the
/// uploads cleanup) is dropped, and the upload that starts over keeps a journal of its own: a
/// pause or a crash of the new run still resumes.
async fn an_upload_started_over_keeps_a_journal(server: &TestServer) {
    use skiff::transfer::journal::UploadJournal;
    use std::sync::Arc;
    use std::sync::atomic::Ordering::Relaxed;
    let bucket = fresh_bucket(server, "restart").await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("checkpoint.bin");
    let bytes = random_bytes(40 * MIB as usize + 5);
    std::fs::write(&file, &bytes).unwrap();
    let key = "ckpt/restarted.bin";
    let meta = std::fs::metadata(&file).unwrap();
    let gone = "00000000-0000-4000-8000-000000000000";
    let endpoint = server.connection.target().endpoint;
    (UploadJournal::new(&endpoint, &bucket, key, &file, &meta, gone, 8 * MIB).save()).unwrap();

    // One part at a time, paused once the first has arrived.
    let options = TransferOptions {
        concurrency: 1,
        ..TransferOptions::default()
    };
    let progress = Arc::new(Progress::default());
    let pause = Pause::default();
    let run = {
        let (connection, bucket, file, options, progress, pause) = (
            server.connection.clone(),
            bucket.clone(),
            file.clone(),
            options.clone(),
            progress.clone(),
            pause.clone(),
        );
        tokio::spawn(async move {
            let scheduler = Scheduler::default();
            let object = ObjectRef::new(&connection, &bucket, key);
            upload_file_pausable(&object, &scheduler, &file, &options, &progress, &pause).await
        })
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while progress.bytes_done.load(Relaxed) < 8 * MIB && !run.is_finished() {
        assert!(
            std::time::Instant::now() < deadline,
            "{}: no part arrived",
            server.name
        );
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    pause.set();
    run.abort();
    let _ = run.await;
    let journal = UploadJournal::load(&bucket, key, &file)
        .unwrap_or_else(|| panic!("{}: the new upload has no journal", server.name));
    assert_ne!(journal.upload_id, gone, "{}", server.name);
    assert!(!journal.upload_id.is_empty(), "{}", server.name);
    assert!(!journal.parts.is_empty(), "{}: no part noted", server.name);

    // The resume sends only what the paused run did not.
    let progress = Progress::default();
    upload_file(
        &server.connection,
        &Scheduler::default(),
        &file,
        &bucket,
        key,
        &options,
        &progress,
    )
    .await
    .unwrap_or_else(|e| panic!("{}: resume: {e}", server.name));
    assert!(progress.parts_resumed.load(Relaxed) >= 1, "{}", server.name);
    let back = dir.path().join("back.bin");
    download_object(
        &server.connection,
        &Scheduler::default(),
        &bucket,
        key,
        &back,
        &options,
        &Default::default(),
    )
    .await
    .unwrap();
    assert!(
        std::fs::read(&back).unwrap() == bytes,
        "{}: bytes differ",
        server.name
    );
}

macro_rules! on {
    ($server:ident: $($case:ident),+ $(,)?) => {
        mod $server {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    if let Some(server) = super::common::server(stringify!($server)).await {
                        super::$case(&server).await;
                    }
                }
            )+
        }
    };
}

on!(sandbox: round_trip_sizes, folder_of_500_files, verify_detects_changes, an_upload_started_over_keeps_a_journal);
on!(moto: round_trip_sizes, folder_of_500_files, cancel_leaves_no_upload, keys_that_escape_are_refused, verify_detects_changes, an_upload_started_over_keeps_a_journal);
on!(garage: round_trip_sizes, folder_of_500_files, cancel_leaves_no_upload, verify_detects_changes, a_completed_upload_is_not_sent_again, an_upload_started_over_keeps_a_journal);

/// Bytes that changed on the server after they were stored never take the file's name: a
/// whole GET fails the SDK's check of the stored CRC32C, a ranged one Skiff's check over its
/// parts. The sandbox keeps objects as plain files, so one byte of its copy is flipped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bytes_changed_at_rest_are_refused() {
    use aws_sdk_s3::primitives::ByteStream;
    use skiff::sandbox::{RunningSandbox, SandboxOptions};
    let data = tempfile::tempdir().unwrap();
    let sandbox = RunningSandbox::start(SandboxOptions::new(data.path()))
        .await
        .unwrap();
    let connection = skiff::s3::client::static_connection("sandbox", &sandbox.endpoint, true);
    connection
        .client
        .create_bucket()
        .bucket("at-rest")
        .send()
        .await
        .unwrap();
    let out = tempfile::tempdir().unwrap();
    // Under the threshold: one whole GET. Over it: 8 MiB parts in ranged GETs. Each with a
    // CRC32C (Skiff's uploads), a CRC32 (boto3's) and a CRC64NVME (S3's own default).
    use skiff::transfer::checksum::PartChecksum;
    for (key, len, algorithm) in [
        ("whole.bin", MIB as usize, PartChecksum::Crc32c),
        ("ranged.bin", 20 * MIB as usize, PartChecksum::Crc32c),
        ("whole-crc32.bin", MIB as usize, PartChecksum::Crc32),
        ("ranged-crc32.bin", 20 * MIB as usize, PartChecksum::Crc32),
        ("whole-crc64.bin", MIB as usize, PartChecksum::Crc64Nvme),
        (
            "ranged-crc64.bin",
            20 * MIB as usize,
            PartChecksum::Crc64Nvme,
        ),
    ] {
        let bytes = random_bytes(len);
        let checksum = algorithm.encode(algorithm.of(&bytes));
        let put = connection
            .client
            .put_object()
            .bucket("at-rest")
            .key(key)
            .body(ByteStream::from(bytes.clone()));
        let put = match algorithm {
            PartChecksum::Crc32c => put.checksum_crc32_c(checksum),
            PartChecksum::Crc32 => put.checksum_crc32(checksum),
            PartChecksum::Crc64Nvme => put.checksum_crc64_nvme(checksum),
        };
        put.send().await.unwrap();
        let download = |dest: std::path::PathBuf| {
            let connection = &connection;
            async move {
                download_object(
                    connection,
                    &Scheduler::default(),
                    "at-rest",
                    key,
                    &dest,
                    &TransferOptions::default(),
                    &Default::default(),
                )
                .await
            }
        };
        // Intact, it passes the same check.
        let intact = out.path().join("intact.bin");
        download(intact.clone())
            .await
            .unwrap_or_else(|e| panic!("{key}: {e}"));
        assert!(std::fs::read(&intact).unwrap() == bytes, "{key} differs");
        // "Verify" compares a file with the stored checksum without a download.
        let verdict = verify_file(&connection, &intact, "at-rest", key).await;
        assert!(
            matches!(verdict, Ok(Verdict::Identical { checksum }) if checksum == algorithm.name()),
            "{key}: {verdict:?}"
        );
        let mut changed = bytes.clone();
        changed[len / 3] ^= 0x01;
        std::fs::write(&intact, &changed).unwrap();
        let verdict = verify_file(&connection, &intact, "at-rest", key).await;
        assert!(
            matches!(verdict, Ok(Verdict::Different { .. })),
            "{key}: {verdict:?}"
        );
        std::fs::remove_file(&intact).unwrap();

        flip_stored_byte(data.path(), "at-rest", key, (len / 2 + 7) as u64);

        let dest = out.path().join(key);
        let result = download(dest.clone()).await;
        assert!(
            matches!(result, Err(TransferError::ChecksumMismatch { .. })),
            "{key}: {result:?}"
        );
        assert!(!dest.exists(), "{key}: a damaged download took the name");
        assert!(
            std::fs::read_dir(out.path()).unwrap().next().is_none(),
            "{key}: a damaged partial file was left"
        );
    }
}

/// Flips a bit of the byte at `offset` of `key` where the sandbox keeps it: the file of its data
/// (or of the part) that holds the offset, as the bucket's index names it.
fn flip_stored_byte(sandbox_dir: &Path, bucket: &str, key: &str, offset: u64) {
    let dir = sandbox_dir.join("buckets").join(bucket);
    let mut version = None;
    for file in ["index.jsonl", "journal.jsonl"] {
        let text = std::fs::read_to_string(dir.join(file)).unwrap_or_default();
        for line in text.lines() {
            let change: serde_json::Value = serde_json::from_str(line).unwrap();
            if change["put"]["key"] == key {
                version = Some(change["put"]["version"].clone());
            }
        }
    }
    let version = version.expect("the key is in the index");
    let data: Vec<&str> = (version["data"].as_array().unwrap().iter())
        .map(|d| d.as_str().unwrap())
        .collect();
    let sizes: Vec<u64> = match version["part_sizes"].as_array() {
        Some(sizes) => sizes.iter().map(|s| s.as_u64().unwrap()).collect(),
        None => vec![version["size"].as_u64().unwrap()],
    };
    let mut start = 0;
    for (name, size) in data.iter().zip(sizes) {
        if offset < start + size {
            let path = dir.join("data").join(name);
            let mut bytes = std::fs::read(&path).unwrap();
            bytes[(offset - start) as usize] ^= 0x20;
            std::fs::write(&path, bytes).unwrap();
            return;
        }
        start += size;
    }
    panic!("{key} holds no byte {offset}");
}

/// A proxy on 127.0.0.1 in front of `upstream` (host:port) that flips one byte of every
/// connection's answers, 100,000 bytes in: inside the first large body, as a faulty network card
/// or proxy might.
async fn start_corrupting_proxy(upstream: String) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    common::loopback_proxy(move |client| {
        let upstream = upstream.clone();
        async move {
            let Ok(server) = tokio::net::TcpStream::connect(&upstream).await else {
                return;
            };
            let (mut client_read, mut client_write) = client.into_split();
            let (mut server_read, mut server_write) = server.into_split();
            tokio::spawn(async move {
                let _ = tokio::io::copy(&mut client_read, &mut server_write).await;
                let _ = server_write.shutdown().await;
            });
            let mut seen = 0u64;
            let mut buffer = vec![0u8; 64 * 1024];
            loop {
                let n = match server_read.read(&mut buffer).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => n,
                };
                if (seen..seen + n as u64).contains(&100_000) {
                    buffer[(100_000 - seen) as usize] ^= 0x40;
                }
                seen += n as u64;
                if client_write.write_all(&buffer[..n]).await.is_err() {
                    break;
                }
            }
        }
    })
    .await
}

/// An object uploaded as rclone and boto3 upload (5 MiB parts, each with its CRC32, and a
/// composite CRC32 of them) is checked on download whatever Skiff's own part size: the
/// download's parts follow the upload's. A byte changed on the way is refused; Verify finds the same parts.
/// Garage keeps composite checksums (moto keeps the value without saying so, the sandbox keeps
/// none for multipart objects).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn composite_checksums_catch_bytes_changed_in_transit() {
    use aws_sdk_s3::primitives::ByteStream;
    use aws_sdk_s3::types::{ChecksumAlgorithm, CompletedMultipartUpload, CompletedPart};
    use skiff::transfer::checksum::PartChecksum;
    let Some(server) = common::server("garage").await else {
        return;
    };
    let bucket = fresh_bucket(&server, "composite").await;
    let (key, part_size) = ("shards/rclone-style.bin", 5 * MIB as usize);
    let bytes = random_bytes(23 * MIB as usize + 11);
    let client = &server.connection.client;
    let upload = client
        .create_multipart_upload()
        .bucket(&bucket)
        .key(key)
        .checksum_algorithm(ChecksumAlgorithm::Crc32)
        .send()
        .await
        .unwrap();
    let upload_id = upload.upload_id().unwrap();
    let mut parts = Vec::new();
    for (i, chunk) in bytes.chunks(part_size).enumerate() {
        let number = i as i32 + 1;
        let crc = PartChecksum::Crc32.encode(PartChecksum::Crc32.of(chunk));
        let sent = client
            .upload_part()
            .bucket(&bucket)
            .key(key)
            .upload_id(upload_id)
            .part_number(number)
            .checksum_crc32(&crc)
            .body(ByteStream::from(chunk.to_vec()))
            .send()
            .await
            .unwrap();
        parts.push(
            CompletedPart::builder()
                .part_number(number)
                .set_e_tag(sent.e_tag().map(str::to_owned))
                .checksum_crc32(crc)
                .build(),
        );
    }
    client
        .complete_multipart_upload()
        .bucket(&bucket)
        .key(key)
        .upload_id(upload_id)
        .multipart_upload(
            CompletedMultipartUpload::builder()
                .set_parts(Some(parts))
                .build(),
        )
        .send()
        .await
        .unwrap();

    let dir = tempfile::tempdir().unwrap();
    let download = |connection: skiff::s3::Connection, dest: std::path::PathBuf| {
        let bucket = bucket.clone();
        async move {
            download_object(
                &connection,
                &Scheduler::default(),
                &bucket,
                key,
                &dest,
                &TransferOptions::default(),
                &Default::default(),
            )
            .await
        }
    };
    let intact = dir.path().join("intact.bin");
    download(server.connection.clone(), intact.clone())
        .await
        .unwrap();
    assert!(
        std::fs::read(&intact).unwrap() == bytes,
        "the download differs"
    );
    let verdict = verify_file(&server.connection, &intact, &bucket, key).await;
    assert!(
        matches!(verdict, Ok(Verdict::Identical { checksum: "CRC32" })),
        "{verdict:?}"
    );

    let corrupting = common::through(
        &server,
        start_corrupting_proxy(common::upstream(&server)).await,
    );
    let dest = dir.path().join("changed.bin");
    let result = download(corrupting, dest.clone()).await;
    assert!(
        matches!(result, Err(TransferError::ChecksumMismatch { .. })),
        "{result:?}"
    );
    assert!(!dest.exists(), "a damaged download took the name");
}
