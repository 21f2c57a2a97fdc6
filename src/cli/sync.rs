//! `skiff sync`: `aws s3 sync`'s arguments and output over the sync engine: one line per action
//! on stdout (`upload: LOCAL to s3://…`, `(dryrun) ` first under --dry-run), the summary and any
//! failure on stderr.

use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;

use anyhow::bail;

use super::progress::ProgressLine;
use super::{ConnectionArgs, SyncArgs, connect};
use crate::cleanup::execute::{CleanupRun, RunOptions};
use crate::format::{escape_controls, human_bytes, thousands};
use crate::s3::Connection;
use crate::sync::compare::CompareProgress;
use crate::sync::run::{Done, delete_local_extras, deletion_plan};
use crate::sync::{Comparison, Filters, Place, SyncRun, SyncSpec, compare};
use crate::transfer::job::PARTS_AT_ONCE;
use crate::transfer::plan::MIB;
use crate::transfer::{FilesAtOnce, Progress, Scheduler, TransferOptions};

pub async fn sync(args: &ConnectionArgs, sync: &SyncArgs) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let spec = spec_of(sync)?;
    let (connection, _sandbox) = connect(args).await?;
    let comparison = compared(&connection, &spec).await?;
    if sync.dry_run {
        for action in comparison.transfers() {
            say!("(dryrun) {}", SyncRun::line(&comparison, action));
        }
        if spec.delete {
            for action in comparison.extras() {
                say!("(dryrun) {}", SyncRun::line(&comparison, action));
            }
        }
        say_err!("Dry run: {}. Nothing was changed.", comparison.summary());
        return Ok(());
    }
    let extras = comparison.extra_count();
    if spec.delete && extras > 0 {
        let bytes: u64 = comparison.extras().map(|a| a.found.size_bytes).sum();
        let (one, many) = match spec.destination {
            Place::Local(_) => ("file exists", "files exist"),
            Place::Bucket { .. } => ("object exists", "objects exist"),
        };
        say_err!(
            "--delete: {} ({}) only at {}, to be deleted.",
            crate::format::count(extras, one, many),
            human_bytes(bytes),
            spec.destination.describe()
        );
        super::cleanup::confirm_change(None, sync.yes, "changed")?;
    }
    let mut done = transfers(&connection, &comparison, sync).await;
    if spec.delete {
        done.extend(deletes(&connection, &comparison).await);
    }
    let failed = done.iter().filter(|d| d.result.is_err()).count();
    let bytes: u64 = done.iter().filter_map(|d| d.result.as_ref().ok()).sum();
    say_err!(
        "Sync: {} done ({}), {} failed, {} already the same, in {:.1} s.",
        thousands((done.len() - failed) as u64),
        human_bytes(bytes),
        thousands(failed as u64),
        thousands(comparison.unchanged),
        started.elapsed().as_secs_f64()
    );
    if failed > 0 {
        bail!("{failed} of {} actions failed", done.len());
    }
    Ok(())
}

fn spec_of(sync: &SyncArgs) -> anyhow::Result<SyncSpec> {
    let place = |text: &str| Place::parse(text).map_err(anyhow::Error::msg);
    let mut spec = SyncSpec::new(place(&sync.source)?, place(&sync.destination)?);
    if let Place::Local(dir) = &spec.source
        && !dir.is_dir()
    {
        bail!("{} is not a folder: sync copies folders", dir.display());
    }
    spec.direction().map_err(anyhow::Error::msg)?;
    spec.delete = sync.delete;
    spec.checksum = sync.checksum;
    spec.filters = Filters(sync.filters.clone());
    if spec.filters.0.is_empty() {
        // Parsed without `Cli::parse_ordered`: excludes, then includes.
        use crate::sync::Filter;
        let excludes = sync.exclude.iter().cloned().map(Filter::Exclude);
        let includes = sync.include.iter().cloned().map(Filter::Include);
        spec.filters = Filters(excludes.chain(includes).collect());
    }
    Ok(spec)
}

