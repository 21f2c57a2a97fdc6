//! The companion command line: the same engine as the GUI, for scripts and terminals.

mod cleanup;

use std::io::{BufWriter, Write};
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};

use crate::format::utc_datetime;
use crate::s3::bucket_setup::BucketSpec;
use crate::s3::listing::{ListEvent, ListRequest, Listing};
use crate::s3::{Connection, S3Error, buckets, client};
use crate::sandbox::{self, RunningSandbox, Sandbox, SandboxOptions};

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
    /// Make a bucket, set up as the bucket wizard would (see `skiff mb --help`).
    Mb(MbArgs),
    /// Copy files to S3 or objects to local files: multipart and parallel above 16 MiB.
    Cp(CpArgs),
    /// Check that a local file holds the same bytes as an object, without downloading it.
    Verify {
        /// The local file.
        local: PathBuf,
        /// s3://bucket/key
        url: String,
    },
    /// Delete an object, or with --recursive everything under a prefix (dry run and typed
    /// confirmation first).
    Rm(cleanup::RmArgs),
    /// Delete a bucket; --force empties it first (versions and incomplete uploads included).
    Rb(cleanup::RbArgs),
    /// List incomplete multipart uploads, abort them, or add the rule that aborts them.
    Uploads(cleanup::UploadsArgs),
    /// List the local files Skiff downloaded, or delete them with --delete.
    Downloads(cleanup::DownloadsArgs),
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
    #[arg(long)]
    pub no_block_public_access: bool,
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
    /// Files (and parts of one file) in flight at once.
    #[arg(long, default_value_t = 16, value_name = "N")]
    pub concurrency: usize,
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
}

/// `s3://bucket/some/prefix` → (`bucket`, `some/prefix`).
pub fn parse_s3_url(url: &str) -> anyhow::Result<(String, String)> {
    let Some(rest) = url.strip_prefix("s3://") else {
        bail!("{url} is not an S3 URL: write it as s3://bucket/prefix");
    };
    let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
    if bucket.is_empty() {
        bail!("{url} names no bucket: write it as s3://bucket/prefix");
    }
    Ok((bucket.to_owned(), key.to_owned()))
}

/// A connection for the command line, and the sandbox it may have started (kept alive with it).
pub async fn connect(args: &ConnectionArgs) -> anyhow::Result<(Connection, Option<Sandbox>)> {
    if args.sandbox {
        let sandbox =
            Sandbox::start_or_attach(SandboxOptions::new(sandbox::default_data_dir())).await?;
        let connection = client::static_connection("Local sandbox", sandbox.endpoint(), true);
        return Ok((connection, Some(sandbox)));
    }
    let connection = client::aws_chain_connection(
        args.profile.as_deref(),
        args.endpoint_url.as_deref(),
        args.region.as_deref(),
    )
    .await;
    Ok((connection, None))
}

