//! Running a comparison: the transfers through the transfer engine (resume journals, part
//! checksums, the scheduler's memory bound), then the deletes, which a bucket side hands to the
//! cleanup engine as a plan (checked against a fresh listing, reported like any cleanup).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;

use futures::StreamExt;

use super::compare::{Action, Comparison};
use super::{Direction, Place};
use crate::cleanup::inventory::{Inventory, Item, ItemKind, Versioning};
use crate::cleanup::plan::{CleanupPlan, VersionMode};
use crate::cleanup::scope::{Filters as CleanupFilters, Scope};
use crate::s3::Connection;
use crate::s3::copy::{CopyOptions, copy_listed};
use crate::s3::object_io::ObjectRef;
use crate::transfer::local_paths::local_path_for_key;
use crate::transfer::{
    FileSlots, Progress, Scheduler, TransferError, TransferOptions, download_object_within,
    upload_file,
};

/// One action done (or failed), with the line `aws s3 sync` would print for it.
#[derive(Debug)]
pub struct Done {
    /// `upload: LOCAL to s3://…`, `download: s3://… to LOCAL`, `copy: …`, `delete: …`.
    pub line: String,
    /// Bytes sent, or why not (with what to do).
    pub result: Result<u64, String>,
}

/// What one sync's transfers share.
pub struct SyncRun<'a> {
    pub connection: &'a Connection,
    pub comparison: &'a Comparison,
    pub scheduler: &'a Scheduler,
    pub options: &'a TransferOptions,
    pub progress: &'a Arc<Progress>,
}

impl SyncRun<'_> {
    /// The `action`'s output line, as `aws s3 sync` words it.
    pub fn line(comparison: &Comparison, action: &Action) -> String {
        let spec = &comparison.spec;
        let relative = &action.found.relative;
        match action.change {
            super::Change::Extra => format!("delete: {}", spec.destination.name_of(relative)),
            _ => format!(
                "{}: {} to {}",
                comparison.direction.verb(),
                spec.source.name_of(relative),
                spec.destination.name_of(relative)
            ),
        }
    }

    /// Sends every new and changed entry, as many at a time as `options.files_at_once` allows,
    /// calling `each` as each ends.
    pub async fn transfer(&self, mut each: impl FnMut(&Done)) -> Vec<Done> {
        let (_, total) = self.comparison.sent();
        self.progress.bytes_total.fetch_add(total, Relaxed);
        if let Place::Local(root) = &self.comparison.spec.destination
            && let Err(e) = std::fs::create_dir_all(root)
        {
            let error = TransferError::io(root, e);
            let done = Done {
                line: format!("download: {}", self.comparison.spec.source.describe()),
                result: Err(format!("{error} {}", error.hint())),
            };
            each(&done);
            return vec![done];
        }
        let mut results = Vec::new();
        let slots = &FileSlots::new(self.options.files_at_once);
        let mut running = futures::stream::iter(self.comparison.transfers())
            .map(|action| async move {
                let slot = slots.slot().await;
                let result = self.send(action).await;
                if let Ok(bytes) = result {
                    slot.done(bytes);
                }
                let result = result.map_err(|e| format!("{e} {}", e.hint()));
                Done {
                    line: Self::line(self.comparison, action),
                    result,
                }
            })
            .buffer_unordered(self.options.files_at_once.most());
        while let Some(done) = running.next().await {
            each(&done);
            results.push(done);
        }
        results
    }

    async fn send(&self, action: &Action) -> Result<u64, TransferError> {
        let spec = &self.comparison.spec;
        let found = &action.found;
        let (connection, scheduler, options) = (self.connection, self.scheduler, self.options);
        match (&spec.source, &spec.destination, self.comparison.direction) {
            (Place::Local(root), Place::Bucket { bucket, prefix }, Direction::Upload) => {
                let key = format!("{prefix}{}", found.relative);
                let path = root.join(&found.relative);
                upload_file(
                    connection,
                    scheduler,
                    &path,
                    bucket,
                    &key,
                    options,
                    self.progress,
                )
                .await?;
                Ok(found.size_bytes)
            }
            (Place::Bucket { bucket, prefix }, Place::Local(root), Direction::Download) => {
                let key = format!("{prefix}{}", found.relative);
                let dest = local_path_for_key(root, &key, prefix)?;
                let object = ObjectRef::new(connection, bucket, &key);
                download_object_within(&object, scheduler, &dest, root, options, self.progress)
                    .await
            }
            (
                Place::Bucket {
                    bucket: from,
                    prefix: from_prefix,
                },
                Place::Bucket {
                    bucket: to,
                    prefix: to_prefix,
                },
                Direction::Copy,
            ) => {
                let from_key = format!("{from_prefix}{}", found.relative);
                let to_key = format!("{to_prefix}{}", found.relative);
                let listed = (found.size_bytes, found.etag.as_deref(), found.class);
                let copy = CopyOptions::default();
                copy_listed(connection, (from, &from_key), (to, &to_key), listed, &copy).await?;
                self.progress.add(found.size_bytes);
                Ok(found.size_bytes)
            }
            _ => unreachable!("the direction is the places'"),
        }
    }
}

