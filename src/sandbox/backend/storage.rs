//! The sandbox's files, and the index kept from them in memory.
//!
//! Under the store folder, each bucket is a folder: `bucket.json` (its record), `config/*.xml`
//! (its settings, as S3 returns them), `data/` (object bytes, one file per object or part, named
//! by a random id), `uploads/<id>/` (incomplete multipart uploads: `upload.json` and the parts),
//! and its index: `index.jsonl` (a snapshot, one version per line) then `journal.jsonl` (each
//! change since, one line each). A write lands in `tmp/` first and is renamed into `data/`; the
//! journal line is the moment it exists, so a kill at any point leaves either the old state or
//! the new one (a torn last line is ignored, its bytes removed on the next start).

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use s3s::{S3Result, s3_error};

use super::model::{BucketRecord, Change, UploadRecord, Version};

/// One bucket: its record, every key's versions (newest first), its incomplete uploads.
pub struct BucketState {
    pub record: BucketRecord,
    pub keys: BTreeMap<String, Vec<Version>>,
    pub uploads: BTreeMap<String, UploadRecord>,
    journal: File,
    dir: PathBuf,
}

impl BucketState {
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn data_path(&self, name: &str) -> PathBuf {
        self.dir.join("data").join(name)
    }

    pub fn upload_dir(&self, upload_id: &str) -> PathBuf {
        self.dir.join("uploads").join(upload_id)
    }

    /// A fresh file name under `tmp/` to write into before a rename.
    pub fn staging_path(&self) -> PathBuf {
        self.dir.join("tmp").join(new_id())
    }

    /// Moves a staged (or part) file into `data/`, under a new name; the name.
    pub fn adopt(&self, staged: &Path) -> S3Result<String> {
        let name = format!("{}/{}", &new_id()[..2], new_id());
        let dest = self.data_path(&name);
        let parent = dest.parent().expect("a data path has a parent");
        private_dir(parent)?;
        std::fs::rename(staged, &dest).map_err(io)?;
        Ok(name)
    }

    /// A new file in `data/` with the same bytes as `name` (a hard link: no bytes copied).
    pub fn link_copy(&self, source: &BucketState, name: &str) -> S3Result<String> {
        let new = format!("{}/{}", &new_id()[..2], new_id());
        let dest = self.data_path(&new);
        private_dir(dest.parent().expect("a data path has a parent"))?;
        if std::fs::hard_link(source.data_path(name), &dest).is_err() {
            std::fs::copy(source.data_path(name), &dest).map_err(io)?;
        }
        Ok(new)
    }

    /// Writes `change` to the journal, then applies it. The journal line is one write: a kill
    /// leaves it whole or absent.
    pub fn commit(&mut self, change: Change) -> S3Result<()> {
        let mut line = serde_json::to_vec(&change).map_err(|e| s3_error!(InternalError, "{e}"))?;
        line.push(b'\n');
        self.journal.write_all(&line).map_err(io)?;
        let removed = apply(&mut self.keys, change);
        for name in removed {
            let _ = std::fs::remove_file(self.data_path(&name));
        }
        Ok(())
    }

    /// The newest version of `key`, if any (a delete marker included).
    pub fn latest(&self, key: &str) -> Option<&Version> {
        self.keys.get(key).and_then(|v| v.first())
    }

    /// The version `version_id` of `key` (`null` names the null version).
    pub fn version(&self, key: &str, version_id: &str) -> Option<&Version> {
        self.keys
            .get(key)?
            .iter()
            .find(|v| v.version_id == version_id)
    }

    pub fn is_empty(&self) -> bool {
        self.keys.values().all(Vec::is_empty) && self.uploads.is_empty()
    }
}

