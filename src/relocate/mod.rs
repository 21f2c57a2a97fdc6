//! Copy, move, rename and change in place, always on the server: an inventory first (what will
//! be copied, its bytes, which destinations exist), then the copies, each confirmed at its
//! destination, then, for a move, deletes of only the sources whose copy was confirmed. The GUI's
//! dialogs and `skiff cp`/`mv`/`set-class` run the same spec.

mod run;

use std::collections::HashSet;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::atomic::{AtomicBool, AtomicU64};

use futures::StreamExt;

pub use run::{
    InventoryEvent, InventoryJob, Outcome, RelocateCounts, RelocateEntry, RelocateEvent,
    RelocateJob, RelocateReport, RelocateRun,
};

use crate::s3::copy::CopyChanges;
use crate::s3::listing::{ListRequest, StorageClass, list_all};
use crate::s3::{Connection, S3Error};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Copy,
    /// Copy, confirm, then delete the source.
    Move,
}

impl Mode {
    /// The verb as `aws s3` prints it: `copy: A to B`, `move: A to B`.
    pub fn verb(self) -> &'static str {
        match self {
            Mode::Copy => "copy",
            Mode::Move => "move",
        }
    }
}

/// What goes where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// One object to one key.
    Object { key: String, to: String },
    /// Every key that starts with `prefix`, to `to` followed by what follows `base` in the key
    /// (`base` is `prefix` or a shorter start of it).
    Prefix {
        prefix: String,
        base: String,
        to: String,
    },
}

