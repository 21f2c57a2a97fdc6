//! Where the bytes are, and what they cost: a streamed, stoppable scan of a bucket or prefix that
//! totals each subfolder by storage class, with noncurrent versions, delete markers and
//! incomplete multipart uploads where the endpoint lists them, and the largest objects. The GUI's
//! Sizes window and `skiff du` run it.

mod report;

use std::collections::{BTreeMap, BinaryHeap};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};

pub use report::{FolderRow, folder_rows, to_csv, to_json};

use crate::pricing::PriceTable;
use crate::runtime::{Job, Notify};
use crate::s3::listing::{ListEvent, ListRequest, Listing, StorageClass};
use crate::s3::{Connection, S3Error};

/// What to scan and how finely.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SizesRequest {
    pub bucket: String,
    /// Empty, or a folder ending in `/`.
    pub prefix: String,
    /// How many folder levels below the prefix get a row of their own (at least 1).
    pub depth: usize,
    /// List versions (noncurrent versions and delete markers), where the endpoint can.
    pub versions: bool,
    /// How many of the largest objects to keep.
    pub largest: usize,
}

impl SizesRequest {
    pub fn new(bucket: &str, prefix: &str) -> Self {
        let prefix = if prefix.is_empty() || prefix.ends_with('/') {
            prefix.to_owned()
        } else {
            format!("{prefix}/")
        };
        Self {
            bucket: bucket.to_owned(),
            prefix,
            depth: 1,
            versions: false,
            largest: 20,
        }
    }

    /// The row a key below the prefix counts in: its first `depth` folders (`train/`,
    /// `train/2024/`), or "" for an object directly in the prefix.
    pub fn folder_of<'k>(&self, key: &'k str) -> &'k str {
        let relative = key.strip_prefix(self.prefix.as_str()).unwrap_or(key);
        let mut end = 0;
        for (levels, (i, _)) in relative.match_indices('/').enumerate() {
            if levels == self.depth.max(1) {
                break;
            }
            end = i + 1;
        }
        &relative[..end]
    }
}

/// A count of objects and their bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub count: u64,
    pub bytes: u64,
}

impl Tally {
    fn add(&mut self, bytes: u64) {
        self.count += 1;
        self.bytes += bytes;
    }

    fn merge(&mut self, other: Tally) {
        self.count += other.count;
        self.bytes += other.bytes;
    }
}

/// One row: a folder (or the whole scan), split by class.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FolderSizes {
    /// Relative to the prefix, ending in `/`; "" for the objects directly in it.
    pub folder: String,
    pub current: BTreeMap<StorageClass, Tally>,
    pub noncurrent: BTreeMap<StorageClass, Tally>,
    pub delete_markers: u64,
    /// Incomplete multipart uploads, by the bytes of their parts.
    pub uploads: Tally,
}

impl FolderSizes {
    pub fn current_total(&self) -> Tally {
        sum(&self.current)
    }

    pub fn noncurrent_total(&self) -> Tally {
        sum(&self.noncurrent)
    }

    /// Every byte stored and billed: current, noncurrent and the parts of incomplete uploads.
    pub fn stored_bytes(&self) -> u64 {
        self.current_total().bytes + self.noncurrent_total().bytes + self.uploads.bytes
    }

    /// The monthly storage estimate (parts of uploads at STANDARD's price), and whether some
    /// bytes are in a class the table does not price (then left out).
    pub fn monthly_usd(&self, prices: &PriceTable) -> (f64, bool) {
        let (mut usd, mut unpriced) = (0.0, false);
        let uploads = [(StorageClass::Standard, self.uploads)];
        let all = self.current.iter().chain(&self.noncurrent);
        for (class, tally) in all.map(|(c, t)| (*c, *t)).chain(uploads) {
            match prices.monthly_usd(tally.bytes, class) {
                Some(v) => usd += v,
                None => unpriced |= tally.bytes > 0,
            }
        }
        (usd, unpriced)
    }

    fn merge(&mut self, other: &FolderSizes) {
        for (class, tally) in &other.current {
            self.current.entry(*class).or_default().merge(*tally);
        }
        for (class, tally) in &other.noncurrent {
            self.noncurrent.entry(*class).or_default().merge(*tally);
        }
        self.delete_markers += other.delete_markers;
        self.uploads.merge(other.uploads);
    }
}

