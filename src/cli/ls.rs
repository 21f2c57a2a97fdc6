//! `skiff ls`: buckets, or a prefix's folders and objects, printed as `aws s3 ls` prints them.

use std::io::{BufWriter, Write};

use anyhow::{Context, bail};

use super::{ConnectionArgs, connect, parse_s3_url};
use crate::format::{escape_controls, local_datetime, utc_datetime};
use crate::s3::listing::{ListEvent, ListRequest, Listing};
use crate::s3::{Connection, S3Error, buckets};

/// Lists `url`, or every bucket without one.
pub async fn ls(
    args: &ConnectionArgs,
    url: Option<&str>,
    options: LsOptions,
) -> anyhow::Result<()> {
    let (connection, _sandbox) = connect(args).await?;
    let out = std::io::stdout().lock();
    let result = match url {
        None => ls_buckets(&connection, options, out).await,
        Some(url) => {
            let (bucket, prefix) = parse_s3_url(url)?;
            if options.versions {
                ls_versions(&connection, &bucket, &prefix, &options, out).await
            } else {
                ls_objects(&connection, &bucket, &prefix, options, out).await
            }
        }
    };
    match result {
        Err(LsError::Io(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(LsError::Io(e)) => Err(e).context("writing the listing"),
        Err(LsError::S3(e)) => bail!(e.with_hint()),
        Err(LsError::Said(sentence)) => bail!(sentence),
        Ok(()) => Ok(()),
    }
}

#[derive(Debug)]
enum LsError {
    S3(S3Error),
    Io(std::io::Error),
    /// A plain sentence, hint included.
    Said(String),
}

impl From<std::io::Error> for LsError {
    fn from(e: std::io::Error) -> Self {
        Self::Io(e)
    }
}

async fn ls_buckets(
    connection: &Connection,
    options: LsOptions,
    out: impl Write,
) -> Result<(), LsError> {
    let list = buckets::list_buckets(connection)
        .await
        .map_err(LsError::S3)?;
    let mut out = BufWriter::new(out);
    for b in list {
        if options.json {
            let created = b.created_secs.and_then(super::json::rfc3339);
            let row =
                serde_json::json!({ "bucket": b.name, "created": created, "region": b.region });
            writeln!(out, "{}", super::json::line(&row))?;
            continue;
        }
        let date = b
            .created_secs
            .map(|secs| options.date(secs))
            .unwrap_or_else(|| " ".repeat(19));
        writeln!(out, "{date} {}", escape_controls(&b.name))?;
    }
    out.flush()?;
    Ok(())
}

#[derive(Debug, Clone, Copy, Default)]
pub struct LsOptions {
    pub recursive: bool,
    pub human_readable: bool,
    pub summarize: bool,
    /// Dates in UTC; otherwise in the local time zone, as `aws s3 ls` prints them.
    pub utc: bool,
    /// JSON Lines instead of text.
    pub json: bool,
    /// Every version and delete marker instead of the current objects.
    pub versions: bool,
}

impl LsOptions {
    fn date(&self, epoch_secs: i64) -> String {
        if self.utc {
            utc_datetime(epoch_secs)
        } else {
            local_datetime(epoch_secs)
        }
    }
}

/// `--versions`: every version and delete marker under the prefix, newest first for each key,
/// with its version id and whether it is the current one.
async fn ls_versions(
    connection: &Connection,
    bucket: &str,
    prefix: &str,
    options: &LsOptions,
    out: impl Write,
) -> Result<(), LsError> {
    let mut out = BufWriter::new(out);
    let mut written: Result<(), std::io::Error> = Ok(());
    let listed = crate::s3::versions::list_versions(connection, bucket, prefix, |mut page| {
        page.sort_by(|a, b| {
            (a.key.cmp(&b.key)).then(b.last_modified_secs.cmp(&a.last_modified_secs))
        });
        for v in page {
            let state = match (v.is_delete_marker, v.is_latest) {
                (true, true) => "delete marker (current)",
                (true, false) => "delete marker",
                (false, true) => "current",
                (false, false) => "noncurrent",
            };
            let version = v.version_id.as_deref().unwrap_or("null");
            written = if options.json {
                let row = serde_json::json!({
                    "key": v.key,
                    "version_id": version,
                    "size_bytes": v.size_bytes,
                    "last_modified": super::json::rfc3339(v.last_modified_secs),
                    "storage_class": v.storage_class.as_str(),
                    "latest": v.is_latest,
                    "delete_marker": v.is_delete_marker,
                });
                writeln!(out, "{}", super::json::line(&row))
            } else {
                let size = if v.is_delete_marker {
                    "-".to_owned()
                } else if options.human_readable {
                    crate::format::human_bytes(v.size_bytes)
                } else {
                    v.size_bytes.to_string()
                };
                writeln!(
                    out,
                    "{} {size:>10} {} {state:<23} {}",
                    options.date(v.last_modified_secs),
                    escape_controls(version),
                    escape_controls(&v.key)
                )
            };
            if written.is_err() {
                return Err(S3Error::Cancelled);
            }
        }
        Ok(())
    })
    .await;
    written?;
    match listed {
        Err(S3Error::Unsupported { .. }) => Err(LsError::Said(format!(
            "s3://{bucket}: this endpoint keeps no versions (it does not implement \
             ListObjectVersions). AWS S3, MinIO and Ceph keep them once versioning is on."
        ))),
        other => other.map_err(LsError::S3),
    }?;
    out.flush()?;
    Ok(())
}

/// Prints like `aws s3 ls`: `PRE name/` lines, then `date time size key`, page by page as the
/// pages arrive. Dates are UTC.
async fn ls_objects(
    connection: &Connection,
    bucket: &str,
    prefix: &str,
    options: LsOptions,
    out: impl Write,
) -> Result<(), LsError> {
    let request = if options.recursive {
        ListRequest::recursive(bucket, prefix)
    } else {
        ListRequest::folder(bucket, prefix)
    };
    // Without --recursive, names print relative to the "directory" part of the prefix.
    let folder = if options.recursive {
        ""
    } else {
        &prefix[..prefix.rfind('/').map_or(0, |i| i + 1)]
    };
    // A server may send names outside what was asked for: they print whole.
    let relative = |name: &'_ str| -> String {
        escape_controls(name.strip_prefix(folder).unwrap_or(name)).into_owned()
    };
    let mut out = BufWriter::with_capacity(256 * 1024, out);
    let mut listing = Listing::start(connection, request, crate::runtime::no_notify());
    let (mut count, mut total_bytes) = (0u64, 0u64);
    let mut line = String::with_capacity(256);
    while let Some(event) = listing.next().await {
        match event {
            ListEvent::Page(page) if options.json => {
                for p in &page.prefixes {
                    let row = serde_json::json!({ "prefix": p });
                    writeln!(out, "{}", super::json::line(&row))?;
                }
                for o in &page.objects {
                    let row = serde_json::json!({
                        "key": o.key,
                        "size_bytes": o.size_bytes,
                        "last_modified": super::json::rfc3339(o.last_modified_secs),
                        "storage_class": o.storage_class.as_str(),
                    });
                    writeln!(out, "{}", super::json::line(&row))?;
                    count += 1;
                    total_bytes += o.size_bytes;
                }
            }
            ListEvent::Page(page) => {
                for p in &page.prefixes {
                    writeln!(out, "{:>26} PRE {}", "", relative(p))?;
                }
                for o in &page.objects {
                    line.clear();
                    line.push_str(&options.date(o.last_modified_secs));
                    line.push(' ');
                    let size = if options.human_readable {
                        crate::format::human_bytes(o.size_bytes)
                    } else {
                        o.size_bytes.to_string()
                    };
                    line.push_str(&format!("{size:>10} "));
                    line.push_str(&relative(&o.key));
                    line.push('\n');
                    out.write_all(line.as_bytes())?;
                    count += 1;
                    total_bytes += o.size_bytes;
                }
            }
            ListEvent::Done => break,
            ListEvent::Failed { error, .. } => {
                out.flush()?;
                return Err(LsError::S3(error));
            }
        }
    }
    if options.summarize && options.json {
        let row = serde_json::json!({ "total_objects": count, "total_bytes": total_bytes });
        writeln!(out, "{}", super::json::line(&row))?;
    } else if options.summarize {
        writeln!(
            out,
            "\nTotal Objects: {count}\n   Total Size: {total_bytes}"
        )?;
    }
    out.flush()?;
    Ok(())
}
