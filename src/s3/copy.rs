//! Server-side copies: the bytes never pass through this machine. CopyObject up to 5 GiB;
//! above, a multipart upload whose parts are UploadPartCopy ranges of the source, sent in
//! parallel. The copy keeps the source's content headers, user metadata, storage class and tags.

use futures::{StreamExt, TryStreamExt};

use super::{Connection, S3Error};

/// CopyObject's limit.
pub const MAX_SINGLE_COPY_BYTES: u64 = 5 * 1024 * 1024 * 1024;

/// How a copy is made; the defaults are S3's limits and a part size that keeps the part count
/// low for a 5 TiB object (10,000 parts of at most 5 GiB).
#[derive(Debug, Clone)]
pub struct CopyOptions {
    /// Objects above this size are copied in parts.
    pub multipart_above: u64,
    /// The size of each part of a multipart copy (raised where 10,000 would not do).
    pub part_size: u64,
    /// Parts in flight at once.
    pub concurrency: usize,
    /// What the copy changes; a plain copy keeps everything the source carries.
    pub changes: CopyChanges,
}

impl Default for CopyOptions {
    fn default() -> Self {
        Self {
            multipart_above: MAX_SINGLE_COPY_BYTES,
            part_size: 512 * 1024 * 1024,
            concurrency: 8,
            changes: CopyChanges::default(),
        }
    }
}

/// What a copy changes: nothing by default. An object's storage class and headers change only
/// by copying it, onto itself where the key stays.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CopyChanges {
    pub storage_class: Option<String>,
    /// Content headers and user metadata that replace the source's (the REPLACE directive).
    pub headers: Option<ObjectHeaders>,
}

impl CopyChanges {
    pub fn is_empty(&self) -> bool {
        self.storage_class.is_none() && self.headers.is_none()
    }
}

/// The headers an object is served with and its user metadata, as an edit sets them whole.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObjectHeaders {
    pub content_type: Option<String>,
    pub cache_control: Option<String>,
    pub content_disposition: Option<String>,
    pub content_encoding: Option<String>,
    pub content_language: Option<String>,
    pub metadata: std::collections::BTreeMap<String, String>,
}

/// What a copy made: its size, and what the destination must show to be that copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copied {
    pub bytes: u64,
    /// The copy's ETag as the server answered it (unknown where a completion's answer was
    /// lost and the object's size vouched for it).
    pub etag: Option<String>,
    /// The source's full-object checksum, `ALGORITHM value`, where the server keeps one.
    pub source_checksum: Option<String>,
}

/// `bucket/key` (with `?versionId=` when given) as `x-amz-copy-source` takes it: the key
/// percent-encoded, its slashes kept.
pub fn copy_source(bucket: &str, key: &str, version_id: Option<&str>) -> String {
    let mut encoded = String::with_capacity(key.len());
    for byte in key.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            encoded.push(byte as char);
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    match version_id {
        Some(v) => format!("{bucket}/{encoded}?versionId={v}"),
        None => format!("{bucket}/{encoded}"),
    }
}

/// Copies an object whose size and ETag a listing gave: a small one without changes in one
/// CopyObject (`x-amz-copy-source-if-match`: the content listed or nothing), others as
/// [`copy_object`] does. Where the copy's ETag is the source's (an MD5, as for single-part
/// objects), that confirms it; `confirmed` says so.
pub async fn copy_listed(
    connection: &Connection,
    (from_bucket, from_key): (&str, &str),
    to: (&str, &str),
    (size, etag, class): (u64, Option<&str>, super::listing::StorageClass),
    options: &CopyOptions,
) -> Result<(Copied, bool), S3Error> {
    use super::listing::StorageClass;
    let single = size <= options.multipart_above.min(MAX_SINGLE_COPY_BYTES);
    // A class the listing could not name must be read from the source, not guessed.
    let known_class = class != StorageClass::Other;
    let Some(etag) = etag.filter(|_| single && options.changes.is_empty() && known_class) else {
        let copied = copy_object(connection, (from_bucket, from_key), to, options).await?;
        return Ok((copied, false));
    };
    let source = Source {
        name: copy_source(from_bucket, from_key, None),
        size,
        etag: Some(etag.to_owned()),
        checksum: None,
        // COPY keeps the headers; the class must be named, or the copy is STANDARD.
        storage_class: (class != StorageClass::Standard)
            .then(|| aws_sdk_s3::types::StorageClass::from(class.as_str())),
        headers: ObjectHeaders::default(),
    };
    let made = copy_in_one(connection, &source, to, &options.changes).await?;
    let confirmed = made.as_deref() == Some(etag) && !etag.contains('-');
    let copied = Copied {
        bytes: size,
        etag: made,
        source_checksum: None,
    };
    Ok((copied, confirmed))
}