impl Source {
    fn destination(&self, key: &str) -> String {
        match self {
            Source::Object { to, .. } => to.clone(),
            Source::Prefix { base, to, .. } => format!("{to}{}", &key[base.len().min(key.len())..]),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelocateSpec {
    pub mode: Mode,
    pub from_bucket: String,
    pub to_bucket: String,
    pub sources: Vec<Source>,
    /// What each copy changes (storage class, headers); with changes a source may be copied
    /// onto itself, which is how S3 changes them.
    pub changes: CopyChanges,
}

/// The parent prefix of a key or folder (`a/b/` for `a/b/c.txt` and for `a/b/c/`).
pub fn parent_of(key_or_prefix: &str) -> &str {
    let trimmed = key_or_prefix.trim_end_matches('/');
    &trimmed[..trimmed.rfind('/').map_or(0, |i| i + 1)]
}

/// A key's or folder's own name, without its parent and a folder's trailing slash.
pub fn name_of(key_or_prefix: &str) -> &str {
    &key_or_prefix.trim_end_matches('/')[parent_of(key_or_prefix).len()..]
}

impl RelocateSpec {
    /// Items of one folder (keys, and folders as prefixes ending in `/`) into the folder
    /// `to_prefix` of `to_bucket`, each keeping its name.
    pub fn into_folder(
        mode: Mode,
        from_bucket: &str,
        items: &[String],
        (to_bucket, to_prefix): (&str, &str),
    ) -> Self {
        let sources = items
            .iter()
            .map(|item| {
                let parent = parent_of(item);
                let to = format!("{to_prefix}{}", &item[parent.len()..]);
                if item.ends_with('/') {
                    Source::Prefix {
                        prefix: item.clone(),
                        base: item.clone(),
                        to,
                    }
                } else {
                    Source::Object {
                        key: item.clone(),
                        to,
                    }
                }
            })
            .collect();
        Self {
            mode,
            from_bucket: from_bucket.to_owned(),
            to_bucket: to_bucket.to_owned(),
            sources,
            changes: CopyChanges::default(),
        }
    }

    /// A new name for an object or a folder (and everything in it), in the same folder.
    pub fn rename(bucket: &str, item: &str, new_name: &str) -> Result<Self, String> {
        let name = new_name.trim();
        if name.is_empty() {
            return Err("Type a new name.".into());
        }
        if name.contains('/') {
            return Err(
                "A name cannot hold '/': move the item to place it in another folder.".into(),
            );
        }
        if name == name_of(item) {
            return Err("That is the name it has.".into());
        }
        let parent = parent_of(item);
        let to = if item.ends_with('/') {
            format!("{parent}{name}/")
        } else {
            format!("{parent}{name}")
        };
        if to.len() > 1024 {
            return Err("A key holds at most 1,024 bytes.".into());
        }
        let mut spec = Self::into_folder(Mode::Move, bucket, &[item.to_owned()], (bucket, parent));
        match &mut spec.sources[0] {
            Source::Object { to: t, .. } | Source::Prefix { to: t, .. } => *t = to,
        }
        Ok(spec)
    }

    /// Objects and prefixes changed where they are (storage class, headers).
    pub fn in_place(bucket: &str, items: &[String], changes: CopyChanges) -> Self {
        let mut spec = Self::into_folder(Mode::Copy, bucket, items, (bucket, ""));
        for source in &mut spec.sources {
            match source {
                Source::Object { key, to } => *to = key.clone(),
                Source::Prefix { prefix, to, .. } => *to = prefix.clone(),
            }
        }
        spec.changes = changes;
        spec
    }

    /// Why the spec cannot run as it is: a folder into itself, a move onto itself.
    pub fn problem(&self) -> Option<String> {
        let same_bucket = self.from_bucket == self.to_bucket;
        for source in &self.sources {
            match source {
                Source::Prefix { prefix, base, to } if same_bucket => {
                    if to == base && self.changes.is_empty() {
                        return Some(format!("{prefix} would land where it is."));
                    }
                    if to != base && to.starts_with(prefix.as_str()) {
                        return Some(format!(
                            "{prefix} cannot go into itself ({to} is inside it)."
                        ));
                    }
                }
                Source::Object { key, to }
                    if same_bucket && key == to && self.changes.is_empty() =>
                {
                    return Some(format!("{key} would land where it is."));
                }
                _ => {}
            }
        }
        (self.mode == Mode::Move && !self.changes.is_empty() && same_bucket)
            .then(|| "A change in place is a copy, not a move.".to_owned())
    }

    /// One line: "Move 3 items from s3://a/x/ to s3://b/y/".
    pub fn describe(&self) -> String {
        let verb = match self.mode {
            Mode::Copy if !self.changes.is_empty() => "Change",
            Mode::Copy => "Copy",
            Mode::Move => "Move",
        };
        let what = match self.sources.as_slice() {
            [Source::Object { key, .. }] => format!("s3://{}/{key}", self.from_bucket),
            [Source::Prefix { prefix, .. }] => format!("s3://{}/{prefix}", self.from_bucket),
            many => format!("{} items of s3://{}", many.len(), self.from_bucket),
        };
        let to = match self.sources.as_slice() {
            [Source::Object { to, .. }] | [Source::Prefix { to, .. }] => to.clone(),
            _ => self
                .sources
                .first()
                .map(|s| match s {
                    Source::Object { to, .. } => parent_of(to).to_owned(),
                    Source::Prefix { to, .. } => parent_of(to).to_owned(),
                })
                .unwrap_or_default(),
        };
        if !self.changes.is_empty() {
            return format!("{verb} {what} in place");
        }
        format!("{verb} {what} to s3://{}/{to}", self.to_bucket)
    }
}

/// One object to copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pair {
    pub from: String,
    pub to: String,
    pub size_bytes: u64,
    pub storage_class: StorageClass,
    /// The source's ETag as listed: the copy is of that content or fails.
    pub etag: Option<String>,
}

/// What a spec will do, found before anything changes.
#[derive(Debug, Clone)]
pub struct Inventory {
    pub spec: RelocateSpec,
    pub pairs: Vec<Pair>,
    /// Destination keys that already hold an object: a copy replaces it.
    pub existing: Vec<String>,
    pub bytes: u64,
}

impl Inventory {
    /// Bytes per storage class, for a cost estimate.
    pub fn bytes_by_class(&self) -> Vec<(StorageClass, u64)> {
        let mut by_class = std::collections::BTreeMap::new();
        for p in &self.pairs {
            *by_class.entry(p.storage_class).or_insert(0) += p.size_bytes;
        }
        by_class.into_iter().collect()
    }

    /// "12 objects, 3.1 GiB; 2 replace objects at the destination".
    pub fn summary(&self) -> String {
        let mut text = format!(
            "{}, {}",
            crate::format::count(self.pairs.len() as u64, "object", "objects"),
            crate::format::human_bytes(self.bytes)
        );
        if !self.existing.is_empty() && self.spec.changes.is_empty() {
            text.push_str(&format!(
                "; {} an object at the destination",
                crate::format::count(self.existing.len() as u64, "replaces", "replace")
            ));
        }
        text
    }
}

/// Counters an inventory keeps while it lists, and its stop switch.
#[derive(Debug, Default)]
pub struct InventoryProgress {
    pub objects_seen: AtomicU64,
    pub stop: AtomicBool,
}

/// Lists what the spec names and which destinations exist. A prefix is listed once for its
/// sources and once at its destination; a single object is a HEAD at each end.
pub async fn inventory(
    connection: &Connection,
    spec: &RelocateSpec,
    progress: &InventoryProgress,
) -> Result<Inventory, S3Error> {
    if let Some(problem) = spec.problem() {
        return Err(S3Error::Other {
            what: spec.describe(),
            detail: problem,
        });
    }
    let mut pairs = Vec::new();
    let mut existing = HashSet::new();
    for source in &spec.sources {
        if progress.stop.load(Relaxed) {
            return Err(S3Error::Cancelled);
        }
        match source {
            Source::Object { key, to } => {
                let head =
                    crate::s3::objects::head_object(connection, &spec.from_bucket, key).await?;
                progress.objects_seen.fetch_add(1, Relaxed);
                pairs.push(Pair {
                    from: key.clone(),
                    to: to.clone(),
                    size_bytes: head.size_bytes,
                    storage_class: StorageClass::parse(head.storage_class.as_deref().unwrap_or("")),
                    etag: head.etag,
                });
            }
            Source::Prefix { prefix, .. } => {
                let listed = list_all(
                    connection,
                    ListRequest::recursive(&spec.from_bucket, prefix),
                )
                .await?;
                progress
                    .objects_seen
                    .fetch_add(listed.objects.len() as u64, Relaxed);
                pairs.extend(listed.objects.into_iter().map(|o| Pair {
                    to: source.destination(&o.key),
                    from: o.key,
                    size_bytes: o.size_bytes,
                    storage_class: o.storage_class,
                    etag: o.etag,
                }));
            }
        }
    }
    if spec.changes.is_empty() {
        existing = existing_destinations(connection, spec, &pairs).await?;
    }
    let mut existing: Vec<String> = existing.into_iter().collect();
    existing.sort();
    let bytes = pairs.iter().map(|p| p.size_bytes).sum();
    Ok(Inventory {
        spec: spec.clone(),
        pairs,
        existing,
        bytes,
    })
}

/// The destinations that hold an object already: a listing of each destination prefix, a HEAD
/// for each single object.
async fn existing_destinations(
    connection: &Connection,
    spec: &RelocateSpec,
    pairs: &[Pair],
) -> Result<HashSet<String>, S3Error> {
    let wanted: HashSet<&str> = pairs.iter().map(|p| p.to.as_str()).collect();
    let mut found = HashSet::new();
    let mut singles = Vec::new();
    for source in &spec.sources {
        match source {
            Source::Prefix { to, .. } => {
                let listed =
                    list_all(connection, ListRequest::recursive(&spec.to_bucket, to)).await?;
                found.extend(
                    (listed.objects.into_iter())
                        .filter(|o| wanted.contains(o.key.as_str()))
                        .map(|o| o.key),
                );
            }
            Source::Object { to, .. } => singles.push(to.clone()),
        }
    }
    let heads: Vec<_> = futures::stream::iter(singles)
        .map(|key| async move {
            let head = crate::s3::objects::head_object(connection, &spec.to_bucket, &key).await;
            (key, head)
        })
        .buffer_unordered(16)
        .collect()
        .await;
    for (key, head) in heads {
        match head {
            Ok(_) => {
                found.insert(key);
            }
            Err(S3Error::NotFound { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_moves_into_another_with_its_name() {
        let spec = RelocateSpec::into_folder(
            Mode::Move,
            "b",
            &["runs/day1/".into(), "runs/a.bin".into()],
            ("c", "archive/"),
        );
        assert_eq!(
            spec.sources,
            vec![
                Source::Prefix {
                    prefix: "runs/day1/".into(),
                    base: "runs/day1/".into(),
                    to: "archive/day1/".into()
                },
                Source::Object {
                    key: "runs/a.bin".into(),
                    to: "archive/a.bin".into()
                }
            ]
        );
        assert_eq!(
            spec.sources[0].destination("runs/day1/x/y.txt"),
            "archive/day1/x/y.txt"
        );
        assert_eq!(spec.problem(), None);
    }

    #[test]
    fn a_rename_keeps_the_folder_and_refuses_slashes_and_the_same_name() {
        let spec = RelocateSpec::rename("b", "runs/day1/", "day-one").unwrap();
        assert_eq!(spec.sources[0].destination("runs/day1/a"), "runs/day-one/a");
        let spec = RelocateSpec::rename("b", "runs/a.bin", "b.bin").unwrap();
        assert_eq!(
            spec.sources[0],
            Source::Object {
                key: "runs/a.bin".into(),
                to: "runs/b.bin".into()
            }
        );
        assert!(RelocateSpec::rename("b", "runs/a.bin", "x/y").is_err());
        assert!(RelocateSpec::rename("b", "runs/a.bin", "a.bin").is_err());
        assert!(RelocateSpec::rename("b", "runs/a.bin", " ").is_err());
    }

    #[test]
    fn a_folder_cannot_go_into_itself_nor_land_where_it_is() {
        let into_itself =
            RelocateSpec::into_folder(Mode::Move, "b", &["runs/".into()], ("b", "runs/old/"));
        assert!(into_itself.problem().unwrap().contains("into itself"));
        let same = RelocateSpec::into_folder(Mode::Copy, "b", &["runs/".into()], ("b", ""));
        assert!(same.problem().unwrap().contains("where it is"));
        // Into another bucket, the same place is fine.
        let other = RelocateSpec::into_folder(Mode::Copy, "b", &["runs/".into()], ("c", ""));
        assert_eq!(other.problem(), None);
        let change = RelocateSpec::in_place(
            "b",
            &["runs/".into()],
            CopyChanges {
                storage_class: Some("GLACIER".into()),
                headers: None,
            },
        );
        assert_eq!(change.problem(), None);
        assert_eq!(change.describe(), "Change s3://b/runs/ in place");
    }

    #[test]
    fn names_and_parents() {
        assert_eq!(parent_of("a/b/c.txt"), "a/b/");
        assert_eq!(parent_of("a/b/"), "a/");
        assert_eq!(parent_of("c.txt"), "");
        assert_eq!(name_of("a/b/"), "b");
        assert_eq!(name_of("a/b/c.txt"), "c.txt");
    }
}
