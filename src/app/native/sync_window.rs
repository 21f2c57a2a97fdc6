//! "⇄ Sync…": a local folder and the prefix on screen kept in step. Set up (folder, direction,
//! options), compare (only what differs, counted), then run: the transfers join the transfer
//! queue, deletes of what exists only at a bucket destination run as a cleanup (typed
//! confirmation first, reported as a cleanup is).

use std::sync::Arc;

use egui::RichText;

use super::file_dialog::{FilePick, PickKind};
use crate::app::FileDialogs;
use crate::cleanup::execute::{CleanupRun, RunOptions};
use crate::cleanup::jobs::{RunEvent, RunJob};
use crate::format::{human_bytes, thousands};
use crate::s3::Connection;
use crate::sync::compare::Change;
use crate::sync::run::{delete_local_extras, deletion_plan};
use crate::sync::{CompareEvent, CompareJob, Comparison, Filter, Filters, Place, SyncSpec};

/// Where the window is.
enum Step {
    Setup,
    Comparing {
        job: CompareJob,
        listed: (u64, u64),
    },
    Compared {
        comparison: Box<Comparison>,
        typed: String,
    },
    /// Transfers queued; deletes running or done.
    Running {
        comparison: Box<Comparison>,
        deletes: Option<RunJob>,
        run: Option<Arc<CleanupRun>>,
        /// What became of the deletes, once known.
        deleted: Option<String>,
    },
    Failed(String),
}

/// What the window asks of the desktop.
pub enum SyncOutcome {
    Open,
    Closed,
    /// Queue these transfers.
    Queue(Box<Comparison>),
    /// Show the AWS CLI, boto3 and skiff commands that do this sync.
    ShowCommand(crate::s3::commands::Action),
}

pub struct SyncWindow {
    connection: Connection,
    bucket: String,
    prefix: String,
    pub folder: String,
    /// Folder to prefix (true) or prefix to folder.
    pub upload: bool,
    pub delete: bool,
    pub checksum: bool,
    /// Globs left out, separated by spaces.
    pub excludes: String,
    file_dialogs: FileDialogs,
    browsing: Option<FilePick>,
    step: Step,
    /// Asked for this frame.
    show_command: Option<crate::s3::commands::Action>,
}

impl SyncWindow {
    pub fn open(connection: Connection, bucket: &str, prefix: &str, dialogs: FileDialogs) -> Self {
        Self {
            folder: remembered::folder_for(bucket, prefix).unwrap_or_default(),
            connection,
            bucket: bucket.to_owned(),
            prefix: prefix.to_owned(),
            upload: true,
            delete: false,
            checksum: false,
            excludes: String::new(),
            file_dialogs: dialogs,
            browsing: None,
            step: Step::Setup,
            show_command: None,
        }
    }

    /// The spec the choices make.
    pub fn spec(&self) -> SyncSpec {
        let folder = Place::Local(self.folder.trim().into());
        let prefix = Place::bucket(&self.bucket, &self.prefix);
        let mut spec = if self.upload {
            SyncSpec::new(folder, prefix)
        } else {
            SyncSpec::new(prefix, folder)
        };
        spec.delete = self.delete;
        spec.checksum = self.checksum;
        let globs = self.excludes.split_whitespace();
        spec.filters = Filters(globs.map(|g| Filter::Exclude(g.to_owned())).collect());
        spec
    }

    pub fn connection(&self) -> &Connection {
        &self.connection
    }

    fn compare(&mut self, ctx: &egui::Context) {
        let notify = crate::app::task::notifier(ctx);
        let job = CompareJob::start(&self.connection, self.spec(), notify);
        self.step = Step::Comparing {
            job,
            listed: (0, 0),
        };
    }

    /// Takes the news of the comparison or the deletes.
    fn poll(&mut self) {
        match &mut self.step {
            Step::Comparing { job, listed } => {
                while let Some(event) = job.try_next() {
                    match event {
                        CompareEvent::Listed {
                            source,
                            destination,
                        } => *listed = (source, destination),
                        CompareEvent::Done(comparison) => {
                            self.step = Step::Compared {
                                comparison,
                                typed: String::new(),
                            };
                            return;
                        }
                        CompareEvent::Failed(e) => {
                            self.step = Step::Failed(format!("{e} {}", e.hint()));
                            return;
                        }
                    }
                }
            }
            Step::Running {
                deletes,
                run,
                deleted,
                ..
            } => {
                let Some(job) = deletes else { return };
                while let Some(event) = job.try_next() {
                    if let RunEvent::Done(report) = event {
                        let copy = run.as_ref().and_then(|run| {
                            super::save_report_copy(run, Some(&crate::cleanup::report::audit_dir()))
                        });
                        *deleted =
                            Some(format!("{} {}", report.summary(), copy.unwrap_or_default()));
                    }
                }
                if deleted.is_some() {
                    *deletes = None;
                }
            }
            _ => {}
        }
    }

