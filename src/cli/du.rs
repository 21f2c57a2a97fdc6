//! `skiff du`: what a bucket or prefix holds, folder by folder, with a monthly storage estimate.

use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;

use super::progress::ProgressLine;
use super::{ConnectionArgs, DuArgs, connect, parse_s3_url};
use crate::format::{human_bytes, thousands};
use crate::pricing::{PriceTable, usd};
use crate::sizes::{FolderRow, SizesProgress, SizesRequest, folder_rows, scan};

pub async fn du(args: &ConnectionArgs, du: &DuArgs) -> anyhow::Result<()> {
    let (bucket, prefix) = parse_s3_url(&du.url)?;
    let (connection, _sandbox) = connect(args).await?;
    let mut request = SizesRequest::new(&bucket, &prefix);
    request.depth = du.depth.max(1);
    request.versions = du.versions;
    request.largest = du.largest.max(if du.json { 20 } else { 0 });
    let progress = Arc::new(SizesProgress::default());
    let ticker = {
        let progress = progress.clone();
        ProgressLine::start(move |secs| {
            let seen = progress.entries.load(Relaxed);
            format!(
                "Scanning: {} entries, {} ({:.0} entries/s)",
                thousands(seen),
                human_bytes(progress.bytes.load(Relaxed)),
                seen as f64 / secs
            )
        })
    };
    let result = scan(&connection, &request, &progress).await;
    ticker.finish().await;
    let sizes = result.map_err(|e| anyhow::anyhow!("{}", e.with_hint()))?;
    let prices = PriceTable::default();
    if du.json {
        super::json::print(&crate::sizes::to_json(&sizes, &prices));
        return Ok(());
    }
    let (rows, total) = folder_rows(&sizes, &prices);
    let versions = sizes.versions_listed;
    let mut header = format!("{:>12} {:>12}", "SIZE", "OBJECTS");
    if versions {
        header += &format!(" {:>12} {:>10} {:>8}", "NONCURRENT", "VERSIONS", "MARKERS");
    }
    if sizes.uploads_listed {
        header += &format!(" {:>12}", "UPLOADS");
    }
    say!("{header} {:>10}  PREFIX", "$/MONTH");
    for row in rows.iter().chain([&total]) {
        say!("{}", line(row, versions, sizes.uploads_listed));
        if du.by_class {
            for (class, tally) in &row.by_class {
                say!(
                    "{:>12} {:>12}    {}",
                    human_bytes(tally.bytes),
                    thousands(tally.count),
                    class.as_str()
                );
            }
        }
    }
    for largest in &sizes.largest {
        say!(
            "{:>12}  {}  s3://{bucket}/{}",
            human_bytes(largest.size_bytes),
            largest.class.as_str(),
            largest.key
        );
    }
    say_err!(
        "$/MONTH estimates storage only (no requests, retrievals or transfer), at {}. This scan \
         made {} (costing {}).",
        prices.source,
        crate::format::count(sizes.requests, "LIST request", "LIST requests"),
        usd(prices.list_usd(sizes.requests))
    );
    Ok(())
}

fn line(row: &FolderRow, versions: bool, uploads: bool) -> String {
    let mut text = format!(
        "{:>12} {:>12}",
        human_bytes(row.current.bytes),
        thousands(row.current.count)
    );
    if versions {
        text += &format!(
            " {:>12} {:>10} {:>8}",
            human_bytes(row.noncurrent.bytes),
            thousands(row.noncurrent.count),
            thousands(row.delete_markers)
        );
    }
    if uploads {
        text += &format!(" {:>12}", human_bytes(row.uploads.bytes));
    }
    let cost = usd(row.usd_per_month) + if row.unpriced { "+" } else { "" };
    format!("{text} {cost:>10}  {}", row.name)
}
