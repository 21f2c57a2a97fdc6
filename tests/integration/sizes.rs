//! `skiff du` against an independent count (boto3, in a Python child): 20,000 keys across
//! folders and storage classes, with noncurrent versions and delete markers, on moto; plain
//! totals on the sandbox and Garage.

use std::collections::BTreeMap;

use futures::StreamExt;

use crate::common::{self, TestServer};

/// What boto3 counts under each top folder: objects, bytes, bytes by class, noncurrent
/// versions and their bytes, delete markers.
const BOTO3_COUNT: &str = r#"
import json, os, sys, boto3, collections
s3 = boto3.client("s3", endpoint_url=os.environ["ENDPOINT"], region_name=os.environ["REGION"],
                  aws_access_key_id=os.environ["KEY"], aws_secret_access_key=os.environ["SECRET"])
bucket, versions = sys.argv[1], sys.argv[2] == "1"
folders = collections.defaultdict(lambda: {"objects": 0, "bytes": 0, "by_class": collections.Counter(),
                                           "noncurrent": 0, "noncurrent_bytes": 0, "markers": 0})
def folder(key):
    return key.split("/", 1)[0] + "/" if "/" in key else ""
for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
    for o in page.get("Contents", []):
        f = folders[folder(o["Key"])]
        f["objects"] += 1
        f["bytes"] += o["Size"]
        f["by_class"][o.get("StorageClass", "STANDARD")] += o["Size"]
if versions:
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        for v in page.get("Versions", []):
            if not v["IsLatest"]:
                f = folders[folder(v["Key"])]
                f["noncurrent"] += 1
                f["noncurrent_bytes"] += v["Size"]
        for m in page.get("DeleteMarkers", []):
            folders[folder(m["Key"])]["markers"] += 1
print(json.dumps(folders))
"#;

