//! Object-level operations.

use std::collections::BTreeMap;

use super::connection::Connection;
use super::error::S3Error;

/// What HeadObject tells about one object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectDetails {
    pub key: String,
    pub size_bytes: u64,
    pub etag: Option<String>,
    pub content_type: Option<String>,
    pub cache_control: Option<String>,
    pub content_disposition: Option<String>,
    pub content_encoding: Option<String>,
    pub content_language: Option<String>,
    pub storage_class: Option<String>,
    pub last_modified_secs: Option<i64>,
    pub version_id: Option<String>,
    pub user_metadata: BTreeMap<String, String>,
    /// The checksum the server stored, as `CRC64NVME i1Tp2cVBLfI= (full object)`.
    pub checksum: Option<String>,
    /// An archived object's restore, in words: "in progress" or "available until …".
    pub restore: Option<String>,
}

/// What HeadObject says of `key`: enough to tell whether it exists and what it is.
pub async fn head_object(
    connection: &Connection,
    bucket: &str,
    key: &str,
) -> Result<ObjectDetails, S3Error> {
    head(connection, bucket, key, false).await
}

/// What the details panel shows of `key`, with the checksum the server stored where it tells.
/// The checksum needs a header that a page's CORS rule may not allow, so only the desktop asks;
/// and S3 refuses it without kms:Decrypt on a KMS-encrypted object, so a refusal is asked again
/// without it.
pub async fn object_details(
    connection: &Connection,
    bucket: &str,
    key: &str,
) -> Result<ObjectDetails, S3Error> {
    if cfg!(target_arch = "wasm32") {
        return head(connection, bucket, key, false).await;
    }
    match head(connection, bucket, key, true).await {
        Err(S3Error::AccessDenied { .. }) => head(connection, bucket, key, false).await,
        result => result,
    }
}

async fn head(
    connection: &Connection,
    bucket: &str,
    key: &str,
    checksum_mode: bool,
) -> Result<ObjectDetails, S3Error> {
    let output = connection
        .client
        .head_object()
        .bucket(bucket)
        .key(key)
        .set_checksum_mode(checksum_mode.then_some(aws_sdk_s3::types::ChecksumMode::Enabled))
        .send()
        .await
        .map_err(|e| connection.error(e, &connection.target().bucket(bucket).key(key)))?;
    Ok(ObjectDetails {
        key: key.to_owned(),
        size_bytes: output.content_length().unwrap_or(0).max(0) as u64,
        etag: output.e_tag().map(str::to_owned),
        content_type: output.content_type().map(str::to_owned),
        cache_control: output.cache_control().map(str::to_owned),
        content_disposition: output.content_disposition().map(str::to_owned),
        content_encoding: output.content_encoding().map(str::to_owned),
        content_language: output.content_language().map(str::to_owned),
        storage_class: output
            .storage_class()
            .map(|c| c.as_str().to_owned())
            .or_else(|| Some("STANDARD".to_owned())),
        last_modified_secs: output.last_modified().map(|t| t.secs()),
        version_id: output.version_id().map(str::to_owned),
        user_metadata: output
            .metadata()
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default(),
        checksum: stored_checksum(&output),
        restore: output.restore().map(restore_status),
    })
}

/// The `x-amz-restore` header in words: `ongoing-request="true"` is "in progress";
/// `ongoing-request="false", expiry-date="Fri, 21 Dec 2012 00:00:00 GMT"` is "available
/// until Fri, 21 Dec 2012 00:00:00 GMT".
pub fn restore_status(header: &str) -> String {
    if header.contains("ongoing-request=\"true\"") {
        return "in progress: the copy is not readable yet".into();
    }
    match header.split_once("expiry-date=\"") {
        Some((_, rest)) => format!(
            "available until {}",
            rest.split('"').next().unwrap_or_default()
        ),
        None => header.to_owned(),
    }
}

