//! Object versions and delete markers, page by page (ListObjectVersions).

use super::connection::Connection;
use super::error::S3Error;
use super::key_encoding::Keys;
use super::listing::{MAX_KEYS_PER_PAGE, StorageClass};
use super::paging::Pages;

/// One object version or delete marker, as ListObjectVersions names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionEntry {
    pub key: String,
    pub version_id: Option<String>,
    /// The version a plain GET returns.
    pub is_latest: bool,
    pub is_delete_marker: bool,
    pub size_bytes: u64,
    pub last_modified_secs: i64,
    pub storage_class: StorageClass,
}

/// Every version and delete marker under `prefix`, a page at a time to `on_page`, which may stop
/// the listing by returning an error.
pub async fn list_versions(
    connection: &Connection,
    bucket: &str,
    prefix: &str,
    mut on_page: impl FnMut(Vec<VersionEntry>) -> Result<(), S3Error>,
) -> Result<(), S3Error> {
    let target = connection.target().bucket(bucket);
    let mut pages = Pages::new(target.clone().key(prefix).describe(), None);
    loop {
        let (key_marker, version_marker) = pages.marker().cloned().unzip();
        let output = connection
            .client
            .list_object_versions()
            .bucket(bucket)
            .prefix(prefix)
            .max_keys(MAX_KEYS_PER_PAGE)
            .set_key_marker(key_marker)
            .set_version_id_marker(version_marker.flatten())
            .encoding_type(aws_sdk_s3::types::EncodingType::Url)
            .send()
            .await
            .map_err(|e| connection.error(e, &target))?;
        let keys = Keys::from_answer(output.encoding_type());
        let versions = output.versions().iter().filter_map(|v| {
            Some(VersionEntry {
                key: keys.key(v.key()?)?,
                version_id: v.version_id().map(str::to_owned),
                is_latest: v.is_latest().unwrap_or(true),
                is_delete_marker: false,
                size_bytes: v.size().unwrap_or(0).max(0) as u64,
                last_modified_secs: v.last_modified().map_or(0, |t| t.secs()),
                storage_class: v
                    .storage_class()
                    .map_or(StorageClass::Standard, |c| StorageClass::parse(c.as_str())),
            })
        });
        let markers = output.delete_markers().iter().filter_map(|m| {
            Some(VersionEntry {
                key: keys.key(m.key()?)?,
                version_id: m.version_id().map(str::to_owned),
                is_latest: m.is_latest().unwrap_or(false),
                is_delete_marker: true,
                size_bytes: 0,
                last_modified_secs: m.last_modified().map_or(0, |t| t.secs()),
                storage_class: StorageClass::Standard,
            })
        });
        on_page(versions.chain(markers).collect())?;
        let next = output.next_key_marker().and_then(|key| {
            let version = output.next_version_id_marker().map(str::to_owned);
            Some((keys.key(key)?, version))
        });
        if !pages.advance(output.is_truncated().unwrap_or(false), next)? {
            return Ok(());
        }
    }
}

/// Makes an earlier version current again by copying it on top, as the AWS console's "restore"
/// does: the history stays, and the copy is the new current version. Its version id.
pub async fn restore_version(
    connection: &Connection,
    bucket: &str,
    key: &str,
    version_id: &str,
) -> Result<Option<String>, S3Error> {
    let target = connection.target().bucket(bucket).key(key);
    let head = connection
        .client
        .head_object()
        .bucket(bucket)
        .key(key)
        .version_id(version_id)
        .send()
        .await
        .map_err(|e| connection.error(e, &target))?;
    let size = head.content_length().unwrap_or(0).max(0) as u64;
    if size > super::copy::MAX_SINGLE_COPY_BYTES {
        return Err(S3Error::Other {
            what: target.describe(),
            detail: format!(
                "version {version_id} holds {} and one copy moves at most 5 GiB; download it \
                 and upload it again",
                crate::format::human_bytes(size)
            ),
        });
    }
    let copied = connection
        .client
        .copy_object()
        .bucket(bucket)
        .key(key)
        .copy_source(super::copy::copy_source(bucket, key, Some(version_id)))
        .send()
        .await
        .map_err(|e| connection.error(e, &target))?;
    Ok(copied.version_id().map(str::to_owned))
}

/// Brings back a deleted object: removes the delete marker that is its current version, so
/// the version before it is current again. The marker's id, or `None` when the object's
/// current version is no marker (nothing to undelete).
pub async fn undelete(
    connection: &Connection,
    bucket: &str,
    key: &str,
) -> Result<Option<String>, S3Error> {
    let target = connection.target().bucket(bucket).key(key);
    let mut marker = None;
    list_versions(connection, bucket, key, |page| {
        if let Some(current) = page
            .iter()
            .find(|v| v.key == key && v.is_latest && v.is_delete_marker)
        {
            marker = current.version_id.clone();
        }
        Ok(())
    })
    .await?;
    let Some(marker) = marker else {
        return Ok(None);
    };
    connection
        .client
        .delete_object()
        .bucket(bucket)
        .key(key)
        .version_id(&marker)
        .send()
        .await
        .map_err(|e| connection.error(e, &target))?;
    Ok(Some(marker))
}
