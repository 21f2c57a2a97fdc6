//! Cleanup of the local side: the files Skiff downloaded, found through the downloads ledger.
//! A file changed since its download (other size or modification time) is someone's work now,
//! so it is listed and kept, never deleted.

use std::collections::BTreeSet;
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
    let files = ledger::load()
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
        .collect();
    LocalInventory { files }
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
/// the deletes left empty below the files' common folder, and forgets them in the ledger.
pub fn delete_local(inventory: &LocalInventory) -> LocalReport {
    let mut report = LocalReport::default();
    let mut forgotten = Vec::new();
    let mut deleted_paths = Vec::new();
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
                        deleted_paths.push(path.clone());
                    }
                    Err(e) => report.failures.push((path.clone(), e.to_string())),
                }
            }
        }
    }
    let all: Vec<PathBuf> = inventory
        .files
        .iter()
        .map(|f| f.record.path.clone())
        .collect();
    report.folders_removed = remove_emptied_folders(&deleted_paths, common_folder(&all));
    if let Err(e) = ledger::forget(&forgotten) {
        report.failures.push((
            ledger::ledger_path(),
            format!("the ledger could not be updated: {e}"),
        ));
    }
    report
}

/// Removes the folders that held deleted files and are now empty, walking up but never to
/// `root`, the deepest folder all the scope's downloads share (the one the user chose).
fn remove_emptied_folders(deleted: &[PathBuf], root: Option<PathBuf>) -> u64 {
    let Some(root) = root else {
        return 0;
    };
    let mut candidates: BTreeSet<PathBuf> = BTreeSet::new();
    for path in deleted {
        let mut dir = path.parent();
        while let Some(d) = dir {
            if d == root || !d.starts_with(&root) {
                break;
            }
            candidates.insert(d.to_owned());
            dir = d.parent();
        }
    }
    // Deepest first, so a parent is tried after its children.
    let mut ordered: Vec<PathBuf> = candidates.into_iter().collect();
    ordered.sort_by_key(|p| std::cmp::Reverse(p.components().count()));
    ordered
        .iter()
        .filter(|d| std::fs::remove_dir(d).is_ok())
        .count() as u64
}

fn common_folder(paths: &[PathBuf]) -> Option<PathBuf> {
    let mut common: PathBuf = paths.first()?.parent()?.to_owned();
    for path in &paths[1..] {
        while !path.starts_with(&common) {
            if !common.pop() {
                return None;
            }
        }
    }
    // A root or a bare drive is never a folder to stop at safely.
    (common.parent().is_some() && common != Path::new("")).then_some(common)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_folders() {
        let p = |s: &str| PathBuf::from(s);
        assert_eq!(
            common_folder(&[p("/d/x/raw/a.txt"), p("/d/x/b.txt")]),
            Some(p("/d/x"))
        );
        assert_eq!(common_folder(&[p("/d/x/raw/a.txt")]), Some(p("/d/x/raw")));
        assert_eq!(common_folder(&[p("/a/1"), p("/b/2")]), None);
    }
}