/// Asks for a temporary readable copy of an archived object for `days`, at `tier`
/// (Expedited, Standard or Bulk). `Ok(false)` when a restore was already under way.
pub async fn restore_object(
    connection: &Connection,
    bucket: &str,
    key: &str,
    days: i32,
    tier: &str,
) -> Result<bool, S3Error> {
    use aws_sdk_s3::types::{GlacierJobParameters, RestoreRequest, Tier};
    let target = connection.target().bucket(bucket).key(key);
    let tier = Tier::from(tier);
    let job = GlacierJobParameters::builder()
        .tier(tier)
        .build()
        .map_err(|e| S3Error::Other {
            what: target.describe(),
            detail: e.to_string(),
        })?;
    let request = RestoreRequest::builder()
        .days(days)
        .glacier_job_parameters(job)
        .build();
    match connection
        .client
        .restore_object()
        .bucket(bucket)
        .key(key)
        .restore_request(request)
        .send()
        .await
        .map_err(|e| connection.error(e, &target))
    {
        Ok(_) => Ok(true),
        Err(S3Error::Service { code, .. }) if code == "RestoreAlreadyInProgress" => Ok(false),
        Err(e) => Err(e),
    }
}

/// The checksum a HEAD shows, named and with its kind: `CRC32 Vqm2YA==-4 (composite of 4
/// parts)`. A value with `-N` is over the upload's parts; S3 also says which in ChecksumType.
fn stored_checksum(head: &aws_sdk_s3::operation::head_object::HeadObjectOutput) -> Option<String> {
    let (name, value) = [
        ("CRC64NVME", head.checksum_crc64_nvme()),
        ("CRC32C", head.checksum_crc32_c()),
        ("CRC32", head.checksum_crc32()),
        ("SHA256", head.checksum_sha256()),
        ("SHA1", head.checksum_sha1()),
    ]
    .into_iter()
    .find_map(|(name, value)| value.map(|v| (name, v)))?;
    let kind = match value
        .rsplit_once('-')
        .and_then(|(_, n)| n.parse::<u64>().ok())
    {
        Some(parts) => format!(" (composite of {parts} parts)"),
        None if head.checksum_type() == Some(&aws_sdk_s3::types::ChecksumType::FullObject) => {
            " (full object)".to_owned()
        }
        None => String::new(),
    };
    Some(format!("{name} {value}{kind}"))
}

/// The name a user typed for a new folder, checked: one path segment, no slashes inside.
pub fn folder_key(parent_prefix: &str, name: &str) -> Result<String, String> {
    let name = name.trim().trim_end_matches('/');
    if name.is_empty() {
        return Err("Enter a folder name.".into());
    }
    if name.contains('/') {
        return Err("A folder name cannot contain '/'. Create one level at a time.".into());
    }
    let key = format!("{parent_prefix}{name}/");
    if key.len() > 1024 {
        return Err("The full key would be longer than S3's 1,024-byte limit.".into());
    }
    Ok(key)
}

/// Creates the zero-byte `prefix/` marker that S3 consoles show as a folder.
pub async fn create_folder(
    connection: &Connection,
    bucket: &str,
    folder_key: &str,
) -> Result<(), S3Error> {
    connection
        .client
        .put_object()
        .bucket(bucket)
        .key(folder_key)
        .content_length(0)
        .body(aws_sdk_s3::primitives::ByteStream::from_static(b""))
        .send()
        .await
        .map_err(|e| connection.error(e, &connection.target().bucket(bucket).key(folder_key)))?;
    Ok(())
}

/// Writes a small object from memory (tests, fixtures and the sandbox's sample data).
pub async fn put_bytes(
    connection: &Connection,
    bucket: &str,
    key: &str,
    bytes: Vec<u8>,
) -> Result<(), S3Error> {
    connection
        .client
        .put_object()
        .bucket(bucket)
        .key(key)
        .body(aws_sdk_s3::primitives::ByteStream::from(bytes))
        .send()
        .await
        .map_err(|e| connection.error(e, &connection.target().bucket(bucket).key(key)))?;
    Ok(())
}

/// A link that downloads `key` for `expires_secs` without credentials, saved under the key's
/// last segment: how the web app downloads (the browser saves it, nothing passes through the
/// page's memory). Signed with the clock of this machine or browser.
pub async fn download_link(
    connection: &Connection,
    bucket: &str,
    key: &str,
    expires_secs: u64,
) -> Result<String, S3Error> {
    let at = super::object_read::ObjectAt {
        bucket,
        key,
        version_id: None,
    };
    download_link_of(connection, at, expires_secs).await
}

