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

/// The folder a file is in (`.` for a bare name): where a download chosen as a file stays.
pub fn folder_of(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

/// Makes the folders from `root` (the folder the user chose) down to `dest`'s, one at a time,
/// never following a symbolic link out of `root`: a link inside it that leads elsewhere makes
/// this an error before anything is created outside. Returns the folders it made.
pub(crate) fn make_folder_within(root: &Path, dest: &Path) -> Result<Vec<PathBuf>, TransferError> {
    let outside = |reason| TransferError::UnsafePath {
        key: dest.display().to_string(),
        reason,
    };
    let parent = folder_of(dest);
    let root = if root.as_os_str().is_empty() {
        Path::new(".")
    } else {
        root
    };
    let below = parent
        .strip_prefix(root)
        .map_err(|_| outside("it is not inside the folder you chose"))?;
    let mut made = Vec::new();
    if !root.exists() {
        std::fs::create_dir_all(root).map_err(|e| TransferError::io(root, e))?;
        made.push(root.to_owned());
    }
    let resolved_root = std::fs::canonicalize(root).map_err(|e| TransferError::io(root, e))?;
    let mut folder = root.to_path_buf();
    for part in below.components() {
        let Component::Normal(name) = part else {
            return Err(outside(
                "its path has a special segment, which could lead outside the folder you chose",
            ));
        };
        folder.push(name);
        match std::fs::symlink_metadata(&folder) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let target =
                    std::fs::canonicalize(&folder).map_err(|e| TransferError::io(&folder, e))?;
                if !target.starts_with(&resolved_root) {
                    return Err(outside(
                        "a symbolic link on its path leads outside the folder you chose",
                    ));
                }
            }
            Ok(meta) if meta.is_dir() => {}
            Ok(_) => {
                return Err(TransferError::io(
                    &folder,
                    std::io::Error::other("a file is where a folder should be"),
                ));
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                match std::fs::create_dir(&folder) {
                    Ok(()) => made.push(folder.clone()),
                    // Made a moment ago by a download beside this one.
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                        if !std::fs::symlink_metadata(&folder).is_ok_and(|m| m.is_dir()) {
                            return Err(TransferError::io(&folder, e));
                        }
                    }
                    Err(e) => return Err(TransferError::io(&folder, e)),
                }
            }
            Err(e) => return Err(TransferError::io(&folder, e)),
        }
    }
    Ok(made)
}

/// A new, empty partial file at `partial`, opened for writing. What an earlier run left there is
/// removed first only when it is a plain file: a symbolic link (planted, or left by anything)
/// is neither followed nor removed.
pub(crate) fn create_partial(partial: &Path) -> Result<std::fs::File, TransferError> {
    match std::fs::symlink_metadata(partial) {
        Ok(meta) if meta.is_file() => {
            std::fs::remove_file(partial).map_err(|e| TransferError::io(partial, e))?;
        }
        Ok(_) => return Err(not_a_plain_file(partial)),
        Err(_) => {}
    }
    // `create_new` (O_EXCL) fails on any name that exists, a dangling link included.
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(partial)
        .map_err(|e| TransferError::io(partial, e))
}

/// The partial file an earlier run left, opened for writing without following a link.
pub(crate) fn reopen_partial(partial: &Path) -> Result<std::fs::File, TransferError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NOFOLLOW);
    if !std::fs::symlink_metadata(partial).is_ok_and(|m| m.is_file()) {
        return Err(not_a_plain_file(partial));
    }
    let file = options
        .open(partial)
        .map_err(|e| TransferError::io(partial, e))?;
    match file.metadata() {
        Ok(meta) if meta.is_file() => Ok(file),
        _ => Err(not_a_plain_file(partial)),
    }
}

fn not_a_plain_file(partial: &Path) -> TransferError {
    TransferError::io(
        partial,
        std::io::Error::other(
            "it is not a plain file (a symbolic link or a folder); Skiff neither follows nor \
             removes it: remove it yourself if it is not yours",
        ),
    )
}

/// Puts a finished partial file in `dest`'s place. Under `Overwrite` it replaces what is there;
/// otherwise it never replaces a file that appeared at `dest` during the download: `Skip`
/// leaves it and fails, `Rename` takes the next free numbered name. Returns where it landed.
pub(crate) fn land(
    partial: &Path,
    dest: &Path,
    policy: IfExists,
) -> Result<PathBuf, TransferError> {
    if policy == IfExists::Overwrite {
        std::fs::rename(partial, dest).map_err(|e| TransferError::io(dest, e))?;
        return Ok(dest.to_owned());
    }
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tries = std::iter::once(dest.to_owned())
        .chain((1..10_000).map(|n| dest.with_file_name(numbered(&name, n))));
    for candidate in tries {
        // A hard link is made only where no name exists: the check and the claim are one step.
        match std::fs::hard_link(partial, &candidate) {
            Ok(()) => {
                let _ = std::fs::remove_file(partial);
                return Ok(candidate);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                if policy == IfExists::Skip {
                    let _ = std::fs::remove_file(partial);
                    return Err(TransferError::io(
                        &candidate,
                        std::io::Error::other(
                            "a file of that name appeared during the download and was kept",
                        ),
                    ));
                }
            }
            // A file system without hard links: check, then rename.
            Err(_) if !candidate.exists() => {
                std::fs::rename(partial, &candidate)
                    .map_err(|e| TransferError::io(&candidate, e))?;
                return Ok(candidate);
            }
            Err(e) => return Err(TransferError::io(&candidate, e)),
        }
    }
    Err(TransferError::io(
        dest,
        std::io::Error::other("no free numbered name is left beside it"),
    ))
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

    #[test]
    fn a_file_that_appeared_during_a_download_is_never_replaced_unless_asked() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("a.txt");
        let partial = DownloadJournal::partial_for(&dest);
        let finish = |bytes: &[u8]| std::fs::write(&partial, bytes).unwrap();

        std::fs::write(&dest, b"theirs").unwrap();
        finish(b"ours");
        assert!(land(&partial, &dest, IfExists::Skip).is_err());
        assert_eq!(std::fs::read(&dest).unwrap(), b"theirs");
        assert!(!partial.exists());

        finish(b"ours");
        let landed = land(&partial, &dest, IfExists::Rename).unwrap();
        assert_eq!(landed, dir.path().join("a (1).txt"));
        assert_eq!(std::fs::read(&landed).unwrap(), b"ours");
        assert_eq!(std::fs::read(&dest).unwrap(), b"theirs");

        finish(b"new");
        assert_eq!(land(&partial, &dest, IfExists::Overwrite).unwrap(), dest);
        assert_eq!(std::fs::read(&dest).unwrap(), b"new");
    }

    #[cfg(unix)]
    #[test]
    fn partial_files_are_never_followed_through_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, b"precious").unwrap();
        let partial = dir.path().join("x.skiff-part");
        std::os::unix::fs::symlink(&victim, &partial).unwrap();
        assert!(create_partial(&partial).is_err());
        assert!(reopen_partial(&partial).is_err());
        assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
        assert!(std::fs::symlink_metadata(&partial).unwrap().is_symlink());
    }
}
