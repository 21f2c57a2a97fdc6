//! `--json` on `cp`, `verify`, `uploads` and `downloads`: each line parses, with the shape
//! `--help` documents (`ls --json` is in cli.rs).

use crate::cli::{seed, skiff, text};
use crate::common;

use common::serve_sandbox as serve;

fn rows(out: &std::process::Output) -> Vec<serde_json::Value> {
    String::from_utf8(out.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect()
}

#[test]
fn cp_verify_and_downloads_answer_in_json_lines() {
    let served = serve();
    seed(&served);
    let work = tempfile::tempdir().unwrap();
    let folder = work.path().join("got");
    let folder_arg = folder.to_str().unwrap();

    let out = skiff(
        &served,
        &["cp", "--json", "-r", "s3://data/raw/", folder_arg],
    );
    assert!(out.status.success(), "{}", text(&out));
    let got = rows(&out);
    let mut done: Vec<(&str, u64)> = got[..2]
        .iter()
        .map(|r| {
            assert_eq!(r["status"], "done", "{r}");
            (r["source"].as_str().unwrap(), r["bytes"].as_u64().unwrap())
        })
        .collect();
    done.sort();
    assert_eq!(
        done,
        [
            ("s3://data/raw/2026/c.bin", 0),
            ("s3://data/raw/a b.txt", 1234)
        ]
    );
    assert_eq!(
        got[2],
        serde_json::json!({ "transfers": 2, "failed": 0, "bytes": 1234 })
    );

    // A second copy that keeps what exists says so per file.
    let again = ["cp", "--json", "-r", "--if-exists", "skip"];
    let out = skiff(
        &served,
        &[&again[..], &["s3://data/raw/", folder_arg]].concat(),
    );
    assert!(out.status.success(), "{}", text(&out));
    let got = rows(&out);
    assert!(got[..2].iter().all(|r| r["status"] == "skipped"), "{got:?}");
    assert_eq!(got[2]["bytes"], 0);

    // As `aws s3 cp --recursive`: paths below the prefix.
    let local = folder.join("a b.txt");
    let local_arg = local.to_str().unwrap();
    let out = skiff(
        &served,
        &["verify", "--json", local_arg, "s3://data/raw/a b.txt"],
    );
    assert!(out.status.success(), "{}", text(&out));
    let verdict = &rows(&out)[0];
    assert_eq!(verdict["local"], local_arg);
    assert_eq!(verdict["url"], "s3://data/raw/a b.txt");
    assert!(
        ["identical", "same_size"].contains(&verdict["verdict"].as_str().unwrap()),
        "{verdict}"
    );

    std::fs::write(&local, vec![b'x'; 1000]).unwrap();
    let out = skiff(
        &served,
        &["verify", "--json", local_arg, "s3://data/raw/a b.txt"],
    );
    assert!(!out.status.success(), "a different file fails the command");
    let verdict = &rows(&out)[0];
    assert_eq!(verdict["verdict"], "different", "{verdict}");
    assert!(verdict["reason"].as_str().is_some_and(|r| !r.is_empty()));

    let out = skiff(&served, &["downloads", "--json", "--bucket", "data"]);
    assert!(out.status.success(), "{}", text(&out));
    let listed = rows(&out);
    let state_of = |key: &str| {
        listed
            .iter()
            .find(|r| r["key"] == key)
            .unwrap_or_else(|| panic!("{key} in {listed:?}"))["state"]
            .clone()
    };
    assert_eq!(state_of("raw/a b.txt"), "changed");
    assert_eq!(state_of("raw/2026/c.bin"), "as_downloaded");
    let c_bin = listed
        .iter()
        .find(|r| r["key"] == "raw/2026/c.bin")
        .unwrap();
    assert_eq!(c_bin["bucket"], "data");
    assert_eq!(c_bin["size_bytes"], 0);
    assert!(c_bin["downloaded"].as_str().unwrap().ends_with('Z'));
    assert!(c_bin["path"].as_str().unwrap().ends_with("c.bin"));

    let out = skiff(&served, &["downloads", "--json", "--delete"]);
    assert!(!out.status.success(), "--json lists only");
    assert!(local.exists());
}

/// Incomplete uploads as JSON, on servers that list them.
#[test]
fn uploads_are_listed_in_json_lines() {
    for name in ["moto", "garage"] {
        uploads_in_json_on(name);
    }
}

fn uploads_in_json_on(name: &'static str) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let Some(server) = rt.block_on(common::server(name)) else {
        return;
    };
    let bucket = rt.block_on(common::fresh_bucket(&server, "json-uploads"));
    let upload_id = rt.block_on(async {
        let client = &server.connection.client;
        let started = client
            .create_multipart_upload()
            .bucket(&bucket)
            .key("ckpt/shard 1.bin")
            .send()
            .await
            .unwrap();
        let id = started.upload_id().unwrap().to_owned();
        client
            .upload_part()
            .bucket(&bucket)
            .key("ckpt/shard 1.bin")
            .upload_id(&id)
            .part_number(1)
            .body(vec![7u8; 5 * 1024 * 1024].into())
            .send()
            .await
            .unwrap();
        id
    });
    let listing = |args: &[&str]| {
        common::skiff_with(&server.endpoint)
            .arg("uploads")
            .args(args)
            .output()
            .unwrap()
    };
    let out = listing(&["--json", &format!("s3://{bucket}/ckpt/")]);
    assert!(out.status.success(), "{name}: {}", text(&out));
    let listed = rows(&out);
    assert_eq!(listed.len(), 1, "{name}: {listed:?}");
    let upload = &listed[0];
    assert_eq!(upload["bucket"], bucket.as_str());
    assert_eq!(upload["key"], "ckpt/shard 1.bin");
    assert_eq!(upload["upload_id"], upload_id.as_str());
    assert!(upload["initiated"].as_str().unwrap().ends_with('Z'));
    if name == "moto" {
        // moto 5.2.1 answers ListParts under a ListPartsResponse root, which the SDK refuses:
        // the parts are unknown there, and say so as null.
        assert!(
            upload["parts"].is_null() || upload["parts"] == 1,
            "{upload}"
        );
    } else {
        assert_eq!(upload["parts"], 1, "{name}: {upload}");
        assert_eq!(upload["bytes"], 5 * 1024 * 1024, "{name}: {upload}");
    }

    let out = listing(&["--json", "--abort", &format!("s3://{bucket}")]);
    assert!(!out.status.success(), "--json lists only");
}

