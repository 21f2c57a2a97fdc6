//! Versions and tags from the command line, on moto: an overwritten checkpoint reverted to its
//! first version (the history kept), a deleted one brought back, tags shown and changed in
//! place.

use crate::cli::text;
use crate::common;

#[test]
fn revert_and_undelete_bring_a_checkpoint_back() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let Some(moto) = rt.block_on(common::server("moto")) else {
        return;
    };
    let bucket = rt.block_on(common::versioned_bucket(&moto, "revert"));
    let client = moto.connection.client.clone();
    let key = "ckpt/model step.bin";
    rt.block_on(async {
        for body in ["first", "second", "third"] {
            skiff::s3::objects::put_bytes(&moto.connection, &bucket, key, body.into())
                .await
                .unwrap();
            tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        }
    });
    let skiff = |args: &[&str]| {
        common::skiff_with(&moto.endpoint)
            .args(args)
            .output()
            .unwrap()
    };
    let url = format!("s3://{bucket}/{key}");
    let current = || {
        rt.block_on(async {
            let got = client
                .get_object()
                .bucket(&bucket)
                .key(key)
                .send()
                .await
                .unwrap();
            got.body.collect().await.unwrap().into_bytes().to_vec()
        })
    };
    let versions = || {
        let out = skiff(&[
            "ls",
            "--versions",
            "--json",
            &format!("s3://{bucket}/ckpt/"),
        ]);
        assert!(out.status.success(), "{}", text(&out));
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
            .collect::<Vec<_>>()
    };
    let listed = versions();
    assert_eq!(listed.len(), 3);
    let first = listed[2]["version_id"].as_str().unwrap().to_owned();

    let dry = skiff(&["revert", &url, "--version-id", &first, "--dry-run"]);
    assert!(
        dry.status.success() && text(&dry).contains("Would copy"),
        "{}",
        text(&dry)
    );
    assert_eq!(current(), b"third", "a dry run changes nothing");

    let out = skiff(&["revert", &url, "--version-id", &first]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("the older versions are kept"),
        "{}",
        text(&out)
    );
    assert_eq!(current(), b"first");
    assert_eq!(versions().len(), 4, "the history stays");

    rt.block_on(client.delete_object().bucket(&bucket).key(key).send())
        .unwrap();
    let out = skiff(&["undelete", &url]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("is back"), "{}", text(&out));
    assert_eq!(current(), b"first");
    let again = skiff(&["undelete", &url]);
    assert!(text(&again).contains("is not deleted"), "{}", text(&again));
}

