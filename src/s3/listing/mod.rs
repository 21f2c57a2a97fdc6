//! Listing objects as a stream of pages, fetched in the background.
//!
//! A listing runs as one task that sends each page over a bounded channel as soon as it arrives,
//! so front ends show the first rows after the first page. Dropping or stopping the handle
//! cancels the request in flight.

#[cfg(not(target_arch = "wasm32"))]
mod wide;

use super::connection::Connection;
use super::error::S3Error;
use super::key_encoding::Keys;
use super::paging::Pages;
use crate::runtime::{Events, Job, Notify};

/// S3's own cap on keys per ListObjectsV2 page.
pub const MAX_KEYS_PER_PAGE: i32 = 1000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListRequest {
    pub bucket: String,
    pub prefix: String,
    /// `Some("/")` lists one level (folders as common prefixes); `None` lists every key below.
    pub delimiter: Option<String>,
    /// Resume after this continuation token (a retry after a failed page).
    pub continuation_token: Option<String>,
}

impl ListRequest {
    pub fn folder(bucket: &str, prefix: &str) -> Self {
        Self {
            bucket: bucket.to_owned(),
            prefix: prefix.to_owned(),
            delimiter: Some("/".to_owned()),
            continuation_token: None,
        }
    }

    pub fn recursive(bucket: &str, prefix: &str) -> Self {
        Self {
            delimiter: None,
            ..Self::folder(bucket, prefix)
        }
    }
}

/// An object as a listing reports it, kept small: a prefix may hold millions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectEntry {
    pub key: String,
    pub size_bytes: u64,
    /// Seconds since the Unix epoch.
    pub last_modified_secs: i64,
    pub storage_class: StorageClass,
    /// As the listing gives it (quoted); what a copy is made of, for `x-amz-copy-source-if-match`.
    pub etag: Option<String>,
}

/// Storage classes as one byte, since every row carries one.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Default,
    Hash,
    serde::Serialize,
    serde::Deserialize,
)]
pub enum StorageClass {
    #[default]
    Standard,
    ReducedRedundancy,
    StandardIa,
    OnezoneIa,
    IntelligentTiering,
    GlacierIr,
    Glacier,
    DeepArchive,
    ExpressOnezone,
    Outposts,
    Other,
}

