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
use crate::s3::listing::{ListEvent, ListRequest, Listing, ObjectEntry};
use crate::s3::{Connection, S3Error};

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
/// Downloads start with the listing's first page, as the rest is listed (over a long link,
/// 100 pages cost seconds). A listing that fails before its first page is the error; one that
/// fails later is reported as a failed item after the objects already listed.
pub async fn download_prefix(
    connection: &Connection,
    scheduler: &Scheduler,
    bucket: &str,
    prefix: &str,
    dir: &Path,
    options: &TransferOptions,
    progress: &Arc<Progress>,
) -> Result<Vec<ItemResult>, TransferError> {
    let mut listing = Listing::start(
        connection,
        ListRequest::recursive(bucket, prefix),
        crate::runtime::no_notify(),
    );
    let first = match listing.next().await {
        Some(ListEvent::Page(page)) => page.objects,
        Some(ListEvent::Failed { error, .. }) => return Err(error.into()),
        Some(ListEvent::Done) | None => Vec::new(),
    };
    let rest = futures::stream::unfold(Some(listing), |listing| async move {
        let mut listing = listing?;
        match listing.next().await? {
            ListEvent::Page(page) => Some((Ok(page.objects), Some(listing))),
            ListEvent::Failed { error, .. } => Some((Err(error), None)),
            ListEvent::Done => None,
        }
    });
    let listed = futures::stream::once(async { Ok(first) })
        .chain(rest)
        .flat_map(|page| {
            let page: Vec<Result<ObjectEntry, S3Error>> = match page {
                // Folder markers (`a/`) are not files.
                Ok(objects) => (objects.into_iter())
                    .filter(|o| !o.key.ends_with('/'))
                    .inspect(|o| {
                        progress
                            .bytes_total
                            .fetch_add(o.size_bytes, Ordering::Relaxed);
                    })
                    .map(Ok)
                    .collect(),
                Err(error) => vec![Err(error)],
            };
            futures::stream::iter(page)
        });
    let batch = &DownloadBatch {
        downloads: Downloads {
            connection,
            scheduler,
            options,
            progress,
            root: dir,
        },
        bucket,
        prefix,
        // Keys are kept relative to the last `/` of the prefix, as `aws s3 cp --recursive` does.
        strip: &prefix[..prefix.rfind('/').map_or(0, |i| i + 1)],
        slots: FileSlots::new(options.files_at_once),
    };
    Ok(listed
        .map(|listed| batch.fetch(listed))
        .buffer_unordered(options.files_at_once.most())
        .collect()
        .await)
}

/// One prefix's download, shared by each object's.
struct DownloadBatch<'a> {
    downloads: Downloads<'a>,
    bucket: &'a str,
    prefix: &'a str,
    strip: &'a str,
    slots: FileSlots,
}

impl DownloadBatch<'_> {
    /// One listed object downloaded, or the listing's failure reported against the prefix.
    async fn fetch(&self, listed: Result<ObjectEntry, S3Error>) -> ItemResult {
        let (bucket, downloads) = (self.bucket, &self.downloads);
        let object = match listed {
            Ok(object) => object,
            Err(error) => {
                return ItemResult {
                    source: format!("s3://{bucket}/{}", self.prefix),
                    destination: downloads.root.display().to_string(),
                    result: Err(error.into()),
                    skipped: false,
                };
            }
        };
        let slot = self.slots.slot().await;
        let source = format!("s3://{bucket}/{}", object.key);
        let dest = match local_path_for_key(downloads.root, &object.key, self.strip) {
            Ok(dest) => dest,
            Err(e) => {
                return ItemResult {
                    source,
                    destination: String::new(),
                    result: Err(e),
                    skipped: false,
                };
            }
        };
        let Some(dest) = download_destination(&dest, downloads.options.if_exists) else {
            downloads.progress.add(object.size_bytes);
            return ItemResult {
                source,
                destination: dest.display().to_string(),
                result: Ok(0),
                skipped: true,
            };
        };
        let result =
            (downloads.download(bucket, &object.key, Some(object.size_bytes), &dest)).await;
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
}
