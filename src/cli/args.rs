//! What the command line takes, as clap parses it.

use std::path::PathBuf;

use anyhow::bail;
use clap::{Args, Parser, Subcommand};

use super::parse_s3_url;
use crate::s3::bucket_setup::BucketSpec;

#[derive(Debug, Parser)]
#[command(
    name = "skiff",
    version,
    about = "Skiff: a storage manager for S3-compatible object storage.",
    long_about = "Skiff: a storage manager for S3-compatible object storage.\n\n\
        With no command, opens the desktop app on the local sandbox."
)]
pub struct Cli {
    #[command(flatten)]
    pub connection: ConnectionArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// How every subcommand reaches S3. Without any of these, the standard AWS chain applies
/// (environment, `~/.aws` profiles, SSO, instance metadata), as in the AWS CLI.
#[derive(Debug, Clone, Default, Args)]
pub struct ConnectionArgs {
    /// S3 endpoint, e.g. http://127.0.0.1:3900 for a local Garage.
    #[arg(long, global = true, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// Profile from ~/.aws/config or ~/.aws/credentials.
    #[arg(long, global = true, value_name = "NAME")]
    pub profile: Option<String>,
    /// Region to sign requests for.
    #[arg(long, global = true, value_name = "REGION")]
    pub region: Option<String>,
    /// Use the local sandbox (started for the command if no Skiff is running it).
    #[arg(long, global = true, conflicts_with_all = ["endpoint_url", "profile"])]
    pub sandbox: bool,
}

#[derive(Debug, Subcommand)]
pub enum SandboxAction {
    /// Print `export AWS_ENDPOINT_URL=… AWS_REGION=… AWS_ACCESS_KEY_ID=… AWS_SECRET_ACCESS_KEY=…`
    /// for the sandbox another Skiff (the app or `skiff serve`) serves.
    Env {
        /// Data directory (default: the user's data directory, or SKIFF_SANDBOX_DIR).
        #[arg(long, value_name = "DIR")]
        data: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the local sandbox S3 server and print how to reach it.
    Serve {
        /// Port to listen on (default: any free port).
        #[arg(long, default_value_t = 0)]
        port: u16,
        /// Data directory (default: the user's data directory, or SKIFF_SANDBOX_DIR).
        #[arg(long, value_name = "DIR")]
        data: Option<PathBuf>,
        /// Also serve the web app (built by web/build.sh) and let it use the sandbox (CORS).
        #[arg(long)]
        web: bool,
        /// The built web app.
        #[arg(long, value_name = "DIR", default_value = "dist", requires = "web")]
        web_dir: PathBuf,
        /// Port for the web app (default: any free port).
        #[arg(long, default_value_t = 0, requires = "web")]
        web_port: u16,
        /// Another page origin allowed to call the sandbox from a browser, such as
        /// http://127.0.0.1:8000 (repeatable). The web app's own origin is always allowed.
        #[arg(long, value_name = "ORIGIN")]
        cors_origin: Vec<String>,
    },
    /// The running sandbox: `skiff sandbox env` prints the line that points the AWS CLI at it,
    /// for `eval "$(skiff sandbox env)"`.
    Sandbox {
        #[command(subcommand)]
        action: SandboxAction,
    },
    /// Print a completion script: `skiff completions bash > ~/.local/share/bash-completion/completions/skiff`.
    Completions {
        /// bash, zsh, fish, powershell or elvish.
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff): `skiff man | man -l -`.
    Man,
    /// A link anyone can download the object with, without credentials, until it expires
    /// (at most 7 days; sooner when the credentials that sign it are temporary).
    Presign {
        /// s3://bucket/key
        url: String,
        /// How long the link works: 15m, 12h, 3d, 7d or seconds.
        #[arg(long, default_value = "1h", value_name = "DURATION")]
        expires: String,
        /// A version of the object rather than the current one.
        #[arg(long, value_name = "ID")]
        version_id: Option<String>,
    },
    /// Make an earlier version of an object current again: a copy of it on top, the history
    /// kept (see `skiff ls --versions`).
    Revert {
        /// s3://bucket/key
        url: String,
        /// The version to bring back.
        #[arg(long, value_name = "ID")]
        version_id: String,
        /// Say what would happen and change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Accepted for scripts: this never asks, since nothing is lost.
        #[arg(long, short = 'y')]
        yes: bool,
    },
    /// Show an object's tags, add or change some (KEY=VALUE), or with --delete remove them all;
    /// the object is not copied (PutObjectTagging).
    Tag {
        /// s3://bucket/key
        url: String,
        /// Tags to set, KEY=VALUE; the others are kept.
        #[arg(value_name = "KEY=VALUE")]
        tags: Vec<String>,
        /// Remove every tag.
        #[arg(long, conflicts_with = "tags")]
        delete: bool,
        /// Say what would change and change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Accepted for scripts: this never asks (the object is not copied or deleted).
        #[arg(long, short = 'y')]
        yes: bool,
    },
    /// Bring back a deleted object of a versioned bucket: remove the delete marker on top.
    Undelete {
        /// s3://bucket/key
        url: String,
        /// Say what would happen and change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Accepted for scripts: this never asks, since nothing is lost.
        #[arg(long, short = 'y')]
        yes: bool,
    },
    /// Sign in to IAM Identity Center (SSO) for --profile, as `aws sso login` does: open the
    /// page it prints, approve, and the token lands in the AWS CLI's cache.
    Login,
    /// Make a bucket, set up as the bucket wizard would (see `skiff mb --help`).
    Mb(MbArgs),
    /// Copy files to S3, objects to local files, or objects to other keys or buckets (on the
    /// server: no bytes pass through this machine): multipart and parallel above 16 MiB.
    Cp(CpArgs),
    /// Move: as cp, then each source whose copy was confirmed is deleted (S3 to S3 on the
    /// server; a prefix move renames a folder).
    Mv(MvArgs),
    /// Change the storage class of an object, or with --recursive of everything under a prefix
    /// (each copied onto itself on the server; metadata and tags kept).
    SetClass {
        /// s3://bucket/key, or with --recursive s3://bucket/prefix (matched as written).
        url: String,
        /// The new class: STANDARD, STANDARD_IA, ONEZONE_IA, INTELLIGENT_TIERING, GLACIER_IR,
        /// GLACIER, DEEP_ARCHIVE, ...
        class: String,
        /// Everything whose key starts with the prefix.
        #[arg(long, short = 'r')]
        recursive: bool,
        /// List what would change and change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Do not ask for confirmation.
        #[arg(long, short = 'y')]
        yes: bool,
    },
    /// Ask for a temporary copy of an archived (GLACIER, DEEP_ARCHIVE) object to read for N
    /// days; `skiff ls`/the details panel show when it is ready.
    Restore {
        /// s3://bucket/key
        url: String,
        /// How long the restored copy stays readable.
        #[arg(long, value_name = "N")]
        days: i32,
        /// Expedited (minutes), Standard (hours) or Bulk (cheapest, up to 12-48 hours).
        #[arg(long, default_value = "Standard", value_name = "TIER")]
        tier: String,
        /// Say what would be asked and ask nothing.
        #[arg(long)]
        dry_run: bool,
        /// Accepted for scripts: this never asks, since nothing is lost.
        #[arg(long, short = 'y')]
        yes: bool,
    },
    /// Look inside an object without downloading it: a Parquet file's schema, statistics and
    /// first rows, a checkpoint's tensors, a CSV's or JSON file's head, an image's size.
    Inspect {
        /// s3://bucket/key
        url: String,
        /// Rows to show of a table; a Parquet file's rows are read only when it is small or
        /// when this is given.
        #[arg(long, value_name = "N")]
        rows: Option<usize>,
        /// Inspect this version of the object.
        #[arg(long, value_name = "ID")]
        version_id: Option<String>,
        /// One JSON object: {"key", "object_bytes", "format", "read": {"requests", "bytes"},
        /// "preview": {"kind", ...}}, the preview's fields depending on its kind.
        #[arg(long)]
        json: bool,
    },
    /// Print an object, or a byte range of it, to standard output (as `aws s3 cp s3://... -`).
    Cat {
        /// s3://bucket/key
        url: String,
        /// Bytes A to B (inclusive, from 0), A- to the end, or -N for the last N.
        #[arg(long, value_name = "A-B", allow_hyphen_values = true)]
        range: Option<String>,
        #[arg(long, value_name = "ID")]
        version_id: Option<String>,
    },
    /// Check that a local file holds the same bytes as an object, without downloading it.
    Verify {
        /// The local file.
        local: PathBuf,
        /// s3://bucket/key
        url: String,
        /// One JSON object instead of text: {"local", "url", "verdict"} with verdict
        /// "identical" (and "checksum"), "same_size" (and "why") or "different" (and "reason").
        #[arg(long)]
        json: bool,
    },
    /// Make a destination folder or prefix hold what the source holds, as `aws s3 sync` does:
    /// only new and changed files are sent (size, then time; --checksum compares CRCs).
    Sync(SyncArgs),
    /// What a bucket or prefix holds, folder by folder: objects, bytes, classes, versions,
    /// incomplete uploads, and an estimate of what storing it costs a month.
    Du(DuArgs),
    /// Delete an object, or with --recursive everything under a prefix (dry run and typed
    /// confirmation first).
    Rm(RmArgs),
    /// Delete a bucket; --force empties it first (versions and incomplete uploads included).
    Rb(RbArgs),
    /// List incomplete multipart uploads, abort them, or add the rule that aborts them.
    Uploads(UploadsArgs),
    /// List the local files Skiff downloaded, or delete them with --delete.
    Downloads(DownloadsArgs),
    /// List buckets, or the objects and folders under s3://bucket/prefix.
    Ls {
        /// s3://bucket[/prefix]; without it, lists buckets.
        url: Option<String>,
        /// Every key below the prefix, not just one level.
        #[arg(long, short = 'r')]
        recursive: bool,
        /// Print sizes as 1.5 MiB instead of bytes.
        #[arg(long)]
        human_readable: bool,
        /// End with the number of objects and their total size.
        #[arg(long)]
        summarize: bool,
        /// Dates in UTC, not in the local time zone.
        #[arg(long)]
        utc: bool,
        /// One JSON object per line instead of text: {"bucket", "created", "region"} for
        /// buckets; {"prefix"} and {"key", "size_bytes", "last_modified", "storage_class"}
        /// under a prefix (full keys, RFC 3339 UTC times); with --summarize a last
        /// {"total_objects", "total_bytes"}; with --versions {"key", "version_id",
        /// "size_bytes", "last_modified", "storage_class", "latest", "delete_marker"}.
        #[arg(long)]
        json: bool,
        /// Every version and delete marker under the prefix (all levels), newest first for
        /// each key, with its version id and whether it is the current one.
        #[arg(long, conflicts_with = "summarize")]
        versions: bool,
    },
}

/// A new bucket's settings. The defaults are the wizard's: encryption with S3-managed keys,
/// Block Public Access on, ACLs off (bucket owner enforced), and incomplete multipart uploads
/// aborted after 7 days.
#[derive(Debug, Args)]
pub struct MbArgs {
    /// s3://NAME
    pub url: String,
    /// Keep every version of every object.
    #[arg(long)]
    pub versioning: bool,
    /// Default encryption: sse-s3, sse-kms:KEY_ID, or none.
    #[arg(long, default_value = "sse-s3", value_name = "KIND")]
    pub encryption: String,
    /// Leave Block Public Access off (it is on by default).
    #[arg(long, conflicts_with = "public_access_block")]
    pub no_block_public_access: bool,
    /// Turn on only these parts of Block Public Access, comma-separated: block-public-acls,
    /// ignore-public-acls, block-public-policy, restrict-public-buckets.
    #[arg(long, value_name = "PARTS")]
    pub public_access_block: Option<String>,
    /// Object ownership: BucketOwnerEnforced (ACLs off), BucketOwnerPreferred or ObjectWriter.
    #[arg(long, default_value = "BucketOwnerEnforced", value_name = "KIND")]
    pub ownership: String,
    /// Object Lock (write-once-read-many); only possible at creation, and turns versioning on.
    #[arg(long)]
    pub object_lock: bool,
    /// Abort incomplete multipart uploads after N days (0: no rule).
    #[arg(long, default_value_t = 7, value_name = "N")]
    pub lifecycle_abort_days: u32,
    /// Expire noncurrent versions after N days.
    #[arg(long, value_name = "N")]
    pub noncurrent_expire_days: Option<u32>,
    /// Move objects under PREFIX to CLASS after DAYS, e.g. raw/:30:STANDARD_IA (repeatable).
    #[arg(long, value_name = "PREFIX:DAYS:CLASS")]
    pub transition: Vec<String>,
    /// A tag KEY=VALUE (repeatable).
    #[arg(long, value_name = "KEY=VALUE")]
    pub tag: Vec<String>,
    /// Allow this origin to use the bucket from a browser, e.g. the Skiff web app (repeatable).
    #[arg(long, value_name = "URL")]
    pub cors_origin: Vec<String>,
    /// Create this folder (repeatable), e.g. wikipedia/v1/train/.
    #[arg(long, value_name = "PREFIX")]
    pub folder: Vec<String>,
    /// Print the equivalent AWS CLI commands instead of running anything.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// A local folder or s3://bucket/prefix/.
    pub source: String,
    /// A local folder or s3://bucket/prefix/ (both S3: copied on the server).
    pub destination: String,
    /// Delete what exists only at the destination (asks first, as `skiff rm` does).
    #[arg(long)]
    pub delete: bool,
    /// Print what would be done, `(dryrun) upload: …`, and do nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Files of one size are compared by CRC (the server's stored checksum; nothing is
    /// downloaded) rather than by modification time.
    #[arg(long)]
    pub checksum: bool,
    /// Leave out paths matching GLOB (`*` any characters including `/`, `?` one); with
    /// --include, the last filter that matches decides (repeatable).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Take part again after an --exclude (repeatable).
    #[arg(long, value_name = "GLOB")]
    pub include: Vec<String>,
    /// Do not ask before deleting. Without a terminal, --delete deletes nothing without it.
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Files or objects in flight at once (default: found by measuring throughput, up to 256).
    #[arg(long, value_name = "N")]
    pub concurrency: Option<usize>,
    /// Part size of multipart transfers, in MiB.
    #[arg(long, default_value_t = 16, value_name = "MIB")]
    pub part_size: u64,
    /// The --exclude and --include filters in the order given (set by [`Cli::parse_ordered`]).
    #[arg(skip)]
    pub filters: Vec<crate::sync::Filter>,
}

#[derive(Debug, Args)]
pub struct DuArgs {
    /// s3://bucket[/prefix]
    pub url: String,
    /// Folder levels below the prefix that get a line each.
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub depth: usize,
    /// A line per storage class under each folder.
    #[arg(long)]
    pub by_class: bool,
    /// Count noncurrent versions and delete markers too (where the endpoint lists versions).
    #[arg(long)]
    pub versions: bool,
    /// Also list the N largest objects.
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub largest: usize,
    /// One JSON object: {"bucket", "prefix", "depth", "folders": [{"prefix", "objects",
    /// "bytes", "by_class": {CLASS: {"objects", "bytes"}}, "noncurrent": {"objects", "bytes"},
    /// "delete_markers", "incomplete_uploads": {"uploads", "bytes"}, "stored_bytes",
    /// "usd_per_month"}], "total": {same}, "largest": [{"key", "bytes", "storage_class"}],
    /// "versions_listed", "uploads_listed", "complete", "requests", "scan_usd", "prices"}.
    #[arg(long)]
    pub json: bool,
}

impl Cli {
    /// As `Cli::parse`, keeping the order of `sync`'s --exclude and --include filters, which
    /// decides what they select.
    pub fn parse_ordered() -> Self {
        Self::try_parse_ordered_from(std::env::args_os()).unwrap_or_else(|e| e.exit())
    }

