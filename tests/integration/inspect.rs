//! The Inspector on real servers: every fixture inspected on the sandbox, moto and Garage with its
//! values asserted; byte counts through a counting proxy (a 1 GiB Parquet file's schema and
//! first rows; a 10 GiB safetensors shard); damaged files each ending in a plain message.

use std::sync::atomic::Ordering;

use crate::common::{self, TestServer};
use crate::fixtures;
use skiff::inspect::{self, InspectOptions, Inspection, Preview};

async fn inspect_object(
    server: &TestServer,
    bucket: &str,
    key: &str,
    options: Option<InspectOptions>,
) -> Result<Inspection, inspect::InspectError> {
    let at = skiff::s3::object_read::ObjectAt {
        bucket,
        key,
        version_id: None,
    };
    let (size, _) = skiff::s3::object_read::size_and_etag(&server.connection, at)
        .await
        .unwrap();
    let reader = inspect::bucket_reader(&server.connection, bucket, key, None, size);
    inspect::inspect(&reader, options.unwrap_or(InspectOptions::first_look(size))).await
}

async fn put(server: &TestServer, bucket: &str, key: &str, bytes: Vec<u8>) {
    skiff::s3::objects::put_bytes(&server.connection, bucket, key, bytes)
        .await
        .unwrap_or_else(|e| panic!("{}: put {key}: {e}", server.name));
}

