//! Choosing local files and folders: the system's dialog where the desktop has one, and Skiff's
//! own dialog where it does not. On Linux the system dialog needs an XDG desktop portal or zenity;
//! without either, rfd returns at once with nothing, which looks like a button that does nothing.
//! So the app opens its own dialog instead, up front when it can tell, and after such an
//! instant empty answer otherwise.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use egui::RichText;
use poll_promise::Promise;

use crate::app::FileDialogs;

/// What the user is asked to choose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PickKind {
    /// One or more files.
    Files,
    /// A single file.
    File,
    /// One folder.
    Folder,
    /// Where to save a new file, starting with this name.
    Save { file_name: String },
}

/// Whether the system's dialogs can be expected to open here.
pub fn detect() -> FileDialogs {
    match std::env::var("SKIFF_FILE_DIALOG").as_deref() {
        Ok("in-app") => return FileDialogs::InApp,
        Ok("system") => return FileDialogs::System,
        _ => {}
    }
    if cfg!(any(
        target_os = "linux",
        target_os = "freebsd",
        target_os = "openbsd"
    )) {
        let portal_reachable = std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some();
        if !portal_reachable && !on_path("zenity") {
            return FileDialogs::InApp;
        }
    }
    FileDialogs::System
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

/// A system dialog that answered "nothing" this fast did not open: nobody cancels that quickly.
const TOO_FAST_TO_BE_A_CANCEL: Duration = Duration::from_millis(400);

/// Set once a system dialog failed to open; the rest of the session uses Skiff's own.
static SYSTEM_DIALOGS_FAILED: AtomicBool = AtomicBool::new(false);

/// A file or folder choice in progress.
pub struct FilePick {
    title: String,
    kind: PickKind,
    way: Way,
}

enum Way {
    System {
        opened: Instant,
        answer: Promise<Option<Vec<PathBuf>>>,
    },
    InApp(InAppDialog),
}

impl FilePick {
    pub fn open(ctx: &egui::Context, dialogs: FileDialogs, title: &str, kind: PickKind) -> Self {
        let way = if dialogs == FileDialogs::InApp || SYSTEM_DIALOGS_FAILED.load(Ordering::Relaxed)
        {
            Way::InApp(InAppDialog::new(title, kind.clone()))
        } else {
            Way::System {
                opened: Instant::now(),
                answer: system_dialog(ctx, title, &kind),
            }
        };
        Self {
            title: title.to_owned(),
            kind,
            way,
        }
    }

    /// Call each frame: draws Skiff's dialog when that is the one open. `Some` once the user has
    /// chosen (empty when they cancelled).
    pub fn poll(&mut self, ctx: &egui::Context) -> Option<Vec<PathBuf>> {
        match &mut self.way {
            Way::InApp(dialog) => dialog.show(ctx),
            Way::System { opened, answer } => {
                let chosen = answer.ready()?.clone();
                if chosen.is_none() && opened.elapsed() < TOO_FAST_TO_BE_A_CANCEL {
                    tracing::warn!("the system's file dialog did not open; using Skiff's own");
                    SYSTEM_DIALOGS_FAILED.store(true, Ordering::Relaxed);
                    self.way = Way::InApp(InAppDialog::new(&self.title, self.kind.clone()));
                    return None;
                }
                Some(chosen.unwrap_or_default())
            }
        }
    }

    /// Skiff's own dialog, when that is the one open (for tests and the host).
    pub fn in_app(&self) -> Option<&InAppDialog> {
        match &self.way {
            Way::InApp(dialog) => Some(dialog),
            Way::System { .. } => None,
        }
    }
}

fn system_dialog(
    ctx: &egui::Context,
    title: &str,
    kind: &PickKind,
) -> Promise<Option<Vec<PathBuf>>> {
    let dialog = rfd::AsyncFileDialog::new().set_title(title);
    let kind = kind.clone();
    crate::app::task::spawn(ctx, async move {
        let one = |f: Option<rfd::FileHandle>| f.map(|f| vec![f.path().to_path_buf()]);
        match kind {
            PickKind::Files => dialog
                .pick_files()
                .await
                .map(|files| files.iter().map(|f| f.path().to_path_buf()).collect()),
            PickKind::File => one(dialog.pick_file().await),
            PickKind::Folder => one(dialog.pick_folder().await),
            PickKind::Save { file_name } => one(dialog.set_file_name(file_name).save_file().await),
        }
    })
}

/// One row of a folder's listing.
#[derive(Debug, Clone)]
struct Entry {
    name: String,
    is_dir: bool,
    size: u64,
}

/// Skiff's own file dialog: a folder's listing, a location field, the usual places, and the
/// choice made by click, Ctrl-click and Shift-click as in a system dialog.
pub struct InAppDialog {
    title: String,
    kind: PickKind,
    folder: PathBuf,
    location: String,
    entries: Vec<Entry>,
    read_error: Option<String>,
    show_hidden: bool,
    /// Indices into `entries`.
    selected: Vec<usize>,
    anchor: Option<usize>,
    file_name: String,
}

impl InAppDialog {
    fn new(title: &str, kind: PickKind) -> Self {
        let start = std::env::current_dir()
            .ok()
            .filter(|d| d.parent().is_some())
            .or_else(|| directories::BaseDirs::new().map(|d| d.home_dir().to_path_buf()))
            .unwrap_or_else(|| PathBuf::from("/"));
        let file_name = match &kind {
            PickKind::Save { file_name } => file_name.clone(),
            _ => String::new(),
        };
        let mut dialog = Self {
            title: title.to_owned(),
            kind,
            folder: PathBuf::new(),
            location: String::new(),
            entries: Vec::new(),
            read_error: None,
            show_hidden: false,
            selected: Vec::new(),
            anchor: None,
            file_name,
        };
        dialog.go_to(start);
        dialog
    }

    /// The folder on screen.
    pub fn folder(&self) -> &Path {
        &self.folder
    }

    fn go_to(&mut self, folder: PathBuf) {
        match read_folder(&folder) {
            Ok(entries) => {
                self.entries = entries;
                self.read_error = None;
                self.folder = folder;
            }
            Err(e) => {
                self.read_error = Some(format!("{} could not be opened: {e}", folder.display()));
            }
        }
        self.location = self.folder.display().to_string();
        self.selected.clear();
        self.anchor = None;
    }

    fn visible(&self) -> Vec<usize> {
        (0..self.entries.len())
            .filter(|&i| self.show_hidden || !self.entries[i].name.starts_with('.'))
            .collect()
    }

    fn click(&mut self, index: usize, modifiers: egui::Modifiers, visible: &[usize]) {
        let multiple = self.kind == PickKind::Files && !self.entries[index].is_dir;
        if multiple && modifiers.shift {
            let at = |i| visible.iter().position(|&v| v == i);
            if let (Some(from), Some(to)) = (self.anchor.and_then(at), at(index)) {
                let (from, to) = (from.min(to), from.max(to));
                self.selected = visible[from..=to]
                    .iter()
                    .copied()
                    .filter(|&i| !self.entries[i].is_dir)
                    .collect();
                return;
            }
        }
        if multiple && modifiers.command {
            if let Some(at) = self.selected.iter().position(|&i| i == index) {
                self.selected.remove(at);
            } else {
                self.selected.retain(|&i| !self.entries[i].is_dir);
                self.selected.push(index);
            }
        } else {
            self.selected = vec![index];
        }
        self.anchor = Some(index);
        if let (PickKind::Save { .. }, false) = (&self.kind, self.entries[index].is_dir) {
            self.file_name = self.entries[index].name.clone();
        }
    }

    /// What the main button would choose now, if anything.
    fn choice(&self) -> Option<Vec<PathBuf>> {
        let chosen = |i: &usize| self.folder.join(&self.entries[*i].name);
        match &self.kind {
            PickKind::Files | PickKind::File => {
                let files: Vec<PathBuf> = self
                    .selected
                    .iter()
                    .filter(|&&i| !self.entries[i].is_dir)
                    .map(chosen)
                    .collect();
                (!files.is_empty()).then_some(files)
            }
            PickKind::Folder => Some(vec![match self.selected.as_slice() {
                [one] if self.entries[*one].is_dir => chosen(one),
                _ => self.folder.clone(),
            }]),
            PickKind::Save { .. } => {
                let name = self.file_name.trim();
                let plain = !name.is_empty() && !name.contains(['/', '\\']) && name != "..";
                plain.then(|| vec![self.folder.join(name)])
            }
        }
    }

    fn choose_label(&self) -> String {
        match &self.kind {
            PickKind::Files | PickKind::File => match self.choice().map_or(0, |c| c.len()) {
                0 | 1 => "Choose".to_owned(),
                n => format!("Choose {n} files"),
            },
            PickKind::Folder => match self.choice().as_deref() {
                Some([folder]) if *folder != self.folder => format!(
                    "Choose “{}”",
                    folder.file_name().unwrap_or_default().to_string_lossy()
                ),
                _ => "Choose this folder".to_owned(),
            },
            PickKind::Save { .. } => "Save".to_owned(),
        }
    }

    /// Draws the dialog; `Some` once the user has chosen or cancelled (then empty).
    fn show(&mut self, ctx: &egui::Context) -> Option<Vec<PathBuf>> {
        let mut outcome = None;
        let modal = egui::Modal::new(egui::Id::unique("skiff-file-dialog")).show(ctx, |ui| {
            ui.set_width(620.0);
            ui.heading(&self.title);
            self.places_ui(ui);
            if let Some(e) = &self.read_error {
                ui.colored_label(ui.visuals().error_fg_color, e);
            }
            ui.separator();
            if let Some(chosen) = self.listing_ui(ui) {
                outcome = Some(chosen);
            }
            ui.separator();
            if let PickKind::Save { .. } = self.kind {
                ui.horizontal(|ui| {
                    let label = ui.label("File name:");
                    ui.add(egui::TextEdit::singleline(&mut self.file_name).desired_width(400.0))
                        .labelled_by(label.id);
                });
            }
            ui.horizontal(|ui| {
                ui.checkbox(&mut self.show_hidden, "Show hidden files");
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                    let choice = self.choice();
                    let label = self.choose_label();
                    if ui
                        .add_enabled(choice.is_some(), egui::Button::new(label))
                        .clicked()
                    {
                        outcome = choice;
                    }
                    if ui.button("Cancel").clicked() {
                        outcome = Some(Vec::new());
                    }
                });
            });
        });
        if modal.should_close() && outcome.is_none() {
            outcome = Some(Vec::new());
        }
        outcome
    }

    /// Up, the usual places, and the location field (Enter opens a folder or picks a file).
    fn places_ui(&mut self, ui: &mut egui::Ui) {
        let mut go = None;
        ui.horizontal_wrapped(|ui| {
            if let Some(parent) = self.folder.parent()
                && ui.button("⬆ Up").clicked()
            {
                go = Some(parent.to_path_buf());
            }
            for (name, place) in places() {
                if ui
                    .button(name)
                    .on_hover_text(place.display().to_string())
                    .clicked()
                {
                    go = Some(place);
                }
            }
        });
        ui.horizontal(|ui| {
            let label = ui.label("Location:");
            let edit = ui
                .add(
                    egui::TextEdit::singleline(&mut self.location)
                        .hint_text("a folder or file path")
                        .desired_width(f32::INFINITY),
                )
                .labelled_by(label.id);
            if edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) {
                let typed = PathBuf::from(self.location.trim());
                if typed.is_dir() {
                    go = Some(typed);
                } else if typed.is_file()
                    && let (Some(parent), Some(name)) = (typed.parent(), typed.file_name())
                {
                    let name = name.to_string_lossy().into_owned();
                    self.go_to(parent.to_path_buf());
                    if let Some(i) = self.entries.iter().position(|e| e.name == name) {
                        self.click(i, egui::Modifiers::NONE, &self.visible());
                    }
                } else {
                    self.read_error = Some(format!("{} is not a folder here.", typed.display()));
                }
            }
        });
        if let Some(folder) = go {
            self.go_to(folder);
        }
    }

    /// The folder's listing; `Some` when a double click chose a file.
    fn listing_ui(&mut self, ui: &mut egui::Ui) -> Option<Vec<PathBuf>> {
        let visible = self.visible();
        let (mut clicked, mut opened) = (None, None);
        let row_height = ui.text_style_height(&egui::TextStyle::Body) + 4.0;
        egui::ScrollArea::vertical()
            .max_height(320.0)
            .min_scrolled_height(320.0)
            .auto_shrink([false, false])
            .show_rows(ui, row_height, visible.len(), |ui, rows| {
                for &i in &visible[rows] {
                    let entry = &self.entries[i];
                    let text = if entry.is_dir {
                        format!("📁 {}", entry.name)
                    } else {
                        format!("📄 {}", entry.name)
                    };
                    ui.horizontal(|ui| {
                        let row = ui.selectable_label(self.selected.contains(&i), text);
                        if row.double_clicked() {
                            opened = Some(i);
                        } else if row.clicked() {
                            clicked = Some((i, ui.input(|inp| inp.modifiers)));
                        }
                        if !entry.is_dir {
                            ui.with_layout(
                                egui::Layout::right_to_left(egui::Align::Center),
                                |ui| {
                                    ui.label(
                                        RichText::new(crate::format::human_bytes(entry.size))
                                            .weak(),
                                    )
                                },
                            );
                        }
                    });
                }
            });
        if visible.is_empty() && self.read_error.is_none() {
            ui.label(RichText::new("This folder is empty.").weak());
        }
        if let Some((i, modifiers)) = clicked {
            self.click(i, modifiers, &visible);
        }
        let i = opened?;
        if self.entries[i].is_dir {
            self.go_to(self.folder.join(&self.entries[i].name));
            return None;
        }
        self.click(i, egui::Modifiers::NONE, &visible);
        self.choice().filter(|_| self.kind != PickKind::Folder)
    }
}

