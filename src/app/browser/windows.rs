//! The windows the browser opens over itself: an object's versions (and an earlier version's
//! Inspector), its metadata and tags.

use super::{Browser, BrowserRequest};
use crate::app::inspector::Inspector;
use crate::app::metadata_window::MetadataWindow;
use crate::app::versions_window::{VersionsOf, VersionsRequest, VersionsWindow};

impl Browser {
    pub(super) fn open_versions(&mut self, ctx: &egui::Context, of: VersionsOf) {
        let connection = self.connection.clone();
        self.versions = Some(VersionsWindow::open(ctx, connection, &self.bucket, of));
    }

    /// The versions and metadata windows' frames, and what they ask for.
    pub(super) fn versions_ui(&mut self, ctx: &egui::Context) {
        if let Some(inspector) = &mut self.version_inspector {
            let mut open = true;
            inspector.window(ctx, &mut open);
            if !open {
                self.version_inspector = None;
            }
        }
        let Some(window) = &mut self.versions else {
            return;
        };
        let shown = window.show(ctx);
        match window.request.take() {
            Some(VersionsRequest::ShareVersion { key, version_id }) => {
                self.request = Some(BrowserRequest::ShareLink {
                    keys: vec![key],
                    version_id: Some(version_id),
                });
            }
            Some(VersionsRequest::DownloadVersion { key, version_id }) => {
                let folder = key.rfind('/').map_or("", |at| &key[..=at]).to_owned();
                self.request = Some(BrowserRequest::Download {
                    keys: vec![key],
                    relative_to: folder,
                    version_id: Some(version_id),
                });
            }
            Some(VersionsRequest::InspectVersion {
                key,
                version_id,
                size,
            }) => {
                let (connection, bucket) = (&self.connection, &self.bucket);
                let at = Inspector::start(ctx, connection, bucket, &key, Some(&version_id), size);
                self.version_inspector = Some(at);
            }
            Some(VersionsRequest::Refresh) => {
                self.refresh(ctx);
                // The object on show may have a new current version.
                if let Some(key) = self.details_key() {
                    self.show_details(ctx, &key);
                }
            }
            None => {}
        }
        if shown == crate::app::widgets::Shown::Closed {
            self.versions = None;
        }
        if let Some(window) = &mut self.metadata {
            let shown = window.show(ctx);
            let key = std::mem::take(&mut window.changed).then(|| self.details_key());
            if shown == crate::app::widgets::Shown::Closed {
                self.metadata = None;
            }
            if let Some(Some(key)) = key {
                self.show_details(ctx, &key);
            }
        }
    }

    pub(super) fn edit_metadata(&mut self, ctx: &egui::Context, key: &str) {
        let connection = self.connection.clone();
        self.metadata = Some(MetadataWindow::open(ctx, connection, &self.bucket, key));
    }
}