/// What the copy needs of the source's HEAD.
struct Source {
    /// `x-amz-copy-source`.
    name: String,
    size: u64,
    etag: Option<String>,
    checksum: Option<String>,
    storage_class: Option<aws_sdk_s3::types::StorageClass>,
    headers: ObjectHeaders,
}

/// Copies `s3://from_bucket/from_key` to `s3://to_bucket/to_key` on the server. The copy is of
/// the source as its HEAD found it (`x-amz-copy-source-if-match`): a source replaced meanwhile
/// fails the copy rather than mixing two versions.
pub async fn copy_object(
    connection: &Connection,
    (from_bucket, from_key): (&str, &str),
    to: (&str, &str),
    options: &CopyOptions,
) -> Result<Copied, S3Error> {
    let source_target = connection.target().bucket(from_bucket).key(from_key);
    let head = connection
        .client
        .head_object()
        .bucket(from_bucket)
        .key(from_key)
        .checksum_mode(aws_sdk_s3::types::ChecksumMode::Enabled)
        .send()
        .await
        .map_err(|e| connection.error(e, &source_target))?;
    let changes = &options.changes;
    let source = Source {
        name: copy_source(from_bucket, from_key, None),
        size: head.content_length().unwrap_or(0).max(0) as u64,
        etag: head.e_tag().map(str::to_owned),
        checksum: full_object_checksum(
            head.checksum_crc64_nvme(),
            head.checksum_crc32_c(),
            head.checksum_crc32(),
            head.checksum_sha256(),
            head.checksum_sha1(),
        ),
        storage_class: match &changes.storage_class {
            Some(class) => Some(aws_sdk_s3::types::StorageClass::from(class.as_str())),
            None => head.storage_class().cloned(),
        },
        headers: changes.headers.clone().unwrap_or_else(|| ObjectHeaders {
            content_type: head.content_type().map(str::to_owned),
            cache_control: head.cache_control().map(str::to_owned),
            content_disposition: head.content_disposition().map(str::to_owned),
            content_encoding: head.content_encoding().map(str::to_owned),
            content_language: head.content_language().map(str::to_owned),
            metadata: head
                .metadata()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .collect(),
        }),
    };
    let etag = if source.size <= options.multipart_above.min(MAX_SINGLE_COPY_BYTES) {
        copy_in_one(connection, &source, to, changes).await?
    } else {
        copy_in_parts(connection, &source, (from_bucket, from_key), to, options).await?
    };
    Ok(Copied {
        bytes: source.size,
        etag,
        source_checksum: source.checksum,
    })
}

/// CopyObject: the COPY directive unless the headers change (content headers, metadata and
/// tags then come along). The new ETag.
async fn copy_in_one(
    connection: &Connection,
    source: &Source,
    (to_bucket, to_key): (&str, &str),
    changes: &CopyChanges,
) -> Result<Option<String>, S3Error> {
    let target = connection.target().bucket(to_bucket).key(to_key);
    let request = connection
        .client
        .copy_object()
        .bucket(to_bucket)
        .key(to_key)
        .copy_source(&source.name)
        .set_copy_source_if_match(source.etag.clone())
        .set_storage_class(source.storage_class.clone());
    let request = match &changes.headers {
        None => request,
        Some(h) => request
            .metadata_directive(aws_sdk_s3::types::MetadataDirective::Replace)
            .set_content_type(h.content_type.clone())
            .set_cache_control(h.cache_control.clone())
            .set_content_disposition(h.content_disposition.clone())
            .set_content_encoding(h.content_encoding.clone())
            .set_content_language(h.content_language.clone())
            .set_metadata(Some(h.metadata.clone().into_iter().collect())),
    };
    let copied = request
        .send()
        .await
        .map_err(|e| connection.error(e, &target))?;
    Ok(copied
        .copy_object_result()
        .and_then(|r| r.e_tag())
        .map(str::to_owned))
}