async fn every_fixture(server: &TestServer) {
    let bucket = common::fresh_bucket(server, "inspect").await;
    let files: Vec<(&str, Vec<u8>)> = vec![
        (
            "data/snappy-index.parquet",
            fixtures::parquet(&fixtures::snappy(true)),
        ),
        (
            "data/snappy-plain.parquet",
            fixtures::parquet(&fixtures::snappy(false)),
        ),
        ("data/zstd.parquet", fixtures::parquet(&fixtures::zstd())),
        (
            "data/people.csv",
            b"id,name,quote\n1,\"Smith, Ann\",\"she said \"\"hi\"\"\"\n2,Bo\n3,Cy,ok\n".to_vec(),
        ),
        (
            "logs/app.log.gz",
            fixtures::gzip(
                &(0..5000)
                    .map(|i| format!("event {i}\n"))
                    .collect::<String>(),
            ),
        ),
        ("img/tile.png", fixtures::png(40, 30)),
        ("models/llama.gguf", fixtures::gguf()),
        (
            "notes.json",
            br#"{"name": "skiff", "tags": ["a", "b"], "nested": {"deep": [1, 2, {"x": null}]}}"#
                .to_vec(),
        ),
        (
            "events.jsonl",
            b"{\"id\": 1, \"kind\": \"a\"}\n{\"id\": 2, \"kind\": \"b\", \"extra\": true}\n"
                .to_vec(),
        ),
    ];
    let shards = [
        (
            "model-00001-of-00003.safetensors",
            vec![("embed.weight", vec![100, 16]), ("layer.0.w", vec![16, 16])],
        ),
        (
            "model-00002-of-00003.safetensors",
            vec![("layer.1.w", vec![16, 16])],
        ),
        (
            "model-00003-of-00003.safetensors",
            vec![("head.weight", vec![16, 100])],
        ),
    ];
    for (key, bytes) in files {
        put(server, &bucket, key, bytes).await;
    }
    put(server, &bucket, "empty.bin", Vec::new()).await;
    // Size unknown (the command line's case): one read, a suffix range for a Parquet footer
    // or the head otherwise, learns the size and serves what a small file needs.
    for (key, size) in [
        ("data/snappy-index.parquet", None),
        ("data/people.csv", None),
        ("empty.bin", Some(0)),
    ] {
        let reader = inspect::open_in_bucket(&server.connection, &bucket, key, None)
            .await
            .unwrap_or_else(|e| panic!("{}: open {key}: {e}", server.name));
        if let Some(size) = size {
            assert_eq!(reader.size, size);
        }
        let found = inspect::inspect(&reader, InspectOptions::first_look(reader.size))
            .await
            .unwrap();
        assert_eq!(
            found.read.requests, 1,
            "{}: {key}: {:?}",
            server.name, found.read
        );
        assert_eq!(found.read.bytes, reader.size, "{}: {key}", server.name);
    }
    let mut weight_map = serde_json::Map::new();
    for (shard, tensors) in &shards {
        put(
            server,
            &bucket,
            &format!("ckpt/{shard}"),
            fixtures::safetensors(tensors),
        )
        .await;
        for (name, _) in tensors {
            weight_map.insert(name.to_string(), (*shard).into());
        }
    }
    weight_map.insert(
        "lost.bias".into(),
        "model-00002-of-00003.safetensors".into(),
    );
    let index = serde_json::json!({"metadata": {"total_size": 4 * (1600 + 256 + 256 + 1600)}, "weight_map": weight_map});
    put(
        server,
        &bucket,
        "ckpt/model.safetensors.index.json",
        index.to_string().into_bytes(),
    )
    .await;
    let look = |key: &'static str| {
        let bucket = bucket.clone();
        async move {
            inspect_object(server, &bucket, key, None)
                .await
                .unwrap_or_else(|e| panic!("{}: inspect {key}: {e}", server.name))
        }
    };

    for (key, page_index, codec) in [
        ("data/snappy-index.parquet", true, "SNAPPY"),
        ("data/snappy-plain.parquet", false, "SNAPPY"),
        ("data/zstd.parquet", true, "ZSTD"),
    ] {
        let found = look(key).await;
        let Preview::Parquet(p) = &found.preview else {
            panic!("{key}: {:?}", found.format)
        };
        assert_eq!(
            (p.rows, p.row_groups.len(), p.page_index),
            (1000, 4, page_index),
            "{key}"
        );
        assert_eq!(
            p.row_groups.iter().map(|g| g.rows).collect::<Vec<_>>(),
            [300, 300, 300, 100]
        );
        let column = |path: &str| {
            p.columns
                .iter()
                .find(|c| c.path == path)
                .unwrap_or_else(|| panic!("{path}"))
        };
        let id = column("id");
        assert_eq!(
            (id.min.as_deref(), id.max.as_deref(), id.nulls),
            (Some("0"), Some("999"), Some(0))
        );
        assert_eq!(id.compressions, [codec], "{key}");
        let name = column("name");
        assert_eq!(name.nulls, Some(143), "{key}: one name in 7 is null");
        assert_eq!(
            (name.min.as_deref(), name.max.as_deref()),
            (Some("name-0"), Some("name-999"))
        );
        assert!(
            p.columns.iter().any(|c| c.path == "tags.list.item"),
            "{:?}",
            p.columns.iter().map(|c| &c.path).collect::<Vec<_>>()
        );
        assert!(p.columns.iter().any(|c| c.path == "point.x"));
        assert!(
            p.schema
                .contains("OPTIONAL group point {\n    REQUIRED INT32 x;"),
            "{}",
            p.schema
        );
        assert!(
            p.key_values
                .contains(&("dataset".into(), "fixture v1".into()))
        );
        // Small: its first rows come at once.
        let sample = p.sample.as_ref().expect("rows of a small file");
        assert_eq!(sample.columns, ["id", "name", "score", "tags", "point"]);
        assert_eq!(sample.rows.len(), 50);
        assert_eq!(
            sample.rows[3][..3],
            ["3".to_owned(), "null".into(), "1.5".into()]
        );
        assert_eq!(sample.rows[2][3], "[t0, t1]");
        assert_eq!(sample.rows[1][4], "{x: 1, y: -1}");
        assert_eq!(sample.row_groups_read, 1);
    }

    let found = look("data/people.csv").await;
    let Preview::Table(t) = &found.preview else {
        panic!("csv: {:?}", found.format)
    };
    assert_eq!(t.columns, ["id", "name", "quote"]);
    assert_eq!(t.rows[0], ["1", "Smith, Ann", "she said \"hi\""]);
    assert_eq!(t.notes, ["line 3 has 2 fields where the header has 3"]);

    let found = look("logs/app.log.gz").await;
    let Preview::Text(t) = &found.preview else {
        panic!("gz: {:?}", found.format)
    };
    assert_eq!(t.decompressed.as_deref(), Some("gzip"));
    assert!(t.text.starts_with("event 0\nevent 1\n") && t.complete);
    assert_eq!(t.lines(), 5000);

    let found = look("img/tile.png").await;
    let Preview::Image(i) = &found.preview else {
        panic!("png: {:?}", found.format)
    };
    assert_eq!((i.format.as_str(), i.width, i.height), ("PNG", 40, 30));
    let thumb = i.thumbnail.as_ref().unwrap();
    assert_eq!(thumb.rgba.len(), 40 * 30 * 4);
    assert_eq!(thumb.rgba[4 * 41..4 * 41 + 4], [4, 4, 128, 255]);

    let found = look("models/llama.gguf").await;
    let Preview::Gguf(g) = &found.preview else {
        panic!("gguf: {:?}", found.format)
    };
    assert_eq!(g.version, 3);
    let highlight = |k: &str| {
        g.highlights
            .iter()
            .find(|(l, _)| l == k)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(highlight("Architecture"), Some("llama"));
    assert_eq!(highlight("Context length"), Some("4096"));
    assert_eq!(highlight("Vocabulary"), Some("[1,000 × string]"));
    assert_eq!(highlight("Quantisation"), Some("Q4_K_M (15)"));
    assert_eq!(g.tensors[0].dtype, "Q4_K");
    assert_eq!(g.tensors[0].shape, [4096, 1000]);
    assert_eq!(g.tensors[0].bytes, 2_304_000);
    assert!(
        found.read.bytes <= 64 << 10,
        "the header only: {:?}",
        found.read
    );

    let found = look("notes.json").await;
    let Preview::Json(j) = &found.preview else {
        panic!("json: {:?}", found.format)
    };
    assert_eq!(
        j.root.to_value()["nested"]["deep"][2],
        serde_json::json!({"x": null})
    );

    let found = look("events.jsonl").await;
    let Preview::Table(t) = &found.preview else {
        panic!("jsonl: {:?}", found.format)
    };
    assert_eq!(t.columns, ["id", "kind", "extra"]);
    assert_eq!(t.rows[1], ["2", "b", "true"]);

    let found = look("ckpt/model-00002-of-00003.safetensors").await;
    let Preview::Safetensors(s) = &found.preview else {
        panic!("safetensors: {:?}", found.format)
    };
    assert_eq!((s.tensors.len(), s.parameters), (1, 256));
    assert_eq!(s.metadata, [("format".to_owned(), "pt".to_owned())]);
    assert_eq!(
        (s.tensors[0].dtype.as_str(), s.tensors[0].bytes),
        ("F32", 1024)
    );

    let found = look("ckpt/model.safetensors.index.json").await;
    let Preview::Checkpoint(c) = &found.preview else {
        panic!("index: {:?}", found.format)
    };
    assert_eq!(c.shards.len(), 3);
    assert!(c.shards.iter().all(|s| s.error.is_none()), "{:?}", c.shards);
    assert_eq!(
        (c.tensors, c.parameters, c.tensor_bytes),
        (4, 1600 + 256 + 256 + 1600, 4 * 3712)
    );
    assert_eq!(c.index_total_size, Some(4 * 3712));
    assert_eq!(
        (c.missing_count, c.missing.as_slice()),
        (
            1,
            &["lost.bias (in model-00002-of-00003.safetensors)".to_owned()][..]
        )
    );
    assert_eq!(
        found.read.requests, 4,
        "the index, then one read per shard header"
    );
}

