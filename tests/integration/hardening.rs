//! Hostile keys, planted links, a hostile server and a crowded disk: each test here failed before
//! the fix it guards (issue "Hardening").

use crate::cli::{put_objects, seed, skiff, text};
use crate::common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use common::serve_sandbox as serve;

fn put(served: &common::ServedSandbox, bucket: &str, keys: &[&str]) {
    let objects: Vec<(&str, Vec<u8>)> = keys.iter().map(|&k| (k, b"hostile".to_vec())).collect();
    put_objects(served, bucket, &objects);
}

fn files_under(dir: &Path) -> Vec<String> {
    skiff::transfer::walk_files(dir)
        .unwrap()
        .into_iter()
        .map(|(_, relative)| relative)
        .collect()
}

/// A link inside the chosen folder that leads out of it, and a planted `.skiff-part` link: both
/// end in an error, with nothing written outside the folder.
#[test]
fn downloads_never_follow_a_link_out_of_the_chosen_folder() {
    let served = serve();
    seed(&served);
    let work = tempfile::tempdir().unwrap();
    let (dest, elsewhere) = (work.path().join("dest"), work.path().join("elsewhere"));
    std::fs::create_dir_all(&dest).unwrap();
    std::fs::create_dir_all(&elsewhere).unwrap();
    std::os::unix::fs::symlink(&elsewhere, dest.join("raw")).unwrap();
    let out = skiff(
        &served,
        &["cp", "--recursive", "s3://data/", dest.to_str().unwrap()],
    );
    assert!(!out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("symbolic link"), "{}", text(&out));
    assert!(
        files_under(&elsewhere).is_empty(),
        "{:?}",
        files_under(&elsewhere)
    );
    assert!(
        dest.join("top.txt").is_file(),
        "the keys outside raw/ still arrive"
    );

    let victim = work.path().join("victim.txt");
    std::fs::write(&victim, b"precious").unwrap();
    let planted = work.path().join("planted");
    std::fs::create_dir_all(&planted).unwrap();
    std::os::unix::fs::symlink(&victim, planted.join("top.txt.skiff-part")).unwrap();
    let target = planted.join("top.txt");
    let out = skiff(
        &served,
        &["cp", "s3://data/top.txt", target.to_str().unwrap()],
    );
    assert!(!out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("not a plain file"), "{}", text(&out));
    assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
    assert!(!target.exists());
    assert!(
        std::fs::symlink_metadata(planted.join("top.txt.skiff-part"))
            .unwrap()
            .file_type()
            .is_symlink(),
        "the planted link is neither followed nor removed"
    );
}