/// Applies one change to the index; the data files no version holds any more.
fn apply(keys: &mut BTreeMap<String, Vec<Version>>, change: Change) -> Vec<String> {
    let mut removed = Vec::new();
    match change {
        Change::Put { key, version } => {
            let versions = keys.entry(key).or_default();
            if let Some(i) = versions
                .iter()
                .position(|v| v.version_id == version.version_id)
            {
                removed.extend(versions.remove(i).data);
            }
            versions.insert(0, version);
        }
        Change::Update { key, version } => {
            if let Some(slot) = keys
                .get_mut(&key)
                .and_then(|vs| vs.iter_mut().find(|v| v.version_id == version.version_id))
            {
                *slot = version;
            }
        }
        Change::Remove { key, version_id } => {
            if let Some(versions) = keys.get_mut(&key) {
                if let Some(i) = versions.iter().position(|v| v.version_id == version_id) {
                    removed.extend(versions.remove(i).data);
                }
                if versions.is_empty() {
                    keys.remove(&key);
                }
            }
        }
    }
    removed
}

/// The bucket, or NoSuchBucket.
pub fn bucket<'a>(buckets: &'a mut Buckets<'_>, name: &str) -> S3Result<&'a mut BucketState> {
    buckets.get_mut(name).ok_or_else(|| s3_error!(NoSuchBucket))
}

/// Every bucket, behind one lock: each operation holds it only to read or change the index,
/// never while bytes stream.
pub struct Storage {
    root: PathBuf,
    buckets: Mutex<BTreeMap<String, BucketState>>,
}

pub type Buckets<'a> = MutexGuard<'a, BTreeMap<String, BucketState>>;

impl Storage {
    /// Opens the store at `root`, loading every bucket's index.
    pub fn open(root: &Path) -> std::io::Result<Self> {
        crate::local_data::create_private_dir(root)?;
        let mut buckets = BTreeMap::new();
        for entry in std::fs::read_dir(root)? {
            let dir = entry?.path();
            if dir.join("bucket.json").is_file() {
                let state = load_bucket(&dir)?;
                buckets.insert(state.record.name.clone(), state);
            }
        }
        Ok(Self {
            root: root.to_owned(),
            buckets: Mutex::new(buckets),
        })
    }

    pub fn lock(&self) -> Buckets<'_> {
        self.buckets.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Makes a bucket's folder and record.
    pub fn create_bucket(&self, record: BucketRecord) -> S3Result<()> {
        let mut buckets = self.lock();
        if buckets.contains_key(&record.name) {
            return Err(s3_error!(BucketAlreadyOwnedByYou));
        }
        let dir = self.root.join(&record.name);
        for sub in ["", "data", "tmp", "uploads", "config"] {
            private_dir(&dir.join(sub))?;
        }
        write_private(&dir.join("bucket.json"), &to_json(&record)?)?;
        let state = load_bucket(&dir).map_err(io)?;
        buckets.insert(record.name.clone(), state);
        Ok(())
    }

    /// Removes an empty bucket.
    pub fn delete_bucket(&self, name: &str) -> S3Result<()> {
        let mut buckets = self.lock();
        let state = buckets.get(name).ok_or_else(|| s3_error!(NoSuchBucket))?;
        if !state.is_empty() {
            return Err(s3_error!(BucketNotEmpty));
        }
        let dir = state.dir.clone();
        buckets.remove(name);
        // The record goes first: a folder left half removed is no bucket on the next start.
        let _ = std::fs::remove_file(dir.join("bucket.json"));
        std::fs::remove_dir_all(&dir).map_err(io)?;
        Ok(())
    }

    /// Saves a bucket's record after a change (versioning).
    pub fn save_record(state: &BucketState) -> S3Result<()> {
        write_private(&state.dir.join("bucket.json"), &to_json(&state.record)?)
    }
}

