//! The desktop's side of the app, behind the API the browser's side (`web.rs`) shares: the
//! transfer queue fed by drops and file dialogs, transfers an earlier run left unfinished, the
//! windows only a desktop has (verify, local cleanup), and how a connection is made.

pub mod file_dialog;
mod local_cleanup;
mod share;
mod sso;
mod sync_window;
mod verify;

use file_dialog::{FilePick, PickKind};

use super::{Browser, BrowserRequest};
use crate::s3::{Connection, ConnectionSpec, S3Error, StaticEndpoint};
use crate::transfer::recovery::Unfinished;

/// The desktop runs its own local sandbox.
pub const EMBEDS_SANDBOX: bool = true;

/// The transfer queue of a session.
pub type Queue = crate::transfer::queue::TransferQueue;

/// A cleanup report can be exported to a file the user picks.
pub const EXPORTS_REPORTS: bool = true;

/// Keeps a copy of a cleanup run's report in `dir`; what to tell the user about it.
pub fn save_report_copy(
    run: &crate::cleanup::CleanupRun,
    dir: Option<&std::path::Path>,
) -> Option<String> {
    let dir = dir?;
    Some(match run.save_audit_copy(dir) {
        Ok(path) => format!("A copy of this report is in {}.", path.display()),
        Err(e) => format!(
            "No copy of this report was kept: {} could not be written ({e}). Export it to \
             keep one.",
            dir.display()
        ),
    })
}

/// Asks where to save a cleanup run's report as CSV or JSON, and saves it there.
pub fn export_report(
    ctx: &egui::Context,
    run: std::sync::Arc<crate::cleanup::CleanupRun>,
    extension: &'static str,
    file_dialogs: super::FileDialogs,
) -> Option<ReportExport> {
    let kind = PickKind::Save {
        file_name: format!("skiff-cleanup-report.{extension}"),
    };
    let pick = FilePick::open(ctx, file_dialogs, "Export the cleanup report", kind);
    Some(ReportExport {
        run,
        extension,
        pick,
    })
}

/// A cleanup report on its way to a file the user picks.
pub struct ReportExport {
    run: std::sync::Arc<crate::cleanup::CleanupRun>,
    extension: &'static str,
    pick: FilePick,
}

impl ReportExport {
    /// Call each frame. `Some` once done: where the report went or why it did not, or nothing
    /// when the user cancelled.
    pub fn poll(&mut self, ctx: &egui::Context) -> Option<Option<String>> {
        let path = self.pick.poll(ctx)?.pop();
        Some(path.map(|path| {
            let text = if self.extension == "json" {
                self.run.export_json()
            } else {
                self.run.export_csv()
            };
            match std::fs::write(&path, text) {
                Ok(()) => format!("Exported to {}.", path.display()),
                Err(e) => format!("Could not write {}: {e}", path.display()),
            }
        }))
    }
}

/// Secrets can be kept in the OS keychain.
pub const OFFERS_KEYCHAIN: bool = true;

fn keychain() -> &'static crate::local_data::keychain::Keychain {
    static KEYCHAIN: std::sync::OnceLock<crate::local_data::keychain::Keychain> =
        std::sync::OnceLock::new();
    KEYCHAIN.get_or_init(crate::local_data::keychain::Keychain::system)
}

/// Keychain calls block (D-Bus, or a prompt to unlock): they run off the UI thread.
fn in_keychain<T: Send + 'static>(
    ctx: &egui::Context,
    call: impl FnOnce(&crate::local_data::keychain::Keychain) -> Result<T, String> + Send + 'static,
) -> poll_promise::Promise<Result<T, String>> {
    super::task::spawn(ctx, async move {
        tokio::task::spawn_blocking(move || call(keychain()))
            .await
            .unwrap_or_else(|e| Err(format!("the keychain call failed ({e})")))
    })
}

