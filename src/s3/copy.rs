//! Server-side copies: the bytes never pass through this machine. CopyObject up to 5 GiB;
//! above, a multipart upload whose parts are UploadPartCopy ranges of the source, sent in
//! parallel. The copy keeps the source's content headers, user metadata, storage class and tags.

use futures::{StreamExt, TryStreamExt};

use super::{Connection, S3Error};

/// CopyObject's limit.
pub const MAX_SINGLE_COPY_BYTES: u64 = 5 * 1024 * 1024 * 1024;

/// How a copy is made; the defaults are S3's limits and a part size that keeps the part count
/// low for a 5 TiB object (10,000 parts of at most 5 GiB).
#[derive(Debug, Clone, Copy)]
pub struct CopyOptions {
    /// Objects above this size are copied in parts.
    pub multipart_above: u64,
    /// The size of each part of a multipart copy (raised where 10,000 would not do).
    pub part_size: u64,
    /// Parts in flight at once.
    pub concurrency: usize,
}

impl Default for CopyOptions {
    fn default() -> Self {
        Self {
            multipart_above: MAX_SINGLE_COPY_BYTES,
            part_size: 512 * 1024 * 1024,
            concurrency: 8,
        }
    }
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

/// Copies `s3://from_bucket/from_key` to `s3://to_bucket/to_key` on the server; the bytes
/// copied.
pub async fn copy_object(
    connection: &Connection,
    (from_bucket, from_key): (&str, &str),
    (to_bucket, to_key): (&str, &str),
    options: CopyOptions,
) -> Result<u64, S3Error> {
    let source_target = connection.target().bucket(from_bucket).key(from_key);
    let head = connection
        .client
        .head_object()
        .bucket(from_bucket)
        .key(from_key)
        .send()
        .await
        .map_err(|e| connection.error(e, &source_target))?;
    let size = head.content_length().unwrap_or(0).max(0) as u64;
    let target = connection.target().bucket(to_bucket).key(to_key);
    let source = copy_source(from_bucket, from_key, None);
    if size <= options.multipart_above.min(MAX_SINGLE_COPY_BYTES) {
        // COPY directives: content headers, metadata and tags come along.
        connection
            .client
            .copy_object()
            .bucket(to_bucket)
            .key(to_key)
            .copy_source(source)
            .set_storage_class(head.storage_class().cloned())
            .send()
            .await
            .map_err(|e| connection.error(e, &target))?;
        return Ok(size);
    }
    let started = connection
        .client
        .create_multipart_upload()
        .bucket(to_bucket)
        .key(to_key)
        .set_content_type(head.content_type().map(str::to_owned))
        .set_content_encoding(head.content_encoding().map(str::to_owned))
        .set_content_disposition(head.content_disposition().map(str::to_owned))
        .set_content_language(head.content_language().map(str::to_owned))
        .set_cache_control(head.cache_control().map(str::to_owned))
        .set_metadata(head.metadata().cloned())
        .set_storage_class(head.storage_class().cloned())
        .send()
        .await
        .map_err(|e| connection.error(e, &target))?;
    let upload_id = started.upload_id().unwrap_or_default().to_owned();
    let copied = copy_parts(
        connection,
        &source,
        (to_bucket, to_key),
        &upload_id,
        size,
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
    if let Err(e) = completion {
        // The answer may be lost (or, from moto, unreadable) while the object was made: the
        // object's size tells.
        if !super::object_io::completion_answer_lost(&e)
            || !has_size(connection, (to_bucket, to_key), size).await
        {
            return Err(e);
        }
    }
    copy_tags(connection, (from_bucket, from_key), (to_bucket, to_key)).await?;
    Ok(size)
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
    source: &str,
    (to_bucket, to_key): (&str, &str),
    upload_id: &str,
    size: u64,
    options: CopyOptions,
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

/// A multipart copy starts without the source's tags: they are copied after.
async fn copy_tags(
    connection: &Connection,
    (from_bucket, from_key): (&str, &str),
    (to_bucket, to_key): (&str, &str),
) -> Result<(), S3Error> {
    let tags = match super::objects::object_tags(connection, from_bucket, from_key).await {
        Ok(tags) => tags,
        // An endpoint without tags has none to copy.
        Err(S3Error::Unsupported { .. }) => return Ok(()),
        Err(e) => return Err(e),
    };
    if tags.is_empty() {
        return Ok(());
    }
    super::objects::set_object_tags(connection, to_bucket, to_key, &tags).await
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
