//! The comparison: both sides listed, then only what differs: new at the source, changed, and
//! what exists only at the destination. Nothing is changed.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};

use aws_sdk_s3::operation::head_object::HeadObjectOutput;
use futures::StreamExt;

use super::{Direction, Place, SyncSpec};
use crate::runtime::{Job, Notify};
use crate::s3::listing::{ListEvent, ListRequest, Listing, StorageClass};
use crate::s3::object_io::ObjectRef;
use crate::s3::{Connection, S3Error};
use crate::transfer::TransferError;
use crate::transfer::checksum::Verdict;

/// A file or object on one side, by its path below the synced folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub relative: String,
    pub size_bytes: u64,
    /// Seconds since the Unix epoch: a file's modification time, an object's LastModified.
    pub modified_secs: i64,
    /// An object's ETag (quoted, as listed) and class; `None` and Standard for a file.
    pub etag: Option<String>,
    pub class: StorageClass,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Change {
    /// Only at the source: it is sent.
    New,
    /// On both sides, different: it is sent again.
    Changed,
    /// Only at the destination: deleted when the sync deletes, otherwise left.
    Extra,
}

impl Change {
    pub fn label(self) -> &'static str {
        match self {
            Self::New => "New",
            Self::Changed => "Changed",
            Self::Extra => "Only at the destination",
        }
    }
}

/// One difference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Action {
    pub change: Change,
    /// The entry at the source (new, changed) or at the destination (extra).
    pub found: Found,
    /// Why it counts as changed: "12 bytes, was 10", "newer here", "CRC32C differs".
    pub why: String,
}

/// What a sync would do, and what it found equal.
#[derive(Debug, Clone)]
pub struct Comparison {
    pub spec: SyncSpec,
    pub direction: Direction,
    /// Sorted by path.
    pub actions: Vec<Action>,
    pub unchanged: u64,
    pub unchanged_bytes: u64,
    /// Pairs of one size that `--checksum` could not compare (the object has no CRC): told
    /// apart by time instead.
    pub checksum_unavailable: u64,
    /// Paths the filters left out, on both sides.
    pub filtered_out: u64,
    /// Listing pages and HEAD requests the comparison made.
    pub requests: u64,
    /// Counts and bytes per kind, worked out once the actions are known (front ends read them
    /// every frame).
    counts: Vec<CountRow>,
}

/// One line of the comparison's table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountRow {
    pub change: Change,
    pub count: u64,
    pub bytes: u64,
}

impl Comparison {
    /// Counts and bytes per kind of change, in the table's order.
    pub fn count_rows(&self) -> &[CountRow] {
        &self.counts
    }

    /// Counts `actions` once they are all known.
    fn counted(mut self) -> Self {
        self.counts = [Change::New, Change::Changed, Change::Extra]
            .into_iter()
            .map(|change| {
                let of_kind = self.actions.iter().filter(|a| a.change == change);
                let (count, bytes) =
                    of_kind.fold((0, 0), |(n, b), a| (n + 1, b + a.found.size_bytes));
                CountRow {
                    change,
                    count,
                    bytes,
                }
            })
            .collect();
        self
    }

    /// How many files or objects are sent, and their bytes.
    pub fn sent(&self) -> (u64, u64) {
        let sent = self.counts.iter().filter(|r| r.change != Change::Extra);
        sent.fold((0, 0), |(n, b), r| (n + r.count, b + r.bytes))
    }

    /// How many exist only at the destination.
    pub fn extra_count(&self) -> u64 {
        self.counts
            .iter()
            .filter(|r| r.change == Change::Extra)
            .map(|r| r.count)
            .sum()
    }

    /// What is sent: new and changed.
    pub fn transfers(&self) -> impl Iterator<Item = &Action> {
        self.actions.iter().filter(|a| a.change != Change::Extra)
    }

    /// What exists only at the destination.
    pub fn extras(&self) -> impl Iterator<Item = &Action> {
        self.actions.iter().filter(|a| a.change == Change::Extra)
    }

