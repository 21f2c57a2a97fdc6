//! `skiff rm`, `skiff rb` and `skiff uploads`: the cleanup engine with a dry run, a typed
//! confirmation on a terminal, progress, and a report.

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;

use crate::format::escape_controls;
use anyhow::{Context, bail};

use super::args::{CleanupArgs, DownloadsArgs, RbArgs, RmArgs, UploadsArgs};
use super::progress::{ProgressLine, eta_text};
use super::{ConnectionArgs, connect, parse_s3_url};
use crate::cleanup::inventory::UploadInfo;
use crate::cleanup::{
    CleanupPlan, CleanupRun, Filters, Inventory, RunOptions, ScanProgress, Scope, VersionMode,
    Versioning, scan,
};
use crate::format::{human_bytes, thousands, utc_datetime};
use crate::s3::Connection;
use crate::s3::listing::StorageClass;

pub async fn rm(args: &ConnectionArgs, rm: &RmArgs) -> anyhow::Result<()> {
    let (bucket, key) = parse_s3_url(&rm.url)?;
    let scope = if rm.recursive {
        Scope::Prefix {
            bucket,
            prefix: key,
        }
    } else {
        if key.is_empty() {
            bail!(
                "{}: name a key, or pass --recursive to delete everything in the bucket",
                rm.url
            );
        }
        Scope::Objects {
            bucket,
            keys: vec![key],
        }
    };
    let storage_class = match &rm.storage_class {
        Some(c) => match StorageClass::parse(&c.to_ascii_uppercase()) {
            StorageClass::Other => bail!("{c} is not a storage class S3 knows"),
            class => Some(class),
        },
        None => None,
    };
    let filters = Filters {
        older_than_days: rm.common.older_than_days,
        storage_class,
        key_glob: rm.include.clone(),
    };
    let mode = if rm.versions {
        VersionMode::AllVersions
    } else {
        VersionMode::DeleteMarkersOnly
    };
    let (connection, _sandbox) = connect(args).await?;
    run_scope(&connection, scope, &filters, mode, &rm.common).await
}

pub async fn rb(args: &ConnectionArgs, rb: &RbArgs) -> anyhow::Result<()> {
    let (bucket, rest) = parse_s3_url(&rb.url)?;
    if !rest.is_empty() {
        bail!("{}: name only the bucket, as s3://NAME", rb.url);
    }
    let (connection, _sandbox) = connect(args).await?;
    if rb.force {
        let filters = Filters {
            older_than_days: rb.common.older_than_days,
            ..Filters::default()
        };
        let scope = Scope::DeleteBucket { bucket };
        return run_scope(
            &connection,
            scope,
            &filters,
            VersionMode::AllVersions,
            &rb.common,
        )
        .await;
    }
    if rb.common.dry_run {
        say!("Would delete the bucket {bucket} (it must be empty; --force empties it first).");
        return Ok(());
    }
    confirm(
        &Scope::DeleteBucket {
            bucket: bucket.clone(),
        },
        rb.common.yes,
    )?;
    match crate::s3::deletes::delete_bucket(&connection, &bucket).await {
        Ok(()) => {
            say!("Deleted the bucket {bucket}.");
            Ok(())
        }
        Err(error) => match &error {
            crate::s3::S3Error::Service { code, .. } if code == "BucketNotEmpty" => bail!(
                "s3://{bucket} is not empty. Run `skiff rb s3://{bucket} --force` to delete \
                     everything in it (versions and incomplete uploads too) and then the bucket; \
                     add --dry-run to see what that would delete."
            ),
            _ => bail!(error.with_hint()),
        },
    }
}

