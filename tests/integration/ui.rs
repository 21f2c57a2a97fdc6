//! The app opened on a sandbox, driven by clicks through egui_kittest.

use crate::common;

use common::ui::{
    DroppedPath, Fixture, app_harness, drop_files, fixture, keys_under, pick_from_menu, type_into,
    wait_for, wait_until,
};
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use skiff::app::{AppEnvironment, PersistedState, SkiffApp};
use skiff::s3::client::static_connection;

#[test]
fn browse_into_a_prefix_and_back_with_breadcrumbs() {
    let fixture = fixture(&["top.txt", "raw/b.txt", "raw/2026/a.txt"]);
    let _rt = fixture.runtime.enter();
    let mut harness = app_harness(&fixture, PersistedState::default());

    wait_for(&mut harness, "🗄 demo");
    harness.get_by_label("🗄 demo").click();
    wait_for(&mut harness, "📁 raw/");
    wait_for(&mut harness, "📄 top.txt");

    harness.get_by_label("📁 raw/").click();
    wait_for(&mut harness, "📁 2026/");
    wait_for(&mut harness, "📄 b.txt");
    assert!(harness.query_by_label("📄 top.txt").is_none());
    assert_eq!(harness.state().browser().unwrap().prefix, "raw/");

    harness.get_by_label("📁 2026/").click();
    wait_for(&mut harness, "📄 a.txt");

    // Breadcrumbs: "raw" goes up one level, the bucket button to the root.
    harness.get_by_label("raw").click();
    wait_for(&mut harness, "📄 b.txt");
    assert_eq!(harness.state().browser().unwrap().prefix, "raw/");
    harness.get_by_label("s3://demo").click();
    wait_for(&mut harness, "📄 top.txt");
    assert_eq!(harness.state().browser().unwrap().prefix, "");
}

#[test]
fn selecting_an_object_shows_its_details() {
    let fixture = fixture(&["notes/readme.md"]);
    let _rt = fixture.runtime.enter();
    let state = PersistedState {
        bucket: Some("demo".into()),
        prefix: "notes/".into(),
        ..PersistedState::default()
    };
    let mut harness = app_harness(&fixture, state);
    // The last session's bucket and prefix reopen by themselves.
    wait_for(&mut harness, "📄 readme.md");
    harness.get_by_label("📄 readme.md").click();
    wait_for(&mut harness, "Details");
    wait_for(&mut harness, "notes/readme.md");
    wait_for(&mut harness, "15 B (15 bytes)");
}

#[test]
fn new_folder_creates_the_marker_and_shows_it() {
    let fixture = fixture(&["top.txt"]);
    let _rt = fixture.runtime.enter();
    let state = PersistedState {
        bucket: Some("demo".into()),
        ..PersistedState::default()
    };
    let mut harness = app_harness(&fixture, state);
    wait_for(&mut harness, "📄 top.txt");
    harness.get_by_label("🗀 New folder").click();
    harness.step();
    harness.step();
    // The dialog focuses its name field: type straight into it.
    harness.event(egui::Event::Text("checkpoints".into()));
    harness.step();
    harness.get_by_label("Create").click();
    wait_for(&mut harness, "📁 checkpoints/");
    // Inside the new folder, its own marker is not listed as an object.
    harness.get_by_label("📁 checkpoints/").click();
    wait_until(&mut harness, "the listing", |h| {
        let app = h.state();
        app.browser()
            .is_some_and(|b| b.prefix == "checkpoints/" && !b.is_loading())
    });
    assert_eq!(harness.state().browser().unwrap().rows().visible_len(), 0);
    wait_for(&mut harness, "Nothing here yet");
}

#[test]
fn a_connection_error_is_a_sentence_with_a_hint() {
    let mut fixture = fixture(&[]);
    let _rt = fixture.runtime.enter();
    // The sandbox goes away after the app was told where it is.
    let endpoint = fixture.sandbox.as_ref().unwrap().endpoint.clone();
    drop(fixture.sandbox.take());
    let env = AppEnvironment {
        sandbox: Some(endpoint.clone()),
        ..AppEnvironment::default()
    };
    let mut harness = Harness::builder()
        .with_size([1100.0, 700.0])
        .build_eframe(move |cc| SkiffApp::with_state(&cc.egui_ctx, env, PersistedState::default()));
    let message = format!("Cannot reach {}: connection refused.", endpoint.endpoint);
    wait_for(&mut harness, &message);
    assert!(
        harness
            .query_by_label_contains("Check the endpoint URL")
            .is_some()
    );
    assert!(harness.query_by_label("⟳ Retry").is_some());
}

