//! The cleanup wizard: inventory (the dry run), confirm, execute, report. Its transitions are
//! plain methods, testable without a frame; the scan and the run are the engine's
//! (`crate::cleanup`), started here and polled each frame.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;

use egui::RichText;
use poll_promise::Promise;

use super::task;
use crate::cleanup::inventory::ItemKind;
use crate::cleanup::{
    CleanupPlan, CleanupRun, Filters, Inventory, Report, RunOptions, ScanProgress, Scope,
    VersionMode, Versioning, scan,
};
use crate::format::{count, human_bytes, thousands, utc_datetime};
use crate::s3::listing::StorageClass;
use crate::s3::{Connection, S3Error};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Inventory,
    Confirm,
    Run,
    Report,
}

impl Step {
    const ORDER: [Step; 4] = [Step::Inventory, Step::Confirm, Step::Run, Step::Report];

    pub fn title(self) -> &'static str {
        match self {
            Step::Inventory => "Inventory (dry run)",
            Step::Confirm => "Confirm",
            Step::Run => "Delete",
            Step::Report => "Report",
        }
    }
}

pub enum CleanupOutcome {
    Open,
    Closed,
    /// Something was deleted: listings of this bucket are out of date.
    Changed {
        bucket: String,
        bucket_deleted: bool,
    },
}

/// The filter fields as typed.
#[derive(Debug, Clone, Default)]
pub struct FilterFields {
    pub older_than_days: String,
    pub storage_class: Option<StorageClass>,
    pub key_glob: String,
}

impl FilterFields {
    pub fn filters(&self) -> Result<Filters, String> {
        let days = self.older_than_days.trim();
        let older_than_days = if days.is_empty() {
            None
        } else {
            Some(
                days.parse::<u32>()
                    .map_err(|_| format!("“{days}” is not a number of days."))?,
            )
        };
        let glob = self.key_glob.trim();
        Ok(Filters {
            older_than_days,
            storage_class: self.storage_class,
            key_glob: (!glob.is_empty()).then(|| glob.to_owned()),
        })
    }
}

type Scanning = (Arc<ScanProgress>, Promise<Result<Inventory, S3Error>>);

struct PlanView {
    mode: VersionMode,
    chosen_uploads: BTreeSet<usize>,
    plan: CleanupPlan,
    summary: String,
    bytes_freed: u64,
}

pub struct CleanupWizard {
    connection: Connection,
    pub scope: Scope,
    pub step: Step,
    pub filter_fields: FilterFields,
    scanning: Option<Scanning>,
    pub inventory: Option<Inventory>,
    /// The inventory's table, worked out once when the scan lands (it walks every entry).
    count_rows: Vec<crate::cleanup::inventory::CountRow>,
    /// The plan for the inventory, version choice and chosen uploads, with its summary: rebuilt
    /// only when one of those changes, since it copies every key.
    plan_view: Option<PlanView>,
    scan_error: Option<S3Error>,
    pub mode: VersionMode,
    /// Uploads chosen in the incomplete-uploads view (indices into the inventory's uploads).
    pub chosen_uploads: BTreeSet<usize>,
    pub typed: String,
    run: Option<Arc<CleanupRun>>,
    running: Option<Promise<Report>>,
    run_started_secs: f64,
    pub report: Option<Report>,
    lifecycle_days: String,
    lifecycle: Option<Promise<Result<u32, S3Error>>>,
    lifecycle_note: Option<String>,
    export_note: Option<String>,
    #[cfg_attr(target_arch = "wasm32", allow(dead_code))]
    reports_dir: Option<std::path::PathBuf>,
    #[cfg(not(target_arch = "wasm32"))]
    exporting: Option<Promise<Option<String>>>,
}

