//! "Versions…" on an object: every version and delete marker, newest first, with date, size,
//! storage class and which is current; a version restored (copied forward as the new current
//! one, the history kept), linked, or deleted for good after a typed confirmation; a deleted
//! object undeleted. "Show deleted" lists the objects under a folder whose current version is a
//! delete marker. Versions are listed only when asked: a bucket may hold millions.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};

use egui::RichText;
use poll_promise::Promise;

use super::task;
use super::widgets::Shown;
use crate::format::{human_bytes, thousands, utc_datetime};
use crate::s3::versions::{VersionEntry, list_versions, restore_version, undelete};
use crate::s3::{Connection, S3Error};

/// The most versions the deleted-objects view lists before it stops and says so.
const MAX_LISTED: usize = 10_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionsOf {
    /// Every version of one key.
    Object(String),
    /// The objects under a prefix whose current version is a delete marker.
    DeletedUnder(String),
}

/// What the window asks of the browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionsRequest {
    /// A link to this version of the key.
    ShareVersion { key: String, version_id: String },
    /// This version of the key, downloaded through the transfer queue.
    DownloadVersion { key: String, version_id: String },
    /// The Inspector on this version of the key.
    InspectVersion {
        key: String,
        version_id: String,
        size: u64,
    },
    /// Objects came back or changed: list the folder again.
    Refresh,
}

type Listed = Result<(Vec<VersionEntry>, bool), S3Error>;

/// What a listing found, with what the window says of it worked out once.
struct Found {
    versions: Vec<VersionEntry>,
    /// The listing stopped early (Stop, or the cap).
    cut_short: bool,
    /// Every version is the null version: versioning is off.
    unversioned: bool,
}

/// A row's button, carried out once the rows are drawn.
enum RowAction {
    Undelete(String),
    Restore {
        key: String,
        version_id: String,
    },
    Link {
        key: String,
        version_id: String,
    },
    Inspect {
        key: String,
        version_id: String,
        size: u64,
    },
    Download {
        key: String,
        version_id: String,
    },
    DeleteForGood(String),
}

pub struct VersionsWindow {
    connection: Connection,
    bucket: String,
    of: VersionsOf,
    listing: Option<Promise<Listed>>,
    stop: Arc<AtomicBool>,
    listed: Option<Result<Found, S3Error>>,
    /// A restore, undelete or delete in progress, and what it is.
    acting: Option<(String, Promise<Result<String, S3Error>>)>,
    message: Option<Result<String, String>>,
    /// The version whose "Delete for good" awaits the typed confirmation, and what was typed.
    confirming: Option<(String, String)>,
    pub request: Option<VersionsRequest>,
}

impl VersionsWindow {
    pub fn open(ctx: &egui::Context, connection: Connection, bucket: &str, of: VersionsOf) -> Self {
        let mut window = Self {
            connection,
            bucket: bucket.to_owned(),
            of,
            listing: None,
            stop: Arc::default(),
            listed: None,
            acting: None,
            message: None,
            confirming: None,
            request: None,
        };
        window.list(ctx);
        window
    }

    fn list(&mut self, ctx: &egui::Context) {
        let (connection, bucket) = (self.connection.clone(), self.bucket.clone());
        let of = self.of.clone();
        let stop = Arc::new(AtomicBool::new(false));
        self.stop = stop.clone();
        self.listing = Some(task::spawn(ctx, async move {
            let (prefix, exact) = match &of {
                VersionsOf::Object(key) => (key.clone(), Some(key.clone())),
                VersionsOf::DeletedUnder(prefix) => (prefix.clone(), None),
            };
            let mut found = Vec::new();
            let mut cut_short = false;
            let listed = list_versions(&connection, &bucket, &prefix, |page| {
                found.extend(
                    page.into_iter()
                        .filter(|v| exact.as_ref().is_none_or(|k| &v.key == k)),
                );
                if stop.load(Relaxed) || found.len() >= MAX_LISTED {
                    cut_short = true;
                    return Err(S3Error::Cancelled);
                }
                Ok(())
            })
            .await;
            match listed {
                Ok(()) | Err(S3Error::Cancelled) => {}
                Err(e) => return Err(e),
            }
            if exact.is_none() {
                found.retain(|v| v.is_latest && v.is_delete_marker);
            }
            Ok((found, cut_short))
        }));
    }

    fn act(
        &mut self,
        ctx: &egui::Context,
        what: String,
        work: impl Future<Output = Result<String, S3Error>> + crate::runtime::MaybeSend + 'static,
    ) {
        self.message = None;
        self.acting = Some((what, task::spawn(ctx, work)));
    }

    fn restore(&mut self, ctx: &egui::Context, key: &str, version_id: &str) {
        let (c, bucket, key, v) = self.owned(key, version_id);
        let what = format!("Restoring version {v}…");
        self.act(ctx, what, async move {
            let new = restore_version(&c, &bucket, &key, &v).await?;
            Ok(format!(
                "Version {v} is current again{}; the older versions are kept.",
                new.map(|n| format!(" (as version {n})"))
                    .unwrap_or_default()
            ))
        });
    }

