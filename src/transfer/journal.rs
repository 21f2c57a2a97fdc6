//! The resume journal: what a multipart upload has sent so far, kept on disk so that a crash, a
//! restart or a pause costs only the parts not yet sent.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::checksum::PartChecksum;
use super::error::TransferError;
use crate::local_data::{data_dir, mtime_nanos};

/// Where journals live: `SKIFF_JOURNAL_DIR`, or `journal` in the data directory.
pub fn journal_dir() -> PathBuf {
    match std::env::var_os("SKIFF_JOURNAL_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => data_dir().join("journal"),
    }
}

pub use crate::s3::object_io::SentPart;

/// One multipart upload in progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadJournal {
    pub bucket: String,
    pub key: String,
    pub source: PathBuf,
    pub source_size_bytes: u64,
    /// Modification time of the source, in nanoseconds since the epoch: a changed file starts over.
    pub source_mtime_nanos: u128,
    pub upload_id: String,
    pub part_size_bytes: u64,
    /// Part number → what the server acknowledged.
    pub parts: BTreeMap<u32, SentPart>,
    /// The endpoint the upload went to, so that only a connection to the same server offers to
    /// resume it (journals from before this field have it empty and are never offered).
    #[serde(default)]
    pub endpoint: String,
    #[serde(skip)]
    file: PathBuf,
}

/// FNV-1a over `parts`, each ended by a zero byte: a stable file name from what identifies a
/// transfer.
fn stable_name(kind: &str, parts: &[&[u8]]) -> String {
    let mut hash: u64 = 0xcbf29ce484222325;
    for byte in parts.iter().flat_map(|p| p.iter().copied().chain([0])) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x100000001b3);
    }
    format!("{kind}-{hash:016x}.json")
}

fn entry_path(dir: &Path, bucket: &str, key: &str, source: &Path) -> PathBuf {
    let source = source.to_string_lossy();
    dir.join(stable_name(
        "upload",
        &[bucket.as_bytes(), key.as_bytes(), source.as_bytes()],
    ))
}

/// The journals of one kind (`upload`, `download`) in the journal directory, with their paths.
fn journals<T: serde::de::DeserializeOwned>(kind: &str) -> Vec<(PathBuf, T)> {
    let prefix = format!("{kind}-");
    std::fs::read_dir(journal_dir())
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.extension().is_some_and(|x| x == "json")
                && p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with(&prefix))
        })
        .filter_map(|p| {
            let journal = serde_json::from_slice(&std::fs::read(&p).ok()?).ok()?;
            Some((p, journal))
        })
        .collect()
}

/// Writes `value` to `file` atomically and durably, private to the user: a crash leaves the old
/// one or the new one.
fn save_json(file: &Path, value: &impl Serialize) -> std::io::Result<()> {
    let bytes = serde_json::to_vec(value).map_err(std::io::Error::other)?;
    crate::local_data::replace_private(file, &bytes)
}

/// A running transfer's hold on its journal: an exclusive lock on a `.lock` file beside it, which
/// the system lets go when the process ends, however it ends. Two processes on one data
/// directory (the app and `skiff cp`, two terminals) would otherwise send the same parts of one
/// upload twice, and the app would offer to resume a transfer that is running elsewhere.
#[derive(Debug)]
pub struct JournalClaim {
    lock: PathBuf,
    _file: std::fs::File,
}

impl JournalClaim {
    fn lock_path(journal: &Path) -> PathBuf {
        journal.with_extension("lock")
    }

    /// Claims the journal file `journal`, or `None` while another transfer, in this process or
    /// another, holds it.
    pub fn claim(journal: &Path) -> std::io::Result<Option<Self>> {
        if let Some(dir) = journal.parent() {
            crate::local_data::create_private_dir(dir)?;
        }
        let lock = Self::lock_path(journal);
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock)?;
        match file.try_lock() {
            Ok(()) => Ok(Some(Self { lock, _file: file })),
            Err(std::fs::TryLockError::WouldBlock) => Ok(None),
            Err(std::fs::TryLockError::Error(e)) => Err(e),
        }
    }

    /// Whether a running transfer holds the journal file `journal`.
    pub fn is_held(journal: &Path) -> bool {
        std::fs::File::open(Self::lock_path(journal))
            .is_ok_and(|f| matches!(f.try_lock(), Err(std::fs::TryLockError::WouldBlock)))
    }
}

impl Drop for JournalClaim {
    fn drop(&mut self) {
        // Removed while still held, so that no other transfer can have locked this file.
        let _ = std::fs::remove_file(&self.lock);
    }
}

impl UploadJournal {
    pub fn new(
        endpoint: &str,
        bucket: &str,
        key: &str,
        source: &Path,
        meta: &std::fs::Metadata,
        upload_id: &str,
        part_size_bytes: u64,
    ) -> Self {
        let dir = journal_dir();
        Self {
            bucket: bucket.to_owned(),
            key: key.to_owned(),
            source: source.to_owned(),
            source_size_bytes: meta.len(),
            source_mtime_nanos: mtime_nanos(meta),
            upload_id: upload_id.to_owned(),
            part_size_bytes,
            parts: BTreeMap::new(),
            endpoint: endpoint.to_owned(),
            file: entry_path(&dir, bucket, key, source),
        }
    }