    pub fn try_parse_ordered_from<I, T>(args: I) -> Result<Self, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        use clap::{CommandFactory, FromArgMatches};
        let matches = Self::command().try_get_matches_from(args)?;
        let mut cli = Self::from_arg_matches(&matches)?;
        if let (Some(Command::Sync(sync)), Some(("sync", sub))) =
            (&mut cli.command, matches.subcommand())
        {
            sync.filters = ordered_filters(sub);
        }
        Ok(cli)
    }
}

fn ordered_filters(matches: &clap::ArgMatches) -> Vec<crate::sync::Filter> {
    use crate::sync::Filter;
    let mut found: Vec<(usize, Filter)> = Vec::new();
    for (id, make) in [
        ("exclude", Filter::Exclude as fn(String) -> Filter),
        ("include", Filter::Include),
    ] {
        let values = matches.get_many::<String>(id).into_iter().flatten();
        let places = matches.indices_of(id).into_iter().flatten();
        found.extend(places.zip(values).map(|(i, v)| (i, make(v.clone()))));
    }
    found.sort_by_key(|(i, _)| *i);
    found.into_iter().map(|(_, f)| f).collect()
}

impl MbArgs {
    /// The spec these flags describe, or what is wrong with them.
    pub fn spec(&self, region: &str) -> anyhow::Result<BucketSpec> {
        use crate::s3::bucket_setup::{Encryption, PublicAccessBlock, TransitionRule};
        let (name, rest) = parse_s3_url(&self.url)?;
        if !rest.is_empty() {
            bail!("{}: name only the bucket, as s3://NAME", self.url);
        }
        if let Err(rule) = crate::s3::naming::validate_bucket_name(&name) {
            bail!("{name} is not a valid bucket name. {rule}");
        }
        let mut spec = BucketSpec::new(&name, region);
        spec.versioning = self.versioning;
        spec.encryption = match self.encryption.as_str() {
            "sse-s3" => Encryption::SseS3,
            "none" => Encryption::None,
            other => match other.strip_prefix("sse-kms:") {
                Some(key) if !key.is_empty() => Encryption::SseKms {
                    key_id: key.to_owned(),
                },
                _ => bail!("--encryption takes sse-s3, sse-kms:KEY_ID or none, not {other}"),
            },
        };
        if self.no_block_public_access {
            spec.public_access_block = PublicAccessBlock::ALL_OFF;
        }
        if let Some(parts) = &self.public_access_block {
            let mut p = PublicAccessBlock::ALL_OFF;
            for part in parts.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                match part {
                    "block-public-acls" => p.block_public_acls = true,
                    "ignore-public-acls" => p.ignore_public_acls = true,
                    "block-public-policy" => p.block_public_policy = true,
                    "restrict-public-buckets" => p.restrict_public_buckets = true,
                    other => bail!(
                        "--public-access-block takes block-public-acls, ignore-public-acls, \
                         block-public-policy and restrict-public-buckets, not {other}"
                    ),
                }
            }
            spec.public_access_block = p;
        }
        spec.ownership = crate::s3::bucket_setup::Ownership::ALL
            .into_iter()
            .find(|o| o.as_str().eq_ignore_ascii_case(&self.ownership))
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "--ownership takes BucketOwnerEnforced, BucketOwnerPreferred or \
                     ObjectWriter, not {}",
                    self.ownership
                )
            })?;
        spec.object_lock = self.object_lock;
        spec.lifecycle.abort_incomplete_uploads_days =
            (self.lifecycle_abort_days > 0).then_some(self.lifecycle_abort_days);
        spec.lifecycle.noncurrent_expiration_days = self.noncurrent_expire_days;
        for t in &self.transition {
            spec.lifecycle
                .transitions
                .push(TransitionRule::parse(t).map_err(anyhow::Error::msg)?);
        }
        for tag in &self.tag {
            let Some((k, v)) = tag.split_once('=') else {
                bail!("--tag {tag}: write it as KEY=VALUE");
            };
            spec.tags.push((k.to_owned(), v.to_owned()));
        }
        spec.cors_origins = self.cors_origin.clone();
        spec.folders = self.folder.clone();
        Ok(spec)
    }
}