/// As [`download_link`], of the object or one of its versions.
pub async fn download_link_of(
    connection: &Connection,
    at: super::object_read::ObjectAt<'_>,
    expires_secs: u64,
) -> Result<String, S3Error> {
    let (bucket, key) = (at.bucket, at.key);
    let target = connection.target().bucket(bucket).key(key);
    let name = key.rsplit('/').find(|s| !s.is_empty()).unwrap_or(key);
    let now = std::time::UNIX_EPOCH
        + std::time::Duration::from_secs(crate::runtime::now_secs().max(0) as u64);
    let config = aws_sdk_s3::presigning::PresigningConfig::builder()
        .start_time(now)
        .expires_in(std::time::Duration::from_secs(expires_secs))
        .build()
        .map_err(|e| S3Error::Other {
            what: target.describe(),
            detail: e.to_string(),
        })?;
    let request = connection
        .client
        .get_object()
        .bucket(bucket)
        .key(key)
        .set_version_id(at.version_id.map(str::to_owned))
        .response_content_disposition(attachment(name))
        .presigned(config)
        .await
        .map_err(|e| connection.error(e, &target))?;
    Ok(request.uri().to_owned())
}

/// `Content-Disposition` that saves a file as `name`: an ASCII fallback for old clients, and
/// the exact UTF-8 name (RFC 6266 / RFC 5987).
pub fn attachment(name: &str) -> String {
    let fallback: String = name
        .chars()
        .map(|c| {
            if c.is_ascii() && !c.is_ascii_control() && c != '"' && c != '\\' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut exact = String::new();
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&byte) {
            exact.push(byte as char);
        } else {
            exact.push_str(&format!("%{byte:02X}"));
        }
    }
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{exact}")
}

/// An object's tags, in the order S3 keeps them.
pub async fn object_tags(
    connection: &Connection,
    bucket: &str,
    key: &str,
) -> Result<Vec<(String, String)>, S3Error> {
    let target = connection.target().bucket(bucket).key(key);
    let answer = connection
        .client
        .get_object_tagging()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .map_err(|e| connection.error(e, &target))?;
    Ok(answer
        .tag_set()
        .iter()
        .map(|t| (t.key().to_owned(), t.value().to_owned()))
        .collect())
}

/// Replaces an object's tags (no copy of the object: PutObjectTagging); an empty set removes
/// them all.
pub async fn set_object_tags(
    connection: &Connection,
    bucket: &str,
    key: &str,
    tags: &[(String, String)],
) -> Result<(), S3Error> {
    let target = connection.target().bucket(bucket).key(key);
    if tags.is_empty() {
        connection
            .client
            .delete_object_tagging()
            .bucket(bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| connection.error(e, &target))?;
        return Ok(());
    }
    let tag_set = tags
        .iter()
        .map(|(k, v)| aws_sdk_s3::types::Tag::builder().key(k).value(v).build())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| S3Error::Other {
            what: target.describe(),
            detail: e.to_string(),
        })?;
    let tagging = aws_sdk_s3::types::Tagging::builder()
        .set_tag_set(Some(tag_set))
        .build()
        .map_err(|e| S3Error::Other {
            what: target.describe(),
            detail: e.to_string(),
        })?;
    connection
        .client
        .put_object_tagging()
        .bucket(bucket)
        .key(key)
        .tagging(tagging)
        .send()
        .await
        .map_err(|e| connection.error(e, &target))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attachment_names_survive_any_characters() {
        assert_eq!(
            attachment("model.ckpt"),
            "attachment; filename=\"model.ckpt\"; filename*=UTF-8''model.ckpt"
        );
        assert_eq!(
            attachment("naïve \"v2\".csv"),
            "attachment; filename=\"na_ve _v2_.csv\"; filename*=UTF-8''na%C3%AFve%20%22v2%22.csv"
        );
    }

    #[test]
    fn folder_names() {
        assert_eq!(folder_key("a/", "b").unwrap(), "a/b/");
        assert_eq!(folder_key("", " raw data/ ").unwrap(), "raw data/");
        assert!(folder_key("", "  ").is_err());
        assert!(folder_key("", "a/b").is_err());
        assert!(folder_key(&"x".repeat(1020), "abcd").is_err());
    }
}
