//! Transfers an earlier run left unfinished: finding them by their journals, and resuming or
//! discarding them all. The app offers them once connected; the queue resumes them.

use super::journal::{DownloadJournal, UploadJournal};
use super::local_paths::discard_partial_download;
use super::upload_file::discard_paused_upload;
use crate::s3::Connection;

/// Transfers an earlier run (a crash, a quit, a pause) left unfinished on one endpoint, found by
/// their journals.
#[derive(Default)]
pub struct Unfinished {
    pub uploads: Vec<UploadJournal>,
    pub downloads: Vec<DownloadJournal>,
}

impl Unfinished {
    /// Reads the journal folder: call it off the UI thread.
    pub fn find(endpoint: &str) -> Self {
        Self {
            uploads: UploadJournal::unfinished(endpoint),
            downloads: DownloadJournal::unfinished(endpoint),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.uploads.is_empty() && self.downloads.is_empty()
    }

    /// "2 uploads and 1 download"
    pub fn describe(&self) -> String {
        let uploads = (!self.uploads.is_empty())
            .then(|| crate::format::count(self.uploads.len() as u64, "upload", "uploads"));
        let downloads = (!self.downloads.is_empty())
            .then(|| crate::format::count(self.downloads.len() as u64, "download", "downloads"));
        [uploads, downloads]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" and ")
    }

    /// One line per transfer, with how far it got.
    pub fn lines(&self) -> Vec<String> {
        let uploads = self.uploads.iter().map(|j| {
            format!(
                "{} to s3://{}/{} ({} of {} parts sent)",
                j.source.display(),
                j.bucket,
                j.key,
                j.parts.len(),
                j.source_size_bytes.div_ceil(j.part_size_bytes.max(1))
            )
        });
        let downloads = self.downloads.iter().map(|j| {
            format!(
                "s3://{}/{} to {} ({} of {} here)",
                j.bucket,
                j.key,
                j.dest.display(),
                crate::format::human_bytes(j.bytes_written()),
                crate::format::human_bytes(j.size_bytes)
            )
        });
        uploads.chain(downloads).collect()
    }

    /// Gives them up: aborts the uploads on the server (which frees the parts they stored) and
    /// deletes the partly downloaded files.
    pub async fn discard(self, connection: &Connection) {
        for j in self.uploads {
            discard_paused_upload(connection, &j.bucket, &j.key, &j.source).await;
        }
        for j in self.downloads {
            discard_partial_download(&j.dest);
        }
    }
}
