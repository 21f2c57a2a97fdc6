//! Multipart uploads: create, parts (sent or copied from an object's range), list parts and
//! uploads, complete (parts checked in order, by ETag and checksum, each but the last at least
//! 5 MiB; the ETag and composite checksum computed as S3 computes them), abort.

use md5::Digest;
use s3s::dto::*;
use s3s::{S3Request, S3Response, S3Result, s3_error};

use super::body::{self, Expected};
use super::copy::{source_of, source_version};
use super::model::{Change, Checksums, PartRecord, UploadRecord, Version};
use super::objects::{bucket, next_version_id, segments, versioned_id, write_conditions};
use super::storage::{BucketState, Storage, io, new_id, now_ms, private_dir, write_private};
use super::{etag, parse_tagging, settings, timestamp};

const MIN_PART_BYTES: u64 = 5 * 1024 * 1024;
const MAX_PART_NUMBER: i32 = 10_000;

fn upload<'a>(state: &'a BucketState, key: &str, upload_id: &str) -> S3Result<&'a UploadRecord> {
    state
        .uploads
        .get(upload_id)
        .filter(|u| u.key == key)
        .ok_or_else(|| s3_error!(NoSuchUpload, "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed."))
}

fn part_path(state: &BucketState, upload_id: &str, n: i32) -> std::path::PathBuf {
    state.upload_dir(upload_id).join(format!("part-{n:05}"))
}

fn read_parts(state: &BucketState, upload_id: &str) -> Vec<PartRecord> {
    let mut parts: Vec<PartRecord> = std::fs::read_dir(state.upload_dir(upload_id))
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| {
            e.file_name().to_string_lossy().ends_with(".json") && e.file_name() != "upload.json"
        })
        .filter_map(|e| serde_json::from_slice(&std::fs::read(e.path()).ok()?).ok())
        .collect();
    parts.sort_by_key(|p: &PartRecord| p.part_number);
    parts
}

pub async fn create_multipart_upload(
    storage: &Storage,
    req: S3Request<CreateMultipartUploadInput>,
) -> S3Result<S3Response<CreateMultipartUploadOutput>> {
    let input = req.input;
    let tags = input.tagging.as_deref().map(parse_tagging).transpose()?;
    let mut buckets = storage.lock();
    let state = bucket(&mut buckets, &input.bucket)?;
    let lock = settings::lock_for_new_object(
        state,
        input.object_lock_mode.as_ref().map(|m| m.as_str()),
        input.object_lock_retain_until_date.as_ref(),
        input
            .object_lock_legal_hold_status
            .as_ref()
            .map(|s| s.as_str()),
        now_ms(),
    )?;
    let algorithm = input
        .checksum_algorithm
        .as_ref()
        .map(|a| a.as_str().to_owned());
    let checksum_type = input
        .checksum_type
        .as_ref()
        .map(|t| t.as_str().to_owned())
        .or_else(|| {
            algorithm.as_deref().map(|a| {
                if a == "CRC64NVME" {
                    "FULL_OBJECT"
                } else {
                    "COMPOSITE"
                }
                .to_owned()
            })
        });
    let record = UploadRecord {
        upload_id: new_id(),
        key: input.key.clone(),
        initiated_ms: now_ms(),
        storage_class: input.storage_class.as_ref().map(|c| c.as_str().to_owned()),
        headers: headers_from!(input),
        checksum_algorithm: algorithm.clone(),
        checksum_type: checksum_type.clone(),
        tags: tags.unwrap_or_default(),
        lock,
    };
    let dir = state.upload_dir(&record.upload_id);
    private_dir(&dir)?;
    let json = serde_json::to_vec_pretty(&record).map_err(|e| s3_error!(InternalError, "{e}"))?;
    write_private(&dir.join("upload.json"), &json)?;
    let output = CreateMultipartUploadOutput {
        bucket: Some(input.bucket),
        key: Some(input.key),
        upload_id: Some(record.upload_id.clone()),
        checksum_algorithm: algorithm.map(ChecksumAlgorithm::from),
        checksum_type: checksum_type.map(ChecksumType::from),
        ..Default::default()
    };
    state.uploads.insert(record.upload_id.clone(), record);
    Ok(S3Response::new(output))
}

fn check_part_number(n: i32) -> S3Result<()> {
    if !(1..=MAX_PART_NUMBER).contains(&n) {
        return Err(s3_error!(
            InvalidArgument,
            "Part number must be an integer between 1 and 10000, inclusive"
        ));
    }
    Ok(())
}