    /// Starts the run: deletes here, transfers by the outcome (the desktop owns the queue).
    fn run(&mut self, ctx: &egui::Context, comparison: Box<Comparison>) -> SyncOutcome {
        remembered::remember(&self.bucket, &self.prefix, self.folder.trim());
        let (mut deletes, mut run, mut deleted) = (None, None, None);
        if comparison.spec.delete {
            if let Some(plan) = deletion_plan(&comparison) {
                let cleanup = Arc::new(CleanupRun::new(plan, RunOptions::default()));
                let notify = crate::app::task::notifier(ctx);
                deletes = Some(RunJob::start(&self.connection, cleanup.clone(), notify));
                run = Some(cleanup);
            } else if comparison.extra_count() > 0 {
                let done = delete_local_extras(&comparison);
                let failed = done.iter().filter(|d| d.result.is_err()).count();
                deleted = Some(format!(
                    "Deleted {} of {} files that were only in the folder.",
                    done.len() - failed,
                    done.len()
                ));
            }
        }
        self.step = Step::Running {
            comparison: comparison.clone(),
            deletes,
            run,
            deleted,
        };
        SyncOutcome::Queue(comparison)
    }

    pub fn show(&mut self, ctx: &egui::Context) -> SyncOutcome {
        if let Some(mut pick) = self.browsing.take() {
            match pick.poll(ctx).map(|mut paths| paths.pop()) {
                Some(Some(path)) => self.folder = path.display().to_string(),
                Some(None) => {}
                None => self.browsing = Some(pick),
            }
        }
        self.poll();
        let mut open = true;
        let mut outcome = SyncOutcome::Open;
        let title = format!("Sync s3://{}/{}", self.bucket, self.prefix);
        crate::app::widgets::dialog(ctx, title)
            .default_width(640.0)
            .open(&mut open)
            .show(ctx, |ui| {
                let setup = matches!(self.step, Step::Setup | Step::Failed(_));
                ui.add_enabled_ui(setup, |ui| self.setup_ui(ui, ctx));
                ui.separator();
                if let Some(asked) = self.step_ui(ui, ctx) {
                    outcome = asked;
                }
            });
        if !open {
            return SyncOutcome::Closed;
        }
        match self.show_command.take() {
            Some(action) => SyncOutcome::ShowCommand(action),
            None => outcome,
        }
    }

    fn setup_ui(&mut self, ui: &mut egui::Ui, ctx: &egui::Context) {
        ui.horizontal(|ui| {
            let label = ui.label("Local folder:");
            ui.add(
                egui::TextEdit::singleline(&mut self.folder)
                    .hint_text("/path/to/folder")
                    .desired_width(380.0),
            )
            .labelled_by(label.id);
            if ui.button("Browse…").clicked() {
                let pick = FilePick::open(
                    ctx,
                    self.file_dialogs,
                    "The folder to sync",
                    PickKind::Folder,
                );
                self.browsing = Some(pick);
            }
        });
        let here = format!("s3://{}/{}", self.bucket, self.prefix);
        ui.horizontal(|ui| {
            ui.radio_value(&mut self.upload, true, format!("Folder to {here}"));
            ui.radio_value(&mut self.upload, false, format!("{here} to folder"));
        });
        ui.checkbox(
            &mut self.checksum,
            "Compare files of one size by checksum (slower; nothing is downloaded)",
        );
        let extras_at = if self.upload {
            "in the bucket"
        } else {
            "in the folder"
        };
        ui.checkbox(&mut self.delete, format!("Delete what is only {extras_at}"));
        ui.horizontal(|ui| {
            let label = ui.label("Leave out:");
            ui.add(
                egui::TextEdit::singleline(&mut self.excludes)
                    .hint_text("*.tmp .git/*")
                    .desired_width(300.0),
            )
            .labelled_by(label.id);
        });
        ui.horizontal(|ui| {
            let ready = !self.folder.trim().is_empty();
            if ui
                .add_enabled(ready, egui::Button::new("Compare"))
                .clicked()
            {
                self.compare(ctx);
            }
            if ui
                .add_enabled(ready, egui::Button::new("</> Show command"))
                .clicked()
            {
                self.show_command = Some(self.command());
            }
            ui.label(RichText::new("Nothing changes until you run it.").weak());
        });
    }

    /// The sync as the AWS CLI, boto3 and `skiff` would run it.
    pub fn command(&self) -> crate::s3::commands::Action {
        let spec = self.spec();
        crate::s3::commands::Action::Sync {
            source: spec.source.describe(),
            destination: spec.destination.describe(),
            delete: spec.delete,
            checksum: spec.checksum,
            excludes: self
                .excludes
                .split_whitespace()
                .map(str::to_owned)
                .collect(),
        }
    }

