//! The dry run: a scan that finds everything a scope covers (current objects, old versions,
//! delete markers, incomplete uploads) and what of it is locked, without changing anything.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use futures::StreamExt;

use super::scope::{Filters, Scope};
use crate::runtime::{Notify, now_secs};
use crate::s3::Connection;
use crate::s3::error::S3Error;
use crate::s3::listing::{ListEvent, ListRequest, Listing, StorageClass};
use crate::s3::object_lock::{lock_enabled, lock_reason};
use crate::s3::uploads::{UploadEntry, stored_parts};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemKind {
    /// The object a plain GET returns.
    Current,
    /// An older version kept by versioning.
    Noncurrent,
    DeleteMarker,
}

/// One object version (or plain object, where the server has no versions) the scan found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub key: String,
    /// `None` where the server lists no versions.
    pub version_id: Option<String>,
    pub kind: ItemKind,
    pub size_bytes: u64,
    pub last_modified_secs: i64,
    pub storage_class: StorageClass,
    /// Why S3 will refuse to delete it (legal hold, retention), as found by the scan.
    pub locked: Option<String>,
}

/// An incomplete multipart upload: parts stored and billed, but no object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadInfo {
    pub key: String,
    pub upload_id: String,
    pub initiated_secs: i64,
    /// `None` where the server's parts list could not be read.
    pub parts: Option<u64>,
    pub bytes: Option<u64>,
}

/// How the bucket keeps versions, as far as the scan could tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Versioning {
    /// Versions were listed and some have real version ids: deleting needs a choice.
    Versioned,
    /// Versions were listed and all are plain ("null") objects.
    Unversioned,
    /// The server does not list versions (many self-hosted servers): objects only.
    NotListed,
}

/// Live counters while a scan runs, for progress on screen.
#[derive(Debug, Default)]
pub struct ScanProgress {
    pub entries_seen: AtomicU64,
    pub bytes_seen: AtomicU64,
    pub pages: AtomicU64,
    pub uploads_seen: AtomicU64,
    /// Set to end the scan early; it then fails as cancelled.
    pub stop: AtomicBool,
}

/// Totals by kind, in the order the confirm step states them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub current: u64,
    pub current_bytes: u64,
    pub noncurrent: u64,
    pub noncurrent_bytes: u64,
    pub delete_markers: u64,
    pub uploads: u64,
    /// Bytes in the parts of the uploads whose parts the server listed.
    pub upload_bytes: u64,
    /// Uploads whose parts could not be listed (their bytes are not in `upload_bytes`).
    pub uploads_unsized: u64,
    pub locked: u64,
}

/// One line of the inventory's table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountRow {
    pub label: &'static str,
    pub count: u64,
    /// Bytes in words, or empty where bytes mean nothing (delete markers).
    pub bytes: String,
}

#[derive(Debug, Clone)]
pub struct Inventory {
    pub scope: Scope,
    pub filters: Filters,
    pub versioning: Versioning,
    pub items: Vec<Item>,
    pub uploads: Vec<UploadInfo>,
    /// False where the server does not list multipart uploads.
    pub uploads_listed: bool,
    /// Entries inside the scope that the filters left out.
    pub filtered_out: u64,
    pub scanned_at_secs: i64,
}

impl Inventory {
    pub fn counts(&self) -> Counts {
        let mut c = Counts::default();
        for item in &self.items {
            match item.kind {
                ItemKind::Current => {
                    c.current += 1;
                    c.current_bytes += item.size_bytes;
                }
                ItemKind::Noncurrent => {
                    c.noncurrent += 1;
                    c.noncurrent_bytes += item.size_bytes;
                }
                ItemKind::DeleteMarker => c.delete_markers += 1,
            }
            if item.locked.is_some() {
                c.locked += 1;
            }
        }
        c.uploads = self.uploads.len() as u64;
        c.upload_bytes = self.uploads.iter().filter_map(|u| u.bytes).sum();
        c.uploads_unsized = self.uploads.iter().filter(|u| u.bytes.is_none()).count() as u64;
        c
    }

    /// The inventory's table, as both front ends show it: what, how many, how big.
    pub fn count_rows(&self) -> Vec<CountRow> {
        use crate::format::human_bytes;
        let c = self.counts();
        let mut rows = Vec::new();
        let mut row = |label, count, bytes: Option<String>| {
            rows.push(CountRow {
                label,
                count,
                bytes: bytes.unwrap_or_default(),
            })
        };
        if self.scope.deletes_objects() {
            row(
                "Current objects",
                c.current,
                Some(human_bytes(c.current_bytes)),
            );
            if self.versioning == Versioning::Versioned {
                row(
                    "Noncurrent versions",
                    c.noncurrent,
                    Some(human_bytes(c.noncurrent_bytes)),
                );
                row("Delete markers", c.delete_markers, None);
            }
        }
        if self.uploads_listed {
            let bytes = if c.uploads > 0 && c.uploads_unsized == c.uploads {
                "parts not listed".to_owned()
            } else {
                human_bytes(c.upload_bytes)
            };
            row("Incomplete uploads", c.uploads, Some(bytes));
        }
        if c.locked > 0 {
            row("Locked (hold or retention)", c.locked, None);
        }
        if self.filtered_out > 0 {
            row("Left out by filters", self.filtered_out, None);
        }
        rows
    }

