//! The browser's side of the app, behind the API the desktop's side (`native/`) shares: the
//! upload queue fed by drops and the file picker, downloads through links the browser saves,
//! and how a connection is made.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;

use super::{Browser, BrowserRequest};
use crate::s3::client::static_connection;
use crate::s3::{Connection, ConnectionSpec, S3Error, StaticEndpoint};
use crate::transfer::web_queue::{PickedFile, WebQueue};

/// The web app reaches a sandbox only when `skiff serve --web` serves it.
pub const EMBEDS_SANDBOX: bool = false;

/// The transfer queue of a session.
pub type Queue = WebQueue;

/// The browser keeps no report files: the report stays on screen.
pub const EXPORTS_REPORTS: bool = false;

/// The browser has no folder to keep report copies in.
pub fn save_report_copy(
    _run: &crate::cleanup::CleanupRun,
    _dir: Option<&std::path::Path>,
) -> Option<String> {
    None
}

/// Never called: the browser offers no export.
pub fn export_report(
    _ctx: &egui::Context,
    _run: std::sync::Arc<crate::cleanup::CleanupRun>,
    _extension: &'static str,
    _file_dialogs: super::FileDialogs,
) -> Option<ReportExport> {
    None
}

/// The browser offers no export; nothing is ever on its way.
pub enum ReportExport {}

impl ReportExport {
    pub fn poll(&mut self, _ctx: &egui::Context) -> Option<Option<String>> {
        match *self {}
    }
}

/// The browser keeps secrets for its session only.
pub const OFFERS_KEYCHAIN: bool = false;

const NO_KEYCHAIN: &str = "the web app keeps secrets for the browser session only";

pub fn remember_secret(
    _ctx: &egui::Context,
    _endpoint: &str,
    _secret: &crate::s3::Secret,
) -> poll_promise::Promise<Result<(), String>> {
    poll_promise::Promise::from_ready(Err(NO_KEYCHAIN.into()))
}

pub fn recall_secret(
    _ctx: &egui::Context,
    _endpoint: &str,
) -> poll_promise::Promise<Result<Option<crate::s3::Secret>, String>> {
    poll_promise::Promise::from_ready(Ok(None))
}

pub fn forget_secret(
    _ctx: &egui::Context,
    _endpoint: &str,
) -> poll_promise::Promise<Result<(), String>> {
    poll_promise::Promise::from_ready(Ok(()))
}

pub async fn connect(
    spec: ConnectionSpec,
    sandbox: Option<StaticEndpoint>,
) -> Result<Connection, S3Error> {
    match spec {
        ConnectionSpec::Sandbox => match sandbox {
            Some(endpoint) => Ok(static_connection("Local sandbox", &endpoint, true)),
            None => Err(S3Error::Other {
                what: "Local sandbox".into(),
                detail: "the web app reaches a sandbox only when served by `skiff serve --web`"
                    .into(),
            }),
        },
        ConnectionSpec::Custom(c) => {
            let endpoint = StaticEndpoint {
                endpoint: c.url.trim().to_owned(),
                region: c.region.trim().to_owned(),
                access_key_id: c.access_key_id.trim().to_owned(),
                secret_access_key: c.secret_access_key.expose().trim().to_owned(),
            };
            Ok(static_connection(&c.name, &endpoint, c.path_style))
        }
        ConnectionSpec::AwsProfile { name } => Err(S3Error::NoCredentials {
            endpoint: format!("AWS profile {name} (profiles are read by the desktop app only)"),
        }),
    }
}

/// How long a download link stays valid: long enough for a slow start, short enough that a
/// link copied out of the browser's history soon stops working.
const LINK_EXPIRES_SECS: u64 = 15 * 60;

/// The browser's parts of a session.
#[derive(Default)]
pub struct Platform {
    queue: Option<WebQueue>,
    /// Files the picker hands over, filled by its `change` listener.
    picked: Rc<RefCell<Vec<PickedFile>>>,
    /// Finished transfers seen, to refresh the listing when uploads land.
    landings: super::transfer_panel::Landings,
    /// Download links being signed.
    links: Vec<poll_promise::Promise<Result<String, S3Error>>>,
    /// Downloads that could not start, and why, until the user dismisses them.
    problems: Vec<String>,
}

impl Platform {
    /// The browser reads no AWS profiles, so there is no SSO sign-in to offer.
    pub fn sign_in_ui(&mut self, _ui: &mut egui::Ui, _profile: &str) -> bool {
        false
    }

    pub fn new(_env: &super::AppEnvironment) -> Self {
        Self::default()
    }

    pub fn queue(&self) -> Option<&Queue> {
        self.queue.as_ref()
    }

    fn queue_for(&mut self, ctx: &egui::Context, browser: &Browser) -> &mut WebQueue {
        self.queue.get_or_insert_with(|| {
            WebQueue::new(browser.connection().clone(), super::task::notifier(ctx))
        })
    }