async fn compared(connection: &Connection, spec: &SyncSpec) -> anyhow::Result<Comparison> {
    let progress = Arc::new(CompareProgress::default());
    let ticker = {
        let progress = progress.clone();
        ProgressLine::start(move |_| {
            format!(
                "Comparing: {} at the source, {} at the destination",
                thousands(progress.source_listed.load(Relaxed)),
                thousands(progress.destination_listed.load(Relaxed))
            )
        })
    };
    let result = compare(connection, spec, &progress).await;
    ticker.finish().await;
    let comparison = result.map_err(|e| anyhow::anyhow!("{e} {}", e.hint()))?;
    if comparison.checksum_unavailable > 0 {
        say_err!(
            "note: {} files of one size were compared by time: the server keeps no checksum \
             for them.",
            thousands(comparison.checksum_unavailable)
        );
    }
    Ok(comparison)
}

async fn transfers(connection: &Connection, comparison: &Comparison, sync: &SyncArgs) -> Vec<Done> {
    let options = TransferOptions {
        part_size_bytes: sync.part_size.max(1) * MIB,
        concurrency: sync.concurrency.unwrap_or(PARTS_AT_ONCE).max(1),
        files_at_once: FilesAtOnce::from_flag(sync.concurrency),
        ..TransferOptions::default()
    };
    let scheduler = Scheduler::for_options(&options, 48 * MIB);
    let progress = Arc::new(Progress::default());
    let run = SyncRun {
        connection,
        comparison,
        scheduler: &scheduler,
        options: &options,
        progress: &progress,
    };
    let ticker = ProgressLine::transfer(progress.clone());
    let done = run.transfer(|done| report(&ticker, done)).await;
    ticker.finish().await;
    done
}

/// An action's line on stdout, or its failure on stderr, above the progress bar.
fn report(ticker: &ProgressLine, done: &Done) {
    ticker.suspend(|| match &done.result {
        Ok(_) => say!("{}", done.line),
        Err(e) => say_err!("{}", escape_controls(&failure_line(&done.line, e))),
    });
}

/// `upload failed: A to B: why`, as `aws s3 sync` words a failure.
fn failure_line(line: &str, error: &str) -> String {
    match line.split_once(": ") {
        Some((verb, rest)) => format!("{verb} failed: {rest}: {error}"),
        None => format!("{line} failed: {error}"),
    }
}

/// The deletes of `--delete`: a bucket's through a cleanup run (its checks, its audit copy), a
/// folder's one by one.
async fn deletes(connection: &Connection, comparison: &Comparison) -> Vec<Done> {
    let Some(plan) = deletion_plan(comparison) else {
        let done = delete_local_extras(comparison);
        for d in &done {
            match &d.result {
                Ok(_) => say!("{}", d.line),
                Err(e) => say_err!("{}", failure_line(&d.line, e)),
            }
        }
        return done;
    };
    let run = CleanupRun::new(plan, RunOptions::default());
    run.execute(connection, &crate::runtime::no_notify()).await;
    if let Err(e) = run.save_audit_copy(&crate::cleanup::report::audit_dir()) {
        say_err!("note: no audit copy of the deletes was written: {e}");
    }
    let Place::Bucket { bucket, .. } = &comparison.spec.destination else {
        return Vec::new();
    };
    run.entries()
        .into_iter()
        .map(|entry| {
            let line = format!("delete: s3://{bucket}/{}", entry.key);
            let result = match entry.outcome {
                "deleted" => Ok(0),
                _ => Err(format!("{} {}", entry.outcome, entry.reason)
                    .trim()
                    .to_owned()),
            };
            match &result {
                Ok(_) => say!("{line}"),
                Err(e) => say_err!("{}", failure_line(&line, e)),
            }
            Done { line, result }
        })
        .collect()
}
