//! The prefix browser: breadcrumbs, a virtualised table of folders and objects that fills in page
//! by page, sorting, filtering, a details panel and "New folder".

use poll_promise::Promise;

mod context;
mod details;
mod restore;
mod table;
mod view;
mod windows;

use super::inspector::Inspector;
use super::metadata_window::MetadataWindow;
use super::relocate_dialog::{Purpose, RelocateDialog};
use super::rows::{RowStore, Sort};
use super::selection::{ClickKind, Selection};
use super::task;
use super::versions_window::VersionsWindow;
use crate::relocate::Mode;
use crate::s3::listing::{ListEvent, ListRequest, Listing};
use crate::s3::objects::{self, ObjectDetails};
use crate::s3::{Connection, S3Error};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ViewMode {
    /// One level, folders as common prefixes.
    Folder,
    /// Every key below the prefix.
    Flat,
    /// One level of `prefix + term`, fetched from the server.
    Search(String),
}

#[derive(Debug)]
pub enum ListStatus {
    Loading {
        pages: u32,
    },
    Done,
    Stopped,
    Failed {
        error: S3Error,
        resume_token: Option<String>,
    },
}

struct NewFolderDialog {
    name: String,
    problem: Option<String>,
    creating: Option<Promise<Result<String, S3Error>>>,
}

pub struct Browser {
    connection: Connection,
    pub bucket: String,
    pub prefix: String,
    pub mode: ViewMode,
    rows: RowStore,
    listing: Option<Listing>,
    pub status: ListStatus,
    /// A refresh keeps the old rows on screen until the first new page replaces them.
    replace_on_next_page: bool,
    filter_text: String,
    /// Set by the filter's shortcut; the field takes the keyboard on the next frame.
    focus_filter: bool,
    /// The rows chosen (keys, and folders as prefixes ending in `/`).
    selection: Selection,
    /// The selection's object count and bytes, worked out when it changes.
    selection_totals: (u64, u64),
    /// The object whose details are on show.
    details: Option<(String, Promise<Result<ObjectDetails, S3Error>>)>,
    /// What the object in the details panel holds, and whether its window is open (Space).
    inspector: Option<Inspector>,
    inspector_window: bool,
    /// An earlier version looked inside, from the versions window, in a window of its own.
    version_inspector: Option<Inspector>,
    /// Rename, copy, move or change class, while its window is open.
    relocate: Option<RelocateDialog>,
    /// An object's versions, or the deleted objects of a folder, while their window is open.
    versions: Option<VersionsWindow>,
    /// "Restore for reading" of an archived object in the details panel.
    restore_form: restore::RestoreForm,
    /// An object's metadata and tags, while their editor is open.
    metadata: Option<MetadataWindow>,
    /// Items cut or copied, to paste into another folder (kept across buckets by the app).
    pub clipboard: Option<ObjectClipboard>,
    /// Where copies of move and copy reports go.
    pub reports_dir: Option<std::path::PathBuf>,
    new_folder: Option<NewFolderDialog>,
    /// The keys of the selected folders being listed for a download, and why that failed.
    expanding: Option<Promise<Result<Vec<String>, S3Error>>>,
    expand_error: Option<String>,
    /// The arrows moved the cursor: the table scrolls to it.
    scroll_to_cursor: bool,
    /// A region redirect was followed once; a second is reported, not followed.
    followed_region: bool,
    /// What the user asked for that the app carries out (windows, dialogs, the queue).
    pub request: Option<BrowserRequest>,
    /// Options for the transfers started from here, and whether their window is open.
    pub transfer_choices: super::transfer_choices::TransferChoices,
    show_transfer_choices: bool,
}

/// Items cut or copied in one folder, to paste in another (Ctrl/Cmd-X, -C, -V).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectClipboard {
    pub mode: Mode,
    pub bucket: String,
    pub items: Vec<String>,
}