    fn undelete(&mut self, ctx: &egui::Context, key: &str) {
        let (c, bucket, key, _) = self.owned(key, "");
        let what = format!("Undeleting {key}…");
        self.act(ctx, what, async move {
            match undelete(&c, &bucket, &key).await? {
                Some(marker) => Ok(format!("{key} is back (delete marker {marker} removed).")),
                None => Ok(format!("{key} was not deleted.")),
            }
        });
    }

    fn delete_for_good(&mut self, ctx: &egui::Context, key: &str, version_id: &str) {
        let (c, bucket, key, v) = self.owned(key, version_id);
        let what = format!("Deleting version {v} for good…");
        self.act(ctx, what, async move {
            let refused =
                crate::s3::deletes::delete_objects(&c, &bucket, &[(&key, Some(&v))]).await?;
            match refused.first() {
                Some(e) => Err(S3Error::Other {
                    what: format!("version {v} of s3://{bucket}/{key}"),
                    detail: format!("the server kept it: {}", e.code),
                }),
                None => Ok(format!("Version {v} is gone for good.")),
            }
        });
    }

    fn owned(&self, key: &str, version_id: &str) -> (Connection, String, String, String) {
        (
            self.connection.clone(),
            self.bucket.clone(),
            key.to_owned(),
            version_id.to_owned(),
        )
    }

    pub fn title(&self) -> String {
        match &self.of {
            VersionsOf::Object(key) => format!("Versions of {}", crate::relocate::name_of(key)),
            VersionsOf::DeletedUnder(prefix) if prefix.is_empty() => {
                format!("Deleted objects in {}", self.bucket)
            }
            VersionsOf::DeletedUnder(prefix) => format!("Deleted objects under {prefix}"),
        }
    }

    pub fn show(&mut self, ctx: &egui::Context) -> Shown {
        if let Some(listed) = task::take_ready(&mut self.listing) {
            self.listed =
                Some(listed.map(|(versions, cut_short)| {
                    Found {
                        unversioned: (versions.iter())
                            .all(|v| v.version_id.as_deref().is_none_or(|id| id == "null")),
                        versions,
                        cut_short,
                    }
                }));
        }
        if let Some((what, promise)) = self.acting.take() {
            match promise.try_take() {
                Ok(done) => {
                    self.message = Some(done.map_err(|e| e.with_hint()));
                    self.request = Some(VersionsRequest::Refresh);
                    self.list(ctx);
                }
                Err(promise) => self.acting = Some((what, promise)),
            }
        }
        let mut open = true;
        super::widgets::dialog(ctx, self.title())
            .default_width(640.0)
            .open(&mut open)
            .show(ctx, |ui| self.contents_ui(ui));
        if !open {
            self.stop.store(true, Relaxed);
        }
        Shown::open_while(open)
    }