impl CleanupWizard {
    /// Opens on the inventory step and starts the scan at once.
    pub fn open(
        ctx: &egui::Context,
        connection: Connection,
        scope: Scope,
        reports_dir: Option<std::path::PathBuf>,
    ) -> Self {
        let mut wizard = Self {
            connection,
            scope,
            step: Step::Inventory,
            filter_fields: FilterFields::default(),
            scanning: None,
            inventory: None,
            scan_error: None,
            // Where versions exist, the safe choice is the default: markers keep everything
            // restorable. The bucket scopes (Empty, Delete) need every version gone.
            mode: VersionMode::DeleteMarkersOnly,
            chosen_uploads: BTreeSet::new(),
            count_rows: Vec::new(),
            plan_view: None,
            typed: String::new(),
            run: None,
            running: None,
            run_started_secs: 0.0,
            report: None,
            lifecycle_days: "7".into(),
            lifecycle: None,
            lifecycle_note: None,
            export_note: None,
            reports_dir,
            #[cfg(not(target_arch = "wasm32"))]
            exporting: None,
        };
        if matches!(
            wizard.scope,
            Scope::Bucket { .. } | Scope::DeleteBucket { .. }
        ) {
            wizard.mode = VersionMode::AllVersions;
        }
        wizard.start_scan(ctx);
        wizard
    }

    pub fn title(&self) -> String {
        match &self.scope {
            Scope::Objects { .. } | Scope::Prefix { .. } => "Delete".into(),
            Scope::Bucket { bucket } => format!("Empty bucket {bucket}"),
            Scope::DeleteBucket { bucket } => format!("Delete bucket {bucket}"),
            Scope::Uploads { bucket, .. } => format!("Incomplete uploads in {bucket}"),
        }
    }

    pub fn is_scanning(&self) -> bool {
        self.scanning.is_some()
    }

    pub fn is_running(&self) -> bool {
        self.running.is_some()
    }

    fn start_scan(&mut self, ctx: &egui::Context) {
        let filters = match self.filter_fields.filters() {
            Ok(f) => f,
            Err(problem) => {
                self.scan_error = Some(S3Error::Other {
                    what: "Filters".into(),
                    detail: problem,
                });
                return;
            }
        };
        self.scan_error = None;
        self.inventory = None;
        self.plan_view = None;
        let progress = Arc::new(ScanProgress::default());
        let (connection, scope) = (self.connection.clone(), self.scope.clone());
        let notify = task::notifier(ctx);
        let seen = progress.clone();
        let promise = task::spawn(ctx, async move {
            scan(&connection, &scope, &filters, &seen, &notify).await
        });
        self.scanning = Some((progress, promise));
    }

    fn stop_scan(&mut self) {
        if let Some((progress, _)) = &self.scanning {
            progress.stop.store(true, Relaxed);
        }
    }

    /// Builds the plan again if the inventory, the version choice or the chosen uploads changed.
    fn refresh_plan(&mut self) {
        let Some(inventory) = &self.inventory else {
            self.plan_view = None;
            return;
        };
        if self
            .plan_view
            .as_ref()
            .is_some_and(|v| v.mode == self.mode && v.chosen_uploads == self.chosen_uploads)
        {
            return;
        }
        let mut plan = CleanupPlan::from_inventory(inventory, self.mode);
        if matches!(self.scope, Scope::Uploads { .. }) {
            plan.uploads = self
                .chosen_uploads
                .iter()
                .filter_map(|&i| inventory.uploads.get(i).cloned())
                .collect();
        }
        self.plan_view = Some(PlanView {
            mode: self.mode,
            chosen_uploads: self.chosen_uploads.clone(),
            summary: plan.summary(),
            bytes_freed: plan.bytes_freed(),
            plan,
        });
    }

    /// The plan the confirm step shows and the run executes.
    pub fn plan(&mut self) -> Option<&CleanupPlan> {
        self.refresh_plan();
        self.plan_view.as_ref().map(|v| &v.plan)
    }

    /// Whether the inventory is in and leaves something to delete.
    pub fn can_go_to_confirm(&mut self) -> bool {
        self.step == Step::Inventory && self.plan().is_some_and(|p| !p.is_empty())
    }

    pub fn go_to_confirm(&mut self) {
        if self.can_go_to_confirm() {
            self.typed.clear();
            self.step = Step::Confirm;
        }
    }

    pub fn back(&mut self) {
        if self.step == Step::Confirm {
            self.step = Step::Inventory;
        }
    }

    /// The typed confirmation matches the scope.
    pub fn is_confirmed(&self) -> bool {
        self.step == Step::Confirm && self.scope.is_confirmed_by(&self.typed)
    }

