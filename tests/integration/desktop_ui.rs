//! Desktop conventions, driven through egui_kittest: Skiff's own file dialog where the system
//! has none, and the keyboard shortcuts with the sheet that lists them.

use crate::common;

use common::ui::{app_harness, fixture, keys_under, replace_text, wait_for, wait_until};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use skiff::app::{PersistedState, SkiffApp};

fn opened_at(prefix: &str) -> PersistedState {
    PersistedState {
        bucket: Some("demo".into()),
        prefix: prefix.into(),
        ..PersistedState::default()
    }
}

/// Types `path` into the dialog's location field in place of what it shows, then Enter.
fn go_to(harness: &mut Harness<'_, SkiffApp>, path: &std::path::Path) {
    replace_text(
        harness,
        "a folder or file path",
        &path.display().to_string(),
    );
    harness.key_press(egui::Key::Enter);
    harness.step();
}

/// With no system dialog, "Upload files…" opens Skiff's own: the user goes to a folder, picks
/// two files with a click and a Ctrl-click, and both land under the prefix on screen.
#[test]
fn files_picked_in_skiffs_own_dialog_upload() {
    let fixture = fixture(&["in/readme.txt"]);
    let _rt = fixture.runtime.enter();
    let local = tempfile::tempdir().unwrap();
    std::fs::write(local.path().join("a.txt"), b"alpha").unwrap();
    std::fs::write(local.path().join("b.csv"), b"x,y\n1,2\n").unwrap();
    std::fs::write(local.path().join("not me.bin"), b"no").unwrap();
    std::fs::create_dir(local.path().join("nested")).unwrap();

    let mut harness = app_harness(&fixture, opened_at("in/"));
    wait_for(&mut harness, "📄 readme.txt");
    harness.get_by_label("⬆ Upload files…").click();
    wait_for(&mut harness, "Show hidden files");
    go_to(&mut harness, local.path());
    wait_for(&mut harness, "📄 a.txt");
    assert!(harness.query_by_label("📁 nested").is_some());
    harness.get_by_label("📄 a.txt").click();
    harness.step();
    harness
        .get_by_label("📄 b.csv")
        .click_modifiers(egui::Modifiers::COMMAND);
    wait_for(&mut harness, "Choose 2 files");
    harness.get_by_label("Choose 2 files").click();
    wait_until(&mut harness, "two finished uploads", |h| {
        h.query_all_by_label("✔ done").count() == 2
    });
    assert!(harness.query_by_label("Show hidden files").is_none());
    assert_eq!(
        keys_under(&fixture, "in/"),
        [
            ("in/a.txt".to_owned(), 5),
            ("in/b.csv".to_owned(), 8),
            ("in/readme.txt".to_owned(), 13),
        ]
    );
}

/// "Download" asks for a folder in Skiff's own dialog; the object lands in the folder chosen.
#[test]
fn a_download_goes_into_the_folder_chosen_in_skiffs_own_dialog() {
    let fixture = fixture(&["out/data.bin"]);
    let _rt = fixture.runtime.enter();
    let local = tempfile::tempdir().unwrap();
    std::fs::create_dir(local.path().join("landing")).unwrap();

    let mut harness = app_harness(&fixture, opened_at("out/"));
    wait_for(&mut harness, "📄 data.bin");
    harness.get_by_label("📄 data.bin").click();
    wait_for(&mut harness, "⬇ Download");
    harness.get_by_label("⬇ Download").click();
    wait_for(&mut harness, "Show hidden files");
    go_to(&mut harness, local.path());
    // A click on a folder chooses it; the button says which.
    harness.get_by_label("📁 landing").click();
    wait_for(&mut harness, "Choose “landing”");
    harness.get_by_label("Choose “landing”").click();
    wait_until(&mut harness, "the download", |h| {
        h.query_all_by_label("✔ done").count() == 1
    });
    let landed = local.path().join("landing/data.bin");
    assert_eq!(std::fs::read(landed).unwrap(), b"out/data.bin");
}