    /// Up to `n` keys spread over the whole scan, so the sample shows its range.
    pub fn sample(&self, n: usize) -> Vec<&Item> {
        if self.items.len() <= n {
            return self.items.iter().collect();
        }
        let step = self.items.len() as f64 / n as f64;
        (0..n)
            .map(|i| &self.items[(i as f64 * step) as usize])
            .collect()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty() && self.uploads.is_empty()
    }
}

/// Scans `scope`. Nothing is changed. Progress goes to `progress`, with `notify` after each page.
pub async fn scan(
    connection: &Connection,
    scope: &Scope,
    filters: &Filters,
    progress: &ScanProgress,
    notify: &Notify,
) -> Result<Inventory, S3Error> {
    let bucket = scope.bucket();
    // A missing bucket is said plainly, before any listing a server may not support.
    crate::s3::buckets::head_bucket(connection, bucket).await?;
    let now = now_secs();
    let mut inventory = Inventory {
        scope: scope.clone(),
        filters: filters.clone(),
        versioning: Versioning::NotListed,
        items: Vec::new(),
        uploads: Vec::new(),
        uploads_listed: true,
        filtered_out: 0,
        scanned_at_secs: now,
    };
    if scope.deletes_objects() {
        let listed = list_entries(connection, scope, progress, notify).await?;
        inventory.versioning = listed.versioning;
        for item in listed.items {
            let class = (item.kind != ItemKind::DeleteMarker).then_some(item.storage_class);
            if filters.admits(&item.key, item.last_modified_secs, class, now) {
                inventory.items.push(item);
            } else {
                inventory.filtered_out += 1;
            }
        }
        mark_locked(connection, bucket, &mut inventory.items).await?;
    }
    // Uploads are listed for every scope but a selection, so a prefix's forgotten uploads show
    // even where the plan leaves them.
    if !matches!(scope, Scope::Objects { .. }) {
        match list_uploads(connection, bucket, scope.list_prefix(), progress, notify).await {
            Ok(uploads) => {
                for upload in uploads {
                    if filters.admits_upload(&upload.key, upload.initiated_secs, now) {
                        inventory.uploads.push(upload);
                    } else {
                        inventory.filtered_out += 1;
                    }
                }
            }
            Err(S3Error::Unsupported { .. }) => inventory.uploads_listed = false,
            Err(e) => return Err(e),
        }
    }
    Ok(inventory)
}

struct Listed {
    versioning: Versioning,
    items: Vec<Item>,
}

fn check_stop(progress: &ScanProgress) -> Result<(), S3Error> {
    if progress.stop.load(Ordering::Relaxed) {
        Err(S3Error::Cancelled)
    } else {
        Ok(())
    }
}

async fn list_entries(
    connection: &Connection,
    scope: &Scope,
    progress: &ScanProgress,
    notify: &Notify,
) -> Result<Listed, S3Error> {
    let bucket = scope.bucket();
    // A selection lists each key's versions by the key as prefix, then keeps exact matches.
    let prefixes: Vec<&str> = match scope {
        Scope::Objects { keys, .. } => keys.iter().map(String::as_str).collect(),
        _ => vec![scope.list_prefix()],
    };
    let mut items = Vec::new();
    let mut versions_listed = true;
    for prefix in prefixes {
        if versions_listed {
            match list_versions(connection, bucket, prefix, progress, notify).await {
                Ok(found) => {
                    items.extend(found.into_iter().filter(|i| scope.contains(&i.key)));
                    continue;
                }
                Err(S3Error::Unsupported { .. }) => versions_listed = false,
                Err(e) => return Err(e),
            }
        }
        let found = list_objects(connection, bucket, prefix, progress, notify).await?;
        items.extend(found.into_iter().filter(|i| scope.contains(&i.key)));
    }
    // By key, newest first: batches then follow the key order, and samples read naturally.
    items.sort_by(|a, b| {
        a.key
            .cmp(&b.key)
            .then(b.last_modified_secs.cmp(&a.last_modified_secs))
            .then((a.kind != ItemKind::Current).cmp(&(b.kind != ItemKind::Current)))
    });
    let versioning = if !versions_listed {
        Versioning::NotListed
    } else if items
        .iter()
        .any(|i| i.version_id.as_deref().is_some_and(|v| v != "null"))
    {
        Versioning::Versioned
    } else {
        Versioning::Unversioned
    };
    if versioning != Versioning::Versioned {
        // Plain objects are deleted by key alone: "null" version ids add nothing, and some
        // servers refuse them.
        for item in &mut items {
            item.version_id = None;
        }
    }
    Ok(Listed { versioning, items })
}