fn boto3_count(server: &TestServer, bucket: &str, versions: bool) -> serde_json::Value {
    let out = std::process::Command::new("python3")
        .args(["-c", BOTO3_COUNT, bucket, if versions { "1" } else { "0" }])
        .env("ENDPOINT", &server.endpoint.endpoint)
        .env("REGION", &server.endpoint.region)
        .env("KEY", &server.endpoint.access_key_id)
        .env("SECRET", &server.endpoint.secret_access_key)
        .output()
        .expect("python3 with boto3 (pip install boto3)");
    assert!(
        out.status.success(),
        "boto3 count: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Puts `count` keys over ten folders and a few at the top; on a server with classes, every
/// 4th is STANDARD_IA and every 7th GLACIER_IR. Sizes vary with the key.
async fn seed(server: &TestServer, bucket: &str, count: usize, classes: bool) {
    use aws_sdk_s3::types::StorageClass;
    let puts = (0..count).map(|i| {
        let client = server.connection.client.clone();
        let bucket = bucket.to_owned();
        async move {
            let key = if i % 97 == 0 {
                format!("top-{i}.txt")
            } else {
                format!("folder-{}/sub-{}/key-{i}", i % 10, i % 3)
            };
            let mut put = client
                .put_object()
                .bucket(bucket)
                .key(&key)
                .body(vec![b'x'; i % 300].into());
            if classes && i % 4 == 0 {
                put = put.storage_class(StorageClass::StandardIa);
            } else if classes && i % 7 == 0 {
                put = put.storage_class(StorageClass::GlacierIr);
            }
            put.send().await.map_err(|e| format!("{key}: {e:?}"))
        }
    });
    let failed: Vec<String> = futures::stream::iter(puts)
        .buffer_unordered(32)
        .filter_map(|r| async move { r.err() })
        .collect()
        .await;
    assert!(failed.is_empty(), "{}: {:?}", server.name, &failed[..1]);
}

fn du_json(server: &TestServer, args: &[&str]) -> serde_json::Value {
    let data = tempfile::tempdir().unwrap();
    let out = common::skiff_with(&server.endpoint)
        .env("SKIFF_DATA_DIR", data.path())
        .arg("du")
        .args(args)
        .arg("--json")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}: {}",
        server.name,
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Skiff's folders in the boto3 count's shape.
fn skiff_by_folder(du: &serde_json::Value) -> BTreeMap<String, (u64, u64, u64, u64, u64)> {
    (du["folders"].as_array().unwrap().iter())
        .map(|f| {
            let n = |v: &serde_json::Value| v.as_u64().unwrap();
            let value = (
                n(&f["objects"]),
                n(&f["bytes"]),
                n(&f["noncurrent"]["objects"]),
                n(&f["noncurrent"]["bytes"]),
                n(&f["delete_markers"]),
            );
            (f["prefix"].as_str().unwrap().to_owned(), value)
        })
        .collect()
}

fn boto3_by_folder(count: &serde_json::Value) -> BTreeMap<String, (u64, u64, u64, u64, u64)> {
    (count.as_object().unwrap().iter())
        .map(|(folder, f)| {
            let n = |name: &str| f[name].as_u64().unwrap();
            let value = (
                n("objects"),
                n("bytes"),
                n("noncurrent"),
                n("noncurrent_bytes"),
                n("markers"),
            );
            (folder.clone(), value)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn du_matches_boto3_for_20000_keys_with_classes_and_versions() {
    let Some(server) = common::server("moto").await else {
        return;
    };
    let bucket = common::versioned_bucket(&server, "du").await;
    seed(&server, &bucket, 20_000, true).await;
    // Noncurrent versions (a second write) and delete markers.
    let again: Vec<String> = (1..)
        .filter(|i| i % 97 != 0)
        .take(600)
        .map(|i| format!("folder-{}/sub-{}/key-{i}", i % 10, i % 3))
        .collect();
    common::put_keys(&server, &bucket, &again[..400]).await;
    let gone: Vec<_> = again[400..].to_vec();
    for key in &gone {
        (server.connection.client.delete_object())
            .bucket(&bucket)
            .key(key)
            .send()
            .await
            .unwrap();
    }
    let du = du_json(&server, &[&format!("s3://{bucket}"), "--versions"]);
    let count = boto3_count(&server, &bucket, true);
    assert_eq!(skiff_by_folder(&du), boto3_by_folder(&count));
    assert_eq!(du["versions_listed"], true);
    assert!(du["complete"].as_bool().unwrap());
    // By class, per folder.
    for folder in du["folders"].as_array().unwrap() {
        let name = folder["prefix"].as_str().unwrap();
        let classes = &count[name]["by_class"];
        for (class, tally) in folder["by_class"].as_object().unwrap() {
            assert_eq!(tally["bytes"], classes[class], "{name} {class}");
        }
    }
    let total = &du["total"];
    assert_eq!(total["objects"].as_u64().unwrap(), 20_000 - 200);
    assert!(total["usd_per_month"].as_f64().unwrap() > 0.0);
    assert_eq!(du["largest"].as_array().unwrap().len(), 20);
    assert_eq!(du["largest"][0]["bytes"], 299);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn du_totals_match_boto3_on_the_sandbox_and_garage() {
    for name in ["sandbox", "garage"] {
        let Some(server) = common::server(name).await else {
            continue;
        };
        let bucket = common::fresh_bucket(&server, "du").await;
        seed(&server, &bucket, 3_000, false).await;
        let du = du_json(&server, &[&format!("s3://{bucket}/"), "--depth", "1"]);
        let count = boto3_count(&server, &bucket, false);
        assert_eq!(skiff_by_folder(&du), boto3_by_folder(&count), "{name}");
        // One level down: folder-1/ splits into its three subfolders.
        let deeper = du_json(
            &server,
            &[&format!("s3://{bucket}/folder-1/"), "--depth", "2"],
        );
        let names: Vec<&str> = (deeper["folders"].as_array().unwrap().iter())
            .map(|f| f["prefix"].as_str().unwrap())
            .collect();
        assert_eq!(names.len(), 3, "{name}: {names:?}");
        assert!(
            names.iter().all(|n| n.starts_with("folder-1/sub-")),
            "{names:?}"
        );
    }
}