/// Saves a part's bytes (staged) and record, replacing an earlier part of that number.
fn keep_part(
    state: &BucketState,
    upload_id: &str,
    n: i32,
    ingested: body::Ingested,
) -> S3Result<PartRecord> {
    let record = PartRecord {
        part_number: n,
        size: ingested.size,
        etag: ingested.md5_hex,
        last_modified_ms: now_ms(),
        checksums: Checksums {
            kind: None,
            ..ingested.checksums
        },
    };
    let path = part_path(state, upload_id, n);
    std::fs::rename(&ingested.staged, &path).map_err(io)?;
    let json = serde_json::to_vec_pretty(&record).map_err(|e| s3_error!(InternalError, "{e}"))?;
    write_private(&path.with_extension("json"), &json)?;
    Ok(record)
}

pub async fn upload_part(
    storage: &Storage,
    req: S3Request<UploadPartInput>,
) -> S3Result<S3Response<UploadPartOutput>> {
    let input = req.input;
    check_part_number(input.part_number)?;
    let (staged, algorithm) = {
        let mut buckets = storage.lock();
        let state = bucket(&mut buckets, &input.bucket)?;
        let upload = upload(state, &input.key, &input.upload_id)?;
        (state.staging_path(), upload.checksum_algorithm.clone())
    };
    let expected = Expected {
        checksums: Checksums {
            crc32: input.checksum_crc32,
            crc32c: input.checksum_crc32c,
            crc64nvme: input.checksum_crc64nvme,
            sha1: input.checksum_sha1,
            sha256: input.checksum_sha256,
            kind: None,
        },
        algorithm: input
            .checksum_algorithm
            .map(|a| a.as_str().to_owned())
            .or(algorithm),
        content_md5: input.content_md5,
    };
    let ingested = body::ingest(input.body, staged, expected, req.trailing_headers).await?;
    let mut buckets = storage.lock();
    let state = bucket(&mut buckets, &input.bucket)?;
    if let Err(e) = upload(state, &input.key, &input.upload_id) {
        let _ = std::fs::remove_file(&ingested.staged);
        return Err(e);
    }
    let part = keep_part(state, &input.upload_id, input.part_number, ingested)?;
    Ok(S3Response::new(with_checksums!(UploadPartOutput {
        e_tag: Some(ETag::Strong(part.etag)),
    } from part.checksums)))
}

pub async fn upload_part_copy(
    storage: &Storage,
    req: S3Request<UploadPartCopyInput>,
) -> S3Result<S3Response<UploadPartCopyOutput>> {
    let input = req.input;
    check_part_number(input.part_number)?;
    let (from_bucket, from_key, from_version) = source_of(&input.copy_source)?;
    let (files, start, end, staged, algorithm, source) = {
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
        let files = segments(bucket(&mut buckets, &from_bucket)?, &source);
        let (start, end) = match input.copy_source_range.as_deref() {
            None => (0, source.size),
            Some(range) => copy_range(range, source.size)?,
        };
        let state = bucket(&mut buckets, &input.bucket)?;
        let upload = upload(state, &input.key, &input.upload_id)?;
        (
            files,
            start,
            end,
            state.staging_path(),
            upload.checksum_algorithm.clone(),
            source,
        )
    };
    let stream = body::read_range(files, start, end);
    let expected = Expected {
        algorithm,
        ..Expected::default()
    };
    let ingested = body::ingest(Some(body::blob(stream)), staged, expected, None).await?;
    let mut buckets = storage.lock();
    let state = bucket(&mut buckets, &input.bucket)?;
    if let Err(e) = upload(state, &input.key, &input.upload_id) {
        let _ = std::fs::remove_file(&ingested.staged);
        return Err(e);
    }
    let part = keep_part(state, &input.upload_id, input.part_number, ingested)?;
    let result = with_checksums!(CopyPartResult {
        e_tag: Some(ETag::Strong(part.etag)),
        last_modified: Some(timestamp(part.last_modified_ms)),
    } from part.checksums);
    Ok(S3Response::new(UploadPartCopyOutput {
        copy_part_result: Some(result),
        copy_source_version_id: (source.version_id != super::model::NULL_VERSION)
            .then_some(source.version_id),
        ..Default::default()
    }))
}

