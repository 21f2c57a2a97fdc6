//! Many files or objects at once: a folder up, a prefix down.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use futures::StreamExt;

use super::adaptive::FileSlots;
use super::download::Downloads;
use super::error::TransferError;
use super::job::{TransferOptions, upload_destination};
use super::local_paths::{download_destination, local_path_for_key, walk_files};
use super::scheduler::{Progress, Scheduler};
use super::upload_file::upload_file;
use crate::s3::Connection;

/// What happened to one file or object of a batch.
#[derive(Debug)]
pub struct ItemResult {
    pub source: String,
    pub destination: String,
    /// The bytes moved, or why not.
    pub result: Result<u64, TransferError>,
    /// The destination existed and `IfExists::Skip` left it alone.
    pub skipped: bool,
}

/// Uploads every file under `dir` to `s3://bucket/prefix<relative path>`, as many files at a
/// time as `options.files_at_once` allows.
pub async fn upload_dir(
    connection: &Connection,
    scheduler: &Scheduler,
    dir: &Path,
    bucket: &str,
    prefix: &str,
    options: &TransferOptions,
    progress: &Progress,
) -> Result<Vec<ItemResult>, TransferError> {
    let files = walk_files(dir)?;
    let total: u64 = files
        .iter()
        .filter_map(|(p, _)| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum();
    progress.bytes_total.fetch_add(total, Ordering::Relaxed);
    let slots = &FileSlots::new(options.files_at_once);
    Ok(futures::stream::iter(files)
        .map(|(path, relative)| async move {
            let slot = slots.slot().await;
            let key = format!("{prefix}{relative}");
            let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
            let (destination, result, skipped) =
                match upload_destination(connection, bucket, &key, options.if_exists)
                    .await
                    .map_err(TransferError::from)
                {
                    Ok(Some(key)) => {
                        let result = upload_file(
                            connection, scheduler, &path, bucket, &key, options, progress,
                        )
                        .await
                        .map(|()| size);
                        (format!("s3://{bucket}/{key}"), result, false)
                    }
                    Ok(None) => {
                        progress.add(size);
                        (format!("s3://{bucket}/{key}"), Ok(0), true)
                    }
                    Err(e) => (format!("s3://{bucket}/{key}"), Err(e), false),
                };
            if let Ok(bytes) = result {
                slot.done(bytes);
            }
            ItemResult {
                source: path.display().to_string(),
                destination,
                result,
                skipped,
            }
        })
        .buffer_unordered(options.files_at_once.most())
        .collect()
        .await)
}

/// Downloads every object under `s3://bucket/prefix` into `dir`, keeping the key's path below
/// the prefix. Keys that would land outside `dir` are refused and reported, never written.
pub async fn download_prefix(
    connection: &Connection,
    scheduler: &Scheduler,
    bucket: &str,
    prefix: &str,
    dir: &Path,
    options: &TransferOptions,
    progress: &Arc<Progress>,
) -> Result<Vec<ItemResult>, TransferError> {
    let listed = crate::s3::listing::list_all(
        connection,
        crate::s3::listing::ListRequest::recursive(bucket, prefix),
    )
    .await?;
    // Folder markers (`a/`) are not files.
    let objects: Vec<_> = listed
        .objects
        .into_iter()
        .filter(|o| !o.key.ends_with('/'))
        .collect();
    let total: u64 = objects.iter().map(|o| o.size_bytes).sum();
    progress.bytes_total.fetch_add(total, Ordering::Relaxed);
    let downloads = &Downloads {
        connection,
        scheduler,
        options,
        progress,
        root: dir,
    };
    // Keys are kept relative to the last `/` of the prefix, as `aws s3 cp --recursive` does.
    let strip = &prefix[..prefix.rfind('/').map_or(0, |i| i + 1)];
    let slots = &FileSlots::new(options.files_at_once);
    Ok(futures::stream::iter(objects)
        .map(|object| async move {
            let slot = slots.slot().await;
            let source = format!("s3://{bucket}/{}", object.key);
            match local_path_for_key(dir, &object.key, strip) {
                Err(e) => ItemResult {
                    source,
                    destination: String::new(),
                    result: Err(e),
                    skipped: false,
                },
                Ok(dest) => match download_destination(&dest, options.if_exists) {
                    None => {
                        progress.add(object.size_bytes);
                        ItemResult {
                            source,
                            destination: dest.display().to_string(),
                            result: Ok(0),
                            skipped: true,
                        }
                    }
                    Some(dest) => {
                        let result = (downloads.download(
                            bucket,
                            &object.key,
                            Some(object.size_bytes),
                            &dest,
                        ))
                        .await;
                        if let Ok(bytes) = result {
                            slot.done(bytes);
                        }
                        ItemResult {
                            source,
                            destination: dest.display().to_string(),
                            result,
                            skipped: false,
                        }
                    }
                },
            }
        })
        .buffer_unordered(options.files_at_once.most())
        .collect()
        .await)
}
