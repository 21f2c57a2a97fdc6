//! `skiff serve`: the sandbox (and the web app) on this machine until Ctrl-C.

use std::io::Write;

use crate::sandbox::{RunningSandbox, SandboxOptions};

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
