//! The command behind an action: what the AWS CLI, boto3 (as the practice guide writes it) and
//! `skiff` would run to do the same, with the connection's endpoint and region filled in. No
//! secret is ever part of them: they take credentials from the environment, as those tools do.

mod cleanup;
mod relocate;
mod sync;

use super::cors::shell_quote;

/// Where the commands run: the endpoint (`None` for AWS itself) and the region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub endpoint_url: Option<String>,
    pub region: String,
}

impl Place {
    /// From a connection's endpoint as shown ("http://…" for custom endpoints, "AWS (…)" for
    /// AWS) and its region.
    pub fn new(endpoint: &str, region: &str) -> Self {
        let custom = endpoint.starts_with("http://") || endpoint.starts_with("https://");
        Self {
            endpoint_url: custom.then(|| endpoint.to_owned()),
            region: region.to_owned(),
        }
    }
}

/// An action the app carries out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// The listing of a prefix: one level (folders first) or every key below it.
    List {
        bucket: String,
        prefix: String,
        recursive: bool,
    },
    /// A local file to `s3://bucket/key`, or a folder with everything in it to keys below
    /// `key` (which then ends in `/`).
    Upload {
        local: String,
        is_folder: bool,
        bucket: String,
        key: String,
    },
    /// Objects into a local folder, each at its path below `relative_to`.
    Download {
        bucket: String,
        keys: Vec<String>,
        relative_to: String,
        folder: String,
    },
    /// Objects deleted by key.
    Delete { bucket: String, keys: Vec<String> },
    /// Everything under a prefix deleted (the current versions: delete markers on a versioned
    /// bucket, as `aws s3 rm` does).
    DeletePrefix { bucket: String, prefix: String },
    /// Every version and delete marker under a prefix deleted for good.
    PurgeVersions { bucket: String, prefix: String },
    /// The incomplete multipart uploads under a prefix aborted.
    AbortUploads { bucket: String, prefix: String },
    /// Every version, delete marker and incomplete upload in the bucket removed (Empty).
    EmptyBucket { bucket: String },
    /// The bucket emptied, then deleted.
    DeleteBucket { bucket: String },
    /// A link to the object that works without credentials for `expires_secs`.
    /// Objects (keys) and folders (prefixes ending in `/`) copied or moved on the server, each
    /// to its destination key or prefix.
    Relocate {
        moving: bool,
        from_bucket: String,
        to_bucket: String,
        pairs: Vec<(String, String)>,
    },
    /// Objects and folders copied onto themselves with another storage class.
    SetClass {
        bucket: String,
        items: Vec<String>,
        class: String,
    },
    ShareLink {
        bucket: String,
        key: String,
        expires_secs: u64,
    },
    /// A folder and a prefix (or two prefixes) kept in step: each place a local path or an
    /// `s3://bucket/prefix/` URL.
    Sync {
        source: String,
        destination: String,
        delete: bool,
        checksum: bool,
        excludes: Vec<String>,
    },
}

/// The same action in each tool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Equivalents {
    pub aws_cli: String,
    pub boto3: String,
    pub skiff: String,
}

/// Beyond this many keys, a download or delete is written as a loop over a list rather than a
/// line per key.
const LINES_PER_KEY_UP_TO: usize = 10;

