//! A recursive listing that is not one page at a time. Over a 40 ms link, 100,000 keys listed
//! page after page cost 100 round trips; when the first page shows the keys sit in large
//! subfolders (the one it ends in fills half of it), the rest of that subfolder and every later
//! subfolder are listed at once, [`WIDTH`] at a time, while a listing with a delimiter finds
//! them. Pages still come out in key order: a subfolder's pages wait for those before it, a few
//! pages at most.
//!
//! Many small subfolders (a page spanning several) are listed page after page as before: one
//! request per subfolder would cost more round trips than it saves.

use tokio::sync::mpsc;

use super::{ListEvent, ListPage, ListRequest, fetch_page, list_serially};
use crate::runtime::Events;
use crate::s3::connection::Connection;
use crate::s3::error::S3Error;
use crate::s3::paging::Pages;

/// Subfolders listed at once.
pub const WIDTH: usize = 16;
/// Pages a subfolder may list ahead of its turn.
const AHEAD: usize = 4;

/// Past the keys that start with a folder's name, so that a listing with a delimiter starting
/// after it goes on with the next name. StartAfter cannot name the exact end: a key that goes on
/// past U+10FFFF rolls up into the folder again, and [`find_segments`] drops it.
const PAST: char = '\u{10FFFF}';

/// A run of the listing in key order: objects beside the folders, or one folder's pages.
enum Segment {
    Objects(ListPage),
    Folder(mpsc::Receiver<Result<ListPage, S3Error>>),
}

impl Segment {
    /// A folder whose listing is only this failure.
    fn failed(error: S3Error) -> Self {
        let (tell, pages) = mpsc::channel(1);
        let _ = tell.try_send(Err(error));
        Self::Folder(pages)
    }
}

/// A failure in a listing that goes wide, which a retry starts over: its pages come from
/// several listings at once, so no one token resumes it.
fn from_the_start(error: S3Error) -> ListEvent {
    ListEvent::Failed {
        error,
        resume_token: None,
    }
}

pub(super) async fn list_recursive(
    connection: Connection,
    request: ListRequest,
    mut events: Events<ListEvent>,
) {
    let (bucket, prefix) = (&request.bucket, &request.prefix);
    let first = fetch_page(&connection, bucket, prefix, None, None, None).await;
    let (page, next, truncated) = match first {
        Ok(first) => first,
        Err(error) => {
            events.send(from_the_start(error)).await;
            return;
        }
    };
    let folder = truncated.then(|| folder_holding(&page, prefix)).flatten();
    let last = page.objects.last().map(|o| o.key.clone());
    if !events.send(ListEvent::Page(page)).await {
        return;
    }
    if !truncated {
        events.send(ListEvent::Done).await;
        return;
    }
    let (Some(folder), Some(last)) = (folder, last) else {
        let rest = ListRequest {
            continuation_token: next,
            ..request
        };
        return list_serially(connection, rest, events).await;
    };
    let (segments, mut ordered) = mpsc::channel(WIDTH);
    tokio::spawn(find_segments(
        connection,
        request.clone(),
        (folder, last),
        segments,
    ));
    while let Some(segment) = ordered.recv().await {
        let mut pages = match segment {
            Segment::Objects(page) => {
                if !events.send(ListEvent::Page(page)).await {
                    return;
                }
                continue;
            }
            Segment::Folder(pages) => pages,
        };
        while let Some(page) = pages.recv().await {
            let event = match page {
                Ok(page) => ListEvent::Page(page),
                Err(error) => {
                    events.send(from_the_start(error)).await;
                    return;
                }
            };
            if !events.send(event).await {
                return;
            }
        }
    }
    events.send(ListEvent::Done).await;
}

/// The folder (below `prefix`) the page ends in, when it holds at least half the page: a folder
/// that large goes on past the page, and so, likely, do the ones after it.
fn folder_holding(page: &ListPage, prefix: &str) -> Option<String> {
    let last = page.objects.last()?;
    let below = last.key.strip_prefix(prefix)?;
    let folder = format!("{prefix}{}/", below.split_once('/')?.0);
    let inside = (page.objects.iter().rev())
        .take_while(|o| o.key.starts_with(&folder))
        .count();
    (inside * 2 >= page.objects.len()).then_some(folder)
}

/// Sends, in key order, the rest of `folder` after `last`, then every object and folder after
/// it one level below the request's prefix, each folder listed by a task of its own.
async fn find_segments(
    connection: Connection,
    request: ListRequest,
    (folder, last): (String, String),
    segments: mpsc::Sender<Segment>,
) {
    let rest = spawn_folder(&connection, &request.bucket, folder.clone(), Some(last));
    if segments.send(Segment::Folder(rest)).await.is_err() {
        return;
    }
    let (bucket, prefix) = (&request.bucket, &request.prefix);
    let what = connection.target().bucket(bucket).key(prefix).describe();
    let mut pages = Pages::new(what, None);
    let after = format!("{folder}{PAST}");
    loop {
        let (token, delimiter) = (pages.marker().cloned(), Some("/"));
        let start_after = token.is_none().then_some(after.as_str());
        let fetched = fetch_page(&connection, bucket, prefix, delimiter, token, start_after).await;
        let (mut page, next, truncated) = match fetched {
            Ok(fetched) => fetched,
            Err(error) => {
                let _ = segments.send(Segment::failed(error)).await;
                return;
            }
        };
        // A key that goes on past U+10FFFF in the first folder rolls up into that folder
        // again; its rest is already being listed.
        page.prefixes.retain(|p| p != &folder);
        for segment in in_order(page, |folder| {
            spawn_folder(&connection, bucket, folder, None)
        }) {
            if segments.send(segment).await.is_err() {
                return;
            }
        }
        match pages.advance(truncated, next) {
            Ok(true) => {}
            Ok(false) => return,
            Err(error) => {
                let _ = segments.send(Segment::failed(error)).await;
                return;
            }
        }
    }
}