#[test]
fn tag_shows_changes_and_removes_an_objects_tags() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let Some(moto) = rt.block_on(common::server("moto")) else {
        return;
    };
    let bucket = rt.block_on(common::fresh_bucket(&moto, "tag"));
    let client = moto.connection.client.clone();
    rt.block_on(
        client
            .put_object()
            .bucket(&bucket)
            .key("shard.parquet")
            .tagging("team=nlp")
            .body(b"rows".to_vec().into())
            .send(),
    )
    .unwrap();
    let url = format!("s3://{bucket}/shard.parquet");
    let skiff = |args: &[&str]| {
        common::skiff_with(&moto.endpoint)
            .args(args)
            .output()
            .unwrap()
    };
    let tags = || {
        let mut tags = rt
            .block_on(skiff::s3::objects::object_tags(
                &moto.connection,
                &bucket,
                "shard.parquet",
            ))
            .unwrap();
        tags.sort();
        tags
    };
    let pair = |k: &str, v: &str| (k.to_owned(), v.to_owned());

    let out = skiff(&["tag", &url]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "team=nlp");

    let out = skiff(&["tag", &url, "stage=raw", "team=cv", "--dry-run"]);
    assert!(text(&out).contains("Would set"), "{}", text(&out));
    assert_eq!(tags(), [pair("team", "nlp")], "a dry run changes nothing");

    let out = skiff(&["tag", &url, "stage=raw", "team=cv"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(tags(), [pair("stage", "raw"), pair("team", "cv")]);

    let out = skiff(&["tag", &url, "--delete"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(tags().is_empty());
    let bad = skiff(&["tag", &url, "no-equals-sign"]);
    assert!(
        !bad.status.success() && text(&bad).contains("KEY=VALUE"),
        "{}",
        text(&bad)
    );
}

/// The versions window on moto: three versions listed newest first, the oldest restored as a
/// fourth, one deleted for good (typed confirmation), leaving three and the current bytes.
#[test]
fn the_versions_window_restores_and_deletes_one_version_for_good() {
    use crate::common::ui::{wait_for, wait_until};
    use egui_kittest::kittest::Queryable;
    let rt = tokio::runtime::Runtime::new().unwrap();
    let Some(moto) = rt.block_on(common::server("moto")) else {
        return;
    };
    let _entered = rt.enter();
    let bucket = rt.block_on(common::versioned_bucket(&moto, "versions-ui"));
    let key = "ckpt/model.bin";
    rt.block_on(async {
        for body in ["first", "second", "third"] {
            skiff::s3::objects::put_bytes(&moto.connection, &bucket, key, body.into())
                .await
                .unwrap();
            tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        }
    });
    let mut harness = common::ui::server_harness(&moto, &bucket, "ckpt/");
    wait_for(&mut harness, "📄 model.bin");
    // From the details panel (the row's context menu offers it too).
    harness.get_by_label("📄 model.bin").click();
    wait_for(&mut harness, "🕘 Versions…");
    harness.get_by_label("🕘 Versions…").click_accesskit();
    wait_for(&mut harness, "Versions of model.bin");
    wait_until(&mut harness, "three versions", |h| {
        h.query_all_by_label("🗑 Delete for good…").count() == 3
    });
    // Newest first: the last Restore is the first version.
    let restores: Vec<_> = harness.query_all_by_label("↺ Restore").collect();
    assert_eq!(restores.len(), 2, "the current version has no Restore");
    restores[1].click_accesskit();
    wait_until(&mut harness, "the restore", |h| {
        h.query_by_label_contains("is current again").is_some()
            && h.query_all_by_label("🗑 Delete for good…").count() == 4
    });
    let current = || {
        rt.block_on(async {
            let got = (moto.connection.client.get_object())
                .bucket(&bucket)
                .key(key)
                .send()
                .await
                .unwrap();
            got.body.collect().await.unwrap().into_bytes().to_vec()
        })
    };
    assert_eq!(current(), b"first");

    // Delete the oldest for good: typing "delete" confirms.
    let deletes: Vec<_> = harness.query_all_by_label("🗑 Delete for good…").collect();
    deletes[3].click_accesskit();
    wait_for(&mut harness, "🗑 Delete this version");
    common::ui::replace_text(&mut harness, "delete", "delete");
    harness.step();
    harness
        .get_by_label("🗑 Delete this version")
        .click_accesskit();
    wait_until(&mut harness, "the delete", |h| {
        h.query_by_label_contains("is gone for good").is_some()
            && h.query_all_by_label("🗑 Delete for good…").count() == 3
    });
    assert_eq!(current(), b"first", "the current version stays");
}

/// An archived object on moto: the details offer "Restore for reading", and once asked, say
/// until when the restored copy is readable.
#[test]
fn an_archived_object_is_restored_from_the_details() {
    use crate::common::ui::{wait_for, wait_until};
    use egui_kittest::kittest::Queryable;
    let rt = tokio::runtime::Runtime::new().unwrap();
    let Some(moto) = rt.block_on(common::server("moto")) else {
        return;
    };
    let _entered = rt.enter();
    let bucket = rt.block_on(common::fresh_bucket(&moto, "archive-ui"));
    rt.block_on(
        (moto.connection.client.put_object())
            .bucket(&bucket)
            .key("cold/2019.tar")
            .storage_class(aws_sdk_s3::types::StorageClass::Glacier)
            .body(b"old".to_vec().into())
            .send(),
    )
    .unwrap();
    let mut harness = common::ui::server_harness(&moto, &bucket, "cold/");
    wait_for(&mut harness, "📄 2019.tar");
    harness.get_by_label("📄 2019.tar").click();
    wait_for(&mut harness, "❄ Restore for reading");
    harness
        .get_by_label("❄ Restore for reading")
        .click_accesskit();
    wait_until(&mut harness, "the restore's status", |h| {
        h.query_by_label_contains("Restore asked for").is_some()
            && h.query_by_label_contains("available until").is_some()
    });
}
