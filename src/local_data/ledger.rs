//! The downloads ledger: where Skiff put each file it downloaded, so the local side of a workflow
//! can be cleaned up as safely as the bucket side. One JSON line per download in the data
//! directory; a later line for the same path replaces an earlier one.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{data_dir, mtime_nanos};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DownloadRecord {
    pub path: PathBuf,
    pub bucket: String,
    pub key: String,
    pub size_bytes: u64,
    /// The file's modification time just after it was written: a different one means someone
    /// changed the file since, and cleanup leaves it alone.
    pub mtime_nanos: u128,
    pub downloaded_at_secs: i64,
    /// The folders this download made to hold the file (outermost first): the only folders a
    /// cleanup may remove. Folders that were there before are the user's.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub made_folders: Vec<PathBuf>,
}

pub fn ledger_path() -> PathBuf {
    data_dir().join("downloads.jsonl")
}

/// Notes a finished download, with the folders it made. A ledger that cannot be written costs
/// only the cleanup of this file later, so it is logged, not reported as a failed download.
pub fn record(path: &Path, bucket: &str, key: &str, made_folders: Vec<PathBuf>) {
    let Ok(meta) = std::fs::metadata(path) else {
        return;
    };
    let entry = DownloadRecord {
        path: std::path::absolute(path).unwrap_or_else(|_| path.to_owned()),
        bucket: bucket.to_owned(),
        key: key.to_owned(),
        size_bytes: meta.len(),
        mtime_nanos: mtime_nanos(&meta),
        downloaded_at_secs: crate::runtime::now_secs(),
        made_folders: made_folders
            .into_iter()
            .map(|f| std::path::absolute(&f).unwrap_or(f))
            .collect(),
    };
    if let Err(e) = append(&[entry]) {
        tracing::warn!("the downloads ledger could not be written: {e}");
    }
}

fn append(entries: &[DownloadRecord]) -> std::io::Result<()> {
    let path = ledger_path();
    if let Some(dir) = path.parent() {
        super::create_private_dir(dir)?;
    }
    let mut text = Vec::new();
    for e in entries {
        serde_json::to_writer(&mut text, e).map_err(std::io::Error::other)?;
        text.push(b'\n');
    }
    // One write of whole lines in append mode: concurrent downloads do not interleave lines.
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(&text)
}

/// Every download recorded, newest record per path, oldest first. Unreadable lines are skipped.
pub fn load() -> Vec<DownloadRecord> {
    let text = std::fs::read_to_string(ledger_path()).unwrap_or_default();
    let mut by_path: std::collections::HashMap<PathBuf, DownloadRecord> =
        std::collections::HashMap::new();
    for line in text.lines() {
        if let Ok(record) = serde_json::from_str::<DownloadRecord>(line) {
            by_path.insert(record.path.clone(), record);
        }
    }
    let mut records: Vec<DownloadRecord> = by_path.into_values().collect();
    records.sort_by(|a, b| {
        a.downloaded_at_secs
            .cmp(&b.downloaded_at_secs)
            .then(a.path.cmp(&b.path))
    });
    records
}

/// Drops these paths from the ledger (deleted, or found gone), keeping the rest.
pub fn forget(paths: &[PathBuf]) -> std::io::Result<()> {
    let gone: std::collections::HashSet<&PathBuf> = paths.iter().collect();
    let keep: Vec<DownloadRecord> = load()
        .into_iter()
        .filter(|r| !gone.contains(&r.path))
        .collect();
    let mut text = Vec::new();
    for e in &keep {
        serde_json::to_writer(&mut text, e).map_err(std::io::Error::other)?;
        text.push(b'\n');
    }
    super::replace_private(&ledger_path(), &text)
}
