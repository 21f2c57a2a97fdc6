//! The cleanup wizard walked by clicking and typing: Empty bucket from inventory to report.

use crate::common;

use common::ui::{wait_for, wait_until};

use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use skiff::app::{AppEnvironment, PersistedState, SkiffApp};
use skiff::s3::listing::{ListRequest, list_all};

fn empty_bucket_by_clicking(server_name: &'static str, versioned: bool) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let _rt = runtime.enter();
    let Some(server) = runtime.block_on(common::server(server_name)) else {
        return;
    };
    let bucket = runtime.block_on(common::fresh_bucket(&server, "empty-ui"));
    let keys: Vec<String> = (0..30)
        .map(|i| format!("runs/{i:02}/metrics.json"))
        .collect();
    if versioned {
        runtime
            .block_on(
                server
                    .connection
                    .client
                    .put_bucket_versioning()
                    .bucket(&bucket)
                    .versioning_configuration(
                        aws_sdk_s3::types::VersioningConfiguration::builder()
                            .status(aws_sdk_s3::types::BucketVersioningStatus::Enabled)
                            .build(),
                    )
                    .send(),
            )
            .unwrap();
        // Two versions of each key.
        runtime.block_on(common::put_keys(&server, &bucket, &keys));
    }
    runtime.block_on(common::put_keys(&server, &bucket, &keys));

    let reports = tempfile::tempdir().unwrap();
    let env = AppEnvironment {
        sandbox: Some(server.endpoint.clone()),
        reports_dir: Some(reports.path().to_owned()),
        ..AppEnvironment::default()
    };
    let state = PersistedState {
        bucket: Some(bucket.clone()),
        ..PersistedState::default()
    };
    let mut harness = Harness::builder()
        .with_size([1200.0, 800.0])
        .build_eframe(move |cc| SkiffApp::with_state(&cc.egui_ctx, env, state));
    wait_for(&mut harness, "0 objects · 0 B · 1 folder · complete");
    harness.get_by_label("🗑 Clean up").click_accesskit();
    wait_for(&mut harness, "Empty bucket…");
    harness.get_by_label("Empty bucket…").click_accesskit();

    // Inventory: the counts, nothing deleted yet.
    wait_for(&mut harness, &format!("Empty bucket {bucket}"));
    wait_until(&mut harness, "the scan finishes", |h| {
        h.query_by_label_contains("Nothing has been deleted.")
            .is_some()
    });
    assert!(harness.query_by_label("Current objects").is_some());
    assert!(
        harness.query_all_by_label("30").count() >= 1,
        "30 current objects"
    );
    if versioned {
        assert!(harness.query_by_label("Noncurrent versions").is_some());
    }
    harness.get_by_label("Next ⏵").click_accesskit();

    // Confirm: the button stays disabled until the bucket name is typed.
    wait_for(
        &mut harness,
        &format!("Type the bucket name to confirm: {bucket}"),
    );
    let summary = if versioned {
        format!("In s3://{bucket}: permanently delete 60 versions (1.2 KiB) and 0 delete markers.")
    } else {
        format!("In s3://{bucket}: delete 30 objects (600 B).")
    };
    wait_for(&mut harness, &summary);
    assert!(
        harness
            .get_by_label("🗑 Delete")
            .accesskit_node()
            .is_disabled()
    );
    harness
        .query_all_by_role(egui::accesskit::Role::TextInput)
        .find(|n| n.accesskit_node().data().placeholder() == Some(bucket.as_str()))
        .expect("the confirmation field")
        .focus();
    harness.step();
    harness.event(egui::Event::Text(bucket.clone()));
    harness.step();
    harness.step();
    assert!(
        !harness
            .get_by_label("🗑 Delete")
            .accesskit_node()
            .is_disabled()
    );
    harness.get_by_label("🗑 Delete").click_accesskit();

    // Report.
    let done = if versioned {
        "Deleted 60 of 60 versions and delete markers (1.2 KiB)."
    } else {
        "Deleted 30 of 30 objects (600 B)."
    };
    wait_for(&mut harness, done);
    // The audit copy: a CSV line per object, all deleted.
    let copies: Vec<_> = std::fs::read_dir(reports.path())
        .unwrap()
        .flatten()
        .collect();
    assert_eq!(copies.len(), 1);
    let csv = std::fs::read_to_string(copies[0].path()).unwrap();
    assert_eq!(
        csv.lines().filter(|l| l.contains(",deleted,")).count(),
        if versioned { 60 } else { 30 }
    );
    assert!(
        harness
            .query_by_label_contains("A copy of this report is in")
            .is_some()
    );
    harness.get_by_label("Close").click_accesskit();
    wait_for(&mut harness, "0 objects · 0 B · 0 folders · complete");

    let left = runtime
        .block_on(list_all(
            &server.connection,
            ListRequest::recursive(&bucket, ""),
        ))
        .unwrap();
    assert!(left.objects.is_empty(), "{:?}", left.objects);
    runtime
        .block_on(skiff::s3::buckets::head_bucket(&server.connection, &bucket))
        .expect("Empty keeps the bucket");
}

#[test]
fn empty_bucket_on_the_sandbox() {
    empty_bucket_by_clicking("sandbox", false);
}

#[test]
fn empty_a_versioned_bucket_on_moto() {
    empty_bucket_by_clicking("moto", true);
}