/// A bucket's state from its folder: the snapshot and the journal replayed, then written back
/// as a new snapshot; files no version or upload holds are removed.
fn load_bucket(dir: &Path) -> std::io::Result<BucketState> {
    let record: BucketRecord = serde_json::from_slice(&std::fs::read(dir.join("bucket.json"))?)
        .map_err(std::io::Error::other)?;
    let mut keys = BTreeMap::new();
    for file in ["index.jsonl", "journal.jsonl"] {
        let Ok(text) = std::fs::read_to_string(dir.join(file)) else {
            continue;
        };
        // A line a kill cut short does not parse: it never happened.
        for change in text.lines().filter_map(|l| serde_json::from_str(l).ok()) {
            apply(&mut keys, change);
        }
    }
    for sub in ["data", "tmp", "uploads", "config"] {
        crate::local_data::create_private_dir(&dir.join(sub))?;
    }
    let _ = std::fs::remove_dir_all(dir.join("tmp"));
    crate::local_data::create_private_dir(&dir.join("tmp"))?;
    let snapshot: Vec<u8> = (keys.iter())
        .flat_map(|(key, versions): (&String, &Vec<Version>)| {
            // Oldest first, so that the replay puts the newest in front.
            versions.iter().rev().map(move |v| {
                let change = Change::Put {
                    key: key.clone(),
                    version: v.clone(),
                };
                let mut line = serde_json::to_vec(&change).expect("a change serialises");
                line.push(b'\n');
                line
            })
        })
        .flatten()
        .collect();
    crate::local_data::replace_private(&dir.join("index.jsonl"), &snapshot)?;
    let journal = std::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(true)
        .open(dir.join("journal.jsonl"))?;
    let uploads = load_uploads(&dir.join("uploads"));
    remove_unheld(dir, &keys);
    Ok(BucketState {
        record,
        keys,
        uploads,
        journal: reopen_append(journal, &dir.join("journal.jsonl"))?,
        dir: dir.to_owned(),
    })
}

fn reopen_append(truncated: File, path: &Path) -> std::io::Result<File> {
    drop(truncated);
    let file = std::fs::OpenOptions::new().append(true).open(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(file)
}

fn load_uploads(dir: &Path) -> BTreeMap<String, UploadRecord> {
    let mut uploads = BTreeMap::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let record = std::fs::read(entry.path().join("upload.json"))
            .ok()
            .and_then(|bytes| serde_json::from_slice::<UploadRecord>(&bytes).ok());
        if let Some(record) = record {
            uploads.insert(record.upload_id.clone(), record);
        }
    }
    uploads
}

/// Data files that no version names: bytes of a write a kill interrupted.
fn remove_unheld(dir: &Path, keys: &BTreeMap<String, Vec<Version>>) {
    let held: std::collections::HashSet<&str> = keys
        .values()
        .flatten()
        .flat_map(|v| v.data.iter().map(String::as_str))
        .collect();
    let data = dir.join("data");
    for fan in std::fs::read_dir(&data).into_iter().flatten().flatten() {
        let fan_name = fan.file_name().to_string_lossy().into_owned();
        for file in std::fs::read_dir(fan.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            let name = format!("{fan_name}/{}", file.file_name().to_string_lossy());
            if !held.contains(name.as_str()) {
                let _ = std::fs::remove_file(file.path());
            }
        }
    }
}

/// A random id: 32 lowercase hex characters.
pub fn new_id() -> String {
    crate::local_data::random_token(32).to_ascii_lowercase()
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

pub fn io(e: std::io::Error) -> s3s::S3Error {
    s3_error!(InternalError, "the sandbox's storage: {e}")
}

fn to_json<T: serde::Serialize>(value: &T) -> S3Result<Vec<u8>> {
    serde_json::to_vec_pretty(value).map_err(|e| s3_error!(InternalError, "{e}"))
}

pub fn private_dir(dir: &Path) -> S3Result<()> {
    crate::local_data::create_private_dir(dir).map_err(io)
}

/// Writes a small file whole: a temporary file renamed over it.
pub fn write_private(path: &Path, bytes: &[u8]) -> S3Result<()> {
    crate::local_data::replace_private(path, bytes).map_err(io)
}