/// `bytes=A-B` of an object of `size` bytes, as a half-open range.
fn copy_range(range: &str, size: u64) -> S3Result<(u64, u64)> {
    let invalid = || {
        s3_error!(
            InvalidArgument,
            "The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy"
        )
    };
    let (a, b) = range
        .strip_prefix("bytes=")
        .and_then(|r| r.split_once('-'))
        .ok_or_else(invalid)?;
    let (a, b): (u64, u64) = (
        a.parse().map_err(|_| invalid())?,
        b.parse().map_err(|_| invalid())?,
    );
    if a > b || b >= size {
        return Err(s3_error!(
            InvalidRange,
            "The requested range is not satisfiable"
        ));
    }
    Ok((a, b + 1))
}

pub async fn list_parts(
    storage: &Storage,
    req: S3Request<ListPartsInput>,
) -> S3Result<S3Response<ListPartsOutput>> {
    let input = req.input;
    let mut buckets = storage.lock();
    let state = bucket(&mut buckets, &input.bucket)?;
    let record = upload(state, &input.key, &input.upload_id)?.clone();
    let after: i32 = input.part_number_marker.unwrap_or(0);
    let max = input.max_parts.unwrap_or(1000).clamp(0, 1000) as usize;
    let all: Vec<PartRecord> = read_parts(state, &input.upload_id)
        .into_iter()
        .filter(|p| p.part_number > after)
        .collect();
    let truncated = all.len() > max;
    let shown: Vec<PartRecord> = all.into_iter().take(max).collect();
    let next = truncated
        .then(|| shown.last().map(|p| p.part_number))
        .flatten();
    let parts = shown
        .into_iter()
        .map(|p| {
            with_checksums!(Part {
                part_number: Some(p.part_number),
                size: Some(p.size as i64),
                e_tag: Some(ETag::Strong(p.etag)),
                last_modified: Some(timestamp(p.last_modified_ms)),
            } from p.checksums)
        })
        .collect();
    Ok(S3Response::new(ListPartsOutput {
        bucket: Some(input.bucket),
        key: Some(input.key),
        upload_id: Some(input.upload_id),
        part_number_marker: input.part_number_marker,
        next_part_number_marker: next,
        max_parts: Some(max as i32),
        is_truncated: Some(truncated),
        parts: Some(parts),
        storage_class: record.storage_class.map(StorageClass::from),
        checksum_algorithm: record.checksum_algorithm.map(ChecksumAlgorithm::from),
        checksum_type: record.checksum_type.map(ChecksumType::from),
        ..Default::default()
    }))
}

pub async fn list_multipart_uploads(
    storage: &Storage,
    req: S3Request<ListMultipartUploadsInput>,
) -> S3Result<S3Response<ListMultipartUploadsOutput>> {
    let input = req.input;
    let prefix = input.prefix.clone().unwrap_or_default();
    let max = input.max_uploads.unwrap_or(1000).clamp(0, 1000) as usize;
    let mut buckets = storage.lock();
    let state = bucket(&mut buckets, &input.bucket)?;
    let mut all: Vec<&UploadRecord> = state
        .uploads
        .values()
        .filter(|u| u.key.starts_with(&prefix))
        .collect();
    all.sort_by(|a, b| {
        (&a.key, a.initiated_ms, &a.upload_id).cmp(&(&b.key, b.initiated_ms, &b.upload_id))
    });
    let after = |u: &&UploadRecord| match (&input.key_marker, &input.upload_id_marker) {
        (None, _) => true,
        (Some(key), None) => u.key.as_str() > key.as_str(),
        (Some(key), Some(id)) => {
            u.key.as_str() > key.as_str() || (u.key == *key && all_after_id(state, key, id, u))
        }
    };
    let remaining: Vec<&UploadRecord> = all.into_iter().filter(after).collect();
    let truncated = remaining.len() > max;
    let shown = &remaining[..remaining.len().min(max)];
    let encode = input
        .encoding_type
        .as_ref()
        .is_some_and(|e| e.as_str() == "url");
    let uploads = shown
        .iter()
        .map(|u| MultipartUpload {
            key: Some(if encode {
                crate::s3::key_encoding::encode(&u.key)
            } else {
                u.key.clone()
            }),
            upload_id: Some(u.upload_id.clone()),
            initiated: Some(timestamp(u.initiated_ms)),
            storage_class: Some(StorageClass::from(
                u.storage_class.clone().unwrap_or_else(|| "STANDARD".into()),
            )),
            checksum_algorithm: u.checksum_algorithm.clone().map(ChecksumAlgorithm::from),
            checksum_type: u.checksum_type.clone().map(ChecksumType::from),
            ..Default::default()
        })
        .collect();
    let last = shown.last().filter(|_| truncated);
    Ok(S3Response::new(ListMultipartUploadsOutput {
        bucket: Some(input.bucket),
        prefix: input.prefix,
        key_marker: input.key_marker,
        upload_id_marker: input.upload_id_marker,
        next_key_marker: last.map(|u| u.key.clone()),
        next_upload_id_marker: last.map(|u| u.upload_id.clone()),
        max_uploads: Some(max as i32),
        is_truncated: Some(truncated),
        uploads: Some(uploads),
        encoding_type: input.encoding_type,
        ..Default::default()
    }))
}

