//! The keyboard shortcuts, in one table that both the key handling and the sheet that lists them
//! (F1 or "?") read, so the sheet cannot tell of a key that does nothing.

use egui::{Key, KeyboardShortcut, Modifiers};

/// What a shortcut does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shortcut {
    UploadFiles,
    UploadFolder,
    Download,
    Refresh,
    Up,
    NewFolder,
    Filter,
    SelectAll,
    RowUp,
    RowDown,
    Open,
    Delete,
    Rename,
    Inspect,
    Cut,
    Copy,
    Paste,
    ShowShortcuts,
}

struct Binding {
    does: Shortcut,
    keys: &'static [KeyboardShortcut],
    what: &'static str,
    /// Some keys belong to the browser around the web app (F5 reloads the page, Ctrl+Shift+N
    /// opens a window): those work on the desktop only.
    desktop_only: bool,
}

const fn key(modifiers: Modifiers, key: Key) -> KeyboardShortcut {
    KeyboardShortcut::new(modifiers, key)
}

/// Most specific first: extra Shift and Alt are ignored when a key is matched, so Ctrl+Shift+O
/// must be tried before Ctrl+O.
const BINDINGS: &[Binding] = &[
    Binding {
        does: Shortcut::UploadFolder,
        keys: &[key(Modifiers::COMMAND.plus(Modifiers::SHIFT), Key::O)],
        what: "Upload a folder into the folder on screen",
        desktop_only: false,
    },
    Binding {
        does: Shortcut::UploadFiles,
        keys: &[key(Modifiers::COMMAND, Key::O)],
        what: "Upload files into the folder on screen",
        desktop_only: false,
    },
    Binding {
        does: Shortcut::Download,
        keys: &[key(Modifiers::COMMAND, Key::S)],
        what: "Download the selected object (on the desktop, everything listed when none is)",
        desktop_only: false,
    },
    Binding {
        does: Shortcut::Refresh,
        keys: &[key(Modifiers::NONE, Key::F5)],
        what: "Refresh the listing",
        desktop_only: true,
    },
    Binding {
        does: Shortcut::Up,
        keys: &[
            key(Modifiers::NONE, Key::Backspace),
            key(Modifiers::ALT, Key::ArrowUp),
        ],
        what: "Go up one folder",
        desktop_only: false,
    },
    Binding {
        does: Shortcut::NewFolder,
        keys: &[key(Modifiers::COMMAND.plus(Modifiers::SHIFT), Key::N)],
        what: "New folder",
        desktop_only: true,
    },
    Binding {
        does: Shortcut::Filter,
        keys: &[key(Modifiers::NONE, Key::Slash)],
        what: "Filter the rows listed",
        desktop_only: false,
    },
    Binding {
        does: Shortcut::SelectAll,
        keys: &[key(Modifiers::COMMAND, Key::A)],
        what: "Select every row listed",
        desktop_only: false,
    },
    Binding {
        does: Shortcut::RowUp,
        keys: &[key(Modifiers::NONE, Key::ArrowUp)],
        what: "Select the row above (with Shift: extend the selection)",
        desktop_only: false,
    },
    Binding {
        does: Shortcut::RowDown,
        keys: &[key(Modifiers::NONE, Key::ArrowDown)],
        what: "Select the row below (with Shift: extend the selection)",
        desktop_only: false,
    },
    Binding {
        does: Shortcut::Open,
        keys: &[key(Modifiers::NONE, Key::Enter)],
        what: "Open the selected folder",
        desktop_only: false,
    },
    Binding {
        does: Shortcut::Delete,
        keys: &[key(Modifiers::NONE, Key::Delete)],
        what: "Delete the selection (the cleanup window shows what goes first)",
        desktop_only: false,
    },
    Binding {
        does: Shortcut::Rename,
        keys: &[key(Modifiers::NONE, Key::F2)],
        what: "Rename the selected object or folder",
        desktop_only: false,
    },
    Binding {
        does: Shortcut::Inspect,
        keys: &[key(Modifiers::NONE, Key::Space)],
        what: "Look inside the selected object in a larger window (again to close it)",
        desktop_only: false,
    },
    Binding {
        does: Shortcut::Copy,
        keys: &[key(Modifiers::COMMAND, Key::C)],
        what: "Copy the selection, to paste into another folder (and its S3 URIs as text)",
        desktop_only: false,
    },
    Binding {
        does: Shortcut::Cut,
        keys: &[key(Modifiers::COMMAND, Key::X)],
        what: "Cut the selection, to move it into another folder",
        desktop_only: false,
    },
    Binding {
        does: Shortcut::Paste,
        keys: &[key(Modifiers::COMMAND, Key::V)],
        what: "Paste: copy or move what was copied or cut into the folder on screen",
        desktop_only: false,
    },
    Binding {
        does: Shortcut::ShowShortcuts,
        keys: &[
            key(Modifiers::NONE, Key::F1),
            key(Modifiers::NONE, Key::Questionmark),
        ],
        what: "Show or hide this list",
        desktop_only: false,
    },
];