#[test]
fn a_failed_listing_says_which_bucket_and_offers_retry() {
    let fixture = fixture(&["top.txt"]);
    let _rt = fixture.runtime.enter();
    let mut harness = app_harness(&fixture, PersistedState::default());
    wait_for(&mut harness, "🗄 demo");
    harness
        .query_all_by_role(egui::accesskit::Role::TextInput)
        .find(|n| n.accesskit_node().data().placeholder() == Some("bucket name"))
        .expect("the bucket name field")
        .click();
    harness.step();
    harness.event(egui::Event::Text("no-such-bucket".into()));
    harness.step();
    harness.get_by_label("Open").click();
    wait_for(&mut harness, "There is no bucket named no-such-bucket.");
    assert!(
        harness
            .query_by_label_contains("Refresh the bucket list")
            .is_some()
    );
    assert!(harness.query_by_label("⟳ Retry").is_some());
    wait_for(
        &mut harness,
        "0 objects · 0 B · 0 folders · a page failed: the rows above are kept",
    );
}

#[test]
fn files_and_a_folder_dropped_on_the_window_land_under_the_prefix() {
    let fixture = fixture(&["drops/readme.txt"]);
    let _rt = fixture.runtime.enter();
    let local = tempfile::tempdir().unwrap();
    let a = local.path().join("a.txt");
    let b = local.path().join("b b+.csv");
    let folder = local.path().join("shards");
    std::fs::create_dir_all(folder.join("sub")).unwrap();
    std::fs::write(&a, b"alpha").unwrap();
    std::fs::write(&b, b"x,y\n1,2\n").unwrap();
    std::fs::write(folder.join("x.jsonl"), b"{}").unwrap();
    std::fs::write(folder.join("sub/y.bin"), vec![7u8; 20 * 1024 * 1024]).unwrap();

    let state = PersistedState {
        bucket: Some("demo".into()),
        prefix: "drops/".into(),
        ..PersistedState::default()
    };
    let mut harness = app_harness(&fixture, state);
    wait_for(&mut harness, "📄 readme.txt");
    harness.input_mut().dropped_files = [a, b, folder]
        .into_iter()
        .map(|p| std::sync::Arc::new(DroppedPath(p)) as egui::DroppedFileHandle)
        .collect();
    harness.step();
    wait_until(&mut harness, "four finished transfers", |h| {
        h.query_all_by_label("✔ done").count() == 4
    });
    // The listing refreshes by itself once the uploads land.
    wait_for(&mut harness, "📁 shards/");
    wait_for(&mut harness, "📄 b b+.csv");

    let keys = keys_under(&fixture, "drops/");
    let keys: Vec<(&str, u64)> = keys.iter().map(|(k, s)| (k.as_str(), *s)).collect();
    assert_eq!(
        keys,
        [
            ("drops/a.txt", 5),
            ("drops/b b+.csv", 8),
            ("drops/readme.txt", 16),
            ("drops/shards/sub/y.bin", 20 * 1024 * 1024),
            ("drops/shards/x.jsonl", 2),
        ]
    );
}