/// Whether `u`, an upload of `key`, comes after the upload `id` in the listing's order.
fn all_after_id(state: &BucketState, key: &str, id: &str, u: &UploadRecord) -> bool {
    match state.uploads.get(id).filter(|m| m.key == key) {
        Some(marker) => (u.initiated_ms, &u.upload_id) > (marker.initiated_ms, &marker.upload_id),
        None => true,
    }
}

pub async fn abort_multipart_upload(
    storage: &Storage,
    req: S3Request<AbortMultipartUploadInput>,
) -> S3Result<S3Response<AbortMultipartUploadOutput>> {
    let input = req.input;
    let mut buckets = storage.lock();
    let state = bucket(&mut buckets, &input.bucket)?;
    upload(state, &input.key, &input.upload_id)?;
    abort(state, &input.upload_id);
    let mut response = S3Response::new(AbortMultipartUploadOutput::default());
    response.status = Some(http::StatusCode::NO_CONTENT);
    Ok(response)
}

/// Forgets an upload and removes its parts.
pub fn abort(state: &mut BucketState, upload_id: &str) {
    state.uploads.remove(upload_id);
    let _ = std::fs::remove_dir_all(state.upload_dir(upload_id));
}

pub async fn complete_multipart_upload(
    storage: &Storage,
    req: S3Request<CompleteMultipartUploadInput>,
) -> S3Result<S3Response<CompleteMultipartUploadOutput>> {
    let input = req.input;
    let mut buckets = storage.lock();
    let state = bucket(&mut buckets, &input.bucket)?;
    let record = upload(state, &input.key, &input.upload_id)?.clone();
    write_conditions(
        state,
        &input.key,
        input.if_match.as_ref(),
        input.if_none_match.as_ref(),
    )?;
    let asked = input
        .multipart_upload
        .and_then(|m| m.parts)
        .unwrap_or_default();
    let chosen = chosen_parts(state, &input.upload_id, &asked)?;
    let checksums = combined_checksums(&record, &chosen, state, &input.upload_id)?;
    let sent = Checksums {
        crc32: input.checksum_crc32,
        crc32c: input.checksum_crc32c,
        crc64nvme: input.checksum_crc64nvme,
        sha1: input.checksum_sha1,
        sha256: input.checksum_sha256,
        kind: None,
    };
    body::check_sent(&sent, &checksums)?;
    let mut md5 = md5::Md5::new();
    for part in &chosen {
        md5.update(super::body::hex_decode(&part.etag).unwrap_or_default());
    }
    // Links into data/ first: until the journal line, the upload stays whole and retryable.
    let mut data = Vec::new();
    for part in &chosen {
        let linked = state.dir().join("tmp").join(new_id());
        std::fs::hard_link(
            part_path(state, &input.upload_id, part.part_number),
            &linked,
        )
        .or_else(|_| {
            std::fs::copy(
                part_path(state, &input.upload_id, part.part_number),
                &linked,
            )
            .map(|_| ())
        })
        .map_err(io)?;
        data.push(state.adopt(&linked)?);
    }
    let version = Version {
        version_id: next_version_id(state),
        delete_marker: false,
        last_modified_ms: now_ms(),
        size: chosen.iter().map(|p| p.size).sum(),
        etag: format!("{}-{}", body::hex(&md5.finalize()), chosen.len()),
        data,
        part_sizes: chosen.iter().map(|p| p.size).collect(),
        storage_class: record.storage_class.clone(),
        headers: record.headers.clone(),
        checksums,
        tags: record.tags.clone(),
        lock: record.lock.clone(),
    };
    let output = with_checksums!(CompleteMultipartUploadOutput {
        bucket: Some(input.bucket.clone()),
        key: Some(input.key.clone()),
        e_tag: Some(etag(&version)),
        version_id: versioned_id(state, &version),
        checksum_type: version.checksums.kind.clone().map(ChecksumType::from),
    } from version.checksums.clone());
    state.commit(Change::Put {
        key: input.key,
        version,
    })?;
    abort(state, &input.upload_id);
    Ok(S3Response::new(output))
}

