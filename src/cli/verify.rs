//! `skiff verify`: whether a local file holds the same bytes as an object, without downloading.

use std::path::Path;

use anyhow::bail;

use super::{ConnectionArgs, connect, parse_s3_url};
use crate::transfer::{Verdict, verify_file};

pub async fn verify(
    args: &ConnectionArgs,
    local: &Path,
    url: &str,
    json: bool,
) -> anyhow::Result<()> {
    let (bucket, key) = parse_s3_url(url)?;
    let (connection, _sandbox) = connect(args).await?;
    let verdict = verify_file(&connection, local, &bucket, &key)
        .await
        .map_err(|e| anyhow::anyhow!("{e} {}", e.hint()))?;
    let local_name = local.display();
    if json {
        let mut row = serde_json::json!({ "local": local_name.to_string(), "url": url });
        let (name, detail) = match &verdict {
            Verdict::Identical { checksum } => ("identical", ("checksum", checksum.to_string())),
            Verdict::SizeOnly { why } => ("same_size", ("why", why.clone())),
            Verdict::Different { reason } => ("different", ("reason", reason.clone())),
        };
        row["verdict"] = name.into();
        row[detail.0] = detail.1.into();
        super::json::print(&row);
    }
    match verdict {
        Verdict::Identical { checksum } if !json => {
            say!("identical: {local_name} and {url} have the same size and {checksum}");
        }
        Verdict::SizeOnly { why } if !json => say!(
            "same size: {local_name} and {url} have the same size; {why}, so the bytes were not \
             compared"
        ),
        // Stderr and the status say it with or without --json.
        Verdict::Different { reason } => bail!("different: {local_name} and {url}: {reason}"),
        _ => {}
    }
    Ok(())
}
