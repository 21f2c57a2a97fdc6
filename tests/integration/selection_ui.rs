//! Working with several rows, driven through egui_kittest: Shift-click selects a range and
//! Delete cleans up exactly those keys; F2 renames a folder with everything in it; the context
//! menu offers Copy link; Cut and Paste move a selection into another folder.

use crate::common;

use common::ui::{app_harness, fixture, keys_under, replace_text, wait_for, wait_until};
use egui_kittest::kittest::Queryable;
use skiff::app::PersistedState;

fn opened_at(prefix: &str) -> PersistedState {
    PersistedState {
        bucket: Some("demo".into()),
        prefix: prefix.into(),
        ..PersistedState::default()
    }
}

/// From the review of a move of `objects`: the move, and its report.
fn run_the_move(harness: &mut egui_kittest::Harness<'_, skiff::app::SkiffApp>, objects: usize) {
    let label = format!("Move {objects} objects");
    wait_for(harness, &label);
    harness.get_by_label(&label).click_accesskit();
    wait_until(harness, "the move's report", |h| {
        h.query_by_label_contains(&format!("Moved {objects} of {objects} objects"))
            .is_some()
    });
}

/// From the cleanup's inventory: Next, the confirmation typed, Delete, and its report.
fn confirm_the_cleanup(
    harness: &mut egui_kittest::Harness<'_, skiff::app::SkiffApp>,
    typed: &str,
    objects: usize,
) {
    wait_for(harness, "Next ⏵");
    // The wizard's layout settles over its first frames; a click before lands on stale rects.
    for _ in 0..20 {
        harness.step();
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    harness.get_by_label("Next ⏵").click();
    wait_for(harness, "🗑 Delete");
    replace_text(harness, typed, typed);
    harness.step();
    harness.get_by_label("🗑 Delete").click_accesskit();
    let done = format!("Deleted {objects} of {objects} objects");
    wait_until(harness, "the deletes", |h| {
        h.query_by_label_contains(&done).is_some()
    });
}

fn names(fixture: &common::ui::Fixture, prefix: &str) -> Vec<String> {
    keys_under(fixture, prefix)
        .into_iter()
        .map(|(k, _)| k)
        .collect()
}

#[test]
fn shift_click_selects_a_range_and_delete_cleans_up_exactly_those() {
    let fixture = fixture(&["d/a.txt", "d/b.txt", "d/c.txt", "d/d.txt", "d/e.txt"]);
    let _rt = fixture.runtime.enter();
    let mut harness = app_harness(&fixture, opened_at("d/"));
    wait_for(&mut harness, "📄 a.txt");
    harness.get_by_label("📄 b.txt").click();
    // The details panel opens beside the table: let the layout settle before the next click.
    wait_for(&mut harness, "Details");
    harness.step();
    harness
        .get_by_label("📄 d.txt")
        .click_modifiers(egui::Modifiers::SHIFT);
    wait_until(&mut harness, "three rows selected", |h| {
        h.query_by_label_contains("3 selected (21 B)").is_some()
    });
    harness.key_press(egui::Key::Delete);
    wait_for(&mut harness, "3 selected objects in s3://demo");
    // A plain "yes" confirms objects alone (a folder asks for more).
    confirm_the_cleanup(&mut harness, "yes", 3);
    assert_eq!(names(&fixture, "d/"), ["d/a.txt", "d/e.txt"]);
}

#[test]
fn f2_renames_a_folder_with_everything_in_it() {
    let fixture = fixture(&["runs/day1/a.txt", "runs/day1/b.txt", "runs/day10.txt"]);
    let _rt = fixture.runtime.enter();
    let mut harness = app_harness(&fixture, opened_at("runs/"));
    wait_for(&mut harness, "📁 day1/");
    // A plain click opens a folder; Ctrl/Cmd-click selects it.
    harness
        .get_by_label("📁 day1/")
        .click_modifiers(egui::Modifiers::COMMAND);
    harness.step();
    harness.key_press(egui::Key::F2);
    wait_for(&mut harness, "Rename day1");
    replace_text(&mut harness, "new name", "day-one");
    harness
        .get_by_label("Next: see what it takes")
        .click_accesskit();
    wait_for(&mut harness, "Move 2 objects");
    assert!(
        harness
            .query_by_label_contains("runs/day1/a.txt  ⏵  runs/day-one/a.txt")
            .is_some()
    );
    run_the_move(&mut harness, 2);
    assert_eq!(
        names(&fixture, "runs/"),
        ["runs/day-one/a.txt", "runs/day-one/b.txt", "runs/day10.txt"]
    );
    // The listing shows the new name.
    wait_for(&mut harness, "📁 day-one/");
}

#[test]
fn the_context_menu_offers_copy_link_and_cut_and_paste_move_rows() {
    let fixture = fixture(&["in/x.bin", "in/y.bin", "out/keep.txt"]);
    let _rt = fixture.runtime.enter();
    let mut harness = app_harness(&fixture, opened_at("in/"));
    wait_for(&mut harness, "📄 x.bin");
    harness.get_by_label("📄 x.bin").click_secondary();
    wait_for(&mut harness, "🔗 Copy link…");
    for entry in ["✂ Cut", "📄 Copy", "✏ Rename…", "Move to…", "🗑 Delete…"] {
        assert!(
            harness.query_by_label(entry).is_some(),
            "{entry} is offered"
        );
    }
    harness.get_by_label("Copy S3 URI").click();
    harness.step();
    assert_eq!(common::ui::copied_texts(&harness), ["s3://demo/in/x.bin"]);

    // Select both, cut, go to the other folder, paste: the inventory, then the move.
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness.step();
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::X);
    harness.step();
    harness.key_press(egui::Key::Backspace);
    wait_for(&mut harness, "📁 out/");
    harness.get_by_label("📁 out/").click();
    wait_for(&mut harness, "📄 keep.txt");
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::V);
    wait_for(&mut harness, "Move 2 items");
    harness
        .get_by_label("Next: see what it takes")
        .click_accesskit();
    run_the_move(&mut harness, 2);
    assert_eq!(
        names(&fixture, ""),
        ["out/keep.txt", "out/x.bin", "out/y.bin"]
    );
    wait_for(&mut harness, "📄 x.bin");
}