impl StorageClass {
    pub fn parse(s: &str) -> Self {
        match s {
            "" | "STANDARD" => Self::Standard,
            "REDUCED_REDUNDANCY" => Self::ReducedRedundancy,
            "STANDARD_IA" => Self::StandardIa,
            "ONEZONE_IA" => Self::OnezoneIa,
            "INTELLIGENT_TIERING" => Self::IntelligentTiering,
            "GLACIER_IR" => Self::GlacierIr,
            "GLACIER" => Self::Glacier,
            "DEEP_ARCHIVE" => Self::DeepArchive,
            "EXPRESS_ONEZONE" => Self::ExpressOnezone,
            "OUTPOSTS" => Self::Outposts,
            _ => Self::Other,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Standard => "STANDARD",
            Self::ReducedRedundancy => "REDUCED_REDUNDANCY",
            Self::StandardIa => "STANDARD_IA",
            Self::OnezoneIa => "ONEZONE_IA",
            Self::IntelligentTiering => "INTELLIGENT_TIERING",
            Self::GlacierIr => "GLACIER_IR",
            Self::Glacier => "GLACIER",
            Self::DeepArchive => "DEEP_ARCHIVE",
            Self::ExpressOnezone => "EXPRESS_ONEZONE",
            Self::Outposts => "OUTPOSTS",
            Self::Other => "OTHER",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListPage {
    /// Common prefixes, each ending in the delimiter.
    pub prefixes: Vec<String>,
    pub objects: Vec<ObjectEntry>,
}

#[derive(Debug)]
pub enum ListEvent {
    Page(ListPage),
    /// Every page arrived.
    Done,
    /// A page failed; the pages before it stand. Retry with `resume_token` to go on from there.
    Failed {
        error: S3Error,
        resume_token: Option<String>,
    },
}

/// A running listing. Dropping it stops the listing.
pub struct Listing(Job<ListEvent>);

impl Listing {
    /// Starts listing in the background; `notify` is called after each event is queued.
    pub fn start(connection: &Connection, request: ListRequest, notify: Notify) -> Self {
        let connection = connection.clone();
        Self(Job::start(4, notify, move |events| {
            list_pages(connection, request, events)
        }))
    }

    /// Events that have arrived, without waiting.
    pub fn try_next(&mut self) -> Option<ListEvent> {
        self.0.try_next()
    }

    /// The next event, waiting for it; `None` once the listing has ended.
    pub async fn next(&mut self) -> Option<ListEvent> {
        self.0.next().await
    }

    pub fn stop(&self) {
        self.0.stop();
    }
}

/// A recursive listing from its start goes wide where the layout allows (see
/// [`wide`]); the rest go page after page.
async fn list_pages(connection: Connection, request: ListRequest, events: Events<ListEvent>) {
    #[cfg(not(target_arch = "wasm32"))]
    if request.delimiter.is_none() && request.continuation_token.is_none() {
        return wide::list_recursive(connection, request, events).await;
    }
    list_serially(connection, request, events).await
}

/// One ListObjectsV2 page: its folders and objects, the next token, and whether more follow.
async fn fetch_page(
    connection: &Connection,
    bucket: &str,
    prefix: &str,
    delimiter: Option<&str>,
    continuation_token: Option<String>,
    start_after: Option<&str>,
) -> Result<(ListPage, Option<String>, bool), S3Error> {
    let output = connection
        .client
        .list_objects_v2()
        .bucket(bucket)
        .prefix(prefix)
        .set_delimiter(delimiter.map(str::to_owned))
        .set_continuation_token(continuation_token)
        .set_start_after(start_after.map(str::to_owned))
        .encoding_type(aws_sdk_s3::types::EncodingType::Url)
        .max_keys(MAX_KEYS_PER_PAGE)
        .send()
        .await
        .map_err(|err| connection.error(err, &connection.target().bucket(bucket)))?;
    let next = output.next_continuation_token().map(str::to_owned);
    let truncated = output.is_truncated().unwrap_or(false);
    Ok((page_from(output, prefix), next, truncated))
}

/// Page after page, each checked to go on past the one before.
async fn list_serially(
    connection: Connection,
    request: ListRequest,
    mut events: Events<ListEvent>,
) {
    let target = connection.target().bucket(&request.bucket);
    let what = target.clone().key(&request.prefix).describe();
    let mut pages = Pages::new(what.clone(), request.continuation_token.clone());
    // The greatest name listed so far: each page must go on past it, as S3's pages do.
    let mut last_listed: Option<String> = None;
    loop {
        let (bucket, prefix) = (&request.bucket, &request.prefix);
        let (delimiter, token) = (request.delimiter.as_deref(), pages.marker().cloned());
        let result = fetch_page(&connection, bucket, prefix, delimiter, token, None).await;
        let checked = result.and_then(|(page, next, truncated)| {
            let names = || page.objects.iter().map(|o| &o.key).chain(&page.prefixes);
            let goes_back = match (names().min(), &last_listed) {
                (Some(first), Some(last)) => first <= last,
                _ => false,
            };
            if goes_back {
                return Err(S3Error::Other {
                    what: what.clone(),
                    detail: "the server's listing goes back to names it listed already".into(),
                });
            }
            if let Some(greatest) = names().max() {
                last_listed = Some(greatest.clone());
            }
            Ok((page, next, truncated))
        });
        let (page, next, truncated) = match checked {
            Ok(checked) => checked,
            Err(error) => {
                let resume_token = pages.marker().cloned();
                events
                    .send(ListEvent::Failed {
                        error,
                        resume_token,
                    })
                    .await;
                return;
            }
        };
        if !events.send(ListEvent::Page(page)).await {
            return;
        }
        let resume_token = pages.marker().cloned();
        let event = match pages.advance(truncated, next) {
            Ok(true) => continue,
            Ok(false) => ListEvent::Done,
            Err(error) => ListEvent::Failed {
                error,
                resume_token,
            },
        };
        events.send(event).await;
        return;
    }
}

/// A page's folders and objects, keys decoded; names outside `prefix` (a server's fault) are
/// left out, so that nothing downstream takes them for names under it.
fn page_from(
    output: aws_sdk_s3::operation::list_objects_v2::ListObjectsV2Output,
    prefix: &str,
) -> ListPage {
    let keys = Keys::from_answer(output.encoding_type());
    let ours = |name: &String| {
        let inside = name.starts_with(prefix);
        if !inside {
            tracing::warn!(
                "the server listed {} under the prefix {}; it was left out",
                crate::format::escape_controls(name),
                crate::format::escape_controls(prefix)
            );
        }
        inside
    };
    let prefixes = output
        .common_prefixes
        .unwrap_or_default()
        .into_iter()
        .filter_map(|p| keys.key(&p.prefix?))
        .filter(ours)
        .collect();
    let objects = output
        .contents
        .unwrap_or_default()
        .into_iter()
        .filter_map(|o| {
            let key = keys.key(o.key.as_deref()?).filter(ours)?;
            Some(ObjectEntry {
                size_bytes: o.size.unwrap_or(0).max(0) as u64,
                last_modified_secs: o.last_modified.map(|t| t.secs()).unwrap_or(0),
                storage_class: o
                    .storage_class
                    .as_ref()
                    .map(|c| StorageClass::parse(c.as_str()))
                    .unwrap_or_default(),
                etag: o.e_tag,
                key,
            })
        })
        .collect();
    ListPage { prefixes, objects }
}

/// The objects under `prefix` from just after `start_after` through `through` (at least: the
/// last page may reach past it), as they are now: how a run checks the objects it is about to
/// delete still are what its scan saw.
pub async fn list_range(
    connection: &Connection,
    bucket: &str,
    prefix: &str,
    start_after: Option<&str>,
    through: &str,
) -> Result<Vec<ObjectEntry>, S3Error> {
    let target = connection.target().bucket(bucket);
    let mut pages = Pages::new(target.key(prefix).describe(), None);
    let mut found = Vec::new();
    loop {
        let token = pages.marker().cloned();
        let (page, next, truncated) =
            fetch_page(connection, bucket, prefix, None, token, start_after).await?;
        let past = page
            .objects
            .last()
            .is_some_and(|o| o.key.as_str() >= through);
        found.extend(page.objects);
        if past || !pages.advance(truncated, next)? {
            return Ok(found);
        }
    }
}

/// Lists everything `request` covers and collects it: for the command line and tests.
pub async fn list_all(connection: &Connection, request: ListRequest) -> Result<ListPage, S3Error> {
    let mut listing = Listing::start(connection, request, crate::runtime::no_notify());
    let mut all = ListPage {
        prefixes: Vec::new(),
        objects: Vec::new(),
    };
    while let Some(event) = listing.next().await {
        match event {
            ListEvent::Page(mut page) => {
                all.prefixes.append(&mut page.prefixes);
                all.objects.append(&mut page.objects);
            }
            ListEvent::Done => return Ok(all),
            ListEvent::Failed { error, .. } => return Err(error),
        }
    }
    Err(S3Error::Cancelled)
}