    pub fn execute(&mut self, ctx: &egui::Context) {
        if !(self.is_confirmed() || self.step == Step::Report || self.step == Step::Run) {
            return;
        }
        let run = match &self.run {
            Some(run) => run.clone(),
            None => {
                let Some(plan) = self.plan().cloned() else {
                    return;
                };
                let run = Arc::new(CleanupRun::new(plan, RunOptions::default()));
                self.run = Some(run.clone());
                run
            }
        };
        let connection = self.connection.clone();
        let notify = task::notifier(ctx);
        let running = run.clone();
        self.running = Some(task::spawn(ctx, async move {
            running.execute(&connection, &notify).await
        }));
        self.run_started_secs = ctx.input(|i| i.time);
        self.step = Step::Run;
    }

    pub fn stop(&self) {
        if let Some(run) = &self.run {
            run.stop();
        }
    }

    fn poll(&mut self, ctx: &egui::Context) {
        if let Some((progress, promise)) = self.scanning.take() {
            match promise.try_take() {
                Ok(Ok(inventory)) => {
                    // Every upload starts chosen; the user unticks what to keep.
                    self.chosen_uploads = (0..inventory.uploads.len()).collect();
                    self.count_rows = inventory.count_rows();
                    self.inventory = Some(inventory);
                }
                Ok(Err(e)) => self.scan_error = Some(e),
                Err(promise) => self.scanning = Some((progress, promise)),
            }
        }
        if let Some(promise) = self.running.take() {
            match promise.try_take() {
                Ok(report) => {
                    self.step = Step::Report;
                    #[cfg(not(target_arch = "wasm32"))]
                    if let (Some(run), Some(dir)) = (&self.run, &self.reports_dir) {
                        self.export_note = run
                            .save_audit_copy(dir)
                            .ok()
                            .map(|path| format!("A copy of this report is in {}.", path.display()));
                    }
                    self.report = Some(report);
                }
                Err(promise) => self.running = Some(promise),
            }
        }
        if let Some(promise) = self.lifecycle.take() {
            match promise.try_take() {
                Ok(Ok(days)) => {
                    self.lifecycle_note = Some(format!(
                        "Added: this bucket now aborts incomplete uploads {days} days after \
                         they start."
                    ))
                }
                Ok(Err(e)) => self.lifecycle_note = Some(e.with_hint()),
                Err(promise) => self.lifecycle = Some(promise),
            }
        }
        #[cfg(not(target_arch = "wasm32"))]
        if let Some(promise) = self.exporting.take() {
            match promise.try_take() {
                Ok(note) => self.export_note = note.or(self.export_note.take()),
                Err(promise) => self.exporting = Some(promise),
            }
        }
        let _ = ctx;
    }

    pub fn ui(&mut self, ctx: &egui::Context) -> CleanupOutcome {
        self.poll(ctx);
        let mut outcome = CleanupOutcome::Open;
        let mut open = true;
        egui::Window::new(self.title())
            .id(egui::Id::unique("cleanup-wizard"))
            .collapsible(false)
            .resizable(true)
            .default_width(640.0)
            .open(&mut open)
            .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
            .show(ctx, |ui| {
                self.steps_bar_ui(ui);
                ui.label(RichText::new(self.scope.describe()).strong());
                ui.separator();
                egui::ScrollArea::vertical()
                    .max_height(420.0)
                    .show(ui, |ui| {
                        ui.set_min_height(300.0);
                        match self.step {
                            Step::Inventory => self.inventory_ui(ui),
                            Step::Confirm => self.confirm_ui(ui),
                            Step::Run => self.progress_ui(ui),
                            Step::Report => self.report_ui(ui),
                        }
                    });
                ui.separator();
                ui.horizontal(|ui| outcome = self.buttons_ui(ui));
            });
        if !open {
            self.stop_scan();
            self.stop();
            outcome = self.closing_outcome();
        }
        outcome
    }

    /// Closing after a run says what changed, so the app refreshes.
    fn closing_outcome(&self) -> CleanupOutcome {
        match &self.run {
            Some(run)
                if run.progress.objects_deleted.load(Relaxed) > 0
                    || run.progress.uploads_aborted.load(Relaxed) > 0
                    || self
                        .report
                        .as_ref()
                        .is_some_and(|r| r.bucket_deleted == Some(true)) =>
            {
                CleanupOutcome::Changed {
                    bucket: self.scope.bucket().to_owned(),
                    bucket_deleted: self
                        .report
                        .as_ref()
                        .is_some_and(|r| r.bucket_deleted == Some(true)),
                }
            }
            _ => CleanupOutcome::Closed,
        }
    }

