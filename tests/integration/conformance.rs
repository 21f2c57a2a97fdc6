//! One endpoint conformance suite, run against every server: the sandbox, moto and Garage.

use crate::common;

use common::{TestServer, fresh_bucket, put_keys};
use skiff::runtime::no_notify;
use skiff::s3::S3Error;
use skiff::s3::listing::{ListEvent, ListRequest, Listing, list_all};

mod suite {
    use super::*;

    /// More than 1,000 keys come back complete, in order, over several pages.
    pub async fn listing_across_pages(server: &TestServer) {
        let bucket = fresh_bucket(server, "pages").await;
        let keys: Vec<String> = (0..1234)
            .map(|i| format!("shards/part-{i:05}.bin"))
            .collect();
        put_keys(server, &bucket, &keys).await;

        let mut listing = Listing::start(
            &server.connection,
            ListRequest::recursive(&bucket, "shards/"),
            no_notify(),
        );
        let (mut pages, mut listed) = (0, Vec::new());
        loop {
            match listing.next().await.expect("listing ends with Done") {
                ListEvent::Page(page) => {
                    pages += 1;
                    assert!(
                        page.objects.len() <= 1000,
                        "a page holds at most 1,000 keys"
                    );
                    listed.extend(page.objects.into_iter().map(|o| o.key));
                }
                ListEvent::Done => break,
                ListEvent::Failed { error, .. } => panic!("{}: {error}", server.name),
            }
        }
        assert!(pages >= 2, "{}: 1,234 keys in {pages} page(s)", server.name);
        assert_eq!(listed, keys, "{}: every key once, in order", server.name);

        // A listing resumes from a continuation token: what Retry does after a failed page.
        let first = server
            .connection
            .client
            .list_objects_v2()
            .bucket(&bucket)
            .prefix("shards/")
            .max_keys(1000)
            .send()
            .await
            .unwrap();
        let mut resumed = ListRequest::recursive(&bucket, "shards/");
        resumed.continuation_token = first.next_continuation_token().map(str::to_owned);
        let rest = list_all(&server.connection, resumed).await.unwrap();
        let rest: Vec<String> = rest.objects.into_iter().map(|o| o.key).collect();
        assert_eq!(rest, keys[1000..], "{}: resumed listing", server.name);

        // One level with a delimiter pages too.
        let level = list_all(&server.connection, ListRequest::folder(&bucket, "shards/"))
            .await
            .unwrap();
        assert_eq!(level.objects.len(), 1234);
        assert!(level.prefixes.is_empty());
    }

    /// A recursive listing whose first page lies in a large folder goes wide (the rest of that
    /// folder, and each later folder, listed side by side): the keys still come back once each,
    /// in key order, on every server's reading of StartAfter and delimiters.
    pub async fn wide_listing_in_key_order(server: &TestServer) {
        let bucket = fresh_bucket(server, "wide").await;
        let mut keys: Vec<String> = Vec::new();
        for (folder, count) in [("a", 1300), ("b", 1100), ("c", 1)] {
            keys.extend((0..count).map(|i| format!("w/{folder}/part-{i:05}.bin")));
        }
        // Beside the folders (`-` sorts before `/`, `0` after it), and a key that goes on past
        // the character the listing starts after to skip a folder.
        for name in ["w/a-top", "w/b0", "w/zz", "w/a/\u{10FFFF}tail", "w/top.txt"] {
            keys.push(name.to_owned());
        }
        keys.sort();
        put_keys(server, &bucket, &keys).await;

        let listed = list_all(&server.connection, ListRequest::recursive(&bucket, "w/"))
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", server.name));
        assert!(
            names(&listed.objects) == keys,
            "{}: {} keys listed of {}, or out of order",
            server.name,
            listed.objects.len(),
            keys.len()
        );
    }

    pub async fn nested_prefixes(server: &TestServer) {
        let bucket = fresh_bucket(server, "nested").await;
        let keys: Vec<String> = [
            "top.txt",
            "raw/a.txt",
            "raw/2026/11/b.txt",
            "raw/2026/c.txt",
            "raw-old/d.txt",
        ]
        .map(String::from)
        .to_vec();
        put_keys(server, &bucket, &keys).await;

        let root = list_all(&server.connection, ListRequest::folder(&bucket, ""))
            .await
            .unwrap();
        assert_eq!(root.prefixes, ["raw-old/", "raw/"], "{}", server.name);
        assert_eq!(names(&root.objects), ["top.txt"]);

        let raw = list_all(&server.connection, ListRequest::folder(&bucket, "raw/"))
            .await
            .unwrap();
        assert_eq!(raw.prefixes, ["raw/2026/"], "{}", server.name);
        assert_eq!(names(&raw.objects), ["raw/a.txt"]);

        let deep = list_all(
            &server.connection,
            ListRequest::folder(&bucket, "raw/2026/"),
        )
        .await
        .unwrap();
        assert_eq!(deep.prefixes, ["raw/2026/11/"]);
        assert_eq!(names(&deep.objects), ["raw/2026/c.txt"]);

        let flat = list_all(&server.connection, ListRequest::recursive(&bucket, "raw/"))
            .await
            .unwrap();
        assert_eq!(
            names(&flat.objects),
            ["raw/2026/11/b.txt", "raw/2026/c.txt", "raw/a.txt"],
            "{}: `raw/` must not match `raw-old/`",
            server.name
        );
    }