/// Keeps the endpoint's secret in the keychain.
pub fn remember_secret(
    ctx: &egui::Context,
    endpoint: &str,
    secret: &crate::s3::Secret,
) -> poll_promise::Promise<Result<(), String>> {
    let (endpoint, secret) = (endpoint.to_owned(), secret.clone());
    in_keychain(ctx, move |k| {
        k.remember(&endpoint, secret.expose())
            .map_err(|e| e.to_string())
    })
}

/// The endpoint's secret from the keychain, if one is kept there.
pub fn recall_secret(
    ctx: &egui::Context,
    endpoint: &str,
) -> poll_promise::Promise<Result<Option<crate::s3::Secret>, String>> {
    let endpoint = endpoint.to_owned();
    in_keychain(ctx, move |k| {
        k.recall(&endpoint)
            .map(|s| s.map(crate::s3::Secret::new))
            .map_err(|e| e.to_string())
    })
}

/// Removes the endpoint's secret from the keychain.
pub fn forget_secret(
    ctx: &egui::Context,
    endpoint: &str,
) -> poll_promise::Promise<Result<(), String>> {
    let endpoint = endpoint.to_owned();
    in_keychain(ctx, move |k| k.forget(&endpoint).map_err(|e| e.to_string()))
}

pub async fn connect(
    spec: ConnectionSpec,
    sandbox: Option<StaticEndpoint>,
) -> Result<Connection, S3Error> {
    crate::s3::client::connect(&spec, sandbox.as_ref(), None).await
}

/// Profile names from the shared AWS files, honouring `AWS_CONFIG_FILE` and
/// `AWS_SHARED_CREDENTIALS_FILE` as the AWS CLI does.
pub fn aws_profiles() -> Vec<String> {
    let home = directories::BaseDirs::new().map(|d| d.home_dir().to_path_buf());
    let path = |var: &str, default: &str| {
        std::env::var_os(var)
            .map(std::path::PathBuf::from)
            .or_else(|| home.as_ref().map(|h| h.join(".aws").join(default)))
    };
    let read = |p: Option<std::path::PathBuf>| {
        p.and_then(|p| std::fs::read_to_string(p).ok())
            .unwrap_or_default()
    };
    crate::s3::connection::profile_names(
        &read(path("AWS_CONFIG_FILE", "config")),
        &read(path("AWS_SHARED_CREDENTIALS_FILE", "credentials")),
    )
}

/// The desktop's parts of a session.
#[derive(Default)]
pub struct Platform {
    queue: Option<Queue>,
    file_dialogs: super::FileDialogs,
    /// A file dialog open for an upload or a download, and what it is for.
    picking: Option<(super::BrowserRequest, FilePick)>,
    /// Finished transfers seen, to refresh the listing when uploads land.
    landings: super::transfer_panel::Landings,
    /// Transfers an earlier run left unfinished on this endpoint, offered once per session.
    earlier: Unfinished,
    earlier_loading: Option<poll_promise::Promise<Unfinished>>,
    earlier_checked: bool,
    verify: Option<verify::VerifyWindow>,
    share: Option<share::ShareWindow>,
    local_cleanup: Option<local_cleanup::LocalCleanup>,
    sync: Option<sync_window::SyncWindow>,
    /// What could not be queued, and why, until the user dismisses it.
    problems: Vec<String>,
    /// SSO sign-in for AWS profiles whose token is missing or expired.
    sso: sso::SsoProfiles,
}

impl Platform {
    pub fn new(env: &super::AppEnvironment) -> Self {
        Self {
            file_dialogs: env.file_dialogs,
            ..Self::default()
        }
    }

    /// Under an SSO sign-in error: the button and window that sign in; `true` once signed in.
    pub fn sign_in_ui(&mut self, ui: &mut egui::Ui, profile: &str) -> bool {
        self.sso.sign_in_ui(ui, profile)
    }

    /// The file dialog open for an upload or a download, if any.
    pub fn picking(&self) -> Option<&FilePick> {
        self.picking.as_ref().map(|(_, pick)| pick)
    }

