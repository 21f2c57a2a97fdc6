//! What the prefix browser draws around its table: the breadcrumbs, the toolbar, "New folder"
//! and the status line. The table is in `table.rs`, the details panel in `details.rs`, the
//! browser's state and its listing in `mod.rs`.

use egui::RichText;

use super::{Browser, BrowserRequest, ListStatus, ViewMode};
use crate::format::{count, human_bytes, thousands};

impl Browser {
    pub fn ui(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        self.poll(&ctx);
        self.poll_expanding();
        self.main_ui(ui);
        self.versions_ui(&ctx);
        if let Some(dialog) = &mut self.relocate {
            let shown = dialog.show(&ctx, &self.connection);
            if shown.closed {
                self.relocate = None;
            }
            if shown.refresh {
                self.refresh(&ctx);
            }
            if let Some(action) = shown.show_command {
                self.request = Some(BrowserRequest::ShowCommand(action));
            }
        }
        if self.show_transfer_choices {
            let mut open = true;
            egui::Window::new("Transfer options")
                .collapsible(false)
                .resizable(false)
                // Under the toolbar, at the right, where the button that opens it sits.
                .pivot(egui::Align2::RIGHT_TOP)
                .default_pos([ctx.content_rect().right() - 16.0, 120.0])
                .open(&mut open)
                .show(&ctx, |ui| self.transfer_choices.ui(ui));
            self.show_transfer_choices = open;
        }
    }

    fn main_ui(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        self.breadcrumbs_ui(ui);
        self.toolbar_ui(ui);
        ui.separator();
        if let ListStatus::Failed { error, .. } = &self.status {
            let (message, hint) = (error.to_string(), crate::app::widgets::s3_hint(error));
            let mut retry = false;
            crate::app::widgets::error_card(ui, &message, &hint, || {
                retry = true;
            });
            if retry {
                self.retry(&ctx);
            }
        }
        // The details panel sits beside the table only: opening it must not re-wrap the
        // toolbar, or the rows would jump under the pointer between two clicks.
        let mut rest = ui.available_rect_before_wrap();
        if self.details.is_some() {
            let panel = egui::Panel::right("details")
                .resizable(true)
                .default_size(300.0)
                .show(ui, |ui| self.details_ui(ui));
            // The table sizes itself to its ui's max rect: keep it left of the panel.
            rest.max.x = panel.response.rect.min.x - ui.spacing().item_spacing.x;
        }
        ui.scope_builder(egui::UiBuilder::new().max_rect(rest), |ui| {
            self.table_ui(ui);
        });
        self.new_folder_ui(&ctx);
    }

    fn breadcrumbs_ui(&mut self, ui: &mut egui::Ui) {
        let mut go_to = None;
        ui.horizontal_wrapped(|ui| {
            ui.spacing_mut().item_spacing.x = 2.0;
            if ui
                .button(RichText::new(format!("s3://{}", self.bucket)).strong())
                .on_hover_text("Bucket root")
                .clicked()
            {
                go_to = Some(String::new());
            }
            let mut end = 0;
            for segment in self.prefix.split_inclusive('/') {
                end += segment.len();
                ui.label("/");
                let name = segment.trim_end_matches('/');
                let name = if name.is_empty() { "(empty)" } else { name };
                if ui.button(name).clicked() {
                    go_to = Some(self.prefix[..end].to_owned());
                }
            }
            if let ViewMode::Search(term) = &self.mode {
                ui.label(RichText::new(format!("  names starting with “{term}”")).italics());
            }
        });
        if let Some(prefix) = go_to {
            let ctx = ui.ctx().clone();
            self.navigate(&ctx, &prefix, ViewMode::Folder);
        }
    }

    fn toolbar_ui(&mut self, ui: &mut egui::Ui) {
        // Wraps rather than squeezing the filter box when the window is narrow.
        ui.horizontal_wrapped(|ui| {
            self.actions_ui(ui);
            self.cleanup_menu_ui(ui);
            self.show_command_menu_ui(ui);
            self.view_and_filter_ui(ui);
        });
    }