async fn list_versions(
    connection: &Connection,
    bucket: &str,
    prefix: &str,
    progress: &ScanProgress,
    notify: &Notify,
) -> Result<Vec<Item>, S3Error> {
    let mut items = Vec::new();
    check_stop(progress)?;
    crate::s3::versions::list_versions(connection, bucket, prefix, |page| {
        for v in page {
            progress
                .bytes_seen
                .fetch_add(v.size_bytes, Ordering::Relaxed);
            progress.entries_seen.fetch_add(1, Ordering::Relaxed);
            items.push(Item {
                kind: match (v.is_delete_marker, v.is_latest) {
                    (true, _) => ItemKind::DeleteMarker,
                    (false, true) => ItemKind::Current,
                    (false, false) => ItemKind::Noncurrent,
                },
                key: v.key,
                version_id: v.version_id,
                size_bytes: v.size_bytes,
                last_modified_secs: v.last_modified_secs,
                storage_class: v.storage_class,
                locked: None,
            });
        }
        progress.pages.fetch_add(1, Ordering::Relaxed);
        notify();
        check_stop(progress)
    })
    .await?;
    Ok(items)
}

async fn list_objects(
    connection: &Connection,
    bucket: &str,
    prefix: &str,
    progress: &ScanProgress,
    notify: &Notify,
) -> Result<Vec<Item>, S3Error> {
    let request = ListRequest::recursive(bucket, prefix);
    let mut listing = Listing::start(connection, request, crate::runtime::no_notify());
    let mut items = Vec::new();
    loop {
        check_stop(progress)?;
        let page = match listing.next().await {
            Some(ListEvent::Page(page)) => page,
            Some(ListEvent::Done) => return Ok(items),
            Some(ListEvent::Failed { error, .. }) => return Err(error),
            None => return Err(S3Error::Cancelled),
        };
        for o in page.objects {
            progress
                .bytes_seen
                .fetch_add(o.size_bytes, Ordering::Relaxed);
            progress.entries_seen.fetch_add(1, Ordering::Relaxed);
            items.push(Item {
                key: o.key,
                version_id: None,
                kind: ItemKind::Current,
                size_bytes: o.size_bytes,
                last_modified_secs: o.last_modified_secs,
                storage_class: o.storage_class,
                locked: None,
            });
        }
        progress.pages.fetch_add(1, Ordering::Relaxed);
        notify();
    }
}

/// Where the bucket has Object Lock, asks each version for its legal hold and retention.
async fn mark_locked(
    connection: &Connection,
    bucket: &str,
    items: &mut [Item],
) -> Result<(), S3Error> {
    let enabled = lock_enabled(connection, bucket).await;
    if !enabled {
        return Ok(());
    }
    let now = now_secs();
    // Owned inputs, collected first: futures borrowing from an iterator chain inside
    // `buffer_unordered` are not provably Send, and the GUI runs this on another thread.
    let checks: Vec<_> = items
        .iter()
        .enumerate()
        .filter(|(_, i)| i.kind != ItemKind::DeleteMarker)
        .map(|(index, item)| (index, item.key.clone(), item.version_id.clone()))
        .collect();
    let checks = checks.into_iter().map(|(index, key, version)| {
        let (connection, bucket) = (connection.clone(), bucket.to_owned());
        async move {
            let reason = lock_reason(&connection, &bucket, &key, version, now).await;
            (index, reason)
        }
    });
    let found: Vec<(usize, Option<String>)> = futures::stream::iter(checks)
        .buffer_unordered(16)
        .collect()
        .await;
    for (index, reason) in found {
        items[index].locked = reason;
    }
    Ok(())
}

/// Incomplete multipart uploads under `prefix`, with their parts counted where the server says.
pub async fn list_uploads(
    connection: &Connection,
    bucket: &str,
    prefix: &str,
    progress: &ScanProgress,
    notify: &Notify,
) -> Result<Vec<UploadInfo>, S3Error> {
    let mut uploads = Vec::new();
    check_stop(progress)?;
    crate::s3::uploads::list_uploads(connection, bucket, prefix, |page| {
        uploads.extend(page.into_iter().map(|u| UploadInfo {
            key: u.key,
            upload_id: u.upload_id,
            initiated_secs: u.initiated_secs,
            parts: None,
            bytes: None,
        }));
        progress
            .uploads_seen
            .store(uploads.len() as u64, Ordering::Relaxed);
        notify();
        check_stop(progress)
    })
    .await?;
    let sizes = uploads.clone().into_iter().enumerate().map(|(index, u)| {
        let (connection, bucket) = (connection.clone(), bucket.to_owned());
        let entry = UploadEntry {
            key: u.key,
            upload_id: u.upload_id,
            initiated_secs: u.initiated_secs,
        };
        async move { (index, stored_parts(&connection, &bucket, &entry).await) }
    });
    let found: Vec<(usize, Option<(u64, u64)>)> = futures::stream::iter(sizes)
        .buffer_unordered(8)
        .collect()
        .await;
    for (index, size) in found {
        if let Some((parts, bytes)) = size {
            uploads[index].parts = Some(parts);
            uploads[index].bytes = Some(bytes);
        }
    }
    uploads.sort_by(|a, b| {
        a.key
            .cmp(&b.key)
            .then(a.initiated_secs.cmp(&b.initiated_secs))
    });
    Ok(uploads)
}
