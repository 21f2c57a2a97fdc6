//! `skiff ls` and friends, run as a user runs them, against a sandbox served by `skiff serve`.

use crate::common;

use std::process::{Command, Output};

use common::{ServedSandbox as Served, serve_sandbox as serve};

pub(crate) fn skiff(served: &Served, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_skiff"))
        .arg("--sandbox")
        .args(args)
        .env("SKIFF_SANDBOX_DIR", served.dir.path())
        // Journals and the downloads ledger stay in the test's own directory.
        .env("SKIFF_DATA_DIR", served.dir.path().join("data"))
        .output()
        .unwrap()
}

pub(crate) fn seed(served: &Served) {
    let objects = [("top.txt", 5), ("raw/a b.txt", 1234), ("raw/2026/c.bin", 0)];
    let objects: Vec<(&str, Vec<u8>)> = (objects.iter())
        .map(|&(key, len)| (key, vec![b'x'; len]))
        .collect();
    put_objects(served, "data", &objects);
}

/// Puts `objects` into `bucket` (made where missing) on the served sandbox.
pub(crate) fn put_objects(served: &Served, bucket: &str, objects: &[(&str, Vec<u8>)]) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let sandbox = skiff::sandbox::Sandbox::start_or_attach(
            skiff::sandbox::SandboxOptions::new(served.dir.path()),
        )
        .await
        .unwrap();
        let c = skiff::s3::client::static_connection("t", sandbox.endpoint(), true);
        let _ = skiff::s3::bucket_setup::create_bucket(&c, bucket).await;
        for (key, bytes) in objects {
            skiff::s3::objects::put_bytes(&c, bucket, key, bytes.clone())
                .await
                .unwrap();
        }
    });
}

#[test]
fn ls_prints_like_the_aws_cli() {
    let served = serve();
    seed(&served);

    let out = skiff(&served, &["ls"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.trim_end().ends_with(" data"), "{text}");
    assert_eq!(
        text.lines().next().unwrap().len(),
        "2026-11-25 09:24:16 data".len()
    );

    let out = skiff(&served, &["ls", "s3://data"]);
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], format!("{:>26} PRE raw/", ""));
    assert!(lines[1].ends_with("          5 top.txt"), "{:?}", lines[1]);
    assert_eq!(lines.len(), 2);

    let out = skiff(&served, &["ls", "s3://data/raw/"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains(" PRE 2026/\n"), "{text}");
    assert!(text.contains("       1234 a b.txt\n"), "{text}");

    let out = skiff(&served, &["ls", "--recursive", "--summarize", "s3://data"]);
    let text = String::from_utf8(out.stdout).unwrap();
    let keys: Vec<&str> = text
        .lines()
        .filter(|l| l.len() > 31 && l.as_bytes()[4] == b'-')
        .map(|l| &l[31..])
        .collect();
    assert_eq!(keys, ["raw/2026/c.bin", "raw/a b.txt", "top.txt"], "{text}");
    assert!(text.contains("Total Objects: 3"), "{text}");
    assert!(text.contains("Total Size: 1239"), "{text}");
}

#[test]
fn errors_go_to_stderr_with_a_non_zero_status() {
    let served = serve();
    let out = skiff(&served, &["ls", "s3://no-such-bucket/x"]);
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("There is no bucket named no-such-bucket."),
        "{err}"
    );

    let out = skiff(&served, &["ls", "data/x"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("s3://bucket/prefix"));
}

