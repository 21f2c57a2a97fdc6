//! A scan's rows as both front ends show them, and its exports (CSV, JSON).

use super::{FolderSizes, Sizes, Tally};
use crate::pricing::PriceTable;

/// One row of the table: a folder, most stored bytes first, then the total.
#[derive(Debug, Clone, PartialEq)]
pub struct FolderRow {
    /// `s3://bucket/prefix/folder/`; the objects directly in the prefix are "(files here)".
    pub name: String,
    pub folder: String,
    pub current: Tally,
    pub noncurrent: Tally,
    pub delete_markers: u64,
    pub uploads: Tally,
    pub stored_bytes: u64,
    /// The monthly estimate, and whether some bytes are in a class the table does not price.
    pub usd_per_month: f64,
    pub unpriced: bool,
    /// Current objects by class, largest first.
    pub by_class: Vec<(crate::s3::listing::StorageClass, Tally)>,
}

fn row(folder: &FolderSizes, prices: &PriceTable, name: String) -> FolderRow {
    let (usd_per_month, unpriced) = folder.monthly_usd(prices);
    let mut by_class: Vec<_> = folder.current.iter().map(|(c, t)| (*c, *t)).collect();
    by_class.sort_by_key(|(_, t)| std::cmp::Reverse(t.bytes));
    FolderRow {
        name,
        folder: folder.folder.clone(),
        current: folder.current_total(),
        noncurrent: folder.noncurrent_total(),
        delete_markers: folder.delete_markers,
        uploads: folder.uploads,
        stored_bytes: folder.stored_bytes(),
        usd_per_month,
        unpriced,
        by_class,
    }
}

/// The folders, most stored bytes first, and last the total.
pub fn folder_rows(sizes: &Sizes, prices: &PriceTable) -> (Vec<FolderRow>, FolderRow) {
    let request = &sizes.request;
    let base = format!("s3://{}/{}", request.bucket, request.prefix);
    let rows = (sizes.by_size().into_iter())
        .map(|folder| {
            let name = if folder.folder.is_empty() {
                format!("{base} (files here)")
            } else {
                format!("{base}{}", folder.folder)
            };
            row(folder, prices, name)
        })
        .collect();
    let total = row(&sizes.total(), prices, format!("{base} (total)"));
    (rows, total)
}

/// One line per folder and class: `folder,storage_class,objects,bytes,noncurrent_objects,
/// noncurrent_bytes,delete_markers,incomplete_uploads,upload_bytes,usd_per_month`. Quotes where a
/// name needs them.
pub fn to_csv(sizes: &Sizes, prices: &PriceTable) -> String {
    let mut out = String::from(
        "folder,storage_class,objects,bytes,noncurrent_objects,noncurrent_bytes,\
         delete_markers,incomplete_uploads,upload_bytes,usd_per_month\n",
    );
    let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    for folder in sizes.by_size() {
        let mut classes: Vec<_> = folder
            .current
            .keys()
            .chain(folder.noncurrent.keys())
            .collect();
        classes.sort();
        classes.dedup();
        if classes.is_empty() {
            classes.push(&crate::s3::listing::StorageClass::Standard);
        }
        for (i, class) in classes.into_iter().enumerate() {
            let current = folder.current.get(class).copied().unwrap_or_default();
            let noncurrent = folder.noncurrent.get(class).copied().unwrap_or_default();
            // Markers and uploads have no class: on the folder's first line only.
            let (markers, uploads) = if i == 0 {
                (folder.delete_markers, folder.uploads)
            } else {
                (0, Tally::default())
            };
            let usd = prices
                .monthly_usd(current.bytes + noncurrent.bytes, *class)
                .unwrap_or(0.0)
                + prices
                    .monthly_usd(uploads.bytes, crate::s3::listing::StorageClass::Standard)
                    .unwrap_or(0.0);
            out.push_str(&format!(
                "{},{},{},{},{},{},{},{},{},{:.4}\n",
                quote(&format!("{}{}", sizes.request.prefix, folder.folder)),
                class.as_str(),
                current.count,
                current.bytes,
                noncurrent.count,
                noncurrent.bytes,
                markers,
                uploads.count,
                uploads.bytes,
                usd
            ));
        }
    }
    out
}

/// `skiff du --json`'s one document.
pub fn to_json(sizes: &Sizes, prices: &PriceTable) -> serde_json::Value {
    let (rows, total) = folder_rows(sizes, prices);
    let folder = |r: &FolderRow| {
        let classes: serde_json::Map<String, serde_json::Value> = (r.by_class.iter())
            .map(|(c, t)| {
                let tally = serde_json::json!({ "objects": t.count, "bytes": t.bytes });
                (c.as_str().to_owned(), tally)
            })
            .collect();
        serde_json::json!({
            "prefix": format!("{}{}", sizes.request.prefix, r.folder),
            "objects": r.current.count,
            "bytes": r.current.bytes,
            "by_class": classes,
            "noncurrent": { "objects": r.noncurrent.count, "bytes": r.noncurrent.bytes },
            "delete_markers": r.delete_markers,
            "incomplete_uploads": { "uploads": r.uploads.count, "bytes": r.uploads.bytes },
            "stored_bytes": r.stored_bytes,
            "usd_per_month": (r.usd_per_month * 10_000.0).round() / 10_000.0,
        })
    };
    serde_json::json!({
        "bucket": sizes.request.bucket,
        "prefix": sizes.request.prefix,
        "depth": sizes.request.depth,
        "folders": rows.iter().map(folder).collect::<Vec<_>>(),
        "total": folder(&total),
        "largest": sizes.largest.iter().map(|l| serde_json::json!({
            "key": l.key, "bytes": l.size_bytes, "storage_class": l.class.as_str(),
        })).collect::<Vec<_>>(),
        "versions_listed": sizes.versions_listed,
        "uploads_listed": sizes.uploads_listed,
        "complete": sizes.complete,
        "requests": sizes.requests,
        "scan_usd": prices.list_usd(sizes.requests),
        "prices": prices.source,
    })
}
