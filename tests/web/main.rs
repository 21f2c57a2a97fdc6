//! The S3 layer in a real browser (wasm-bindgen-test in headless Chromium): aws-sdk-s3 over the
//! page's `fetch`, against the sandbox served by `skiff serve --web`, which answers CORS for the
//! test page's origin.
//!
//! The sandbox is named at build time, as the test page cannot read the environment:
//! `SKIFF_WEB_TEST_SANDBOX` holds its `sandbox.json` (endpoint, region, keys). Not moto: its
//! server answers every CORS preflight with 403, even for a bucket with a CORS rule.
//!
//! Run by `.ci/run` through `web/test.sh`.

#![cfg(target_arch = "wasm32")]

use futures::StreamExt;
use skiff::s3::client::static_connection;
use skiff::s3::listing::{ListRequest, list_all};
use skiff::s3::{Connection, StaticEndpoint, buckets, objects};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

/// Every server named at build time, as a connection.
fn servers() -> Vec<Connection> {
    let json = option_env!("SKIFF_WEB_TEST_SANDBOX")
        .expect("build with SKIFF_WEB_TEST_SANDBOX (web/test.sh does)");
    let endpoint: StaticEndpoint = serde_json::from_str(json).expect("sandbox.json parses");
    vec![static_connection("sandbox", &endpoint, true)]
}

fn random_bytes(len: usize) -> Vec<u8> {
    let mut bytes = vec![0u8; len];
    getrandom::fill(&mut bytes).expect("the browser gives random bytes");
    bytes
}

/// A bucket of its own for each test run, so runs never see each other's keys.
async fn fresh_bucket(connection: &Connection, what: &str) -> String {
    let tag: u32 = u32::from_le_bytes(random_bytes(4).try_into().unwrap());
    let bucket = format!("web-{what}-{tag:08x}");
    buckets::create_bucket(connection, &bucket)
        .await
        .unwrap_or_else(|e| panic!("{}: creating {bucket}: {e}", connection.label));
    bucket
}

async fn get(connection: &Connection, bucket: &str, key: &str) -> Vec<u8> {
    connection
        .client
        .get_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{}: GET {key}: {e:?}", connection.label))
        .body
        .collect()
        .await
        .expect("the body arrives")
        .into_bytes()
        .to_vec()
}

#[wasm_bindgen_test]
async fn random_binary_bytes_round_trip_intact() {
    for c in servers() {
        let bucket = fresh_bucket(&c, "bytes").await;
        // Every byte value, then random bytes: nothing may be read as text on the way.
        let mut bytes: Vec<u8> = (0..=255u8).collect();
        bytes.extend(random_bytes(300_000));
        for key in ["blob.bin", "dir/with space+plus%25 ü.bin"] {
            objects::put_bytes(&c, &bucket, key, bytes.clone())
                .await
                .unwrap_or_else(|e| panic!("{}: PUT {key}: {e}", c.label));
            assert!(
                get(&c, &bucket, key).await == bytes,
                "{}: {key} came back different",
                c.label
            );
        }
        let head = objects::head_object(&c, &bucket, "blob.bin").await.unwrap();
        assert_eq!(head.size_bytes, bytes.len() as u64, "{}", c.label);
    }
}

#[wasm_bindgen_test]
async fn a_multipart_upload_completes_in_the_browser() {
    for c in servers() {
        let bucket = fresh_bucket(&c, "multipart").await;
        let key = "ckpt/model.bin";
        let parts = [random_bytes(5 * 1024 * 1024), random_bytes(1234)];
        let upload = c
            .client
            .create_multipart_upload()
            .bucket(&bucket)
            .key(key)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{}: CreateMultipartUpload: {e:?}", c.label));
        let upload_id = upload.upload_id().expect("an upload id").to_owned();
        let mut done = Vec::new();
        for (i, part) in parts.iter().enumerate() {
            let number = i as i32 + 1;
            let sent = c
                .client
                .upload_part()
                .bucket(&bucket)
                .key(key)
                .upload_id(&upload_id)
                .part_number(number)
                .body(part.clone().into())
                .send()
                .await
                .unwrap_or_else(|e| panic!("{}: UploadPart {number}: {e:?}", c.label));
            // The ETag header must be readable from the page (CORS Expose-Headers).
            let etag = sent
                .e_tag()
                .unwrap_or_else(|| panic!("{}: part {number} has no readable ETag", c.label));
            done.push(
                aws_sdk_s3::types::CompletedPart::builder()
                    .part_number(number)
                    .e_tag(etag)
                    .build(),
            );
        }
        c.client
            .complete_multipart_upload()
            .bucket(&bucket)
            .key(key)
            .upload_id(&upload_id)
            .multipart_upload(
                aws_sdk_s3::types::CompletedMultipartUpload::builder()
                    .set_parts(Some(done))
                    .build(),
            )
            .send()
            .await
            .unwrap_or_else(|e| panic!("{}: CompleteMultipartUpload: {e:?}", c.label));
        assert!(
            get(&c, &bucket, key).await == parts.concat(),
            "{}: the multipart object differs",
            c.label
        );
    }
}

#[wasm_bindgen_test]
async fn a_listing_across_pages_is_complete_and_in_order() {
    for c in servers() {
        let bucket = fresh_bucket(&c, "pages").await;
        let keys: Vec<String> = (0..1100)
            .map(|i| format!("shards/part-{i:05}.bin"))
            .collect();
        futures::stream::iter(keys.iter())
            .map(|key| {
                let c = &c;
                let bucket = &bucket;
                async move { objects::put_bytes(c, bucket, key, vec![1]).await }
            })
            .buffer_unordered(16)
            .collect::<Vec<_>>()
            .await
            .into_iter()
            .collect::<Result<Vec<_>, _>>()
            .unwrap_or_else(|e| panic!("{}: seeding: {e}", c.label));
        let page = list_all(&c, ListRequest::recursive(&bucket, "shards/"))
            .await
            .unwrap_or_else(|e| panic!("{}: listing: {e}", c.label));
        let listed: Vec<&str> = page.objects.iter().map(|o| o.key.as_str()).collect();
        assert_eq!(listed.len(), 1100, "{}", c.label);
        assert!(
            listed.iter().zip(&keys).all(|(a, b)| *a == b.as_str()),
            "{}: keys out of order",
            c.label
        );
    }
}