/// A multipart upload of UploadPartCopy ranges, aborted if a part fails; the source's tags
/// set after. The new ETag, where the completion's answer arrived.
async fn copy_in_parts(
    connection: &Connection,
    source: &Source,
    from: (&str, &str),
    (to_bucket, to_key): (&str, &str),
    options: &CopyOptions,
) -> Result<Option<String>, S3Error> {
    let target = connection.target().bucket(to_bucket).key(to_key);
    // A multipart copy starts without the source's tags, and an in-place one replaces the
    // source: read them first, set them after.
    let tags = source_tags(connection, from).await?;
    let headers = source.headers.clone();
    let started = connection
        .client
        .create_multipart_upload()
        .bucket(to_bucket)
        .key(to_key)
        .set_content_type(headers.content_type)
        .set_content_encoding(headers.content_encoding)
        .set_content_disposition(headers.content_disposition)
        .set_content_language(headers.content_language)
        .set_cache_control(headers.cache_control)
        .set_metadata(Some(headers.metadata.into_iter().collect()))
        .set_storage_class(source.storage_class.clone())
        .send()
        .await
        .map_err(|e| connection.error(e, &target))?;
    let upload_id = started.upload_id().unwrap_or_default().to_owned();
    let copied = copy_parts(
        connection,
        (&source.name, source.etag.as_deref()),
        (to_bucket, to_key),
        &upload_id,
        source.size,
        options,
    )
    .await;
    let parts = match copied {
        Ok(parts) => parts,
        Err(e) => {
            // Nothing half-made is left behind to be billed.
            let _ = connection
                .client
                .abort_multipart_upload()
                .bucket(to_bucket)
                .key(to_key)
                .upload_id(&upload_id)
                .send()
                .await;
            return Err(e);
        }
    };
    let completed = aws_sdk_s3::types::CompletedMultipartUpload::builder()
        .set_parts(Some(parts))
        .build();
    let completion = connection
        .client
        .complete_multipart_upload()
        .bucket(to_bucket)
        .key(to_key)
        .upload_id(&upload_id)
        .multipart_upload(completed)
        .send()
        .await
        .map_err(|e| connection.error(e, &target));
    let etag = match completion {
        Ok(done) => done.e_tag().map(str::to_owned),
        // The answer may be lost (or, from moto, unreadable) while the object was made: the
        // object's size tells.
        Err(e)
            if super::object_io::completion_answer_lost(&e)
                && has_size(connection, (to_bucket, to_key), source.size).await =>
        {
            None
        }
        Err(e) => return Err(e),
    };
    if !tags.is_empty() {
        super::objects::set_object_tags(connection, to_bucket, to_key, &tags).await?;
    }
    Ok(etag)
}

/// The first full-object checksum of those a HEAD shows (a composite `value-N` is over parts,
/// which a copy need not keep).
fn full_object_checksum(
    crc64nvme: Option<&str>,
    crc32c: Option<&str>,
    crc32: Option<&str>,
    sha256: Option<&str>,
    sha1: Option<&str>,
) -> Option<String> {
    [
        ("CRC64NVME", crc64nvme),
        ("CRC32C", crc32c),
        ("CRC32", crc32),
        ("SHA256", sha256),
        ("SHA1", sha1),
    ]
    .into_iter()
    .filter_map(|(name, value)| value.map(|v| (name, v)))
    .find(|(_, v)| !v.contains('-'))
    .map(|(name, v)| format!("{name} {v}"))
}

