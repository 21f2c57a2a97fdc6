//! What an endpoint offers before anything is created: whether a name is free, and which
//! settings it implements.

use super::apply::{StepOutcome, apply_step};
use super::spec::{BucketSpec, Lifecycle, SetupStep, TransitionClass, TransitionRule};
use crate::s3::connection::Connection;
use crate::s3::error::S3Error;

/// Whether a bucket name can be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Availability {
    Free,
    AlreadyYours,
    /// Someone else owns it (or it is yours in another region).
    Taken,
}

pub async fn check_availability(
    connection: &Connection,
    name: &str,
) -> Result<Availability, S3Error> {
    match crate::s3::buckets::head_bucket(connection, name).await {
        Ok(_) => Ok(Availability::AlreadyYours),
        Err(S3Error::NoSuchBucket { .. }) => Ok(Availability::Free),
        Err(S3Error::AccessDenied { .. } | S3Error::WrongRegion { .. }) => Ok(Availability::Taken),
        Err(e) => Err(e),
    }
}

/// Which settings an endpoint implements, found by asking: each setting is sent to a bucket that
/// does not exist, so a server that implements it answers NoSuchBucket and one that does not
/// answers NotImplemented. Nothing is created or changed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Capabilities {
    pub unsupported: Vec<SetupStep>,
    /// Settings the endpoint answered about in a form that could not be read.
    pub unreadable: Vec<SetupStep>,
}

impl Capabilities {
    pub fn supports(&self, step: SetupStep) -> bool {
        !self.unsupported.contains(&step)
    }
}

pub async fn probe_capabilities(connection: &Connection) -> Capabilities {
    let probe = format!("skiff-probe-{:x}", crate::runtime::now_millis());
    let spec = BucketSpec {
        versioning: true,
        lifecycle: Lifecycle {
            transitions: vec![TransitionRule {
                prefix: "probe/".into(),
                days: 30,
                class: TransitionClass::StandardIa,
            }],
            noncurrent_expiration_days: Some(30),
            abort_incomplete_uploads_days: Some(7),
        },
        tags: vec![("probe".into(), "skiff".into())],
        cors_origins: vec!["http://127.0.0.1".into()],
        ..BucketSpec::new(&probe, &connection.region)
    };
    let steps = [
        SetupStep::Versioning,
        SetupStep::Encryption,
        SetupStep::PublicAccessBlock,
        SetupStep::Ownership,
        SetupStep::Lifecycle,
        SetupStep::Tags,
        SetupStep::Cors,
    ];
    let outcomes = futures::future::join_all(
        steps
            .iter()
            .map(|&step| apply_step(connection, &spec, step)),
    )
    .await;
    let mut unsupported: Vec<SetupStep> = steps
        .into_iter()
        .zip(outcomes)
        .filter(|(_, o)| *o == StepOutcome::Unsupported)
        .map(|(s, _)| s)
        .collect();
    // Some self-hosted servers (Garage) look the bucket up before the action, so a missing
    // bucket proves nothing there: confirm on a scratch bucket, removed straight after.
    if connection.single_region
        && apply_step(connection, &spec, SetupStep::Create).await == StepOutcome::Applied
    {
        for step in steps {
            if !unsupported.contains(&step)
                && apply_step(connection, &spec, step).await == StepOutcome::Unsupported
            {
                unsupported.push(step);
            }
        }
        let _ = connection
            .client
            .delete_bucket()
            .bucket(&probe)
            .send()
            .await;
    }
    unsupported.sort_by_key(|s| steps.iter().position(|x| x == s));
    Capabilities {
        unsupported,
        unreadable: Vec::new(),
    }
}