/// A page listed with a delimiter as segments in name order: runs of objects between folders,
/// each folder as `open` starts it.
fn in_order(
    page: ListPage,
    mut open: impl FnMut(String) -> mpsc::Receiver<Result<ListPage, S3Error>>,
) -> Vec<Segment> {
    let mut segments = Vec::new();
    let mut objects = page.objects.into_iter().peekable();
    let take_before = |objects: &mut std::iter::Peekable<_>, name: Option<&String>| {
        let mut run = Vec::new();
        while let Some(o) =
            objects.next_if(|o: &super::ObjectEntry| name.is_none_or(|name| &o.key < name))
        {
            run.push(o);
        }
        run
    };
    for folder in page.prefixes {
        let run = take_before(&mut objects, Some(&folder));
        if !run.is_empty() {
            segments.push(Segment::Objects(ListPage {
                prefixes: Vec::new(),
                objects: run,
            }));
        }
        segments.push(Segment::Folder(open(folder)));
    }
    let run = take_before(&mut objects, None);
    if !run.is_empty() {
        segments.push(Segment::Objects(ListPage {
            prefixes: Vec::new(),
            objects: run,
        }));
    }
    segments
}

/// Lists every key under `folder` (after `start_after`) in a task of its own, a few pages
/// ahead of whoever reads them.
fn spawn_folder(
    connection: &Connection,
    bucket: &str,
    folder: String,
    start_after: Option<String>,
) -> mpsc::Receiver<Result<ListPage, S3Error>> {
    let (tell, pages) = mpsc::channel(AHEAD);
    let (connection, bucket) = (connection.clone(), bucket.to_owned());
    tokio::spawn(async move {
        let what = connection.target().bucket(&bucket).key(&folder).describe();
        let mut pages = Pages::new(what, None);
        loop {
            let token = pages.marker().cloned();
            let after = start_after.as_deref().filter(|_| token.is_none());
            let fetched = fetch_page(&connection, &bucket, &folder, None, token, after).await;
            let (page, next, truncated) = match fetched {
                Ok(fetched) => fetched,
                Err(error) => {
                    let _ = tell.send(Err(error)).await;
                    return;
                }
            };
            if tell.send(Ok(page)).await.is_err() {
                return;
            }
            match pages.advance(truncated, next) {
                Ok(true) => {}
                Ok(false) => return,
                Err(error) => {
                    let _ = tell.send(Err(error)).await;
                    return;
                }
            }
        }
    });
    pages
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::s3::listing::ObjectEntry;

    fn page(keys: &[&str], prefixes: &[&str]) -> ListPage {
        ListPage {
            prefixes: prefixes.iter().map(|p| p.to_string()).collect(),
            objects: keys
                .iter()
                .map(|k| ObjectEntry {
                    key: k.to_string(),
                    size_bytes: 0,
                    last_modified_secs: 0,
                    storage_class: Default::default(),
                    etag: None,
                })
                .collect(),
        }
    }

    #[test]
    fn a_page_inside_one_folder_names_it() {
        let inside = page(&["d/a/1", "d/a/2"], &[]);
        assert_eq!(folder_holding(&inside, "d/").as_deref(), Some("d/a/"));
        // Small folders, a key or two each: page after page.
        let across = page(&["d/a/1", "d/b/1", "d/c/1", "d/c/2", "d/e/1"], &[]);
        assert_eq!(folder_holding(&across, "d/"), None);
        let top = page(&["d/x", "d/y"], &[]);
        assert_eq!(folder_holding(&top, "d/"), None);
        // `d/a-1` sorts before `d/a/…` and is not in the folder, which still holds most.
        let beside = page(&["d/a-1", "d/a/2", "d/a/3"], &[]);
        assert_eq!(folder_holding(&beside, "d/").as_deref(), Some("d/a/"));
    }

    #[test]
    fn objects_and_folders_keep_name_order() {
        let listed = page(&["p/a-1", "p/b", "p/c0", "p/z"], &["p/a/", "p/c/", "p/d/"]);
        let mut opened = Vec::new();
        let segments = in_order(listed, |folder| {
            opened.push(folder);
            mpsc::channel(1).1
        });
        let shape: Vec<String> = segments
            .iter()
            .map(|s| match s {
                Segment::Objects(p) => {
                    let keys: Vec<_> = p.objects.iter().map(|o| o.key.as_str()).collect();
                    keys.join(",")
                }
                Segment::Folder(_) => "folder".into(),
            })
            .collect();
        assert_eq!(
            shape,
            ["p/a-1", "folder", "p/b", "folder", "p/c0", "folder", "p/z"]
        );
        assert_eq!(opened, ["p/a/", "p/c/", "p/d/"]);
    }
}
