//! The commands behind a sync: `aws s3 sync` and `skiff sync` with the same arguments, and a
//! boto3 script that does what they do (sizes, then times; the deletes in batches of 1,000).

use super::{Action, py, shell_quote};

/// (aws_cli, skiff) for a sync.
pub(super) fn shell(action: &Action, tail: &str) -> (String, String) {
    let Action::Sync {
        source,
        destination,
        delete,
        checksum,
        excludes,
    } = action
    else {
        return (String::new(), String::new());
    };
    let mut args = format!("{} {}", shell_quote(source), shell_quote(destination));
    if *delete {
        args += " --delete";
    }
    for glob in excludes {
        args += &format!(" --exclude {}", shell_quote(glob));
    }
    let mut aws = format!("aws s3 sync {args}{tail}");
    if *checksum {
        aws = format!("# aws s3 sync compares sizes and times only, never checksums\n{aws}");
    }
    let checksum = if *checksum { " --checksum" } else { "" };
    let yes = if *delete { " --yes" } else { "" };
    (aws, format!("skiff sync {args}{checksum}{yes}{tail}"))
}

/// The boto3 script for a sync in any direction.
pub(super) fn boto3_body(action: &Action) -> String {
    let Action::Sync {
        source,
        destination,
        delete,
        excludes,
        ..
    } = action
    else {
        return String::new();
    };
    let excludes: Vec<String> = excludes.iter().map(|g| py(g)).collect();
    let python_bool = |b: bool| if b { "True" } else { "False" };
    format!(
        "source, destination = {}, {}\n\
         excludes = [{}]  # fnmatch globs: * also matches /\n\
         delete = {}\n\
         \n\
         def split(url):\n\
         \x20   bucket, _, prefix = url[len(\"s3://\"):].partition(\"/\")\n\
         \x20   return bucket, prefix\n\
         \n\
         def wanted(relative):\n\
         \x20   return not any(fnmatch.fnmatchcase(relative, glob) for glob in excludes)\n\
         \n\
         def listed(place):\n\
         \x20   \"\"\"Relative path -> (size, modification time in whole seconds).\"\"\"\n\
         \x20   found = {{}}\n\
         \x20   if place.startswith(\"s3://\"):\n\
         \x20       bucket, prefix = split(place)\n\
         \x20       for page in s3.get_paginator(\"list_objects_v2\").paginate(Bucket=bucket, Prefix=prefix):\n\
         \x20           for obj in page.get(\"Contents\", []):\n\
         \x20               relative = obj[\"Key\"][len(prefix):]\n\
         \x20               if relative and not relative.endswith(\"/\") and wanted(relative):\n\
         \x20                   found[relative] = (obj[\"Size\"], int(obj[\"LastModified\"].timestamp()))\n\
         \x20   else:\n\
         \x20       for folder, _, files in os.walk(place):\n\
         \x20           for name in files:\n\
         \x20               path = os.path.join(folder, name)\n\
         \x20               relative = os.path.relpath(path, place).replace(os.sep, \"/\")\n\
         \x20               if wanted(relative):\n\
         \x20                   found[relative] = (os.path.getsize(path), int(os.path.getmtime(path)))\n\
         \x20   return found\n\
         \n\
         def send(relative):\n\
         \x20   if source.startswith(\"s3://\") and destination.startswith(\"s3://\"):\n\
         \x20       (from_bucket, from_prefix), (to_bucket, to_prefix) = split(source), split(destination)\n\
         \x20       s3.copy({{\"Bucket\": from_bucket, \"Key\": from_prefix + relative}}, to_bucket, to_prefix + relative)\n\
         \x20   elif source.startswith(\"s3://\"):\n\
         \x20       bucket, prefix = split(source)\n\
         \x20       path = os.path.join(destination, relative)\n\
         \x20       os.makedirs(os.path.dirname(path), exist_ok=True)\n\
         \x20       s3.download_file(bucket, prefix + relative, path)\n\
         \x20   else:\n\
         \x20       bucket, prefix = split(destination)\n\
         \x20       s3.upload_file(os.path.join(source, relative), bucket, prefix + relative)\n\
         \x20   print(\"sent:\", relative)\n\
         \n\
         have, there = listed(source), listed(destination)\n\
         for relative, (size, modified) in sorted(have.items()):\n\
         \x20   # New, another size, or newer at the source: as aws s3 sync decides.\n\
         \x20   if relative not in there or there[relative][0] != size or modified > there[relative][1]:\n\
         \x20       send(relative)\n\
         extras = sorted(set(there) - set(have))\n\
         if delete and destination.startswith(\"s3://\"):\n\
         \x20   bucket, prefix = split(destination)\n\
         \x20   for start in range(0, len(extras), 1000):\n\
         \x20       batch = [{{\"Key\": prefix + relative}} for relative in extras[start:start + 1000]]\n\
         \x20       answer = s3.delete_objects(Bucket=bucket, Delete={{\"Objects\": batch}})\n\
         \x20       for error in answer.get(\"Errors\", []):\n\
         \x20           print(\"not deleted:\", error[\"Key\"], error[\"Message\"])\n\
         elif delete:\n\
         \x20   for relative in extras:\n\
         \x20       os.remove(os.path.join(destination, relative))\n",
        py(source),
        py(destination),
        excludes.join(", "),
        python_bool(*delete),
    )
}
