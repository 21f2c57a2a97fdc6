//! `skiff sync` as a user runs it, on the sandbox, moto and Garage: only what differs is sent,
//! `--dry-run` lists exactly what a run then does, a rerun does nothing, prefixes keep their
//! boundaries, `--checksum` finds bytes that size and time cannot, and a killed sync resumes.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, SystemTime};

use crate::common::{self, TestServer};

/// `skiff sync ARGS…` against the server, its journals in `data`: (stdout lines, stderr).
fn sync(server: &TestServer, data: &Path, args: &[&str]) -> (Vec<String>, String) {
    let out = common::skiff_with(&server.endpoint)
        .env("SKIFF_DATA_DIR", data)
        .arg("sync")
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success(),
        "{}: skiff sync {args:?}: {stderr}",
        server.name
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let mut lines: Vec<String> = stdout.lines().map(str::to_owned).collect();
    lines.sort();
    (lines, stderr)
}

/// Every file below `dir`: relative path -> bytes.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    skiff::transfer::walk_files(dir)
        .unwrap()
        .into_iter()
        .map(|(path, relative)| (relative, std::fs::read(path).unwrap()))
        .collect()
}

/// Every object below `prefix`: key less the prefix -> bytes.
async fn objects(server: &TestServer, bucket: &str, prefix: &str) -> BTreeMap<String, Vec<u8>> {
    let request = skiff::s3::listing::ListRequest::recursive(bucket, prefix);
    let listed = skiff::s3::listing::list_all(&server.connection, request)
        .await
        .unwrap();
    let mut found = BTreeMap::new();
    for object in listed.objects {
        let got = (server.connection.client.get_object())
            .bucket(bucket)
            .key(&object.key)
            .send()
            .await
            .unwrap();
        let bytes = got.body.collect().await.unwrap().into_bytes().to_vec();
        found.insert(object.key[prefix.len()..].to_owned(), bytes);
    }
    found
}

fn set_mtime(path: &Path, time: SystemTime) {
    let file = std::fs::OpenOptions::new().write(true).open(path).unwrap();
    file.set_modified(time).unwrap();
}

