//! `skiff mb`: a bucket set up as the bucket wizard sets it up, from the same spec.

use anyhow::bail;

use super::{ConnectionArgs, MbArgs, connect};
use crate::s3::S3Error;

pub async fn mb(args: &ConnectionArgs, mb: &MbArgs) -> anyhow::Result<()> {
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