    /// The journal of an earlier upload of this very file (same size and modification time) to
    /// this key with this part size; a journal for a changed file is removed.
    pub fn find(
        bucket: &str,
        key: &str,
        source: &Path,
        meta: &std::fs::Metadata,
        part_size_bytes: u64,
    ) -> Option<Self> {
        let journal = Self::load(bucket, key, source)?;
        let same = journal.source_size_bytes == meta.len()
            && journal.source_mtime_nanos == mtime_nanos(meta)
            && journal.part_size_bytes == part_size_bytes
            && journal.bucket == bucket
            && journal.key == key;
        if !same {
            journal.remove();
            return None;
        }
        if !journal.is_sound() {
            tracing::warn!(
                "the resume journal of {} names parts this upload has not; it was discarded",
                crate::format::escape_controls(&source.display().to_string())
            );
            journal.remove();
            return None;
        }
        Some(journal)
    }

    /// Whether the journal could have been written by this upload: an upload id, a part size
    /// of at least one byte, and part numbers within 1..=the part count of the file's size.
    fn is_sound(&self) -> bool {
        let part_count = self
            .source_size_bytes
            .div_ceil(self.part_size_bytes.max(1))
            .max(1);
        self.part_size_bytes > 0
            && (self.parts.is_empty() || !self.upload_id.is_empty())
            && (self.parts.keys()).all(|&n| n >= 1 && u64::from(n) <= part_count)
    }

    /// Uploads to `endpoint` that an earlier run (a crash, a quit, a pause) left unfinished and
    /// whose source file is still there as it was.
    pub fn unfinished(endpoint: &str) -> Vec<Self> {
        let mut found: Vec<Self> = journals::<Self>("upload")
            .into_iter()
            .map(|(file, journal)| Self { file, ..journal })
            .filter(|j| !j.endpoint.is_empty() && j.endpoint == endpoint && j.is_sound())
            .filter(|j| j.source.is_absolute())
            .filter(|j| !JournalClaim::is_held(&j.file))
            .filter(|j| {
                std::fs::metadata(&j.source).is_ok_and(|m| {
                    m.len() == j.source_size_bytes && mtime_nanos(&m) == j.source_mtime_nanos
                })
            })
            .collect();
        found.sort_by(|a, b| (&a.bucket, &a.key).cmp(&(&b.bucket, &b.key)));
        found
    }

    /// The journal file of an upload of `source` to this key, whether or not there is one.
    pub fn file_for(bucket: &str, key: &str, source: &Path) -> PathBuf {
        entry_path(&journal_dir(), bucket, key, source)
    }

    /// The journal of an upload of this file to this key, whatever its state.
    pub fn load(bucket: &str, key: &str, source: &Path) -> Option<Self> {
        let file = Self::file_for(bucket, key, source);
        let text = std::fs::read_to_string(&file).ok()?;
        let mut journal: Self = serde_json::from_str(&text).ok()?;
        journal.file = file;
        Some(journal)
    }

    /// Writes the journal (atomically: a crash leaves the old one or the new one).
    pub fn save(&self) -> std::io::Result<()> {
        save_json(&self.file, self)
    }

    pub fn remove(&self) {
        let _ = std::fs::remove_file(&self.file);
    }
}

/// What a large download has written so far, kept in the journal directory, so that a crash, a
/// kill or a pause costs only the parts not yet written, and so that the app can offer it when
/// it starts again. Tied to the object's ETag and size: a changed object starts over.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DownloadJournal {
    pub etag: Option<String>,
    pub size_bytes: u64,
    pub part_size_bytes: u64,
    /// Part index (parts of `part_size_bytes`; one ranged GET fetches several) -> (bytes
    /// written, their checksum in `part_checksum`). Journals written before the download's
    /// unit was named "part" call it `ranges`.
    #[serde(alias = "ranges")]
    pub parts: BTreeMap<u64, (u64, u64)>,
    /// What the parts' checksums are, if they were taken. Journals from before it was noted
    /// took a CRC32C where the object had one.
    #[serde(default = "crc32c_in_first_journals", alias = "piece_checksum")]
    pub part_checksum: Option<PartChecksum>,
    /// Where it comes from and goes to, so that a restarted app can offer to finish it.
    pub endpoint: String,
    pub bucket: String,
    pub key: String,
    /// The version downloaded, where one was chosen (journals from before versions: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
    pub dest: PathBuf,
}

fn crc32c_in_first_journals() -> Option<PartChecksum> {
    Some(PartChecksum::Crc32c)
}

impl DownloadJournal {
    /// The `.skiff-part` file the download is written into until every byte is there.
    pub fn partial_for(dest: &Path) -> PathBuf {
        let mut partial = dest.as_os_str().to_owned();
        partial.push(".skiff-part");
        PathBuf::from(partial)
    }

