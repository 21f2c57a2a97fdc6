//! GET and HEAD of an object or one of its versions: conditions, a range or a part, the
//! headers it was stored with (or the `response-*` overrides), its checksums when asked.

use s3s::dto::*;
use s3s::{S3Request, S3Response, S3Result};

use super::model::Version;
use super::objects::{bucket, read_conditions, read_span, readable, segments, versioned_id};
use super::storage::{BucketState, Storage};
use super::{body, etag, timestamp};

/// What GET and HEAD answer alike.
struct Described {
    version: Version,
    version_id: Option<String>,
    start: u64,
    end: u64,
    content_range: Option<String>,
    parts_count: Option<i32>,
    files: Vec<(std::path::PathBuf, u64)>,
}

#[allow(clippy::too_many_arguments)]
fn describe(
    state: &BucketState,
    key: &str,
    version_id: Option<&str>,
    conditions: (Option<&ETagCondition>, Option<&ETagCondition>),
    times: (Option<&Timestamp>, Option<&Timestamp>),
    range: Option<&Range>,
    part_number: Option<i32>,
) -> S3Result<Described> {
    let version = readable(state, key, version_id)?;
    read_conditions(version, conditions.0, conditions.1, times.0, times.1)?;
    let (start, end, content_range, parts_count) = read_span(version, range, part_number)?;
    Ok(Described {
        version_id: versioned_id(state, version),
        files: segments(state, version),
        version: version.clone(),
        start,
        end,
        content_range,
        parts_count,
    })
}

/// The checksums to return: only when asked (`x-amz-checksum-mode: ENABLED`) and for the whole
/// object (a range's bytes have none of their own).
fn checksums_shown(mode: Option<&ChecksumMode>, d: &Described) -> Option<super::model::Checksums> {
    let whole = d.start == 0 && d.end == d.version.size;
    (mode.is_some_and(|m| m.as_str() == "ENABLED") && whole).then(|| d.version.checksums.clone())
}

fn parts_count(d: &Described) -> Option<i32> {
    d.parts_count
        .or_else(|| (d.version.etag.contains('-')).then_some(d.version.part_sizes.len() as i32))
}

fn expires(version: &Version) -> Option<Timestamp> {
    let ms: i64 = version.headers.expires.as_deref()?.parse().ok()?;
    Some(timestamp(ms))
}

/// The version a GET or HEAD input names, described; both inputs carry the same fields.
macro_rules! described {
    ($storage:expr, $input:expr) => {{
        let mut buckets = $storage.lock();
        let state = bucket(&mut buckets, &$input.bucket)?;
        describe(
            state,
            &$input.key,
            $input.version_id.as_deref(),
            ($input.if_match.as_ref(), $input.if_none_match.as_ref()),
            (
                $input.if_modified_since.as_ref(),
                $input.if_unmodified_since.as_ref(),
            ),
            $input.range.as_ref(),
            $input.part_number,
        )?
    }};
}

/// GET's and HEAD's answer: the same headers (with the `response-*` overrides), and `$extra`
/// fields (GET's body).
macro_rules! answer {
    ($output:ident, $input:expr, $d:expr, { $($extra:ident: $value:expr),* }) => {{
        let (input, d) = ($input, $d);
        let shown = checksums_shown(input.checksum_mode.as_ref(), &d).unwrap_or_default();
        let v = &d.version;
        let h = &v.headers;
        let mut response = S3Response::new($output {
            $($extra: $value,)*
            accept_ranges: Some("bytes".into()),
            content_length: Some((d.end - d.start) as i64),
            content_range: d.content_range.clone(),
            parts_count: parts_count(&d),
            e_tag: Some(etag(v)),
            last_modified: Some(timestamp(v.last_modified_ms)),
            version_id: d.version_id.clone(),
            storage_class: v.storage_class.clone().map(StorageClass::from),
            content_type: input.response_content_type.or(h.content_type.clone()),
            content_encoding: input.response_content_encoding.or(h.content_encoding.clone()),
            content_disposition: input
                .response_content_disposition
                .or(h.content_disposition.clone()),
            content_language: input.response_content_language.or(h.content_language.clone()),
            cache_control: input.response_cache_control.or(h.cache_control.clone()),
            expires: input.response_expires.or_else(|| expires(v)),
            website_redirect_location: h.website_redirect_location.clone(),
            metadata: (!h.metadata.is_empty()).then(|| h.metadata.clone().into_iter().collect()),
            checksum_crc32: shown.crc32,
            checksum_crc32c: shown.crc32c,
            checksum_crc64nvme: shown.crc64nvme,
            checksum_sha1: shown.sha1,
            checksum_sha256: shown.sha256,
            checksum_type: shown.kind.map(ChecksumType::from),
            object_lock_mode: (v.lock.retention.as_ref())
                .map(|(m, _)| ObjectLockMode::from(m.clone())),
            object_lock_retain_until_date: v.lock.retention.as_ref().map(|(_, t)| timestamp(*t)),
            object_lock_legal_hold_status: (v.lock.legal_hold)
                .then(|| ObjectLockLegalHoldStatus::from("ON".to_owned())),
            ..Default::default()
        });
        if d.content_range.is_some() {
            response.status = Some(http::StatusCode::PARTIAL_CONTENT);
        }
        Ok(response)
    }};
}

pub async fn get_object(
    storage: &Storage,
    req: S3Request<GetObjectInput>,
) -> S3Result<S3Response<GetObjectOutput>> {
    let input = req.input;
    let d = described!(storage, input);
    let bytes = body::blob(body::read_range(d.files.clone(), d.start, d.end));
    let tags = d.version.tags.len();
    answer!(GetObjectOutput, input, d, {
        body: Some(bytes),
        tag_count: (tags > 0).then_some(tags as i32)
    })
}

pub async fn head_object(
    storage: &Storage,
    req: S3Request<HeadObjectInput>,
) -> S3Result<S3Response<HeadObjectOutput>> {
    let input = req.input;
    let d = described!(storage, input);
    answer!(HeadObjectOutput, input, d, {})
}