    fn contents_ui(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        match &self.of {
            VersionsOf::Object(key) => ui.label(format!("s3://{}/{key}", self.bucket)),
            VersionsOf::DeletedUnder(prefix) => ui.label(format!(
                "Objects under s3://{}/{prefix} whose current version is a delete marker: \
                 their earlier versions are kept, and undelete brings them back.",
                self.bucket
            )),
        };
        if self.listing.is_some() {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label("Listing versions…");
                if ui.button("⏹ Stop").clicked() {
                    self.stop.store(true, Relaxed);
                }
            });
        }
        if let Some((what, _)) = &self.acting {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label(what.as_str());
            });
        }
        match &self.message {
            Some(Ok(text)) => {
                ui.label(format!("✔ {text}"));
            }
            Some(Err(text)) => {
                ui.colored_label(ui.visuals().error_fg_color, text.as_str());
            }
            None => {}
        }
        let found = match &self.listed {
            None => return,
            Some(Err(e)) => {
                let text = match e {
                    S3Error::Unsupported { .. } => {
                        "This endpoint does not keep versions of objects.".to_owned()
                    }
                    e => e.with_hint(),
                };
                ui.colored_label(ui.visuals().warn_fg_color, text);
                return;
            }
            Some(Ok(found)) => found,
        };
        if found.cut_short {
            ui.label(format!(
                "Stopped after {} versions: what is shown may be incomplete.",
                thousands(found.versions.len() as u64)
            ));
        }
        if matches!(self.of, VersionsOf::Object(_)) && found.unversioned {
            ui.label(
                "This bucket keeps no versions of it: versioning is off. Turn it on in Bucket \
                 settings to keep what is overwritten or deleted.",
            );
        }
        if found.versions.is_empty() {
            ui.label(match self.of {
                VersionsOf::Object(_) => "No version found.",
                VersionsOf::DeletedUnder(_) => "No deleted object here.",
            });
            return;
        }
        let mut action = None;
        let row_height = ui.spacing().interact_size.y + ui.spacing().item_spacing.y;
        // Only the rows in view are laid out: the deleted-objects view may list 10,000.
        egui::ScrollArea::vertical().max_height(360.0).show_rows(
            ui,
            row_height,
            found.versions.len(),
            |ui, rows| {
                egui::Grid::new("versions")
                    .striped(true)
                    .num_columns(6)
                    .show(ui, |ui| {
                        for v in &found.versions[rows] {
                            if let Some(asked) = self.version_row_ui(ui, v) {
                                action = Some(asked);
                            }
                            ui.end_row();
                        }
                    });
            },
        );
        match action {
            Some(RowAction::Undelete(key)) => self.undelete(&ctx, &key),
            Some(RowAction::Restore { key, version_id }) => self.restore(&ctx, &key, &version_id),
            Some(RowAction::Link { key, version_id }) => {
                self.request = Some(VersionsRequest::ShareVersion { key, version_id });
            }
            Some(RowAction::Download { key, version_id }) => {
                self.request = Some(VersionsRequest::DownloadVersion { key, version_id });
            }
            Some(RowAction::Inspect {
                key,
                version_id,
                size,
            }) => {
                self.request = Some(VersionsRequest::InspectVersion {
                    key,
                    version_id,
                    size,
                });
            }
            Some(RowAction::DeleteForGood(version_id)) => {
                self.confirming = Some((version_id, String::new()));
            }
            None => {}
        }
        self.confirm_ui(ui, &ctx);
    }

    fn version_row_ui(&self, ui: &mut egui::Ui, v: &VersionEntry) -> Option<RowAction> {
        let id = v.version_id.clone().unwrap_or_else(|| "null".into());
        let short: String = id.chars().take(12).collect();
        match &self.of {
            VersionsOf::DeletedUnder(_) => ui.label(&v.key),
            VersionsOf::Object(_) => ui.label(RichText::new(short).monospace()),
        }
        .on_hover_text(format!("version {id}"));
        ui.label(format!("{} UTC", utc_datetime(v.last_modified_secs)));
        if v.is_delete_marker {
            ui.label("delete marker");
            ui.label("");
        } else {
            ui.label(human_bytes(v.size_bytes));
            ui.label(v.storage_class.as_str());
        }
        ui.label(if v.is_latest { "current" } else { "" });
        let busy = self.acting.is_some();
        ui.horizontal(|ui| {
            if v.is_latest && v.is_delete_marker {
                let undelete = ui.add_enabled(!busy, egui::Button::new("↺ Undelete"));
                return undelete
                    .clicked()
                    .then(|| RowAction::Undelete(v.key.clone()));
            }
            if matches!(self.of, VersionsOf::DeletedUnder(_)) {
                return None;
            }
            let mut asked = None;
            if !v.is_latest
                && !v.is_delete_marker
                && ui
                    .add_enabled(!busy, egui::Button::new("↺ Restore"))
                    .on_hover_text("Copy this version on top as the current one; the history stays")
                    .clicked()
            {
                asked = Some(RowAction::Restore {
                    key: v.key.clone(),
                    version_id: id.clone(),
                });
            }
            if !v.is_delete_marker
                && ui
                    .button("⬇ Download")
                    .on_hover_text("Download this version (through the transfer queue)")
                    .clicked()
            {
                asked = Some(RowAction::Download {
                    key: v.key.clone(),
                    version_id: id.clone(),
                });
            }
            if !v.is_delete_marker
                && ui
                    .button("🔍 Inspect")
                    .on_hover_text(
                        "Look inside this version, as the details panel does the current one",
                    )
                    .clicked()
            {
                asked = Some(RowAction::Inspect {
                    key: v.key.clone(),
                    version_id: id.clone(),
                    size: v.size_bytes,
                });
            }
            if !v.is_delete_marker
                && cfg!(not(target_arch = "wasm32"))
                && ui.button("🔗 Link…").clicked()
            {
                asked = Some(RowAction::Link {
                    key: v.key.clone(),
                    version_id: id.clone(),
                });
            }
            if ui
                .add_enabled(!busy, egui::Button::new("🗑 Delete for good…"))
                .clicked()
            {
                asked = Some(RowAction::DeleteForGood(id.clone()));
            }
            asked
        })
        .inner
    }

    /// "Delete for good" of one version: typing "delete" confirms.
    fn confirm_ui(&mut self, ui: &mut egui::Ui, ctx: &egui::Context) {
        let VersionsOf::Object(key) = self.of.clone() else {
            return;
        };
        let Some((version, typed)) = &mut self.confirming else {
            return;
        };
        ui.separator();
        ui.label(format!(
            "Version {version} will be gone for good: no undo. Type delete to confirm."
        ));
        let mut go = false;
        let mut cancel = false;
        ui.horizontal(|ui| {
            ui.add(
                egui::TextEdit::singleline(typed)
                    .hint_text("delete")
                    .desired_width(120.0),
            );
            let confirmed = typed.trim() == "delete";
            go = ui
                .add_enabled(confirmed, egui::Button::new("🗑 Delete this version"))
                .clicked();
            cancel = ui.button("Cancel").clicked();
        });
        if go {
            let version = version.clone();
            self.confirming = None;
            self.delete_for_good(ctx, &key, &version);
        } else if cancel {
            self.confirming = None;
        }
    }
}
