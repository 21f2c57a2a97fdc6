//! Skiff's own files on this machine: where they live, and the downloads ledger. Below both the
//! transfer engine (which writes journals and records downloads) and cleanup (which deletes what
//! was downloaded), so that neither depends on the other.

use std::io::Write;
use std::path::{Path, PathBuf};

pub mod keychain;
pub mod ledger;

/// Skiff's own files (journals, the downloads ledger, cleanup reports): `SKIFF_DATA_DIR`, or
/// the user's data directory, or without a home directory [`homeless_dir`].
pub fn data_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("SKIFF_DATA_DIR") {
        return PathBuf::from(dir);
    }
    directories::ProjectDirs::from("dev", "Skiff", "Skiff")
        .map(|d| d.data_dir().to_path_buf())
        .unwrap_or_else(homeless_dir)
}

/// Where a process with no home directory keeps its files: a folder of this process's own in the
/// temporary directory, under a random name and made new (0700), never a predictable path that
/// another user could have made first and reads. It lasts for this process only, so journals do
/// not outlive it; set `SKIFF_DATA_DIR` to keep them.
pub fn homeless_dir() -> PathBuf {
    static DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        for _ in 0..16 {
            let dir = std::env::temp_dir().join(format!("skiff-{}", random_token(16)));
            let mut builder = std::fs::DirBuilder::new();
            #[cfg(unix)]
            std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
            if builder.create(&dir).is_ok() {
                tracing::warn!(
                    "no home directory: Skiff keeps its files in {} for this run only; set \
                     SKIFF_DATA_DIR to keep them",
                    dir.display()
                );
                return dir;
            }
        }
        std::env::temp_dir().join(format!("skiff-{}", random_token(16)))
    })
    .clone()
}

/// `len` random letters and digits: names no one can guess, and the sandbox's keys.
pub fn random_token(len: usize) -> String {
    use rand::Rng;
    rand::rng()
        .sample_iter(rand::distr::Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

/// Makes `dir` (and any missing parent) readable by this user alone: 0700 on Unix. One that
/// exists is tightened where it is Skiff's and open to others.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::metadata(dir)?;
        if meta.permissions().mode() & 0o077 != 0 {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
        }
    }
    Ok(())
}

/// Replaces `path` with `bytes` atomically and durably, readable by this user alone: a new file
/// (0600) is written and synced beside it, then renamed over it, so that a crash leaves the old
/// contents or the new, never a mix or zeros.
pub fn replace_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        create_private_dir(dir)?;
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let _ = std::fs::remove_file(&tmp);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&tmp)?;
    file.write_all(bytes)?;
    file.sync_data()?;
    std::fs::rename(&tmp, path)
}

/// A file's modification time in nanoseconds since the epoch (0 where the system has none): what
/// tells a file changed since Skiff wrote or read it.
pub fn mtime_nanos(meta: &std::fs::Metadata) -> u128 {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_nanos())
        .unwrap_or(0)
}

/// Writes `bytes` to a new file at `path`, readable by this user only (0600 in a 0700 folder
/// made where missing): cleanup reports name every key a run deleted.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        create_private_dir(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(bytes)
}