    /// Refresh, stop, new folder, settings, uploads, transfer options and download.
    fn actions_ui(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        if ui.button("⟳ Refresh").clicked() {
            self.refresh(&ctx);
        }
        // Always there (disabled when idle), so the toolbar does not jump when a listing ends.
        if ui
            .add_enabled(self.is_loading(), egui::Button::new("⏹ Stop"))
            .on_hover_text("Stop fetching pages; the rows loaded so far stay")
            .clicked()
        {
            self.stop();
        }
        if ui.button("🗀 New folder").clicked() {
            self.start_new_folder();
        }
        if ui
            .button("⚙ Bucket settings")
            .on_hover_text("Versioning, encryption, lifecycle, tags and CORS of this bucket")
            .clicked()
        {
            self.request = Some(BrowserRequest::Settings);
        }
        if ui
            .button("⬆ Upload files…")
            .on_hover_text(if cfg!(target_arch = "wasm32") {
                "Or drop files on the page"
            } else {
                "Or drop files and folders on the window"
            })
            .clicked()
        {
            self.request = Some(BrowserRequest::UploadFiles);
        }
        if ui.button("⬆ Upload folder…").clicked() {
            self.request = Some(BrowserRequest::UploadFolder);
        }
        if !cfg!(target_arch = "wasm32")
            && ui
                .button("🔄 Sync…")
                .on_hover_text(
                    "Keep a local folder and this prefix in step: only what differs is sent",
                )
                .clicked()
        {
            self.request = Some(BrowserRequest::Sync);
        }
        if ui
            .button("📊 Sizes…")
            .on_hover_text("What this prefix holds, folder by folder, and what it costs a month")
            .clicked()
        {
            self.request = Some(BrowserRequest::Sizes);
        }
        let options = match self.transfer_choices.summary() {
            Some(summary) => format!("⚙ Transfer options: {summary}"),
            None => "⚙ Transfer options".to_owned(),
        };
        if ui
            .selectable_label(self.show_transfer_choices, options)
            .on_hover_text(
                "Storage class, content type, metadata, and what to do when a file exists",
            )
            .clicked()
        {
            self.show_transfer_choices = !self.show_transfer_choices;
        }
        // In a browser each download is a link the browser saves, and browsers allow one
        // per click: one object at a time.
        let on_web = cfg!(target_arch = "wasm32");
        let chosen = match on_web {
            true => !self.selected_objects().is_empty(),
            // Selected folders download with everything in them.
            false => !self.selection.is_empty(),
        };
        let (label, hover) = match (chosen, on_web) {
            (true, _) => ("⬇ Download", "Save the selected objects"),
            (false, false) => ("⬇ Download all", "Every object listed here"),
            (false, true) => ("⬇ Download", "Select an object to save it"),
        };
        if ui
            .add_enabled(chosen || !on_web, egui::Button::new(label))
            .on_hover_text(hover)
            .on_disabled_hover_text(hover)
            .clicked()
        {
            self.start_download(&ctx);
        }
    }