pub fn equivalents(action: &Action, place: &Place) -> Equivalents {
    let tail = options(place);
    let (aws_cli, skiff) = match action {
        Action::List {
            bucket,
            prefix,
            recursive,
        } => {
            let url = shell_quote(&format!("s3://{bucket}/{prefix}"));
            let flag = if *recursive { " --recursive" } else { "" };
            (
                format!("aws s3 ls {url}{flag}{tail}"),
                format!("skiff ls {url}{flag}{tail}"),
            )
        }
        Action::Upload {
            local,
            is_folder,
            bucket,
            key,
        } => {
            let flag = if *is_folder { " --recursive" } else { "" };
            let dest = shell_quote(&format!("s3://{bucket}/{key}"));
            let local = shell_quote(local);
            (
                format!("aws s3 cp {local} {dest}{flag}{tail}"),
                format!("skiff cp {local} {dest}{flag}{tail}"),
            )
        }
        Action::Download {
            bucket,
            keys,
            relative_to,
            folder,
        } => {
            let line = |tool: &str, key: &String| {
                let local = local_path(folder, key, relative_to);
                let url = shell_quote(&format!("s3://{bucket}/{key}"));
                format!("{tool} s3 cp {url} {}{tail}", shell_quote(&local))
            };
            let skiff_line = |key: &String| {
                let local = local_path(folder, key, relative_to);
                let url = shell_quote(&format!("s3://{bucket}/{key}"));
                format!("skiff cp {url} {}{tail}", shell_quote(&local))
            };
            if keys.len() <= LINES_PER_KEY_UP_TO || !fit_a_list(keys) {
                (
                    keys.iter()
                        .map(|k| line("aws", k))
                        .collect::<Vec<_>>()
                        .join("\n"),
                    keys.iter().map(skiff_line).collect::<Vec<_>>().join("\n"),
                )
            } else {
                let loop_over = |tool: &str| {
                    format!(
                        "prefix={}\nwhile IFS= read -r key; do\n  {tool}cp \"s3://{bucket}/$key\" \
                         {}/\"${{key#\"$prefix\"}}\"{tail}\ndone <<'KEYS'\n{}\nKEYS",
                        shell_quote(relative_to),
                        shell_quote(folder),
                        keys.join("\n")
                    )
                };
                (loop_over("aws s3 "), loop_over("skiff "))
            }
        }
        Action::Delete { bucket, keys } => {
            let line = |tool: &str, key: &String| {
                let url = shell_quote(&format!("s3://{bucket}/{key}"));
                format!("{tool} rm {url}{tail}")
            };
            let skiff_yes = |key: &String| format!("{} --yes", line("skiff", key));
            if keys.len() <= LINES_PER_KEY_UP_TO || !fit_a_list(keys) {
                (
                    keys.iter()
                        .map(|k| line("aws s3", k))
                        .collect::<Vec<_>>()
                        .join("\n"),
                    keys.iter().map(skiff_yes).collect::<Vec<_>>().join("\n"),
                )
            } else {
                let loop_over = |tool: &str, yes: &str| {
                    format!(
                        "while IFS= read -r key; do\n  {tool} rm \"s3://{bucket}/$key\"{tail}{yes}\n\
                         done <<'KEYS'\n{}\nKEYS",
                        keys.join("\n")
                    )
                };
                (loop_over("aws s3", ""), loop_over("skiff", " --yes"))
            }
        }
        Action::PurgeVersions { .. }
        | Action::AbortUploads { .. }
        | Action::EmptyBucket { .. }
        | Action::DeleteBucket { .. } => cleanup::shell(action, &tail),
        Action::Relocate { .. } | Action::SetClass { .. } => relocate::shell(action, &tail),
        Action::Sync { .. } => sync::shell(action, &tail),
        Action::ShareLink { .. } | Action::DeletePrefix { .. } => one_line_shell(action, &tail),
    };
    Equivalents {
        aws_cli,
        boto3: boto3(action, place),
        skiff,
    }
}

/// (aws_cli, skiff) for the actions that are one line in each.
fn one_line_shell(action: &Action, tail: &str) -> (String, String) {
    match action {
        Action::ShareLink {
            bucket,
            key,
            expires_secs,
        } => {
            let url = shell_quote(&format!("s3://{bucket}/{key}"));
            (
                format!("aws s3 presign {url} --expires-in {expires_secs}{tail}"),
                format!("skiff presign {url} --expires {expires_secs}{tail}"),
            )
        }
        Action::DeletePrefix { bucket, prefix } => {
            let url = shell_quote(&format!("s3://{bucket}/{prefix}"));
            (
                format!("aws s3 rm {url} --recursive{tail}"),
                format!("skiff rm {url} --recursive --yes{tail}"),
            )
        }
        _ => (String::new(), String::new()),
    }
}

/// Whether the keys can be the lines of a here-document: none breaks a line or ends it early.
fn fit_a_list(keys: &[String]) -> bool {
    keys.iter()
        .all(|k| !k.contains(['\n', '\r']) && k != "KEYS")
}

/// ` --endpoint-url URL --region R`, as both command lines take them.
fn options(place: &Place) -> String {
    let endpoint = place
        .endpoint_url
        .as_deref()
        .map(|u| format!(" --endpoint-url {}", shell_quote(u)))
        .unwrap_or_default();
    format!("{endpoint} --region {}", shell_quote(&place.region))
}

fn local_path(folder: &str, key: &str, relative_to: &str) -> String {
    let below = key.strip_prefix(relative_to).unwrap_or(key);
    format!("{}/{below}", folder.trim_end_matches('/'))
}

/// A Python string literal: JSON's string syntax is Python's too.
fn py(s: &str) -> String {
    serde_json::to_string(s).expect("a string serialises")
}

