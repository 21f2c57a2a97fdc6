//! Objects: PUT, GET and HEAD (ranges, parts, conditions, `response-*` overrides), DELETE one
//! or many (versions, delete markers, Object Lock), and object tags.

use s3s::dto::*;
use s3s::{S3Request, S3Response, S3Result, s3_error};

use super::body::{self, Expected};
use super::model::{Change, Checksums, NULL_VERSION, Version, Versioning};
pub use super::storage::bucket;
use super::storage::{BucketState, Storage, new_id, now_ms};
use super::{etag, parse_tagging, settings, time_ms};

/// The id a new version of a key gets in this bucket.
pub fn next_version_id(state: &BucketState) -> String {
    match state.record.versioning {
        Versioning::Enabled => new_id(),
        Versioning::Unversioned | Versioning::Suspended => NULL_VERSION.into(),
    }
}

/// The version a read names: the one asked for, or the newest. A delete marker on top reads as
/// NoSuchKey; a delete marker asked for by id is not readable (405), as S3 answers.
pub fn readable<'a>(
    state: &'a BucketState,
    key: &str,
    version_id: Option<&str>,
) -> S3Result<&'a Version> {
    let found = match version_id {
        Some(id) => state
            .version(key, id)
            .ok_or_else(|| s3_error!(NoSuchVersion, "The specified version does not exist."))?,
        None => state.latest(key).ok_or_else(|| s3_error!(NoSuchKey))?,
    };
    if found.delete_marker {
        let mut error = match version_id {
            Some(_) => s3_error!(
                MethodNotAllowed,
                "The specified method is not allowed against a delete marker."
            ),
            None => s3_error!(NoSuchKey),
        };
        let mut headers = http::HeaderMap::new();
        headers.insert(
            "x-amz-delete-marker",
            http::HeaderValue::from_static("true"),
        );
        if let Ok(id) = http::HeaderValue::from_str(&found.version_id) {
            headers.insert("x-amz-version-id", id);
        }
        error.set_headers(headers);
        return Err(error);
    }
    Ok(found)
}

fn storage_class_ok(class: Option<&StorageClass>) -> S3Result<()> {
    const KNOWN: [&str; 9] = [
        "STANDARD",
        "REDUCED_REDUNDANCY",
        "STANDARD_IA",
        "ONEZONE_IA",
        "INTELLIGENT_TIERING",
        "GLACIER",
        "DEEP_ARCHIVE",
        "GLACIER_IR",
        "EXPRESS_ONEZONE",
    ];
    match class {
        Some(c) if !KNOWN.contains(&c.as_str()) => Err(s3_error!(InvalidStorageClass)),
        _ => Ok(()),
    }
}

pub async fn put_object(
    storage: &Storage,
    req: S3Request<PutObjectInput>,
) -> S3Result<S3Response<PutObjectOutput>> {
    let input = req.input;
    storage_class_ok(input.storage_class.as_ref())?;
    let tags = input.tagging.as_deref().map(parse_tagging).transpose()?;
    let staged = bucket(&mut storage.lock(), &input.bucket)?.staging_path();
    let expected = Expected {
        checksums: Checksums {
            crc32: input.checksum_crc32,
            crc32c: input.checksum_crc32c,
            crc64nvme: input.checksum_crc64nvme,
            sha1: input.checksum_sha1,
            sha256: input.checksum_sha256,
            kind: None,
        },
        algorithm: input.checksum_algorithm.map(|a| a.as_str().to_owned()),
        content_md5: input.content_md5,
    };
    let ingested = body::ingest(input.body, staged, expected, req.trailing_headers).await?;
    let mut buckets = storage.lock();
    let state = match bucket(&mut buckets, &input.bucket) {
        Ok(state) => state,
        Err(e) => {
            let _ = std::fs::remove_file(&ingested.staged);
            return Err(e);
        }
    };
    if let Err(e) = write_conditions(
        state,
        &input.key,
        input.if_match.as_ref(),
        input.if_none_match.as_ref(),
    ) {
        let _ = std::fs::remove_file(&ingested.staged);
        return Err(e);
    }
    let now = now_ms();
    let lock = settings::lock_for_new_object(
        state,
        input.object_lock_mode.as_ref().map(|m| m.as_str()),
        input.object_lock_retain_until_date.as_ref(),
        input
            .object_lock_legal_hold_status
            .as_ref()
            .map(|s| s.as_str()),
        now,
    )?;
    let data = state.adopt(&ingested.staged)?;
    let version = Version {
        version_id: next_version_id(state),
        delete_marker: false,
        last_modified_ms: now,
        size: ingested.size,
        etag: ingested.md5_hex,
        data: vec![data],
        part_sizes: Vec::new(),
        storage_class: input.storage_class.map(|c| c.as_str().to_owned()),
        headers: headers_from!(input),
        checksums: ingested.checksums,
        tags: tags.unwrap_or_default(),
        lock,
    };
    let output = with_checksums!(PutObjectOutput {
        e_tag: Some(etag(&version)),
        version_id: versioned_id(state, &version),
        size: Some(version.size as i64),
        checksum_type: version.checksums.kind.clone().map(ChecksumType::from),
    } from version.checksums.clone());
    state.commit(Change::Put {
        key: input.key,
        version,
    })?;
    Ok(S3Response::new(output))
}

