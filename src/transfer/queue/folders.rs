//! Folders dropped or picked in the app, walked on a blocking thread so that the window never
//! waits for a large folder: its files join the queue when the walk ends.

use std::path::PathBuf;

use super::{Conflict, Direction, Queued, TransferQueue, walk_files};
use crate::transfer::job::TransferOptions;

/// A dropped or picked folder whose files a blocking task is finding, with their sizes.
pub(super) struct FolderWalk {
    found: std::sync::mpsc::Receiver<std::io::Result<Vec<(PathBuf, String, u64)>>>,
    folder: PathBuf,
    bucket: String,
    /// The prefix the folder's own name goes under.
    prefix: String,
    options: TransferOptions,
    conflict: Conflict,
}

impl TransferQueue {
    /// As [`Self::upload_path_with`], for the GUI: a folder is walked on a blocking thread (a
    /// folder of 100,000 files takes seconds to walk), and its files join the queue at the next
    /// [`Self::take_walked`] after the walk ends.
    pub fn upload_path_in_background(
        &mut self,
        path: PathBuf,
        bucket: &str,
        prefix: &str,
        options: &TransferOptions,
        conflict: Conflict,
    ) {
        if !path.is_dir() {
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
            let key = format!("{prefix}{}", name.unwrap_or_default());
            self.push(
                Direction::Upload,
                path,
                (bucket, key, None),
                options,
                conflict,
            );
            return;
        }
        let (tell, found) = std::sync::mpsc::channel();
        let (folder, notify) = (path.clone(), self.notify.clone());
        tokio::task::spawn_blocking(move || {
            let files = walk_files(&folder)
                .map_err(std::io::Error::other)
                .map(|files| {
                    (files.into_iter())
                        .map(|(file, relative)| {
                            let size = std::fs::metadata(&file).map_or(0, |m| m.len());
                            (file, relative, size)
                        })
                        .collect()
                });
            let _ = tell.send(files);
            notify();
        });
        self.walks.push(FolderWalk {
            found,
            folder: path,
            bucket: bucket.to_owned(),
            prefix: prefix.to_owned(),
            options: options.clone(),
            conflict,
        });
    }

    /// Queues the files of every folder whose walk has ended; the folders that could not be
    /// read, with why. Call it each frame.
    pub fn take_walked(&mut self) -> Vec<(PathBuf, std::io::Error)> {
        let mut unreadable = Vec::new();
        let walks = std::mem::take(&mut self.walks);
        for walk in walks {
            let files = match walk.found.try_recv() {
                Err(std::sync::mpsc::TryRecvError::Empty) => {
                    self.walks.push(walk);
                    continue;
                }
                Err(std::sync::mpsc::TryRecvError::Disconnected) => {
                    Err(std::io::Error::other("the folder's walk stopped"))
                }
                Ok(files) => files,
            };
            let files = match files {
                Ok(files) => files,
                Err(e) => {
                    unreadable.push((walk.folder, e));
                    continue;
                }
            };
            let name = walk
                .folder
                .file_name()
                .map(|n| n.to_string_lossy().into_owned());
            let under = format!("{}{}/", walk.prefix, name.unwrap_or_default());
            for (file, relative, size) in files {
                let key = format!("{under}{relative}");
                self.push_sized(Queued {
                    direction: Direction::Upload,
                    within: walk.folder.clone(),
                    local: file,
                    bucket: &walk.bucket,
                    key,
                    version_id: None,
                    options: &walk.options,
                    conflict: walk.conflict,
                    size_bytes: size,
                });
            }
        }
        unreadable
    }
}