/// Actions the browser's toolbar asks the app for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BrowserRequest {
    Settings,
    /// The AWS CLI, boto3 and skiff commands that do this.
    ShowCommand(crate::s3::commands::Action),
    UploadFiles,
    UploadFolder,
    /// Keys to download, and the prefix their local paths are relative to; of one key, a
    /// version may be named (from the versions window).
    Download {
        keys: Vec<String>,
        relative_to: String,
        version_id: Option<String>,
    },
    /// Open the cleanup wizard on this scope.
    Cleanup(crate::cleanup::Scope),
    /// Open the cleanup of local downloads.
    LocalCleanup,
    /// Keep a local folder and the prefix on screen in step.
    Sync,
    /// Scan the prefix on screen for its sizes by folder and class, with costs.
    Sizes,
    /// Compare a local file with this object.
    Verify {
        key: String,
    },
    /// Links to these objects (or to a version of one) that work without credentials for a
    /// while.
    ShareLink {
        keys: Vec<String>,
        version_id: Option<String>,
    },
}

const ROW_HEIGHT: f32 = 22.0;

impl Browser {
    pub fn open(
        ctx: &egui::Context,
        connection: Connection,
        bucket: &str,
        prefix: &str,
        sort: Sort,
        flat: bool,
    ) -> Self {
        let mut browser = Self::preloaded(
            connection,
            bucket,
            prefix,
            RowStore::new(prefix.len(), sort),
        );
        if flat {
            browser.mode = ViewMode::Flat;
        }
        browser.start_listing(ctx, None);
        browser
    }

    /// A browser over rows already in memory, with no listing running: for benchmarks of the
    /// table itself.
    pub fn preloaded(connection: Connection, bucket: &str, prefix: &str, rows: RowStore) -> Self {
        Self {
            connection,
            bucket: bucket.to_owned(),
            prefix: prefix.to_owned(),
            mode: ViewMode::Folder,
            rows,
            listing: None,
            status: ListStatus::Done,
            replace_on_next_page: false,
            filter_text: String::new(),
            focus_filter: false,
            selection: Selection::default(),
            selection_totals: (0, 0),
            details: None,
            inspector: None,
            inspector_window: false,
            version_inspector: None,
            relocate: None,
            versions: None,
            metadata: None,
            restore_form: Default::default(),
            clipboard: None,
            reports_dir: None,
            new_folder: None,
            expanding: None,
            expand_error: None,
            scroll_to_cursor: false,
            followed_region: false,
            request: None,
            transfer_choices: Default::default(),
            show_transfer_choices: false,
        }
    }

    pub fn connection(&self) -> &Connection {
        &self.connection
    }

    pub fn rows(&self) -> &RowStore {
        &self.rows
    }

    pub fn sort(&self) -> Sort {
        self.rows.sort()
    }

    pub fn is_loading(&self) -> bool {
        matches!(self.status, ListStatus::Loading { .. })
    }

    fn request(&self, continuation_token: Option<String>) -> ListRequest {
        let mut request = match &self.mode {
            ViewMode::Folder => ListRequest::folder(&self.bucket, &self.prefix),
            ViewMode::Flat => ListRequest::recursive(&self.bucket, &self.prefix),
            ViewMode::Search(term) => {
                ListRequest::folder(&self.bucket, &format!("{}{term}", self.prefix))
            }
        };
        request.continuation_token = continuation_token;
        request
    }

    fn start_listing(&mut self, ctx: &egui::Context, continuation_token: Option<String>) {
        let request = self.request(continuation_token);
        self.listing = Some(Listing::start(
            &self.connection,
            request,
            task::notifier(ctx),
        ));
        self.status = ListStatus::Loading { pages: 0 };
    }

    /// Lists `prefix` afresh (new rows, no selection).
    pub fn navigate(&mut self, ctx: &egui::Context, prefix: &str, mode: ViewMode) {
        self.prefix = prefix.to_owned();
        self.mode = mode;
        let sort = self.rows.sort();
        self.rows = RowStore::new(prefix.len(), sort);
        self.rows.set_filter(&self.filter_text);
        self.selection.clear();
        self.selection_totals = (0, 0);
        self.details = None;
        self.replace_on_next_page = false;
        self.start_listing(ctx, None);
    }

    pub fn refresh(&mut self, ctx: &egui::Context) {
        self.replace_on_next_page = true;
        self.start_listing(ctx, None);
    }

