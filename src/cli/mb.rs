//! `skiff mb`: a bucket set up as the bucket wizard sets it up, from the same spec.

use anyhow::bail;

use super::{ConnectionArgs, MbArgs, connect};
use crate::runtime::no_notify;
use crate::s3::S3Error;
use crate::s3::bucket_setup::{SetupEvent, SetupReport, SetupStep, StepOutcome, start_setup};

pub async fn mb(args: &ConnectionArgs, mb: &MbArgs) -> anyhow::Result<()> {
    if mb.dry_run {
        // No connection needed: the region comes from the flags or the AWS configuration.
        let (connection, _sandbox) = connect(args).await?;
        let spec = mb.spec(&connection.region)?;
        let endpoint = connection
            .single_region
            .then_some(connection.endpoint.as_str());
        for command in spec.aws_cli_commands(endpoint) {
            say!("{command}");
        }
        return Ok(());
    }
    let (connection, _sandbox) = connect(args).await?;
    let spec = mb.spec(&connection.region)?;
    // S3 in us-east-1 answers a second create of one's own bucket with 200, as if it were new:
    // asked first, so that the output says what happened.
    let existed = crate::s3::buckets::head_bucket(&connection, &spec.name)
        .await
        .is_ok();
    if existed {
        say!(
            "s3://{} exists and is yours: applying the settings to it",
            spec.name
        );
    } else {
        say!("Creating s3://{} in {}", spec.name, spec.region);
    }
    let mut report = SetupReport::new(&spec.steps());
    let mut job = start_setup(&connection, &spec, spec.steps(), no_notify());
    while let Some(event) = job.next().await {
        if let SetupEvent::Applied(step, outcome) = &event {
            print_outcome(*step, outcome, existed);
        }
        report.take(event);
    }
    if let Some(e) = report.create_failure() {
        bail!("s3://{} was not created: {}", spec.name, e.with_hint());
    }
    let failed = report.failures();
    if failed > 0 {
        bail!(
            "s3://{} was created, but {failed} setting(s) failed; run `skiff mb` again with the \
             same flags after fixing the cause (an existing bucket of yours is kept)",
            spec.name
        );
    }
    Ok(())
}

fn print_outcome(step: SetupStep, outcome: &StepOutcome, existed: bool) {
    match outcome {
        StepOutcome::Applied if existed && step == SetupStep::Create => {
            say!("  exists   {}: it was there already", step.label())
        }
        StepOutcome::Applied => say!("  ok       {}", step.label()),
        StepOutcome::Unsupported => {
            say!(
                "  skipped  {}: this endpoint does not support it",
                step.label()
            )
        }
        StepOutcome::Failed(S3Error::BucketAlreadyYours { .. }) if step == SetupStep::Create => {
            say!(
                "  exists   {}: it is already yours; applying the settings",
                step.label()
            )
        }
        StepOutcome::Failed(e) => say!("  FAILED   {}: {}", step.label(), e.with_hint()),
    }
}