/// A drop onto keys that exist asks once for all of them; "Keep both" renames the new ones,
/// and the options chosen (content type, metadata) go with the uploads.
#[test]
fn existing_keys_are_asked_about_and_options_go_with_uploads() {
    let fixture = fixture(&["in/a.txt"]);
    let _rt = fixture.runtime.enter();
    let local = tempfile::tempdir().unwrap();
    let a = local.path().join("a.txt");
    let new = local.path().join("new.txt");
    std::fs::write(&a, b"the new a").unwrap();
    std::fs::write(&new, b"fresh").unwrap();
    let state = PersistedState {
        bucket: Some("demo".into()),
        prefix: "in/".into(),
        ..PersistedState::default()
    };
    let mut harness = app_harness(&fixture, state);
    wait_for(&mut harness, "📄 a.txt");
    wait_for(&mut harness, "1 object · 8 B · 0 folders · complete");

    harness.get_by_label("⚙ Transfer options").click_accesskit();
    wait_for(&mut harness, "+ Add metadata");
    harness.get_by_label("+ Add metadata").click_accesskit();
    wait_until(&mut harness, "a metadata row", |h| {
        h.query_all_by_role(egui::accesskit::Role::TextInput)
            .any(|n| n.accesskit_node().data().placeholder() == Some("name"))
    });
    type_into(&mut harness, "name", "owner");
    type_into(&mut harness, "value", "jd");
    type_into(&mut harness, "guessed from the name", "text/x-notes");
    wait_for(
        &mut harness,
        "⚙ Transfer options: text/x-notes · 1 metadata",
    );

    drop_files(&mut harness, &[a, new]);
    wait_for(&mut harness, "1 file already exists at the destination:");
    wait_for(&mut harness, "exists: choose above");
    wait_until(&mut harness, "the new file lands", |h| {
        h.query_all_by_label("✔ done").count() == 1
    });
    harness.get_by_label("Keep both").click_accesskit();
    wait_until(&mut harness, "both land", |h| {
        h.query_all_by_label("✔ done").count() == 2
    });
    wait_for(&mut harness, "⬆ a.txt as a (1).txt");

    let c = static_connection("t", &fixture.sandbox.as_ref().unwrap().endpoint, true);
    let head = |key: &str| {
        fixture
            .runtime
            .block_on(skiff::s3::objects::head_object(&c, "demo", key))
            .unwrap()
    };
    assert_eq!(head("in/a.txt").size_bytes, 8, "the old a.txt is kept");
    let renamed = head("in/a (1).txt");
    assert_eq!(renamed.size_bytes, 9);
    assert_eq!(renamed.content_type.as_deref(), Some("text/x-notes"));
    assert_eq!(
        renamed.user_metadata.get("owner").map(String::as_str),
        Some("jd")
    );
    assert_eq!(head("in/new.txt").size_bytes, 5);
}

/// The details panel's "Verify a local copy…" compares a file with the object.
#[test]
fn verify_a_local_copy_from_the_details_panel() {
    let fixture = fixture(&["v/data.bin"]);
    let _rt = fixture.runtime.enter();
    let local = tempfile::tempdir().unwrap();
    let same = local.path().join("same.bin");
    let other = local.path().join("other.bin");
    std::fs::write(&same, b"v/data.bin").unwrap();
    std::fs::write(&other, b"v/data.biN").unwrap();
    // Stored with a CRC32C, as Skiff uploads: the details show it.
    let c = static_connection("t", &fixture.sandbox.as_ref().unwrap().endpoint, true);
    fixture.runtime.block_on(async {
        c.client
            .put_object()
            .bucket("demo")
            .key("v/data.bin")
            .checksum_crc32_c(skiff::transfer::crc32c_base64(b"v/data.bin"))
            .body(b"v/data.bin".to_vec().into())
            .send()
            .await
            .unwrap();
    });
    let state = PersistedState {
        bucket: Some("demo".into()),
        prefix: "v/".into(),
        ..PersistedState::default()
    };
    let mut harness = app_harness(&fixture, state);
    wait_for(&mut harness, "📄 data.bin");
    harness.get_by_label("📄 data.bin").click();
    wait_for(&mut harness, "✔ Verify a local copy…");
    let checksum = format!("CRC32C {}", skiff::transfer::crc32c_base64(b"v/data.bin"));
    assert!(
        harness.query_by_label_contains(&checksum).is_some(),
        "the details show the stored checksum"
    );
    harness
        .get_by_label("✔ Verify a local copy…")
        .click_accesskit();
    wait_for(&mut harness, "Compare a file with s3://demo/v/data.bin");
    type_into(&mut harness, "/path/to/the/file", same.to_str().unwrap());
    harness.get_by_label("Verify").click_accesskit();
    wait_for(
        &mut harness,
        &format!(
            "✔ Identical: {} has the same size and CRC32C.",
            same.display()
        ),
    );
}