    /// Flat view, the filter of loaded rows and the server-side search.
    fn view_and_filter_ui(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        let mut flat = self.mode == ViewMode::Flat;
        if ui
            .checkbox(&mut flat, "Flat view")
            .on_hover_text("Every key below this prefix, without folders")
            .changed()
        {
            let prefix = self.prefix.clone();
            let mode = if flat {
                ViewMode::Flat
            } else {
                ViewMode::Folder
            };
            self.navigate(&ctx, &prefix, mode);
        }
        if ui
            .button("🕘 Deleted…")
            .on_hover_text("Objects under this folder whose current version is a delete marker (versioned buckets), to undelete")
            .clicked()
        {
            let here = super::super::versions_window::VersionsOf::DeletedUnder(self.prefix.clone());
            self.open_versions(&ctx, here);
        }
        ui.separator();
        let label = ui.label("Filter:");
        let response = ui
            .add(
                egui::TextEdit::singleline(&mut self.filter_text)
                    .hint_text("name contains…")
                    .desired_width(180.0),
            )
            .labelled_by(label.id);
        if std::mem::take(&mut self.focus_filter) {
            response.request_focus();
        }
        if response.changed() {
            self.rows.set_filter(&self.filter_text);
        }
        let term = self.filter_text.trim().to_owned();
        if !term.is_empty()
            && !term.contains('/')
            && ui
                .button("🔍 Search server")
                .on_hover_text(format!(
                    "List names that start with “{term}” here, including ones not loaded yet"
                ))
                .clicked()
        {
            let prefix = self.prefix.clone();
            self.filter_text.clear();
            self.rows.set_filter("");
            self.navigate(&ctx, &prefix, ViewMode::Search(term));
        }
        if matches!(self.mode, ViewMode::Search(_)) && ui.button("✖ Clear search").clicked() {
            let prefix = self.prefix.clone();
            self.navigate(&ctx, &prefix, ViewMode::Folder);
        }
    }

    /// The AWS CLI, boto3 and skiff commands for what the user can do from here.
    fn show_command_menu_ui(&mut self, ui: &mut egui::Ui) {
        use crate::s3::commands::Action;
        let bucket = self.bucket.clone();
        let mut asked = None;
        ui.menu_button("</> Show command", |ui| {
            let recursive = self.mode == ViewMode::Flat;
            if ui.button("List this folder").clicked() {
                asked = Some(Action::List {
                    bucket: bucket.clone(),
                    prefix: self.prefix.clone(),
                    recursive,
                });
            }
            if let Some(BrowserRequest::Download {
                keys, relative_to, ..
            }) = self.download_request()
                && !keys.is_empty()
            {
                let label = match self.selection.is_empty() {
                    false => "Download the selected objects",
                    true => "Download every object listed",
                };
                if ui
                    .button(label)
                    .on_hover_text("Into the folder the command runs in")
                    .clicked()
                {
                    asked = Some(Action::Download {
                        bucket: bucket.clone(),
                        keys,
                        relative_to,
                        folder: ".".into(),
                    });
                }
            }
            let keys = self.selected_objects();
            if !keys.is_empty() && ui.button("Delete the selected objects").clicked() {
                asked = Some(Action::Delete {
                    bucket: bucket.clone(),
                    keys,
                });
            }
            if !self.prefix.is_empty() && ui.button("Delete this folder").clicked() {
                asked = Some(Action::DeletePrefix {
                    bucket: bucket.clone(),
                    prefix: self.prefix.clone(),
                });
            }
        });
        if let Some(action) = asked {
            self.request = Some(BrowserRequest::ShowCommand(action));
        }
    }

    /// Every cleanup scope reachable from where the user stands.
    fn cleanup_menu_ui(&mut self, ui: &mut egui::Ui) {
        use crate::cleanup::Scope;
        let bucket = self.bucket.clone();
        ui.menu_button("🗑 Clean up", |ui| {
            let selection = self.cleanup_scope();
            if let Some(scope) = selection.clone()
                && ui
                    .button(format!("Delete the selection ({})…", self.selection.len()))
                    .clicked()
            {
                self.request = Some(BrowserRequest::Cleanup(scope));
            }
            if !self.prefix.is_empty()
                && ui
                    .button(format!("Delete folder {}…", self.prefix))
                    .on_hover_text("This folder and everything under it")
                    .clicked()
            {
                self.request = Some(BrowserRequest::Cleanup(Scope::Prefix {
                    bucket: bucket.clone(),
                    prefix: self.prefix.clone(),
                }));
            }
            if selection.is_some() || !self.prefix.is_empty() {
                ui.separator();
            }
            if ui
                .button("Incomplete uploads…")
                .on_hover_text("Multipart uploads never finished: billed, but not listed")
                .clicked()
            {
                self.request = Some(BrowserRequest::Cleanup(Scope::Uploads {
                    bucket: bucket.clone(),
                    prefix: String::new(),
                }));
            }
            if ui
                .button("Empty bucket…")
                .on_hover_text("Every object, version and incomplete upload; the bucket stays")
                .clicked()
            {
                self.request = Some(BrowserRequest::Cleanup(Scope::Bucket {
                    bucket: bucket.clone(),
                }));
            }
            if ui
                .button("Delete bucket…")
                .on_hover_text("Empty it, then delete the bucket itself")
                .clicked()
            {
                self.request = Some(BrowserRequest::Cleanup(Scope::DeleteBucket {
                    bucket: bucket.clone(),
                }));
            }
            if cfg!(not(target_arch = "wasm32")) {
                ui.separator();
                if ui
                    .button("Local downloads…")
                    .on_hover_text("Files Skiff downloaded to this computer")
                    .clicked()
                {
                    self.request = Some(BrowserRequest::LocalCleanup);
                }
            }
        });
    }