/// The places offered beside the listing: home, the user's usual folders, the root.
fn places() -> Vec<(String, PathBuf)> {
    let mut places = Vec::new();
    if let Some(home) = directories::BaseDirs::new().map(|d| d.home_dir().to_path_buf()) {
        places.push(("🏠 Home".to_owned(), home));
    }
    if let Some(user) = directories::UserDirs::new() {
        let named = [
            ("Desktop", user.desktop_dir()),
            ("Documents", user.document_dir()),
            ("Downloads", user.download_dir()),
        ];
        for (name, dir) in named {
            if let Some(dir) = dir.filter(|d| d.is_dir()) {
                places.push((name.to_owned(), dir.to_path_buf()));
            }
        }
    }
    places.push(("🖴 /".to_owned(), PathBuf::from("/")));
    places
}

/// A folder's entries, folders first, each group by name as people sort (case aside).
fn read_folder(folder: &Path) -> std::io::Result<Vec<Entry>> {
    let mut entries = Vec::new();
    for entry in std::fs::read_dir(folder)? {
        let Ok(entry) = entry else { continue };
        // Follows links, so a link to a folder opens like one.
        let Ok(meta) = std::fs::metadata(entry.path()) else {
            continue;
        };
        entries.push(Entry {
            name: entry.file_name().to_string_lossy().into_owned(),
            is_dir: meta.is_dir(),
            size: meta.len(),
        });
    }
    entries.sort_by_cached_key(|e| (!e.is_dir, e.name.to_lowercase()));
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dialog_in(dir: &Path, kind: PickKind) -> InAppDialog {
        let mut dialog = InAppDialog::new("t", kind);
        dialog.go_to(dir.to_path_buf());
        dialog
    }

    fn folder_with(names: &[&str]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for name in names {
            if let Some(folder) = name.strip_suffix('/') {
                std::fs::create_dir(dir.path().join(folder)).unwrap();
            } else {
                std::fs::write(dir.path().join(name), name).unwrap();
            }
        }
        dir
    }

    #[test]
    fn folders_come_first_and_hidden_files_only_when_asked() {
        let dir = folder_with(&["b.csv", "A.txt", "zeta/", "Alpha/", ".secret"]);
        let mut dialog = dialog_in(dir.path(), PickKind::Files);
        let names = |d: &InAppDialog| {
            d.visible()
                .iter()
                .map(|&i| d.entries[i].name.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(names(&dialog), ["Alpha", "zeta", "A.txt", "b.csv"]);
        dialog.show_hidden = true;
        assert_eq!(
            names(&dialog),
            ["Alpha", "zeta", ".secret", "A.txt", "b.csv"]
        );
    }

    #[test]
    fn ctrl_and_shift_clicks_choose_several_files_but_never_folders() {
        let dir = folder_with(&["sub/", "1.bin", "2.bin", "3.bin", "4.bin"]);
        let mut dialog = dialog_in(dir.path(), PickKind::Files);
        let visible = dialog.visible();
        let command = egui::Modifiers::COMMAND;
        dialog.click(1, egui::Modifiers::NONE, &visible);
        dialog.click(3, command, &visible);
        assert_eq!(dialog.choice().unwrap().len(), 2);
        dialog.click(3, command, &visible);
        assert_eq!(dialog.choice().unwrap(), [dir.path().join("1.bin")]);
        // Shift extends from the last plain click.
        dialog.click(4, egui::Modifiers::NONE, &visible);
        dialog.click(1, egui::Modifiers::SHIFT, &visible);
        let names: Vec<_> = dialog.choice().unwrap();
        assert_eq!(names.len(), 4);
        assert!(!names.contains(&dir.path().join("sub")));
        assert_eq!(dialog.choose_label(), "Choose 4 files");
    }

    #[test]
    fn a_folder_pick_takes_the_selected_folder_or_the_one_open() {
        let dir = folder_with(&["runs/", "notes.txt"]);
        let mut dialog = dialog_in(dir.path(), PickKind::Folder);
        assert_eq!(dialog.choice().unwrap(), [dir.path().to_path_buf()]);
        assert_eq!(dialog.choose_label(), "Choose this folder");
        dialog.click(0, egui::Modifiers::NONE, &dialog.visible());
        assert_eq!(dialog.choice().unwrap(), [dir.path().join("runs")]);
        assert_eq!(dialog.choose_label(), "Choose “runs”");
    }

    #[test]
    fn a_save_takes_a_plain_name_in_the_folder_open() {
        let dir = folder_with(&[]);
        let kind = PickKind::Save {
            file_name: "report.csv".into(),
        };
        let mut dialog = dialog_in(dir.path(), kind);
        assert_eq!(dialog.choice().unwrap(), [dir.path().join("report.csv")]);
        dialog.file_name = "../elsewhere.csv".into();
        assert_eq!(dialog.choice(), None);
    }

    #[test]
    fn an_unreadable_folder_is_said_and_the_dialog_stays_where_it_was() {
        let dir = folder_with(&["x.txt"]);
        let mut dialog = dialog_in(dir.path(), PickKind::File);
        dialog.go_to(dir.path().join("missing"));
        assert_eq!(dialog.folder(), dir.path());
        assert!(dialog.read_error.as_deref().unwrap().contains("missing"));
        assert_eq!(dialog.entries.len(), 1);
    }
}