/// An upload an earlier run left unfinished is offered when the app opens on the same endpoint,
/// and "Resume" sends only what is missing.
#[test]
fn uploads_left_unfinished_are_offered_and_resume() {
    use std::sync::atomic::Ordering;
    let fixture = fixture(&["keep.txt"]);
    let _rt = fixture.runtime.enter();
    let local = tempfile::tempdir().unwrap();
    let path = local.path().join("weights.bin");
    let bytes: Vec<u8> = (0..48u32 * 1024 * 1024).map(|i| (i % 251) as u8).collect();
    std::fs::write(&path, &bytes).unwrap();
    let c = static_connection("t", &fixture.sandbox.as_ref().unwrap().endpoint, true);

    // The earlier run: stopped (as a pause or a quit does) after a few parts.
    fixture.runtime.block_on(async {
        let options = skiff::transfer::TransferOptions {
            concurrency: 1,
            part_size_bytes: 8 * 1024 * 1024,
            ..skiff::transfer::TransferOptions::default()
        };
        let progress = skiff::transfer::Progress::default();
        let pause = skiff::transfer::Pause::default();
        let scheduler = skiff::transfer::Scheduler::default();
        let object = skiff::s3::object_io::ObjectRef::new(&c, "demo", "ckpt/weights.bin");
        let upload = skiff::transfer::upload_file_pausable(
            &object, &scheduler, &path, &options, &progress, &pause,
        );
        tokio::select! {
            _ = upload => panic!("the upload finished before it was stopped"),
            () = async {
                while progress.bytes_done.load(Ordering::Relaxed) < 16 * 1024 * 1024 {
                    tokio::time::sleep(std::time::Duration::from_millis(1)).await;
                }
                pause.set();
            } => {}
        }
    });

    // Offered at once, on the bucket list: no bucket needs to be open.
    let mut harness = app_harness(&fixture, PersistedState::default());
    wait_for(&mut harness, "1 upload from an earlier run did not finish.");
    // The offer and the bucket list come from two lookups that may end in either order.
    wait_for(&mut harness, "1 bucket");
    assert!(
        harness.query_by_label("1 bucket").is_some(),
        "the app is on the bucket list"
    );
    harness.get_by_label("⏵ Resume").click_accesskit();
    wait_until(&mut harness, "the resumed upload lands", |h| {
        h.query_all_by_label("✔ done").count() == 1
    });
    let back = fixture.runtime.block_on(async {
        c.client
            .get_object()
            .bucket("demo")
            .key("ckpt/weights.bin")
            .send()
            .await
            .unwrap()
            .body
            .collect()
            .await
            .unwrap()
            .into_bytes()
    });
    assert!(
        back.as_ref() == bytes.as_slice(),
        "the resumed object differs"
    );
}

/// An earlier run's download of `key` into `dest`, stopped (as a crash or a quit stops it) once
/// `stop_after` bytes are in: 8 MiB ranges, one at a time.
fn download_stopped_midway(fixture: &Fixture, key: &str, dest: &std::path::Path, stop_after: u64) {
    use std::sync::atomic::Ordering;
    let c = static_connection("t", &fixture.sandbox.as_ref().unwrap().endpoint, true);
    fixture.runtime.block_on(async {
        let options = skiff::transfer::TransferOptions {
            concurrency: 1,
            part_size_bytes: 8 * 1024 * 1024,
            ..skiff::transfer::TransferOptions::default()
        };
        let progress = std::sync::Arc::new(skiff::transfer::Progress::default());
        let scheduler = skiff::transfer::Scheduler::default();
        let download = skiff::transfer::download_object(
            &c, &scheduler, "demo", key, dest, &options, &progress,
        );
        tokio::select! {
            _ = download => panic!("the download finished before it was stopped"),
            () = async {
                while progress.bytes_done.load(Ordering::Relaxed) < stop_after {
                    tokio::time::sleep(std::time::Duration::from_millis(1)).await;
                }
            } => {}
        }
        // Stopped means stopped: no range goes on writing in the background.
        let at_stop = progress.bytes_done.load(Ordering::Relaxed);
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let later = progress.bytes_done.load(Ordering::Relaxed);
        assert!(
            later - at_stop <= 1024 * 1024,
            "the download went on after it was dropped: {at_stop} -> {later} bytes"
        );
    });
}

