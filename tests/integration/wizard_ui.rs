//! The new-bucket wizard walked by clicking and typing, then the bucket checked through S3.

use crate::common;

use common::ui::wait_for;

use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use skiff::app::{AppEnvironment, PersistedState, SkiffApp};
use skiff::s3::StaticEndpoint;
use skiff::s3::bucket_setup::{SetupStep, read_settings};
use skiff::s3::listing::{ListRequest, list_all};

/// Types into the topmost field showing `placeholder`.
fn type_into(harness: &mut Harness<'_, SkiffApp>, placeholder: &str, text: &str) {
    type_into_nth(harness, placeholder, text, false);
}

fn type_into_nth(harness: &mut Harness<'_, SkiffApp>, placeholder: &str, text: &str, last: bool) {
    harness
        .query_all_by_role(egui::accesskit::Role::TextInput)
        .filter(|n| n.accesskit_node().data().placeholder() == Some(placeholder))
        .min_by(|a, b| {
            let order = a.rect().min.y.total_cmp(&b.rect().min.y);
            if last { order.reverse() } else { order }
        })
        .unwrap_or_else(|| panic!("a field with placeholder {placeholder:?}"))
        .focus();
    harness.step();
    harness.event(egui::Event::Text(text.into()));
    harness.step();
}

/// Walks the wizard on `endpoint`; returns the bucket's name.
fn walk_wizard(endpoint: StaticEndpoint, project: &str, expect_in_report: &[&str]) -> String {
    walk_wizard_with(endpoint, project, expect_in_report, None).0
}

/// `system_tag`: a tag whose key S3 refuses, so that the Tags step fails.
fn walk_wizard_with(
    endpoint: StaticEndpoint,
    project: &str,
    expect_in_report: &[&str],
    system_tag: Option<&str>,
) -> (String, Harness<'static, SkiffApp>) {
    let env = AppEnvironment {
        sandbox: Some(endpoint),
        ..AppEnvironment::default()
    };
    let mut harness = Harness::builder()
        .with_size([1200.0, 800.0])
        .build_eframe(move |cc| SkiffApp::with_state(&cc.egui_ctx, env, PersistedState::default()));
    wait_for(&mut harness, "+ New bucket");
    harness.get_by_label("+ New bucket").click_accesskit();
    wait_for(&mut harness, "1. Name");

    type_into(&mut harness, "jd", "JD");
    type_into(&mut harness, "llm-corpus", project);
    let name = harness
        .query_all_by_role(egui::accesskit::Role::TextInput)
        .find(|n| n.accesskit_node().data().placeholder() == Some("new-bucket-name"))
        .and_then(|n| n.value())
        .expect("the suggested name");
    assert!(name.starts_with(&format!("jd-{project}-raw-")), "{name}");
    wait_for(&mut harness, "✔ A valid bucket name.");

    harness.get_by_label("Next ⏵").click_accesskit();
    wait_for(
        &mut harness,
        "us-east-1 takes no LocationConstraint when the bucket is created.",
    );
    harness.get_by_label("Next ⏵").click_accesskit();
    wait_for(
        &mut harness,
        "Versioning: keep every version of every object",
    );
    harness
        .get_by_label("Versioning: keep every version of every object")
        .click_accesskit();
    harness.get_by_label("Next ⏵").click_accesskit();
    wait_for(
        &mut harness,
        "Create folders from the template <dataset>/<version>/<split>/",
    );
    harness
        .get_by_label("Create folders from the template <dataset>/<version>/<split>/")
        .click_accesskit();
    harness.step();
    type_into(&mut harness, "value", "llm");
    if let Some(key) = system_tag {
        // The last prefilled row (cost-center) gets a key S3 refuses, and a value.
        type_into_nth(&mut harness, "value", "x", true);
        harness
            .query_all_by_role(egui::accesskit::Role::TextInput)
            .filter(|n| n.accesskit_node().data().placeholder() == Some("key"))
            .max_by(|a, b| a.rect().min.y.total_cmp(&b.rect().min.y))
            .expect("a tag key field")
            .focus();
        harness.step();
        harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
        harness.step();
        harness.event(egui::Event::Text(key.into()));
        harness.step();
    }
    harness.get_by_label("Next ⏵").click_accesskit();
    wait_for(
        &mut harness,
        "Let the Skiff web app use this bucket from a browser (CORS)",
    );
    harness
        .get_by_label("Let the Skiff web app use this bucket from a browser (CORS)")
        .click_accesskit();
    harness.get_by_label("Next ⏵").click_accesskit();
    wait_for(&mut harness, "✔ The name is free.");
    assert!(harness.query_by_label("📋 Copy").is_some());
    harness.get_by_label("Create bucket").click_accesskit();
    wait_for(&mut harness, "Open the bucket");
    for line in expect_in_report {
        wait_for(&mut harness, line);
    }
    if system_tag.is_some() {
        return (name, harness);
    }
    harness.get_by_label("Open the bucket").click_accesskit();
    wait_for(&mut harness, "📁 wikipedia/");
    (name, harness)
}

