//! Whether a local file and an object hold the same bytes, without downloading the object.

use std::path::Path;

use super::checksum::{Verdict, compare_local};
use super::error::TransferError;
use crate::s3::Connection;
use crate::s3::object_io::ObjectRef;

/// Compares `path` with `s3://bucket/key` without downloading it: the size, then the CRC32C the
/// server stored (for multipart objects, the checksum of the part checksums) or else its
/// CRC64NVME.
pub async fn verify_file(
    connection: &Connection,
    path: &Path,
    bucket: &str,
    key: &str,
) -> Result<Verdict, TransferError> {
    let object = ObjectRef::new(connection, bucket, key);
    let head = object.head_with_checksum().await?;
    let path_owned = path.to_owned();
    tokio::task::spawn_blocking(move || compare_local(&path_owned, &head))
        .await
        .map_err(|e| TransferError::io(path, std::io::Error::other(e)))?
        .map_err(|e| TransferError::io(path, e))
}