    /// Whether running it would change nothing.
    pub fn is_in_step(&self) -> bool {
        self.sent().0 == 0 && (!self.spec.delete || self.extra_count() == 0)
    }

    /// "12 new (3.4 MiB), 2 changed (1.0 KiB), 5 only at the destination (deleted); 980 the same".
    pub fn summary(&self) -> String {
        use crate::format::{human_bytes, thousands};
        let rows = self.count_rows();
        let extra_fate = if self.spec.delete { "deleted" } else { "kept" };
        format!(
            "{} new ({}), {} changed ({}), {} only at the destination ({extra_fate}); {} the same",
            thousands(rows[0].count),
            human_bytes(rows[0].bytes),
            thousands(rows[1].count),
            human_bytes(rows[1].bytes),
            thousands(rows[2].count),
            thousands(self.unchanged),
        )
    }
}

/// Live counters of a comparison, and its stop switch.
#[derive(Debug, Default)]
pub struct CompareProgress {
    pub source_listed: AtomicU64,
    pub destination_listed: AtomicU64,
    pub checksums_compared: AtomicU64,
    pub requests: AtomicU64,
    pub stop: AtomicBool,
}

/// Lists both sides and compares them. Changes nothing.
pub async fn compare(
    connection: &Connection,
    spec: &SyncSpec,
    progress: &CompareProgress,
) -> Result<Comparison, TransferError> {
    let direction = spec
        .direction()
        .map_err(|reason| TransferError::Refused { reason })?;
    let (source, destination) = futures::try_join!(
        list_place(connection, &spec.source, &progress.source_listed, progress),
        list_place(
            connection,
            &spec.destination,
            &progress.destination_listed,
            progress
        ),
    )?;
    let before = source.len() + destination.len();
    let source: Vec<Found> = source
        .into_iter()
        .filter(|f| spec.filters.admits(&f.relative))
        .collect();
    let destination: HashMap<String, Found> = destination
        .into_iter()
        .filter(|f| spec.filters.admits(&f.relative))
        .map(|f| (f.relative.clone(), f))
        .collect();
    let filtered_out = (before - source.len() - destination.len()) as u64;
    let mut comparison = Comparison {
        spec: spec.clone(),
        direction,
        actions: Vec::new(),
        unchanged: 0,
        unchanged_bytes: 0,
        checksum_unavailable: 0,
        filtered_out,
        requests: 0,
        counts: Vec::new(),
    };
    let mut same_size = Vec::new();
    for found in &source {
        match destination.get(&found.relative) {
            None => comparison.actions.push(Action {
                change: Change::New,
                found: found.clone(),
                why: String::new(),
            }),
            Some(there) if there.size_bytes != found.size_bytes => {
                comparison.actions.push(Action {
                    change: Change::Changed,
                    found: found.clone(),
                    why: format!(
                        "{} bytes, was {}",
                        crate::format::thousands(found.size_bytes),
                        crate::format::thousands(there.size_bytes)
                    ),
                })
            }
            Some(there) => same_size.push((found.clone(), there.clone())),
        }
    }
    let sources: std::collections::HashSet<&str> =
        source.iter().map(|f| f.relative.as_str()).collect();
    for (relative, found) in &destination {
        if !sources.contains(relative.as_str()) {
            comparison.actions.push(Action {
                change: Change::Extra,
                found: found.clone(),
                why: String::new(),
            });
        }
    }
    for (found, why) in tell_apart(
        connection,
        spec,
        direction,
        same_size,
        progress,
        &mut comparison,
    )
    .await?
    {
        comparison.actions.push(Action {
            change: Change::Changed,
            found,
            why,
        });
    }
    comparison
        .actions
        .sort_by(|a, b| a.found.relative.cmp(&b.found.relative));
    comparison.requests = progress.requests.load(Relaxed);
    Ok(comparison.counted())
}

