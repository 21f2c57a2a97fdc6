//! Share links: `skiff presign` and the app's "🔗 Share link…" give a link that fetches the
//! object without credentials, and refuse a life S3 would not honour.

use crate::cli::{seed, skiff, text};
use crate::common;

use common::serve_sandbox as serve;
use common::ui::{app_harness, fixture, wait_for};
use egui_kittest::kittest::Queryable;
use skiff::app::PersistedState;

#[test]
fn presign_prints_a_link_that_fetches_the_object() {
    let served = serve();
    seed(&served);
    let out = skiff(
        &served,
        &["presign", "s3://data/raw/a b.txt", "--expires", "15m"],
    );
    assert!(out.status.success(), "{}", text(&out));
    let url = String::from_utf8(out.stdout.clone()).unwrap();
    let url = url.trim();
    assert!(url.contains("X-Amz-Expires=900"), "{url}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("The link works until"));
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (status, _, body) = rt.block_on(common::plain_get(url));
    assert_eq!(status, 200);
    assert_eq!(body, vec![b'x'; 1234]);

    let too_long = skiff(
        &served,
        &["presign", "s3://data/top.txt", "--expires", "8d"],
    );
    assert!(!too_long.status.success());
    assert!(
        text(&too_long).contains("at most 7 days"),
        "{}",
        text(&too_long)
    );
    let folder = skiff(&served, &["presign", "s3://data/raw/"]);
    assert!(!folder.status.success(), "a folder is not an object");
}

/// The details panel's "🔗 Share link…": pick a life, create, and the link on the clipboard
/// fetches the bytes.
#[test]
fn the_share_window_copies_a_working_link() {
    let fixture = fixture(&["ckpt/model.bin"]);
    let _rt = fixture.runtime.enter();
    let state = PersistedState {
        bucket: Some("demo".into()),
        prefix: "ckpt/".into(),
        ..PersistedState::default()
    };
    let mut harness = app_harness(&fixture, state);
    wait_for(&mut harness, "📄 model.bin");
    harness.get_by_label("📄 model.bin").click();
    wait_for(&mut harness, "🔗 Share link…");
    harness.get_by_label("🔗 Share link…").click_accesskit();
    wait_for(&mut harness, "Create link");
    harness.get_by_label("Create link").click_accesskit();
    let mut copied = Vec::new();
    common::ui::wait_until(&mut harness, "the link copied", |h| {
        h.query_by_label("✔ Copied to the clipboard.").is_some()
    });
    for _ in 0..3 {
        copied.extend(common::ui::copied_texts(&harness));
        harness.step();
    }
    let url = copied.first().expect("the link on the clipboard").clone();
    assert!(
        url.contains("X-Amz-Expires=86400"),
        "a day by default: {url}"
    );
    assert!(harness.query_by_label_contains("It works until").is_some());
    let (status, _, body) = fixture.runtime.block_on(common::plain_get(&url));
    assert_eq!(status, 200);
    assert_eq!(body, b"ckpt/model.bin");
}
