//! Data an earlier Skiff's sandbox (s3s-fs) kept: each bucket a folder of files at their keys'
//! paths, headers and metadata in hidden side files, a folder marker as `.skiff-folder`. On the
//! first start of this store its objects move in (the files are renamed, not copied), with their
//! headers and metadata, and the old folder is removed once empty of objects.

use std::path::{Path, PathBuf};

use md5::Digest;

use super::model::{BucketRecord, Change, Headers, NULL_VERSION, Version, Versioning};
use super::storage::Storage;

const MARKER: &str = ".skiff-folder";

/// Moves every bucket and object of an s3s-fs store at `old` into `storage`.
pub fn from_s3s_fs(storage: &Storage, old: &Path) -> std::io::Result<()> {
    let Ok(entries) = std::fs::read_dir(old) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let dir = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if !dir.is_dir() || name.starts_with('.') {
            continue;
        }
        let created_ms = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_millis() as i64);
        let record = BucketRecord {
            name: name.clone(),
            created_ms,
            versioning: Versioning::Unversioned,
            object_lock: false,
        };
        if storage.create_bucket(record).is_err() {
            continue;
        }
        for (path, key) in object_files(&dir) {
            if let Err(e) = move_in(storage, old, &name, &path, &key) {
                tracing::warn!("the sandbox could not move {name}/{key} into its new store: {e}");
            }
        }
        tracing::info!("moved the sandbox bucket {name} into the new store");
    }
    std::fs::remove_dir_all(old)
}

/// Each file under a bucket's folder and its key (a folder marker's key ends in `/`).
fn object_files(bucket_dir: &Path) -> Vec<(PathBuf, String)> {
    let mut found = Vec::new();
    let mut stack = vec![bucket_dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                stack.push(path);
                continue;
            }
            if !kind.is_file() {
                continue;
            }
            let relative: Vec<String> = path
                .strip_prefix(bucket_dir)
                .unwrap_or(&path)
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            let key = if relative.last().map(String::as_str) == Some(MARKER) {
                format!("{}/", relative[..relative.len() - 1].join("/"))
            } else {
                relative.join("/")
            };
            found.push((path, key));
        }
    }
    found
}

fn side_file(old: &Path, bucket: &str, key: &str) -> PathBuf {
    let b64 = |s: &str| {
        aws_smithy_types::base64::encode(s)
            .trim_end_matches('=')
            .replace('+', "-")
            .replace('/', "_")
    };
    old.join(format!(
        ".bucket-{}.object-{}.metadata.json",
        b64(bucket),
        b64(key)
    ))
}

fn headers(old: &Path, bucket: &str, key: &str) -> Headers {
    let Some(json) = std::fs::read(side_file(old, bucket, key))
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
    else {
        return Headers::default();
    };
    let text = |name: &str| json.get(name).and_then(|v| v.as_str()).map(str::to_owned);
    Headers {
        content_type: text("content_type"),
        content_encoding: text("content_encoding"),
        content_disposition: text("content_disposition"),
        content_language: text("content_language"),
        cache_control: text("cache_control"),
        expires: None,
        website_redirect_location: text("website_redirect_location"),
        metadata: json
            .get("user_metadata")
            .and_then(|m| m.as_object())
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| Some((k.to_ascii_lowercase(), v.as_str()?.to_owned())))
                    .collect()
            })
            .unwrap_or_default(),
    }
}

fn move_in(
    storage: &Storage,
    old: &Path,
    bucket: &str,
    path: &Path,
    key: &str,
) -> std::io::Result<()> {
    let meta = std::fs::metadata(path)?;
    let modified = meta
        .modified()?
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    let md5 = {
        use std::io::Read;
        let (mut hasher, mut file) = (md5::Md5::new(), std::fs::File::open(path)?);
        let mut buffer = vec![0u8; 1 << 20];
        loop {
            let n = file.read(&mut buffer)?;
            if n == 0 {
                break;
            }
            hasher.update(&buffer[..n]);
        }
        super::body::hex(&hasher.finalize())
    };
    let headers = headers(old, bucket, key);
    let mut buckets = storage.lock();
    let state = buckets
        .get_mut(bucket)
        .ok_or_else(|| std::io::Error::other("the bucket is gone"))?;
    let data = state
        .adopt(path)
        .map_err(|e| std::io::Error::other(format!("{e:?}")))?;
    let version = Version {
        version_id: NULL_VERSION.into(),
        last_modified_ms: modified,
        size: meta.len(),
        etag: md5,
        data: vec![data],
        headers,
        ..Version::delete_marker(String::new(), 0)
    };
    let version = Version {
        delete_marker: false,
        ..version
    };
    state
        .commit(Change::Put {
            key: key.to_owned(),
            version,
        })
        .map_err(|e| std::io::Error::other(format!("{e:?}")))
}
