//! The S3 layer in a real browser (wasm-bindgen-test in headless Chromium): aws-sdk-s3 over the
//! page's `fetch`, against the sandbox served by `skiff serve --web`, which answers CORS for the
//! test page's origin.
//!
//! The servers are named at build time, as the test page cannot read the environment:
//! `SKIFF_WEB_TEST_SANDBOX` holds the sandbox's `sandbox.json` (endpoint, region, keys);
//! `SKIFF_WEB_TEST_MOTO` a moto server's URL, when there is one, and `SKIFF_WEB_TEST_RUN` the
//! suffix of the buckets web/test.sh made there with the CORS rule the bucket wizard writes
//! (moto shows a page the ETag header only where the bucket's rule exposes it).
//! `SKIFF_WEB_TEST_APP` is the web app's own
//! address: it serves files, not S3, and allows no other origin, so a request to it from the
//! test page is refused by the browser as a CORS failure.
//!
//! Run by `.ci/run` through `web/test.sh`.

#![cfg(target_arch = "wasm32")]

use futures::StreamExt;
use skiff::s3::client::static_connection;
use skiff::s3::listing::{ListRequest, list_all};
use skiff::s3::{Connection, S3Error, StaticEndpoint, bucket_setup, buckets, objects};
use skiff::transfer::job::{Conflict, JobState, QueueView};
use skiff::transfer::web_queue::{PickedFile, WebQueue};
use skiff::transfer::{IfExists, TransferOptions};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

/// Every server named at build time, as a connection.
fn servers() -> Vec<Connection> {
    let json = option_env!("SKIFF_WEB_TEST_SANDBOX")
        .expect("build with SKIFF_WEB_TEST_SANDBOX (web/test.sh does)");
    let endpoint: StaticEndpoint = serde_json::from_str(json).expect("sandbox.json parses");
    let mut servers = vec![static_connection("sandbox", &endpoint, true)];
    if let Some(url) = option_env!("SKIFF_WEB_TEST_MOTO").filter(|u| !u.is_empty()) {
        let moto = StaticEndpoint {
            endpoint: url.to_owned(),
            region: "us-east-1".into(),
            access_key_id: "testing".into(),
            secret_access_key: "testing".into(),
        };
        servers.push(static_connection("moto", &moto, true));
    }
    servers
}

fn random_bytes(len: usize) -> Vec<u8> {
    let mut bytes = vec![0u8; len];
    getrandom::fill(&mut bytes).expect("the browser gives random bytes");
    bytes
}

/// A bucket of its own for each test run, so runs never see each other's keys. On moto,
/// web/test.sh made it beforehand with a CORS rule for this page: a page cannot create a bucket
/// there (as on AWS: a bucket that does not exist answers no CORS preflight).
async fn fresh_bucket(connection: &Connection, what: &str) -> String {
    if connection.label == "moto" {
        let run = option_env!("SKIFF_WEB_TEST_RUN").expect("web/test.sh names the run");
        return format!("web-{what}-{run}");
    }
    let tag: u32 = u32::from_le_bytes(random_bytes(4).try_into().unwrap());
    let bucket = format!("web-{what}-{tag:08x}");
    bucket_setup::create_bucket(connection, &bucket)
        .await
        .unwrap_or_else(|e| panic!("{}: creating {bucket}: {e}", connection.label));
    bucket
}

/// A browser `File`, as a drop or the file picker hands it over.
fn browser_file(name: &str, bytes: &[u8]) -> web_sys::File {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    web_sys::File::new_with_u8_array_sequence(&parts, name).expect("a File")
}