/// Whether the object at `to` is the copy made: its size, the ETag the copy answered, and the
/// source's full-object checksum where the destination shows the same algorithm. The reason
/// when it is not.
pub async fn confirm_copy(
    connection: &Connection,
    (to_bucket, to_key): (&str, &str),
    copied: &Copied,
) -> Result<(), String> {
    let head = connection
        .client
        .head_object()
        .bucket(to_bucket)
        .key(to_key)
        .checksum_mode(aws_sdk_s3::types::ChecksumMode::Enabled)
        .send()
        .await
        .map_err(|e| {
            let target = connection.target().bucket(to_bucket).key(to_key);
            format!(
                "the copy could not be checked: {}",
                connection.error(e, &target)
            )
        })?;
    let size = head.content_length().unwrap_or(0).max(0) as u64;
    if size != copied.bytes {
        return Err(format!(
            "the copy holds {size} bytes where the source held {}",
            copied.bytes
        ));
    }
    if let (Some(made), Some(found)) = (&copied.etag, head.e_tag())
        && made != found
    {
        return Err("the object at the destination is no longer the copy made".into());
    }
    let found = full_object_checksum(
        head.checksum_crc64_nvme(),
        head.checksum_crc32_c(),
        head.checksum_crc32(),
        head.checksum_sha256(),
        head.checksum_sha1(),
    );
    if let (Some(source), Some(found)) = (&copied.source_checksum, found) {
        let algorithm = |c: &str| c.split(' ').next().map(str::to_owned);
        if algorithm(source) == algorithm(&found) && *source != found {
            return Err(format!(
                "the copy's checksum ({found}) differs from the source's ({source})"
            ));
        }
    }
    Ok(())
}

async fn has_size(connection: &Connection, (bucket, key): (&str, &str), size: u64) -> bool {
    let head = connection
        .client
        .head_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await;
    head.is_ok_and(|h| h.content_length() == Some(size as i64))
}

async fn copy_parts(
    connection: &Connection,
    (source, source_etag): (&str, Option<&str>),
    (to_bucket, to_key): (&str, &str),
    upload_id: &str,
    size: u64,
    options: &CopyOptions,
) -> Result<Vec<aws_sdk_s3::types::CompletedPart>, S3Error> {
    let target = connection.target().bucket(to_bucket).key(to_key);
    let part_size = options
        .part_size
        .max(size.div_ceil(10_000))
        .max(5 * 1024 * 1024);
    let count = size.div_ceil(part_size);
    let mut parts: Vec<_> = futures::stream::iter(0..count)
        .map(|i| {
            let (first, last) = (i * part_size, ((i + 1) * part_size).min(size) - 1);
            let target = &target;
            async move {
                let number = i as i32 + 1;
                let copied = connection
                    .client
                    .upload_part_copy()
                    .bucket(to_bucket)
                    .key(to_key)
                    .upload_id(upload_id)
                    .part_number(number)
                    .copy_source(source)
                    .set_copy_source_if_match(source_etag.map(str::to_owned))
                    .copy_source_range(format!("bytes={first}-{last}"))
                    .send()
                    .await
                    .map_err(|e| connection.error(e, target))?;
                let etag = copied
                    .copy_part_result()
                    .and_then(|r| r.e_tag())
                    .map(str::to_owned);
                Ok::<_, S3Error>(
                    aws_sdk_s3::types::CompletedPart::builder()
                        .part_number(number)
                        .set_e_tag(etag)
                        .build(),
                )
            }
        })
        .buffer_unordered(options.concurrency.max(1))
        .try_collect()
        .await?;
    parts.sort_by_key(|p| p.part_number());
    Ok(parts)
}

/// The source's tags; none where the endpoint has no tags.
async fn source_tags(
    connection: &Connection,
    (bucket, key): (&str, &str),
) -> Result<Vec<(String, String)>, S3Error> {
    match super::objects::object_tags(connection, bucket, key).await {
        Ok(tags) => Ok(tags),
        Err(S3Error::Unsupported { .. }) => Ok(Vec::new()),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_copy_source_encodes_the_key_but_not_its_slashes() {
        assert_eq!(
            copy_source("b", "runs/day 1/ü+x.bin", Some("v1")),
            "b/runs/day%201/%C3%BC%2Bx.bin?versionId=v1"
        );
        assert_eq!(copy_source("b", "a/b.txt", None), "b/a/b.txt");
    }
}