fn sum(by_class: &BTreeMap<StorageClass, Tally>) -> Tally {
    by_class.values().fold(Tally::default(), |mut all, t| {
        all.merge(*t);
        all
    })
}

/// An object among the largest.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Largest {
    pub size_bytes: u64,
    pub key: String,
    pub class: StorageClass,
}

/// What a scan found (so far, while it runs).
#[derive(Debug, Clone, PartialEq)]
pub struct Sizes {
    pub request: SizesRequest,
    /// By folder name.
    pub folders: BTreeMap<String, FolderSizes>,
    /// Largest first.
    pub largest: Vec<Largest>,
    /// Whether noncurrent versions and delete markers were listed (asked, and the endpoint
    /// lists versions).
    pub versions_listed: bool,
    /// Whether the endpoint listed incomplete multipart uploads.
    pub uploads_listed: bool,
    /// Requests the scan made (every one a LIST).
    pub requests: u64,
    /// Every page arrived (false while running, or when stopped).
    pub complete: bool,
}

impl Sizes {
    fn new(request: &SizesRequest) -> Self {
        Self {
            request: request.clone(),
            folders: BTreeMap::new(),
            largest: Vec::new(),
            versions_listed: false,
            uploads_listed: false,
            requests: 0,
            complete: false,
        }
    }

    /// Every folder's row added up.
    pub fn total(&self) -> FolderSizes {
        let mut total = FolderSizes::default();
        for folder in self.folders.values() {
            total.merge(folder);
        }
        total
    }

    /// Folders, most stored bytes first.
    pub fn by_size(&self) -> Vec<&FolderSizes> {
        let mut rows: Vec<&FolderSizes> = self.folders.values().collect();
        rows.sort_by(|a, b| {
            (b.stored_bytes().cmp(&a.stored_bytes())).then(a.folder.cmp(&b.folder))
        });
        rows
    }

    fn folder(&mut self, key: &str) -> &mut FolderSizes {
        let name = self.request.folder_of(key);
        if !self.folders.contains_key(name) {
            let row = FolderSizes {
                folder: name.to_owned(),
                ..FolderSizes::default()
            };
            self.folders.insert(name.to_owned(), row);
        }
        self.folders.get_mut(name).expect("inserted above")
    }
}

/// Live counters of a scan, and its stop switch.
#[derive(Debug, Default)]
pub struct SizesProgress {
    pub entries: AtomicU64,
    pub bytes: AtomicU64,
    pub requests: AtomicU64,
    pub stop: AtomicBool,
}

/// The scan's running state: totals, and a min-heap of the largest objects.
struct Scanner {
    sizes: Sizes,
    largest: BinaryHeap<std::cmp::Reverse<Largest>>,
}

impl Scanner {
    fn object(&mut self, key: &str, bytes: u64, class: StorageClass, current: bool) {
        let folder = self.sizes.folder(key);
        let by_class = if current {
            &mut folder.current
        } else {
            &mut folder.noncurrent
        };
        by_class.entry(class).or_default().add(bytes);
        if current && self.sizes.request.largest > 0 {
            let entry = Largest {
                size_bytes: bytes,
                key: key.to_owned(),
                class,
            };
            if self.largest.len() < self.sizes.request.largest {
                self.largest.push(std::cmp::Reverse(entry));
            } else if self
                .largest
                .peek()
                .is_some_and(|smallest| smallest.0 < entry)
            {
                self.largest.pop();
                self.largest.push(std::cmp::Reverse(entry));
            }
        }
    }

    fn snapshot(&self) -> Sizes {
        let mut sizes = self.sizes.clone();
        let mut largest: Vec<Largest> = self.largest.iter().map(|r| r.0.clone()).collect();
        largest.sort_by(|a, b| b.cmp(a));
        sizes.largest = largest;
        sizes
    }
}

/// Scans `request`, folding each page into the totals as it arrives; `shared` holds them for a
/// front end to read while it runs.
pub async fn scan(
    connection: &Connection,
    request: &SizesRequest,
    progress: &SizesProgress,
) -> Result<Sizes, S3Error> {
    let shared = Mutex::new(Scanner {
        sizes: Sizes::new(request),
        largest: BinaryHeap::new(),
    });
    scan_into(connection, request, progress, &shared).await?;
    let scanner = shared.lock().expect("sizes lock");
    Ok(scanner.snapshot())
}

