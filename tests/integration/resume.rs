//! A `skiff cp` killed with SIGKILL half way resumes where it stopped: the second run sends only
//! the missing parts, and the object is byte for byte the file.

use crate::common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// `skiff --sandbox ARGS` on the served sandbox, with its own data directory.
fn skiff_on(sandbox_dir: &Path, data_dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_skiff"));
    c.arg("--sandbox")
        .args(args)
        .env("SKIFF_SANDBOX_DIR", sandbox_dir)
        .env("SKIFF_DATA_DIR", data_dir);
    c
}

/// 200 MiB that no two runs could mistake for each other's.
fn checkpoint_bytes() -> Vec<u8> {
    (0..200u32 * 1024 * 1024)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect()
}

#[test]
fn a_killed_upload_resumes_and_sends_less_than_60_percent() {
    let served = common::serve_sandbox();
    let data_dir = tempfile::tempdir().unwrap();
    let journal_dir = data_dir.path().join("journal");
    let work = tempfile::tempdir().unwrap();
    let skiff = |args: &[&str]| skiff_on(served.dir.path(), data_dir.path(), args);
    assert!(
        skiff(&["mb", "s3://resume"])
            .output()
            .unwrap()
            .status
            .success()
    );

    // 40 parts of 5 MiB.
    let file = work.path().join("checkpoint.bin");
    let bytes = checkpoint_bytes();
    std::fs::write(&file, &bytes).unwrap();
    let cp_args = [
        "cp",
        file.to_str().unwrap(),
        "s3://resume/checkpoint.bin",
        "--part-size",
        "5",
        "--concurrency",
        "1",
    ];

    let mut first = skiff(&cp_args).stderr(Stdio::null()).spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    let sent_parts = || -> usize {
        std::fs::read_dir(&journal_dir)
            .ok()
            .into_iter()
            .flatten()
            .filter_map(|e| e.ok())
            .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
            .filter_map(|e| std::fs::read_to_string(e.path()).ok())
            .filter_map(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            .map(|v| v["parts"].as_object().map_or(0, |p| p.len()))
            .max()
            .unwrap_or(0)
    };
    while sent_parts() < 20 {
        assert!(
            Instant::now() < deadline,
            "the first upload never got half way"
        );
        assert!(
            first.try_wait().unwrap().is_none(),
            "the first upload finished before it was killed"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    // The same upload started again while the first runs is refused, not run twice.
    let meanwhile = skiff(&cp_args).output().unwrap();
    let stderr = String::from_utf8_lossy(&meanwhile.stderr);
    assert!(
        !meanwhile.status.success(),
        "a second run went ahead: {stderr}"
    );
    assert!(
        stderr.contains("already running in another Skiff window or command"),
        "{stderr}"
    );
    assert!(
        first.try_wait().unwrap().is_none(),
        "the first upload finished before it was killed"
    );
    first.kill().unwrap(); // SIGKILL: no chance to abort or clean up
    first.wait().unwrap();

    let second = skiff(&cp_args).output().unwrap();
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(second.status.success(), "{stderr}");
    let resumed: u64 = stderr
        .split("resumed s3://resume/checkpoint.bin: ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("the second run did not resume: {stderr}"));
    let sent_fraction = (40 - resumed) as f64 / 40.0;
    assert!(
        sent_fraction < 0.6,
        "the second run sent {:.0}% of the file",
        sent_fraction * 100.0
    );

    let back = work.path().join("back.bin");
    let out = skiff(&["cp", "s3://resume/checkpoint.bin", back.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        std::fs::read(&back).unwrap() == bytes,
        "the resumed object differs from the file"
    );
    assert_eq!(
        std::fs::read_dir(&journal_dir).unwrap().count(),
        0,
        "the journal is removed once complete"
    );
}

#[test]
fn a_killed_download_resumes_and_fetches_less_than_60_percent() {
    let served = common::serve_sandbox();
    let data_dir = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let skiff = |args: &[&str]| skiff_on(served.dir.path(), data_dir.path(), args);
    assert!(
        skiff(&["mb", "s3://resume-down"])
            .output()
            .unwrap()
            .status
            .success()
    );
    let file = work.path().join("checkpoint.bin");
    let bytes = checkpoint_bytes();
    std::fs::write(&file, &bytes).unwrap();
    let up = skiff(&[
        "cp",
        file.to_str().unwrap(),
        "s3://resume-down/checkpoint.bin",
    ])
    .output()
    .unwrap();
    assert!(
        up.status.success(),
        "{}",
        String::from_utf8_lossy(&up.stderr)
    );

    // 40 parts of 5 MiB, one at a time.
    let back = work.path().join("back.bin");
    let cp_args = [
        "cp",
        "s3://resume-down/checkpoint.bin",
        back.to_str().unwrap(),
        "--part-size",
        "5",
        "--concurrency",
        "1",
    ];
    // The download's journal, in the data directory's journal folder.
    let journal = || -> Option<std::path::PathBuf> {
        std::fs::read_dir(data_dir.path().join("journal"))
            .ok()?
            .flatten()
            .map(|e| e.path())
            .find(|p| {
                p.extension().is_some_and(|x| x == "json")
                    && p.file_name()
                        .unwrap()
                        .to_string_lossy()
                        .starts_with("download-")
            })
    };
    let written_parts = || -> usize {
        journal()
            .and_then(|p| std::fs::read_to_string(p).ok())
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            .map_or(0, |v| v["parts"].as_object().map_or(0, |r| r.len()))
    };
    // The first run goes through a link of 40 MiB/s, so that it is still running when its
    // journal (written once a second) names half the parts.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let link = rt.block_on(throttled_link(&served.endpoint, 40 << 20));
    let mut first = common::skiff_at(&served, &link)
        .args(cp_args)
        .env("SKIFF_DATA_DIR", data_dir.path())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    while written_parts() < 20 {
        assert!(
            Instant::now() < deadline,
            "the first download never got half way"
        );
        assert!(
            first.try_wait().unwrap().is_none(),
            "the first download finished before it was killed"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    first.kill().unwrap(); // SIGKILL: no chance to clean up
    first.wait().unwrap();
    assert!(
        !back.exists(),
        "an unfinished download never takes the final name"
    );
    // A power cut after the kill: the pages of one journaled part never reached the disk and
    // read back as zeros. The resume must find it, not take the journal's word.
    let journaled: Vec<u64> = journal()
        .and_then(|p| std::fs::read_to_string(p).ok())
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .and_then(|v| {
            let parts = v["parts"].as_object()?;
            Some(parts.keys().filter_map(|k| k.parse().ok()).collect())
        })
        .unwrap_or_default();
    let lost = *journaled.iter().min().expect("journaled parts");
    {
        use std::os::unix::fs::FileExt;
        let mut partial = back.as_os_str().to_owned();
        partial.push(".skiff-part");
        let partial = std::fs::OpenOptions::new()
            .write(true)
            .open(partial)
            .unwrap();
        let part = 5 * 1024 * 1024;
        partial
            .write_all_at(&vec![0u8; part as usize], lost * part)
            .unwrap();
    }

    let second = skiff(&cp_args).output().unwrap();
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(second.status.success(), "{stderr}");
    let resumed: u64 = stderr
        .split("resumed download of s3://resume-down/checkpoint.bin: ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("the second run did not resume: {stderr}"));
    assert_eq!(
        resumed,
        journaled.len() as u64 - 1,
        "only the journaled parts still on disk are kept: {stderr}"
    );
    let fetched_fraction = (40 - resumed) as f64 / 40.0;
    assert!(
        fetched_fraction < 0.6,
        "the second run fetched {:.0}% of the object",
        fetched_fraction * 100.0
    );
    assert!(
        std::fs::read(&back).unwrap() == bytes,
        "the resumed file differs"
    );
    assert!(journal().is_none(), "the journal is removed once complete");
}

/// A loopback link to `upstream` that carries its answers at `bytes_per_sec` per connection.
async fn throttled_link(upstream: &str, bytes_per_sec: u64) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let upstream = upstream.trim_start_matches("http://").to_owned();
    common::loopback_proxy(move |client| {
        let upstream = upstream.clone();
        async move {
            let Ok(server) = tokio::net::TcpStream::connect(&upstream).await else {
                return;
            };
            let (mut from_client, mut to_client) = client.into_split();
            let (mut from_server, mut to_server) = server.into_split();
            let requests = tokio::spawn(async move {
                let _ = tokio::io::copy(&mut from_client, &mut to_server).await;
            });
            let (started, mut sent) = (Instant::now(), 0u64);
            let mut buffer = vec![0u8; 64 * 1024];
            while let Ok(n @ 1..) = from_server.read(&mut buffer).await {
                if to_client.write_all(&buffer[..n]).await.is_err() {
                    break;
                }
                sent += n as u64;
                let due = Duration::from_secs_f64(sent as f64 / bytes_per_sec as f64);
                if let Some(wait) = due.checked_sub(started.elapsed()) {
                    tokio::time::sleep(wait).await;
                }
            }
            requests.abort();
        }
    })
    .await
}