#[test]
fn fixtures_are_inspected_on_every_server() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    for name in ["sandbox", "moto", "garage"] {
        if let Some(server) = rt.block_on(common::server(name)) {
            rt.block_on(every_fixture(&server));
        }
    }
}

/// Damaged and hostile files: each ends in a plain message, quickly, with little read.
#[test]
fn damaged_files_end_in_plain_messages() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = rt.block_on(common::server("sandbox")).unwrap();
    rt.block_on(async {
        let bucket = common::fresh_bucket(&server, "damaged").await;
        let good = fixtures::parquet(&fixtures::snappy(true));
        let mut lying_footer = good.clone();
        let at = lying_footer.len() - 8;
        lying_footer[at..at + 4].copy_from_slice(&(good.len() as u32 * 2).to_le_bytes());
        let mut garbled_footer = good.clone();
        let footer_len = u32::from_le_bytes(good[at..at + 4].try_into().unwrap()) as usize;
        for b in &mut garbled_footer[at - footer_len..at] {
            *b = b.wrapping_mul(31).wrapping_add(7);
        }
        let mut huge_header = (1u64 << 60).to_le_bytes().to_vec();
        huge_header.extend(b"{\"a\":1}");
        let mut past_end = fixtures::safetensors(&[("w", vec![64, 64])]);
        past_end.truncate(past_end.len() - 100);
        let deep = "[".repeat(100_000) + &"]".repeat(100_000);
        let mut truncated_gguf = fixtures::gguf();
        truncated_gguf.truncate(2000);
        // A PNG header claiming 100,000 x 100,000 pixels: a bomb, named and not decoded.
        let mut bomb = fixtures::png(4, 4);
        bomb[16..20].copy_from_slice(&100_000u32.to_be_bytes());
        bomb[20..24].copy_from_slice(&100_000u32.to_be_bytes());
        let mut crc = flate2::Crc::new();
        crc.update(&bomb[12..29]);
        bomb[29..33].copy_from_slice(&crc.sum().to_be_bytes());
        let cases: Vec<(&str, Vec<u8>, &str)> = vec![
            ("lying.parquet", lying_footer, "not a valid Parquet file: footer length exceeds the object"),
            ("truncated.parquet", good[..good.len() - 3].to_vec(), "not a valid Parquet file: it does not end with the PAR1 mark"),
            ("garbled.parquet", garbled_footer, "not a valid Parquet file"),
            ("tiny.parquet", b"PAR1".to_vec(), "not a valid Parquet file: 4 bytes is shorter than any Parquet file"),
            ("huge.safetensors", huge_header, "not a valid safetensors file: its header length (1152921504606846976 bytes) is larger than safetensors allows"),
            ("cut.safetensors", past_end, "not a valid safetensors file: its tensors end at byte"),
            ("deep.json", deep.into_bytes(), "not a valid JSON file: it nests deeper than 512 levels"),
            ("cut.gguf", truncated_gguf, "not a valid GGUF file: it ends inside its header (truncated)"),
        ];
        for (key, bytes, _) in &cases {
            put(&server, &bucket, key, bytes.clone()).await;
        }
        put(&server, &bucket, "bomb.png", bomb).await;
        for (key, bytes, message) in &cases {
            let started = std::time::Instant::now();
            let size = bytes.len() as u64;
            let reader = inspect::bucket_reader(&server.connection, &bucket, key, None, size);
            let options = InspectOptions::first_look(size);
            let error = inspect::inspect(&reader, options).await.expect_err(key);
            assert!(error.to_string().starts_with(message), "{key}: {error}");
            assert!(!error.hint().is_empty());
            assert!(started.elapsed().as_secs() < 30, "{key} took {:?}", started.elapsed());
            // What a file makes Skiff hold is what it reads plus capped structures: the reads
            // stay within the first look's bound, whatever the file claims.
            let read = reader.stats.bytes();
            assert!(read <= size.min(1 << 20), "{key}: read {read} bytes");
        }
        let found = inspect_object(&server, &bucket, "bomb.png", None).await.unwrap();
        let Preview::Image(i) = &found.preview else { panic!("{:?}", found.format) };
        assert_eq!((i.width, i.height), (100_000, 100_000));
        assert!(i.thumbnail.is_none());
        assert_eq!(i.note.as_deref(), Some("100000 × 100000 pixels is more than Skiff decodes for a preview."));
    });
}

