//! The commands behind a copy, move or rename on the server, and a change of storage class:
//! `aws s3 cp`/`mv` (with `--recursive` for a folder), `skiff cp`/`mv`/`set-class`, and boto3's
//! managed `s3.copy` (multipart above its threshold, as Skiff copies) with a delete for a move.

use super::{Action, py, shell_quote};

/// (aws_cli, skiff) for a copy, move or class change.
pub(super) fn shell(action: &Action, tail: &str) -> (String, String) {
    let mut aws = Vec::new();
    let mut skiff = Vec::new();
    match action {
        Action::Relocate {
            moving,
            from_bucket,
            to_bucket,
            pairs,
        } => {
            let verb = if *moving { "mv" } else { "cp" };
            for (from, to) in pairs {
                let source = shell_quote(&format!("s3://{from_bucket}/{from}"));
                let dest = shell_quote(&format!("s3://{to_bucket}/{to}"));
                let folder = if from.ends_with('/') {
                    " --recursive"
                } else {
                    ""
                };
                aws.push(format!("aws s3 {verb} {source} {dest}{folder}{tail}"));
                let yes = if *moving { " --yes" } else { "" };
                skiff.push(format!("skiff {verb} {source} {dest}{folder}{yes}{tail}"));
            }
        }
        Action::SetClass {
            bucket,
            items,
            class,
        } => {
            for item in items {
                let url = shell_quote(&format!("s3://{bucket}/{item}"));
                let folder = if item.ends_with('/') {
                    " --recursive"
                } else {
                    ""
                };
                aws.push(format!(
                    "aws s3 cp {url} {url}{folder} --storage-class {class}{tail}"
                ));
                skiff.push(format!("skiff set-class {url} {class}{folder} --yes{tail}"));
            }
        }
        _ => {}
    }
    (aws.join("\n"), skiff.join("\n"))
}

/// The boto3 body for a copy, move or class change.
pub(super) fn boto3_body(action: &Action) -> String {
    let (from_bucket, to_bucket, pairs, extra, moving) = match action {
        Action::Relocate {
            moving,
            from_bucket,
            to_bucket,
            pairs,
        } => (
            from_bucket,
            to_bucket,
            pairs.clone(),
            String::new(),
            *moving,
        ),
        Action::SetClass {
            bucket,
            items,
            class,
        } => (
            bucket,
            bucket,
            items.iter().map(|i| (i.clone(), i.clone())).collect(),
            format!(", ExtraArgs={{\"StorageClass\": {}}}", py(class)),
            false,
        ),
        _ => return String::new(),
    };
    let delete = if moving {
        format!(
            "\x20   s3.delete_object(Bucket={}, Key=key)\n",
            py(from_bucket)
        )
    } else {
        String::new()
    };
    let mut body = format!(
        "def one(key, to_key):\n\
         \x20   # Managed copy: on the server, in parts above 8 MB.\n\
         \x20   s3.copy({{\"Bucket\": {from}, \"Key\": key}}, {to}, to_key{extra})\n\
         {delete}\n\
         paginator = s3.get_paginator(\"list_objects_v2\")\n",
        from = py(from_bucket),
        to = py(to_bucket),
    );
    for (from, to) in &pairs {
        if from.ends_with('/') {
            body += &format!(
                "for page in paginator.paginate(Bucket={}, Prefix={}):\n\
                 \x20   for obj in page.get(\"Contents\", []):\n\
                 \x20       one(obj[\"Key\"], {} + obj[\"Key\"][{}:])\n",
                py(from_bucket),
                py(from),
                py(to),
                from.chars().count()
            );
        } else {
            body += &format!("one({}, {})\n", py(from), py(to));
        }
    }
    body
}