#[test]
fn wizard_on_the_sandbox_creates_the_bucket_and_its_folders() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let _rt = runtime.enter();
    let server = runtime.block_on(common::server("sandbox")).unwrap();
    let endpoint = server.endpoint.clone();
    let name = walk_wizard(
        endpoint,
        "sbx",
        &[
            "✔ Create the bucket",
            "✔ Block Public Access",
            "✔ Lifecycle rules",
            "✔ Starting folders",
        ],
    );
    let listed = runtime
        .block_on(list_all(
            &server.connection,
            ListRequest::recursive(&name, ""),
        ))
        .unwrap();
    let keys: Vec<_> = listed.objects.into_iter().map(|o| o.key).collect();
    assert_eq!(
        keys,
        [
            "wikipedia/v1/test/",
            "wikipedia/v1/train/",
            "wikipedia/v1/validation/"
        ]
    );
    // The settings view reads every one back: nothing the sandbox cannot do.
    let (spec, caps) = runtime
        .block_on(read_settings(&server.connection, &name))
        .unwrap();
    assert!(caps.unsupported.is_empty(), "{:?}", caps.unsupported);
    assert_eq!(spec.lifecycle.abort_incomplete_uploads_days, Some(7));
}

#[test]
fn wizard_on_moto_applies_every_chosen_setting() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let _rt = runtime.enter();
    let Some(server) = runtime.block_on(common::server("moto")) else {
        return;
    };
    let endpoint = server.endpoint.clone();
    let project = format!("ui{}", std::process::id());
    let name = walk_wizard(
        endpoint,
        &project,
        &[
            "✔ Versioning",
            "✔ Tags",
            "✔ CORS for the web app",
            "✔ Lifecycle rules",
        ],
    );
    let (spec, caps) = runtime
        .block_on(read_settings(&server.connection, &name))
        .unwrap();
    assert!(caps.unsupported.is_empty());
    assert_eq!(spec.tags, [("project".to_owned(), "llm".to_owned())]);
    assert_eq!(spec.cors_origins, ["http://127.0.0.1:8080"]);
    assert_eq!(spec.lifecycle.abort_incomplete_uploads_days, Some(7));
    if !caps.unreadable.contains(&SetupStep::Versioning) {
        assert!(spec.versioning);
    }
}

#[test]
fn a_failed_setting_leaves_the_bucket_and_can_be_retried() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let _rt = runtime.enter();
    let Some(server) = runtime.block_on(common::server("moto")) else {
        return;
    };
    let project = format!("fail{}", std::process::id());
    let (name, mut harness) = walk_wizard_with(
        server.endpoint.clone(),
        &project,
        &[
            "✔ Create the bucket",
            "✔ Versioning",
            "✔ CORS for the web app",
        ],
        Some("aws:team"),
    );
    assert!(
        harness.query_by_label_contains("✖ Tags:").is_some(),
        "the failed setting is reported"
    );
    assert!(harness.query_by_label_contains("InvalidTag").is_some());
    assert!(harness.query_by_label("⟳ Retry what failed").is_some());
    // The bucket stays, with the settings that were applied.
    let (spec, _) = runtime
        .block_on(read_settings(&server.connection, &name))
        .unwrap();
    assert_eq!(spec.cors_origins, ["http://127.0.0.1:8080"]);
    // Retrying runs only what failed: the report keeps one Create line, applied once.
    harness
        .get_by_label("⟳ Retry what failed")
        .click_accesskit();
    wait_for(&mut harness, "Open the bucket");
    assert_eq!(harness.query_all_by_label("✔ Create the bucket").count(), 1);
    assert!(harness.query_by_label_contains("✖ Tags:").is_some());
}

#[test]
fn bucket_settings_read_and_change_an_existing_bucket() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let _rt = runtime.enter();
    let Some(server) = runtime.block_on(common::server("moto")) else {
        return;
    };
    let name = runtime.block_on(common::fresh_bucket(&server, "settings"));
    let env = AppEnvironment {
        sandbox: Some(server.endpoint.clone()),
        ..AppEnvironment::default()
    };
    let state = PersistedState {
        bucket: Some(name.clone()),
        ..PersistedState::default()
    };
    let mut harness = Harness::builder()
        .with_size([1200.0, 800.0])
        .build_eframe(move |cc| SkiffApp::with_state(&cc.egui_ctx, env, state));
    wait_for(&mut harness, "⚙ Bucket settings");
    // Let the listing finish first: its Stop button leaving the toolbar re-numbers the widgets.
    wait_for(&mut harness, "0 objects · 0 B · 0 folders · complete");
    harness.get_by_label("⚙ Bucket settings").click_accesskit();
    wait_for(
        &mut harness,
        "Versioning: keep every version of every object",
    );
    wait_for(&mut harness, "No changes");
    harness
        .get_by_label("Versioning: keep every version of every object")
        .click_accesskit();
    harness
        .get_by_label("Let the Skiff web app use this bucket from a browser (CORS)")
        .click_accesskit();
    wait_for(&mut harness, "Apply 2 change(s)");
    harness.get_by_label("Apply 2 change(s)").click_accesskit();
    wait_for(&mut harness, "✔ CORS for the web app");
    wait_for(&mut harness, "✔ Versioning");
    let (spec, caps) = runtime
        .block_on(read_settings(&server.connection, &name))
        .unwrap();
    assert_eq!(spec.cors_origins, ["http://127.0.0.1:8080"]);
    if !caps.unreadable.contains(&SetupStep::Versioning) {
        assert!(spec.versioning);
    }
}