fn offered(binding: &Binding) -> bool {
    !(binding.desktop_only && cfg!(target_arch = "wasm32"))
}

/// The shortcuts pressed this frame, their keys consumed. None while a text field has the
/// keyboard (Backspace and "/" are typing there), except F1.
pub fn pressed(ctx: &egui::Context) -> Vec<Shortcut> {
    let typing = ctx.egui_wants_keyboard_input();
    ctx.input_mut(|input| {
        let mut pressed = Vec::new();
        for binding in BINDINGS.iter().filter(|b| offered(b)) {
            for shortcut in binding.keys {
                if typing && shortcut.logical_key != Key::F1 {
                    continue;
                }
                if input.consume_shortcut(shortcut) && !pressed.contains(&binding.does) {
                    pressed.push(binding.does);
                }
            }
        }
        // The platform turns Ctrl/Cmd-C, -X and -V into clipboard events, not keys.
        if !typing {
            input.events.retain(|event| {
                let does = match event {
                    egui::Event::Copy => Shortcut::Copy,
                    egui::Event::Cut => Shortcut::Cut,
                    egui::Event::Paste(_) => Shortcut::Paste,
                    _ => return true,
                };
                if !pressed.contains(&does) {
                    pressed.push(does);
                }
                false
            });
        }
        pressed
    })
}

/// The sheet that lists every shortcut, as the keys read on this system (Ctrl or ⌘).
pub fn sheet_ui(ctx: &egui::Context, open: &mut bool) {
    crate::app::widgets::dialog(ctx, "Keyboard shortcuts")
        .resizable(false)
        .open(open)
        .show(ctx, |ui| {
            egui::Grid::new("shortcuts")
                .num_columns(2)
                .striped(true)
                .spacing([24.0, 6.0])
                .show(ui, |ui| {
                    for binding in BINDINGS.iter().filter(|b| offered(b)) {
                        let keys: Vec<String> =
                            binding.keys.iter().map(|k| key_text(ctx, k)).collect();
                        ui.label(egui::RichText::new(keys.join("  or  ")).monospace());
                        ui.label(binding.what);
                        ui.end_row();
                    }
                });
            ui.add_space(4.0);
            ui.label(
                egui::RichText::new("Keys act on the browser unless a text field has the cursor.")
                    .weak(),
            );
        });
}

/// As the system writes a shortcut (Ctrl+O, or ⌘O on macOS), with signs rather than names for
/// punctuation and arrows ("/" rather than "Slash").
fn key_text(ctx: &egui::Context, shortcut: &KeyboardShortcut) -> String {
    let is_mac = ctx.os().is_mac();
    let names = if is_mac {
        egui::ModifierNames::SYMBOLS
    } else {
        egui::ModifierNames::NAMES
    };
    let mut text = names.format(&shortcut.modifiers, is_mac);
    if !text.is_empty() {
        text += names.concat;
    }
    text + shortcut.logical_key.symbol_or_name()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_key_does_two_things_and_none_is_taken_by_a_plainer_one_before_it() {
        let all: Vec<KeyboardShortcut> = BINDINGS.iter().flat_map(|b| b.keys).copied().collect();
        for (i, earlier) in all.iter().enumerate() {
            for later in &all[i + 1..] {
                assert_ne!(earlier, later, "one key bound twice");
                // Matching ignores extra Shift and Alt: Ctrl+O listed first would take Ctrl+Shift+O.
                let takes_it = earlier.logical_key == later.logical_key
                    && later.modifiers.matches_logically(earlier.modifiers);
                assert!(!takes_it, "{earlier:?} would take {later:?}");
            }
        }
    }
}
