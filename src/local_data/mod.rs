//! Skiff's own files on this machine: where they live, and the downloads ledger. Below both the
//! transfer engine (which writes journals and records downloads) and cleanup (which deletes what
//! was downloaded), so that neither depends on the other.

use std::path::PathBuf;

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
