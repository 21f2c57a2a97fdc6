//! Server-side copies on moto and Garage: an object keeps its bytes, content type, metadata and
//! tags, whether one CopyObject or UploadPartCopy parts move it; `skiff cp s3://… s3://…` copies
//! an object or a whole prefix without the bytes passing through this machine.

use crate::cli::text;
use crate::common::{self, TestServer};
use skiff::s3::copy::{CopyOptions, confirm_copy, copy_object};

const MIB: u64 = 1024 * 1024;

async fn put_described(server: &TestServer, bucket: &str, key: &str, bytes: Vec<u8>) {
    let tagging = "team=nlp&stage=raw";
    server
        .connection
        .client
        .put_object()
        .bucket(bucket)
        .key(key)
        .content_type("application/x-parquet")
        .metadata("source", "wiki dump")
        .tagging(tagging)
        .body(bytes.into())
        .send()
        .await
        .unwrap();
}

/// Bytes, content type, metadata and tags of an object.
async fn described(
    server: &TestServer,
    bucket: &str,
    key: &str,
) -> (
    Vec<u8>,
    Option<String>,
    Option<String>,
    Vec<(String, String)>,
) {
    let c = &server.connection.client;
    let got = c.get_object().bucket(bucket).key(key).send().await.unwrap();
    let content_type = got.content_type().map(str::to_owned);
    let source = got.metadata().and_then(|m| m.get("source").cloned());
    let bytes = got.body.collect().await.unwrap().into_bytes().to_vec();
    let tags = match c.get_object_tagging().bucket(bucket).key(key).send().await {
        Ok(t) => {
            let mut tags: Vec<_> = (t.tag_set().iter())
                .map(|t| (t.key().to_owned(), t.value().to_owned()))
                .collect();
            tags.sort();
            tags
        }
        Err(_) => Vec::new(),
    };
    (bytes, content_type, source, tags)
}

async fn copies_keep_what_the_object_carries(server: &TestServer) {
    let from = common::fresh_bucket(server, "copy-from").await;
    let to = common::fresh_bucket(server, "copy-to").await;
    let small: Vec<u8> = (0..70_000u32).map(|i| (i % 251) as u8).collect();
    let large: Vec<u8> = (0..12 * MIB as u32 + 7).map(|i| (i % 253) as u8).collect();
    put_described(server, &from, "raw/small.parquet", small).await;
    put_described(server, &from, "raw/large.parquet", large).await;
    // The large one in 5 MiB parts: three UploadPartCopy ranges, the last one short.
    let parts = CopyOptions {
        multipart_above: 5 * MIB,
        part_size: 5 * MIB,
        concurrency: 3,
        ..CopyOptions::default()
    };
    for (key, options) in [
        ("raw/small.parquet", CopyOptions::default()),
        ("raw/large.parquet", parts),
    ] {
        let copied = copy_object(&server.connection, (&from, key), (&to, key), &options)
            .await
            .unwrap_or_else(|e| panic!("{}: {key}: {e}", server.name));
        let original = described(server, &from, key).await;
        assert_eq!(copied.bytes, original.0.len() as u64);
        let confirmed = confirm_copy(&server.connection, (&to, key), &copied).await;
        assert_eq!(confirmed, Ok(()), "{}: {key}", server.name);
        let copy = described(server, &to, key).await;
        assert!(
            copy.0 == original.0,
            "{}: {key}: the bytes differ",
            server.name
        );
        assert_eq!(copy.1, original.1, "{}: {key}: content type", server.name);
        assert_eq!(copy.2, original.2, "{}: {key}: metadata", server.name);
        assert_eq!(copy.3, original.3, "{}: {key}: tags", server.name);
    }
}

#[test]
fn server_side_copies_keep_bytes_headers_metadata_and_tags() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    for name in ["moto", "garage"] {
        if let Some(server) = rt.block_on(common::server(name)) {
            rt.block_on(copies_keep_what_the_object_carries(&server));
        }
    }
}

#[test]
fn cp_between_buckets_copies_an_object_and_a_prefix() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let Some(moto) = rt.block_on(common::server("moto")) else {
        return;
    };
    let from = rt.block_on(common::fresh_bucket(&moto, "cp-from"));
    let to = rt.block_on(common::fresh_bucket(&moto, "cp-to"));
    let keys: Vec<String> = [
        "ds/v1/train/a.bin",
        "ds/v1/train/b c.bin",
        "ds/v1/meta.json",
        "other.txt",
    ]
    .map(String::from)
    .to_vec();
    rt.block_on(common::put_keys(&moto, &from, &keys));
    let skiff = |args: &[&str]| {
        common::skiff_with(&moto.endpoint)
            .args(args)
            .output()
            .unwrap()
    };

    let out = skiff(&[
        "cp",
        &format!("s3://{from}/other.txt"),
        &format!("s3://{to}/kept/"),
    ]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains(&format!(
            "copy: s3://{from}/other.txt to s3://{to}/kept/other.txt"
        )),
        "{}",
        text(&out)
    );

    let out = skiff(&[
        "cp",
        "--recursive",
        &format!("s3://{from}/ds/v1/"),
        &format!("s3://{to}/ds/v2/"),
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let listed = rt
        .block_on(skiff::s3::listing::list_all(
            &moto.connection,
            skiff::s3::listing::ListRequest::recursive(&to, ""),
        ))
        .unwrap();
    let mut got: Vec<String> = listed.objects.into_iter().map(|o| o.key).collect();
    got.sort();
    assert_eq!(
        got,
        [
            "ds/v2/meta.json",
            "ds/v2/train/a.bin",
            "ds/v2/train/b c.bin",
            "kept/other.txt"
        ]
    );

    let out = skiff(&["cp", &format!("s3://{from}/ds/"), &format!("s3://{to}/x/")]);
    assert!(
        !out.status.success(),
        "a prefix without --recursive is refused"
    );
}