#[derive(Debug, Args)]
pub struct CpArgs {
    /// A local file or folder, or s3://bucket/key
    pub source: String,
    /// s3://bucket/key-or-prefix/, or a local file or folder
    pub destination: String,
    /// Copy a folder, or every object under a prefix.
    #[arg(long, short = 'r')]
    pub recursive: bool,
    /// Part size in MiB for multipart transfers (raised where 10,000 parts would not do).
    #[arg(long, default_value_t = 8, value_name = "MIB")]
    pub part_size: u64,
    /// Files (and parts of one file) in flight at once (default: files found by measuring
    /// throughput, up to 256; 16 parts).
    #[arg(long, value_name = "N")]
    pub concurrency: Option<usize>,
    /// Storage class of uploaded objects, e.g. STANDARD_IA.
    #[arg(long, value_name = "CLASS")]
    pub storage_class: Option<String>,
    /// Content type of uploaded objects (default: guessed from the name).
    #[arg(long, value_name = "TYPE")]
    pub content_type: Option<String>,
    /// User metadata KEY=VALUE on uploaded objects (repeatable).
    #[arg(long, value_name = "KEY=VALUE")]
    pub metadata: Vec<String>,
    /// When the destination exists: overwrite, skip, or rename (keep both: `name (1).ext`).
    #[arg(long, default_value = "overwrite", value_name = "WHAT")]
    pub if_exists: String,
    /// One JSON object per line instead of text: {"source", "destination", "status"} for each
    /// transfer, status "done" (with "bytes"), "skipped" or "failed" (with "error"); then
    /// {"transfers", "failed", "bytes"}.
    #[arg(long)]
    pub json: bool,
    /// List what would be copied (or moved) and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Do not ask before replacing objects at the destination (only mv asks; cp replaces, as
    /// `aws s3 cp` does).
    #[arg(long, short = 'y')]
    pub yes: bool,
}