    pub fn queue(&self) -> Option<&Queue> {
        self.queue.as_ref()
    }

    fn queue_for(&mut self, ctx: &egui::Context, connection: &Connection) -> &mut Queue {
        self.queue.get_or_insert_with(|| {
            crate::transfer::queue::TransferQueue::new(
                connection.clone(),
                crate::transfer::TransferOptions {
                    record_downloads: true,
                    ..crate::transfer::TransferOptions::default()
                },
                super::task::notifier(ctx),
            )
        })
    }

    /// Files and folders dropped on the window this frame go into the prefix on screen.
    pub fn upload_dropped(&mut self, ctx: &egui::Context, browser: &Browser) {
        self.upload(ctx, browser, dropped_files(ctx));
    }

    /// Files or folders (dropped or picked) go into the prefix on screen.
    fn upload(&mut self, ctx: &egui::Context, browser: &Browser, paths: Vec<std::path::PathBuf>) {
        if paths.is_empty() {
            return;
        }
        let (bucket, prefix) = (browser.bucket.clone(), browser.prefix.clone());
        let (options, conflict) =
            super::transfer_choices::engine_options(&browser.transfer_choices);
        let queue = self.queue_for(ctx, browser.connection());
        for path in paths {
            queue.upload_path_in_background(path, &bucket, &prefix, &options, conflict);
        }
    }

    /// A sync's transfers join the queue, each to exactly its key or file.
    fn queue_sync(
        &mut self,
        ctx: &egui::Context,
        connection: &Connection,
        comparison: &crate::sync::Comparison,
    ) {
        use crate::sync::Place;
        use crate::transfer::queue::Conflict;
        let spec = &comparison.spec;
        let mut refused = Vec::new();
        let queue = self.queue_for(ctx, connection);
        for action in comparison.transfers() {
            let relative = &action.found.relative;
            match (&spec.source, &spec.destination) {
                (Place::Local(root), Place::Bucket { bucket, prefix }) => {
                    queue.upload_file_to(
                        root.join(relative),
                        bucket,
                        &format!("{prefix}{relative}"),
                    );
                }
                (Place::Bucket { bucket, prefix }, Place::Local(root)) => {
                    let key = format!("{prefix}{relative}");
                    match crate::transfer::local_path_for_key(root, &key, prefix) {
                        Ok(dest) => {
                            let overwrite = Conflict::Decided(crate::transfer::IfExists::Overwrite);
                            queue.download_with(bucket, &key, None, dest, root, overwrite);
                        }
                        Err(e) => refused.push(format!("{e} {}", e.hint())),
                    }
                }
                _ => {}
            }
        }
        self.problems.extend(refused);
    }

    /// What the browser asks of the desktop: file dialogs for uploads and downloads, and the
    /// desktop's windows.
    pub fn handle(&mut self, ctx: &egui::Context, browser: &Browser, request: BrowserRequest) {
        let here = format!("s3://{}/{}", browser.bucket, browser.prefix);
        let (title, kind) = match &request {
            BrowserRequest::UploadFiles => (format!("Upload files into {here}"), PickKind::Files),
            BrowserRequest::UploadFolder => {
                (format!("Upload a folder into {here}"), PickKind::Folder)
            }
            BrowserRequest::Download { .. } => {
                ("Download into a folder".to_owned(), PickKind::Folder)
            }
            BrowserRequest::Verify { key } => {
                let connection = browser.connection().clone();
                let window =
                    verify::VerifyWindow::open(connection, &browser.bucket, key, self.file_dialogs);
                self.verify = Some(window);
                return;
            }
            BrowserRequest::Sync => {
                let connection = browser.connection().clone();
                let (bucket, prefix) = (&browser.bucket, &browser.prefix);
                let window =
                    sync_window::SyncWindow::open(connection, bucket, prefix, self.file_dialogs);
                self.sync = Some(window);
                return;
            }
            BrowserRequest::LocalCleanup => {
                let window = local_cleanup::LocalCleanup::open(ctx, &browser.bucket);
                self.local_cleanup = Some(window);
                return;
            }
            BrowserRequest::ShareLink { keys, version_id } => {
                let connection = browser.connection().clone();
                let (keys, version) = (keys.clone(), version_id.clone());
                self.share = Some(share::ShareWindow::open(
                    connection,
                    &browser.bucket,
                    keys,
                    version,
                ));
                return;
            }
            BrowserRequest::Settings
            | BrowserRequest::Sizes
            | BrowserRequest::Cleanup(_)
            | BrowserRequest::ShowCommand(_) => return,
        };
        if self.picking.is_none() {
            let pick = FilePick::open(ctx, self.file_dialogs, &title, kind);
            self.picking = Some((request, pick));
        }
    }

