//! Where keys land on disk and files land in a bucket: a download never writes outside the
//! folder the user chose.

use std::path::{Component, Path, PathBuf};

use super::error::TransferError;
use super::job::{IfExists, numbered};
use super::journal::DownloadJournal;

/// The file a download should be written to under `policy`, or `None` to skip it.
pub fn download_destination(dest: &Path, policy: IfExists) -> Option<PathBuf> {
    if policy == IfExists::Overwrite || !dest.exists() {
        return Some(dest.to_path_buf());
    }
    if policy == IfExists::Skip {
        return None;
    }
    let name = dest.file_name()?.to_string_lossy().into_owned();
    (1..10_000)
        .map(|n| dest.with_file_name(numbered(&name, n)))
        .find(|p| !p.exists())
}

/// The key a file named `name` gets when copied to `key`: under it where `key` is empty or ends
/// in `/` (a folder), else `key` itself, as `aws s3 cp` names it.
pub fn key_for_file(key: &str, name: &str) -> String {
    if key.is_empty() || key.ends_with('/') {
        format!("{key}{name}")
    } else {
        key.to_owned()
    }
}

/// `key` as the prefix a folder's files go under: itself, with a `/` added where it lacks one.
pub fn folder_prefix(key: &str) -> String {
    if key.is_empty() || key.ends_with('/') {
        key.to_owned()
    } else {
        format!("{key}/")
    }
}

/// Where `key` lands under `root` once `strip` (the listed prefix) is taken off, or why it may
/// not: no `..`, no absolute path, no drive letter. A download never writes outside `root`.
pub fn local_path_for_key(root: &Path, key: &str, strip: &str) -> Result<PathBuf, TransferError> {
    let relative = key.strip_prefix(strip).unwrap_or(key);
    let unsafe_path = |reason| TransferError::UnsafePath {
        key: key.to_owned(),
        reason,
    };
    if relative.ends_with('/') {
        return Err(unsafe_path("it names a folder, not a file"));
    }
    if relative.starts_with('/') || relative.starts_with('\\') {
        return Err(unsafe_path(
            "it is an absolute path, which would land outside the folder you chose",
        ));
    }
    if relative.len() >= 2
        && relative.as_bytes()[1] == b':'
        && relative.as_bytes()[0].is_ascii_alphabetic()
    {
        return Err(unsafe_path(
            "it starts with a drive letter, which would land outside the folder you chose",
        ));
    }
    let mut path = root.to_path_buf();
    let mut depth = 0;
    for segment in relative.split(['/', '\\']) {
        match segment {
            "" | "." => {}
            ".." => {
                return Err(unsafe_path(
                    "it contains '..', which would land outside the folder you chose",
                ));
            }
            s => {
                let component = Path::new(s).components().next();
                if !matches!(component, Some(Component::Normal(_))) {
                    return Err(unsafe_path(
                        "it contains a special path segment, which would land outside the folder you chose",
                    ));
                }
                path.push(s);
                depth += 1;
            }
        }
    }
    if depth == 0 {
        return Err(unsafe_path("it names no file"));
    }
    Ok(path)
}

/// `dest.skiff-part`, where a download is written until every byte is there; its folder is made.
pub(crate) fn partial_path(dest: &Path) -> Result<PathBuf, TransferError> {
    if let Some(parent) = dest.parent() {
        std::fs::create_dir_all(parent).map_err(|e| TransferError::io(parent, e))?;
    }
    Ok(DownloadJournal::partial_for(dest))
}

/// Removes what a stopped download left for its resume (a cancel, not a pause).
pub fn discard_partial_download(dest: &Path) {
    let partial = DownloadJournal::partial_for(dest);
    let _ = std::fs::remove_file(&partial);
    DownloadJournal::remove(dest);
}

/// Every file under `dir`, with its path relative to `dir` in `/` form (for keys).
pub fn walk_files(dir: &Path) -> Result<Vec<(PathBuf, String)>, TransferError> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        let entries = std::fs::read_dir(&current).map_err(|e| TransferError::io(&current, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| TransferError::io(&current, e))?;
            let path = entry.path();
            let kind = entry.file_type().map_err(|e| TransferError::io(&path, e))?;
            if kind.is_dir() {
                stack.push(path);
            } else if kind.is_file() {
                let relative = path
                    .strip_prefix(dir)
                    .unwrap_or(&path)
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join("/");
                out.push((path, relative));
            }
        }
    }
    out.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_and_folders_are_named_as_aws_s3_cp_names_them() {
        assert_eq!(key_for_file("", "a.csv"), "a.csv");
        assert_eq!(key_for_file("raw/", "a.csv"), "raw/a.csv");
        assert_eq!(key_for_file("raw/b.csv", "a.csv"), "raw/b.csv");
        assert_eq!(folder_prefix(""), "");
        assert_eq!(folder_prefix("raw"), "raw/");
        assert_eq!(folder_prefix("raw/"), "raw/");
    }

    #[test]
    fn downloads_stay_inside_the_chosen_folder() {
        let root = Path::new("/data/out");
        assert_eq!(
            local_path_for_key(root, "raw/a b+c%.txt", "").unwrap(),
            Path::new("/data/out/raw/a b+c%.txt")
        );
        assert_eq!(
            local_path_for_key(root, "pre/x/y.bin", "pre/").unwrap(),
            Path::new("/data/out/x/y.bin")
        );
        assert_eq!(
            local_path_for_key(root, "a//b.txt", "").unwrap(),
            Path::new("/data/out/a/b.txt")
        );
        for key in [
            "../escape.txt",
            "/abs.txt",
            "a/../../b.txt",
            "C:/win.txt",
            "a\\..\\..\\b",
            "",
            "dir/",
        ] {
            assert!(
                matches!(
                    local_path_for_key(root, key, ""),
                    Err(TransferError::UnsafePath { .. })
                ),
                "{key:?} must be refused"
            );
        }
    }
}