    fn steps_bar_ui(&self, ui: &mut egui::Ui) {
        let titles: Vec<&str> = Step::ORDER.iter().map(|s| s.title()).collect();
        let current = Step::ORDER
            .iter()
            .position(|s| *s == self.step)
            .unwrap_or(0);
        super::widgets::steps_bar(ui, &titles, current);
    }

    fn buttons_ui(&mut self, ui: &mut egui::Ui) -> CleanupOutcome {
        let ctx = ui.ctx().clone();
        match self.step {
            Step::Inventory => {
                if ui
                    .add_enabled(self.can_go_to_confirm(), egui::Button::new("Next ⏵"))
                    .clicked()
                {
                    self.go_to_confirm();
                }
                if ui.button("Cancel").clicked() {
                    self.stop_scan();
                    return CleanupOutcome::Closed;
                }
            }
            Step::Confirm => {
                if ui.button("⏴ Back").clicked() {
                    self.back();
                }
                let danger = egui::Button::new(
                    RichText::new("🗑 Delete").color(ui.visuals().strong_text_color()),
                )
                .fill(ui.visuals().error_fg_color.gamma_multiply(0.6));
                if ui.add_enabled(self.is_confirmed(), danger).clicked() {
                    self.execute(&ctx);
                }
                if ui.button("Cancel").clicked() {
                    return CleanupOutcome::Closed;
                }
            }
            Step::Run => {
                if ui.button("⏹ Stop").clicked() {
                    self.stop();
                }
                ui.label(RichText::new("Batches in flight finish; nothing new starts.").weak());
            }
            Step::Report => {
                let report = self.report.clone();
                if let Some(report) = &report
                    && !report.is_complete()
                    && self.running.is_none()
                {
                    let label = if report.stopped {
                        "⏵ Continue"
                    } else {
                        "⟳ Retry what failed"
                    };
                    if ui.button(label).clicked() {
                        self.execute(&ctx);
                    }
                }
                #[cfg(not(target_arch = "wasm32"))]
                {
                    if ui.button("Export CSV…").clicked() {
                        self.export(&ctx, "csv");
                    }
                    if ui.button("Export JSON…").clicked() {
                        self.export(&ctx, "json");
                    }
                }
                if ui.button("Close").clicked() {
                    return self.closing_outcome();
                }
            }
        }
        CleanupOutcome::Open
    }

