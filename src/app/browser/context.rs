//! The browser's context menus (on a row, and on the empty part of the table), dragging rows onto
//! a folder, and what the menus' entries do.

use super::{Browser, BrowserRequest, ViewMode};
use crate::app::relocate_dialog::{Purpose, RelocateDialog};
use crate::app::versions_window::VersionsOf;
use crate::relocate::Mode;

/// The payload of rows being dragged: the selection (the dragged row joins it first).
#[derive(Debug, Clone, Copy)]
pub struct DraggedRows;

/// What a context menu entry asks for; carried out after the table is drawn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MenuAction {
    Open(String),
    Download,
    CopyUris,
    ShareLinks,
    Versions(String),
    EditMetadata(String),
    ShowDeleted,
    Cut,
    Copy,
    PasteInto(String),
    Rename,
    Relocate(Mode),
    ChangeClass,
    Delete,
    NewFolder,
    UploadFiles,
    SelectAll,
    Refresh,
}

impl Browser {
    /// The menu of a row; the selection already holds it (a right-click selects it).
    pub(super) fn row_menu_ui(
        &self,
        ui: &mut egui::Ui,
        key: &str,
        is_folder: bool,
    ) -> Option<MenuAction> {
        let mut action = None;
        let mut item = |ui: &mut egui::Ui, label: &str, what: MenuAction| {
            if ui.button(label).clicked() {
                action = Some(what);
                ui.close();
            }
        };
        let many = self.selection.len() > 1;
        if is_folder && !many {
            item(ui, "📂 Open", MenuAction::Open(key.to_owned()));
        }
        if !self.selected_objects().is_empty() || cfg!(not(target_arch = "wasm32")) {
            item(ui, "⬇ Download", MenuAction::Download);
        }
        if !self.selected_objects().is_empty() && cfg!(not(target_arch = "wasm32")) {
            let label = if many {
                "🔗 Copy links (CSV)…"
            } else {
                "🔗 Copy link…"
            };
            item(ui, label, MenuAction::ShareLinks);
        }
        if !is_folder && !many {
            item(ui, "🕘 Versions…", MenuAction::Versions(key.to_owned()));
            item(
                ui,
                "🏷 Metadata and tags…",
                MenuAction::EditMetadata(key.to_owned()),
            );
        }
        let uris = if many { "Copy S3 URIs" } else { "Copy S3 URI" };
        item(ui, uris, MenuAction::CopyUris);
        ui.separator();
        item(ui, "✂ Cut", MenuAction::Cut);
        item(ui, "📄 Copy", MenuAction::Copy);
        if is_folder && !many && self.clipboard.is_some() {
            item(
                ui,
                "📋 Paste into this folder",
                MenuAction::PasteInto(key.to_owned()),
            );
        }
        if !many {
            item(ui, "✏ Rename…", MenuAction::Rename);
        }
        item(ui, "Copy to…", MenuAction::Relocate(Mode::Copy));
        item(ui, "Move to…", MenuAction::Relocate(Mode::Move));
        item(ui, "Change storage class…", MenuAction::ChangeClass);
        ui.separator();
        item(ui, "🗑 Delete…", MenuAction::Delete);
        action
    }

    /// The menu of the table's empty part: things to do in the folder on screen.
    pub(super) fn background_menu_ui(&self, ui: &mut egui::Ui) -> Option<MenuAction> {
        let mut action = None;
        let mut item = |ui: &mut egui::Ui, label: &str, what: MenuAction| {
            if ui.button(label).clicked() {
                action = Some(what);
                ui.close();
            }
        };
        if let Some(clip) = &self.clipboard {
            let verb = if clip.mode == Mode::Move {
                "Move"
            } else {
                "Copy"
            };
            let label = format!("📋 Paste here ({verb} {} items)", clip.items.len());
            item(ui, &label, MenuAction::PasteInto(self.prefix.clone()));
        }
        item(ui, "📁 New folder…", MenuAction::NewFolder);
        item(ui, "⬆ Upload files…", MenuAction::UploadFiles);
        item(ui, "Select all", MenuAction::SelectAll);
        item(ui, "🕘 Show deleted objects…", MenuAction::ShowDeleted);
        item(ui, "⟳ Refresh", MenuAction::Refresh);
        action
    }

    pub(super) fn menu_action(&mut self, ctx: &egui::Context, action: MenuAction) {
        use super::super::shortcuts::Shortcut;
        match action {
            MenuAction::Open(folder) => self.navigate(ctx, &folder, ViewMode::Folder),
            MenuAction::Download => self.start_download(ctx),
            MenuAction::CopyUris => self.copy_uris(ctx),
            MenuAction::ShareLinks => {
                self.request = Some(BrowserRequest::ShareLink {
                    keys: self.selected_objects(),
                    version_id: None,
                });
            }
            MenuAction::Versions(key) => self.open_versions(ctx, VersionsOf::Object(key)),
            MenuAction::EditMetadata(key) => self.edit_metadata(ctx, &key),
            MenuAction::ShowDeleted => {
                let here = VersionsOf::DeletedUnder(self.prefix.clone());
                self.open_versions(ctx, here);
            }
            MenuAction::Cut => self.cut_or_copy(Mode::Move),
            MenuAction::Copy => self.cut_or_copy(Mode::Copy),
            MenuAction::PasteInto(folder) => self.paste_into(&folder),
            MenuAction::Rename => self.start_rename(),
            MenuAction::Relocate(mode) => {
                let items = self.selected_items();
                self.start_relocate(Purpose::Relocate { mode, items });
            }
            MenuAction::ChangeClass => {
                let items = self.selected_items();
                self.start_relocate(Purpose::ChangeClass { items });
            }
            MenuAction::Delete => self.on_shortcut(ctx, Shortcut::Delete),
            MenuAction::NewFolder => self.on_shortcut(ctx, Shortcut::NewFolder),
            MenuAction::UploadFiles => self.request = Some(BrowserRequest::UploadFiles),
            MenuAction::SelectAll => self.on_shortcut(ctx, Shortcut::SelectAll),
            MenuAction::Refresh => self.refresh(ctx),
        }
    }

    /// Rows dropped on a folder row: the selection moves into it (after the inventory).
    pub(super) fn drop_on_folder(&mut self, folder: &str) {
        let items: Vec<String> = (self.selected_items().into_iter())
            .filter(|item| item != folder)
            .collect();
        if items.is_empty() {
            return;
        }
        let dialog = RelocateDialog::paste(Mode::Move, &self.bucket, items, (&self.bucket, folder));
        self.open_relocate(dialog);
    }
}