    /// Files and folders dropped on the page this frame go into the prefix on screen.
    pub fn upload_dropped(&mut self, ctx: &egui::Context, browser: &Browser) {
        self.upload(ctx, browser, dropped_files(ctx));
    }

    /// Files dropped on the page or picked go into the prefix on screen.
    fn upload(&mut self, ctx: &egui::Context, browser: &Browser, files: Vec<PickedFile>) {
        if files.is_empty() {
            return;
        }
        let (bucket, prefix) = (browser.bucket.clone(), browser.prefix.clone());
        let (options, conflict) =
            super::transfer_choices::engine_options(&browser.transfer_choices);
        self.queue_for(ctx, browser)
            .upload(files, &bucket, &prefix, &options, conflict);
    }

    /// What the browser asks of the page: the file picker for uploads, links for downloads.
    pub fn handle(&mut self, ctx: &egui::Context, browser: &Browser, request: BrowserRequest) {
        match request {
            BrowserRequest::UploadFiles => self.pick(ctx, false),
            BrowserRequest::UploadFolder => self.pick(ctx, true),
            BrowserRequest::Download {
                keys, version_id, ..
            } => {
                self.problems.clear();
                for key in keys {
                    let connection = browser.connection().clone();
                    let bucket = browser.bucket.clone();
                    let version_id = version_id.clone();
                    self.links.push(super::task::spawn(ctx, async move {
                        let at = crate::s3::object_read::ObjectAt {
                            bucket: &bucket,
                            key: &key,
                            version_id: version_id.as_deref(),
                        };
                        crate::s3::objects::download_link_of(&connection, at, LINK_EXPIRES_SECS)
                            .await
                    }));
                }
            }
            BrowserRequest::Settings
            | BrowserRequest::Cleanup(_)
            | BrowserRequest::LocalCleanup
            | BrowserRequest::Sync
            | BrowserRequest::Sizes
            | BrowserRequest::Verify { .. }
            | BrowserRequest::ShowCommand(_)
            | BrowserRequest::ShareLink { .. } => {}
        }
    }

    /// Opens the browser's file picker; what the user picks arrives in `picked`.
    fn pick(&mut self, ctx: &egui::Context, folder: bool) {
        let Some(document) = web_sys::window().and_then(|w| w.document()) else {
            return;
        };
        let Ok(input) = document
            .create_element("input")
            .map(|e| e.unchecked_into::<web_sys::HtmlInputElement>())
        else {
            return;
        };
        input.set_type("file");
        input.set_multiple(true);
        if folder {
            // Chosen folders come with each file's path inside them.
            let _ = input.set_attribute("webkitdirectory", "");
        }
        let picked = self.picked.clone();
        let ctx = ctx.clone();
        let source = input.clone();
        let on_change = Closure::once_into_js(move |_: web_sys::Event| {
            if let Some(files) = source.files() {
                let mut picked = picked.borrow_mut();
                for i in 0..files.length() {
                    if let Some(file) = files.get(i) {
                        picked.push(PickedFile::new(file));
                    }
                }
            }
            ctx.request_repaint();
        });
        input.set_onchange(Some(on_change.unchecked_ref()));
        input.click();
    }

    /// Each frame, before drawing: files picked, links signed, uploads landed.
    pub fn poll(
        &mut self,
        ctx: &egui::Context,
        _connection: &Connection,
        browser: Option<&mut Browser>,
    ) {
        if let Some(browser) = browser {
            self.poll_browser(ctx, browser);
        }
    }

    /// The browser has no windows of its own.
    pub fn windows_ui(&mut self, _ctx: &egui::Context) -> Option<crate::s3::commands::Action> {
        None
    }

    /// The panels under the browser: a download that could not start, and the queue.
    /// The transfer whose command the user asked to see, if any.
    pub fn panels_ui(
        &mut self,
        ui: &mut egui::Ui,
        _connection: &Connection,
    ) -> Option<crate::transfer::job::JobRow> {
        if !self.problems.is_empty() {
            egui::Panel::bottom("download-problem")
                .show(ui, |ui| super::widgets::problems_ui(ui, &mut self.problems));
        }
        if let Some(queue) = self.queue.as_mut()
            && !crate::transfer::job::QueueView::is_empty(queue)
        {
            return egui::Panel::bottom("transfers")
                .resizable(true)
                .show(ui, |ui| super::transfer_panel::queue_ui(ui, queue))
                .inner;
        }
        None
    }

    fn poll_browser(&mut self, ctx: &egui::Context, browser: &mut Browser) {
        let picked: Vec<PickedFile> = self.picked.borrow_mut().drain(..).collect();
        self.upload(ctx, browser, picked);
        let mut pending = Vec::new();
        for promise in self.links.drain(..) {
            match promise.try_take() {
                Ok(Ok(url)) => open_download(&url),
                Ok(Err(e)) => self.problems.push(format!("{e}\n{}", e.hint())),
                Err(promise) => pending.push(promise),
            }
        }
        self.links = pending;
        if let Some(queue) = &self.queue {
            super::transfer_panel::refresh_when_uploads_land(
                ctx,
                queue,
                &mut self.landings,
                browser,
            );
        }
    }
}

