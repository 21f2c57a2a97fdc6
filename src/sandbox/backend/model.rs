//! What the sandbox stores about buckets, object versions and multipart uploads: plain records,
//! written as JSON lines beside the data so that a person can read them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The version id S3 gives objects written while versioning is off or suspended.
pub const NULL_VERSION: &str = "null";

/// How a bucket keeps versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Versioning {
    /// Never turned on: every write replaces the one object of its key.
    #[default]
    Unversioned,
    Enabled,
    /// Turned off after being on: writes replace the "null" version, older versions stay.
    Suspended,
}

/// A bucket's own record (`bucket.json`); its settings are S3's XML documents beside it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BucketRecord {
    pub name: String,
    pub created_ms: i64,
    #[serde(default)]
    pub versioning: Versioning,
    /// Object Lock, which only a bucket's creation turns on.
    #[serde(default)]
    pub object_lock: bool,
}

/// A stored checksum of an object, as S3 returns it: base64, and for a multipart object of a
/// CRC the checksum of the parts' checksums with `-N` (COMPOSITE), or of the whole
/// (FULL_OBJECT, CRC64NVME's only kind).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checksums {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crc32: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crc32c: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crc64nvme: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha1: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// `COMPOSITE` or `FULL_OBJECT`, where a checksum is stored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

/// The headers an object keeps and returns.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Headers {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_encoding: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_disposition: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_language: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_control: Option<String>,
    /// RFC 7231 date, as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website_redirect_location: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub metadata: BTreeMap<String, String>,
}

/// Object Lock on one version.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lock {
    /// `GOVERNANCE` or `COMPLIANCE`, with the time it holds until (ms since the epoch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention: Option<(String, i64)>,
    #[serde(default)]
    pub legal_hold: bool,
}

impl Lock {
    /// Why a delete of this version is refused at `now_ms`, unless governance is bypassed.
    pub fn refuses_delete(&self, now_ms: i64, bypass_governance: bool) -> Option<&'static str> {
        if self.legal_hold {
            return Some("the object version is under a legal hold");
        }
        match &self.retention {
            Some((mode, until)) if *until > now_ms => {
                if mode == "GOVERNANCE" && bypass_governance {
                    None
                } else {
                    Some("the object version is under retention")
                }
            }
            _ => None,
        }
    }
}

/// One version of a key: an object or a delete marker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Version {
    pub version_id: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub delete_marker: bool,
    pub last_modified_ms: i64,
    #[serde(default)]
    pub size: u64,
    /// Without quotes: an MD5 in hex, or `<md5 of part md5s>-N` for a multipart object.
    #[serde(default)]
    pub etag: String,
    /// The files that hold the bytes, in order (one, or a multipart object's parts), relative
    /// to the bucket's `data` folder.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub data: Vec<String>,
    /// The size of each part of a multipart object, for `partNumber` reads.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub part_sizes: Vec<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_class: Option<String>,
    #[serde(default)]
    pub headers: Headers,
    #[serde(default)]
    pub checksums: Checksums,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<(String, String)>,
    #[serde(default)]
    pub lock: Lock,
}

impl Version {
    pub fn delete_marker(version_id: String, now_ms: i64) -> Self {
        Self {
            version_id,
            delete_marker: true,
            last_modified_ms: now_ms,
            size: 0,
            etag: String::new(),
            data: Vec::new(),
            part_sizes: Vec::new(),
            storage_class: None,
            headers: Headers::default(),
            checksums: Checksums::default(),
            tags: Vec::new(),
            lock: Lock::default(),
        }
    }

    pub fn storage_class(&self) -> &str {
        self.storage_class.as_deref().unwrap_or("STANDARD")
    }
}

/// An incomplete multipart upload (`upload.json` in its folder).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UploadRecord {
    pub upload_id: String,
    pub key: String,
    pub initiated_ms: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_class: Option<String>,
    #[serde(default)]
    pub headers: Headers,
    /// The checksum algorithm the upload was created with (`CRC32C`, ...), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum_algorithm: Option<String>,
    /// `COMPOSITE` or `FULL_OBJECT`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum_type: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<(String, String)>,
    #[serde(default)]
    pub lock: Lock,
}

/// A stored part (`part-NNNNN.json` beside its bytes).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PartRecord {
    pub part_number: i32,
    pub size: u64,
    /// MD5 in hex, without quotes.
    pub etag: String,
    pub last_modified_ms: i64,
    #[serde(default)]
    pub checksums: Checksums,
}

/// One line of a bucket's journal: each change of its index, applied in order on start.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// A version written: it becomes the newest (replacing one of the same id: the null
    /// version of a bucket without versioning).
    Put { key: String, version: Version },
    /// A version's tags or lock changed, in its place.
    Update { key: String, version: Version },
    /// A version removed.
    Remove { key: String, version_id: String },
}
