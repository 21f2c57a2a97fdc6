//! `skiff verify`: whether a local file holds the same bytes as an object, without downloading.

use std::path::Path;

use anyhow::bail;

use super::{ConnectionArgs, connect, parse_s3_url};
use crate::transfer::{Verdict, verify_file};

pub async fn verify(args: &ConnectionArgs, local: &Path, url: &str) -> anyhow::Result<()> {
    let (bucket, key) = parse_s3_url(url)?;
    let (connection, _sandbox) = connect(args).await?;
    match verify_file(&connection, local, &bucket, &key).await {
        Ok(Verdict::Identical { checksum }) => {
            say!(
                "identical: {} and {url} have the same size and {checksum}",
                local.display()
            );
            Ok(())
        }
        Ok(Verdict::SizeOnly { why }) => {
            say!(
                "same size: {} and {url} have the same size; {why}, so the bytes were not compared",
                local.display()
            );
            Ok(())
        }
        Ok(Verdict::Different { reason }) => {
            bail!("different: {} and {url}: {reason}", local.display())
        }
        Err(e) => bail!("{e} {}", e.hint()),
    }
}