    /// What a keyboard shortcut asks of the browser; the same as its button or menu entry.
    pub fn on_shortcut(&mut self, ctx: &egui::Context, shortcut: super::shortcuts::Shortcut) {
        use super::shortcuts::Shortcut;
        match shortcut {
            Shortcut::UploadFiles => self.request = Some(BrowserRequest::UploadFiles),
            Shortcut::UploadFolder => self.request = Some(BrowserRequest::UploadFolder),
            Shortcut::Download => {
                self.start_download(ctx);
            }
            Shortcut::Refresh => self.refresh(ctx),
            Shortcut::Up if !self.prefix.is_empty() => {
                let parent = self.prefix.trim_end_matches('/');
                let parent = parent[..parent.rfind('/').map_or(0, |i| i + 1)].to_owned();
                self.navigate(ctx, &parent, ViewMode::Folder);
            }
            Shortcut::NewFolder => self.start_new_folder(),
            Shortcut::Filter => self.focus_filter = true,
            Shortcut::SelectAll => {
                let rows = &self.rows;
                let key_at = |i| rows.visible(i).map(|r| r.key.to_string());
                self.selection.select_all(rows.visible_len(), key_at);
                self.selection_changed();
            }
            Shortcut::RowUp | Shortcut::RowDown => {
                let delta = if shortcut == Shortcut::RowUp { -1 } else { 1 };
                let extend = ctx.input(|i| i.modifiers.shift);
                let rows = &self.rows;
                let key_at = |i| rows.visible(i).map(|r| r.key.to_string());
                self.selection
                    .step(delta, rows.visible_len(), extend, key_at);
                self.selection_changed();
                self.scroll_to_cursor = true;
                if let Some(key) = self.single_selected_object() {
                    self.show_details(ctx, &key);
                }
            }
            Shortcut::Open => {
                let at = self.selection.cursor().and_then(|i| self.rows.visible(i));
                if let Some(row) = at.filter(|r| r.is_folder) {
                    let key = row.key.to_string();
                    self.navigate(ctx, &key, ViewMode::Folder);
                }
            }
            Shortcut::Delete => {
                if let Some(scope) = self.cleanup_scope() {
                    self.request = Some(BrowserRequest::Cleanup(scope));
                }
            }
            Shortcut::Rename => self.start_rename(),
            Shortcut::Inspect => self.toggle_inspector_window(ctx),
            Shortcut::Cut => self.cut_or_copy(Mode::Move),
            Shortcut::Copy => {
                self.cut_or_copy(Mode::Copy);
                self.copy_uris(ctx);
            }
            Shortcut::Paste => {
                let here = self.prefix.clone();
                self.paste_into(&here);
            }
            Shortcut::Up | Shortcut::ShowShortcuts => {}
        }
    }

    /// "Download": the selected objects, or on the desktop every object listed; `None` when
    /// the browser has nothing to offer (the web app with nothing selected).
    fn download_request(&self) -> Option<BrowserRequest> {
        let chosen = self.selected_objects();
        let keys = match chosen.is_empty() {
            false => chosen,
            true if cfg!(target_arch = "wasm32") => return None,
            true => (0..self.rows.visible_len())
                .filter_map(|i| self.rows.visible(i))
                .filter(|r| !r.is_folder)
                .map(|r| r.key.to_string())
                .collect(),
        };
        // The selection is of the folder on screen (or, flat, below it): paths keep the rest.
        Some(BrowserRequest::Download {
            keys,
            relative_to: self.prefix.clone(),
            version_id: None,
        })
    }

    /// "Download": the request at once, or for selected folders (desktop), once their keys are
    /// listed.
    pub(super) fn start_download(&mut self, ctx: &egui::Context) {
        let folders: Vec<String> = (self.selection.keys())
            .filter(|k| k.ends_with('/'))
            .cloned()
            .collect();
        if folders.is_empty() || cfg!(target_arch = "wasm32") {
            if let Some(request) = self.download_request() {
                self.request = Some(request);
            }
            return;
        }
        self.expand_error = None;
        let (connection, bucket) = (self.connection.clone(), self.bucket.clone());
        let mut keys = self.selected_objects();
        self.expanding = Some(task::spawn(ctx, async move {
            for folder in folders {
                let request = crate::s3::listing::ListRequest::recursive(&bucket, &folder);
                let listed = crate::s3::listing::list_all(&connection, request).await?;
                // A folder's marker object is no file to write.
                keys.extend(
                    (listed.objects.into_iter())
                        .map(|o| o.key)
                        .filter(|k| !k.ends_with('/')),
                );
            }
            Ok(keys)
        }));
    }