#[test]
fn downloads_left_unfinished_are_offered_and_resume() {
    use std::sync::atomic::Ordering;
    let fixture = fixture(&["keep.txt"]);
    let _rt = fixture.runtime.enter();
    let c = static_connection("t", &fixture.sandbox.as_ref().unwrap().endpoint, true);
    let bytes: Vec<u8> = (0..48u32 * 1024 * 1024).map(|i| (i % 253) as u8).collect();
    fixture.runtime.block_on(async {
        skiff::s3::objects::put_bytes(&c, "demo", "ckpt/weights.bin", bytes.clone())
            .await
            .unwrap();
    });
    let local = tempfile::tempdir().unwrap();
    let dest = local.path().join("weights.bin");
    download_stopped_midway(&fixture, "ckpt/weights.bin", &dest, 17 * 1024 * 1024);
    assert!(!dest.exists(), "an unfinished download has no final name");

    // While a transfer holds its journal (running in another window or command), it is neither
    // offered nor run a second time.
    {
        use skiff::transfer::journal::{DownloadJournal, JournalClaim};
        let journal = DownloadJournal::file_for(&dest);
        let endpoint = c.target().endpoint;
        let offered = || {
            DownloadJournal::unfinished(&endpoint)
                .iter()
                .any(|j| j.dest == dest)
        };
        assert!(offered(), "the stopped download is offered");
        let held = JournalClaim::claim(&journal)
            .unwrap()
            .expect("a free journal");
        assert!(!offered(), "a running download is offered");
        assert!(
            JournalClaim::claim(&journal).unwrap().is_none(),
            "a journal was claimed twice"
        );
        let again = fixture.runtime.block_on(skiff::transfer::download_object(
            &c,
            &skiff::transfer::Scheduler::default(),
            "demo",
            "ckpt/weights.bin",
            &dest,
            &skiff::transfer::TransferOptions::default(),
            &Default::default(),
        ));
        assert!(
            matches!(again, Err(skiff::transfer::TransferError::InUse { .. })),
            "{again:?}"
        );
        drop(held);
        assert!(offered(), "a download let go of is offered again");
    }

    let state = PersistedState {
        bucket: Some("demo".into()),
        ..PersistedState::default()
    };
    let mut harness = app_harness(&fixture, state);
    wait_for(
        &mut harness,
        "1 download from an earlier run did not finish.",
    );
    harness.get_by_label("⏵ Resume").click_accesskit();
    wait_until(&mut harness, "the resumed download lands", |h| {
        h.query_all_by_label("✔ done").count() == 1
    });
    let queue = harness.state().queue().expect("a queue");
    let job = &queue.jobs()[0];
    assert!(
        job.progress.parts_resumed.load(Ordering::Relaxed) >= 2,
        "the resumed download fetched every range again"
    );
    assert!(
        std::fs::read(&dest).unwrap() == bytes,
        "the resumed file differs"
    );
}

#[test]
fn discarding_an_unfinished_download_removes_its_partial_file() {
    let fixture = fixture(&["keep.txt"]);
    let _rt = fixture.runtime.enter();
    let c = static_connection("t", &fixture.sandbox.as_ref().unwrap().endpoint, true);
    fixture.runtime.block_on(async {
        skiff::s3::objects::put_bytes(&c, "demo", "big.bin", vec![7u8; 40 * 1024 * 1024])
            .await
            .unwrap();
    });
    let local = tempfile::tempdir().unwrap();
    let dest = local.path().join("big.bin");
    download_stopped_midway(&fixture, "big.bin", &dest, 9 * 1024 * 1024);
    let partial = local.path().join("big.bin.skiff-part");
    assert!(partial.exists());

    let state = PersistedState {
        bucket: Some("demo".into()),
        ..PersistedState::default()
    };
    let mut harness = app_harness(&fixture, state);
    wait_for(
        &mut harness,
        "1 download from an earlier run did not finish.",
    );
    harness.get_by_label("Discard").click_accesskit();
    wait_until(&mut harness, "the offer goes away", |h| {
        h.query_by_label("1 download from an earlier run did not finish.")
            .is_none()
    });
    assert!(!partial.exists(), "the partial file is still there");
    assert!(!dest.exists());
}