fn boto3(action: &Action, place: &Place) -> String {
    let mut client = format!(
        "s3 = boto3.client(\"s3\", region_name={}",
        py(&place.region)
    );
    if let Some(url) = &place.endpoint_url {
        client += &format!(", endpoint_url={}", py(url));
    }
    client += ")\n";
    let body = match action {
        Action::PurgeVersions { .. }
        | Action::AbortUploads { .. }
        | Action::EmptyBucket { .. }
        | Action::DeleteBucket { .. }
        | Action::Delete { .. }
        | Action::DeletePrefix { .. } => cleanup::boto3_body(action),
        Action::Relocate { .. } | Action::SetClass { .. } => relocate::boto3_body(action),
        Action::Sync { .. } => sync::boto3_body(action),
        Action::List {
            bucket,
            prefix,
            recursive,
        } => {
            let delimiter = if *recursive {
                String::new()
            } else {
                ", Delimiter=\"/\"".into()
            };
            format!(
                "paginator = s3.get_paginator(\"list_objects_v2\")\n\
                 for page in paginator.paginate(Bucket={}, Prefix={}{delimiter}):\n\
                 \x20   for folder in page.get(\"CommonPrefixes\", []):\n\
                 \x20       print(\"PRE\", folder[\"Prefix\"])\n\
                 \x20   for obj in page.get(\"Contents\", []):\n\
                 \x20       print(obj[\"LastModified\"], obj[\"Size\"], obj[\"Key\"])\n",
                py(bucket),
                py(prefix)
            )
        }
        Action::Upload {
            local,
            is_folder: false,
            bucket,
            key,
        } => format!(
            "s3.upload_file({}, {}, {})\n",
            py(local),
            py(bucket),
            py(key)
        ),
        Action::Upload {
            local,
            is_folder: true,
            bucket,
            key,
        } => format!(
            "root = {}\n\
             for folder, _, files in os.walk(root):\n\
             \x20   for name in files:\n\
             \x20       path = os.path.join(folder, name)\n\
             \x20       relative = os.path.relpath(path, root).replace(os.sep, \"/\")\n\
             \x20       s3.upload_file(path, {}, {} + relative)\n",
            py(local),
            py(bucket),
            py(key)
        ),
        Action::Download {
            bucket,
            keys,
            relative_to,
            folder,
        } => format!(
            "keys = [\n{}]\n\
             for key in keys:\n\
             \x20   path = os.path.join({}, key[len({}):])\n\
             \x20   os.makedirs(os.path.dirname(path), exist_ok=True)\n\
             \x20   s3.download_file({}, key, path)\n",
            keys.iter()
                .map(|k| format!("    {},\n", py(k)))
                .collect::<String>(),
            py(folder),
            py(relative_to),
            py(bucket)
        ),
        Action::ShareLink {
            bucket,
            key,
            expires_secs,
        } => format!(
            "params = {{\"Bucket\": {}, \"Key\": {}}}\n\
             print(s3.generate_presigned_url(\"get_object\", Params=params, ExpiresIn={expires_secs}))\n",
            py(bucket),
            py(key)
        ),
    };
    // The standard library first, as Python's style guide orders imports.
    let imports = match (body.contains("fnmatch."), body.contains("os.")) {
        (true, _) => "import fnmatch\nimport os\n\nimport boto3",
        (false, true) => "import os\n\nimport boto3",
        (false, false) => "import boto3",
    };
    format!("{imports}\n\n{client}{body}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lab() -> Place {
        Place::new("http://127.0.0.1:9000", "us-east-1")
    }

    #[test]
    fn aws_itself_needs_no_endpoint() {
        let place = Place::new("AWS (eu-west-1)", "eu-west-1");
        let list = Action::List {
            bucket: "data".into(),
            prefix: "raw/".into(),
            recursive: false,
        };
        let commands = equivalents(&list, &place);
        assert_eq!(
            commands.aws_cli,
            "aws s3 ls s3://data/raw/ --region eu-west-1"
        );
        assert!(
            !commands.boto3.contains("endpoint_url"),
            "{}",
            commands.boto3
        );
    }

    #[test]
    fn an_upload_of_a_file_with_a_space() {
        let upload = Action::Upload {
            local: "/home/ana/day 1.csv".into(),
            is_folder: false,
            bucket: "data".into(),
            key: "in/day 1.csv".into(),
        };
        let c = equivalents(&upload, &lab());
        let tail = "--endpoint-url http://127.0.0.1:9000 --region us-east-1";
        assert_eq!(
            c.aws_cli,
            format!("aws s3 cp '/home/ana/day 1.csv' 's3://data/in/day 1.csv' {tail}")
        );
        assert_eq!(
            c.skiff,
            format!("skiff cp '/home/ana/day 1.csv' 's3://data/in/day 1.csv' {tail}")
        );
        assert!(
            c.boto3
                .ends_with("s3.upload_file(\"/home/ana/day 1.csv\", \"data\", \"in/day 1.csv\")\n"),
            "{}",
            c.boto3
        );
    }

    #[test]
    fn many_keys_become_a_loop_and_names_are_quoted_for_python() {
        let keys: Vec<String> = (0..12).map(|i| format!("p/k\"{i}")).collect();
        let delete = Action::Delete {
            bucket: "data".into(),
            keys,
        };
        let c = equivalents(&delete, &lab());
        assert!(
            c.aws_cli.starts_with("while IFS= read -r key; do"),
            "{}",
            c.aws_cli
        );
        assert!(c.aws_cli.contains("p/k\"11"), "{}", c.aws_cli);
        assert!(c.boto3.contains("\"p/k\\\"11\""), "{}", c.boto3);
        assert!(c.skiff.contains("--yes"), "{}", c.skiff);
    }
}