    /// The keys of selected folders, listed: the download goes ahead.
    fn poll_expanding(&mut self) {
        match task::take_ready(&mut self.expanding) {
            Some(Ok(keys)) => {
                self.request = Some(BrowserRequest::Download {
                    keys,
                    relative_to: self.prefix.clone(),
                    version_id: None,
                });
            }
            Some(Err(e)) => self.expand_error = Some(e.with_hint()),
            None => {}
        }
    }

    /// The selected objects (not folders), in key order.
    pub fn selected_objects(&self) -> Vec<String> {
        (self.selection.keys())
            .filter(|k| !k.ends_with('/'))
            .cloned()
            .collect()
    }

    /// Everything selected: objects, and folders as prefixes.
    pub fn selected_items(&self) -> Vec<String> {
        self.selection.keys().cloned().collect()
    }

    fn single_selected_object(&self) -> Option<String> {
        let mut keys = self.selection.keys();
        match (keys.next(), keys.next()) {
            (Some(key), None) if !key.ends_with('/') => Some(key.clone()),
            _ => None,
        }
    }

    /// The selection's count and bytes for the status line; one pass over the rows.
    fn selection_changed(&mut self) {
        if self.selection.is_empty() {
            self.selection_totals = (0, 0);
            return;
        }
        let mut totals = (0, 0);
        for i in 0..self.rows.visible_len() {
            if let Some(r) = self.rows.visible(i)
                && self.selection.contains(&r.key)
            {
                totals.0 += 1;
                totals.1 += r.size_bytes;
            }
        }
        self.selection_totals = totals;
    }

    /// What Delete (and "Delete…" in the menus) cleans up: the selected objects, or a folder
    /// selected alone with everything in it.
    fn cleanup_scope(&self) -> Option<crate::cleanup::Scope> {
        use crate::cleanup::Scope;
        let items = self.selected_items();
        let bucket = self.bucket.clone();
        match items.as_slice() {
            [] => None,
            [folder] if folder.ends_with('/') => Some(Scope::Prefix {
                bucket,
                prefix: folder.clone(),
            }),
            // Folders go with everything under them, as a folder alone does.
            _ => Some(Scope::Objects {
                bucket,
                keys: items,
            }),
        }
    }

    /// A click on the row `index` (a folder is opened by a plain click, as before).
    fn click_row(&mut self, ctx: &egui::Context, index: usize, kind: ClickKind) {
        let rows = &self.rows;
        let Some(row) = rows.visible(index) else {
            return;
        };
        let (key, is_folder) = (row.key.to_string(), row.is_folder);
        if is_folder && kind == ClickKind::default() {
            self.navigate(ctx, &key, ViewMode::Folder);
            return;
        }
        let key_at = |i| rows.visible(i).map(|r| r.key.to_string());
        self.selection.click(index, kind, key_at);
        self.selection_changed();
        match self.single_selected_object() {
            Some(key) => self.show_details(ctx, &key),
            None => self.details = None,
        }
    }

    /// A right-click: the row joins nothing, it becomes the selection unless it is in it.
    fn context_click(&mut self, ctx: &egui::Context, index: usize) {
        let Some(row) = self.rows.visible(index) else {
            return;
        };
        if !self.selection.contains(&row.key) {
            let key = row.key.to_string();
            self.selection.select_only(index, &key);
            self.selection_changed();
            if !key.ends_with('/') {
                self.show_details(ctx, &key);
            }
        }
    }

    fn copy_uris(&self, ctx: &egui::Context) {
        let uris: Vec<String> = (self.selection.keys())
            .map(|k| format!("s3://{}/{k}", self.bucket))
            .collect();
        if !uris.is_empty() {
            ctx.copy_text(uris.join("\n"));
        }
    }

    fn cut_or_copy(&mut self, mode: Mode) {
        let items = self.selected_items();
        if !items.is_empty() {
            self.clipboard = Some(ObjectClipboard {
                mode,
                bucket: self.bucket.clone(),
                items,
            });
        }
    }