/// The checks leave plain downloads alone: a bare file name, a relative folder, a link inside
/// the chosen folder that stays inside it.
#[test]
fn relative_destinations_and_links_that_stay_inside_still_download() {
    let served = serve();
    seed(&served);
    let work = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_skiff"))
            .arg("--sandbox")
            .args(args)
            .current_dir(work.path())
            .env("SKIFF_SANDBOX_DIR", served.dir.path())
            .env("SKIFF_DATA_DIR", served.dir.path().join("data"))
            .output()
            .unwrap()
    };
    let out = run(&["cp", "s3://data/top.txt", "bare.txt"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        std::fs::read(work.path().join("bare.txt")).unwrap(),
        b"xxxxx"
    );
    std::fs::create_dir_all(work.path().join("in/real")).unwrap();
    std::os::unix::fs::symlink("real", work.path().join("in/raw")).unwrap();
    let out = run(&["cp", "--recursive", "s3://data/", "in"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(work.path().join("in/real/a b.txt").is_file());
    assert!(work.path().join("in/real/2026/c.bin").is_file());
}

/// Keys that hold escape sequences, line breaks, a bidi override or a control character XML
/// cannot carry: they list (one line each, no control byte), and the bucket empties.
#[test]
fn hostile_keys_list_escaped_and_the_bucket_still_empties() {
    let served = serve();
    let keys = [
        "a\x1b[31m\nb",
        "evil\u{202e}txt.exe",
        "ctl\x01key",
        "plain.txt",
    ];
    put(&served, "hostile", &keys);

    for args in [
        &["ls", "s3://hostile"][..],
        &["ls", "--recursive", "s3://hostile/"][..],
    ] {
        let out = skiff(&served, args);
        assert!(out.status.success(), "{}", text(&out));
        let stdout = &out.stdout;
        let controls: Vec<u8> = stdout
            .iter()
            .copied()
            .filter(|&b| b < 0x20 && b != b'\n' || b == 0x7f)
            .collect();
        assert!(controls.is_empty(), "{controls:?} in {}", text(&out));
        let listing = String::from_utf8_lossy(stdout);
        assert!(!listing.contains('\u{202e}'), "{listing}");
        assert_eq!(listing.lines().count(), keys.len(), "{listing}");
        assert!(listing.contains("a\\x1b[31m\\x0ab"), "{listing}");
        assert!(listing.contains("ctl\\x01key"), "{listing}");
    }

    let out = skiff(&served, &["rb", "--force", "--yes", "s3://hostile"]);
    assert!(out.status.success(), "{}", text(&out));
    let out = skiff(&served, &["ls"]);
    assert!(!text(&out).contains("hostile"), "{}", text(&out));
}

/// `downloads --delete` removes the folders Skiff made, lists them in its dry run, and leaves
/// the folders that were there before, even when they end up empty.
#[test]
fn downloads_cleanup_removes_only_folders_skiff_made() {
    let served = serve();
    seed(&served);
    let work = tempfile::tempdir().unwrap();
    let folder = work.path().join("mine");
    std::fs::create_dir_all(folder.join("raw")).unwrap();
    let out = skiff(
        &served,
        &["cp", "--recursive", "s3://data/", folder.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(folder.join("raw/2026/c.bin").is_file());

    let out = skiff(&served, &["downloads", "--delete", "--dry-run"]);
    let shown = text(&out);
    assert!(out.status.success(), "{shown}");
    let folder_lines: Vec<&str> = shown.lines().filter(|l| l.contains("[folder")).collect();
    assert_eq!(folder_lines.len(), 1, "{shown}");
    assert!(folder_lines[0].contains("raw/2026"), "{shown}");

    let out = skiff(&served, &["downloads", "--delete", "--yes"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("and 1 emptied folders"),
        "{}",
        text(&out)
    );
    assert!(!folder.join("raw/2026").exists(), "Skiff made raw/2026");
    assert!(
        folder.join("raw").is_dir(),
        "raw/ was there before Skiff wrote into it"
    );
    assert!(folder.is_dir());
}

/// The sandbox's data directory, and Skiff's own, are the user's alone; keys left readable by
/// others are repaired.
#[test]
fn data_directories_are_private() {
    let work = tempfile::tempdir().unwrap();
    let (sandbox, data) = (
        work.path().join("new/sandbox"),
        work.path().join("new/data"),
    );
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_skiff"))
            .arg("--sandbox")
            .args(args)
            .env("SKIFF_SANDBOX_DIR", &sandbox)
            .env("SKIFF_DATA_DIR", &data)
            .output()
            .unwrap()
    };
    let out = run(&["mb", "s3://private"]);
    assert!(out.status.success(), "{}", text(&out));
    let file = work.path().join("f.txt");
    std::fs::write(&file, b"x").unwrap();
    let out = run(&["cp", file.to_str().unwrap(), "s3://private/f.txt"]);
    assert!(out.status.success(), "{}", text(&out));
    let down = work.path().join("down");
    let out = run(&["cp", "s3://private/f.txt", down.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));

    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&sandbox), 0o700);
    assert_eq!(mode(&sandbox.join("buckets")), 0o700);
    assert_eq!(mode(&sandbox.join("credentials.json")), 0o600);
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&data.join("downloads.jsonl")), 0o600);

    let keys = sandbox.join("credentials.json");
    std::fs::set_permissions(&keys, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = run(&["ls"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(mode(&keys), 0o600);
}

/// A test double of a hostile server: answers each request with what `answer` makes of its
/// request line, and counts the requests and the body bytes it managed to send.
async fn hostile_server<F>(answer: F) -> (String, std::sync::Arc<HostileCounts>)
where
    F: Fn(&str, u64) -> HostileAnswer + Send + Sync + 'static,
{
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let counts = std::sync::Arc::new(HostileCounts::default());
    let answer = std::sync::Arc::new(answer);
    let seen = counts.clone();
    let address = common::loopback_proxy(move |mut client| {
        let (answer, counts) = (answer.clone(), seen.clone());
        async move {
            loop {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    if client.read_exact(&mut byte).await.is_err() {
                        return;
                    }
                    head.push(byte[0]);
                }
                let head = String::from_utf8_lossy(&head).into_owned();
                let line = head.lines().next().unwrap_or_default().to_owned();
                let n = counts
                    .requests
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                match answer(&line, n) {
                    HostileAnswer::Xml(xml) => {
                        let reply = format!(
                            "HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\n\
                             Content-Length: {}\r\n\r\n{xml}",
                            xml.len()
                        );
                        if client.write_all(reply.as_bytes()).await.is_err() {
                            return;
                        }
                    }
                    HostileAnswer::Head(len) => {
                        let reply = format!(
                            "HTTP/1.1 200 OK\r\nContent-Length: {len}\r\nETag: \"e\"\r\n\
                             Last-Modified: Tue, 01 Dec 2026 00:00:00 GMT\r\n\r\n"
                        );
                        if client.write_all(reply.as_bytes()).await.is_err() {
                            return;
                        }
                    }
                    HostileAnswer::Endless => {
                        let reply = "HTTP/1.1 200 OK\r\nContent-Length: 3221225472\r\n\
                                     ETag: \"e\"\r\n\r\n";
                        if client.write_all(reply.as_bytes()).await.is_err() {
                            return;
                        }
                        let block = vec![b'z'; 64 * 1024];
                        while client.write_all(&block).await.is_ok() {
                            counts.body_bytes.fetch_add(
                                block.len() as u64,
                                std::sync::atomic::Ordering::Relaxed,
                            );
                        }
                        return;
                    }
                }
            }
        }
    })
    .await;
    (address, counts)
}

#[derive(Default)]
struct HostileCounts {
    requests: std::sync::atomic::AtomicU64,
    body_bytes: std::sync::atomic::AtomicU64,
}

enum HostileAnswer {
    Xml(String),
    Head(u64),
    Endless,
}

fn listing_xml(keys: &[&str], prefixes: &[&str], next_token: Option<&str>) -> String {
    let contents: String = keys
        .iter()
        .map(|k| {
            format!(
                "<Contents><Key>{k}</Key><LastModified>2026-12-01T00:00:00.000Z</LastModified>\
                 <ETag>\"e\"</ETag><Size>10</Size><StorageClass>STANDARD</StorageClass></Contents>"
            )
        })
        .collect();
    let prefixes: String = prefixes
        .iter()
        .map(|p| format!("<CommonPrefixes><Prefix>{p}</Prefix></CommonPrefixes>"))
        .collect();
    let next = next_token
        .map(|t| format!("<NextContinuationToken>{t}</NextContinuationToken>"))
        .unwrap_or_default();
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
         <ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>b</Name>\
         <Prefix></Prefix><MaxKeys>1000</MaxKeys><IsTruncated>{}</IsTruncated>{next}\
         {contents}{prefixes}</ListBucketResult>",
        next_token.is_some()
    )
}

/// The hostile test double's address with made-up keys (it checks no signature).
fn hostile_endpoint(endpoint: String) -> skiff::s3::StaticEndpoint {
    skiff::s3::StaticEndpoint {
        endpoint,
        region: "us-east-1".into(),
        access_key_id: "AKIDHOSTILE".into(),
        secret_access_key: "hostile-secret".into(),
    }
}

fn fake_connection(endpoint: String) -> skiff::s3::Connection {
    skiff::s3::client::static_connection("hostile", &hostile_endpoint(endpoint), true)
}

/// An object listed as 10 bytes and served as 3 GiB: the download stops at the 11th byte.
#[tokio::test]
async fn a_body_longer_than_listed_is_not_read_into_memory() {
    let (endpoint, counts) = hostile_server(|line, _| {
        if line.starts_with("HEAD") {
            HostileAnswer::Head(10)
        } else {
            HostileAnswer::Endless
        }
    })
    .await;
    let connection = fake_connection(endpoint);
    let work = tempfile::tempdir().unwrap();
    let dest = work.path().join("small.bin");
    let result = skiff::transfer::download_object(
        &connection,
        &skiff::transfer::Scheduler::new(4, 64 << 20),
        "b",
        "small.bin",
        &dest,
        &skiff::transfer::TransferOptions::default(),
        &Default::default(),
    )
    .await;
    let error = result
        .expect_err("an oversized body is an error")
        .to_string();
    assert!(error.contains("more than the 10 bytes"), "{error}");
    assert!(!dest.exists());
    // The server got rid of what the socket buffers hold, not gigabytes.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let sent = counts.body_bytes.load(std::sync::atomic::Ordering::Relaxed);
    assert!(sent < 64 << 20, "{sent} bytes were read");
}

/// Listings that never end: fresh tokens over the same page, and tokens that go round (A, B,
/// A). Both are errors after a few pages, not a memory that grows without end.
#[tokio::test]
async fn listings_that_never_end_are_errors() {
    let (endpoint, counts) = hostile_server(|_, n| {
        let token = format!("fresh-{n}");
        HostileAnswer::Xml(listing_xml(&["same.txt"], &[], Some(&token)))
    })
    .await;
    let request = skiff::s3::listing::ListRequest::recursive("b", "");
    let result = skiff::s3::listing::list_all(&fake_connection(endpoint), request.clone()).await;
    let error = result
        .expect_err("a listing that repeats itself")
        .to_string();
    assert!(error.contains("listed already"), "{error}");
    assert!(counts.requests.load(std::sync::atomic::Ordering::Relaxed) <= 3);

    let (endpoint, counts) = hostile_server(|line, n| {
        let token = if line.contains("continuation-token=A") {
            "B"
        } else {
            "A"
        };
        let key = format!("key-{n:04}");
        HostileAnswer::Xml(listing_xml(&[&key], &[], Some(token)))
    })
    .await;
    let result = skiff::s3::listing::list_all(&fake_connection(endpoint), request).await;
    let error = result.expect_err("a listing that goes round").to_string();
    assert!(error.contains("does not end"), "{error}");
    assert!(counts.requests.load(std::sync::atomic::Ordering::Relaxed) <= 4);
}

/// Names outside the prefix asked for (a folder whose bytes would split a character where the
/// prefix ends) are left out; `skiff ls` neither panics nor prints them.
#[test]
fn names_outside_the_prefix_asked_for_are_left_out() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (endpoint, _counts) = rt.block_on(hostile_server(|_, _| {
        HostileAnswer::Xml(listing_xml(
            &["zz-foreign.txt", "abc/dx.txt"],
            &["a\u{e9}\u{e9}/"],
            None,
        ))
    }));
    let out = common::skiff_with(&hostile_endpoint(endpoint))
        .args(["ls", "s3://b/abc/d"])
        .output()
        .unwrap();
    let shown = text(&out);
    assert!(out.status.success(), "{shown}");
    assert!(!shown.contains("panicked"), "{shown}");
    let listing = String::from_utf8_lossy(&out.stdout);
    assert!(listing.contains(" dx.txt"), "{listing}");
    assert!(
        !listing.contains("foreign") && !listing.contains('\u{e9}'),
        "{listing}"
    );
}