/// The parts the request names, checked: in ascending order, each stored with that ETag (and
/// checksum, where given), each but the last at least 5 MiB.
fn chosen_parts(
    state: &BucketState,
    upload_id: &str,
    asked: &[CompletedPart],
) -> S3Result<Vec<PartRecord>> {
    if asked.is_empty() {
        return Err(s3_error!(
            MalformedXML,
            "The XML you provided did not name any part"
        ));
    }
    let stored = read_parts(state, upload_id);
    let mut chosen = Vec::new();
    let mut last = 0;
    for part in asked {
        let n = part.part_number.unwrap_or(0);
        if n <= last {
            return Err(s3_error!(
                InvalidPartOrder,
                "The list of parts was not in ascending order. Parts must be ordered by part number."
            ));
        }
        last = n;
        let invalid = || {
            s3_error!(
                InvalidPart,
                "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag."
            )
        };
        let found = stored
            .iter()
            .find(|p| p.part_number == n)
            .ok_or_else(invalid)?;
        let etag_ok = part
            .e_tag
            .as_ref()
            .is_none_or(|e| e.value().trim_matches('"') == found.etag);
        let sent = Checksums {
            crc32: part.checksum_crc32.clone(),
            crc32c: part.checksum_crc32c.clone(),
            crc64nvme: part.checksum_crc64nvme.clone(),
            sha1: part.checksum_sha1.clone(),
            sha256: part.checksum_sha256.clone(),
            kind: None,
        };
        if !etag_ok || body::check_sent(&sent, &found.checksums).is_err() {
            return Err(invalid());
        }
        chosen.push(found.clone());
    }
    for part in &chosen[..chosen.len() - 1] {
        if part.size < MIN_PART_BYTES {
            return Err(s3_error!(
                EntityTooSmall,
                "Your proposed upload is smaller than the minimum allowed object size."
            ));
        }
    }
    Ok(chosen)
}

/// The object's checksum: for CRC32, CRC32C, SHA-1 and SHA-256 the checksum of the parts'
/// checksums with `-N` (COMPOSITE); for CRC64NVME (FULL_OBJECT), the whole object's.
fn combined_checksums(
    record: &UploadRecord,
    parts: &[PartRecord],
    state: &BucketState,
    upload_id: &str,
) -> S3Result<Checksums> {
    let Some(algorithm) = record.checksum_algorithm.as_deref() else {
        return Ok(Checksums::default());
    };
    let full = record.checksum_type.as_deref() == Some("FULL_OBJECT") || algorithm == "CRC64NVME";
    let mut hasher = s3s::checksum::ChecksumHasher::default();
    match algorithm {
        "CRC32" => hasher.crc32 = Some(Default::default()),
        "CRC32C" => hasher.crc32c = Some(Default::default()),
        "SHA1" => hasher.sha1 = Some(Default::default()),
        "SHA256" => hasher.sha256 = Some(Default::default()),
        _ => hasher.crc64nvme = Some(Default::default()),
    }
    if full {
        for part in parts {
            let bytes = std::fs::read(part_path(state, upload_id, part.part_number)).map_err(io)?;
            hasher.update(&bytes);
        }
    } else {
        for part in parts {
            let value = match algorithm {
                "CRC32" => &part.checksums.crc32,
                "CRC32C" => &part.checksums.crc32c,
                "SHA1" => &part.checksums.sha1,
                _ => &part.checksums.sha256,
            };
            let raw = value
                .as_deref()
                .and_then(body::base64_decode)
                .ok_or_else(|| {
                    s3_error!(
                        InvalidRequest,
                        "Part {} carries no {algorithm} checksum",
                        part.part_number
                    )
                })?;
            hasher.update(&raw);
        }
    }
    let computed = hasher.finalize();
    let suffix = |v: Option<String>| {
        v.map(|v| {
            if full {
                v
            } else {
                format!("{v}-{}", parts.len())
            }
        })
    };
    Ok(Checksums {
        crc32: suffix(computed.checksum_crc32),
        crc32c: suffix(computed.checksum_crc32c),
        crc64nvme: computed.checksum_crc64nvme,
        sha1: suffix(computed.checksum_sha1),
        sha256: suffix(computed.checksum_sha256),
        kind: Some(if full { "FULL_OBJECT" } else { "COMPOSITE" }.into()),
    })
}