fn write(path: &Path, bytes: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

/// 100 files in three folders, of sizes from 0 to a few KiB.
fn make_tree(dir: &Path) {
    for i in 0..100 {
        let folder = ["train", "test", "val/nested"][i % 3];
        let bytes = format!("file {i} ").repeat(i * 7);
        write(
            &dir.join(format!("{folder}/part-{i:03}.txt")),
            bytes.as_bytes(),
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sync_sends_only_what_differs_on_every_server() {
    for name in ["sandbox", "moto", "garage"] {
        let Some(server) = common::server(name).await else {
            continue;
        };
        round_trip(&server).await;
    }
}

async fn round_trip(server: &TestServer) {
    let bucket = common::fresh_bucket(server, "sync").await;
    let work = tempfile::tempdir().unwrap();
    let (local, data) = (work.path().join("local"), work.path().join("data"));
    make_tree(&local);
    // A neighbour that shares the prefix's first letters: never touched.
    skiff::s3::objects::put_bytes(
        &server.connection,
        &bucket,
        "data-old/keep.txt",
        b"k".to_vec(),
    )
    .await
    .unwrap();
    let url = format!("s3://{bucket}/data");
    let local_arg = local.to_str().unwrap();

    let (first, _) = sync(server, &data, &[local_arg, &url]);
    assert_eq!(first.len(), 100, "{}: {first:?}", server.name);
    assert!(first[0].starts_with("upload: "), "{first:?}");
    assert_eq!(objects(server, &bucket, "data/").await, files(&local));

    // 20 changed (10 in size, 10 of one size but newer), 10 deleted, 5 added. Times are whole
    // seconds in S3: the changes come a second after the uploads.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let mut expected = Vec::new();
    for i in 0..20 {
        let folder = ["train", "test", "val/nested"][i % 3];
        let relative = format!("{folder}/part-{i:03}.txt");
        let path = local.join(&relative);
        let mut bytes = std::fs::read(&path).unwrap();
        if i < 10 {
            bytes.extend_from_slice(b" more");
            std::fs::write(&path, &bytes).unwrap();
        } else {
            bytes.iter_mut().for_each(|b| *b = b'z');
            std::fs::write(&path, &bytes).unwrap();
        }
        expected.push(format!("upload: {} to {url}/{relative}", path.display()));
    }
    for i in 20..30 {
        let folder = ["train", "test", "val/nested"][i % 3];
        let relative = format!("{folder}/part-{i:03}.txt");
        std::fs::remove_file(local.join(&relative)).unwrap();
        expected.push(format!("delete: {url}/{relative}"));
    }
    for i in 0..5 {
        let relative = format!("new/extra-{i}.bin");
        write(&local.join(&relative), &vec![i as u8; 100 + i]);
        let path = local.join(&relative);
        expected.push(format!("upload: {} to {url}/{relative}", path.display()));
    }
    expected.sort();

    let (dry, _) = sync(server, &data, &["--dry-run", "--delete", local_arg, &url]);
    let dry_expected: Vec<String> = expected.iter().map(|l| format!("(dryrun) {l}")).collect();
    assert_eq!(dry, dry_expected, "{}", server.name);
    assert_eq!(objects(server, &bucket, "data/").await.len(), 100);

    let (run, _) = sync(server, &data, &["--delete", "--yes", local_arg, &url]);
    assert_eq!(run, expected, "{}", server.name);
    assert_eq!(objects(server, &bucket, "data/").await, files(&local));
    let (rerun, stderr) = sync(server, &data, &["--delete", "--yes", local_arg, &url]);
    assert!(rerun.is_empty(), "{}: {rerun:?} {stderr}", server.name);
    let neighbour = objects(server, &bucket, "data-old/").await;
    assert_eq!(neighbour.len(), 1, "{}: data-old/ was touched", server.name);

    // One file's bytes changed, its size and time as before: only --checksum sees it.
    let quiet = local.join("train/part-099.txt");
    let before = std::fs::metadata(&quiet).unwrap().modified().unwrap();
    let mut bytes = std::fs::read(&quiet).unwrap();
    bytes[0] ^= 0x20;
    std::fs::write(&quiet, &bytes).unwrap();
    set_mtime(&quiet, before);
    let (by_time, _) = sync(server, &data, &[local_arg, &url]);
    assert!(by_time.is_empty(), "{}: {by_time:?}", server.name);
    let (by_crc, stderr) = sync(server, &data, &["--checksum", local_arg, &url]);
    let line = format!("upload: {} to {url}/train/part-099.txt", quiet.display());
    assert_eq!(by_crc, [line], "{}: {stderr}", server.name);

    // Down into a folder, and from prefix to prefix on the server; each again is a no-op.
    let copy = work.path().join("copy");
    let (down, _) = sync(server, &data, &[&url, copy.to_str().unwrap()]);
    assert_eq!(down.len(), 95, "{}", server.name);
    assert!(down[0].starts_with("download: s3://"), "{down:?}");
    assert_eq!(files(&copy), files(&local));
    let (again, _) = sync(server, &data, &[&url, copy.to_str().unwrap()]);
    assert!(again.is_empty(), "{}: {again:?}", server.name);
    write(&copy.join("stray.txt"), b"only here");
    let (pruned, _) = sync(
        server,
        &data,
        &["--delete", "--yes", &url, copy.to_str().unwrap()],
    );
    assert_eq!(
        pruned,
        [format!("delete: {}", copy.join("stray.txt").display())]
    );

    let backup = format!("s3://{bucket}/backup/");
    let (copied, _) = sync(server, &data, &[&url, &backup]);
    assert_eq!(copied.len(), 95, "{}", server.name);
    assert!(copied[0].starts_with("copy: s3://"), "{copied:?}");
    assert_eq!(objects(server, &bucket, "backup/").await, files(&local));
    let (again, _) = sync(server, &data, &[&url, &backup]);
    assert!(again.is_empty(), "{}: {again:?}", server.name);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn filters_and_a_killed_sync_resume() {
    let server = common::server("sandbox").await.unwrap();
    let bucket = common::fresh_bucket(&server, "sync-kill").await;
    let work = tempfile::tempdir().unwrap();
    let (local, data) = (work.path().join("local"), work.path().join("data"));
    for i in 0..60 {
        write(
            &local.join(format!("shard-{i:02}.bin")),
            &vec![i as u8; 256 * 1024],
        );
    }
    write(&local.join("notes.txt"), b"notes");
    write(&local.join("tmp/scratch.bin"), b"scratch");
    let url = format!("s3://{bucket}/shards/");
    let local_arg = local.to_str().unwrap();

    // The last filter that matches decides: everything out, shards in, tmp/ out again.
    let filters = ["--exclude", "*", "--include", "*.bin", "--exclude", "tmp/*"];
    let args: Vec<&str> = ["--dry-run", local_arg, &url]
        .into_iter()
        .chain(filters)
        .collect();
    let (dry, _) = sync(&server, &data, &args);
    assert_eq!(dry.len(), 60, "{dry:?}");
    assert!(dry.iter().all(|l| l.contains("shard-")), "{dry:?}");

    // Killed after a few files have gone; the second run sends exactly what is missing.
    let mut child = common::skiff_with(&server.endpoint)
        .env("SKIFF_DATA_DIR", &data)
        .args(["sync", "--concurrency", "2", local_arg, &url])
        .args(filters)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    for _ in 0..5 {
        let mut line = String::new();
        std::io::BufRead::read_line(&mut stdout, &mut line).unwrap();
        assert!(line.starts_with("upload: "), "{line}");
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let present = objects(&server, &bucket, "shards/").await.len();
    assert!(
        (5..60).contains(&present),
        "{present} of 60 landed before the kill"
    );
    let args: Vec<&str> = [local_arg, url.as_str()]
        .into_iter()
        .chain(filters)
        .collect();
    let (rest, _) = sync(&server, &data, &args);
    assert_eq!(rest.len(), 60 - present, "{rest:?}");
    assert_eq!(objects(&server, &bucket, "shards/").await.len(), 60);

    // Without a terminal, --delete deletes nothing unless --yes is given.
    let stale = "shards/stale.bin";
    skiff::s3::objects::put_bytes(&server.connection, &bucket, stale, b"old".to_vec())
        .await
        .unwrap();
    let out = common::skiff_with(&server.endpoint)
        .env("SKIFF_DATA_DIR", &data)
        .args(["sync", "--delete", local_arg, &url, "--exclude", "*.txt"])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--yes"), "{stderr}");
    assert_eq!(objects(&server, &bucket, "shards/").await.len(), 61);
}
