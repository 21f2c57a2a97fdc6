//! `skiff revert` and `skiff undelete`: an earlier version made current again, a deleted object
//! brought back. Neither loses anything: both only add to, or take a marker off, the history.

use anyhow::bail;

use super::{ConnectionArgs, connect, parse_s3_url};
use crate::format::escape_controls;
use crate::s3::versions;

fn object(url: &str) -> anyhow::Result<(String, String)> {
    let (bucket, key) = parse_s3_url(url)?;
    if key.is_empty() || key.ends_with('/') {
        bail!("{url}: name an object, as s3://bucket/key");
    }
    Ok((bucket, key))
}

pub async fn revert(
    args: &ConnectionArgs,
    url: &str,
    version_id: &str,
    dry_run: bool,
) -> anyhow::Result<()> {
    let (bucket, key) = object(url)?;
    let shown = escape_controls(url);
    if dry_run {
        say!("Would copy version {version_id} of {shown} on top, as its current version.");
        return Ok(());
    }
    let (connection, _sandbox) = connect(args).await?;
    let new = versions::restore_version(&connection, &bucket, &key, version_id)
        .await
        .map_err(|e| anyhow::anyhow!(e.with_hint()))?;
    say!(
        "Restored version {version_id} of {shown} as its current version{}; the older versions \
         are kept.",
        new.map(|v| format!(" (now version {v})"))
            .unwrap_or_default()
    );
    Ok(())
}

pub async fn undelete(args: &ConnectionArgs, url: &str, dry_run: bool) -> anyhow::Result<()> {
    let (bucket, key) = object(url)?;
    let shown = escape_controls(url);
    if dry_run {
        say!("Would remove the delete marker on top of {shown}, if it has one.");
        return Ok(());
    }
    let (connection, _sandbox) = connect(args).await?;
    match versions::undelete(&connection, &bucket, &key).await {
        Ok(Some(marker)) => say!("{shown} is back: delete marker {marker} removed."),
        Ok(None) => say!("{shown} is not deleted: its current version is no delete marker."),
        Err(e) => bail!(e.with_hint()),
    }
    Ok(())
}
