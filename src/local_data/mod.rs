//! Skiff's own files on this machine: where they live, and the downloads ledger. Below both the
//! transfer engine (which writes journals and records downloads) and cleanup (which deletes what
//! was downloaded), so that neither depends on the other.

use std::io::Write;
use std::path::{Path, PathBuf};

pub mod ledger;

/// Skiff's own files (journals, the downloads ledger, cleanup reports): `SKIFF_DATA_DIR`, or
/// the user's data directory.
pub fn data_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("SKIFF_DATA_DIR") {
        return PathBuf::from(dir);
    }
    directories::ProjectDirs::from("dev", "Skiff", "Skiff")
        .map(|d| d.data_dir().to_path_buf())
        .unwrap_or_else(|| std::env::temp_dir().join("skiff-data"))
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
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(bytes)
}