/// F1 opens the sheet of shortcuts and closes it again; the keys it lists work: Ctrl+O opens
/// the file dialog (Escape closes it, nothing queued), Backspace goes up a folder, "/" puts
/// the cursor in the filter, where Backspace is typing again.
#[test]
fn the_shortcut_sheet_lists_keys_that_work() {
    let fixture = fixture(&["raw/2026/a.txt", "raw/b.txt"]);
    let _rt = fixture.runtime.enter();
    let mut harness = app_harness(&fixture, opened_at("raw/2026/"));
    wait_for(&mut harness, "📄 a.txt");

    harness.key_press(egui::Key::F1);
    wait_for(&mut harness, "Keyboard shortcuts");
    for what in [
        "Upload files into the folder on screen",
        "Go up one folder",
        "Filter the rows listed",
        "Show or hide this list",
    ] {
        assert!(harness.query_by_label(what).is_some(), "{what} is listed");
    }
    harness.key_press(egui::Key::F1);
    harness.step();
    assert!(harness.query_by_label("Keyboard shortcuts").is_none());
    // The sheet also opens from the top bar.
    harness.get_by_label("⌨ Shortcuts").click();
    wait_for(&mut harness, "Keyboard shortcuts");
    harness.get_by_label("⌨ Shortcuts").click();
    harness.step();

    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::O);
    wait_for(&mut harness, "Show hidden files");
    harness.key_press(egui::Key::Escape);
    harness.step();
    harness.step();
    assert!(harness.query_by_label("Show hidden files").is_none());
    assert!(harness.state().queue().is_none(), "nothing was queued");

    harness.key_press(egui::Key::Backspace);
    wait_for(&mut harness, "📄 b.txt");
    assert_eq!(harness.state().browser().unwrap().prefix, "raw/");

    harness.key_press(egui::Key::Slash);
    harness.step();
    harness.event(egui::Event::Text("b.".into()));
    harness.step();
    harness.key_press(egui::Key::Backspace);
    harness.step();
    // Typed into the filter ("b."), then Backspace deleted a character rather than going up.
    assert_eq!(harness.state().browser().unwrap().prefix, "raw/");
    assert!(harness.query_by_label("📄 b.txt").is_some());
    assert!(
        harness.query_by_label("📁 2026/").is_none(),
        "the filter applies"
    );
}

/// "</> Show command" in the toolbar: the listing of the folder on screen in each tool, with
/// the sandbox's endpoint and region, and Copy puts it on the clipboard; a transfer's own
/// command is a right click away in the queue.
#[test]
fn show_command_gives_the_same_in_each_tool() {
    let fixture = fixture(&["raw/a.txt"]);
    let _rt = fixture.runtime.enter();
    let endpoint = fixture.sandbox.as_ref().unwrap().endpoint.endpoint.clone();
    let mut harness = app_harness(&fixture, opened_at("raw/"));
    wait_for(&mut harness, "📄 a.txt");
    harness.get_by_label("</> Show command").click();
    wait_for(&mut harness, "List this folder");
    harness.get_by_label("List this folder").click();
    wait_for(&mut harness, "List s3://demo/raw/");
    let expected = format!("aws s3 ls s3://demo/raw/ --endpoint-url {endpoint} --region us-east-1");
    assert!(
        harness.query_all_by_value(&expected).next().is_some(),
        "{expected}"
    );
    harness.get_by_label("boto3").click_accesskit();
    harness.step();
    let boto3 = harness
        .query_all_by_role(egui::accesskit::Role::MultilineTextInput)
        .filter_map(|n| n.value())
        .find(|v| v.contains("get_paginator"))
        .expect("the boto3 snippet");
    assert!(
        boto3.contains(&format!("endpoint_url=\"{endpoint}\"")),
        "{boto3}"
    );
    harness.get_by_label("skiff").click_accesskit();
    let skiff = format!("skiff ls s3://demo/raw/ --endpoint-url {endpoint} --region us-east-1");
    wait_until(&mut harness, "the skiff tab", |h| {
        h.query_all_by_value(&skiff).next().is_some()
    });
    harness.get_by_label("📋 Copy").click_accesskit();
    harness.step();
    let copied: Vec<String> = common::ui::copied_texts(&harness);
    assert_eq!(copied, [skiff]);
}