    /// Each frame, before drawing: the queue's news, earlier transfers found, picks made,
    /// uploads landed.
    pub fn poll(
        &mut self,
        ctx: &egui::Context,
        connection: &Connection,
        browser: Option<&mut Browser>,
    ) {
        self.find_earlier_transfers(ctx, connection);
        if let Some(queue) = &mut self.queue {
            queue.poll();
            for (folder, e) in queue.take_walked() {
                self.problems.push(format!(
                    "Nothing from {} was uploaded: it could not be read ({e}). Check that \
                     you may read it, then drop it again.",
                    folder.display()
                ));
            }
        }
        if let Some(browser) = browser {
            self.poll_browser(ctx, browser);
        }
    }

    /// The windows only the desktop has: verify, share link, local cleanup. The command a
    /// window asked to show, if any.
    pub fn windows_ui(&mut self, ctx: &egui::Context) -> Option<crate::s3::commands::Action> {
        if let Some(window) = self.local_cleanup.as_mut()
            && window.show(ctx) == super::widgets::Shown::Closed
        {
            self.local_cleanup = None;
        }
        if let Some(window) = self.verify.as_mut()
            && window.show(ctx) == super::widgets::Shown::Closed
        {
            self.verify = None;
        }
        let mut asked = None;
        if let Some(window) = self.sync.as_mut() {
            match window.show(ctx) {
                sync_window::SyncOutcome::Open => {}
                sync_window::SyncOutcome::Closed => self.sync = None,
                sync_window::SyncOutcome::Queue(comparison) => {
                    let connection = window.connection().clone();
                    self.queue_sync(ctx, &connection, &comparison);
                }
                sync_window::SyncOutcome::ShowCommand(action) => asked = Some(action),
            }
        }
        if let Some(window) = self.share.as_mut() {
            let (shown, show_command) = window.show(ctx);
            if shown == super::widgets::Shown::Closed {
                self.share = None;
            }
            asked = asked.or(show_command);
        }
        asked
    }

    /// The panels under the browser: what could not be queued, transfers an earlier run left,
    /// and the queue.
    /// The transfer whose command the user asked to see, if any.
    pub fn panels_ui(
        &mut self,
        ui: &mut egui::Ui,
        connection: &Connection,
    ) -> Option<crate::transfer::job::JobRow> {
        if !self.problems.is_empty() {
            egui::Panel::bottom("transfer-problems")
                .show(ui, |ui| super::widgets::problems_ui(ui, &mut self.problems));
        }
        if !self.earlier.is_empty() {
            egui::Panel::bottom("earlier-transfers")
                .show(ui, |ui| self.earlier_transfers_ui(ui, connection));
        }
        if let Some(queue) = self.queue.as_mut()
            && !queue.jobs().is_empty()
        {
            return egui::Panel::bottom("transfers")
                .resizable(true)
                .show(ui, |ui| super::transfer_panel::queue_ui(ui, queue))
                .inner;
        }
        None
    }