/// Keys XML 1.0 cannot carry list, with their names intact, and delete, on every server.
#[tokio::test]
async fn keys_xml_cannot_carry_list_and_delete_on_every_server() {
    let keys = ["ctl\x01key", "esc\x1b[31m\nline", "plain+space %20.txt"];
    for name in ["sandbox", "moto", "garage"] {
        let Some(server) = common::server(name).await else {
            continue;
        };
        let bucket = common::fresh_bucket(&server, "ctl").await;
        // moto cannot store a key with a line break (its PUT answers "no object").
        let keys: Vec<String> = (keys.iter())
            .filter(|k| name != "moto" || !k.contains('\n'))
            .map(|k| (*k).to_owned())
            .collect();
        common::put_keys(&server, &bucket, &keys).await;
        let request = skiff::s3::listing::ListRequest::recursive(&bucket, "");
        let listed = skiff::s3::listing::list_all(&server.connection, request.clone())
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut names: Vec<String> = listed.objects.into_iter().map(|o| o.key).collect();
        names.sort();
        let mut expected = keys.clone();
        expected.sort();
        assert_eq!(names, expected, "{name}");
        let batch: Vec<(&str, Option<&str>)> = keys.iter().map(|k| (k.as_str(), None)).collect();
        let errors = skiff::s3::deletes::delete_objects(&server.connection, &bucket, &batch)
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(errors.is_empty(), "{name}: {errors:?}");
        let left = skiff::s3::listing::list_all(&server.connection, request)
            .await
            .unwrap();
        assert!(left.objects.is_empty(), "{name}: {:?}", left.objects);
    }
}