    /// The clipboard's items into `folder` of this bucket; a cut is then spent.
    fn paste_into(&mut self, folder: &str) {
        let Some(clip) = self.clipboard.clone() else {
            return;
        };
        if clip.mode == Mode::Move {
            self.clipboard = None;
        }
        self.open_relocate(RelocateDialog::paste(
            clip.mode,
            &clip.bucket,
            clip.items,
            (&self.bucket, folder),
        ));
    }

    fn start_rename(&mut self) {
        let items = self.selected_items();
        if let [item] = items.as_slice() {
            let purpose = Purpose::Rename { item: item.clone() };
            self.open_relocate(RelocateDialog::new(purpose, &self.bucket, &self.prefix));
        }
    }

    fn start_relocate(&mut self, purpose: Purpose) {
        self.open_relocate(RelocateDialog::new(purpose, &self.bucket, &self.prefix));
    }

    fn details_key(&self) -> Option<String> {
        self.details.as_ref().map(|(key, _)| key.clone())
    }

    fn open_relocate(&mut self, mut dialog: RelocateDialog) {
        dialog.reports_dir = self.reports_dir.clone();
        self.relocate = Some(dialog);
    }

    fn start_new_folder(&mut self) {
        self.new_folder = Some(NewFolderDialog {
            name: String::new(),
            problem: None,
            creating: None,
        });
    }

    pub fn stop(&mut self) {
        if let Some(listing) = self.listing.take() {
            listing.stop();
            self.status = ListStatus::Stopped;
        }
    }

    /// Takes in whatever the listing has sent since the last frame.
    pub fn poll(&mut self, ctx: &egui::Context) {
        let Some(listing) = self.listing.as_mut() else {
            return;
        };
        let (mut restart, mut finished) = (None, false);
        while let Some(event) = listing.try_next() {
            match event {
                ListEvent::Page(page) => {
                    if std::mem::take(&mut self.replace_on_next_page) {
                        self.rows.clear();
                    }
                    self.rows.append(page);
                    if let ListStatus::Loading { pages } = &mut self.status {
                        *pages += 1;
                    }
                }
                ListEvent::Done => {
                    if std::mem::take(&mut self.replace_on_next_page) {
                        self.rows.clear();
                    }
                    self.status = ListStatus::Done;
                    finished = true;
                }
                ListEvent::Failed {
                    error,
                    resume_token,
                } => {
                    // AWS answers a request sent to the wrong region with the right one: follow it.
                    if let S3Error::WrongRegion {
                        actual: Some(region),
                        ..
                    } = &error
                        && !self.followed_region
                    {
                        self.followed_region = true;
                        restart = Some(region.clone());
                    }
                    self.status = ListStatus::Failed {
                        error,
                        resume_token,
                    };
                }
            }
        }
        if !self.is_loading() {
            self.listing = None;
        }
        if finished && !self.selection.is_empty() {
            // Rows moved or deleted meanwhile leave the selection.
            let rows = &self.rows;
            self.selection.retain(|k| rows.position_of(k).is_some());
            self.selection_changed();
        }
        if let Some(region) = restart {
            self.connection = self.connection.in_region(&region);
            self.start_listing(ctx, None);
        }
    }

    fn retry(&mut self, ctx: &egui::Context) {
        if let ListStatus::Failed { resume_token, .. } = &self.status {
            let token = resume_token.clone();
            self.start_listing(ctx, token);
        }
    }

    /// Shows `key`'s details.
    fn show_details(&mut self, ctx: &egui::Context, key: &str) {
        let connection = self.connection.clone();
        let (bucket, key_owned) = (self.bucket.clone(), key.to_owned());
        let promise = task::spawn(ctx, async move {
            objects::object_details(&connection, &bucket, &key_owned).await
        });
        self.details = Some((key.to_owned(), promise));
    }

    /// Creates the folder named in the New folder dialog, in the background.
    fn create_folder(&mut self, ctx: &egui::Context) {
        let Some(dialog) = self.new_folder.as_mut() else {
            return;
        };
        match objects::folder_key(&self.prefix, &dialog.name) {
            Err(problem) => dialog.problem = Some(problem),
            Ok(key) => {
                dialog.problem = None;
                let (connection, bucket) = (self.connection.clone(), self.bucket.clone());
                dialog.creating = Some(task::spawn(ctx, async move {
                    objects::create_folder(&connection, &bucket, &key)
                        .await
                        .map(|()| key)
                }));
            }
        }
    }
}