/// Of pairs of one size, those that differ, with why; the rest are counted as unchanged.
async fn tell_apart(
    connection: &Connection,
    spec: &SyncSpec,
    direction: Direction,
    pairs: Vec<(Found, Found)>,
    progress: &CompareProgress,
    comparison: &mut Comparison,
) -> Result<Vec<(Found, String)>, TransferError> {
    let by_time = |source: &Found, there: &Found| {
        (source.modified_secs > there.modified_secs).then(|| match direction {
            Direction::Upload => "newer here".to_owned(),
            Direction::Download | Direction::Copy => "newer at the source".to_owned(),
        })
    };
    let verdicts: Vec<(Found, Found, Option<Verdict>)> = if spec.checksum {
        let checks = pairs.into_iter().map(|(source, there)| async move {
            let verdict = checksum_verdict(connection, spec, &source, &there, progress).await;
            verdict.map(|v| (source, there, Some(v)))
        });
        futures::stream::iter(checks)
            .buffer_unordered(16)
            .collect::<Vec<_>>()
            .await
            .into_iter()
            .collect::<Result<_, _>>()?
    } else {
        pairs.into_iter().map(|(s, t)| (s, t, None)).collect()
    };
    let mut changed = Vec::new();
    for (source, there, verdict) in verdicts {
        let why = match verdict {
            Some(Verdict::Different { reason }) => Some(reason),
            Some(Verdict::Identical { .. }) => None,
            Some(Verdict::SizeOnly { .. }) => {
                comparison.checksum_unavailable += 1;
                by_time(&source, &there)
            }
            None => by_time(&source, &there),
        };
        match why {
            Some(why) => changed.push((source, why)),
            None => {
                comparison.unchanged += 1;
                comparison.unchanged_bytes += source.size_bytes;
            }
        }
    }
    Ok(changed)
}

/// Whether a pair of one size holds the same bytes, by the CRC the server stored: the local
/// file is read, the object is not downloaded.
async fn checksum_verdict(
    connection: &Connection,
    spec: &SyncSpec,
    source: &Found,
    there: &Found,
    progress: &CompareProgress,
) -> Result<Verdict, TransferError> {
    let head = |place: &Place| {
        let Place::Bucket { bucket, prefix } = place else {
            unreachable!("a HEAD is only asked of a bucket side")
        };
        let key = format!("{prefix}{}", source.relative);
        let (bucket, connection) = (bucket.clone(), connection.clone());
        async move {
            progress.requests.fetch_add(1, Relaxed);
            ObjectRef::new(&connection, &bucket, &key)
                .head_with_checksum()
                .await
        }
    };
    let local = |place: &Place| match place {
        Place::Local(root) => Some(root.join(&source.relative)),
        Place::Bucket { .. } => None,
    };
    let verdict = match (local(&spec.source), local(&spec.destination)) {
        (Some(path), None) => compare_file(path, head(&spec.destination).await?, there).await?,
        (None, Some(path)) => compare_file(path, head(&spec.source).await?, source).await?,
        _ => {
            let (a, b) = futures::try_join!(head(&spec.source), head(&spec.destination))?;
            compare_stored(&a, &b, source, there)
        }
    };
    progress.checksums_compared.fetch_add(1, Relaxed);
    Ok(verdict)
}

/// A file and an object by the object's stored CRC or, where it has none, by its ETag when that
/// is an MD5 (a single-part object's, which moto and many servers give instead).
async fn compare_file(
    path: std::path::PathBuf,
    head: HeadObjectOutput,
    object: &Found,
) -> Result<Verdict, TransferError> {
    let read = path.clone();
    let etag = object
        .etag
        .clone()
        .or_else(|| head.e_tag().map(str::to_owned));
    tokio::task::spawn_blocking(move || {
        let verdict = crate::transfer::checksum::compare_local(&read, &head)?;
        let md5 = etag.map(|e| e.trim_matches('"').to_ascii_lowercase());
        match (verdict, md5) {
            (Verdict::SizeOnly { .. }, Some(md5)) if md5.len() == 32 && !md5.contains('-') => {
                Ok(if md5_hex(&read)? == md5 {
                    Verdict::Identical { checksum: "MD5" }
                } else {
                    Verdict::Different {
                        reason: "the MD5 of the file is not the object's ETag".into(),
                    }
                })
            }
            (verdict, _) => Ok(verdict),
        }
    })
    .await
    .map_err(|e| TransferError::io(&path, std::io::Error::other(e)))?
    .map_err(|e| TransferError::io(&path, e))
}

