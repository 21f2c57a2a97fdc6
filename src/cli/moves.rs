//! `skiff mv`, `skiff set-class`, and `skiff cp` from S3 to S3, over the relocate engine: the
//! inventory, then copies on the server confirmed at their destination, then (for a move) deletes
//! of only the confirmed sources. A move between this machine and S3 is `cp` followed by the
//! removal of each source whose transfer was confirmed.

use std::sync::Arc;

use anyhow::bail;

use super::progress::ProgressLine;
use super::{ConnectionArgs, CpArgs, MvArgs, connect, parse_s3_url};
use crate::format::{escape_controls, human_bytes, thousands};
use crate::relocate::{
    Inventory, InventoryProgress, Mode, Outcome, RelocateRun, RelocateSpec, Source, inventory,
};
use crate::s3::copy::{CopyChanges, CopyOptions};
use crate::s3::{Connection, S3Error};
use crate::transfer::local_paths::{folder_prefix, key_for_file};
use crate::transfer::{ItemResult, TransferError};

/// S3 to S3, as `aws s3 cp`/`mv` map them: an object to a key (or into a folder ending in
/// `/`), or with `--recursive` every key under the prefix, relative to its last `/`.
pub fn server_side_spec(
    mode: Mode,
    source: &str,
    destination: &str,
    recursive: bool,
) -> anyhow::Result<RelocateSpec> {
    let (from_bucket, from_key) = parse_s3_url(source)?;
    let (to_bucket, to_key) = parse_s3_url(destination)?;
    let item = if recursive {
        let base = from_key[..from_key.rfind('/').map_or(0, |i| i + 1)].to_owned();
        Source::Prefix {
            prefix: from_key,
            base,
            to: folder_prefix(&to_key),
        }
    } else {
        if from_key.is_empty() || from_key.ends_with('/') {
            bail!("{source} is a prefix: add --recursive to take everything under it");
        }
        let name = from_key.rsplit('/').next().unwrap_or_default();
        Source::Object {
            to: key_for_file(&to_key, name),
            key: from_key,
        }
    };
    Ok(RelocateSpec {
        mode,
        from_bucket,
        to_bucket,
        sources: vec![item],
        changes: CopyChanges::default(),
    })
}

async fn take_inventory(connection: &Connection, spec: &RelocateSpec) -> anyhow::Result<Inventory> {
    inventory(connection, spec, &InventoryProgress::default())
        .await
        .map_err(|e| anyhow::anyhow!(e.with_hint()))
}

/// Runs an inventory with a progress line; each object's outcome as an `ItemResult`.
async fn execute(
    connection: &Connection,
    inventory: Inventory,
    concurrency: usize,
) -> Vec<ItemResult> {
    let total = inventory.bytes;
    let run = Arc::new(RelocateRun::new(
        inventory,
        CopyOptions {
            concurrency: concurrency.clamp(1, 16),
            ..CopyOptions::default()
        },
        // A copy on the server moves no bytes here: more of them in flight than transfers.
        concurrency.saturating_mul(4),
    ));
    let ticker = ProgressLine::start({
        let run = run.clone();
        move |_| {
            format!(
                "{} of {} copied on the server",
                human_bytes(run.counts().bytes_copied),
                human_bytes(total)
            )
        }
    });
    run.execute(connection).await;
    ticker.finish().await;
    let moving = run.spec().mode == Mode::Move;
    run.entries()
        .into_iter()
        .map(|e| {
            let failure = |reason: &str| {
                Err(TransferError::S3(S3Error::Other {
                    what: e.from.clone(),
                    detail: reason.to_owned(),
                }))
            };
            let result = match &e.outcome {
                Outcome::Moved => Ok(e.size_bytes),
                Outcome::Copied if !moving => Ok(e.size_bytes),
                Outcome::Copied => failure("copied, but its source was not deleted"),
                Outcome::NotStarted => failure("not started"),
                Outcome::CopyFailed(reason) => failure(reason),
                Outcome::SourceKept(reason) => {
                    failure(&format!("copied, but the source is kept: {reason}"))
                }
            };
            ItemResult {
                source: e.from,
                destination: e.to,
                result,
                skipped: false,
            }
        })
        .collect()
}

/// `skiff cp s3://… s3://…`: copies on the server.
pub async fn cp_on_server(args: &ConnectionArgs, cp: &CpArgs) -> anyhow::Result<()> {
    let (connection, _sandbox) = connect(args).await?;
    let results = server_side(&connection, Mode::Copy, cp, (cp.dry_run, true)).await?;
    super::cp::finish(cp, &results)
}

