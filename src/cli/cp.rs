//! `skiff cp`: uploads and downloads, single files and whole folders or prefixes, on the
//! transfer engine.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;

use anyhow::bail;

use super::progress::ProgressLine;
use super::{ConnectionArgs, CpArgs, connect, parse_s3_url};
use crate::s3::Connection;
use crate::transfer::local_paths::{folder_prefix, key_for_file};
use crate::transfer::plan::MIB;
use crate::transfer::{
    FilesAtOnce, IfExists, ItemResult, Progress, Scheduler, TransferOptions, download_destination,
    download_object, download_prefix, upload_destination, upload_dir, upload_file,
};

pub async fn cp(args: &ConnectionArgs, cp: &CpArgs) -> anyhow::Result<()> {
    let (connection, _sandbox) = connect(args).await?;
    let results = transfer(&connection, cp).await?;
    finish(cp, &results)
}

/// The transfers `cp` names, each with its outcome.
pub async fn transfer(connection: &Connection, cp: &CpArgs) -> anyhow::Result<Vec<ItemResult>> {
    let options = transfer_options(cp)?;
    // 48 MiB of part buffers keeps a 1 GiB transfer well under 150 MB of memory.
    let scheduler = Scheduler::for_options(&options, 48 * MIB);
    let progress = Arc::new(Progress::default());
    let run = Copy {
        connection,
        scheduler: &scheduler,
        options: &options,
        progress: &progress,
    };
    let results = match (
        cp.source.starts_with("s3://"),
        cp.destination.starts_with("s3://"),
    ) {
        (true, true) | (false, false) => bail!("one side must be an s3:// URL, the other local"),
        _ => {
            let ticker = ProgressLine::transfer(progress.clone());
            let results = if cp.source.starts_with("s3://") {
                run.download(cp).await
            } else {
                run.upload(cp).await
            };
            ticker.finish().await;
            results?
        }
    };
    Ok(results)
}

/// The JSON lines if asked, each failure on stderr, and an error when any failed.
pub fn finish(cp: &CpArgs, results: &[ItemResult]) -> anyhow::Result<()> {
    if cp.json {
        print_json(results);
    }
    let failed: Vec<_> = results.iter().filter(|r| r.result.is_err()).collect();
    for f in &failed {
        if let Err(e) = &f.result {
            let failure = format!("{}: {e} {}", f.source, e.hint());
            say_err!("failed: {}", crate::format::escape_controls(&failure));
        }
    }
    if !failed.is_empty() {
        bail!("{} of {} transfers failed", failed.len(), results.len());
    }
    Ok(())
}

fn transfer_options(cp: &CpArgs) -> anyhow::Result<TransferOptions> {
    Ok(TransferOptions {
        part_size_bytes: cp.part_size.max(1) * MIB,
        concurrency: cp
            .concurrency
            .unwrap_or(crate::transfer::job::PARTS_AT_ONCE)
            .max(1),
        files_at_once: FilesAtOnce::from_flag(cp.concurrency),
        storage_class: cp.storage_class.clone(),
        content_type: cp.content_type.clone(),
        metadata: cp
            .metadata
            .iter()
            .map(|pair| match pair.split_once('=') {
                Some((k, v)) => Ok((k.to_owned(), v.to_owned())),
                None => Err(anyhow::anyhow!("--metadata {pair}: write it as KEY=VALUE")),
            })
            .collect::<anyhow::Result<_>>()?,
        if_exists: IfExists::parse(&cp.if_exists).ok_or_else(|| {
            anyhow::anyhow!(
                "--if-exists takes overwrite, skip or rename, not {}",
                cp.if_exists
            )
        })?,
        record_downloads: true,
        ..TransferOptions::default()
    })
}

/// What one `skiff cp` shares between its transfers.
struct Copy<'a> {
    connection: &'a Connection,
    scheduler: &'a Scheduler,
    options: &'a TransferOptions,
    progress: &'a Arc<Progress>,
}