/// A selected folder downloads with everything in it, paths kept below the folder on screen.
#[test]
fn a_selected_folder_downloads_whole() {
    let fixture = fixture(&["out/run1/a.txt", "out/run1/deep/b.txt", "out/c.txt"]);
    let _rt = fixture.runtime.enter();
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("landing")).unwrap();
    let local = dir.path().join("landing");
    let mut harness = app_harness(&fixture, opened_at("out/"));
    wait_for(&mut harness, "📁 run1/");
    harness
        .get_by_label("📁 run1/")
        .click_modifiers(egui::Modifiers::COMMAND);
    harness.step();
    harness.get_by_label("⬇ Download").click();
    wait_for(&mut harness, "Show hidden files");
    replace_text(
        &mut harness,
        "a folder or file path",
        &dir.path().display().to_string(),
    );
    harness.key_press(egui::Key::Enter);
    harness.step();
    // A click on a folder chooses it.
    wait_for(&mut harness, "📁 landing");
    harness.get_by_label("📁 landing").click();
    wait_for(&mut harness, "Choose “landing”");
    harness.get_by_label("Choose “landing”").click();
    wait_until(&mut harness, "two downloads", |h| {
        h.query_all_by_label("✔ done").count() == 2
    });
    assert_eq!(
        std::fs::read(local.join("run1/deep/b.txt")).unwrap(),
        b"out/run1/deep/b.txt"
    );
    assert!(local.join("run1/a.txt").exists());
    assert!(!local.join("c.txt").exists(), "only the selection");
}

/// Delete on a folder and an object selected together: the folder goes with everything in it,
/// after "delete" is typed; the rest stays.
#[test]
fn delete_takes_selected_folders_with_everything_in_them() {
    let fixture = fixture(&["p/old/a.txt", "p/old/deep/b.txt", "p/x.txt", "p/keep.txt"]);
    let _rt = fixture.runtime.enter();
    let mut harness = app_harness(&fixture, opened_at("p/"));
    wait_for(&mut harness, "📁 old/");
    harness
        .get_by_label("📁 old/")
        .click_modifiers(egui::Modifiers::COMMAND);
    harness.step();
    harness
        .get_by_label("📄 x.txt")
        .click_modifiers(egui::Modifiers::COMMAND);
    harness.step();
    harness.key_press(egui::Key::Delete);
    wait_for(
        &mut harness,
        "2 selected items in s3://demo, 1 folder with everything under it",
    );
    confirm_the_cleanup(&mut harness, "delete", 3);
    assert_eq!(names(&fixture, "p/"), ["p/keep.txt"]);
}