/// The connection menu's "Copy AWS CLI settings" puts the sandbox's export line on the
/// clipboard, for a terminal beside the app.
#[test]
fn the_sandbox_settings_are_copied_from_the_connection_menu() {
    let fixture = fixture(&[]);
    let _rt = fixture.runtime.enter();
    let mut harness = app_harness(&fixture, PersistedState::default());
    wait_for(&mut harness, "🗄 demo");
    pick_from_menu(&mut harness, 0, "Copy AWS CLI settings");
    let copied: Vec<String> = common::ui::copied_texts(&harness);
    let expected = fixture.sandbox.as_ref().unwrap().endpoint.aws_cli_env();
    assert_eq!(copied, [expected]);
}

/// The theme is picked in the top bar and comes back with the remembered state.
#[test]
fn the_theme_is_picked_and_remembered() {
    let fixture = fixture(&[]);
    let _rt = fixture.runtime.enter();
    let mut harness = app_harness(&fixture, PersistedState::default());
    wait_for(&mut harness, "🗄 demo");
    pick_from_menu(&mut harness, 1, "Light");
    harness.step();
    assert_eq!(harness.ctx.theme(), egui::Theme::Light);

    let remembered = PersistedState {
        theme: skiff::app::ThemeChoice::Dark,
        ..PersistedState::default()
    };
    let text = serde_json::to_string(&remembered).unwrap();
    let back: PersistedState = serde_json::from_str(&text).unwrap();
    let mut harness = app_harness(&fixture, back);
    harness.step();
    assert_eq!(harness.ctx.theme(), egui::Theme::Dark);
}

/// Over a long link a folder's listing takes a round trip a page: the first page's rows show
/// as soon as it arrives, while the next page is still held back at the proxy.
#[test]
fn the_first_page_shows_while_the_rest_is_on_its_way() {
    let names: Vec<String> = (0..1500).map(|i| format!("part-{i:05}.bin")).collect();
    let keys: Vec<&str> = names.iter().map(String::as_str).collect();
    let fixture = fixture(&keys);
    let _rt = fixture.runtime.enter();
    let sandbox = fixture.sandbox.as_ref().unwrap().endpoint.clone();
    let held = std::sync::Arc::new(tokio::sync::Semaphore::new(0));
    let release = held.clone();
    let proxy = fixture.runtime.block_on(crate::faults::start_judging_proxy(
        sandbox.endpoint.trim_start_matches("http://").to_owned(),
        move |request_line| {
            let held = held.clone();
            async move {
                if request_line.contains("continuation-token=") {
                    let _ = held.acquire().await.map(|p| p.forget());
                }
                crate::faults::Verdict::Forward
            }
        },
    ));
    let env = AppEnvironment {
        sandbox: Some(skiff::s3::StaticEndpoint {
            endpoint: proxy,
            ..sandbox
        }),
        file_dialogs: skiff::app::FileDialogs::InApp,
        ..AppEnvironment::default()
    };
    let state = PersistedState {
        bucket: Some("demo".into()),
        ..PersistedState::default()
    };
    let mut harness = Harness::builder()
        .with_size([1100.0, 700.0])
        .build_eframe(move |cc| SkiffApp::with_state(&cc.egui_ctx, env, state));
    wait_for(&mut harness, "📄 part-00000.bin");
    let browser = harness.state().browser().unwrap();
    assert!(browser.is_loading(), "page 2 is held back");
    assert_eq!(browser.rows().visible_len(), 1000, "page 1, shown whole");

    release.add_permits(100);
    wait_until(&mut harness, "the rest of the listing", |h| {
        let browser = h.state().browser().unwrap();
        !browser.is_loading() && browser.rows().visible_len() == 1500
    });
}