impl Copy<'_> {
    /// A file, or a folder with `--recursive`, to the destination URL.
    async fn upload(&self, cp: &CpArgs) -> anyhow::Result<Vec<ItemResult>> {
        let (connection, progress) = (self.connection, self.progress);
        let (bucket, key) = parse_s3_url(&cp.destination)?;
        let source = Path::new(&cp.source);
        if source.is_dir() {
            if !cp.recursive {
                bail!(
                    "{} is a folder: add --recursive to copy everything in it",
                    cp.source
                );
            }
            let prefix = folder_prefix(&key);
            let (scheduler, options) = (self.scheduler, self.options);
            return Ok(upload_dir(
                connection, scheduler, source, &bucket, &prefix, options, progress,
            )
            .await?);
        }
        let name = source
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let key = key_for_file(&key, &name);
        let size = std::fs::metadata(source).map(|m| m.len()).unwrap_or(0);
        progress.bytes_total.fetch_add(size, Relaxed);
        let policy = self.options.if_exists;
        let Some(key) = upload_destination(connection, &bucket, &key, policy).await? else {
            let url = format!("s3://{bucket}/{key}");
            say_err!("skipped: {} exists", crate::format::escape_controls(&url));
            return Ok(vec![ItemResult {
                source: cp.source.clone(),
                destination: url,
                result: Ok(0),
                skipped: true,
            }]);
        };
        let result = (upload_file(
            connection,
            self.scheduler,
            source,
            &bucket,
            &key,
            self.options,
            progress,
        ))
        .await
        .map(|()| size);
        say_resumed(progress, &format!("s3://{bucket}/{key}"), "uploaded");
        Ok(vec![ItemResult {
            source: cp.source.clone(),
            destination: format!("s3://{bucket}/{key}"),
            result,
            skipped: false,
        }])
    }

    /// An object, or a prefix with `--recursive`, to the destination path.
    async fn download(&self, cp: &CpArgs) -> anyhow::Result<Vec<ItemResult>> {
        let (connection, progress) = (self.connection, self.progress);
        let (bucket, key) = parse_s3_url(&cp.source)?;
        let destination = Path::new(&cp.destination);
        let (scheduler, options) = (self.scheduler, self.options);
        if cp.recursive {
            return Ok(download_prefix(
                connection,
                scheduler,
                &bucket,
                &key,
                destination,
                options,
                progress,
            )
            .await?);
        }
        let name = key.rsplit('/').next().unwrap_or_default();
        let dest = if destination.is_dir() || cp.destination.ends_with('/') {
            destination.join(name)
        } else {
            destination.to_path_buf()
        };
        let Some(dest) = download_destination(&dest, options.if_exists) else {
            say_err!("skipped: {} exists", dest.display());
            return Ok(vec![ItemResult {
                source: cp.source.clone(),
                destination: dest.display().to_string(),
                result: Ok(0),
                skipped: true,
            }]);
        };
        let result = download_object(
            connection, scheduler, &bucket, &key, &dest, options, progress,
        )
        .await;
        say_resumed(
            progress,
            &format!("download of s3://{bucket}/{key}"),
            "here",
        );
        Ok(vec![ItemResult {
            source: cp.source.clone(),
            destination: dest.display().to_string(),
            result,
            skipped: false,
        }])
    }
}

/// `--json`: a line for each transfer, in the order they finished, then the totals.
fn print_json(results: &[ItemResult]) {
    let (mut failed, mut bytes) = (0, 0);
    for item in results {
        let mut row = serde_json::json!({
            "source": item.source,
            "destination": item.destination,
        });
        match &item.result {
            Ok(_) if item.skipped => row["status"] = "skipped".into(),
            Ok(moved) => {
                row["status"] = "done".into();
                row["bytes"] = (*moved).into();
                bytes += moved;
            }
            Err(e) => {
                row["status"] = "failed".into();
                row["error"] = format!("{e} {}", e.hint()).into();
                failed += 1;
            }
        }
        super::json::print(&row);
    }
    let totals =
        serde_json::json!({ "transfers": results.len(), "failed": failed, "bytes": bytes });
    super::json::print(&totals);
}

/// Says how much of a transfer an earlier run had moved, when it had moved some.
fn say_resumed(progress: &Progress, what: &str, place: &str) {
    let resumed = progress.parts_resumed.load(Relaxed);
    if resumed > 0 {
        let total = progress.parts_total.load(Relaxed);
        say_err!("resumed {what}: {resumed} of {total} parts were already {place}");
    }
}
