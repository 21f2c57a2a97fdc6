//! The Inspector on screen, driven through egui_kittest: a Parquet file's summary and rows in
//! the details panel and, with Space, in its window; an earlier version of a CSV looked inside
//! from the versions window (moto).

use crate::common::{self, ui::wait_for, ui::wait_until};
use crate::fixtures;
use egui_kittest::kittest::Queryable;
use skiff::app::PersistedState;

#[test]
fn the_details_panel_and_space_show_what_a_parquet_file_holds() {
    let fixture = common::ui::fixture(&[]);
    let _rt = fixture.runtime.enter();
    let endpoint = &fixture.sandbox.as_ref().unwrap().endpoint;
    let connection = skiff::s3::client::static_connection("t", endpoint, true);
    let parquet = fixtures::parquet(&fixtures::snappy(true));
    fixture.runtime.block_on(async {
        skiff::s3::objects::put_bytes(&connection, "demo", "d/train.parquet", parquet)
            .await
            .unwrap();
        skiff::s3::objects::put_bytes(
            &connection,
            "demo",
            "d/notes.txt",
            b"first line\nsecond line\n".to_vec(),
        )
        .await
        .unwrap();
    });
    let state = PersistedState {
        bucket: Some("demo".into()),
        prefix: "d/".into(),
        ..PersistedState::default()
    };
    let mut harness = common::ui::app_harness(&fixture, state);
    wait_for(&mut harness, "📄 train.parquet");
    harness.get_by_label("📄 train.parquet").click();
    wait_until(&mut harness, "the footer's summary", |h| {
        h.query_by_label_contains("1,000 rows · 4 row groups · 5 columns (6 leaf columns)")
            .is_some()
    });
    // Small: the rows came with the footer, in one request.
    assert!(harness.query_by_label_contains("in 1 request").is_some());
    assert!(
        harness.query_by_label("name-999").is_some(),
        "the name column's max"
    );
    assert!(
        harness.query_by_label("{x: 1, y: -1}").is_some(),
        "a struct cell of the first rows"
    );
    harness.key_press(egui::Key::Space);
    wait_for(&mut harness, "Inside train.parquet");
    assert_eq!(
        harness.query_all_by_label("{x: 1, y: -1}").count(),
        2,
        "the panel and the window"
    );
    harness.key_press(egui::Key::Space);
    wait_until(&mut harness, "the window closed", |h| {
        h.query_by_label("Inside train.parquet").is_none()
    });

    // Another row: the panel follows the selection.
    harness.get_by_label("📄 notes.txt").click();
    wait_until(&mut harness, "the text", |h| {
        h.query_by_label_contains("2  second line").is_some()
    });
    assert!(harness.query_by_label_contains("UTF-8 · 2 lines").is_some());
}

#[test]
fn an_earlier_version_is_looked_inside_from_the_versions_window() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let Some(moto) = rt.block_on(common::server("moto")) else {
        return;
    };
    let _guard = rt.enter();
    let bucket = rt.block_on(common::versioned_bucket(&moto, "inspect-version"));
    rt.block_on(async {
        for body in ["id,name\n1,old\n", "id,name,extra\n1,new,x\n"] {
            skiff::s3::objects::put_bytes(&moto.connection, &bucket, "t/people.csv", body.into())
                .await
                .unwrap();
            tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        }
    });
    let mut harness = common::ui::server_harness(&moto, &bucket, "t/");
    wait_for(&mut harness, "📄 people.csv");
    harness.get_by_label("📄 people.csv").click();
    wait_for(&mut harness, "extra");
    harness.get_by_label("🕘 Versions…").click_accesskit();
    wait_until(&mut harness, "two versions", |h| {
        h.query_all_by_label("🔍 Inspect").count() == 2
    });
    // Newest first: the second is the first version.
    let inspects: Vec<_> = harness.query_all_by_label("🔍 Inspect").collect();
    inspects[1].click_accesskit();
    wait_until(&mut harness, "the old version's rows", |h| {
        h.query_by_label_contains("Inside people.csv (version")
            .is_some()
            && h.query_by_label("old").is_some()
    });
    assert!(
        harness.query_by_label("new").is_some(),
        "the current version stays in the panel"
    );
}