/// `skiff ls --versions`: every version and marker, newest first per key, on a versioned moto
/// bucket; the sandbox, which keeps none, says so.
#[test]
fn ls_versions_shows_each_version_and_marker() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let Some(moto) = rt.block_on(common::server("moto")) else {
        return;
    };
    let bucket = rt.block_on(common::versioned_bucket(&moto, "ls-versions"));
    let client = moto.connection.client.clone();
    rt.block_on(async {
        for (key, body) in [
            ("ckpt/a.bin", "one"),
            ("ckpt/a.bin", "second"),
            ("ckpt/b.bin", "b"),
        ] {
            skiff::s3::objects::put_bytes(&moto.connection, &bucket, key, body.into())
                .await
                .unwrap();
            // Distinct times, so that newest-first is well defined.
            tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        }
        client
            .delete_object()
            .bucket(&bucket)
            .key("ckpt/b.bin")
            .send()
            .await
            .unwrap();
    });
    let url = format!("s3://{bucket}/ckpt/");
    let ls = |extra: &[&str]| {
        common::skiff_with(&moto.endpoint)
            .args(["ls", "--versions", "--utc"])
            .args(extra)
            .arg(&url)
            .output()
            .unwrap()
    };
    let out = ls(&[]);
    assert!(out.status.success(), "{}", text(&out));
    let shown = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = shown.lines().collect();
    assert_eq!(lines.len(), 4, "{shown}");
    assert!(
        lines[0].contains("         6 ")
            && lines[0].contains("current")
            && lines[0].ends_with("ckpt/a.bin"),
        "{shown}"
    );
    assert!(
        lines[1].contains("noncurrent") && lines[1].ends_with("ckpt/a.bin"),
        "{shown}"
    );
    assert!(
        lines[2].contains("delete marker (current)") && lines[2].ends_with("ckpt/b.bin"),
        "{shown}"
    );
    assert!(
        lines[3].contains("noncurrent") && lines[3].ends_with("ckpt/b.bin"),
        "{shown}"
    );

    let out = ls(&["--json"]);
    let rows = rows(&out);
    assert_eq!(rows.len(), 4);
    assert_eq!(rows[0]["key"], "ckpt/a.bin");
    assert_eq!(rows[0]["latest"], true);
    assert_eq!(rows[0]["size_bytes"], 6);
    assert!(
        rows[0]["version_id"]
            .as_str()
            .is_some_and(|v| !v.is_empty())
    );
    assert_eq!(rows[2]["delete_marker"], true);

    // A bucket that never had versioning lists each object once, as the "null" version.
    let served = serve();
    seed(&served);
    let out = skiff(&served, &["ls", "--versions", "--json", "s3://data/"]);
    assert!(out.status.success(), "{}", text(&out));
    let nulls = self::rows(&out);
    assert_eq!(nulls.len(), 3, "{nulls:?}");
    assert!(
        nulls
            .iter()
            .all(|r| r["version_id"] == "null" && r["latest"] == true),
        "{nulls:?}"
    );
}