pub async fn uploads(args: &ConnectionArgs, up: &UploadsArgs) -> anyhow::Result<()> {
    let (bucket, prefix) = parse_s3_url(&up.url)?;
    let (connection, _sandbox) = connect(args).await?;
    if let Some(days) = up.add_lifecycle_rule {
        crate::s3::uploads::add_abort_rule(&connection, &bucket, days)
            .await
            .map_err(|e| anyhow::anyhow!(e.with_hint()))?;
        say!("s3://{bucket} now aborts incomplete multipart uploads {days} days after they start.");
        if !up.abort {
            return Ok(());
        }
    }
    let scope = Scope::Uploads { bucket, prefix };
    let filters = Filters {
        older_than_days: up.common.older_than_days,
        ..Filters::default()
    };
    if !up.abort {
        let inventory = inventory(&connection, &scope, &filters).await?;
        if up.json {
            print_uploads_json(&inventory)?;
        } else {
            print_uploads(&inventory);
        }
        return Ok(());
    }
    run_scope(
        &connection,
        scope,
        &filters,
        VersionMode::AllVersions,
        &up.common,
    )
    .await
}

/// Inventory, show, confirm, execute, report: the three steps of every cleanup.
async fn run_scope(
    connection: &Connection,
    scope: Scope,
    filters: &Filters,
    mode: VersionMode,
    common: &CleanupArgs,
) -> anyhow::Result<()> {
    let inventory = inventory(connection, &scope, filters).await?;
    print_inventory(&inventory);
    let plan = CleanupPlan::from_inventory(&inventory, mode);
    say!("\nPlan: {}", plan.summary());
    if common.dry_run {
        say!("Dry run: nothing was deleted.");
        return Ok(());
    }
    if plan.is_empty() {
        return Ok(());
    }
    confirm(&scope, common.yes)?;
    let run = Arc::new(CleanupRun::new(plan, RunOptions::default()));
    let ticker = {
        let run = run.clone();
        ProgressLine::start(move |secs| {
            let total = run.plan().objects.len() as u64 + run.plan().uploads.len() as u64;
            let done = run.progress.objects_deleted.load(Relaxed)
                + run.progress.uploads_aborted.load(Relaxed)
                + run.progress.failures.load(Relaxed);
            let rate = done as f64 / secs;
            format!(
                "{} of {} done, {:.0}/s{}",
                thousands(done),
                thousands(total),
                rate,
                eta_text(done, total, rate)
            )
        })
    };
    let report = run.execute(connection, &crate::runtime::no_notify()).await;
    ticker.finish().await;
    say!("{}", report.summary());
    for f in report.failures.iter().take(20) {
        let version = f
            .version_id
            .as_deref()
            .map(|v| format!(" (version {v})"))
            .unwrap_or_default();
        say_err!(
            "failed: {}",
            escape_controls(&format!("{} {}{version}: {}", f.kind, f.key, f.reason))
        );
    }
    if report.failures.len() > 20 {
        say_err!(
            "… and {} more failures (see --report FILE for all of them)",
            report.failures.len() - 20
        );
    }
    match run.save_audit_copy(&crate::cleanup::report::audit_dir()) {
        Ok(path) => say!("A copy of this report is in {}.", path.display()),
        Err(e) => say_err!("note: no audit copy of this report was written: {e}"),
    }
    if let Some(path) = &common.report {
        let text = match path.extension().and_then(|e| e.to_str()) {
            Some("json") => run.export_json(),
            _ => run.export_csv(),
        };
        std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?;
        say!("Report written to {}.", path.display());
    }
    if !report.is_complete() {
        bail!(
            "the cleanup did not complete: {} failures",
            report.failures.len()
        );
    }
    Ok(())
}

async fn inventory(
    connection: &Connection,
    scope: &Scope,
    filters: &Filters,
) -> anyhow::Result<Inventory> {
    let progress = Arc::new(ScanProgress::default());
    let ticker = {
        let progress = progress.clone();
        ProgressLine::start(move |secs| {
            let seen = progress.entries_seen.load(Relaxed);
            format!(
                "Scanning: {} entries, {} ({:.0} entries/s)",
                thousands(seen),
                human_bytes(progress.bytes_seen.load(Relaxed)),
                seen as f64 / secs
            )
        })
    };
    let result = scan(
        connection,
        scope,
        filters,
        &progress,
        &crate::runtime::no_notify(),
    )
    .await;
    ticker.finish().await;
    result.map_err(|e| anyhow::anyhow!(e.with_hint()))
}