/// The cleanup plan that deletes what exists only at a bucket destination, as the comparison
/// saw it (an object written again since is left alone), or `None` when there is nothing to
/// delete or the destination is a folder.
pub fn deletion_plan(comparison: &Comparison) -> Option<CleanupPlan> {
    let Place::Bucket { bucket, prefix } = &comparison.spec.destination else {
        return None;
    };
    let extras: Vec<&Action> = comparison.extras().collect();
    if extras.is_empty() {
        return None;
    }
    let key = |a: &Action| format!("{prefix}{}", a.found.relative);
    let inventory = Inventory {
        scope: Scope::Objects {
            bucket: bucket.clone(),
            keys: extras.iter().map(|a| key(a)).collect(),
        },
        filters: CleanupFilters::default(),
        // Deleted as `aws s3 sync --delete` deletes: the current object (on a versioned bucket
        // a delete marker goes on top, and the versions stay).
        versioning: Versioning::NotListed,
        items: (extras.iter())
            .map(|a| Item {
                key: key(a),
                version_id: None,
                kind: ItemKind::Current,
                size_bytes: a.found.size_bytes,
                last_modified_secs: a.found.modified_secs,
                storage_class: a.found.class,
                locked: None,
            })
            .collect(),
        uploads: Vec::new(),
        uploads_listed: false,
        filtered_out: 0,
        scanned_at_secs: crate::runtime::now_secs(),
    };
    Some(CleanupPlan::from_inventory(
        &inventory,
        VersionMode::DeleteMarkersOnly,
    ))
}

/// Deletes the files that exist only in a folder destination: each only if it is still the
/// size and age the comparison saw (a file changed since is someone's work), never through a
/// symbolic link.
pub fn delete_local_extras(comparison: &Comparison) -> Vec<Done> {
    let Place::Local(root) = &comparison.spec.destination else {
        return Vec::new();
    };
    comparison
        .extras()
        .map(|action| {
            let path = root.join(&action.found.relative);
            Done {
                line: format!("delete: {}", path.display()),
                result: delete_if_unchanged(root, &path, action),
            }
        })
        .collect()
}

fn delete_if_unchanged(root: &Path, path: &PathBuf, action: &Action) -> Result<u64, String> {
    let inside = path
        .parent()
        .and_then(|p| p.canonicalize().ok())
        .zip(root.canonicalize().ok())
        .is_some_and(|(parent, root)| parent.starts_with(root));
    if !inside {
        return Err("its folder is outside the synced folder (a link?): left alone".into());
    }
    let now = super::compare::list_one(path).map_err(|e| e.to_string())?;
    if (now.size_bytes, now.modified_secs) != (action.found.size_bytes, action.found.modified_secs)
    {
        return Err("changed since the comparison: left alone; compare again".into());
    }
    std::fs::remove_file(path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(action.found.size_bytes)
}
