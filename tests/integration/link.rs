//! Over a long link (`scripts/shaped_link.py`: 40 ms round trip, 1 Gbit/s) in front of a served
//! sandbox: `skiff cp` with no flags raises the files it moves at once while that pays, and a
//! 1 GiB transfer each way stays inside the memory bound whatever it raises.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::common::{ServedSandbox, serve_sandbox, skiff_at};

/// The link in front of `upstream` (`http://host:port`), and its endpoint. Stopped with
/// [`Link::stop`], it says the most connections it carried at once.
struct Link {
    child: Child,
    endpoint: String,
}

impl Link {
    fn start(upstream: &str, rtt_ms: u32) -> Self {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/shaped_link.py");
        let mut child = Command::new("python3")
            .arg(script)
            .args(["--upstream", upstream.trim_start_matches("http://")])
            .args(["--rtt-ms", &rtt_ms.to_string(), "--mbit", "1000"])
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 runs scripts/shaped_link.py");
        let mut line = String::new();
        BufReader::new(child.stdout.as_mut().unwrap())
            .read_line(&mut line)
            .unwrap();
        let address = line.trim().strip_prefix("shaped link on ").expect(&line);
        Self {
            child,
            endpoint: format!("http://{address}"),
        }
    }

    /// Stops the link; the most connections that were open at once.
    fn stop(mut self) -> usize {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        let mut out = String::new();
        self.child
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut out)
            .unwrap();
        self.child.wait().unwrap();
        out.lines()
            .find_map(|l| l.strip_prefix("peak connections: "))
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or_else(|| panic!("the link said no peak: {out}"))
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `command` to its end, reading its resident set's high-water mark as it goes: its exit,
/// stderr and the peak in bytes.
fn peak_memory(command: &mut Command) -> (bool, String, u64) {
    let mut child = command
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let status_file = format!("/proc/{}/status", child.id());
    let mut stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let mut peak_kib = 0u64;
    let status = loop {
        // VmHWM only grows, so the last reading before the exit is the peak but for the
        // last few milliseconds.
        if let Ok(text) = std::fs::read_to_string(&status_file)
            && let Some(kib) = text
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        {
            peak_kib = peak_kib.max(kib);
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    (status.success(), reader.join().unwrap(), peak_kib * 1024)
}

fn make_bucket(served: &ServedSandbox, bucket: &str) {
    let made = skiff_at(served, &served.endpoint)
        .args(["mb", &format!("s3://{bucket}")])
        .output()
        .unwrap();
    assert!(made.status.success(), "{made:?}");
}

fn same_bytes(a: &Path, b: &Path) -> bool {
    let (mut a, mut b) = (
        std::fs::File::open(a).unwrap(),
        std::fs::File::open(b).unwrap(),
    );
    let (mut x, mut y) = (vec![0u8; 1 << 20], vec![0u8; 1 << 20]);
    loop {
        let n = a.read(&mut x).unwrap();
        let m = b.read(&mut y).unwrap();
        if n != m || x[..n] != y[..m] {
            return false;
        }
        if n == 0 {
            return true;
        }
    }
}

#[test]
fn a_gib_each_way_over_a_long_link_stays_under_150_mb() {
    let served = serve_sandbox();
    make_bucket(&served, "memory");
    let dir = tempfile::tempdir().unwrap();
    let (sent, back) = (dir.path().join("big.bin"), dir.path().join("back.bin"));
    {
        use std::io::Write;
        let mut file = std::io::BufWriter::new(std::fs::File::create(&sent).unwrap());
        let mut block = vec![0u8; 1 << 20];
        for i in 0..1024u32 {
            block[..4].copy_from_slice(&i.to_le_bytes());
            block[4096] = (i % 251) as u8;
            file.write_all(&block).unwrap();
        }
    }
    let link = Link::start(&served.endpoint, 40);
    let limit = 150 * 1000 * 1000;
    let (ok, stderr, up) = peak_memory(
        skiff_at(&served, &link.endpoint)
            .args(["cp", sent.to_str().unwrap(), "s3://memory/big.bin"])
            .env("SKIFF_DATA_DIR", dir.path().join("data")),
    );
    assert!(ok, "{stderr}");
    let (ok, stderr, down) = peak_memory(
        skiff_at(&served, &link.endpoint)
            .args(["cp", "s3://memory/big.bin", back.to_str().unwrap()])
            .env("SKIFF_DATA_DIR", dir.path().join("data")),
    );
    assert!(ok, "{stderr}");
    link.stop();
    assert!(same_bytes(&sent, &back), "the GiB came back different");
    assert!(up < limit, "1 GiB up peaked at {up} bytes resident");
    assert!(down < limit, "1 GiB down peaked at {down} bytes resident");
}

#[test]
fn small_files_over_a_long_link_are_moved_more_at_once() {
    let served = serve_sandbox();
    make_bucket(&served, "small");
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("shards");
    std::fs::create_dir(&folder).unwrap();
    for i in 0..800u32 {
        let bytes: Vec<u8> = (0..64 * 1024u32).map(|j| (i ^ j) as u8).collect();
        std::fs::write(folder.join(format!("part-{i:04}.bin")), bytes).unwrap();
    }
    let run = |link: &Link, args: &[&str]| {
        let out = skiff_at(&served, &link.endpoint)
            .args(args)
            .env("SKIFF_DATA_DIR", dir.path().join("data"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let folder_arg = folder.to_str().unwrap();

    // Told how many, it keeps to that.
    let link = Link::start(&served.endpoint, 40);
    run(
        &link,
        &[
            "cp",
            "-r",
            "--concurrency",
            "8",
            folder_arg,
            "s3://small/fixed/",
        ],
    );
    let fixed = link.stop();
    assert!(fixed <= 8 + 2, "--concurrency 8 opened {fixed} connections");

    // Left to itself, it finds that 16 files at once leave the link idle, and moves more.
    let link = Link::start(&served.endpoint, 40);
    run(&link, &["cp", "-r", folder_arg, "s3://small/measured/"]);
    let back = dir.path().join("back");
    run(
        &link,
        &["cp", "-r", "s3://small/measured/", back.to_str().unwrap()],
    );
    let measured = link.stop();
    assert!(
        measured >= 32,
        "with no flag, the most connections at once were {measured}"
    );
    for i in [0u32, 399, 799] {
        let name = format!("part-{i:04}.bin");
        assert!(same_bytes(&folder.join(&name), &back.join(&name)), "{name}");
    }
    assert_eq!(std::fs::read_dir(&back).unwrap().count(), 800);
}

#[test]
fn a_recursive_listing_over_a_long_link_lists_folders_at_once_in_key_order() {
    let served = serve_sandbox();
    make_bucket(&served, "layout");
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("ds");
    let mut keys = Vec::new();
    // Two large folders (the first page lies inside `a/`), a small one, and names that sort
    // between them: `a-top` before `a/`, `b0` after `b/`.
    for (folder, count) in [("a", 2500), ("b", 1200), ("c", 1)] {
        std::fs::create_dir_all(root.join(folder)).unwrap();
        for i in 0..count {
            let name = format!("{folder}/part-{i:05}.parquet");
            std::fs::write(root.join(&name), b"").unwrap();
            keys.push(format!("ds/{name}"));
        }
    }
    for name in ["a-top", "b0", "zz"] {
        std::fs::write(root.join(name), b"x").unwrap();
        keys.push(format!("ds/{name}"));
    }
    keys.sort();
    let sent = skiff_at(&served, &served.endpoint)
        .args(["cp", "-r", root.to_str().unwrap(), "s3://layout/ds/"])
        .env("SKIFF_DATA_DIR", dir.path().join("data"))
        .output()
        .unwrap();
    assert!(sent.status.success(), "{sent:?}");

    let link = Link::start(&served.endpoint, 40);
    let listed = skiff_at(&served, &link.endpoint)
        .args(["ls", "--recursive", "s3://layout/ds/"])
        .output()
        .unwrap();
    let at_once = link.stop();
    assert!(listed.status.success(), "{listed:?}");
    let names: Vec<String> = String::from_utf8(listed.stdout)
        .unwrap()
        .lines()
        .map(|l| l.rsplit(' ').next().unwrap().to_owned())
        .collect();
    assert_eq!(names.len(), keys.len());
    assert!(
        names == keys,
        "the listing is out of key order or incomplete"
    );
    // The rest of `a/`, `b/` and `c/` and the folder-level listing ran side by side.
    assert!(
        at_once >= 3,
        "the listing used {at_once} connections at once"
    );
}