/// `skiff cp s3://… s3://…` and the S3-to-S3 form of `skiff mv`.
pub async fn server_side(
    connection: &Connection,
    mode: Mode,
    cp: &CpArgs,
    (dry_run, yes): (bool, bool),
) -> anyhow::Result<Vec<ItemResult>> {
    let spec = server_side_spec(mode, &cp.source, &cp.destination, cp.recursive)?;
    let mut inventory = take_inventory(connection, &spec).await?;
    match cp.if_exists.as_str() {
        "overwrite" => {}
        "skip" => {
            let existing: std::collections::HashSet<&str> =
                inventory.existing.iter().map(String::as_str).collect();
            let (kept, skipped): (Vec<_>, Vec<_>) = std::mem::take(&mut inventory.pairs)
                .into_iter()
                .partition(|p| !existing.contains(p.to.as_str()));
            for p in &skipped {
                say_err!("skipped: s3://{}/{} exists", spec.to_bucket, p.to);
            }
            inventory.pairs = kept;
            inventory.bytes = inventory.pairs.iter().map(|p| p.size_bytes).sum();
            inventory.existing.clear();
        }
        other => bail!(
            "--if-exists {other}: a copy on the server takes overwrite or skip (rename is for \
             uploads and downloads)"
        ),
    }
    let verb = mode.verb();
    if dry_run {
        for p in &inventory.pairs {
            say!(
                "(dryrun) {verb}: s3://{}/{} to s3://{}/{}",
                spec.from_bucket,
                p.from,
                spec.to_bucket,
                p.to
            );
        }
        say_err!("{}", inventory.summary());
        return Ok(Vec::new());
    }
    if mode == Mode::Move && !inventory.existing.is_empty() && !yes {
        say_err!(
            "{} of the destinations hold an object already, which the move replaces, e.g. \
             s3://{}/{}.",
            thousands(inventory.existing.len() as u64),
            spec.to_bucket,
            inventory.existing[0]
        );
        super::cleanup::confirm_change(Some("overwrite"), false, "moved")?;
    }
    let results = execute(
        connection,
        inventory,
        cp.concurrency.unwrap_or(crate::transfer::job::START),
    )
    .await;
    if !cp.json {
        // As `aws s3 cp`/`mv` say each one.
        for done in results.iter().filter(|r| r.result.is_ok()) {
            say!("{verb}: {} to {}", done.source, done.destination);
        }
    }
    Ok(results)
}

/// `skiff mv`: S3 to S3 on the server; a local file or folder to S3, or S3 to local, as `cp`
/// and then the removal of each source that arrived whole.
pub async fn mv(args: &ConnectionArgs, mv: &MvArgs) -> anyhow::Result<()> {
    let cp = &mv.cp;
    match (
        cp.source.starts_with("s3://"),
        cp.destination.starts_with("s3://"),
    ) {
        (true, true) => {
            let (connection, _sandbox) = connect(args).await?;
            let results = server_side(&connection, Mode::Move, cp, (cp.dry_run, cp.yes)).await?;
            super::cp::finish(cp, &results)
        }
        (false, false) => bail!("one side must be an s3:// URL"),
        _ if cp.dry_run => dry_run_transfer(args, cp, "move").await,
        _ => {
            let (connection, _sandbox) = connect(args).await?;
            let results = super::cp::transfer(&connection, cp).await?;
            remove_sources(&connection, &results, cp.json).await?;
            super::cp::finish(cp, &results)
        }
    }
}

/// What a move between this machine and S3 would transfer, without transferring.
pub async fn dry_run_transfer(
    args: &ConnectionArgs,
    cp: &CpArgs,
    verb: &str,
) -> anyhow::Result<()> {
    if cp.destination.starts_with("s3://") {
        let (bucket, key) = parse_s3_url(&cp.destination)?;
        let source = std::path::Path::new(&cp.source);
        if source.is_dir() {
            if !cp.recursive {
                bail!(
                    "{} is a folder: add --recursive to move everything in it",
                    cp.source
                );
            }
            let into = folder_prefix(&key);
            for (file, relative) in crate::transfer::local_paths::walk_files(source)? {
                say!(
                    "(dryrun) {verb}: {} to s3://{bucket}/{into}{relative}",
                    file.display()
                );
            }
        } else {
            let name = source.file_name().unwrap_or_default().to_string_lossy();
            let key = key_for_file(&key, &name);
            say!(
                "(dryrun) {verb}: {} to s3://{bucket}/{key}",
                source.display()
            );
        }
        return Ok(());
    }
    let (bucket, key) = parse_s3_url(&cp.source)?;
    let (connection, _sandbox) = connect(args).await?;
    let objects = if cp.recursive {
        let request = crate::s3::listing::ListRequest::recursive(&bucket, &key);
        let listed = crate::s3::listing::list_all(&connection, request).await;
        let listed = listed.map_err(|e| anyhow::anyhow!(e.with_hint()))?;
        listed
            .objects
            .into_iter()
            .map(|o| (o.key, o.size_bytes))
            .collect()
    } else {
        let head = crate::s3::objects::head_object(&connection, &bucket, &key).await;
        let head = head.map_err(|e| anyhow::anyhow!(e.with_hint()))?;
        vec![(key.clone(), head.size_bytes)]
    };
    let root = std::path::Path::new(&cp.destination);
    let strip = &key[..key.rfind('/').map_or(0, |i| i + 1)];
    let mut bytes = 0;
    for (key, size) in objects {
        // Where the transfer would put it, as download_prefix and cp decide.
        let local = if cp.recursive {
            crate::transfer::local_paths::local_path_for_key(root, &key, strip)
                .map(|p| p.display().to_string())
                .unwrap_or_else(|e| format!("(refused: {e})"))
        } else if root.is_dir() || cp.destination.ends_with('/') {
            root.join(key.rsplit('/').next().unwrap_or_default())
                .display()
                .to_string()
        } else {
            cp.destination.clone()
        };
        bytes += size;
        say!("(dryrun) {verb}: s3://{bucket}/{key} to {local}");
    }
    say_err!("{} would be transferred", human_bytes(bytes));
    Ok(())
}