pub async fn run(command: Command, args: ConnectionArgs) -> anyhow::Result<()> {
    match command {
        Command::Serve {
            port,
            data,
            web,
            web_dir,
            web_port,
            cors_origin,
        } => {
            let mut options = SandboxOptions::new(data.unwrap_or_else(sandbox::default_data_dir));
            options.port = port;
            options.cors_origins = cors_origin;
            options.web_app = web.then_some(sandbox::WebAppOptions {
                root: web_dir,
                port: web_port,
            });
            serve(options).await
        }
        Command::Mb(mb_args) => mb(&args, &mb_args).await,
        Command::Cp(cp_args) => cp(&args, &cp_args).await,
        Command::Rm(rm_args) => cleanup::rm(&args, &rm_args).await,
        Command::Rb(rb_args) => cleanup::rb(&args, &rb_args).await,
        Command::Uploads(up_args) => cleanup::uploads(&args, &up_args).await,
        Command::Downloads(down_args) => cleanup::downloads(&down_args),
        Command::Verify { local, url } => {
            use crate::transfer::{Verdict, verify_file};
            let (bucket, key) = parse_s3_url(&url)?;
            let (connection, _sandbox) = connect(&args).await?;
            match verify_file(&connection, &local, &bucket, &key).await {
                Ok(Verdict::Identical { checksum }) => {
                    println!(
                        "identical: {} and {url} have the same size and {checksum}",
                        local.display()
                    );
                    Ok(())
                }
                Ok(Verdict::SizeOnly { why }) => {
                    println!(
                        "same size: {} and {url} have the same size; {why}, so the bytes were not compared",
                        local.display()
                    );
                    Ok(())
                }
                Ok(Verdict::Different { reason }) => {
                    bail!("different: {} and {url}: {reason}", local.display())
                }
                Err(e) => bail!("{e} {}", e.hint()),
            }
        }
        Command::Ls {
            url,
            recursive,
            human_readable,
            summarize,
        } => {
            let (connection, _sandbox) = connect(&args).await?;
            let out = std::io::stdout().lock();
            let result = match url {
                None => ls_buckets(&connection, out).await,
                Some(url) => {
                    let (bucket, prefix) = parse_s3_url(&url)?;
                    let options = LsOptions {
                        recursive,
                        human_readable,
                        summarize,
                    };
                    ls_objects(&connection, &bucket, &prefix, options, out).await
                }
            };
            match result {
                Err(LsError::Io(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                Err(LsError::Io(e)) => Err(e).context("writing the listing"),
                Err(LsError::S3(e)) => bail!(e.with_hint()),
                Ok(()) => Ok(()),
            }
        }
    }
}

async fn mb(args: &ConnectionArgs, mb: &MbArgs) -> anyhow::Result<()> {
    use crate::s3::bucket_setup::{StepOutcome, apply_step};
    if mb.dry_run {
        // No connection needed: the region comes from the flags or the AWS configuration.
        let (connection, _sandbox) = connect(args).await?;
        let spec = mb.spec(&connection.region)?;
        let endpoint = connection
            .single_region
            .then_some(connection.endpoint.as_str());
        for command in spec.aws_cli_commands(endpoint) {
            println!("{command}");
        }
        return Ok(());
    }
    let (connection, _sandbox) = connect(args).await?;
    let spec = mb.spec(&connection.region)?;
    println!("Creating s3://{} in {}", spec.name, spec.region);
    let mut failed = 0;
    for step in spec.steps() {
        match apply_step(&connection, &spec, step).await {
            StepOutcome::Applied => println!("  ok       {}", step.label()),
            StepOutcome::Unsupported => {
                println!(
                    "  skipped  {}: this endpoint does not support it",
                    step.label()
                )
            }
            StepOutcome::Failed(S3Error::BucketAlreadyYours { .. })
                if step == crate::s3::bucket_setup::SetupStep::Create =>
            {
                println!(
                    "  exists   {}: it is already yours; applying the settings",
                    step.label()
                )
            }
            StepOutcome::Failed(e) => {
                failed += 1;
                println!("  FAILED   {}: {}", step.label(), e.with_hint());
                if step == crate::s3::bucket_setup::SetupStep::Create {
                    bail!("s3://{} was not created: {}", spec.name, e.with_hint());
                }
            }
        }
    }
    if failed > 0 {
        bail!(
            "s3://{} was created, but {failed} setting(s) failed; run `skiff mb` again with the              same flags after fixing the cause (an existing bucket of yours is kept)",
            spec.name
        );
    }
    Ok(())
}

async fn cp(args: &ConnectionArgs, cp: &CpArgs) -> anyhow::Result<()> {
    use crate::transfer::{
        Progress, Scheduler, TransferOptions, download_object, download_prefix, upload_dir,
        upload_file,
    };
    use std::path::Path;
    let options = TransferOptions {
        part_size_bytes: cp.part_size.max(1) * crate::transfer::plan::MIB,
        concurrency: cp.concurrency.max(1),
        storage_class: cp.storage_class.clone(),
        content_type: cp.content_type.clone(),
        metadata: cp
            .metadata
            .iter()
            .map(|pair| match pair.split_once('=') {
                Some((k, v)) => Ok((k.to_owned(), v.to_owned())),
                None => Err(anyhow::anyhow!("--metadata {pair}: write it as KEY=VALUE")),
            })
            .collect::<anyhow::Result<_>>()?,
        if_exists: crate::transfer::IfExists::parse(&cp.if_exists).ok_or_else(|| {
            anyhow::anyhow!(
                "--if-exists takes overwrite, skip or rename, not {}",
                cp.if_exists
            )
        })?,
        record_downloads: true,
        ..TransferOptions::default()
    };
    // 48 MiB of part buffers keeps a 1 GiB transfer well under 150 MB of memory.
    let scheduler = Scheduler::new(options.concurrency * 4, 48 * crate::transfer::plan::MIB);
    let progress = std::sync::Arc::new(Progress::default());
    let (connection, _sandbox) = connect(args).await?;
    let ticker = ProgressLine::transfer(progress.clone());
    let results = match (
        cp.source.starts_with("s3://"),
        cp.destination.starts_with("s3://"),
    ) {
        (false, true) => {
            let (bucket, key) = parse_s3_url(&cp.destination)?;
            let source = Path::new(&cp.source);
            if source.is_dir() {
                if !cp.recursive {
                    bail!(
                        "{} is a folder: add --recursive to copy everything in it",
                        cp.source
                    );
                }
                let prefix = if key.is_empty() || key.ends_with('/') {
                    key
                } else {
                    format!("{key}/")
                };
                upload_dir(
                    &connection,
                    &scheduler,
                    source,
                    &bucket,
                    &prefix,
                    &options,
                    &progress,
                )
                .await?
            } else {
                let name = source
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let key = if key.is_empty() || key.ends_with('/') {
                    format!("{key}{name}")
                } else {
                    key
                };
                let size = std::fs::metadata(source).map(|m| m.len()).unwrap_or(0);
                progress
                    .bytes_total
                    .fetch_add(size, std::sync::atomic::Ordering::Relaxed);
                let Some(key) = crate::transfer::upload_destination(
                    &connection,
                    &bucket,
                    &key,
                    options.if_exists,
                )
                .await?
                else {
                    eprintln!("skipped: s3://{bucket}/{key} exists");
                    return Ok(());
                };
                let result = upload_file(
                    &connection,
                    &scheduler,
                    source,
                    &bucket,
                    &key,
                    &options,
                    &progress,
                )
                .await
                .map(|()| size);
                let resumed = progress
                    .parts_resumed
                    .load(std::sync::atomic::Ordering::Relaxed);
                if resumed > 0 {
                    eprintln!(
                        "resumed s3://{bucket}/{key}: {resumed} of {} parts were already uploaded",
                        progress
                            .parts_total
                            .load(std::sync::atomic::Ordering::Relaxed)
                    );
                }
                vec![crate::transfer::ItemResult {
                    source: cp.source.clone(),
                    destination: format!("s3://{bucket}/{key}"),
                    result,
                }]
            }
        }
        (true, false) => {
            let (bucket, key) = parse_s3_url(&cp.source)?;
            let destination = Path::new(&cp.destination);
            if cp.recursive {
                download_prefix(
                    &connection,
                    &scheduler,
                    &bucket,
                    &key,
                    destination,
                    &options,
                    &progress,
                )
                .await?
            } else {
                let name = key.rsplit('/').next().unwrap_or_default();
                let dest = if destination.is_dir() || cp.destination.ends_with('/') {
                    destination.join(name)
                } else {
                    destination.to_path_buf()
                };
                let Some(dest) = crate::transfer::download_destination(&dest, options.if_exists)
                else {
                    eprintln!("skipped: {} exists", dest.display());
                    return Ok(());
                };
                let result = download_object(
                    &connection,
                    &scheduler,
                    &bucket,
                    &key,
                    &dest,
                    &options,
                    &progress,
                )
                .await;
                let resumed = progress
                    .parts_resumed
                    .load(std::sync::atomic::Ordering::Relaxed);
                if resumed > 0 {
                    eprintln!(
                        "resumed download of s3://{bucket}/{key}: {resumed} of {} parts were already here",
                        progress
                            .parts_total
                            .load(std::sync::atomic::Ordering::Relaxed)
                    );
                }
                vec![crate::transfer::ItemResult {
                    source: cp.source.clone(),
                    destination: dest.display().to_string(),
                    result,
                }]
            }
        }
        (true, true) => {
            bail!("copying between buckets is not supported yet: download, then upload")
        }
        (false, false) => bail!("one side must be an s3:// URL"),
    };
    ticker.finish().await;
    let failed: Vec<_> = results.iter().filter(|r| r.result.is_err()).collect();
    for f in &failed {
        if let Err(e) = &f.result {
            eprintln!("failed: {}: {e} {}", f.source, e.hint());
        }
    }
    if !failed.is_empty() {
        bail!("{} of {} transfers failed", failed.len(), results.len());
    }
    Ok(())
}

/// A one-line progress display on a terminal's stderr; nothing when stderr is not a terminal.
struct ProgressLine {
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl ProgressLine {
    /// Redraws the line `status` gives, with the seconds since the start, five times a second.
    fn start(status: impl Fn(f64) -> String + Send + 'static) -> Self {
        use std::io::IsTerminal;
        if !std::io::stderr().is_terminal() {
            return Self {
                stop: None,
                task: None,
            };
        }
        let (stop, mut stopped) = tokio::sync::oneshot::channel();
        let task = tokio::spawn(async move {
            let started = std::time::Instant::now();
            loop {
                eprint!(
                    "\r{}   ",
                    status(started.elapsed().as_secs_f64().max(0.001))
                );
                tokio::select! {
                    _ = &mut stopped => break,
                    () = tokio::time::sleep(std::time::Duration::from_millis(200)) => {}
                }
            }
            eprintln!();
        });
        Self {
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// Bytes moved of the total, rate and time left.
    fn transfer(progress: std::sync::Arc<crate::transfer::Progress>) -> Self {
        use std::sync::atomic::Ordering::Relaxed;
        Self::start(move |secs| {
            let done = progress.bytes_done.load(Relaxed);
            let total = progress.bytes_total.load(Relaxed);
            let rate = done as f64 / secs;
            format!(
                "{} of {} at {}{}",
                crate::format::human_bytes(done),
                crate::format::human_bytes(total),
                crate::format::rate(rate),
                eta_text(done, total, rate)
            )
        })
    }

    async fn finish(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

/// `, 12 s left` when the rate says, or nothing.
fn eta_text(done: u64, total: u64, rate_per_sec: f64) -> String {
    if rate_per_sec > 0.0 && total > done {
        format!(
            ", {}",
            crate::format::time_left((total - done) as f64 / rate_per_sec)
        )
    } else {
        String::new()
    }
}

async fn serve(options: SandboxOptions) -> anyhow::Result<()> {
    if let Some(web) = &options.web_app
        && !web.root.join("index.html").is_file()
    {
        anyhow::bail!(
            "There is no built web app in {}: run web/build.sh first, or pass --web-dir.",
            web.root.display()
        );
    }
    let dir = options.data_dir.clone();
    let sandbox = RunningSandbox::start(options).await?;
    let e = &sandbox.endpoint;
    // A closed stdout (a caller that read the endpoint and hung up) must not stop the server.
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "Skiff sandbox serving {dir}\n\
         \n  endpoint:   {endpoint}\n  region:     {region}\n  access key: {ak}\n  secret key: {sk}\n\
         \nFor the AWS CLI, s5cmd or boto3:\n\
         \n  export AWS_ENDPOINT_URL={endpoint} AWS_REGION={region} \\\n         AWS_ACCESS_KEY_ID={ak} AWS_SECRET_ACCESS_KEY={sk}\n\
         {web}\nPress Ctrl-C to stop.",
        web = sandbox
            .web_url
            .as_ref()
            .map(|url| format!("\nThe web app, connected to this sandbox:\n\n  open {url}\n"))
            .unwrap_or_default(),
        dir = dir.display(),
        endpoint = e.endpoint,
        region = e.region,
        ak = e.access_key_id,
        sk = e.secret_access_key,
    );
    let _ = out.flush();
    drop(out);
    wait_for_stop_signal().await?;
    drop(sandbox);
    Ok(())
}

/// Ctrl-C, or SIGTERM from a service manager or `kill`.
async fn wait_for_stop_signal() -> std::io::Result<()> {
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::select! {
            r = tokio::signal::ctrl_c() => r,
            _ = term.recv() => Ok(()),
        }
    }
    #[cfg(not(unix))]
    tokio::signal::ctrl_c().await
}

#[derive(Debug)]
enum LsError {
    S3(S3Error),
    Io(std::io::Error),
}

impl From<std::io::Error> for LsError {
    fn from(e: std::io::Error) -> Self {
        Self::Io(e)
    }
}

async fn ls_buckets(connection: &Connection, out: impl Write) -> Result<(), LsError> {
    let list = buckets::list_buckets(connection)
        .await
        .map_err(LsError::S3)?;
    let mut out = BufWriter::new(out);
    for b in list {
        let date = b
            .created_secs
            .map(utc_datetime)
            .unwrap_or_else(|| " ".repeat(19));
        writeln!(out, "{date} {}", b.name)?;
    }
    out.flush()?;
    Ok(())
}

#[derive(Debug, Clone, Copy, Default)]
struct LsOptions {
    recursive: bool,
    human_readable: bool,
    summarize: bool,
}

/// Prints like `aws s3 ls`: `PRE name/` lines, then `date time size key`, page by page as the
/// pages arrive. Dates are UTC.
async fn ls_objects(
    connection: &Connection,
    bucket: &str,
    prefix: &str,
    options: LsOptions,
    out: impl Write,
) -> Result<(), LsError> {
    let request = if options.recursive {
        ListRequest::recursive(bucket, prefix)
    } else {
        ListRequest::folder(bucket, prefix)
    };
    // Without --recursive, names print relative to the "directory" part of the prefix.
    let strip = if options.recursive {
        0
    } else {
        prefix.rfind('/').map_or(0, |i| i + 1)
    };
    let mut out = BufWriter::with_capacity(256 * 1024, out);
    let mut listing = Listing::start(connection, request, crate::runtime::no_notify());
    let (mut count, mut total_bytes) = (0u64, 0u64);
    let mut line = String::with_capacity(256);
    while let Some(event) = listing.next().await {
        match event {
            ListEvent::Page(page) => {
                for p in &page.prefixes {
                    writeln!(out, "{:>26} PRE {}", "", &p[strip.min(p.len())..])?;
                }
                for o in &page.objects {
                    line.clear();
                    line.push_str(&utc_datetime(o.last_modified_secs));
                    line.push(' ');
                    let size = if options.human_readable {
                        crate::format::human_bytes(o.size_bytes)
                    } else {
                        o.size_bytes.to_string()
                    };
                    line.push_str(&format!("{size:>10} "));
                    line.push_str(&o.key[strip.min(o.key.len())..]);
                    line.push('\n');
                    out.write_all(line.as_bytes())?;
                    count += 1;
                    total_bytes += o.size_bytes;
                }
            }
            ListEvent::Done => break,
            ListEvent::Failed { error, .. } => {
                out.flush()?;
                return Err(LsError::S3(error));
            }
        }
    }
    if options.summarize {
        writeln!(
            out,
            "\nTotal Objects: {count}\n   Total Size: {total_bytes}"
        )?;
    }
    out.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s3_urls() {
        assert_eq!(parse_s3_url("s3://b").unwrap(), ("b".into(), "".into()));
        assert_eq!(parse_s3_url("s3://b/").unwrap(), ("b".into(), "".into()));
        assert_eq!(
            parse_s3_url("s3://b/a b/c+d/").unwrap(),
            ("b".into(), "a b/c+d/".into())
        );
        assert_eq!(
            parse_s3_url("s3://b//lead").unwrap(),
            ("b".into(), "/lead".into())
        );
        assert!(parse_s3_url("b/c").is_err());
        assert!(parse_s3_url("s3:///c").is_err());
    }
}