fn print_inventory(inventory: &Inventory) {
    let c = inventory.counts();
    say!("Scope: {}", inventory.scope.describe());
    if let Some(filters) = inventory.filters.describe() {
        say!("Filters: {filters}");
    }
    say!(
        "Versioning: {}",
        match inventory.versioning {
            Versioning::Versioned => "on (or suspended): old versions are kept",
            Versioning::Unversioned => "off",
            Versioning::NotListed => "this server does not list versions; objects only",
        }
    );
    for row in inventory.count_rows() {
        say!(
            "  {:<27}{:>12}  {:>16}",
            row.label,
            thousands(row.count),
            row.bytes
        );
    }
    if !inventory.uploads_listed {
        say!("  Incomplete uploads: this server does not list them");
    } else if c.uploads > 0 && !inventory.scope.aborts_uploads() {
        say!(
            "    (uploads are kept: a prefix may have one running; `skiff uploads s3://{}/{} \
             --abort` removes them)",
            inventory.scope.bucket(),
            inventory.scope.list_prefix()
        );
    }
    let sample = inventory.sample(10);
    if !sample.is_empty() {
        say!("Sample:");
        for item in sample {
            let mut note = String::new();
            if let Some(v) = &item.version_id {
                note += &format!(" version {v}");
            }
            if item.kind == crate::cleanup::inventory::ItemKind::DeleteMarker {
                note += " (delete marker)";
            }
            if let Some(why) = &item.locked {
                note += &format!(" [locked: {why}]");
            }
            say!(
                "  {}  {:>10}  {}{note}",
                &utc_datetime(item.last_modified_secs)[..10],
                human_bytes(item.size_bytes),
                escape_controls(&item.key)
            );
        }
    }
    if inventory.scope.aborts_uploads() && !inventory.uploads.is_empty() {
        print_uploads(inventory);
    }
}

fn print_uploads(inventory: &Inventory) {
    if !inventory.uploads_listed {
        say!("This server does not list incomplete multipart uploads.");
        return;
    }
    if inventory.uploads.is_empty() {
        say!("No incomplete multipart uploads.");
        return;
    }
    say!("Incomplete multipart uploads:");
    for UploadInfo {
        key,
        upload_id,
        initiated_secs,
        parts,
        bytes,
    } in &inventory.uploads
    {
        say!(
            "  {}  {:>6} parts  {:>10}  {}  (upload {})",
            utc_datetime(*initiated_secs),
            parts.map_or("?".into(), thousands),
            bytes.map_or("?".into(), human_bytes),
            escape_controls(key),
            escape_controls(upload_id),
        );
    }
}

/// `skiff uploads --json`: one line per incomplete upload.
fn print_uploads_json(inventory: &Inventory) -> anyhow::Result<()> {
    if !inventory.uploads_listed {
        bail!("this server does not list incomplete multipart uploads");
    }
    for upload in &inventory.uploads {
        super::json::print(&serde_json::json!({
            "bucket": inventory.scope.bucket(),
            "key": upload.key,
            "upload_id": upload.upload_id,
            "initiated": super::json::rfc3339(upload.initiated_secs),
            "parts": upload.parts,
            "bytes": upload.bytes,
        }));
    }
    Ok(())
}

/// Asks for the typed confirmation on a terminal; without one, refuses unless `--yes`.
fn confirm(scope: &Scope, yes: bool) -> anyhow::Result<()> {
    confirm_text(scope.confirmation_text().as_deref(), yes)
}

/// `expected`: the text to type, or `None` for a plain "yes".
fn confirm_text(expected: Option<&str>, yes: bool) -> anyhow::Result<()> {
    confirm_change(expected, yes, "deleted")
}