    pub async fn awkward_keys(server: &TestServer) {
        let bucket = fresh_bucket(server, "keys").await;
        let mut keys: Vec<String> = [
            "with space/file name.txt",
            "plus+sign.txt",
            "percent%20literal.txt",
            "ünïcødé/файл-数据.txt",
            "emoji 🚀/🦀 crab.bin",
            "quote'and=equals&amp.txt",
        ]
        .map(String::from)
        .to_vec();
        keys.sort();
        put_keys(server, &bucket, &keys).await;

        let flat = list_all(&server.connection, ListRequest::recursive(&bucket, ""))
            .await
            .unwrap();
        let mut listed = names(&flat.objects);
        listed.sort();
        assert_eq!(
            listed, keys,
            "{}: keys come back byte for byte",
            server.name
        );

        let level = list_all(
            &server.connection,
            ListRequest::folder(&bucket, "emoji 🚀/"),
        )
        .await
        .unwrap();
        assert_eq!(names(&level.objects), ["emoji 🚀/🦀 crab.bin"]);

        for key in &keys {
            let details = skiff::s3::objects::head_object(&server.connection, &bucket, key)
                .await
                .unwrap_or_else(|e| panic!("{}: head {key}: {e}", server.name));
            assert_eq!(
                details.size_bytes,
                key.len() as u64,
                "{}: {key}",
                server.name
            );
        }
    }

    pub async fn empty_bucket(server: &TestServer) {
        let bucket = fresh_bucket(server, "empty").await;
        let all = list_all(&server.connection, ListRequest::recursive(&bucket, ""))
            .await
            .unwrap();
        assert!(all.objects.is_empty() && all.prefixes.is_empty());
        let level = list_all(&server.connection, ListRequest::folder(&bucket, "nothing/"))
            .await
            .unwrap();
        assert!(level.objects.is_empty() && level.prefixes.is_empty());
        let buckets = skiff::s3::buckets::list_buckets(&server.connection)
            .await
            .unwrap();
        assert!(
            buckets.iter().any(|b| b.name == bucket),
            "{}: listed",
            server.name
        );
    }

    pub async fn folder_marker_and_details(server: &TestServer) {
        let bucket = fresh_bucket(server, "folder").await;
        let key = skiff::s3::objects::folder_key("", "new folder").unwrap();
        skiff::s3::objects::create_folder(&server.connection, &bucket, &key)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", server.name));
        let root = list_all(&server.connection, ListRequest::folder(&bucket, ""))
            .await
            .unwrap();
        assert_eq!(root.prefixes, ["new folder/"], "{}", server.name);

        server
            .connection
            .client
            .put_object()
            .bucket(&bucket)
            .key("new folder/model.ckpt")
            .content_type("application/octet-stream")
            .metadata("epoch", "12")
            .body(vec![7u8; 4096].into())
            .send()
            .await
            .unwrap();
        let d =
            skiff::s3::objects::head_object(&server.connection, &bucket, "new folder/model.ckpt")
                .await
                .unwrap();
        assert_eq!(d.size_bytes, 4096);
        assert_eq!(d.content_type.as_deref(), Some("application/octet-stream"));
        assert_eq!(
            d.user_metadata.get("epoch").map(String::as_str),
            Some("12"),
            "{}",
            server.name
        );
        assert!(d.etag.is_some());
        assert!(d.last_modified_secs.is_some());
    }

    pub async fn missing_things_are_named(server: &TestServer) {
        let bucket = common::unique_bucket("missing");
        let err = list_all(&server.connection, ListRequest::folder(&bucket, ""))
            .await
            .unwrap_err();
        assert_eq!(
            err,
            S3Error::NoSuchBucket {
                bucket: bucket.clone()
            },
            "{}",
            server.name
        );
        assert!(err.to_string().contains(&bucket));

        let real = fresh_bucket(server, "missing").await;
        let err = skiff::s3::objects::head_object(&server.connection, &real, "no/such key")
            .await
            .unwrap_err();
        assert!(
            matches!(err, S3Error::NotFound { .. }),
            "{}: {err:?}",
            server.name
        );
        assert!(err.to_string().contains("no/such key"));
    }