#[derive(Debug, Args)]
pub struct MvArgs {
    #[command(flatten)]
    pub cp: CpArgs,
}

/// Narrowing and reporting options shared by the cleanup commands.
#[derive(Debug, Clone, Default, Args)]
pub struct CleanupArgs {
    /// Print the inventory (what would go) and delete nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Do not ask for confirmation. Without a terminal, nothing is deleted unless this is given.
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Only what was last modified (uploads: started) more than N days ago.
    #[arg(long, value_name = "N")]
    pub older_than_days: Option<u32>,
    /// Write every entry and its outcome to FILE (.csv or .json).
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct RmArgs {
    /// s3://bucket/key, or with --recursive s3://bucket/prefix (matched exactly as written:
    /// `data` also matches `data-old/...`; write `data/` for the folder).
    pub url: String,
    /// Everything whose key starts with the prefix.
    #[arg(long, short = 'r')]
    pub recursive: bool,
    /// On a versioned bucket, delete every version and delete marker for good. Without it, each
    /// object only gets a delete marker (its versions stay, and stay billed).
    #[arg(long)]
    pub versions: bool,
    /// Only objects of this storage class, e.g. STANDARD_IA.
    #[arg(long, value_name = "CLASS")]
    pub storage_class: Option<String>,
    /// Only keys matching GLOB (`*` any characters including `/`, `?` one), e.g. '*.tmp'.
    #[arg(long, value_name = "GLOB")]
    pub include: Option<String>,
    #[command(flatten)]
    pub common: CleanupArgs,
}

#[derive(Debug, Args)]
pub struct RbArgs {
    /// s3://bucket
    pub url: String,
    /// Empty the bucket first: every object, version, delete marker and incomplete upload.
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub common: CleanupArgs,
}

#[derive(Debug, Args)]
pub struct UploadsArgs {
    /// s3://bucket[/prefix]
    pub url: String,
    /// Abort the uploads listed (all, or those older than --older-than-days).
    #[arg(long)]
    pub abort: bool,
    /// Add the lifecycle rule that aborts incomplete uploads N days after they start.
    #[arg(long, value_name = "N")]
    pub add_lifecycle_rule: Option<u32>,
    /// List as JSON, one object per line: {"bucket", "key", "upload_id", "initiated", "parts",
    /// "bytes"} (parts and bytes null where the server does not say). Lists only: a --report
    /// FILE.json keeps an abort's outcome.
    #[arg(long, conflicts_with_all = ["abort", "add_lifecycle_rule"])]
    pub json: bool,
    #[command(flatten)]
    pub common: CleanupArgs,
}

#[derive(Debug, Args)]
pub struct DownloadsArgs {
    /// Only files downloaded from this bucket.
    #[arg(long, value_name = "NAME")]
    pub bucket: Option<String>,
    /// Delete the files as downloaded (files changed since are kept), and the folders this
    /// leaves empty.
    #[arg(long)]
    pub delete: bool,
    /// List as JSON, one object per line: {"path", "bucket", "key", "size_bytes",
    /// "downloaded", "state"} with state "as_downloaded", "changed" or "missing"; then
    /// {"folder"} for each folder Skiff made that deletes would leave empty. Lists only.
    #[arg(long, conflicts_with = "delete")]
    pub json: bool,
    #[command(flatten)]
    pub common: CleanupArgs,
}

#[cfg(test)]
mod filter_order_tests {
    use super::*;
    use crate::sync::Filter;

    #[test]
    fn sync_keeps_the_order_its_filters_were_given_in() {
        let cli = Cli::try_parse_ordered_from([
            "skiff",
            "sync",
            "dir",
            "s3://b/p",
            "--include",
            "*.bin",
            "--exclude",
            "*",
            "--include",
            "keep/*",
        ])
        .unwrap();
        let Some(Command::Sync(sync)) = cli.command else {
            panic!("not a sync: {:?}", cli.command)
        };
        assert_eq!(
            sync.filters,
            [
                Filter::Include("*.bin".into()),
                Filter::Exclude("*".into()),
                Filter::Include("keep/*".into())
            ]
        );
    }
}
