//! `skiff inspect` and `skiff cat`: what an object holds, read with a few range requests, and
//! its bytes on standard output.

use anyhow::{anyhow, bail};
use tokio::io::AsyncWriteExt;

use super::{ConnectionArgs, connect, parse_s3_url};
use crate::inspect::{self, InspectOptions};
use crate::s3::object_read::{ObjectAt, stream};

pub async fn inspect(
    args: &ConnectionArgs,
    url: &str,
    rows: Option<usize>,
    version_id: Option<&str>,
    json: bool,
) -> anyhow::Result<()> {
    let (bucket, key) = object_url(url)?;
    let (connection, _sandbox) = connect(args).await?;
    let reader = inspect::open_in_bucket(&connection, &bucket, &key, version_id)
        .await
        .map_err(|e| anyhow!("{url}: {e}. {}", e.hint()))?;
    let mut options = InspectOptions::first_look(reader.size);
    if let Some(n) = rows {
        options.rows = n;
        options.parquet_rows = true;
    } else {
        options.rows = 20;
    }
    let inspection = inspect::inspect(&reader, options)
        .await
        .map_err(|e| anyhow!("{url}: {e}. {}", e.hint()))?;
    if json {
        super::json::print(&serde_json::to_value(&inspection)?);
    } else {
        print!(
            "{}",
            crate::format::escape_lines(&inspect::report::render(&inspection, url))
        );
    }
    Ok(())
}

pub async fn cat(
    args: &ConnectionArgs,
    url: &str,
    range: Option<&str>,
    version_id: Option<&str>,
) -> anyhow::Result<()> {
    let (bucket, key) = object_url(url)?;
    if let Some(r) = range {
        check_range(r)?;
    }
    let (connection, _sandbox) = connect(args).await?;
    let at = ObjectAt {
        bucket: &bucket,
        key: &key,
        version_id,
    };
    let mut body = stream(&connection, at, range)
        .await
        .map_err(|e| anyhow!(e.with_hint()))?;
    let mut out = tokio::io::stdout();
    while let Some(chunk) = body
        .try_next()
        .await
        .map_err(|e| anyhow!("{url}: reading it failed: {e}. Try again."))?
    {
        match out.write_all(&chunk).await {
            // The reader went away (`| head`): as cat, stop quietly.
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(()),
            other => other?,
        }
    }
    out.flush().await.or_else(|e| match e.kind() {
        std::io::ErrorKind::BrokenPipe => Ok(()),
        _ => Err(e),
    })?;
    Ok(())
}

fn object_url(url: &str) -> anyhow::Result<(String, String)> {
    let (bucket, key) = parse_s3_url(url)?;
    if key.is_empty() || key.ends_with('/') {
        bail!("{url}: name an object, as s3://bucket/key");
    }
    Ok((bucket, key))
}

/// `A-B`, `A-` or `-N`, with A ≤ B.
fn check_range(range: &str) -> anyhow::Result<()> {
    let bad = || anyhow!("--range {range}: write A-B (bytes A to B, from 0), A- or -N");
    let (a, b) = range.split_once('-').ok_or_else(bad)?;
    let number = |s: &str| s.parse::<u64>().map_err(|_| bad());
    match (a.is_empty(), b.is_empty()) {
        (false, false) if number(a)? > number(b)? => Err(bad()),
        (false, _) | (true, false) => {
            if !a.is_empty() {
                number(a)?;
            }
            if !b.is_empty() {
                number(b)?;
            }
            Ok(())
        }
        (true, true) => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn ranges_are_written_as_http_writes_them() {
        for good in ["0-99", "100-", "-100", "5-5"] {
            assert!(super::check_range(good).is_ok(), "{good}");
        }
        for bad in ["", "-", "9-1", "a-b", "1-2-3", "100"] {
            assert!(super::check_range(bad).is_err(), "{bad}");
        }
    }
}
