//! "Show command": every AWS CLI, boto3 and skiff snippet the app shows is run here against moto,
//! as a user would paste it (credentials from the environment), and must leave the state the
//! app's own action leaves: the same keys and sizes in the bucket, or the same files on disk.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use crate::common::{self, TestServer};
use skiff::s3::commands::{Action, Equivalents, Place, equivalents};

/// Runs a snippet: the shell ones with `bash` (skiff on the PATH), boto3 with `python3`. What
/// it printed.
fn run(snippet: &str, python: bool, server: &TestServer, cwd: &Path) -> String {
    let skiff_dir = Path::new(env!("CARGO_BIN_EXE_skiff")).parent().unwrap();
    let path = format!(
        "{}:{}",
        skiff_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let (program, flag) = if python {
        ("python3", "-c")
    } else {
        ("bash", "-c")
    };
    let out = Command::new(program)
        .args([flag, snippet])
        .current_dir(cwd)
        .env("PATH", path)
        .env("AWS_ACCESS_KEY_ID", &server.endpoint.access_key_id)
        .env("AWS_SECRET_ACCESS_KEY", &server.endpoint.secret_access_key)
        .env("AWS_CONFIG_FILE", "/nonexistent")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_PAGER", "")
        .output()
        .unwrap_or_else(|e| panic!("{program}: {e}"));
    assert!(
        out.status.success(),
        "{snippet}\n--- stdout\n{}\n--- stderr\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Each of the three snippets, with what it was.
fn each(commands: &Equivalents) -> [(&'static str, &str, bool); 3] {
    [
        ("AWS CLI", commands.aws_cli.as_str(), false),
        ("boto3", commands.boto3.as_str(), true),
        ("skiff", commands.skiff.as_str(), false),
    ]
}

fn keys_and_sizes(
    server: &TestServer,
    rt: &tokio::runtime::Runtime,
    bucket: &str,
) -> Vec<(String, u64)> {
    let listed = rt
        .block_on(skiff::s3::listing::list_all(
            &server.connection,
            skiff::s3::listing::ListRequest::recursive(bucket, ""),
        ))
        .unwrap();
    listed
        .objects
        .into_iter()
        .map(|o| (o.key, o.size_bytes))
        .collect()
}

fn files_below(root: &Path) -> BTreeMap<String, Vec<u8>> {
    skiff::transfer::walk_files(root)
        .unwrap()
        .into_iter()
        .map(|(path, relative)| (relative, std::fs::read(path).unwrap()))
        .collect()
}

fn place(server: &TestServer) -> Place {
    Place::new(&server.endpoint.endpoint, &server.endpoint.region)
}

#[test]
fn uploads_and_listings_as_shown_leave_what_the_app_leaves() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let Some(moto) = rt.block_on(common::server("moto")) else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let file = work.path().join("day 1 + notes.csv");
    std::fs::write(&file, b"a,b\n1,2\n").unwrap();
    let folder = work.path().join("run 7");
    std::fs::create_dir_all(folder.join("shards")).unwrap();
    std::fs::write(folder.join("config.json"), b"{}").unwrap();
    std::fs::write(folder.join("shards/part 0.bin"), vec![9u8; 70_000]).unwrap();
    let expected = vec![
        ("in/day 1 + notes.csv".to_owned(), 8),
        ("in/run 7/config.json".to_owned(), 2),
        ("in/run 7/shards/part 0.bin".to_owned(), 70_000),
    ];
    for tool in 0..3 {
        let bucket = rt.block_on(common::fresh_bucket(&moto, "show-upload"));
        let sources = [
            (&file, false, "in/day 1 + notes.csv"),
            (&folder, true, "in/run 7/"),
        ];
        for (local, is_folder, key) in sources {
            let upload = Action::Upload {
                local: local.display().to_string(),
                is_folder,
                bucket: bucket.clone(),
                key: key.into(),
            };
            let commands = equivalents(&upload, &place(&moto));
            let (name, snippet, python) = each(&commands)[tool];
            run(snippet, python, &moto, work.path());
            eprintln!("{name}: ran {snippet}");
        }
        assert_eq!(keys_and_sizes(&moto, &rt, &bucket), expected, "tool {tool}");

        let listing = Action::List {
            bucket: bucket.clone(),
            prefix: "in/".into(),
            recursive: tool == 1,
        };
        let commands = equivalents(&listing, &place(&moto));
        let (_, snippet, python) = each(&commands)[tool];
        run(snippet, python, &moto, work.path());
    }
}

#[test]
fn downloads_and_deletes_as_shown_leave_what_the_app_leaves() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let Some(moto) = rt.block_on(common::server("moto")) else {
        return;
    };
    let keys: Vec<String> = [
        "ds/v1/a b.txt",
        "ds/v1/train/x+1.bin",
        "ds/v2/c.txt",
        "top.txt",
    ]
    .map(String::from)
    .to_vec();
    // More keys than the line-per-key form takes, so the loop form runs too.
    let many: Vec<String> = (0..12).map(|i| format!("bulk/part {i:02}.bin")).collect();
    for tool in 0..3 {
        let bucket = rt.block_on(common::fresh_bucket(&moto, "show-down"));
        rt.block_on(common::put_keys(&moto, &bucket, &keys));
        rt.block_on(common::put_keys(&moto, &bucket, &many));
        let work = tempfile::tempdir().unwrap();
        for (chosen, relative_to) in [(&keys[..2], "ds/v1/"), (&many[..], "bulk/")] {
            let download = Action::Download {
                bucket: bucket.clone(),
                keys: chosen.to_vec(),
                relative_to: relative_to.into(),
                folder: work.path().join("got").display().to_string(),
            };
            let commands = equivalents(&download, &place(&moto));
            let (_, snippet, python) = each(&commands)[tool];
            run(snippet, python, &moto, work.path());
        }
        let got = files_below(&work.path().join("got"));
        let mut expected: BTreeMap<String, Vec<u8>> = BTreeMap::new();
        expected.insert("a b.txt".into(), b"ds/v1/a b.txt".to_vec());
        expected.insert("train/x+1.bin".into(), b"ds/v1/train/x+1.bin".to_vec());
        for key in &many {
            let name = key.trim_start_matches("bulk/");
            expected.insert(name.into(), key.as_bytes().to_vec());
        }
        assert_eq!(got, expected, "tool {tool}");

        let deletes = [
            Action::Delete {
                bucket: bucket.clone(),
                keys: vec!["top.txt".into()],
            },
            Action::Delete {
                bucket: bucket.clone(),
                keys: many.clone(),
            },
            Action::DeletePrefix {
                bucket: bucket.clone(),
                prefix: "ds/v1/".into(),
            },
        ];
        for delete in &deletes {
            let commands = equivalents(delete, &place(&moto));
            let (_, snippet, python) = each(&commands)[tool];
            run(snippet, python, &moto, work.path());
        }
        assert_eq!(
            keys_and_sizes(&moto, &rt, &bucket),
            [("ds/v2/c.txt".to_owned(), 11)],
            "tool {tool}"
        );
    }
}

/// The bucket wizard's three forms of one spec, each run on a bucket of its own, read back as
/// the bucket the app itself set up does.
#[test]
fn a_bucket_set_up_as_shown_reads_back_as_the_app_sets_it() {
    use skiff::s3::bucket_setup::{
        BucketSpec, Ownership, TransitionRule, apply_step, read_settings,
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let Some(moto) = rt.block_on(common::server("moto")) else {
        return;
    };
    let spec_for = |name: &str| {
        let mut spec = BucketSpec::new(name, "us-east-1");
        spec.versioning = true;
        spec.public_access_block.block_public_policy = false;
        spec.ownership = Ownership::BucketOwnerPreferred;
        spec.lifecycle.abort_incomplete_uploads_days = Some(3);
        spec.lifecycle.noncurrent_expiration_days = Some(30);
        spec.lifecycle.transitions = vec![TransitionRule::parse("raw/:30:STANDARD_IA").unwrap()];
        spec.tags = vec![("team".into(), "nlp core".into())];
        spec.cors_origins = vec!["http://127.0.0.1:8080".into()];
        spec.folders = vec!["wiki/v1/train/".into()];
        spec
    };
    let read_back = |name: &str| {
        let (mut read, _) = rt.block_on(read_settings(&moto.connection, name)).unwrap();
        read.name = "b".into();
        (read, keys_and_sizes(&moto, &rt, name))
    };
    let by_app = common::unique_bucket("show-mb-app");
    let spec = spec_for(&by_app);
    for step in spec.steps() {
        let outcome = rt.block_on(apply_step(&moto.connection, &spec, step));
        assert_eq!(
            outcome,
            skiff::s3::bucket_setup::StepOutcome::Applied,
            "{step:?}"
        );
    }
    let expected = read_back(&by_app);
    let work = tempfile::tempdir().unwrap();
    for tool in 0..3 {
        let name = common::unique_bucket("show-mb");
        let spec = spec_for(&name);
        let commands = Equivalents {
            aws_cli: spec
                .aws_cli_commands(moto.endpoint.endpoint.as_str().into())
                .join("\n"),
            boto3: spec.boto3_snippet(&place(&moto)),
            skiff: spec.skiff_command(&place(&moto)),
        };
        let (what, snippet, python) = each(&commands)[tool];
        run(snippet, python, &moto, work.path());
        assert_eq!(read_back(&name), expected, "{what}: {snippet}");
    }
}

/// The cleanups that need more than `aws s3 rm`: every version under a prefix for good, the
/// incomplete uploads aborted, and a versioned bucket emptied and deleted.
#[test]
fn cleanups_as_shown_leave_what_the_app_leaves() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let Some(moto) = rt.block_on(common::server("moto")) else {
        return;
    };
    let client = moto.connection.client.clone();
    let work = tempfile::tempdir().unwrap();
    for tool in 0..3 {
        let bucket = rt.block_on(common::versioned_bucket(&moto, "show-clean"));
        rt.block_on(async {
            for (key, body) in [
                ("ds/a.txt", "1"),
                ("ds/a.txt", "2"),
                ("ds/b.txt", "b"),
                ("keep/c.txt", "c"),
            ] {
                skiff::s3::objects::put_bytes(&moto.connection, &bucket, key, body.into())
                    .await
                    .unwrap();
            }
            client
                .delete_object()
                .bucket(&bucket)
                .key("ds/b.txt")
                .send()
                .await
                .unwrap();
            for key in ["ds/part.bin", "keep/part.bin"] {
                client
                    .create_multipart_upload()
                    .bucket(&bucket)
                    .key(key)
                    .send()
                    .await
                    .unwrap();
            }
        });
        let versions_and_uploads = |prefix: &str| {
            rt.block_on(async {
                let v = client
                    .list_object_versions()
                    .bucket(&bucket)
                    .prefix(prefix)
                    .send()
                    .await
                    .unwrap();
                let u = client
                    .list_multipart_uploads()
                    .bucket(&bucket)
                    .prefix(prefix)
                    .send()
                    .await
                    .unwrap();
                (
                    v.versions().len() + v.delete_markers().len(),
                    u.uploads().len(),
                )
            })
        };
        for action in [
            Action::PurgeVersions {
                bucket: bucket.clone(),
                prefix: "ds/".into(),
            },
            Action::AbortUploads {
                bucket: bucket.clone(),
                prefix: "ds/".into(),
            },
        ] {
            let commands = equivalents(&action, &place(&moto));
            let (what, snippet, python) = each(&commands)[tool];
            run(snippet, python, &moto, work.path());
            eprintln!("{what}: ran {snippet}");
        }
        assert_eq!(
            versions_and_uploads("ds/"),
            (0, 0),
            "tool {tool}: ds/ is gone"
        );
        assert_eq!(
            versions_and_uploads("keep/"),
            (1, 1),
            "tool {tool}: keep/ stays"
        );

        let delete = Action::DeleteBucket {
            bucket: bucket.clone(),
        };
        let commands = equivalents(&delete, &place(&moto));
        let (what, snippet, python) = each(&commands)[tool];
        run(snippet, python, &moto, work.path());
        let gone = rt.block_on(client.head_bucket().bucket(&bucket).send());
        assert!(gone.is_err(), "{what}: the bucket is deleted");
    }
}

/// A share link made by each tool fetches the object without credentials.
#[test]
fn share_links_as_shown_fetch_the_object() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let Some(moto) = rt.block_on(common::server("moto")) else {
        return;
    };
    let bucket = rt.block_on(common::fresh_bucket(&moto, "show-share"));
    rt.block_on(common::put_keys(
        &moto,
        &bucket,
        &["shared/model card.md".to_owned()],
    ));
    let work = tempfile::tempdir().unwrap();
    let share = Action::ShareLink {
        bucket: bucket.clone(),
        key: "shared/model card.md".into(),
        expires_secs: 3600,
    };
    let commands = equivalents(&share, &place(&moto));
    for (what, snippet, python) in each(&commands) {
        let printed = run(snippet, python, &moto, work.path());
        let url = printed
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("{what} printed no link: {printed}"));
        let (status, _, body) = rt.block_on(common::plain_get(url));
        assert_eq!(status, 200, "{what}: {url}");
        assert_eq!(body, b"shared/model card.md", "{what}");
    }
}

