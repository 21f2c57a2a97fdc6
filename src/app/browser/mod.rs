//! The prefix browser: breadcrumbs, a virtualised table of folders and objects that fills in page
//! by page, sorting, filtering, a details panel and "New folder".

use poll_promise::Promise;

mod view;

use super::rows::{RowStore, Sort};
use super::task;
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
    selected: Option<String>,
    details: Option<(String, Promise<Result<ObjectDetails, S3Error>>)>,
    new_folder: Option<NewFolderDialog>,
    /// A region redirect was followed once; a second is reported, not followed.
    followed_region: bool,
    /// What the user asked for that the app carries out (windows, dialogs, the queue).
    pub request: Option<BrowserRequest>,
    /// Options for the transfers started from here, and whether their window is open.
    pub transfer_choices: super::transfer_choices::TransferChoices,
    show_transfer_choices: bool,
}

/// Actions the browser's toolbar asks the app for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BrowserRequest {
    Settings,
    /// The AWS CLI, boto3 and skiff commands that do this.
    ShowCommand(crate::s3::commands::Action),
    UploadFiles,
    UploadFolder,
    /// Keys to download, and the prefix their local paths are relative to.
    Download {
        keys: Vec<String>,
        relative_to: String,
    },
    /// Open the cleanup wizard on this scope.
    Cleanup(crate::cleanup::Scope),
    /// Open the cleanup of local downloads.
    LocalCleanup,
    /// Compare a local file with this object.
    Verify {
        key: String,
    },
    /// A link to this object that works without credentials for a while.
    ShareLink {
        key: String,
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
            selected: None,
            details: None,
            new_folder: None,
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
        self.selected = None;
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
                if let Some(request) = self.download_request() {
                    self.request = Some(request);
                }
            }
            Shortcut::Refresh => self.refresh(ctx),
            Shortcut::Up if !self.prefix.is_empty() => {
                let parent = self.prefix.trim_end_matches('/');
                let parent = parent[..parent.rfind('/').map_or(0, |i| i + 1)].to_owned();
                self.navigate(ctx, &parent, ViewMode::Folder);
            }
            Shortcut::NewFolder => self.start_new_folder(),
            Shortcut::Filter => self.focus_filter = true,
            Shortcut::Up | Shortcut::ShowShortcuts => {}
        }
    }

    /// "Download": the selected object, or on the desktop every object listed; `None` when the
    /// browser has nothing to offer (the web app with nothing selected).
    fn download_request(&self) -> Option<BrowserRequest> {
        let keys = match &self.selected {
            Some(key) => vec![key.clone()],
            None if cfg!(target_arch = "wasm32") => return None,
            None => (0..self.rows.visible_len())
                .filter_map(|i| self.rows.visible(i))
                .filter(|r| !r.is_folder)
                .map(|r| r.key.to_string())
                .collect(),
        };
        let relative_to = match &self.selected {
            Some(key) => key[..key.rfind('/').map_or(0, |i| i + 1)].to_owned(),
            None => self.prefix.clone(),
        };
        Some(BrowserRequest::Download { keys, relative_to })
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
        let mut restart = None;
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

    fn select(&mut self, ctx: &egui::Context, key: &str) {
        self.selected = Some(key.to_owned());
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