/// Asks for `expected` (or "yes") on a terminal before anything is `done` ("deleted",
/// "moved"); without a terminal, refuses unless `--yes`.
pub(super) fn confirm_change(expected: Option<&str>, yes: bool, done: &str) -> anyhow::Result<()> {
    if yes {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        bail!(
            "refusing to go on without confirmation: no terminal to ask on. Check the plan \
             with --dry-run, then pass --yes. Nothing was {done}."
        );
    }
    print!(
        "Type {} to confirm: ",
        crate::format::escape_controls(expected.unwrap_or("yes"))
    );
    std::io::stdout().flush()?;
    let mut typed = String::new();
    std::io::stdin().read_line(&mut typed)?;
    if !crate::cleanup::scope::typed_confirms(expected, &typed) {
        bail!("not confirmed: nothing was {done}");
    }
    Ok(())
}

/// Lists (or with `--delete`, deletes) the local files Skiff downloaded.
pub fn downloads(args: &DownloadsArgs) -> anyhow::Result<()> {
    use crate::cleanup::local::{LocalScope, LocalState, delete_local, scan_local};
    let scope = LocalScope {
        bucket: args.bucket.clone(),
        older_than_days: args.common.older_than_days,
    };
    let inventory = scan_local(&scope);
    if args.json {
        for file in &inventory.files {
            let state = match file.state {
                LocalState::Unchanged => "as_downloaded",
                LocalState::Modified => "changed",
                LocalState::Missing => "missing",
            };
            super::json::print(&serde_json::json!({
                "path": file.record.path.display().to_string(),
                "bucket": file.record.bucket,
                "key": file.record.key,
                "size_bytes": file.record.size_bytes,
                "downloaded": super::json::rfc3339(file.record.downloaded_at_secs),
                "state": state,
            }));
        }
        for folder in &inventory.folders {
            super::json::print(&serde_json::json!({ "folder": folder.display().to_string() }));
        }
        return Ok(());
    }
    if inventory.files.is_empty() {
        say!("Skiff has no record of downloads that match.");
        return Ok(());
    }
    for file in &inventory.files {
        let state = match file.state {
            LocalState::Unchanged => "as downloaded",
            LocalState::Modified => "changed since (kept)",
            LocalState::Missing => "already gone",
        };
        say!(
            "{}  {:>10}  {}  ← s3://{}/{}  [{state}]",
            &utc_datetime(file.record.downloaded_at_secs)[..10],
            human_bytes(file.record.size_bytes),
            escape_controls(&file.record.path.display().to_string()),
            escape_controls(&file.record.bucket),
            escape_controls(&file.record.key)
        );
    }
    for folder in &inventory.folders {
        say!(
            "{:>24}  {}  [folder Skiff made, left empty by these deletes]",
            "",
            folder.display()
        );
    }
    let (n, bytes) = inventory.count(LocalState::Unchanged);
    let (changed, _) = inventory.count(LocalState::Modified);
    say!(
        "\n{} as downloaded ({}); {} changed since, which cleanup keeps.",
        crate::format::count(n, "file", "files"),
        human_bytes(bytes),
        thousands(changed)
    );
    if !args.delete || args.common.dry_run {
        if args.delete {
            say!("Dry run: nothing was deleted.");
        }
        return Ok(());
    }
    if n == 0 {
        return Ok(());
    }
    confirm_text(None, args.common.yes)?;
    let report = delete_local(&inventory);
    say!(
        "Deleted {} ({}) and {} emptied folders; kept {} changed files.",
        crate::format::count(report.deleted, "file", "files"),
        human_bytes(report.deleted_bytes),
        thousands(report.folders_removed),
        thousands(report.kept_modified)
    );
    for (path, why) in &report.failures {
        say_err!("failed: {}: {why}", path.display());
    }
    if !report.failures.is_empty() {
        bail!("{} files could not be deleted", report.failures.len());
    }
    Ok(())
}