/// A move of a folder and an object, then a change of class, as each tool's snippet does them:
/// the same keys and sizes as the app's own move leaves, and the class changed.
#[test]
fn a_move_and_a_class_change_as_shown_leave_what_the_app_leaves() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let Some(moto) = rt.block_on(common::server("moto")) else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    for tool in 0..3 {
        let bucket = rt.block_on(common::fresh_bucket(&moto, "relocate-cmd"));
        let keys: Vec<String> = ["ds/v1/a b.txt", "ds/v1/sub/c+d.txt", "top.txt"]
            .map(String::from)
            .to_vec();
        rt.block_on(common::put_keys(&moto, &bucket, &keys));
        let relocate = Action::Relocate {
            moving: true,
            from_bucket: bucket.clone(),
            to_bucket: bucket.clone(),
            pairs: vec![
                ("ds/v1/".into(), "ds/v2/".into()),
                ("top.txt".into(), "archive/top.txt".into()),
            ],
        };
        let commands = equivalents(&relocate, &place(&moto));
        let (name, snippet, python) = each(&commands)[tool];
        run(snippet, python, &moto, work.path());
        assert_eq!(
            keys_and_sizes(&moto, &rt, &bucket),
            [
                ("archive/top.txt".to_owned(), 7),
                ("ds/v2/a b.txt".to_owned(), 13),
                ("ds/v2/sub/c+d.txt".to_owned(), 17),
            ],
            "{name}"
        );
        let class = Action::SetClass {
            bucket: bucket.clone(),
            items: vec!["ds/v2/".into(), "archive/top.txt".into()],
            class: "STANDARD_IA".into(),
        };
        let commands = equivalents(&class, &place(&moto));
        let (name, snippet, python) = each(&commands)[tool];
        run(snippet, python, &moto, work.path());
        for key in ["ds/v2/sub/c+d.txt", "archive/top.txt"] {
            let details = rt
                .block_on(skiff::s3::objects::object_details(
                    &moto.connection,
                    &bucket,
                    key,
                ))
                .unwrap();
            assert_eq!(
                details.storage_class.as_deref(),
                Some("STANDARD_IA"),
                "{name}: {key}"
            );
        }
    }
}

