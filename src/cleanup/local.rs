//! Cleanup of the local side: the files Skiff downloaded, found through the downloads ledger.
//! A file changed since its download (other size or modification time) is someone's work now,
//! so it is listed and kept, never deleted.

use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};

use crate::local_data::ledger::{self, DownloadRecord};
use crate::local_data::mtime_nanos;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalState {
    /// As downloaded: it goes.
    Unchanged,
    /// Changed since the download: kept.
    Modified,
    /// Already gone: only its ledger line goes.
    Missing,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalFile {
    pub record: DownloadRecord,
    pub state: LocalState,
}

/// Which downloads a local cleanup covers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LocalScope {
    /// Only files downloaded from this bucket.
    pub bucket: Option<String>,
    /// Only files downloaded more than this many days ago.
    pub older_than_days: Option<u32>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LocalInventory {
    pub files: Vec<LocalFile>,
    /// Folders Skiff made for downloads that the deletes would leave empty, deepest first: the
    /// only folders a cleanup removes. A folder that was there before Skiff wrote into it is
    /// never among them.
    pub folders: Vec<PathBuf>,
}

impl LocalInventory {
    pub fn count(&self, state: LocalState) -> (u64, u64) {
        self.files
            .iter()
            .filter(|f| f.state == state)
            .fold((0, 0), |(n, b), f| (n + 1, b + f.record.size_bytes))
    }
}

/// Reads the ledger and looks at each file. Changes nothing.
pub fn scan_local(scope: &LocalScope) -> LocalInventory {
    let now = crate::runtime::now_secs();
    let records = ledger::load();
    // Folders made by any download, in scope or not: a folder another download made is Skiff's too.
    let made: HashSet<PathBuf> = (records.iter())
        .flat_map(|r| r.made_folders.iter().cloned())
        .collect();
    let files = records
        .into_iter()
        .filter(|r| scope.bucket.as_ref().is_none_or(|b| *b == r.bucket))
        .filter(|r| {
            scope
                .older_than_days
                .is_none_or(|d| r.downloaded_at_secs <= now - i64::from(d) * 86_400)
        })
        .map(|record| {
            let state = match std::fs::symlink_metadata(&record.path) {
                Err(_) => LocalState::Missing,
                Ok(meta)
                    if meta.is_file()
                        && meta.len() == record.size_bytes
                        && mtime_nanos(&meta) == record.mtime_nanos =>
                {
                    LocalState::Unchanged
                }
                Ok(_) => LocalState::Modified,
            };
            LocalFile { record, state }
        })
        .collect::<Vec<_>>();
    let folders = emptied_folders(&files, &made);
    LocalInventory { files, folders }
}

/// The folders of `made` that would hold nothing once the unchanged files of `files` are
/// deleted, deepest first.
fn emptied_folders(files: &[LocalFile], made: &HashSet<PathBuf>) -> Vec<PathBuf> {
    let going: HashSet<&Path> = (files.iter())
        .filter(|f| f.state == LocalState::Unchanged)
        .map(|f| f.record.path.as_path())
        .collect();
    let mut candidates: Vec<&Path> = (going.iter())
        .flat_map(|path| path.ancestors().skip(1))
        .filter(|dir| made.contains(*dir))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    // Deepest first, so that a folder is judged after the folders inside it.
    candidates.sort_by_key(|p| std::cmp::Reverse(p.components().count()));
    let mut emptied: Vec<PathBuf> = Vec::new();
    for dir in candidates {
        let Ok(entries) = std::fs::read_dir(dir) else {
            continue;
        };
        let empty_after = entries.flatten().all(|entry| {
            let path = entry.path();
            going.contains(path.as_path()) || emptied.contains(&path)
        });
        if empty_after {
            emptied.push(dir.to_owned());
        }
    }
    emptied
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LocalReport {
    pub deleted: u64,
    pub deleted_bytes: u64,
    /// Folders left empty by the deletes and removed with them.
    pub folders_removed: u64,
    pub kept_modified: u64,
    pub failures: Vec<(PathBuf, String)>,
}

/// Deletes the unchanged files of `inventory` (checked again just before), then the folders
/// Skiff made that the deletes left empty, and forgets the files in the ledger.
pub fn delete_local(inventory: &LocalInventory) -> LocalReport {
    let mut report = LocalReport::default();
    let mut forgotten = Vec::new();
    for file in &inventory.files {
        let path = &file.record.path;
        match file.state {
            LocalState::Missing => forgotten.push(path.clone()),
            LocalState::Modified => report.kept_modified += 1,
            LocalState::Unchanged => {
                // The scan may be minutes old: look again right before deleting.
                let still_same = std::fs::symlink_metadata(path).is_ok_and(|m| {
                    m.is_file()
                        && m.len() == file.record.size_bytes
                        && mtime_nanos(&m) == file.record.mtime_nanos
                });
                if !still_same {
                    report.kept_modified += 1;
                    continue;
                }
                match std::fs::remove_file(path) {
                    Ok(()) => {
                        report.deleted += 1;
                        report.deleted_bytes += file.record.size_bytes;
                        forgotten.push(path.clone());
                    }
                    Err(e) => report.failures.push((path.clone(), e.to_string())),
                }
            }
        }
    }
    // `remove_dir` fails on a folder that holds anything (a file kept, one added since).
    report.folders_removed = (inventory.folders.iter())
        .filter(|dir| std::fs::remove_dir(dir).is_ok())
        .count() as u64;
    if let Err(e) = ledger::forget(&forgotten) {
        report.failures.push((
            ledger::ledger_path(),
            format!("the ledger could not be updated: {e}"),
        ));
    }
    report
}
