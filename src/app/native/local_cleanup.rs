//! The local side of cleanup: the files Skiff downloaded, listed from the downloads ledger,
//! confirmed, deleted. Files changed since their download are shown and kept.

use egui::RichText;
use poll_promise::Promise;

use crate::app::task;
use crate::app::widgets::Shown;
use crate::cleanup::local::{
    LocalInventory, LocalReport, LocalScope, LocalState, delete_local, scan_local,
};
use crate::format::{count, human_bytes, utc_datetime};

pub struct LocalCleanup {
    bucket: String,
    pub only_this_bucket: bool,
    pub older_than_days: String,
    scanning: Option<Promise<LocalInventory>>,
    pub inventory: Option<LocalInventory>,
    pub typed: String,
    deleting: Option<Promise<LocalReport>>,
    pub report: Option<LocalReport>,
}

impl LocalCleanup {
    pub fn open(ctx: &egui::Context, bucket: &str) -> Self {
        let mut window = Self {
            bucket: bucket.to_owned(),
            only_this_bucket: true,
            older_than_days: String::new(),
            scanning: None,
            inventory: None,
            typed: String::new(),
            deleting: None,
            report: None,
        };
        window.scan(ctx);
        window
    }

    fn scope(&self) -> LocalScope {
        LocalScope {
            bucket: self.only_this_bucket.then(|| self.bucket.clone()),
            older_than_days: self.older_than_days.trim().parse().ok(),
        }
    }

    fn scan(&mut self, ctx: &egui::Context) {
        let scope = self.scope();
        self.inventory = None;
        self.report = None;
        self.typed.clear();
        // File metadata of many files: off the UI thread.
        self.scanning = Some(task::spawn(ctx, async move {
            tokio::task::spawn_blocking(move || scan_local(&scope))
                .await
                .unwrap_or_default()
        }));
    }

    pub fn show(&mut self, ctx: &egui::Context) -> Shown {
        if let Some(inventory) = task::take_ready(&mut self.scanning) {
            self.inventory = Some(inventory);
        }
        if let Some(report) = task::take_ready(&mut self.deleting) {
            self.report = Some(report);
        }
        let mut open = true;
        let mut close = false;
        crate::app::widgets::dialog(ctx, "Clean up local downloads")
            .default_width(640.0)
            .open(&mut open)
            .show(ctx, |ui| {
                self.scope_ui(ui);
                ui.separator();
                if self.scanning.is_some() {
                    ui.spinner();
                } else if let Some(report) = &self.report {
                    report_ui(ui, report);
                    close = ui.button("Close").clicked();
                } else if self.inventory_ui(ui) {
                    self.delete(ctx);
                }
            });
        Shown::open_while(open && !close)
    }

    /// Which downloads: from this bucket or any, and how long ago.
    fn scope_ui(&mut self, ui: &mut egui::Ui) {
        ui.horizontal_wrapped(|ui| {
            ui.checkbox(
                &mut self.only_this_bucket,
                format!("Only from {}", self.bucket),
            );
            let label = ui.label("Downloaded more than");
            ui.add(
                egui::TextEdit::singleline(&mut self.older_than_days)
                    .hint_text("any")
                    .desired_width(40.0),
            )
            .labelled_by(label.id);
            ui.label("days ago");
            if ui.button("🔍 Scan").clicked() {
                self.scan(ui.ctx());
            }
        });
    }

    /// The files found and the typed confirmation; true when Delete was clicked.
    fn inventory_ui(&mut self, ui: &mut egui::Ui) -> bool {
        let Some(inventory) = &self.inventory else {
            return false;
        };
        if inventory.files.is_empty() {
            ui.label("Skiff has no record of downloads that match.");
            return false;
        }
        let (n, bytes) = inventory.count(LocalState::Unchanged);
        let (changed, _) = inventory.count(LocalState::Modified);
        ui.label(format!(
            "{} as downloaded ({}) will be deleted; {} changed since download \
             will be kept.",
            count(n, "file", "files"),
            human_bytes(bytes),
            changed
        ));
        files_ui(ui, inventory);
        if n == 0 {
            return false;
        }
        let mut delete = false;
        ui.horizontal(|ui| {
            let label = ui.label("Type yes to confirm:");
            ui.add(
                egui::TextEdit::singleline(&mut self.typed)
                    .hint_text("yes")
                    .desired_width(60.0),
            )
            .labelled_by(label.id);
            let confirmed = crate::cleanup::scope::typed_confirms(None, &self.typed);
            let button = egui::Button::new(format!("🗑 Delete {}", count(n, "file", "files")));
            delete = ui
                .add_enabled(confirmed && self.deleting.is_none(), button)
                .clicked();
        });
        delete
    }

    /// Deletes what the inventory found unchanged, off the UI thread.
    fn delete(&mut self, ctx: &egui::Context) {
        let Some(inventory) = self.inventory.clone() else {
            return;
        };
        self.deleting = Some(task::spawn(ctx, async move {
            tokio::task::spawn_blocking(move || delete_local(&inventory))
                .await
                .unwrap_or_default()
        }));
    }
}

fn files_ui(ui: &mut egui::Ui, inventory: &LocalInventory) {
    egui::ScrollArea::vertical()
        .max_height(280.0)
        .show(ui, |ui| {
            for file in inventory.files.iter().take(500) {
                let state = match file.state {
                    LocalState::Unchanged => "delete",
                    LocalState::Modified => "keep (changed)",
                    LocalState::Missing => "already gone",
                };
                ui.label(
                    RichText::new(format!(
                        "{}  {:>9}  {:<15} {}",
                        &utc_datetime(file.record.downloaded_at_secs)[..10],
                        human_bytes(file.record.size_bytes),
                        state,
                        file.record.path.display()
                    ))
                    .monospace(),
                );
            }
            for folder in &inventory.folders {
                ui.label(
                    RichText::new(format!(
                        "{:>21}  {:<15} {}",
                        "",
                        "remove (empty)",
                        folder.display()
                    ))
                    .monospace(),
                )
                .on_hover_text("A folder Skiff made for these downloads; nothing else is in it.");
            }
        });
}

fn report_ui(ui: &mut egui::Ui, report: &LocalReport) {
    ui.label(
        RichText::new(format!(
            "Deleted {} ({}) and {} emptied folders; kept {} changed since download.",
            count(report.deleted, "file", "files"),
            human_bytes(report.deleted_bytes),
            report.folders_removed,
            report.kept_modified
        ))
        .strong(),
    );
    for (path, why) in &report.failures {
        ui.colored_label(
            ui.visuals().error_fg_color,
            format!("{}: {why}", path.display()),
        );
    }
}