/// A sync up (with deletes and an exclude) and a sync down, as each tool's snippet does them:
/// the same keys and sizes in the bucket, the same files on disk.
#[test]
fn syncs_as_shown_leave_what_the_app_leaves() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let Some(moto) = rt.block_on(common::server("moto")) else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let local = work.path().join("local dir");
    std::fs::create_dir_all(local.join("sub")).unwrap();
    std::fs::write(local.join("a.txt"), b"fresh a content").unwrap();
    std::fs::write(local.join("sub/b.bin"), vec![3u8; 40_000]).unwrap();
    std::fs::write(local.join("skip.log"), b"not sent").unwrap();
    for tool in 0..3 {
        let bucket = rt.block_on(common::fresh_bucket(&moto, "sync-cmd"));
        let keys: Vec<String> = ["data/a.txt", "data/stale.txt", "data/keep.log", "other.txt"]
            .map(String::from)
            .to_vec();
        rt.block_on(common::put_keys(&moto, &bucket, &keys));
        let up = Action::Sync {
            source: local.display().to_string(),
            destination: format!("s3://{bucket}/data/"),
            delete: true,
            checksum: false,
            excludes: vec!["*.log".into()],
        };
        let commands = equivalents(&up, &place(&moto));
        let (name, snippet, python) = each(&commands)[tool];
        run(snippet, python, &moto, work.path());
        assert_eq!(
            keys_and_sizes(&moto, &rt, &bucket),
            [
                ("data/a.txt".to_owned(), 15),
                ("data/keep.log".to_owned(), 13),
                ("data/sub/b.bin".to_owned(), 40_000),
                ("other.txt".to_owned(), 9),
            ],
            "{name}"
        );
        let down_dir = work.path().join(format!("down {tool}"));
        let down = Action::Sync {
            source: format!("s3://{bucket}/data/"),
            destination: down_dir.display().to_string(),
            delete: false,
            checksum: false,
            excludes: Vec::new(),
        };
        let commands = equivalents(&down, &place(&moto));
        let (name, snippet, python) = each(&commands)[tool];
        run(snippet, python, &moto, work.path());
        let files = files_below(&down_dir);
        let names: Vec<&str> = files.keys().map(String::as_str).collect();
        assert_eq!(names, ["a.txt", "keep.log", "sub/b.bin"], "{name}");
        assert_eq!(files["a.txt"], b"fresh a content", "{name}");
    }
}
