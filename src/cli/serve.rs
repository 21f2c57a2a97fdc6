//! `skiff serve`: the sandbox (and the web app) on this machine until Ctrl-C.

use std::io::Write;

use crate::s3::StaticEndpoint;
use crate::sandbox::{RunningSandbox, SandboxError, SandboxOptions, served_elsewhere};

pub async fn serve(options: SandboxOptions) -> anyhow::Result<()> {
    if let Some(web) = &options.web_app
        && !web.root.join("index.html").is_file()
    {
        anyhow::bail!(
            "There is no built web app in {}: run web/build.sh first, or pass --web-dir.",
            web.root.display()
        );
    }
    let dir = options.data_dir.clone();
    let web_asked = options.web_app.is_some();
    let sandbox = match RunningSandbox::start(options).await {
        Ok(sandbox) => sandbox,
        Err(SandboxError::AlreadyServed { .. }) => {
            // The sandbox the user wants is there already: say how to reach it.
            let Some(endpoint) = served_elsewhere(&dir).await? else {
                anyhow::bail!(
                    "The sandbox in {} stopped while Skiff looked at it; run `skiff serve` again.",
                    dir.display()
                );
            };
            let headline = format!(
                "The sandbox in {} is already served by another Skiff process.",
                dir.display()
            );
            print_reach(&headline, &endpoint, None);
            if web_asked {
                anyhow::bail!(
                    "The web app is not served: stop the other Skiff (the app or `skiff serve`) \
                     to serve the sandbox and the web app here."
                );
            }
            return Ok(());
        }
        Err(e) => return Err(e.into()),
    };
    let headline = format!("Skiff sandbox serving {}", dir.display());
    print_reach(&headline, &sandbox.endpoint, sandbox.web_url.as_deref());
    // As above: a caller that read the endpoint and hung up must not stop the server.
    let _ = writeln!(std::io::stdout(), "\nPress Ctrl-C to stop.");
    wait_for_stop_signal().await?;
    drop(sandbox);
    Ok(())
}

/// `skiff sandbox env`: the export line of the sandbox another Skiff serves, for `eval`.
pub async fn sandbox_env(dir: &std::path::Path) -> anyhow::Result<()> {
    match served_elsewhere(dir).await? {
        Some(endpoint) => {
            let _ = writeln!(std::io::stdout(), "{}", endpoint.aws_cli_env());
            Ok(())
        }
        None => anyhow::bail!(
            "No Skiff serves the sandbox in {}: start it with `skiff serve` (or open the app), \
             then run this again.",
            dir.display()
        ),
    }
}

/// Where the sandbox is and the line that points the AWS CLI, s5cmd or boto3 at it. A closed
/// stdout (a caller that read the endpoint and hung up) must not stop the server.
fn print_reach(headline: &str, e: &StaticEndpoint, web_url: Option<&str>) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "{headline}\n\
         \n  endpoint:   {endpoint}\n  region:     {region}\n  access key: {ak}\n  secret key: {sk}\n\
         \nFor the AWS CLI, s5cmd or boto3:\n\n  {env}\n{web}",
        web = web_url
            .map(|url| format!("\nThe web app, connected to this sandbox:\n\n  open {url}\n"))
            .unwrap_or_default(),
        endpoint = e.endpoint,
        region = e.region,
        ak = e.access_key_id,
        sk = e.secret_access_key,
        env = e.aws_cli_env(),
    );
    let _ = out.flush();
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