    fn inventory_ui(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        egui::CollapsingHeader::new("Narrow it down (optional)")
            .default_open(!self.filter_fields.filters().is_ok_and(|f| f.is_empty()))
            .show(ui, |ui| {
                egui::Grid::new("cleanup-filters")
                    .num_columns(2)
                    .show(ui, |ui| {
                        let label = ui.label("Older than (days):");
                        ui.add(
                            egui::TextEdit::singleline(&mut self.filter_fields.older_than_days)
                                .hint_text("any age")
                                .desired_width(80.0),
                        )
                        .labelled_by(label.id);
                        ui.end_row();
                        if self.scope.deletes_objects() {
                            ui.label("Storage class:");
                            egui::ComboBox::from_id_salt("cleanup-class")
                                .selected_text(
                                    self.filter_fields
                                        .storage_class
                                        .map_or("any", StorageClass::as_str),
                                )
                                .show_ui(ui, |ui| {
                                    ui.selectable_value(
                                        &mut self.filter_fields.storage_class,
                                        None,
                                        "any",
                                    );
                                    for class in [
                                        StorageClass::Standard,
                                        StorageClass::StandardIa,
                                        StorageClass::OnezoneIa,
                                        StorageClass::IntelligentTiering,
                                        StorageClass::GlacierIr,
                                        StorageClass::Glacier,
                                        StorageClass::DeepArchive,
                                    ] {
                                        ui.selectable_value(
                                            &mut self.filter_fields.storage_class,
                                            Some(class),
                                            class.as_str(),
                                        );
                                    }
                                });
                            ui.end_row();
                        }
                        let label = ui.label("Keys matching:");
                        ui.add(
                            egui::TextEdit::singleline(&mut self.filter_fields.key_glob)
                                .hint_text("e.g. *.tmp (* any, ? one character)")
                                .desired_width(240.0),
                        )
                        .labelled_by(label.id);
                        ui.end_row();
                    });
                if ui
                    .add_enabled(!self.is_scanning(), egui::Button::new("🔍 Scan again"))
                    .clicked()
                {
                    self.start_scan(&ctx);
                }
            });
        if let Some((progress, _)) = &self.scanning {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label(format!(
                    "Scanning… {} found ({}), {} incomplete uploads",
                    thousands(progress.entries_seen.load(Relaxed)),
                    human_bytes(progress.bytes_seen.load(Relaxed)),
                    thousands(progress.uploads_seen.load(Relaxed)),
                ));
            });
            if ui.button("⏹ Stop scan").clicked() {
                self.stop_scan();
            }
            return;
        }
        if let Some(e) = &self.scan_error {
            let (message, hint) = (e.to_string(), e.hint());
            let mut retry = false;
            super::widgets::error_card(ui, &message, &hint, || retry = true);
            if retry {
                self.start_scan(&ctx);
            }
            return;
        }
        let Some(inventory) = &self.inventory else {
            return;
        };
        let c = inventory.counts();
        ui.label(
            RichText::new(format!(
                "Nothing has been deleted. Scanned at {} UTC.",
                utc_datetime(inventory.scanned_at_secs)
            ))
            .weak(),
        );
        egui::Grid::new("cleanup-counts")
            .num_columns(3)
            .spacing([24.0, 4.0])
            .striped(true)
            .show(ui, |ui| {
                for row in &self.count_rows {
                    ui.label(row.label);
                    ui.label(RichText::new(thousands(row.count)).monospace());
                    ui.label(RichText::new(&row.bytes).monospace());
                    ui.end_row();
                }
            });
        match inventory.versioning {
            Versioning::Versioned => {
                ui.label("This bucket keeps versions: the next step asks what to do with them.");
            }
            Versioning::NotListed if inventory.scope.deletes_objects() => {
                ui.label(
                    RichText::new("This server does not list versions; objects are deleted.")
                        .weak(),
                );
            }
            _ => {}
        }
        if !inventory.uploads_listed {
            ui.label(RichText::new("This server does not list incomplete uploads.").weak());
        } else if c.uploads > 0 && !inventory.scope.aborts_uploads() {
            ui.label(
                RichText::new(
                    "Incomplete uploads under a prefix are kept (one may be running now); \
                     “Incomplete uploads…” in the clean-up menu aborts them.",
                )
                .weak(),
            );
        }
        if c.locked > 0 {
            ui.colored_label(
                ui.visuals().warn_fg_color,
                format!(
                    "{} under legal hold or retention: S3 will refuse to delete them, and \
                     the report will list them.",
                    count(c.locked, "object is", "objects are")
                ),
            );
        }
        if matches!(self.scope, Scope::Uploads { .. }) {
            self.uploads_table_ui(ui);
            return;
        }
        let sample = inventory.sample(12);
        if !sample.is_empty() {
            ui.add_space(6.0);
            ui.label(RichText::new("Sample of what the scan found:").strong());
            for item in sample {
                let mut note = String::new();
                if item.kind == ItemKind::DeleteMarker {
                    note += "  delete marker";
                } else if item.kind == ItemKind::Noncurrent {
                    note += "  old version";
                }
                if let Some(why) = &item.locked {
                    note += &format!("  🔒 {why}");
                }
                ui.label(
                    RichText::new(format!(
                        "{}  {:>9}  {}{note}",
                        &utc_datetime(item.last_modified_secs)[..10],
                        human_bytes(item.size_bytes),
                        item.key
                    ))
                    .monospace(),
                );
            }
        } else if inventory.is_empty() {
            ui.label("Nothing matches: there is nothing to delete.");
        }
    }

    fn uploads_table_ui(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        let Some(inventory) = &self.inventory else {
            return;
        };
        let (uploads, chosen_uploads) = (&inventory.uploads, &mut self.chosen_uploads);
        ui.add_space(6.0);
        ui.horizontal(|ui| {
            if ui.button("Choose all").clicked() {
                *chosen_uploads = (0..uploads.len()).collect();
            }
            if ui.button("Choose none").clicked() {
                chosen_uploads.clear();
            }
            ui.label(
                RichText::new("To choose by age, set “Older than” above and scan again.").weak(),
            );
        });
        egui::Grid::new("cleanup-uploads")
            .num_columns(5)
            .striped(true)
            .show(ui, |ui| {
                for text in ["", "Key", "Started (UTC)", "Parts", "Bytes"] {
                    ui.label(RichText::new(text).strong());
                }
                ui.end_row();
                for (i, u) in uploads.iter().enumerate() {
                    let mut chosen = chosen_uploads.contains(&i);
                    if ui.checkbox(&mut chosen, "").changed() {
                        if chosen {
                            chosen_uploads.insert(i);
                        } else {
                            chosen_uploads.remove(&i);
                        }
                    }
                    ui.label(&u.key);
                    ui.label(utc_datetime(u.initiated_secs));
                    ui.label(u.parts.map_or("?".into(), thousands));
                    ui.label(u.bytes.map_or("?".into(), human_bytes));
                    ui.end_row();
                }
            });
        ui.add_space(8.0);
        ui.label(RichText::new("Let S3 do this from now on").strong());
        ui.horizontal(|ui| {
            let label = ui.label("Abort incomplete uploads after");
            ui.add(
                egui::TextEdit::singleline(&mut self.lifecycle_days)
                    .desired_width(40.0)
                    .hint_text("days"),
            )
            .labelled_by(label.id);
            ui.label("days");
            let days = self
                .lifecycle_days
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|d| *d > 0);
            if ui
                .add_enabled(
                    days.is_some() && self.lifecycle.is_none(),
                    egui::Button::new("Add lifecycle rule"),
                )
                .clicked()
                && let Some(days) = days
            {
                let connection = self.connection.clone();
                let bucket = self.scope.bucket().to_owned();
                self.lifecycle = Some(task::spawn(&ctx, async move {
                    crate::s3::uploads::add_abort_rule(&connection, &bucket, days)
                        .await
                        .map(|()| days)
                }));
            }
        });
        if let Some(note) = &self.lifecycle_note {
            ui.label(note);
        }
    }

    fn confirm_ui(&mut self, ui: &mut egui::Ui) {
        let versioned = self
            .inventory
            .as_ref()
            .is_some_and(|i| i.versioning == Versioning::Versioned);
        if versioned && self.scope.deletes_objects() {
            ui.label(RichText::new("This bucket keeps versions. Choose:").strong());
            let bucket_scope = matches!(
                self.scope,
                Scope::Bucket { .. } | Scope::DeleteBucket { .. }
            );
            ui.radio_value(
                &mut self.mode,
                VersionMode::AllVersions,
                "Delete permanently: every version and delete marker",
            );
            ui.label(
                RichText::new(
                    "    The data is gone for good and stops costing money. It cannot be restored.",
                )
                .weak(),
            );
            ui.add_enabled_ui(!bucket_scope, |ui| {
                ui.radio_value(
                    &mut self.mode,
                    VersionMode::DeleteMarkersOnly,
                    "Only add delete markers",
                );
            });
            ui.label(
                RichText::new(if bucket_scope {
                    "    Not for a whole bucket: a bucket is empty only when every version is gone."
                } else {
                    "    Objects disappear from listings, but every version stays (and stays \
                     billed); deleting a marker brings its object back."
                })
                .weak(),
            );
            if bucket_scope {
                self.mode = VersionMode::AllVersions;
            }
            ui.separator();
        }
        self.refresh_plan();
        let Some(view) = &self.plan_view else { return };
        ui.label(RichText::new("This will:").strong());
        ui.label(RichText::new(&view.summary).size(15.0));
        if view.bytes_freed > 0 {
            ui.label(format!("Storage freed: {}.", human_bytes(view.bytes_freed)));
        }
        ui.label(
            RichText::new(
                "Only what the scan found goes: anything written since then is left alone.",
            )
            .weak(),
        );
        ui.add_space(8.0);
        let expected = self
            .scope
            .confirmation_text()
            .unwrap_or_else(|| "yes".into());
        let what = match &self.scope {
            Scope::Prefix { prefix, .. } if !prefix.is_empty() => "the prefix",
            Scope::Objects { .. } | Scope::Uploads { .. } => "",
            _ => "the bucket name",
        };
        let label = ui.label(if what.is_empty() {
            format!("Type {expected} to confirm:")
        } else {
            format!("Type {what} to confirm: {expected}")
        });
        ui.add(
            egui::TextEdit::singleline(&mut self.typed)
                .hint_text(expected.as_str())
                .desired_width(320.0),
        )
        .labelled_by(label.id);
    }

    fn progress_ui(&self, ui: &mut egui::Ui) {
        let Some(run) = &self.run else { return };
        let plan = run.plan();
        let total = plan.objects.len() as u64 + plan.uploads.len() as u64;
        let p = &run.progress;
        let done = p.objects_deleted.load(Relaxed)
            + p.uploads_aborted.load(Relaxed)
            + p.failures.load(Relaxed);
        let elapsed = (ui.input(|i| i.time) - self.run_started_secs).max(0.001);
        let rate = done as f64 / elapsed;
        let eta = if rate > 0.0 && total > done {
            format!(
                ", about {}",
                crate::format::time_left((total - done) as f64 / rate)
            )
        } else {
            String::new()
        };
        ui.add(
            egui::ProgressBar::new(if total == 0 {
                1.0
            } else {
                done as f32 / total as f32
            })
            .show_percentage(),
        );
        ui.label(format!(
            "{} of {} done ({} failed), {:.0} per second{eta}",
            thousands(done),
            thousands(total),
            thousands(p.failures.load(Relaxed)),
            rate
        ));
        ui.label(format!(
            "{} freed so far, {} requests sent",
            human_bytes(p.bytes_deleted.load(Relaxed)),
            thousands(p.requests.load(Relaxed))
        ));
        if plan.delete_bucket {
            ui.label(RichText::new("The bucket itself goes last.").weak());
        }
    }

    fn report_ui(&self, ui: &mut egui::Ui) {
        let Some(report) = &self.report else { return };
        let (icon, color) = if report.is_complete() {
            ("✔", ui.visuals().selection.stroke.color)
        } else {
            ("⚠", ui.visuals().warn_fg_color)
        };
        ui.horizontal_wrapped(|ui| {
            ui.label(RichText::new(icon).color(color).size(18.0));
            ui.label(RichText::new(report.summary()).strong());
        });
        ui.label(format!(
            "{} freed, {} requests.",
            human_bytes(report.deleted_bytes),
            thousands(report.requests)
        ));
        if let Some(note) = &self.export_note {
            ui.label(RichText::new(note).weak());
        }
        if report.failures.is_empty() {
            return;
        }
        ui.add_space(6.0);
        ui.label(
            RichText::new(format!(
                "{} failed:",
                thousands(report.failures.len() as u64)
            ))
            .strong(),
        );
        egui::Grid::new("cleanup-failures")
            .num_columns(3)
            .striped(true)
            .show(ui, |ui| {
                for f in report.failures.iter().take(200) {
                    ui.label(f.kind);
                    ui.label(match &f.version_id {
                        Some(v) => format!("{} ({v})", f.key),
                        None => f.key.clone(),
                    });
                    ui.label(&f.reason);
                    ui.end_row();
                }
            });
        if report.failures.len() > 200 {
            ui.label("… the export has every one of them.");
        }
    }

    #[cfg(not(target_arch = "wasm32"))]
    fn export(&mut self, ctx: &egui::Context, extension: &'static str) {
        let Some(run) = self.run.clone() else { return };
        self.exporting = Some(task::spawn(ctx, async move {
            let file = rfd::AsyncFileDialog::new()
                .set_title("Export the cleanup report")
                .set_file_name(format!("skiff-cleanup-report.{extension}"))
                .save_file()
                .await?;
            let text = if extension == "json" {
                run.export_json()
            } else {
                run.export_csv()
            };
            Some(match std::fs::write(file.path(), text) {
                Ok(()) => format!("Exported to {}.", file.path().display()),
                Err(e) => format!("Could not write {}: {e}", file.path().display()),
            })
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_fields_parse() {
        let mut f = FilterFields::default();
        assert!(f.filters().unwrap().is_empty());
        f.older_than_days = " 30 ".into();
        f.key_glob = "*.tmp".into();
        let filters = f.filters().unwrap();
        assert_eq!(filters.older_than_days, Some(30));
        assert_eq!(filters.key_glob.as_deref(), Some("*.tmp"));
        f.older_than_days = "a month".into();
        assert!(f.filters().is_err());
    }
}