fn md5_hex(path: &Path) -> std::io::Result<String> {
    use md5::Digest;
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let (mut hasher, mut buffer) = (md5::Md5::new(), vec![0u8; 1 << 20]);
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// Two objects by the checksums their HEADs show, else by single-part ETags (MD5s).
fn compare_stored(
    a: &HeadObjectOutput,
    b: &HeadObjectOutput,
    source: &Found,
    there: &Found,
) -> Verdict {
    fn crcs(h: &HeadObjectOutput) -> [(&'static str, Option<&str>); 3] {
        [
            ("CRC32C", h.checksum_crc32_c()),
            ("CRC32", h.checksum_crc32()),
            ("CRC64NVME", h.checksum_crc64_nvme()),
        ]
    }
    for ((name, x), (_, y)) in crcs(a).into_iter().zip(crcs(b)) {
        if let (Some(x), Some(y)) = (x, y) {
            // Composite values of different part layouts cannot be compared.
            if x.contains('-') != y.contains('-') {
                continue;
            }
            return if x == y {
                Verdict::Identical { checksum: name }
            } else {
                Verdict::Different {
                    reason: format!("the {name} checksums differ"),
                }
            };
        }
    }
    match (&source.etag, &there.etag) {
        (Some(x), Some(y)) if !x.contains('-') && !y.contains('-') => {
            if x == y {
                Verdict::Identical { checksum: "MD5" }
            } else {
                Verdict::Different {
                    reason: "the MD5 ETags differ".into(),
                }
            }
        }
        _ => Verdict::SizeOnly {
            why: "the objects carry no checksum to compare".into(),
        },
    }
}

/// Every file or object under a place, with paths relative to it. A folder that does not exist
/// (yet) is empty; folder markers (`a/`) are not files.
async fn list_place(
    connection: &Connection,
    place: &Place,
    counter: &AtomicU64,
    progress: &CompareProgress,
) -> Result<Vec<Found>, TransferError> {
    match place {
        Place::Local(root) => {
            let root = root.clone();
            let found = tokio::task::spawn_blocking(move || list_folder(&root))
                .await
                .map_err(|e| TransferError::io(Path::new("."), std::io::Error::other(e)))??;
            counter.store(found.len() as u64, Relaxed);
            Ok(found)
        }
        Place::Bucket { bucket, prefix } => {
            let request = ListRequest::recursive(bucket, prefix);
            let mut listing = Listing::start(connection, request, crate::runtime::no_notify());
            let mut found = Vec::new();
            loop {
                if progress.stop.load(Relaxed) {
                    return Err(S3Error::Cancelled.into());
                }
                let page = match listing.next().await {
                    Some(ListEvent::Page(page)) => page,
                    Some(ListEvent::Done) => return Ok(found),
                    Some(ListEvent::Failed { error, .. }) => return Err(error.into()),
                    None => return Err(S3Error::Cancelled.into()),
                };
                progress.requests.fetch_add(1, Relaxed);
                for object in page.objects {
                    let Some(relative) = object.key.strip_prefix(prefix.as_str()) else {
                        continue;
                    };
                    if relative.is_empty() || relative.ends_with('/') {
                        continue;
                    }
                    found.push(Found {
                        relative: relative.to_owned(),
                        size_bytes: object.size_bytes,
                        modified_secs: object.last_modified_secs,
                        etag: object.etag,
                        class: object.storage_class,
                    });
                    counter.fetch_add(1, Relaxed);
                }
            }
        }
    }
}

/// The files below `root` (symbolic links are not followed), or none if it does not exist.
pub fn list_folder(root: &Path) -> Result<Vec<Found>, TransferError> {
    if !root.exists() {
        return Ok(Vec::new());
    }
    crate::transfer::walk_files(root)?
        .into_iter()
        .map(|(path, relative)| {
            let found = list_one(&path)?;
            Ok(Found { relative, ..found })
        })
        .collect()
}

/// One file's size and modification time; a symbolic link is refused, not followed.
pub fn list_one(path: &Path) -> Result<Found, TransferError> {
    let meta = std::fs::symlink_metadata(path).map_err(|e| TransferError::io(path, e))?;
    if !meta.is_file() {
        let not_file = std::io::Error::other("not a plain file (a link or a folder)");
        return Err(TransferError::io(path, not_file));
    }
    let modified_secs = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_secs() as i64);
    Ok(Found {
        relative: String::new(),
        size_bytes: meta.len(),
        modified_secs,
        etag: None,
        class: StorageClass::Standard,
    })
}

/// What a comparison running in the background tells its window.
#[derive(Debug)]
pub enum CompareEvent {
    /// Entries listed so far on each side.
    Listed {
        source: u64,
        destination: u64,
    },
    Done(Box<Comparison>),
    Failed(TransferError),
}

/// A comparison as the GUI holds it: events, and a stop that drops it.
pub struct CompareJob(Job<CompareEvent>);

impl CompareJob {
    pub fn start(connection: &Connection, spec: SyncSpec, notify: Notify) -> Self {
        let connection = connection.clone();
        Self(Job::start(16, notify, move |mut events| async move {
            let progress = Arc::new(CompareProgress::default());
            let work = compare(&connection, &spec, &progress);
            let snapshot = || {
                (
                    progress.source_listed.load(Relaxed),
                    progress.destination_listed.load(Relaxed),
                )
            };
            let listed = |(source, destination)| CompareEvent::Listed {
                source,
                destination,
            };
            let event = match events.progress_while(work, snapshot, listed).await {
                Ok(comparison) => CompareEvent::Done(Box::new(comparison)),
                Err(e) => CompareEvent::Failed(e),
            };
            events.send(event).await;
        }))
    }

    pub fn try_next(&mut self) -> Option<CompareEvent> {
        self.0.try_next()
    }

    pub fn stop(&self) {
        self.0.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(relative: &str, size: u64, secs: i64) -> Found {
        Found {
            relative: relative.into(),
            size_bytes: size,
            modified_secs: secs,
            etag: None,
            class: StorageClass::Standard,
        }
    }

    #[test]
    fn a_folder_that_does_not_exist_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        assert!(list_folder(&dir.path().join("missing")).unwrap().is_empty());
        std::fs::create_dir_all(dir.path().join("a/b")).unwrap();
        std::fs::write(dir.path().join("a/b/c.txt"), b"12345").unwrap();
        let listed = list_folder(dir.path()).unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].relative, "a/b/c.txt");
        assert_eq!(listed[0].size_bytes, 5);
    }

    #[test]
    fn rows_count_each_kind_with_its_bytes() {
        let spec = SyncSpec::new(Place::Local("x".into()), Place::bucket("b", ""));
        let comparison = Comparison {
            spec,
            direction: Direction::Upload,
            actions: vec![
                Action {
                    change: Change::New,
                    found: found("a", 10, 0),
                    why: String::new(),
                },
                Action {
                    change: Change::Changed,
                    found: found("b", 5, 0),
                    why: "newer here".into(),
                },
                Action {
                    change: Change::Extra,
                    found: found("c", 7, 0),
                    why: String::new(),
                },
            ],
            unchanged: 3,
            unchanged_bytes: 30,
            checksum_unavailable: 0,
            filtered_out: 0,
            requests: 2,
            counts: Vec::new(),
        }
        .counted();
        let rows = comparison.count_rows();
        assert_eq!((rows[0].count, rows[0].bytes), (1, 10));
        assert_eq!((rows[2].count, rows[2].bytes), (1, 7));
        assert!(!comparison.is_in_step());
        assert_eq!(
            comparison.summary(),
            "1 new (10 B), 1 changed (5 B), 1 only at the destination (kept); 3 the same"
        );
    }
}