    /// A download link (how the web app downloads) fetches the bytes without credentials and
    /// tells the browser to save them under the object's name.
    pub async fn download_links(server: &TestServer) {
        let bucket = fresh_bucket(server, "links").await;
        let key = "reports/naïve report.csv";
        let body: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
        skiff::s3::objects::put_bytes(&server.connection, &bucket, key, body.clone())
            .await
            .unwrap();
        let url = skiff::s3::objects::download_link(&server.connection, &bucket, key, 600)
            .await
            .unwrap();
        let (status, head, got) = common::plain_get(&url).await;
        assert_eq!(status, 200, "{}: {head}", server.name);
        assert!(got == body, "{}: the link's bytes differ", server.name);
        // moto ignores `response-content-disposition` (AWS, Garage and the sandbox honour it).
        assert!(
            server.name == "moto"
                || head.contains("content-disposition: attachment;")
                    && head.contains("filename*=utf-8''na%c3%afve%20report.csv"),
            "{}: {head}",
            server.name
        );

        // The signature covers the key: the same link for another key is refused.
        let other = url.replacen("report.csv", "other.csv", 1);
        let (status, _, _) = common::plain_get(&other).await;
        assert_eq!(
            status, 403,
            "{}: a link altered to another key",
            server.name
        );
    }

    /// An upload the server no longer knows (completed, aborted) answers NoSuchUpload, for its
    /// parts and its completion: what a resumed transfer goes by. (Not moto: it answers a part
    /// of an aborted upload with a 500.)
    pub async fn a_finished_upload_is_no_such_upload(server: &TestServer) {
        let bucket = fresh_bucket(server, "nosuchupload").await;
        let client = &server.connection.client;
        let upload = client
            .create_multipart_upload()
            .bucket(&bucket)
            .key("gone.bin")
            .send()
            .await
            .unwrap();
        let upload_id = upload.upload_id().unwrap();
        client
            .abort_multipart_upload()
            .bucket(&bucket)
            .key("gone.bin")
            .upload_id(upload_id)
            .send()
            .await
            .unwrap();
        let target = server.connection.target().bucket(&bucket).key("gone.bin");
        let part = client
            .upload_part()
            .bucket(&bucket)
            .key("gone.bin")
            .upload_id(upload_id)
            .part_number(1)
            .body(b"bytes".to_vec().into())
            .send()
            .await
            .map_err(|e| server.connection.error(e, &target));
        assert!(
            matches!(&part, Err(S3Error::Service { code, .. }) if code == "NoSuchUpload"),
            "{}: a part of an aborted upload: {part:?}",
            server.name
        );
        let completed = client
            .complete_multipart_upload()
            .bucket(&bucket)
            .key("gone.bin")
            .upload_id(upload_id)
            .multipart_upload(
                aws_sdk_s3::types::CompletedMultipartUpload::builder()
                    .parts(
                        aws_sdk_s3::types::CompletedPart::builder()
                            .part_number(1)
                            .e_tag("\"0123456789abcdef0123456789abcdef\"")
                            .build(),
                    )
                    .build(),
            )
            .send()
            .await
            .map_err(|e| server.connection.error(e, &target));
        assert!(
            matches!(&completed, Err(S3Error::Service { code, .. }) if code == "NoSuchUpload"),
            "{}: completing an aborted upload: {completed:?}",
            server.name
        );
    }

    fn names(objects: &[skiff::s3::listing::ObjectEntry]) -> Vec<String> {
        objects.iter().map(|o| o.key.clone()).collect()
    }
}

macro_rules! conformance {
    ($server:ident: $($case:ident),+ $(,)?) => {
        mod $server {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    if let Some(server) = super::common::server(stringify!($server)).await {
                        super::suite::$case(&server).await;
                    }
                }
            )+
        }
    };
}

conformance!(sandbox: listing_across_pages, wide_listing_in_key_order, nested_prefixes, awkward_keys, empty_bucket, folder_marker_and_details, missing_things_are_named, download_links, a_finished_upload_is_no_such_upload);
conformance!(moto: listing_across_pages, wide_listing_in_key_order, nested_prefixes, awkward_keys, empty_bucket, folder_marker_and_details, missing_things_are_named, download_links);
conformance!(garage: listing_across_pages, wide_listing_in_key_order, nested_prefixes, awkward_keys, empty_bucket, folder_marker_and_details, missing_things_are_named, download_links, a_finished_upload_is_no_such_upload);