    fn step_ui(&mut self, ui: &mut egui::Ui, ctx: &egui::Context) -> Option<SyncOutcome> {
        match &mut self.step {
            Step::Setup => None,
            Step::Failed(message) => {
                ui.colored_label(ui.visuals().error_fg_color, message.as_str());
                None
            }
            Step::Comparing { job, listed } => {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label(format!(
                        "Comparing: {} at the source, {} at the destination",
                        thousands(listed.0),
                        thousands(listed.1)
                    ));
                    if ui.button("Stop").clicked() {
                        job.stop();
                    }
                });
                None
            }
            Step::Compared { comparison, typed } => {
                comparison_ui(ui, comparison);
                let deletes = comparison.spec.delete && comparison.extra_count() > 0;
                let confirmed =
                    !deletes || crate::cleanup::scope::typed_confirms(Some("delete"), typed);
                if deletes {
                    ui.horizontal(|ui| {
                        ui.label("Type delete to confirm the deletes:");
                        ui.add(
                            egui::TextEdit::singleline(typed)
                                .hint_text("delete")
                                .desired_width(120.0),
                        );
                    });
                }
                let (mut run, mut back) = (false, false);
                let in_step = comparison.is_in_step();
                ui.horizontal(|ui| {
                    let label = if in_step { "Nothing to do" } else { "Run" };
                    run = ui
                        .add_enabled(confirmed && !in_step, egui::Button::new(label))
                        .clicked();
                    back = ui.button("Back").clicked();
                });
                if back {
                    self.step = Step::Setup;
                }
                if run
                    && let Step::Compared { comparison, .. } =
                        std::mem::replace(&mut self.step, Step::Setup)
                {
                    return Some(self.run(ctx, comparison));
                }
                None
            }
            Step::Running {
                comparison,
                deleted,
                deletes,
                ..
            } => {
                let (sent, bytes) = comparison.sent();
                ui.label(format!(
                    "✔ {} ({}) queued: follow them in the transfer queue, where they pause, \
                     resume and retry.",
                    crate::format::count(sent, "transfer", "transfers"),
                    human_bytes(bytes)
                ));
                if deletes.is_some() {
                    ui.horizontal(|ui| {
                        ui.spinner();
                        ui.label("Deleting what is only at the destination…");
                    });
                }
                if let Some(text) = deleted {
                    ui.label(text.as_str());
                }
                if ui.button("Compare again").clicked() {
                    self.compare(ctx);
                }
                None
            }
        }
    }
}

/// The comparison's counts, then the first differences.
fn comparison_ui(ui: &mut egui::Ui, comparison: &Comparison) {
    egui::Grid::new("sync-counts").striped(true).show(ui, |ui| {
        ui.strong("");
        ui.strong("Files");
        ui.strong("Bytes");
        ui.end_row();
        for row in comparison.count_rows() {
            let label = match row.change {
                Change::Extra if comparison.spec.delete => "Only at the destination (deleted)",
                Change::Extra => "Only at the destination (kept)",
                other => other.label(),
            };
            ui.label(label);
            ui.label(thousands(row.count));
            ui.label(human_bytes(row.bytes));
            ui.end_row();
        }
        ui.label("The same");
        ui.label(thousands(comparison.unchanged));
        ui.label(human_bytes(comparison.unchanged_bytes));
        ui.end_row();
    });
    if comparison.checksum_unavailable > 0 {
        ui.label(
            RichText::new(format!(
                "{} of one size were told apart by time: the server keeps no checksum for them.",
                crate::format::count(comparison.checksum_unavailable, "file", "files")
            ))
            .weak(),
        );
    }
    let shown = comparison.actions.len().min(200);
    egui::ScrollArea::vertical()
        .max_height(220.0)
        .show(ui, |ui| {
            egui::Grid::new("sync-actions")
                .striped(true)
                .show(ui, |ui| {
                    for action in &comparison.actions[..shown] {
                        ui.label(action.change.label());
                        ui.label(action.found.relative.as_str());
                        ui.label(human_bytes(action.found.size_bytes));
                        ui.label(RichText::new(action.why.as_str()).weak());
                        ui.end_row();
                    }
                });
        });
    if comparison.actions.len() > shown {
        ui.label(format!(
            "… and {} more",
            thousands((comparison.actions.len() - shown) as u64)
        ));
    }
}

/// The last folder synced with each prefix, in Skiff's data directory.
mod remembered {
    use std::collections::BTreeMap;

    fn path() -> std::path::PathBuf {
        crate::local_data::data_dir().join("sync-folders.json")
    }

    fn load() -> BTreeMap<String, String> {
        std::fs::read(path())
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default()
    }

    pub fn folder_for(bucket: &str, prefix: &str) -> Option<String> {
        load().remove(&format!("{bucket}/{prefix}"))
    }

    pub fn remember(bucket: &str, prefix: &str, folder: &str) {
        let mut all = load();
        all.insert(format!("{bucket}/{prefix}"), folder.to_owned());
        let json = serde_json::to_vec_pretty(&all).unwrap_or_default();
        if let Err(e) = crate::local_data::replace_private(&path(), &json) {
            tracing::warn!("the synced folder was not remembered: {e}");
        }
    }
}