    fn new_folder_ui(&mut self, ctx: &egui::Context) {
        let Some(dialog) = self.new_folder.as_mut() else {
            return;
        };
        let mut open = true;
        let (mut created, mut create) = (None, false);
        egui::Window::new("New folder")
            .collapsible(false)
            .resizable(false)
            .open(&mut open)
            .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
            .show(ctx, |ui| {
                ui.label(format!("In s3://{}/{}", self.bucket, self.prefix));
                let label = ui.label("Folder name:");
                let edit = ui
                    .add(
                        egui::TextEdit::singleline(&mut dialog.name)
                            .hint_text("e.g. checkpoints")
                            .desired_width(280.0),
                    )
                    .labelled_by(label.id);
                if dialog.creating.is_none() && dialog.name.is_empty() {
                    edit.request_focus();
                }
                let submit = edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
                if let Some(problem) = &dialog.problem {
                    ui.colored_label(ui.visuals().error_fg_color, problem);
                }
                match dialog.creating.as_ref().map(|p| p.ready()) {
                    Some(None) => {
                        ui.spinner();
                    }
                    Some(Some(Ok(key))) => created = Some(key.clone()),
                    Some(Some(Err(e))) => {
                        dialog.problem = Some(e.with_hint());
                        dialog.creating = None;
                    }
                    None => {
                        if ui.button("Create").clicked() || submit {
                            create = true;
                        }
                    }
                }
            });
        if create {
            self.create_folder(ctx);
        }
        if created.is_some() {
            self.new_folder = None;
            self.refresh(ctx);
        } else if !open {
            self.new_folder = None;
        }
    }

    /// The line at the bottom of the window.
    pub fn status_ui(&self, ui: &mut egui::Ui) {
        let r = &self.rows;
        let mut text = format!(
            "{} · {} · {}",
            count(r.object_count, "object", "objects"),
            human_bytes(r.total_bytes),
            count(r.folder_count, "folder", "folders")
        );
        if r.visible_len() != r.len() {
            text.push_str(&format!(
                " · {} match the filter",
                thousands(r.visible_len() as u64)
            ));
        }
        if self.expanding.is_some() {
            text.push_str(" · listing the selected folders to download them…");
        }
        if let Some(error) = &self.expand_error {
            text.push_str(&format!(" · the download did not start: {error}"));
        }
        if !self.selection.is_empty() {
            text.push_str(&format!(
                " · {} selected ({})",
                thousands(self.selection.len() as u64),
                human_bytes(self.selection_totals.1)
            ));
        }
        ui.horizontal(|ui| match &self.status {
            ListStatus::Loading { pages } => {
                ui.spinner();
                ui.label(format!("{text} · loading (page {})…", pages + 1));
            }
            ListStatus::Done => {
                ui.label(format!("{text} · complete"));
            }
            ListStatus::Stopped => {
                ui.label(format!("{text} · stopped: the listing may be incomplete"));
            }
            ListStatus::Failed { .. } => {
                ui.colored_label(
                    ui.visuals().warn_fg_color,
                    format!("{text} · a page failed: the rows above are kept"),
                );
            }
        });
    }
}
