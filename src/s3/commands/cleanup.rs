//! The deletes in boto3 (batches of 1,000 through delete_objects), and the cleanups beyond plain
//! deletes: every version for good, incomplete uploads aborted, a bucket emptied or deleted. The
//! AWS CLI has no one command for those, so its form is a listing piped into a loop.

use super::{Action, py, shell_quote};

/// A listing under `prefix` piped into one command per row: `list` is the s3api listing,
/// `query` picks two fields per row, `act` is the s3api call that uses `$key` and `$id` (the
/// version or the upload).
fn each_listed(
    bucket: &str,
    prefix: &str,
    list: &str,
    query: &str,
    act: &str,
    tail: &str,
) -> String {
    let b = shell_quote(bucket);
    format!(
        "aws s3api {list} --bucket {b} --prefix {} --query '{query}' --output text{tail} |\n\
         while IFS=$'\\t' read -r key id; do\n\
         \x20 [ -n \"$id\" ] || continue\n\
         \x20 aws s3api {act} --bucket {b} --key \"$key\"{tail}\n\
         done",
        shell_quote(prefix)
    )
}

/// Every version and delete marker under `prefix`, one `delete-object` each.
fn purge_versions_cli(bucket: &str, prefix: &str, tail: &str) -> String {
    let (list, query) = (
        "list-object-versions",
        "[Versions, DeleteMarkers][][].[Key, VersionId]",
    );
    let act = "delete-object --version-id \"$id\"";
    each_listed(bucket, prefix, list, query, act, tail)
}

fn abort_uploads_cli(bucket: &str, prefix: &str, tail: &str) -> String {
    let (list, query) = ("list-multipart-uploads", "Uploads[].[Key, UploadId]");
    let act = "abort-multipart-upload --upload-id \"$id\"";
    each_listed(bucket, prefix, list, query, act, tail)
}

/// The AWS CLI and skiff forms of a cleanup action.
pub(super) fn shell(action: &Action, tail: &str) -> (String, String) {
    let url = |bucket: &str, prefix: &str| shell_quote(&format!("s3://{bucket}/{prefix}"));
    match action {
        Action::PurgeVersions { bucket, prefix } => (
            purge_versions_cli(bucket, prefix, tail),
            format!(
                "skiff rm {} --recursive --versions --yes{tail}",
                url(bucket, prefix)
            ),
        ),
        Action::AbortUploads { bucket, prefix } => (
            abort_uploads_cli(bucket, prefix, tail),
            format!("skiff uploads {} --abort --yes{tail}", url(bucket, prefix)),
        ),
        Action::EmptyBucket { bucket } => (
            format!(
                "{}\n{}",
                purge_versions_cli(bucket, "", tail),
                abort_uploads_cli(bucket, "", tail)
            ),
            format!(
                "skiff rm {} --recursive --versions --yes{tail}\n\
                 skiff uploads {} --abort --yes{tail}",
                url(bucket, ""),
                url(bucket, "")
            ),
        ),
        Action::DeleteBucket { bucket } => (
            format!(
                "{}\n{}\naws s3api delete-bucket --bucket {}{tail}",
                purge_versions_cli(bucket, "", tail),
                abort_uploads_cli(bucket, "", tail),
                shell_quote(bucket)
            ),
            format!(
                "skiff rb {} --force --yes{tail}",
                shell_quote(&format!("s3://{bucket}"))
            ),
        ),
        _ => (String::new(), String::new()),
    }
}

fn purge_versions_py(bucket: &str, prefix: &str) -> String {
    format!(
        "paginator = s3.get_paginator(\"list_object_versions\")\n\
         # A page holds at most 1,000 versions and markers: one delete_objects call each.\n\
         for page in paginator.paginate(Bucket={b}, Prefix={}):\n\
         \x20   batch = [{{\"Key\": v[\"Key\"], \"VersionId\": v[\"VersionId\"]}}\n\
         \x20            for v in page.get(\"Versions\", []) + page.get(\"DeleteMarkers\", [])]\n\
         \x20   if batch:\n\
         \x20       answer = s3.delete_objects(Bucket={b}, Delete={{\"Objects\": batch, \"Quiet\": True}})\n\
         \x20       for error in answer.get(\"Errors\", []):\n\
         \x20           print(\"not deleted:\", error[\"Key\"], error.get(\"VersionId\"), error[\"Message\"])\n",
        py(prefix),
        b = py(bucket)
    )
}

fn abort_uploads_py(bucket: &str, prefix: &str) -> String {
    format!(
        "paginator = s3.get_paginator(\"list_multipart_uploads\")\n\
         for page in paginator.paginate(Bucket={b}, Prefix={}):\n\
         \x20   for upload in page.get(\"Uploads\", []):\n\
         \x20       s3.abort_multipart_upload(Bucket={b}, Key=upload[\"Key\"], UploadId=upload[\"UploadId\"])\n",
        py(prefix),
        b = py(bucket)
    )
}

/// The boto3 body (after the client) of a delete or cleanup action.
pub(super) fn boto3_body(action: &Action) -> String {
    match action {
        Action::Delete { bucket, keys } => format!(
            "keys = [\n{}]\n\
             # delete_objects takes at most 1,000 keys a call.\n\
             for start in range(0, len(keys), 1000):\n\
             \x20   batch = [{{\"Key\": key}} for key in keys[start:start + 1000]]\n\
             \x20   answer = s3.delete_objects(Bucket={}, Delete={{\"Objects\": batch, \"Quiet\": True}})\n\
             \x20   for error in answer.get(\"Errors\", []):\n\
             \x20       print(\"not deleted:\", error[\"Key\"], error[\"Message\"])\n",
            keys.iter()
                .map(|k| format!("    {},\n", py(k)))
                .collect::<String>(),
            py(bucket)
        ),
        Action::DeletePrefix { bucket, prefix } => format!(
            "paginator = s3.get_paginator(\"list_objects_v2\")\n\
             # Each page holds at most 1,000 keys: one delete_objects call per page.\n\
             for page in paginator.paginate(Bucket={}, Prefix={}):\n\
             \x20   batch = [{{\"Key\": obj[\"Key\"]}} for obj in page.get(\"Contents\", [])]\n\
             \x20   if batch:\n\
             \x20       answer = s3.delete_objects(Bucket={}, Delete={{\"Objects\": batch, \"Quiet\": True}})\n\
             \x20       for error in answer.get(\"Errors\", []):\n\
             \x20           print(\"not deleted:\", error[\"Key\"], error[\"Message\"])\n",
            py(bucket),
            py(prefix),
            py(bucket)
        ),

        Action::PurgeVersions { bucket, prefix } => purge_versions_py(bucket, prefix),
        Action::AbortUploads { bucket, prefix } => abort_uploads_py(bucket, prefix),
        Action::EmptyBucket { bucket } => {
            purge_versions_py(bucket, "") + &abort_uploads_py(bucket, "")
        }
        Action::DeleteBucket { bucket } => format!(
            "{}{}s3.delete_bucket(Bucket={})\n",
            purge_versions_py(bucket, ""),
            abort_uploads_py(bucket, ""),
            py(bucket)
        ),
        _ => String::new(),
    }
}