/// The version id to report: none for a bucket that never had versioning.
pub fn versioned_id(state: &BucketState, version: &Version) -> Option<String> {
    (state.record.versioning != Versioning::Unversioned).then(|| version.version_id.clone())
}

/// `If-None-Match: *` (create only) and `If-Match` (replace only what was read) on a write.
pub fn write_conditions(
    state: &BucketState,
    key: &str,
    if_match: Option<&ETagCondition>,
    if_none_match: Option<&ETagCondition>,
) -> S3Result<()> {
    let current = state.latest(key).filter(|v| !v.delete_marker);
    if if_none_match.is_some_and(|c| c.is_any()) && current.is_some() {
        return Err(s3_error!(
            PreconditionFailed,
            "At least one of the pre-conditions you specified did not hold"
        ));
    }
    if let Some(condition) = if_match {
        let holds = current.is_some_and(|v| etag_matches(condition, v));
        if !holds {
            let mut e = s3_error!(
                PreconditionFailed,
                "At least one of the pre-conditions you specified did not hold"
            );
            if current.is_none() {
                e = s3_error!(NoSuchKey);
            }
            return Err(e);
        }
    }
    Ok(())
}

pub fn etag_matches(condition: &ETagCondition, version: &Version) -> bool {
    match condition.as_etag() {
        None => true,
        Some(tag) => tag.value().trim_matches('"') == version.etag,
    }
}

/// GET and HEAD's conditions: If-Match and If-Unmodified-Since fail with 412, If-None-Match
/// and If-Modified-Since with 304 (If-Match wins over If-Unmodified-Since, and If-None-Match
/// over If-Modified-Since, as RFC 7232 and S3 order them).
pub fn read_conditions(
    version: &Version,
    if_match: Option<&ETagCondition>,
    if_none_match: Option<&ETagCondition>,
    if_modified_since: Option<&Timestamp>,
    if_unmodified_since: Option<&Timestamp>,
) -> S3Result<()> {
    let modified_secs = version.last_modified_ms / 1000;
    let failed = || {
        s3_error!(
            PreconditionFailed,
            "At least one of the pre-conditions you specified did not hold"
        )
    };
    match if_match {
        Some(c) if !etag_matches(c, version) => return Err(failed()),
        Some(_) => {}
        None => {
            if let Some(t) = if_unmodified_since
                && modified_secs > time_ms(t) / 1000
            {
                return Err(failed());
            }
        }
    }
    let not_modified = || {
        let mut e = s3_error!(NotModified);
        e.set_status_code(http::StatusCode::NOT_MODIFIED);
        e
    };
    match if_none_match {
        Some(c) if c.is_any() || etag_matches(c, version) => return Err(not_modified()),
        Some(_) => {}
        None => {
            if let Some(t) = if_modified_since
                && modified_secs <= time_ms(t) / 1000
            {
                return Err(not_modified());
            }
        }
    }
    Ok(())
}

/// The files of a version with their sizes, and its parts' sizes (one part for a plain object).
pub fn segments(state: &BucketState, version: &Version) -> Vec<(std::path::PathBuf, u64)> {
    let sizes: Vec<u64> = if version.part_sizes.len() == version.data.len() {
        version.part_sizes.clone()
    } else {
        vec![version.size]
    };
    version
        .data
        .iter()
        .map(|name| state.data_path(name))
        .zip(sizes)
        .collect()
}

/// The byte range a read covers: a `Range`, a `partNumber`, or everything. With the total for
/// Content-Range, and the part count where a part was asked.
pub fn read_span(
    version: &Version,
    range: Option<&Range>,
    part_number: Option<i32>,
) -> S3Result<(u64, u64, Option<String>, Option<i32>)> {
    let size = version.size;
    if let Some(n) = part_number {
        if range.is_some() {
            return Err(s3_error!(
                InvalidRequest,
                "Cannot specify both Range header and partNumber query parameter"
            ));
        }
        let parts = if version.part_sizes.is_empty() {
            vec![size]
        } else {
            version.part_sizes.clone()
        };
        if n < 1 || n as usize > parts.len() {
            return Err(s3_error!(
                InvalidPart,
                "The requested partnumber is not satisfiable"
            ));
        }
        let start: u64 = parts[..n as usize - 1].iter().sum();
        let end = start + parts[n as usize - 1];
        let count = Some(parts.len() as i32);
        let content_range =
            (parts.len() > 1).then(|| format!("bytes {start}-{}/{size}", end.saturating_sub(1)));
        return Ok((start, end, content_range, count));
    }
    match range {
        None => Ok((0, size, None, None)),
        Some(range) => {
            let span = range
                .check(size)
                .map_err(|_| s3_error!(InvalidRange, "The requested range is not satisfiable"))?;
            let content_range =
                format!("bytes {}-{}/{size}", span.start, span.end.saturating_sub(1));
            Ok((span.start, span.end, Some(content_range), None))
        }
    }
}
