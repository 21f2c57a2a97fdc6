//! Keeping a local folder and a prefix (or two prefixes on one connection) in step, as
//! `aws s3 sync` does: a comparison that lists only what differs, then the transfers (through the
//! transfer engine, with its resume and checksums) and, when asked, the deletes of what exists
//! only at the destination (through the cleanup engine: its plan, its checks, its report).
//! The GUI's Sync window and `skiff sync` run the same spec.

pub mod compare;
pub mod run;

use std::path::PathBuf;

pub use compare::{Action, Change, CompareEvent, CompareJob, Comparison, Found, compare};
pub use run::{Done, SyncRun};

/// One side of a sync.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Place {
    Local(PathBuf),
    /// Everything under `prefix`, which is a folder: it is empty or ends with `/`, so `data/`
    /// never reaches `data-old/`.
    Bucket {
        bucket: String,
        prefix: String,
    },
}

impl Place {
    /// An `s3://bucket/prefix` URL or a local path. A prefix is taken as a folder, as
    /// `aws s3 sync` takes it.
    pub fn parse(text: &str) -> Result<Self, String> {
        let Some(rest) = text.strip_prefix("s3://") else {
            return Ok(Self::Local(PathBuf::from(text)));
        };
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(format!("{text}: name a bucket, as s3://bucket/prefix/"));
        }
        Ok(Self::bucket(bucket, prefix))
    }

    pub fn bucket(bucket: &str, prefix: &str) -> Self {
        let prefix = if prefix.is_empty() || prefix.ends_with('/') {
            prefix.to_owned()
        } else {
            format!("{prefix}/")
        };
        Self::Bucket {
            bucket: bucket.to_owned(),
            prefix,
        }
    }

    /// Where `relative` is on this side, as output lines name it: a path or an `s3://` URL.
    pub fn name_of(&self, relative: &str) -> String {
        match self {
            Self::Local(root) => root.join(relative).display().to_string(),
            Self::Bucket { bucket, prefix } => format!("s3://{bucket}/{prefix}{relative}"),
        }
    }

    /// The folder or `s3://bucket/prefix/` itself.
    pub fn describe(&self) -> String {
        self.name_of("")
    }
}

/// Which way the bytes go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Upload,
    Download,
    /// Prefix to prefix, copied on the server.
    Copy,
}

impl Direction {
    /// The verb of an output line, as `aws s3 sync` prints it.
    pub fn verb(self) -> &'static str {
        match self {
            Self::Upload => "upload",
            Self::Download => "download",
            Self::Copy => "copy",
        }
    }
}

/// Include and exclude globs, applied in the order given; the last that matches a path decides,
/// and a path no filter matches is included (the rules of `aws s3 sync`). `*` matches any
/// characters including `/`, `?` one.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Filters(pub Vec<Filter>);

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Filter {
    Include(String),
    Exclude(String),
}

impl Filters {
    /// Whether the path below the synced folder takes part.
    pub fn admits(&self, relative: &str) -> bool {
        use crate::cleanup::scope::glob_matches;
        let mut admitted = true;
        for filter in &self.0 {
            match filter {
                Filter::Include(glob) if glob_matches(glob, relative) => admitted = true,
                Filter::Exclude(glob) if glob_matches(glob, relative) => admitted = false,
                _ => {}
            }
        }
        admitted
    }
}

/// What a sync does: from where to where, and how it tells files apart.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SyncSpec {
    pub source: Place,
    pub destination: Place,
    /// Delete what exists only at the destination.
    pub delete: bool,
    /// Tell files of one size apart by their CRC (read from the server, not downloaded) rather
    /// than by their modification time.
    pub checksum: bool,
    pub filters: Filters,
}

impl SyncSpec {
    pub fn new(source: Place, destination: Place) -> Self {
        Self {
            source,
            destination,
            delete: false,
            checksum: false,
            filters: Filters::default(),
        }
    }

    /// Which way the bytes go, or why the two places cannot be synced.
    pub fn direction(&self) -> Result<Direction, String> {
        match (&self.source, &self.destination) {
            (Place::Local(_), Place::Bucket { .. }) => Ok(Direction::Upload),
            (Place::Bucket { .. }, Place::Local(_)) => Ok(Direction::Download),
            (
                Place::Bucket {
                    bucket: a,
                    prefix: p,
                },
                Place::Bucket {
                    bucket: b,
                    prefix: q,
                },
            ) => {
                let (from, to) = (format!("{a}/{p}"), format!("{b}/{q}"));
                if from.starts_with(&to) || to.starts_with(&from) {
                    Err(format!(
                        "s3://{from} and s3://{to} overlap: sync a prefix to one outside it"
                    ))
                } else {
                    Ok(Direction::Copy)
                }
            }
            (Place::Local(_), Place::Local(_)) => {
                Err("one side must be an s3:// URL: Skiff does not sync two local folders".into())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prefix_is_a_folder_so_data_never_reaches_data_old() {
        assert_eq!(
            Place::parse("s3://b/data").unwrap(),
            Place::bucket("b", "data/")
        );
        assert_eq!(Place::parse("s3://b").unwrap(), Place::bucket("b", ""));
        assert!(Place::parse("s3:///x").is_err());
        let spec = SyncSpec::new(
            Place::parse("s3://b/data").unwrap(),
            Place::parse("s3://b/data-old").unwrap(),
        );
        assert_eq!(spec.direction(), Ok(Direction::Copy));
        let inside = SyncSpec::new(
            Place::parse("s3://b/data").unwrap(),
            Place::parse("s3://b/data/copy").unwrap(),
        );
        assert!(inside.direction().is_err());
    }

    #[test]
    fn the_last_matching_filter_decides() {
        let filters = Filters(vec![
            Filter::Exclude("*".into()),
            Filter::Include("*.parquet".into()),
            Filter::Exclude("tmp/*".into()),
        ]);
        assert!(filters.admits("train/part-0.parquet"));
        assert!(!filters.admits("train/notes.txt"));
        assert!(!filters.admits("tmp/part-1.parquet"));
        assert!(Filters::default().admits("anything"));
    }
}