    /// Looks once per session for transfers an earlier run left unfinished on this endpoint, so
    /// that they are offered as soon as the app is connected, with or without a bucket open.
    fn find_earlier_transfers(&mut self, ctx: &egui::Context, connection: &Connection) {
        if !self.earlier_checked {
            self.earlier_checked = true;
            let endpoint = connection.target().endpoint;
            self.earlier_loading = Some(super::task::spawn(ctx, async move {
                tokio::task::spawn_blocking(move || Unfinished::find(&endpoint))
                    .await
                    .unwrap_or_default()
            }));
        }
        if let Some(promise) = self.earlier_loading.take() {
            match promise.try_take() {
                Ok(found) => self.earlier = found,
                Err(promise) => self.earlier_loading = Some(promise),
            }
        }
    }

    /// Queues the download of `keys` into `folder`, each at its path below `relative_to` (of
    /// a version of the one key, where one is named).
    fn download_into(
        &mut self,
        ctx: &egui::Context,
        browser: &Browser,
        folder: &std::path::Path,
        (keys, relative_to, version_id): (Vec<String>, &str, Option<&str>),
    ) {
        let bucket = browser.bucket.clone();
        let (_, conflict) = super::transfer_choices::engine_options(&browser.transfer_choices);
        let mut refused = Vec::new();
        let queue = self.queue_for(ctx, browser.connection());
        for key in keys {
            match crate::transfer::local_path_for_key(folder, &key, relative_to) {
                Ok(dest) => queue.download_with(&bucket, &key, version_id, dest, folder, conflict),
                Err(e) => refused.push(format!("s3://{bucket}/{key} was not downloaded: {e}")),
            }
        }
        self.problems.extend(refused);
    }

    fn poll_browser(&mut self, ctx: &egui::Context, browser: &mut Browser) {
        if let Some((request, mut pick)) = self.picking.take() {
            match pick.poll(ctx) {
                None => self.picking = Some((request, pick)),
                Some(paths) if paths.is_empty() => {}
                Some(paths) => match request {
                    BrowserRequest::Download {
                        keys,
                        relative_to,
                        version_id,
                    } => {
                        let from = (keys, relative_to.as_str(), version_id.as_deref());
                        self.download_into(ctx, browser, &paths[0], from);
                    }
                    _ => self.upload(ctx, browser, paths),
                },
            }
        }
        if let Some(queue) = &mut self.queue {
            super::transfer_panel::refresh_when_uploads_land(
                ctx,
                queue,
                &mut self.landings,
                browser,
            );
        }
    }
}

impl Platform {
    /// "N uploads and M downloads from an earlier run did not finish": resume them all, or
    /// discard them (which aborts the multipart uploads on the server and removes the partial
    /// download files).
    fn earlier_transfers_ui(&mut self, ui: &mut egui::Ui, connection: &Connection) {
        let ctx = ui.ctx().clone();
        let (mut resume, mut discard) = (false, false);
        ui.horizontal_wrapped(|ui| {
            ui.label(format!(
                "{} from an earlier run did not finish.",
                self.earlier.describe()
            ))
            .on_hover_text(self.earlier.lines().join("\n"));
            resume = ui
                .button("⏵ Resume")
                .on_hover_text("Sends and fetches only the parts not moved yet")
                .clicked();
            discard = ui
                .button("Discard")
                .on_hover_text(
                    "Aborts the uploads on the server, which frees the parts they stored, \
                     and deletes the partly downloaded files",
                )
                .clicked();
        });
        if resume {
            let earlier = std::mem::take(&mut self.earlier);
            self.queue_for(&ctx, connection)
                .resume_unfinished_all(&earlier);
        } else if discard {
            let (earlier, connection) = (std::mem::take(&mut self.earlier), connection.clone());
            tokio::spawn(async move { earlier.discard(&connection).await });
        }
    }
}

/// Files dropped on the window this frame.
fn dropped_files(ctx: &egui::Context) -> Vec<std::path::PathBuf> {
    ctx.input(|i| {
        i.raw
            .dropped_files
            .iter()
            .map(|f| f.path().to_path_buf())
            .filter(|p| !p.as_os_str().is_empty())
            .collect()
    })
}