    /// The journal's own file, named for the destination it fills.
    pub fn file_for(dest: &Path) -> PathBuf {
        let dest = dest.to_string_lossy();
        journal_dir().join(stable_name("download", &[dest.as_bytes()]))
    }

    /// The journal of an earlier download of this very object into `dest`, if its partial file is
    /// still there at full length and its parts carry the checksum this download checks.
    pub fn find(
        dest: &Path,
        etag: Option<&str>,
        size_bytes: u64,
        part_size_bytes: u64,
        part_checksum: Option<PartChecksum>,
    ) -> Option<Self> {
        let journal: Self =
            serde_json::from_slice(&std::fs::read(Self::file_for(dest)).ok()?).ok()?;
        (journal.etag.as_deref() == etag
            && journal.size_bytes == size_bytes
            && journal.part_size_bytes == part_size_bytes
            && (part_checksum.is_none() || journal.part_checksum == part_checksum)
            && etag.is_some()
            && journal.partial_is_whole())
        .then_some(journal)
    }

    fn partial_is_whole(&self) -> bool {
        std::fs::metadata(Self::partial_for(&self.dest)).is_ok_and(|m| m.len() == self.size_bytes)
    }

    /// Downloads from `endpoint` that an earlier run (a crash, a quit, a pause) left with some
    /// ranges written and whose partial file is still there.
    pub fn unfinished(endpoint: &str) -> Vec<Self> {
        let mut found: Vec<Self> = journals::<Self>("download")
            .into_iter()
            .map(|(_, journal)| journal)
            // A destination that is not absolute would land wherever the app was started.
            .filter(|j| j.dest.is_absolute())
            .filter(|j| j.endpoint == endpoint && !j.parts.is_empty() && j.partial_is_whole())
            .filter(|j| !JournalClaim::is_held(&Self::file_for(&j.dest)))
            .collect();
        found.sort_by(|a, b| a.dest.cmp(&b.dest));
        found
    }

    /// Bytes already written.
    pub fn bytes_written(&self) -> u64 {
        self.parts.values().map(|(len, _)| len).sum()
    }

    pub fn save(&self) -> std::io::Result<()> {
        save_json(&Self::file_for(&self.dest), self)
    }

    pub fn remove(dest: &Path) {
        let _ = std::fs::remove_file(Self::file_for(dest));
    }
}

/// Holds `journal` for this transfer while it runs, or says that another transfer holds it.
pub(crate) async fn claim_journal(
    journal: &Path,
    what: impl FnOnce() -> String,
) -> Result<JournalClaim, TransferError> {
    // A few tries: `JournalClaim::is_held` holds a free lock for a moment to find it free.
    for _ in 0..10 {
        match JournalClaim::claim(journal) {
            Ok(Some(claim)) => return Ok(claim),
            Ok(None) => tokio::time::sleep(std::time::Duration::from_millis(10)).await,
            Err(e) => return Err(TransferError::io(journal, e)),
        }
    }
    Err(TransferError::InUse { what: what() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn download_journals_written_before_the_rename_still_load() {
        let old = r#"{"etag":"\"e\"","size_bytes":20971520,"part_size_bytes":8388608,
            "ranges":{"0":[8388608,123],"2":[4194304,456]},"piece_checksum":"Crc32",
            "endpoint":"http://127.0.0.1:9000","bucket":"b","key":"k","dest":"/tmp/k"}"#;
        let journal: DownloadJournal = serde_json::from_str(old).unwrap();
        assert_eq!(journal.parts.len(), 2);
        assert_eq!(journal.parts[&2], (4194304, 456));
        assert_eq!(journal.part_checksum, Some(PartChecksum::Crc32));
        assert_eq!(journal.bytes_written(), 12582912);
        let again: DownloadJournal =
            serde_json::from_str(&serde_json::to_string(&journal).unwrap()).unwrap();
        assert_eq!(again, journal);
    }

    #[test]
    fn upload_journals_naming_parts_the_file_has_not_are_unsound() {
        let sent = |etag: &str| SentPart {
            etag: Some(etag.into()),
            crc32c: String::new(),
        };
        let mut journal = UploadJournal {
            bucket: "b".into(),
            key: "k".into(),
            source: "/data/f.bin".into(),
            source_size_bytes: 20 << 20,
            source_mtime_nanos: 1,
            upload_id: "up".into(),
            part_size_bytes: 8 << 20,
            parts: [(1, sent("a")), (3, sent("c"))].into(),
            endpoint: "http://127.0.0.1:1".into(),
            file: PathBuf::new(),
        };
        assert!(journal.is_sound());
        journal.parts.insert(4, sent("d"));
        assert!(
            !journal.is_sound(),
            "20 MiB in 8 MiB parts has parts 1 to 3"
        );
        journal.parts.remove(&4);
        journal.parts.insert(0, sent("z"));
        assert!(!journal.is_sound(), "part numbers start at 1");
        journal.parts.remove(&0);
        journal.upload_id.clear();
        assert!(!journal.is_sound(), "sent parts belong to an upload");
    }
}