/// After a move's transfers: the local files uploaded, or the objects downloaded, removed. Only
/// transfers that completed (their checksums checked by the engine) lose their source.
async fn remove_sources(
    connection: &Connection,
    results: &[ItemResult],
    json: bool,
) -> anyhow::Result<()> {
    let moved: Vec<&ItemResult> = results
        .iter()
        .filter(|r| r.result.is_ok() && !r.skipped)
        .collect();
    let mut objects: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for r in &moved {
        if r.source.starts_with("s3://") {
            let (bucket, key) = parse_s3_url(&r.source)?;
            objects.entry(bucket).or_default().push(key);
        } else if let Err(e) = std::fs::remove_file(&r.source) {
            say_err!("kept {}: {e}", escape_controls(&r.source));
        }
    }
    for (bucket, keys) in objects {
        for batch in keys.chunks(crate::s3::deletes::MAX_KEYS_PER_DELETE) {
            let batch: Vec<(&str, Option<&str>)> =
                batch.iter().map(|k| (k.as_str(), None)).collect();
            let refused = crate::s3::deletes::delete_objects(connection, &bucket, &batch)
                .await
                .map_err(|e| anyhow::anyhow!(e.with_hint()))?;
            for e in refused {
                say_err!("kept s3://{bucket}/{}: {}", e.key, e.code);
            }
        }
    }
    for r in moved.iter().filter(|_| !json) {
        say!("move: {} to {}", r.source, r.destination);
    }
    Ok(())
}

/// `skiff set-class`: objects copied onto themselves with a new storage class.
pub async fn set_class(
    args: &ConnectionArgs,
    url: &str,
    class: &str,
    recursive: bool,
    (dry_run, yes): (bool, bool),
) -> anyhow::Result<()> {
    let (bucket, key) = parse_s3_url(url)?;
    let class = class.to_ascii_uppercase();
    if !recursive && (key.is_empty() || key.ends_with('/')) {
        bail!("{url} is a prefix: add --recursive to change everything under it");
    }
    let changes = CopyChanges {
        storage_class: Some(class.clone()),
        headers: None,
    };
    let mut spec = RelocateSpec::in_place(&bucket, std::slice::from_ref(&key), changes);
    if recursive {
        // Matched as written, as `skiff rm --recursive` matches: `data` takes `data-old/` too.
        spec.sources = vec![Source::Prefix {
            prefix: key.clone(),
            base: key.clone(),
            to: key,
        }];
    }
    let (connection, _sandbox) = connect(args).await?;
    let inventory = take_inventory(&connection, &spec).await?;
    let to = crate::s3::listing::StorageClass::parse(&class);
    if let Some(estimate) = crate::pricing::change_estimate(&inventory.bytes_by_class(), to) {
        say_err!("{estimate}; at {}.", crate::pricing::SOURCE);
    }
    if dry_run || inventory.pairs.is_empty() {
        for p in &inventory.pairs {
            say!("(dryrun) set-class {class}: s3://{bucket}/{}", p.from);
        }
        say_err!("{} would change to {class}", inventory.summary());
        return Ok(());
    }
    if !yes {
        say_err!(
            "{} will be copied onto themselves as {class}.",
            inventory.summary()
        );
        super::cleanup::confirm_change(None, false, "changed")?;
    }
    let results = execute(&connection, inventory, 16).await;
    let failed = results.iter().filter(|r| r.result.is_err()).count();
    for r in &results {
        match &r.result {
            Ok(_) => say!("set-class {class}: {}", r.source),
            Err(e) => say_err!("failed: {}: {e}", r.source),
        }
    }
    if failed > 0 {
        bail!("{failed} of {} objects kept their class", results.len());
    }
    Ok(())
}