async fn scan_into(
    connection: &Connection,
    request: &SizesRequest,
    progress: &SizesProgress,
    shared: &Mutex<Scanner>,
) -> Result<(), S3Error> {
    crate::s3::buckets::head_bucket(connection, &request.bucket).await?;
    let stop = || {
        if progress.stop.load(Relaxed) {
            Err(S3Error::Cancelled)
        } else {
            Ok(())
        }
    };
    let mut versions_listed = false;
    if request.versions {
        let listed = crate::s3::versions::list_versions(
            connection,
            &request.bucket,
            &request.prefix,
            |page| {
                progress.requests.fetch_add(1, Relaxed);
                let mut scanner = shared.lock().expect("sizes lock");
                for v in page {
                    progress.entries.fetch_add(1, Relaxed);
                    progress.bytes.fetch_add(v.size_bytes, Relaxed);
                    if v.is_delete_marker {
                        scanner.sizes.folder(&v.key).delete_markers += 1;
                    } else {
                        scanner.object(&v.key, v.size_bytes, v.storage_class, v.is_latest);
                    }
                }
                stop()
            },
        )
        .await;
        match listed {
            Ok(()) => versions_listed = true,
            // Listed nothing, or a server without versions: objects only.
            Err(S3Error::Unsupported { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    if !versions_listed {
        list_objects(connection, request, progress, shared).await?;
    }
    stop()?;
    let mut uploads = Vec::new();
    let listed =
        crate::s3::uploads::list_uploads(connection, &request.bucket, &request.prefix, |page| {
            progress.requests.fetch_add(1, Relaxed);
            uploads.extend(page);
            stop()
        })
        .await;
    let uploads_listed = match listed {
        Ok(()) => true,
        Err(S3Error::Unsupported { .. }) => false,
        Err(e) => return Err(e),
    };
    upload_bytes(connection, request, uploads, progress, shared).await;
    let mut scanner = shared.lock().expect("sizes lock");
    scanner.sizes.versions_listed = versions_listed;
    scanner.sizes.uploads_listed = uploads_listed;
    scanner.sizes.requests = progress.requests.load(Relaxed);
    scanner.sizes.complete = true;
    Ok(())
}

async fn list_objects(
    connection: &Connection,
    request: &SizesRequest,
    progress: &SizesProgress,
    shared: &Mutex<Scanner>,
) -> Result<(), S3Error> {
    let list = ListRequest::recursive(&request.bucket, &request.prefix);
    let mut listing = Listing::start(connection, list, crate::runtime::no_notify());
    loop {
        if progress.stop.load(Relaxed) {
            return Err(S3Error::Cancelled);
        }
        let page = match listing.next().await {
            Some(ListEvent::Page(page)) => page,
            Some(ListEvent::Done) => return Ok(()),
            Some(ListEvent::Failed { error, .. }) => return Err(error),
            None => return Err(S3Error::Cancelled),
        };
        progress.requests.fetch_add(1, Relaxed);
        let mut scanner = shared.lock().expect("sizes lock");
        for o in page.objects {
            progress.entries.fetch_add(1, Relaxed);
            progress.bytes.fetch_add(o.size_bytes, Relaxed);
            scanner.object(&o.key, o.size_bytes, o.storage_class, true);
        }
    }
}

/// Counts each incomplete upload in its folder, with the bytes of its parts where the server
/// lists them (one ListParts each, 8 at a time).
async fn upload_bytes(
    connection: &Connection,
    request: &SizesRequest,
    uploads: Vec<crate::s3::uploads::UploadEntry>,
    progress: &SizesProgress,
    shared: &Mutex<Scanner>,
) {
    use futures::StreamExt;
    let sizes = uploads.into_iter().map(|upload| async move {
        let parts = crate::s3::uploads::stored_parts(connection, &request.bucket, &upload).await;
        (upload.key, parts)
    });
    let mut found = futures::stream::iter(sizes).buffer_unordered(8);
    while let Some((key, parts)) = found.next().await {
        progress.requests.fetch_add(1, Relaxed);
        let mut scanner = shared.lock().expect("sizes lock");
        let uploads = &mut scanner.sizes.folder(&key).uploads;
        uploads.count += 1;
        uploads.bytes += parts.map_or(0, |(_, bytes)| bytes);
    }
}

/// What a scan running in the background tells its window.
#[derive(Debug)]
pub enum SizesEvent {
    /// The totals so far, with the entries and bytes seen.
    Progress(Box<Sizes>),
    Done(Box<Sizes>),
    Failed(S3Error),
}

/// A scan as the GUI holds it; dropping it stops the scan.
pub struct SizesJob {
    job: Job<SizesEvent>,
    progress: Arc<SizesProgress>,
}

impl SizesJob {
    pub fn start(connection: &Connection, request: SizesRequest, notify: Notify) -> Self {
        let connection = connection.clone();
        let progress = Arc::new(SizesProgress::default());
        let counters = progress.clone();
        let job = Job::start(8, notify, move |mut events| async move {
            let shared = Mutex::new(Scanner {
                sizes: Sizes::new(&request),
                largest: BinaryHeap::new(),
            });
            let work = scan_into(&connection, &request, &counters, &shared);
            let seen = || counters.entries.load(Relaxed);
            let partial = |_| SizesEvent::Progress(Box::new(snapshot(&shared, &counters)));
            let result = events.progress_while(work, seen, partial).await;
            let event = match result {
                Ok(()) => SizesEvent::Done(Box::new(snapshot(&shared, &counters))),
                // A stop keeps what was found, marked incomplete.
                Err(S3Error::Cancelled) => SizesEvent::Done(Box::new(snapshot(&shared, &counters))),
                Err(e) => SizesEvent::Failed(e),
            };
            events.send(event).await;
        });
        Self { job, progress }
    }

    pub fn try_next(&mut self) -> Option<SizesEvent> {
        self.job.try_next()
    }

    pub fn progress(&self) -> &SizesProgress {
        &self.progress
    }

    /// Ends the scan at the next page; what it found so far arrives as its result.
    pub fn stop(&self) {
        self.progress.stop.store(true, Relaxed);
    }
}

fn snapshot(shared: &Mutex<Scanner>, progress: &SizesProgress) -> Sizes {
    let mut sizes = shared.lock().expect("sizes lock").snapshot();
    sizes.requests = progress.requests.load(Relaxed);
    sizes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_key_counts_in_its_folder_at_the_depth_asked() {
        let mut request = SizesRequest::new("b", "data");
        assert_eq!(request.prefix, "data/");
        assert_eq!(request.folder_of("data/train/2024/a.parquet"), "train/");
        assert_eq!(request.folder_of("data/top.csv"), "");
        request.depth = 2;
        assert_eq!(
            request.folder_of("data/train/2024/a.parquet"),
            "train/2024/"
        );
        assert_eq!(request.folder_of("data/train/a.parquet"), "train/");
    }

    #[test]
    fn the_largest_are_kept_and_totals_add_up() {
        let mut request = SizesRequest::new("b", "");
        request.largest = 2;
        let mut scanner = Scanner {
            sizes: Sizes::new(&request),
            largest: BinaryHeap::new(),
        };
        for (key, size) in [("a/1", 5), ("a/2", 50), ("b/1", 7), ("top", 20)] {
            scanner.object(key, size, StorageClass::Standard, true);
        }
        scanner.object("a/2", 40, StorageClass::GlacierIr, false);
        let sizes = scanner.snapshot();
        let keys: Vec<&str> = sizes.largest.iter().map(|l| l.key.as_str()).collect();
        assert_eq!(keys, ["a/2", "top"]);
        let total = sizes.total();
        assert_eq!(
            total.current_total(),
            Tally {
                count: 4,
                bytes: 82
            }
        );
        assert_eq!(total.stored_bytes(), 122);
        assert_eq!(sizes.by_size()[0].folder, "a/");
        let (usd, unpriced) = sizes.folders["a/"].monthly_usd(&PriceTable::default());
        assert!(!unpriced);
        assert!((usd - (55.0 / 1e9 * 0.023 + 40.0 / 1e9 * 0.004)).abs() < 1e-15);
    }
}