/// Through a counting proxy on Garage (the sandbox where Garage is not configured): a 1 GiB
/// Parquet file's schema and statistics cost under 1 MiB plus its footer, and its first 50 rows
/// come from its first row group alone.
#[test]
fn a_large_parquet_file_is_read_by_its_footer_and_first_pages() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = rt.block_on(async {
        match common::server("garage").await {
            Some(garage) => garage,
            None => common::server("sandbox").await.unwrap(),
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.parquet");
    // 16,384 rows of 64 KiB in 8 row groups of 128 MiB.
    fixtures::large_parquet(&path, 16_384, 2048, 64 << 10);
    let size = std::fs::metadata(&path).unwrap().len();
    assert!(size > 1 << 30, "{size}");
    rt.block_on(async {
        let bucket = common::fresh_bucket(&server, "bigparquet").await;
        let output = common::skiff_with(&server.endpoint)
            .args([
                "cp",
                path.to_str().unwrap(),
                &format!("s3://{bucket}/big.parquet"),
            ])
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let (proxy, counted) = common::counting_proxy(common::upstream(&server)).await;
        let connection = common::through(&server, proxy);
        let reader = inspect::bucket_reader(&connection, &bucket, "big.parquet", None, size);
        let found = inspect::inspect(&reader, InspectOptions::first_look(size))
            .await
            .unwrap();
        let Preview::Parquet(p) = &found.preview else {
            panic!("{:?}", found.format)
        };
        assert_eq!((p.rows, p.row_groups.len()), (16_384, 8));
        assert!(
            p.sample.is_none(),
            "a large file's rows wait to be asked for"
        );
        let received = counted.1.load(Ordering::Relaxed);
        assert!(
            received < (1 << 20) + p.footer_bytes,
            "schema and statistics took {received} bytes"
        );
        assert_eq!(found.read.requests, 1, "one tail read holds the footer");
        eprintln!(
            "schema of a {size}-byte file: {received} bytes received, footer {}",
            p.footer_bytes
        );

        let before = counted.1.load(Ordering::Relaxed);
        let sample = inspect::first_rows(&reader, p, 50).await.unwrap();
        assert_eq!(sample.rows.len(), 50);
        assert_eq!(sample.rows[49][0], "49");
        assert_eq!(sample.row_groups_read, 1);
        let rows_bytes = counted.1.load(Ordering::Relaxed) - before;
        let first_group = p.row_groups[0].compressed_bytes;
        assert!(
            rows_bytes < first_group / 8,
            "50 rows took {rows_bytes} bytes, the first row group is {first_group}"
        );
        eprintln!("first 50 rows: {rows_bytes} bytes received (first row group: {first_group})");
    });
}

/// A safetensors shard of `parts` x 64 MiB, its one F32 tensor filling all after the header:
/// the first part uploaded, the rest copied on the server from a block of zeros, so that the
/// test sends 128 MiB for a file of any size.
async fn large_shard(server: &TestServer, bucket: &str, key: &str, parts: i32) -> u64 {
    use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
    const PART: u64 = 64 << 20;
    const HEADER: usize = 256;
    let total = PART * parts as u64;
    let data = total - 8 - HEADER as u64;
    let mut header = format!(
        r#"{{"__metadata__":{{"format":"pt"}},"w":{{"dtype":"F32","shape":[{}],"data_offsets":[0,{data}]}}}}"#,
        data / 4
    );
    header.push_str(&" ".repeat(HEADER - header.len()));
    let mut first = (HEADER as u64).to_le_bytes().to_vec();
    first.extend(header.as_bytes());
    first.resize(PART as usize, 0);
    let c = &server.connection.client;
    let base = format!("{key}.zeros");
    put(server, bucket, &base, vec![0u8; PART as usize]).await;
    let upload = c
        .create_multipart_upload()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .unwrap();
    let id = upload.upload_id().unwrap();
    let sent = c
        .upload_part()
        .bucket(bucket)
        .key(key)
        .upload_id(id)
        .part_number(1)
        .body(first.into())
        .send()
        .await
        .unwrap();
    let mut done = vec![
        CompletedPart::builder()
            .part_number(1)
            .e_tag(sent.e_tag().unwrap())
            .build(),
    ];
    for n in 2..=parts {
        let copied = c
            .upload_part_copy()
            .bucket(bucket)
            .key(key)
            .upload_id(id)
            .part_number(n)
            .copy_source(format!("{bucket}/{base}"))
            .send()
            .await
            .unwrap();
        let etag = copied.copy_part_result().and_then(|r| r.e_tag()).unwrap();
        done.push(CompletedPart::builder().part_number(n).e_tag(etag).build());
    }
    let parts = CompletedMultipartUpload::builder()
        .set_parts(Some(done))
        .build();
    c.complete_multipart_upload()
        .bucket(bucket)
        .key(key)
        .upload_id(id)
        .multipart_upload(parts)
        .send()
        .await
        .unwrap();
    total
}

/// Garage: a 10 GiB safetensors shard is inspected with under 1 MiB read.
#[test]
fn a_10_gib_shard_is_read_by_its_header() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let Some(garage) = rt.block_on(common::server("garage")) else {
        return;
    };
    rt.block_on(async {
        let bucket = common::fresh_bucket(&garage, "bigshard").await;
        let size = large_shard(&garage, &bucket, "model-00001-of-00001.safetensors", 161).await;
        assert!(size > 10 << 30);
        let (proxy, counted) = common::counting_proxy(common::upstream(&garage)).await;
        let connection = common::through(&garage, proxy);
        let reader = inspect::bucket_reader(
            &connection,
            &bucket,
            "model-00001-of-00001.safetensors",
            None,
            size,
        );
        let found = inspect::inspect(&reader, InspectOptions::first_look(size))
            .await
            .unwrap();
        let Preview::Safetensors(s) = &found.preview else {
            panic!("{:?}", found.format)
        };
        assert_eq!(s.tensors.len(), 1);
        assert_eq!(s.tensors[0].bytes, size - 8 - 256);
        assert_eq!(s.parameters, (size - 8 - 256) / 4);
        let received = counted.1.load(Ordering::Relaxed);
        assert!(received < 1 << 20, "{received} bytes received");
        eprintln!(
            "a {size}-byte shard inspected: {received} bytes received in {} requests",
            found.read.requests
        );
    });
}

/// `skiff inspect` (text and --json) and `skiff cat` (whole, and a range) on moto, where the
/// server runs beside the program as a user's would.
#[test]
fn inspect_and_cat_on_the_command_line() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = rt.block_on(async {
        match common::server("moto").await {
            Some(moto) => moto,
            None => common::server("sandbox").await.unwrap(),
        }
    });
    if server.name == "sandbox" {
        // An in-process sandbox cannot serve a child process after this runtime blocks.
        return;
    }
    let parquet = fixtures::parquet(&fixtures::snappy(true));
    let bucket = rt.block_on(async {
        let bucket = common::fresh_bucket(&server, "cli-inspect").await;
        put(&server, &bucket, "d/train.parquet", parquet.clone()).await;
        put(
            &server,
            &bucket,
            "d/people.csv",
            b"id,name\n1,Ann\n2,Bo\n".to_vec(),
        )
        .await;
        bucket
    });
    let skiff = |args: &[&str]| {
        let out = common::skiff_with(&server.endpoint)
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    let url = format!("s3://{bucket}/d/train.parquet");
    let text = String::from_utf8(skiff(&["inspect", &url])).unwrap();
    // A small file is read whole by its first (tail) read, and its rows come from it.
    assert!(
        text.lines()
            .nth(1)
            .is_some_and(|l| l.starts_with("Parquet, ") && l.ends_with(" in 1 request)")),
        "{text}"
    );
    assert!(
        text.contains("1,000 rows in 4 row groups, 5 columns"),
        "{text}"
    );
    assert!(
        text.lines().any(|l| l.starts_with("id ")
            && l.contains("SNAPPY")
            && l.contains(" 0  ")
            && l.ends_with("999")),
        "{text}"
    );
    assert!(text.contains("First 20 rows (from 1 row group):"), "{text}");
    let json: serde_json::Value =
        serde_json::from_slice(&skiff(&["inspect", &url, "--rows", "3", "--json"])).unwrap();
    assert_eq!(json["format"], "parquet");
    assert_eq!(json["preview"]["kind"], "parquet");
    assert_eq!(json["preview"]["rows"], 1000);
    assert_eq!(
        json["preview"]["sample"]["rows"].as_array().unwrap().len(),
        3
    );
    assert_eq!(json["object_bytes"], parquet.len());
    assert_eq!(json["read"]["requests"], 1);
    let csv: serde_json::Value = serde_json::from_slice(&skiff(&[
        "inspect",
        &format!("s3://{bucket}/d/people.csv"),
        "--json",
    ]))
    .unwrap();
    assert_eq!(csv["preview"]["kind"], "table");
    assert_eq!(
        csv["preview"]["rows"],
        serde_json::json!([["1", "Ann"], ["2", "Bo"]])
    );
    assert_eq!(skiff(&["cat", &url]), parquet);
    assert_eq!(skiff(&["cat", &url, "--range", "0-3"]), b"PAR1");
    assert_eq!(skiff(&["cat", &url, "--range", "-4"]), b"PAR1");
    let bad = common::skiff_with(&server.endpoint)
        .args(["cat", &url, "--range", "9-1"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--range 9-1: write A-B"));
}
