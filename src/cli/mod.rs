//! The companion command line: the same engine as the GUI, for scripts and terminals. A module
//! per subcommand; `args` holds what clap parses.

/// `println!` for text that may carry keys, bucket names or server messages: their control
/// characters and bidi overrides are escaped (`\x1b`), so that a key cannot set the terminal's
/// title or colours or forge a line; the message's own line breaks stay.
macro_rules! say {
    ($($arg:tt)*) => {
        println!("{}", $crate::format::escape_lines(&format!($($arg)*)))
    };
}

/// [`say!`] on standard error.
macro_rules! say_err {
    ($($arg:tt)*) => {
        eprintln!("{}", $crate::format::escape_lines(&format!($($arg)*)))
    };
}

mod args;
mod cleanup;
mod cp;
mod du;
mod inspect;
mod json;
mod ls;
mod mb;
mod moves;
mod progress;
mod serve;
mod sync;
mod verify;
mod versions;

use anyhow::bail;

use crate::s3::{Connection, client};
use crate::sandbox::{self, Sandbox, SandboxOptions};
pub use args::{Cli, Command, ConnectionArgs, CpArgs, DuArgs, MbArgs, MvArgs, SyncArgs};

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
            (options.port, options.cors_origins) = (port, cors_origin);
            options.web_app = web.then(|| sandbox::WebAppOptions::at(web_dir, web_port));
            serve::serve(options).await
        }
        Command::Sandbox {
            action: args::SandboxAction::Env { data },
        } => serve::sandbox_env(&data.unwrap_or_else(sandbox::default_data_dir)).await,
        Command::Completions { shell } => {
            let mut command = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut command, "skiff", &mut std::io::stdout());
            Ok(())
        }
        Command::Man => Ok(
            clap_mangen::Man::new(<Cli as clap::CommandFactory>::command())
                .render(&mut std::io::stdout())?,
        ),
        Command::Login => login(&args).await,
        Command::Revert {
            url,
            version_id,
            dry_run,
            ..
        } => versions::revert(&args, &url, &version_id, dry_run).await,
        Command::Undelete { url, dry_run, .. } => versions::undelete(&args, &url, dry_run).await,
        Command::Tag {
            url,
            tags,
            delete,
            dry_run,
            ..
        } => versions::tag(&args, &url, &tags, delete, dry_run).await,
        Command::Presign {
            url,
            expires,
            version_id,
        } => presign(&args, &url, &expires, version_id.as_deref()).await,
        Command::Mb(mb_args) => mb::mb(&args, &mb_args).await,
        Command::Cp(cp_args) => match (
            cp_args.source.starts_with("s3://"),
            cp_args.destination.starts_with("s3://"),
        ) {
            (true, true) => moves::cp_on_server(&args, &cp_args).await,
            (false, false) => anyhow::bail!("one side must be an s3:// URL"),
            // As `aws s3 cp --dryrun` says each one.
            (false, true) if cp_args.dry_run => {
                moves::dry_run_transfer(&args, &cp_args, "upload").await
            }
            (true, false) if cp_args.dry_run => {
                moves::dry_run_transfer(&args, &cp_args, "download").await
            }
            _ => cp::cp(&args, &cp_args).await,
        },
        Command::Mv(mv_args) => moves::mv(&args, &mv_args).await,
        Command::SetClass {
            url,
            class,
            recursive,
            dry_run,
            yes,
        } => moves::set_class(&args, &url, &class, recursive, (dry_run, yes)).await,
        Command::Restore {
            url,
            days,
            tier,
            dry_run,
            ..
        } => versions::restore(&args, &url, days, &tier, dry_run).await,
        Command::Sync(sync_args) => sync::sync(&args, &sync_args).await,
        Command::Du(du_args) => du::du(&args, &du_args).await,
        Command::Rm(rm_args) => cleanup::rm(&args, &rm_args).await,
        Command::Rb(rb_args) => cleanup::rb(&args, &rb_args).await,
        Command::Uploads(up_args) => cleanup::uploads(&args, &up_args).await,
        Command::Downloads(down_args) => cleanup::downloads(&down_args),
        Command::Inspect {
            url,
            rows,
            version_id,
            json,
        } => inspect::inspect(&args, &url, rows, version_id.as_deref(), json).await,
        Command::Cat {
            url,
            range,
            version_id,
        } => inspect::cat(&args, &url, range.as_deref(), version_id.as_deref()).await,
        Command::Verify { local, url, json } => verify::verify(&args, &local, &url, json).await,
        Command::Ls {
            url,
            recursive,
            human_readable,
            summarize,
            utc,
            json,
            versions,
        } => {
            let options = ls::LsOptions {
                recursive,
                human_readable,
                summarize,
                utc,
                json,
                versions,
            };
            ls::ls(&args, url.as_deref(), options).await
        }
    }
}

/// `skiff presign`: the link on stdout, when it stops working on stderr.
async fn presign(
    args: &ConnectionArgs,
    url: &str,
    expires: &str,
    version_id: Option<&str>,
) -> anyhow::Result<()> {
    let expires_secs =
        crate::s3::share::parse_expiry(expires).map_err(|e| anyhow::anyhow!("--expires {e}"))?;
    let (bucket, key) = parse_s3_url(url)?;
    if key.is_empty() || key.ends_with('/') {
        anyhow::bail!("{url}: name an object, as s3://bucket/key");
    }
    let (connection, _sandbox) = connect(args).await?;
    let link = crate::s3::share::share_link(&connection, &bucket, &key, version_id, expires_secs)
        .await
        .map_err(|e| anyhow::anyhow!(e.with_hint()))?;
    println!("{}", link.url);
    let until = crate::format::local_datetime(link.works_until_secs());
    if link.cut_short() {
        say_err!(
            "The link stops working at {until}, when the temporary credentials that signed it \
             expire, not at {}. Sign it with lasting credentials for a longer life.",
            crate::format::local_datetime(link.expires_at_secs)
        );
    } else {
        say_err!("The link works until {until}.");
    }
    Ok(())
}

/// `skiff login --profile NAME`: the device-authorization flow, on a terminal.
async fn login(args: &ConnectionArgs) -> anyhow::Result<()> {
    let Some(profile) = args.profile.as_deref() else {
        anyhow::bail!("name the SSO profile to sign in with: skiff login --profile NAME");
    };
    let Some(sso) = crate::s3::sso_login::sso_login_of(profile).await else {
        anyhow::bail!(
            "the profile {profile} has no SSO settings (sso_session, or sso_start_url and \
             sso_region) in the AWS config file"
        );
    };
    let pending = sso
        .start()
        .await
        .map_err(|e| anyhow::anyhow!(e.with_hint()))?;
    say!(
        "Open {} and check that the page shows the code {}.",
        pending.verification_url,
        pending.user_code
    );
    say_err!("Waiting for the approval…");
    let path = sso
        .finish(&pending)
        .await
        .map_err(|e| anyhow::anyhow!(e.with_hint()))?;
    say!(
        "Signed in as profile {profile}; the token is in {}, shared with the AWS CLI.",
        path.display()
    );
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