/// Waits until no job of the queue is queued or running; panics after `limit_secs`.
async fn settle(queue: &WebQueue, label: &str, limit_secs: u64) {
    for _ in 0..limit_secs * 10 {
        let t = queue.totals();
        if t.active == 0 {
            return;
        }
        gloo_timers::future::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("{label}: the queue did not settle: {:?}", queue.totals());
}

fn states(queue: &WebQueue) -> Vec<(String, JobState)> {
    (0..queue.len())
        .filter_map(|i| queue.row(i))
        .map(|r| (r.key, r.state))
        .collect()
}

/// The object's bytes, read back as the web app downloads: through a download link, which the
/// browser fetches as a plain GET without credentials.
async fn get(connection: &Connection, bucket: &str, key: &str) -> Vec<u8> {
    let url = objects::download_link(connection, bucket, key, 600)
        .await
        .unwrap_or_else(|e| panic!("{}: link to {key}: {e}", connection.label));
    let window = web_sys::window().unwrap();
    let response: web_sys::Response =
        wasm_bindgen_futures::JsFuture::from(window.fetch_with_str(&url))
            .await
            .unwrap_or_else(|e| panic!("{}: fetching {key}: {e:?}", connection.label))
            .dyn_into()
            .unwrap();
    assert_eq!(response.status(), 200, "{}: GET {key}", connection.label);
    let buffer = wasm_bindgen_futures::JsFuture::from(response.array_buffer().unwrap())
        .await
        .unwrap();
    js_sys::Uint8Array::new(&buffer).to_vec()
}

/// moto refuses (403) the CORS preflight of a request to a key that exists, whatever the
/// bucket's rule, so HEAD and signed GET of an existing object cannot be tested there from a
/// page. AWS answers preflights from the bucket's rule alone; the sandbox allows the page.
fn preflights_existing_keys(connection: &Connection) -> bool {
    connection.label != "moto"
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
        if preflights_existing_keys(&c) {
            let head = objects::head_object(&c, &bucket, "blob.bin").await.unwrap();
            assert_eq!(head.size_bytes, bytes.len() as u64, "{}", c.label);
        }
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
        let completed = c
            .client
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
            .await;
        // moto's answer to CompleteMultipartUpload is one the SDK cannot read (a known moto
        // quirk); the object below tells whether it completed.
        if let Err(e) = completed
            && c.label != "moto"
        {
            panic!("{}: CompleteMultipartUpload: {e:?}", c.label);
        }
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

#[wasm_bindgen_test]
async fn files_dropped_on_the_page_upload_from_blob_slices() {
    for c in servers() {
        let bucket = fresh_bucket(&c, "drop").await;
        let small = random_bytes(70_000);
        // 17 MiB and a bit: three 8 MiB parts, the last one short.
        let large = random_bytes(17 * 1024 * 1024 + 3);
        let mut queue = WebQueue::new(c.clone(), skiff::runtime::no_notify());
        queue.upload(
            vec![
                PickedFile {
                    file: browser_file("a b+c.txt", &small),
                    relative_path: "notes/a b+c.txt".into(),
                },
                PickedFile::new(browser_file("model.ckpt", &large)),
            ],
            &bucket,
            "in/",
            &TransferOptions::default(),
            Conflict::Decided(IfExists::Overwrite),
        );
        settle(&queue, &c.label, 120).await;
        let totals = queue.totals();
        assert_eq!(totals.done, 2, "{}: {:?}", c.label, states(&queue));
        assert_eq!(totals.bytes_done, (small.len() + large.len()) as u64);
        assert!(
            get(&c, &bucket, "in/notes/a b+c.txt").await == small,
            "{}",
            c.label
        );
        assert!(
            get(&c, &bucket, "in/model.ckpt").await == large,
            "{}",
            c.label
        );
        if preflights_existing_keys(&c) {
            let head = objects::head_object(&c, &bucket, "in/notes/a b+c.txt")
                .await
                .unwrap();
            assert_eq!(
                head.content_type.as_deref(),
                Some("text/plain"),
                "{}",
                c.label
            );
        }
        if c.label == "moto" {
            // The sandbox does not list uploads; moto does: none may be left behind.
            let left = c
                .client
                .list_multipart_uploads()
                .bucket(&bucket)
                .send()
                .await
                .unwrap();
            assert!(left.uploads().is_empty(), "moto: uploads left behind");
        }
    }
}

#[wasm_bindgen_test]
async fn an_existing_key_waits_for_the_users_answer() {
    for c in servers().into_iter().filter(preflights_existing_keys) {
        let bucket = fresh_bucket(&c, "exists").await;
        objects::put_bytes(&c, &bucket, "report.csv", b"old".to_vec())
            .await
            .unwrap();
        let mut queue = WebQueue::new(c.clone(), skiff::runtime::no_notify());
        queue.upload(
            vec![PickedFile::new(browser_file("report.csv", b"new"))],
            &bucket,
            "",
            &TransferOptions::default(),
            Conflict::Ask,
        );
        settle(&queue, &c.label, 30).await;
        assert_eq!(
            queue.totals().waiting,
            1,
            "{}: {:?}",
            c.label,
            states(&queue)
        );
        assert_eq!(get(&c, &bucket, "report.csv").await, b"old", "{}", c.label);
        queue.decide(IfExists::Rename);
        settle(&queue, &c.label, 30).await;
        let row = queue.row(0).unwrap();
        assert_eq!(row.state, JobState::Done, "{}", c.label);
        assert_eq!(
            row.landed_as.as_deref(),
            Some("report (1).csv"),
            "{}",
            c.label
        );
        assert_eq!(
            get(&c, &bucket, "report (1).csv").await,
            b"new",
            "{}",
            c.label
        );
        assert_eq!(get(&c, &bucket, "report.csv").await, b"old", "{}", c.label);
    }
}

#[wasm_bindgen_test]
async fn a_download_link_fetches_the_bytes_without_credentials() {
    for c in servers() {
        let bucket = fresh_bucket(&c, "link").await;
        let bytes = random_bytes(200_000);
        let key = "exports/day 1/naïve.bin";
        objects::put_bytes(&c, &bucket, key, bytes.clone())
            .await
            .unwrap();
        assert!(
            get(&c, &bucket, key).await == bytes,
            "{}: the link's bytes differ",
            c.label
        );
    }
}

#[wasm_bindgen_test]
async fn a_request_the_browser_refuses_names_cors_and_the_rule_to_add() {
    let app = option_env!("SKIFF_WEB_TEST_APP").expect("build with SKIFF_WEB_TEST_APP");
    let refusing = StaticEndpoint {
        endpoint: app.trim_end_matches('/').to_owned(),
        region: "us-east-1".into(),
        access_key_id: "k".into(),
        secret_access_key: "s".into(),
    };
    let c = static_connection("refusing", &refusing, true);
    let err = objects::head_object(&c, "team-data", "a.csv")
        .await
        .unwrap_err();
    let origin = skiff::s3::error::page_origin().unwrap();
    assert!(
        matches!(&err, S3Error::BlockedByBrowser { bucket: Some(b), .. } if b == "team-data"),
        "{err:?}"
    );
    assert!(err.to_string().contains("CORS"), "{err}");
    let hint = err.hint();
    assert!(
        hint.contains("aws s3api put-bucket-cors --bucket team-data")
            && hint.contains(&format!("\"AllowedOrigins\":[\"{origin}\"]"))
            && hint.contains("\"ExposeHeaders\":[\"ETag\""),
        "{hint}"
    );
    // Listing buckets has no bucket to put a rule on: the hint says to type one.
    let err = buckets::list_buckets(&c).await.unwrap_err();
    assert!(
        err.hint().contains("Type the bucket's name"),
        "{}",
        err.hint()
    );
}

/// Waits until the job in row `index` has sent at least `bytes`; panics after 60 s.
async fn sent_at_least(queue: &WebQueue, index: usize, bytes: u64, label: &str) -> u64 {
    for _ in 0..600 {
        let row = queue.row(index).unwrap();
        if row.bytes_done >= bytes || row.state.is_finished() {
            return row.bytes_done;
        }
        gloo_timers::future::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!(
        "{label}: row {index} did not send {bytes} bytes: {:?}",
        states(queue)
    );
}

#[wasm_bindgen_test]
async fn a_paused_upload_resumes_from_its_parts_and_a_cancelled_one_leaves_nothing() {
    const MIB: u64 = 1024 * 1024;
    for c in servers() {
        let bucket = fresh_bucket(&c, "pause").await;
        // 12 parts: on the fast sandbox, enough that a pause after the first lands mid-way.
        let bytes = random_bytes(96 * MIB as usize + 7);
        let mut queue = WebQueue::new(c.clone(), skiff::runtime::no_notify());
        let options = TransferOptions::default();
        let overwrite = Conflict::Decided(IfExists::Overwrite);
        queue.upload(
            vec![PickedFile::new(browser_file("model.ckpt", &bytes))],
            &bucket,
            "",
            &options,
            overwrite,
        );
        let id = queue.row(0).unwrap().id;
        sent_at_least(&queue, 0, 8 * MIB, &c.label).await;
        queue.pause(id);
        let at_pause = queue.row(0).unwrap();
        assert_eq!(at_pause.state, JobState::Paused, "{}", c.label);
        gloo_timers::future::sleep(std::time::Duration::from_millis(1500)).await;
        let still = queue.row(0).unwrap();
        assert_eq!(still.state, JobState::Paused, "{}", c.label);
        assert_eq!(
            still.bytes_done, at_pause.bytes_done,
            "{}: it moved while paused",
            c.label
        );
        queue.resume(id);
        // Resuming starts from the parts already sent, not from nothing.
        gloo_timers::future::sleep(std::time::Duration::from_millis(50)).await;
        assert!(
            queue.row(0).unwrap().bytes_done >= 8 * MIB,
            "{}: the resume started over: {:?}",
            c.label,
            states(&queue)
        );
        settle(&queue, &c.label, 120).await;
        assert_eq!(queue.row(0).unwrap().state, JobState::Done, "{}", c.label);
        assert!(get(&c, &bucket, "model.ckpt").await == bytes, "{}", c.label);

        // Cancel in the middle: the multipart upload is aborted, so nothing is left to bill.
        queue.upload(
            vec![PickedFile::new(browser_file("other.ckpt", &bytes))],
            &bucket,
            "",
            &options,
            overwrite,
        );
        let id = queue.row(1).unwrap().id;
        sent_at_least(&queue, 1, 8 * MIB, &c.label).await;
        queue.cancel(id);
        assert_eq!(
            queue.row(1).unwrap().state,
            JobState::Cancelled,
            "{}",
            c.label
        );
        if c.label == "moto" {
            // The abort is sent as the job stops; give it a moment to land.
            let mut left = usize::MAX;
            for _ in 0..50 {
                gloo_timers::future::sleep(std::time::Duration::from_millis(100)).await;
                left = c
                    .client
                    .list_multipart_uploads()
                    .bucket(&bucket)
                    .send()
                    .await
                    .unwrap()
                    .uploads()
                    .len();
                if left == 0 {
                    break;
                }
            }
            assert_eq!(left, 0, "moto: a cancelled upload was left behind");
        }
    }
}

/// How many attempts web/flaky-proxy.py has seen of each upload request it refuses.
async fn attempts_seen(proxy: &str) -> std::collections::BTreeMap<String, u32> {
    let window = web_sys::window().unwrap();
    let response: web_sys::Response =
        wasm_bindgen_futures::JsFuture::from(window.fetch_with_str(&format!("{proxy}/_flaky")))
            .await
            .expect("the flaky proxy answers")
            .dyn_into()
            .unwrap();
    let text = wasm_bindgen_futures::JsFuture::from(response.text().unwrap())
        .await
        .unwrap()
        .as_string()
        .unwrap();
    serde_json::from_str(&text).expect("the proxy's counts parse")
}

#[wasm_bindgen_test]
async fn the_browser_queue_retries_a_busy_server_as_often_as_the_desktop() {
    let Some(proxy) = option_env!("SKIFF_WEB_TEST_FLAKY").filter(|u| !u.is_empty()) else {
        panic!("build with SKIFF_WEB_TEST_FLAKY (web/test.sh does)");
    };
    let sandbox = servers().remove(0);
    let bucket = fresh_bucket(&sandbox, "retries").await;
    // The sandbox's keys, through a proxy that answers 503 SlowDown to uploads.
    let json = option_env!("SKIFF_WEB_TEST_SANDBOX").unwrap();
    let mut endpoint: StaticEndpoint = serde_json::from_str(json).unwrap();
    endpoint.endpoint = proxy.to_owned();
    let flaky = static_connection("flaky", &endpoint, true);
    let attempts = skiff::s3::retry::TRANSFER_ATTEMPTS;
    // Refused on every attempt but the last the desktop makes: a part, a whole PUT, and a file
    // refused always, which must fail after exactly as many attempts.
    let refused = attempts - 1;
    let small = random_bytes(70_000);
    let large = random_bytes(5 * 1024 * 1024 + 11);
    let options = TransferOptions {
        part_size_bytes: 5 * 1024 * 1024,
        multipart_threshold_bytes: 5 * 1024 * 1024,
        ..TransferOptions::default()
    };
    let mut queue = WebQueue::new(flaky.clone(), skiff::runtime::no_notify());
    queue.upload(
        vec![
            PickedFile::new(browser_file(&format!("small-refuse-{refused}.bin"), &small)),
            PickedFile::new(browser_file(&format!("large-refuse-{refused}.bin"), &large)),
            PickedFile::new(browser_file("refuse-always.bin", &small)),
        ],
        &bucket,
        "",
        &options,
        Conflict::Decided(IfExists::Overwrite),
    );
    settle(&queue, "flaky", 170).await;
    let rows = states(&queue);
    assert_eq!(rows[0].1, JobState::Done, "{rows:?}");
    assert_eq!(rows[1].1, JobState::Done, "{rows:?}");
    assert!(
        matches!(&rows[2].1, JobState::Failed { message, .. } if message.contains("slow down")),
        "{rows:?}"
    );
    assert!(get(&sandbox, &bucket, &rows[0].0).await == small);
    assert!(get(&sandbox, &bucket, &rows[1].0).await == large);
    let seen = attempts_seen(proxy).await;
    let of = |name: &str| -> Vec<u32> {
        (seen.iter())
            .filter(|(path, _)| path.contains(&bucket) && path.contains(name))
            .map(|(_, n)| *n)
            .collect()
    };
    // Each request refused 9 times went through on its 10th attempt, as on the desktop.
    assert_eq!(of("small-refuse"), vec![attempts], "{seen:?}");
    assert_eq!(
        of("large-refuse"),
        vec![attempts, attempts],
        "two parts: {seen:?}"
    );
    assert_eq!(of("refuse-always"), vec![attempts], "{seen:?}");
}

/// The Inspector in the page: a Parquet file's schema, statistics and first rows, and a
/// safetensors header, each read with range requests from the sandbox. (moto refuses the
/// preflight of a request to an existing key, see above.)
#[wasm_bindgen_test]
async fn the_inspector_reads_parquet_and_safetensors_in_the_browser() {
    use skiff::inspect::{self, InspectOptions, Preview};
    for c in servers().into_iter().filter(preflights_existing_keys) {
        let bucket = fresh_bucket(&c, "inspect").await;
        let parquet = {
            use arrow_array::{ArrayRef, Int64Array, RecordBatch, StringArray};
            let ids: ArrayRef = std::sync::Arc::new(Int64Array::from_iter_values(0..500));
            let names: ArrayRef = std::sync::Arc::new(StringArray::from_iter_values(
                (0..500).map(|i| format!("row-{i}")),
            ));
            let batch = RecordBatch::try_from_iter([("id", ids), ("name", names)]).unwrap();
            let properties = parquet::file::properties::WriterProperties::builder()
                .set_compression(parquet::basic::Compression::SNAPPY)
                .set_max_row_group_row_count(Some(200))
                .build();
            let mut out = Vec::new();
            let mut writer =
                parquet::arrow::ArrowWriter::try_new(&mut out, batch.schema(), Some(properties))
                    .unwrap();
            writer.write(&batch).unwrap();
            writer.close().unwrap();
            out
        };
        let tensors = {
            let zeros = vec![0u8; 4 * 6];
            let view =
                safetensors::tensor::TensorView::new(safetensors::Dtype::F32, vec![2, 3], &zeros)
                    .unwrap();
            safetensors::serialize([("w", view)], None).unwrap()
        };
        for (key, bytes) in [("t.parquet", parquet), ("m.safetensors", tensors)] {
            objects::put_bytes(&c, &bucket, key, bytes).await.unwrap();
        }
        let look = |key: &'static str| {
            let (c, bucket) = (c.clone(), bucket.clone());
            async move {
                let head = objects::head_object(&c, &bucket, key).await.unwrap();
                let reader = inspect::bucket_reader(&c, &bucket, key, None, head.size_bytes);
                let options = InspectOptions::first_look(head.size_bytes);
                inspect::inspect(&reader, options)
                    .await
                    .unwrap_or_else(|e| panic!("{}: inspecting {key}: {e}", c.label))
            }
        };
        let found = look("t.parquet").await;
        let Preview::Parquet(p) = &found.preview else {
            panic!("{}: {:?}", c.label, found.format)
        };
        assert_eq!((p.rows, p.row_groups.len()), (500, 3), "{}", c.label);
        assert_eq!(p.columns[1].max.as_deref(), Some("row-99"), "{}", c.label);
        let sample = p.sample.as_ref().expect("a small file's rows");
        assert_eq!(sample.rows[7], ["7", "row-7"], "{}", c.label);
        let found = look("m.safetensors").await;
        let Preview::Safetensors(s) = &found.preview else {
            panic!("{}: {:?}", c.label, found.format)
        };
        assert_eq!(
            (s.tensors[0].shape.as_slice(), s.parameters),
            (&[2, 3][..], 6)
        );
    }
}

/// A Parquet file whose pages are zstd, which the browser build cannot decompress: the page
/// still shows its schema and statistics, and says which codec it lacks. (Written by pyarrow:
/// the browser build cannot write zstd either.)
#[wasm_bindgen_test]
async fn a_codec_the_browser_lacks_still_shows_the_footer() {
    use skiff::inspect::{self, InspectOptions, Preview};
    let c = servers().remove(0);
    let bucket = fresh_bucket(&c, "codec").await;
    let bytes = include_bytes!("fixtures/zstd.parquet").to_vec();
    let size = bytes.len() as u64;
    objects::put_bytes(&c, &bucket, "z.parquet", bytes)
        .await
        .unwrap();
    let reader = inspect::bucket_reader(&c, &bucket, "z.parquet", None, size);
    let found = inspect::inspect(&reader, InspectOptions::first_look(size))
        .await
        .expect("the footer reads without the codec");
    let Preview::Parquet(p) = &found.preview else {
        panic!("{:?}", found.format)
    };
    assert_eq!((p.rows, p.row_groups.len()), (300, 3));
    assert_eq!(p.missing_codecs, ["ZSTD"]);
    assert_eq!(p.columns[1].max.as_deref(), Some("Pune"));
    assert!(p.sample.is_none());
}