/// Delete bucket from the clean-up menu: the bucket goes, and the app leaves it.
#[test]
fn delete_a_bucket_from_the_menu() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let _rt = runtime.enter();
    let server = runtime.block_on(common::server("sandbox")).unwrap();
    let bucket = runtime.block_on(common::fresh_bucket(&server, "delete-ui"));
    let keys: Vec<String> = (0..5).map(|i| format!("tmp/{i}.txt")).collect();
    runtime.block_on(common::put_keys(&server, &bucket, &keys));
    let env = AppEnvironment {
        sandbox: Some(server.endpoint.clone()),
        ..AppEnvironment::default()
    };
    let state = PersistedState {
        bucket: Some(bucket.clone()),
        ..PersistedState::default()
    };
    let mut harness = Harness::builder()
        .with_size([1200.0, 800.0])
        .build_eframe(move |cc| SkiffApp::with_state(&cc.egui_ctx, env, state));
    wait_for(&mut harness, "0 objects · 0 B · 1 folder · complete");
    harness.get_by_label("🗑 Clean up").click_accesskit();
    wait_for(&mut harness, "Delete bucket…");
    harness.get_by_label("Delete bucket…").click_accesskit();
    wait_until(&mut harness, "the scan finishes", |h| {
        h.query_by_label_contains("Nothing has been deleted.")
            .is_some()
    });
    harness.get_by_label("Next ⏵").click_accesskit();
    wait_for(
        &mut harness,
        &format!("In s3://{bucket}: delete 5 objects (45 B), then delete the bucket itself."),
    );
    harness
        .query_all_by_role(egui::accesskit::Role::TextInput)
        .find(|n| n.accesskit_node().data().placeholder() == Some(bucket.as_str()))
        .expect("the confirmation field")
        .focus();
    harness.step();
    harness.event(egui::Event::Text(bucket.clone()));
    harness.step();
    harness.get_by_label("🗑 Delete").click_accesskit();
    wait_for(
        &mut harness,
        &format!("Deleted 5 of 5 objects (45 B), deleted the bucket {bucket}."),
    );
    harness.get_by_label("Close").click_accesskit();
    wait_until(&mut harness, "the app leaves the deleted bucket", |h| {
        h.query_by_label("No buckets yet").is_some()
            || h.query_by_label("Pick a bucket on the left").is_some()
    });
    let gone = runtime.block_on(skiff::s3::buckets::head_bucket(&server.connection, &bucket));
    assert!(
        matches!(gone, Err(skiff::s3::S3Error::NoSuchBucket { .. })),
        "{gone:?}"
    );
    assert!(harness.query_by_label(&format!("🗄 {bucket}")).is_none());
}

/// The uploads cleanup on the sandbox: its forgotten multipart uploads listed with their parts,
/// then aborted.
#[test]
fn forgotten_uploads_are_listed_and_aborted_on_the_sandbox() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let _rt = runtime.enter();
    let server = runtime.block_on(common::server("sandbox")).unwrap();
    let bucket = runtime.block_on(common::fresh_bucket(&server, "uploads-ui"));
    let c = &server.connection.client;
    runtime.block_on(async {
        for key in ["ckpt/step-1.safetensors", "ckpt/step-2.safetensors"] {
            let upload = c
                .create_multipart_upload()
                .bucket(&bucket)
                .key(key)
                .send()
                .await
                .unwrap();
            (c.upload_part().bucket(&bucket).key(key))
                .upload_id(upload.upload_id().unwrap())
                .part_number(1)
                .body(aws_sdk_s3::primitives::ByteStream::from(vec![7u8; 2048]))
                .send()
                .await
                .unwrap();
        }
        common::put_keys(&server, &bucket, &["ckpt/".to_owned()]).await;
    });
    let env = AppEnvironment {
        sandbox: Some(server.endpoint.clone()),
        ..AppEnvironment::default()
    };
    let state = PersistedState {
        bucket: Some(bucket.clone()),
        ..PersistedState::default()
    };
    let mut harness = Harness::builder()
        .with_size([1200.0, 800.0])
        .build_eframe(move |cc| SkiffApp::with_state(&cc.egui_ctx, env, state));
    wait_for(&mut harness, "📁 ckpt/");
    harness.get_by_label("🗑 Clean up").click_accesskit();
    wait_for(&mut harness, "Incomplete uploads…");
    harness
        .get_by_label("Incomplete uploads…")
        .click_accesskit();
    wait_for(&mut harness, "ckpt/step-1.safetensors");
    wait_for(&mut harness, "ckpt/step-2.safetensors");
    assert!(
        harness.query_all_by_label("2.0 KiB").count() >= 2,
        "each upload's part bytes"
    );
    harness.get_by_label("Next ⏵").click_accesskit();
    wait_for(
        &mut harness,
        &format!("In s3://{bucket}: abort 2 incomplete uploads."),
    );
    wait_for(&mut harness, "Type yes to confirm:");
    common::ui::type_into(&mut harness, "yes", "yes");
    harness.get_by_label("🗑 Delete").click_accesskit();
    wait_until(&mut harness, "the report", |h| {
        h.query_by_label_contains("aborted 2 of 2 incomplete uploads")
            .is_some()
    });
    let left = runtime.block_on(common::multipart_uploads_left(&server, &bucket));
    assert_eq!(left, 0);
}