#[test]
fn endpoint_url_and_environment_keys_work_like_the_aws_cli() {
    let served = serve();
    seed(&served);
    let out = common::skiff_at(&served, &served.endpoint)
        .args(["ls", "s3://data/"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("top.txt"));
}

#[test]
fn mb_applies_every_setting_on_the_sandbox() {
    let served = serve();
    let out = skiff(
        &served,
        &[
            "mb",
            "s3://jd-corpus-20261125",
            "--tag",
            "project=llm",
            "--folder",
            "raw/v1/",
        ],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("ok       Create the bucket"), "{text}");
    assert!(text.contains("ok       Tags"), "{text}");
    assert!(
        !text.contains("skipped"),
        "the sandbox supports every setting: {text}"
    );
    assert!(text.contains("ok       Starting folders"), "{text}");
    let out = skiff(&served, &["ls", "s3://jd-corpus-20261125/raw/"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("PRE v1/"));

    // Running it again keeps the bucket and applies the settings once more.
    let out = skiff(&served, &["mb", "s3://jd-corpus-20261125"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("exists and is yours"), "{text}");
    assert!(
        text.contains("exists   Create the bucket: it is already yours"),
        "{text}"
    );

    let out = skiff(&served, &["mb", "s3://Bad_Name"]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("Use lowercase letters: 'B' is uppercase."),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn mb_dry_run_prints_the_aws_cli_commands() {
    let served = serve();
    let out = skiff(
        &served,
        &[
            "mb",
            "s3://ml-data",
            "--dry-run",
            "--versioning",
            "--transition",
            "raw/:30:STANDARD_IA",
            "--cors-origin",
            "http://127.0.0.1:8080",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("aws s3api create-bucket --bucket ml-data --region us-east-1 --endpoint-url http://127.0.0.1:"), "{text}");
    assert!(lines[1].starts_with(
        "aws s3api put-bucket-versioning --bucket ml-data --versioning-configuration Status=Enabled"
    ));
    assert!(text.contains("\"StorageClass\":\"STANDARD_IA\""));
    assert!(text.contains("aws s3api put-bucket-cors"));
    // Nothing was created.
    let out = skiff(&served, &["ls"]);
    assert!(!String::from_utf8_lossy(&out.stdout).contains("ml-data"));
}

#[test]
fn cp_uploads_and_downloads_files_and_folders() {
    let served = serve();
    let out = skiff(&served, &["mb", "s3://cp-test"]);
    assert!(out.status.success());
    let work = tempfile::tempdir().unwrap();
    let src = work.path().join("dataset");
    std::fs::create_dir_all(src.join("train/shard 1")).unwrap();
    let big: Vec<u8> = (0..(17u32 * 1024 * 1024))
        .map(|i| (i % 251) as u8)
        .collect();
    std::fs::write(src.join("train/shard 1/big.bin"), &big).unwrap();
    std::fs::write(src.join("train/small+1.txt"), b"hello").unwrap();
    std::fs::write(src.join("README.md"), b"readme").unwrap();

    let out = skiff(
        &served,
        &[
            "cp",
            "--recursive",
            src.to_str().unwrap(),
            "s3://cp-test/v1",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stdout.is_empty(),
        "nothing but errors when not on a terminal"
    );
    let out = skiff(&served, &["ls", "--recursive", "s3://cp-test/v1/"]);
    let listing = String::from_utf8_lossy(&out.stdout);
    assert!(listing.contains("v1/train/shard 1/big.bin"), "{listing}");
    assert!(listing.contains("v1/train/small+1.txt"));

    let back = work.path().join("back");
    let out = skiff(
        &served,
        &[
            "cp",
            "--recursive",
            "s3://cp-test/v1/",
            back.to_str().unwrap(),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(std::fs::read(back.join("train/shard 1/big.bin")).unwrap() == big);
    assert_eq!(
        std::fs::read(back.join("train/small+1.txt")).unwrap(),
        b"hello"
    );

    // One file each way; a trailing slash means "into this prefix / folder".
    let out = skiff(
        &served,
        &[
            "cp",
            src.join("README.md").to_str().unwrap(),
            "s3://cp-test/docs/",
            "--metadata",
            "owner=jd",
            "--content-type",
            "text/markdown",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rt = tokio::runtime::Runtime::new().unwrap();
    let details = rt.block_on(async {
        let dir = served.dir.path();
        let sandbox =
            skiff::sandbox::Sandbox::start_or_attach(skiff::sandbox::SandboxOptions::new(dir))
                .await
                .unwrap();
        let c = skiff::s3::client::static_connection("t", sandbox.endpoint(), true);
        skiff::s3::objects::head_object(&c, "cp-test", "docs/README.md")
            .await
            .unwrap()
    });
    assert_eq!(
        details.user_metadata.get("owner").map(String::as_str),
        Some("jd")
    );
    assert_eq!(details.content_type.as_deref(), Some("text/markdown"));
    let out = skiff(
        &served,
        &[
            "cp",
            "s3://cp-test/docs/README.md",
            &format!("{}/", back.display()),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(std::fs::read(back.join("README.md")).unwrap(), b"readme");

    // When the destination exists: skip keeps it, rename keeps both.
    std::fs::write(src.join("README.md"), b"readme v2").unwrap();
    let readme = src.join("README.md");
    let out = skiff(
        &served,
        &[
            "cp",
            readme.to_str().unwrap(),
            "s3://cp-test/docs/",
            "--if-exists",
            "skip",
        ],
    );
    assert!(out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("skipped: s3://cp-test/docs/README.md exists")
    );
    let out = skiff(
        &served,
        &[
            "cp",
            readme.to_str().unwrap(),
            "s3://cp-test/docs/",
            "--if-exists",
            "rename",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = skiff(&served, &["ls", "s3://cp-test/docs/"]);
    let listing = String::from_utf8_lossy(&out.stdout);
    assert!(
        listing.contains(" 6 README.md\n") && listing.contains(" 9 README (1).md\n"),
        "{listing}"
    );
    let out = skiff(
        &served,
        &[
            "cp",
            "--if-exists",
            "rename",
            "s3://cp-test/docs/README.md",
            back.to_str().unwrap(),
        ],
    );
    assert!(out.status.success());
    assert_eq!(
        std::fs::read(back.join("README (1).md")).unwrap(),
        b"readme",
        "the local copy was kept"
    );

    // Failures: a folder without --recursive, a missing object.
    let out = skiff(&served, &["cp", src.to_str().unwrap(), "s3://cp-test/x/"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--recursive"));
    let out = skiff(
        &served,
        &["cp", "s3://cp-test/nope.bin", back.to_str().unwrap()],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("1 of 1 transfers failed"));
}

pub(crate) fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn keys_left(served: &Served, url: &str) -> String {
    let out = skiff(served, &["ls", "--recursive", url]);
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn rm_shows_a_dry_run_and_refuses_without_confirmation() {
    let served = serve();
    seed(&served);

    let out = skiff(
        &served,
        &["rm", "--recursive", "s3://data/raw/", "--dry-run"],
    );
    assert!(out.status.success(), "{}", text(&out));
    let shown = text(&out);
    assert!(shown.contains("everything under s3://data/raw/"), "{shown}");
    assert!(
        shown.contains("In s3://data: delete 2 objects (1.2 KiB)."),
        "{shown}"
    );
    assert!(
        shown.contains("raw/a b.txt"),
        "the sample names keys: {shown}"
    );
    assert!(shown.contains("Dry run: nothing was deleted."));
    assert_eq!(keys_left(&served, "s3://data").lines().count(), 3);

    // No terminal to ask on, and no --yes: nothing goes.
    let out = skiff(&served, &["rm", "--recursive", "s3://data/raw/"]);
    assert!(!out.status.success());
    assert!(text(&out).contains("refusing to go on without confirmation"));
    assert!(text(&out).contains("Nothing was deleted."));
    assert_eq!(keys_left(&served, "s3://data").lines().count(), 3);

    let report = served.dir.path().join("report.json");
    let out = skiff(
        &served,
        &[
            "rm",
            "--recursive",
            "s3://data/raw/",
            "--yes",
            "--report",
            report.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("Deleted 2 of 2 objects"),
        "{}",
        text(&out)
    );
    let left = keys_left(&served, "s3://data");
    assert!(left.trim_end().ends_with(" top.txt"), "{left}");
    assert_eq!(left.lines().count(), 1);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(report).unwrap()).unwrap();
    assert_eq!(json["report"]["deleted_objects"], 2);
    assert_eq!(json["entries"].as_array().unwrap().len(), 2);
    assert_eq!(json["entries"][0]["outcome"], "deleted");

    let out = skiff(&served, &["rm", "s3://data"]);
    assert!(!out.status.success());
    assert!(text(&out).contains("name a key, or pass --recursive"));
}

/// `skiff rm` leaves the same audit copy of its report as the app's cleanup does: a CSV per run
/// in the data directory's cleanup-reports, readable by the user alone.
#[test]
fn rm_leaves_an_audit_copy_of_its_report() {
    let served = serve();
    seed(&served);
    let out = skiff(&served, &["rm", "--recursive", "s3://data/raw/", "--yes"]);
    assert!(out.status.success(), "{}", text(&out));
    let dir = served.dir.path().join("data").join("cleanup-reports");
    let copies: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}; {}", dir.display(), text(&out)))
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(copies.len(), 1, "{copies:?}");
    let name = copies[0]
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    assert!(
        name.starts_with("data-") && name.ends_with(".csv"),
        "{name}"
    );
    assert!(
        text(&out).contains(&format!(
            "A copy of this report is in {}",
            copies[0].display()
        )),
        "{}",
        text(&out)
    );
    let csv = std::fs::read_to_string(&copies[0]).unwrap();
    assert_eq!(
        csv.lines().filter(|l| l.contains(",deleted,")).count(),
        2,
        "{csv}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&copies[0]).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the report names every key deleted");
    }
}

/// On a terminal, the typed confirmation must be the prefix exactly (run under `script`, which
/// gives the command a terminal).
#[test]
fn rm_on_a_terminal_asks_for_the_prefix_typed() {
    let served = serve();
    seed(&served);
    let command = |answer: &str| {
        let line = format!(
            "{} --sandbox rm --recursive s3://data/raw/",
            env!("CARGO_BIN_EXE_skiff")
        );
        let mut child = Command::new("script")
            .args(["-qec", &line, "/dev/null"])
            .env("SKIFF_SANDBOX_DIR", served.dir.path())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("script (util-linux) runs");
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(format!("{answer}\n").as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let out = command("raw");
    assert!(!out.status.success());
    assert!(
        text(&out).contains("Type raw/ to confirm"),
        "{}",
        text(&out)
    );
    assert!(text(&out).contains("not confirmed"), "{}", text(&out));
    assert_eq!(keys_left(&served, "s3://data").lines().count(), 3);

    let out = command("raw/");
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(keys_left(&served, "s3://data").lines().count(), 1);
}

#[test]
fn rb_needs_force_for_a_full_bucket_and_then_empties_it() {
    let served = serve();
    seed(&served);
    let out = skiff(&served, &["rb", "s3://data", "--yes"]);
    assert!(!out.status.success());
    assert!(text(&out).contains("--force"), "{}", text(&out));

    let out = skiff(&served, &["rb", "s3://data", "--force", "--yes"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("deleted the bucket data"),
        "{}",
        text(&out)
    );
    let buckets = skiff(&served, &["ls"]);
    assert!(!String::from_utf8_lossy(&buckets.stdout).contains(" data"));

    let out = skiff(&served, &["uploads", "s3://data"]);
    assert!(!out.status.success(), "the bucket is gone");
    assert!(
        text(&out).contains("There is no bucket named data"),
        "{}",
        text(&out)
    );
}

/// The local side: what `cp` downloaded is listed, and deleted unless changed since.
#[test]
fn downloads_are_remembered_and_cleaned_up_unless_changed() {
    let served = serve();
    seed(&served);
    let work = tempfile::tempdir().unwrap();
    let folder = work.path().join("downloaded_files");
    let out = skiff(
        &served,
        &["cp", "--recursive", "s3://data/", folder.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", text(&out));
    std::fs::write(folder.join("top.txt"), b"my notes now").unwrap();
    std::fs::write(folder.join("mine.txt"), b"never downloaded").unwrap();

    let out = skiff(&served, &["downloads"]);
    let shown = text(&out);
    assert!(out.status.success(), "{shown}");
    assert!(
        shown.contains("raw/a b.txt") && shown.contains("s3://data/raw/2026/c.bin"),
        "{shown}"
    );
    assert!(shown.contains("changed since (kept)"), "{shown}");
    assert!(
        shown.contains("2 files as downloaded (1.2 KiB); 1 changed since"),
        "{shown}"
    );

    let out = skiff(&served, &["downloads", "--delete"]);
    assert!(!out.status.success(), "no terminal and no --yes: refused");
    assert!(folder.join("raw/a b.txt").exists());

    let out = skiff(&served, &["downloads", "--delete", "--yes"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out)
            .contains("Deleted 2 files (1.2 KiB) and 2 emptied folders; kept 1 changed files."),
        "{}",
        text(&out)
    );
    assert!(
        !folder.join("raw").exists(),
        "raw/2026/ and raw/ were left empty"
    );
    assert_eq!(
        std::fs::read(folder.join("top.txt")).unwrap(),
        b"my notes now"
    );
    assert!(
        folder.join("mine.txt").exists(),
        "a file Skiff did not download stays"
    );

    let out = skiff(&served, &["downloads"]);
    let shown = text(&out);
    assert!(
        !shown.contains("raw/a b.txt"),
        "deleted files are forgotten: {shown}"
    );
    assert!(shown.contains("top.txt"), "{shown}");
}

/// With the sandbox already served (by the app, or another `skiff serve`), `skiff serve` says how
/// to reach it and exits 0, and `skiff sandbox env` prints the line alone: the AWS CLI, pointed
/// by that line, lists the sandbox's buckets.
#[test]
fn serve_beside_a_running_sandbox_prints_how_to_reach_it() {
    let served = serve();
    seed(&served);
    let dir = served.dir.path().to_str().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_skiff"))
        .args(["serve", "--data", dir])
        .output()
        .unwrap();
    let shown = text(&out);
    assert!(out.status.success(), "{shown}");
    assert!(
        shown.contains("already served by another Skiff process"),
        "{shown}"
    );
    assert!(shown.contains(&served.endpoint), "{shown}");

    let out = Command::new(env!("CARGO_BIN_EXE_skiff"))
        .args(["sandbox", "env", "--data", dir])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let line = String::from_utf8(out.stdout).unwrap();
    assert!(
        shown.contains(line.trim()),
        "serve prints the same line: {shown}"
    );
    let assignments = line.trim().strip_prefix("export ").expect("an export line");
    let mut aws = Command::new("aws");
    aws.args(["s3", "ls"])
        .env("AWS_CONFIG_FILE", "/nonexistent")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent");
    for assignment in assignments.split(' ') {
        let (name, value) = assignment.split_once('=').unwrap();
        aws.env(name, value);
    }
    let out = aws.output().expect("the AWS CLI runs (pip install awscli)");
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(" data"),
        "{}",
        text(&out)
    );

    let nobody = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_skiff"))
        .args(["sandbox", "env", "--data", nobody.path().to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        text(&out).contains("No Skiff serves the sandbox"),
        "{}",
        text(&out)
    );
}

/// Completion scripts for each shell clap knows, and a manual page, from the same definitions as
/// `--help`.
#[test]
fn completions_and_the_manual_page_are_generated() {
    for (shell, mark) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef skiff"),
        ("fish", "complete -c skiff"),
        ("powershell", "Register-ArgumentCompleter"),
        ("elvish", "edit:completion"),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_skiff"))
            .args(["completions", shell])
            .output()
            .unwrap();
        assert!(out.status.success(), "{shell}: {}", text(&out));
        let script = String::from_utf8(out.stdout).unwrap();
        assert!(script.contains(mark), "{shell}: {script}");
        assert!(
            script.contains("serve") && script.contains("downloads"),
            "{shell}"
        );
    }
    let out = Command::new(env!("CARGO_BIN_EXE_skiff"))
        .arg("man")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let page = String::from_utf8(out.stdout).unwrap();
    assert!(page.contains(".TH skiff"), "{page}");
    assert!(page.contains("sandbox"), "{page}");
}

/// S3 in us-east-1 (and moto) answers a second create of one's own bucket with 200: `skiff mb`
/// asks first, and says the bucket was there already rather than that it made it.
#[test]
fn mb_says_when_the_bucket_was_there_already() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let Some(moto) = rt.block_on(common::server("moto")) else {
        return;
    };
    let bucket = common::unique_bucket("again");
    let mb = || {
        common::skiff_with(&moto.endpoint)
            .args(["mb", &format!("s3://{bucket}")])
            .output()
            .unwrap()
    };
    let first = mb();
    assert!(first.status.success(), "{}", text(&first));
    assert!(
        text(&first).contains("ok       Create the bucket"),
        "{}",
        text(&first)
    );
    let again = mb();
    assert!(again.status.success(), "{}", text(&again));
    let shown = text(&again);
    assert!(
        shown.contains("exists and is yours: applying the settings"),
        "{shown}"
    );
    assert!(
        shown.contains("exists   Create the bucket: it was there already"),
        "{shown}"
    );
}

/// A caller that starts `skiff serve` and hangs up on its output (a script that read nothing, or
/// only the endpoint) does not stop the server.
#[test]
fn serve_goes_on_when_its_output_is_closed() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_skiff"))
        .args(["serve", "--data"])
        .arg(dir.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    std::thread::sleep(std::time::Duration::from_secs(2));
    let running = child.try_wait().unwrap().is_none();
    let _ = child.kill();
    let _ = child.wait();
    assert!(running, "skiff serve stopped when its output was closed");
}

/// `skiff ls` prints dates in the local time zone, as `aws s3 ls` does; `--utc` in UTC.
#[test]
fn ls_prints_local_time_unless_asked_for_utc() {
    let served = serve();
    seed(&served);
    let ls = |zone: &str, extra: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_skiff"))
            .args(["--sandbox", "ls", "s3://data/top.txt"])
            .args(extra)
            .env("SKIFF_SANDBOX_DIR", served.dir.path())
            .env("SKIFF_DATA_DIR", served.dir.path().join("data"))
            .env("TZ", zone)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out));
        let line = String::from_utf8(out.stdout).unwrap();
        let hour: i64 = line[11..13].parse().unwrap();
        hour
    };
    let utc = ls("Asia/Tokyo", &["--utc"]);
    assert_eq!(ls("UTC", &[]), utc);
    assert_eq!(
        ls("Asia/Tokyo", &[]),
        (utc + 9) % 24,
        "Tokyo is 9 hours ahead"
    );
}

/// `skiff ls --json`: one object per line with full keys, sizes, RFC 3339 times and classes;
/// buckets with their creation time; a summary line last.
#[test]
fn ls_json_prints_one_object_per_line() {
    let served = serve();
    seed(&served);
    let rows = |args: &[&str]| -> Vec<serde_json::Value> {
        let out = skiff(&served, args);
        assert!(out.status.success(), "{}", text(&out));
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
            .collect()
    };
    let buckets = rows(&["ls", "--json"]);
    assert_eq!(buckets.len(), 1);
    assert_eq!(buckets[0]["bucket"], "data");
    assert!(buckets[0]["created"].as_str().unwrap().ends_with('Z'));

    let level = rows(&["ls", "--json", "s3://data/raw/"]);
    assert_eq!(level[0], serde_json::json!({ "prefix": "raw/2026/" }));
    assert_eq!(level[1]["key"], "raw/a b.txt");
    assert_eq!(level[1]["size_bytes"], 1234);
    assert_eq!(level[1]["storage_class"], "STANDARD");
    assert!(level[1]["last_modified"].as_str().unwrap().ends_with('Z'));

    let all = rows(&["ls", "--json", "--recursive", "--summarize", "s3://data"]);
    let keys: Vec<&str> = all.iter().filter_map(|r| r["key"].as_str()).collect();
    assert_eq!(keys, ["raw/2026/c.bin", "raw/a b.txt", "top.txt"]);
    assert_eq!(
        all.last().unwrap(),
        &serde_json::json!({ "total_objects": 3, "total_bytes": 1239 })
    );
}
