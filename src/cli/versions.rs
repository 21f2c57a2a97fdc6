//! `skiff revert`, `skiff undelete` and `skiff tag`: an earlier version made current again, a
//! deleted object brought back, an object's tags shown or changed in place. None copies bytes
//! through this machine or loses a version.

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

pub async fn tag(
    args: &ConnectionArgs,
    url: &str,
    changes: &[String],
    delete: bool,
    dry_run: bool,
) -> anyhow::Result<()> {
    let (bucket, key) = object(url)?;
    let mut set = Vec::new();
    for pair in changes {
        match pair.split_once('=') {
            Some((k, v)) if !k.is_empty() => set.push((k.to_owned(), v.to_owned())),
            _ => bail!("{pair}: write a tag as KEY=VALUE"),
        }
    }
    let (connection, _sandbox) = connect(args).await?;
    let mut tags = crate::s3::objects::object_tags(&connection, &bucket, &key)
        .await
        .map_err(|e| anyhow::anyhow!(e.with_hint()))?;
    if !delete && set.is_empty() {
        for (k, v) in &tags {
            say!("{}={}", escape_controls(k), escape_controls(v));
        }
        return Ok(());
    }
    if delete {
        tags.clear();
    }
    for (k, v) in set {
        match tags.iter_mut().find(|(existing, _)| *existing == k) {
            Some(tag) => tag.1 = v,
            None => tags.push((k, v)),
        }
    }
    let shown = escape_controls(url);
    let listed: Vec<String> = tags.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let listed = escape_controls(&listed.join(" ")).into_owned();
    if dry_run {
        say!("Would set the tags of {shown} to: {listed}");
        return Ok(());
    }
    crate::s3::objects::set_object_tags(&connection, &bucket, &key, &tags)
        .await
        .map_err(|e| anyhow::anyhow!(e.with_hint()))?;
    if tags.is_empty() {
        say!("{shown} has no tags now.");
    } else {
        say!("{shown} is tagged {listed}.");
    }
    Ok(())
}

/// `skiff restore`: a temporary readable copy of an archived object.
pub async fn restore(
    args: &ConnectionArgs,
    url: &str,
    days: i32,
    tier: &str,
    dry_run: bool,
) -> anyhow::Result<()> {
    let (bucket, key) = object(url)?;
    let shown = escape_controls(url);
    let tier = match tier.to_ascii_lowercase().as_str() {
        "expedited" => "Expedited",
        "standard" => "Standard",
        "bulk" => "Bulk",
        _ => bail!("--tier {tier}: Expedited, Standard or Bulk"),
    };
    if !(1..=36_500).contains(&days) {
        bail!("--days {days}: from 1 to 36500");
    }
    if dry_run {
        say!("Would ask for {shown} to be readable for {days} days ({tier} retrieval).");
        return Ok(());
    }
    let (connection, _sandbox) = connect(args).await?;
    let started = crate::s3::objects::restore_object(&connection, &bucket, &key, days, tier)
        .await
        .map_err(|e| anyhow::anyhow!(e.with_hint()))?;
    if started {
        say!(
            "Restore of {shown} asked for ({tier}, {days} days). `skiff ls` shows nothing new; \
             the details panel and a HEAD (aws s3api head-object) show when it is ready."
        );
    } else {
        say!("A restore of {shown} is already under way.");
    }
    Ok(())
}
