//! The Sync and Sizes windows, driven by clicks: a folder compared with a prefix, run through
//! the transfer queue to its report; the sizes of a bucket's folders.

use crate::common;

use common::ui::{app_harness, fixture, keys_under, replace_text, type_into, wait_for, wait_until};
use egui_kittest::kittest::Queryable;
use skiff::app::PersistedState;

fn at_demo() -> PersistedState {
    PersistedState {
        bucket: Some("demo".into()),
        ..Default::default()
    }
}

#[test]
fn the_sync_window_compares_then_queues_only_what_differs() {
    let fixture = fixture(&["data/same.txt", "data/stale.txt", "other/x.txt"]);
    let _rt = fixture.runtime.enter();
    let folder = tempfile::tempdir().unwrap();
    // `same.txt` holds what the object holds (its key), one second older than it.
    std::fs::write(folder.path().join("same.txt"), "data/same.txt").unwrap();
    let file = std::fs::File::options()
        .write(true)
        .open(folder.path().join("same.txt"))
        .unwrap();
    let earlier = std::time::SystemTime::now() - std::time::Duration::from_secs(60);
    file.set_modified(earlier).unwrap();
    std::fs::create_dir_all(folder.path().join("new")).unwrap();
    std::fs::write(folder.path().join("new/a.csv"), "a,b\n1,2\n").unwrap();
    std::fs::write(folder.path().join("b.parquet"), vec![7u8; 5000]).unwrap();

    let mut harness = app_harness(
        &fixture,
        PersistedState {
            prefix: "data/".into(),
            ..at_demo()
        },
    );
    wait_for(&mut harness, "📄 same.txt");
    harness.get_by_label("🔄 Sync…").click_accesskit();
    wait_for(&mut harness, "Compare");
    // The field may hold the folder an earlier sync of this prefix used.
    replace_text(
        &mut harness,
        "/path/to/folder",
        folder.path().to_str().unwrap(),
    );
    harness
        .get_by_label("Delete what is only in the bucket")
        .click_accesskit();
    harness.get_by_label("Compare").click_accesskit();
    wait_for(&mut harness, "Only at the destination (deleted)");
    wait_for(&mut harness, "new/a.csv");
    wait_for(&mut harness, "b.parquet");
    assert!(
        harness.query_by_label("same.txt").is_none(),
        "an unchanged file is not listed"
    );
    // The deletes wait for the typed confirmation.
    type_into(&mut harness, "delete", "delete");
    harness.get_by_label("Run").click_accesskit();
    wait_until(&mut harness, "the report", |h| {
        h.query_by_label_contains("2 transfers").is_some()
    });
    wait_until(
        &mut harness,
        "the transfers land and the stale object goes",
        |_| {
            let keys: Vec<String> = keys_under(&fixture, "data/")
                .into_iter()
                .map(|(k, _)| k)
                .collect();
            keys == ["data/b.parquet", "data/new/a.csv", "data/same.txt"]
        },
    );
    wait_until(&mut harness, "the cleanup report", |h| {
        h.query_by_label_contains("Deleted 1").is_some()
    });
    // Compared again, nothing is left to do.
    harness.get_by_label("Compare again").click_accesskit();
    wait_for(&mut harness, "Nothing to do");
    assert_eq!(keys_under(&fixture, "other/").len(), 1);
}

#[test]
fn the_sizes_window_shows_each_folder_with_its_cost() {
    let fixture = fixture(&["raw/a.bin", "raw/b.bin", "clean/c.bin", "top.txt"]);
    let _rt = fixture.runtime.enter();
    let mut harness = app_harness(&fixture, at_demo());
    wait_for(&mut harness, "📄 top.txt");
    harness.get_by_label("📊 Sizes…").click_accesskit();
    wait_for(&mut harness, "Total");
    wait_for(&mut harness, "raw/");
    wait_for(&mut harness, "clean/");
    wait_for(&mut harness, "(files here)");
    assert!(harness.query_by_label_contains("a month").is_some());
    harness.get_by_label("Edit prices…").click_accesskit();
    wait_for(&mut harness, "LIST requests, per 1,000");
}
