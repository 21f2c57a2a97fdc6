//! CopyObject: a version's bytes under another key or bucket (hard links: no bytes copied),
//! its headers and metadata kept (COPY) or replaced (REPLACE), its tags kept or replaced, its
//! class as asked (else STANDARD, as in S3).

use s3s::dto::*;
use s3s::{S3Request, S3Response, S3Result, s3_error};

use super::model::{Change, Version};
use super::objects::{bucket, next_version_id, read_conditions, readable, versioned_id};
use super::storage::{BucketState, Storage, now_ms};
use super::{etag, parse_tagging, settings, timestamp};

/// The source of a copy: its bucket, key and version.
pub fn source_of(copy_source: &CopySource) -> S3Result<(String, String, Option<String>)> {
    match copy_source {
        CopySource::Bucket {
            bucket,
            key,
            version_id,
        } => Ok((
            bucket.to_string(),
            key.to_string(),
            version_id.as_deref().map(str::to_owned),
        )),
        _ => Err(s3_error!(
            NotImplemented,
            "The sandbox copies from buckets only"
        )),
    }
}

/// The source version, with `x-amz-copy-source-if-*` checked (all four fail with 412 here).
pub fn source_version(
    buckets: &mut super::storage::Buckets<'_>,
    (source_bucket, source_key, source_version): (&str, &str, Option<&str>),
    conditions: (Option<&ETagCondition>, Option<&ETagCondition>),
    times: (Option<&Timestamp>, Option<&Timestamp>),
) -> S3Result<Version> {
    let state = bucket(buckets, source_bucket)?;
    let version = readable(state, source_key, source_version)?.clone();
    read_conditions(&version, conditions.0, conditions.1, times.0, times.1).map_err(|e| {
        if e.code() == &s3s::S3ErrorCode::NotModified {
            s3_error!(
                PreconditionFailed,
                "At least one of the pre-conditions you specified did not hold"
            )
        } else {
            e
        }
    })?;
    Ok(version)
}

/// New files in `dest` for each of `version`'s (links where the file system allows).
pub fn linked_data(
    dest: &BucketState,
    source: &BucketState,
    version: &Version,
) -> S3Result<Vec<String>> {
    version
        .data
        .iter()
        .map(|name| dest.link_copy(source, name))
        .collect()
}

pub async fn copy_object(
    storage: &Storage,
    req: S3Request<CopyObjectInput>,
) -> S3Result<S3Response<CopyObjectOutput>> {
    let input = req.input;
    let (from_bucket, from_key, from_version) = source_of(&input.copy_source)?;
    let mut buckets = storage.lock();
    let source = source_version(
        &mut buckets,
        (&from_bucket, &from_key, from_version.as_deref()),
        (
            input.copy_source_if_match.as_ref(),
            input.copy_source_if_none_match.as_ref(),
        ),
        (
            input.copy_source_if_modified_since.as_ref(),
            input.copy_source_if_unmodified_since.as_ref(),
        ),
    )?;
    bucket(&mut buckets, &input.bucket)?;
    let replace = input
        .metadata_directive
        .as_ref()
        .is_some_and(|d| d.as_str() == "REPLACE");
    let replace_tags = input
        .tagging_directive
        .as_ref()
        .is_some_and(|d| d.as_str() == "REPLACE");
    let same_place = from_bucket == input.bucket && from_key == input.key;
    let changes_something = replace
        || input.storage_class.is_some()
        || input.website_redirect_location.is_some()
        || input.server_side_encryption.is_some();
    if same_place && !changes_something {
        return Err(s3_error!(
            InvalidRequest,
            "This copy request is illegal because it is trying to copy an object to itself \
             without changing the object's metadata, storage class, website redirect location \
             or encryption attributes."
        ));
    }
    let tags = match (replace_tags, input.tagging.as_deref()) {
        (true, Some(header)) => parse_tagging(header)?,
        (true, None) => Vec::new(),
        (false, _) => source.tags.clone(),
    };
    let headers = if replace {
        headers_from!(input)
    } else {
        source.headers.clone()
    };
    let now = now_ms();
    // The links are made from the source's bucket into the destination's.
    let data = {
        let (source_state, dest_state) = two_buckets(&buckets, &from_bucket, &input.bucket)?;
        linked_data(dest_state.unwrap_or(source_state), source_state, &source)?
    };
    let state = bucket(&mut buckets, &input.bucket)?;
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
    let version = Version {
        version_id: next_version_id(state),
        last_modified_ms: now,
        data,
        storage_class: input.storage_class.map(|c| c.as_str().to_owned()),
        headers,
        tags,
        lock,
        ..source.clone()
    };
    let result = with_checksums!(CopyObjectResult {
        e_tag: Some(etag(&version)),
        last_modified: Some(timestamp(now)),
        checksum_type: version.checksums.kind.clone().map(ChecksumType::from),
    } from version.checksums.clone());
    let output = CopyObjectOutput {
        copy_object_result: Some(result),
        version_id: versioned_id(state, &version),
        copy_source_version_id: from_version.or_else(|| {
            (source.version_id != super::model::NULL_VERSION).then(|| source.version_id.clone())
        }),
        ..Default::default()
    };
    state.commit(Change::Put {
        key: input.key,
        version,
    })?;
    Ok(S3Response::new(output))
}

/// The source bucket, and the destination where it is another bucket.
pub fn two_buckets<'a>(
    buckets: &'a super::storage::Buckets<'_>,
    from: &str,
    to: &str,
) -> S3Result<(&'a BucketState, Option<&'a BucketState>)> {
    if from == to {
        let state = buckets.get(from).ok_or_else(|| s3_error!(NoSuchBucket))?;
        return Ok((state, None));
    }
    let source = buckets.get(from).ok_or_else(|| s3_error!(NoSuchBucket))?;
    let dest = buckets.get(to).ok_or_else(|| s3_error!(NoSuchBucket))?;
    Ok((source, Some(dest)))
}