thread_local! {
    /// Files found inside folders dropped on the page, waiting for the next frame.
    static FROM_DROPPED_FOLDERS: RefCell<Vec<PickedFile>> = const { RefCell::new(Vec::new()) };
    static FOLDER_DROPS_TAKEN: Cell<bool> = const { Cell::new(false) };
}

/// Files dropped on the page since the last frame, with the files inside dropped folders.
fn dropped_files(ctx: &egui::Context) -> Vec<PickedFile> {
    take_folder_drops(ctx);
    let mut files: Vec<PickedFile> = ctx.input(|i| {
        i.raw
            .dropped_files
            .iter()
            .filter_map(|f| f.web_file().cloned())
            .map(PickedFile::new)
            .collect()
    });
    files.extend(FROM_DROPPED_FOLDERS.with_borrow_mut(std::mem::take));
    files
}

/// eframe hands over the files of a drop, but a dropped folder only as an unreadable file. So a
/// drop that holds a folder is taken here first (a capture listener on the window, before the
/// canvas's own) and its tree walked through the browser's File and Directory Entries API; each
/// file keeps its path from the dropped folder on, as the folder picker gives it.
fn take_folder_drops(ctx: &egui::Context) {
    if FOLDER_DROPS_TAKEN.replace(true) {
        return;
    }
    let Some(window) = web_sys::window() else {
        return;
    };
    let ctx = ctx.clone();
    let on_drop =
        Closure::<dyn FnMut(web_sys::DragEvent)>::new(move |event: web_sys::DragEvent| {
            let Some(transfer) = event.data_transfer() else {
                return;
            };
            // Entries must be taken while the event runs: the items go when it ends.
            let items = transfer.items();
            let entries: Vec<web_sys::FileSystemEntry> = (0..items.length())
                .filter_map(|i| items.get(i))
                .filter(|item| item.kind() == "file")
                .filter_map(|item| item.webkit_get_as_entry().ok().flatten())
                .collect();
            if !entries.iter().any(|e| e.is_directory()) {
                return;
            }
            event.prevent_default();
            event.stop_immediate_propagation();
            // The canvas saw the drag come in: tell it the drag is over, or its drop target stays lit.
            if let (Some(target), Ok(leave)) =
                (event.target(), web_sys::DragEvent::new("dragleave"))
            {
                let _ = target.dispatch_event(&leave);
            }
            for entry in entries {
                walk_dropped(entry, ctx.clone());
            }
        });
    let _ = window.add_event_listener_with_callback_and_bool(
        "drop",
        on_drop.as_ref().unchecked_ref(),
        true,
    );
    // It serves the page for as long as the page lives.
    on_drop.forget();
}

/// Queues the file `entry` names, or every file under the folder it names.
fn walk_dropped(entry: web_sys::FileSystemEntry, ctx: egui::Context) {
    if entry.is_file() {
        let path = entry.full_path().trim_start_matches('/').to_owned();
        let on_file = Closure::once_into_js(move |file: web_sys::File| {
            FROM_DROPPED_FOLDERS.with_borrow_mut(|files| {
                files.push(PickedFile {
                    file,
                    relative_path: path,
                })
            });
            ctx.request_repaint();
        });
        entry
            .unchecked_into::<web_sys::FileSystemFileEntry>()
            .file_with_callback(on_file.unchecked_ref());
    } else if entry.is_directory() {
        let reader = entry
            .unchecked_into::<web_sys::FileSystemDirectoryEntry>()
            .create_reader();
        read_folder(reader, ctx);
    }
}

/// Reads a folder's entries: a reader hands them over in batches (100 in Chromium) until it hands
/// over none.
fn read_folder(reader: web_sys::FileSystemDirectoryReader, ctx: egui::Context) {
    let next = reader.clone();
    let on_entries = Closure::once_into_js(move |entries: js_sys::Array| {
        if entries.length() == 0 {
            return;
        }
        for entry in entries.iter() {
            walk_dropped(entry.unchecked_into(), ctx.clone());
        }
        read_folder(next, ctx);
    });
    let _ = reader.read_entries_with_callback(on_entries.unchecked_ref());
}

/// Lets the browser fetch and save a download link. A new tab, so that the app stays open even
/// where the server ignores the link's "save as" and shows the file instead.
fn open_download(url: &str) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    if let Ok(anchor) = document
        .create_element("a")
        .map(|e| e.unchecked_into::<web_sys::HtmlAnchorElement>())
    {
        anchor.set_href(url);
        anchor.set_target("_blank");
        anchor.set_rel("noopener");
        anchor.click();
    }
}
