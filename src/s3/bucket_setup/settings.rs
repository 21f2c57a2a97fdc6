//! A bucket's settings read back into a spec.

use aws_sdk_s3::types::{
    BucketVersioningStatus, LifecycleRule, ServerSideEncryption, ServerSideEncryptionConfiguration,
};

use super::probe::Capabilities;
use super::spec::{
    BucketSpec, Encryption, Lifecycle, Ownership, PublicAccessBlock, SetupStep, TransitionClass,
    TransitionRule,
};
use crate::s3::connection::Connection;
use crate::s3::error::S3Error;

/// The settings of a bucket that exists, read back into a spec (for the settings view and to
/// check what was applied). Sections the endpoint does not implement keep the spec's defaults
/// and are listed in `unsupported`.
pub async fn read_settings(
    connection: &Connection,
    bucket: &str,
) -> Result<(BucketSpec, Capabilities), S3Error> {
    let target = connection.target().bucket(bucket);
    let c = &connection.client;
    let mut spec = BucketSpec::new(bucket, &connection.region);
    spec.lifecycle = Lifecycle {
        abort_incomplete_uploads_days: None,
        ..Lifecycle::default()
    };
    spec.encryption = Encryption::None;
    let mut unsupported = Vec::new();
    let mut unreadable = Vec::new();
    // A setting that was never set answers with a "not found" code of its own: that is "off".
    let absent = |e: &S3Error| match e {
        S3Error::Service { code, .. } => {
            code.starts_with("NoSuch")
                || code.contains("NotFound")
                || code == "ServerSideEncryptionConfigurationNotFoundError"
        }
        _ => false,
    };
    macro_rules! read {
        ($step:expr, $request:expr) => {
            match $request
                .send()
                .await
                .map_err(|e| connection.error(e, &target))
            {
                Ok(out) => Some(out),
                Err(S3Error::Unsupported { .. }) => {
                    unsupported.push($step);
                    None
                }
                Err(e) if absent(&e) => None,
                // An answer the SDK cannot read (moto names GetBucketVersioning's root element
                // differently from S3): say the setting is unknown rather than fail the rest.
                Err(S3Error::UnreadableAnswer { .. }) => {
                    unreadable.push($step);
                    None
                }
                Err(e) => return Err(e),
            }
        };
    }
    if let Some(out) = read!(
        SetupStep::Versioning,
        c.get_bucket_versioning().bucket(bucket)
    ) {
        spec.versioning = out.status() == Some(&BucketVersioningStatus::Enabled);
    }
    if let Some(out) = read!(
        SetupStep::Encryption,
        c.get_bucket_encryption().bucket(bucket)
    ) {
        spec.encryption = encryption_of(out.server_side_encryption_configuration());
    }
    if let Some(out) = read!(
        SetupStep::PublicAccessBlock,
        c.get_public_access_block().bucket(bucket)
    ) {
        if let Some(p) = out.public_access_block_configuration() {
            spec.public_access_block = PublicAccessBlock {
                block_public_acls: p.block_public_acls().unwrap_or(false),
                ignore_public_acls: p.ignore_public_acls().unwrap_or(false),
                block_public_policy: p.block_public_policy().unwrap_or(false),
                restrict_public_buckets: p.restrict_public_buckets().unwrap_or(false),
            };
        }
    } else {
        spec.public_access_block = PublicAccessBlock::ALL_OFF;
    }
    if let Some(out) = read!(
        SetupStep::Ownership,
        c.get_bucket_ownership_controls().bucket(bucket)
    ) {
        let rule = out.ownership_controls().and_then(|o| o.rules().first());
        let value = rule.map(|r| r.object_ownership().as_str());
        if let Some(o) = Ownership::ALL
            .into_iter()
            .find(|o| Some(o.as_str()) == value)
        {
            spec.ownership = o;
        }
    }
    if let Some(out) = read!(
        SetupStep::Lifecycle,
        c.get_bucket_lifecycle_configuration().bucket(bucket)
    ) {
        for rule in out.rules() {
            read_lifecycle_rule(rule, &mut spec.lifecycle);
        }
    }
    if let Some(out) = read!(SetupStep::Tags, c.get_bucket_tagging().bucket(bucket)) {
        spec.tags = out
            .tag_set()
            .iter()
            .map(|t| (t.key().to_owned(), t.value().to_owned()))
            .collect();
    }
    if let Some(out) = read!(SetupStep::Cors, c.get_bucket_cors().bucket(bucket)) {
        spec.cors_origins = out
            .cors_rules()
            .iter()
            .flat_map(|r| r.allowed_origins().iter().cloned())
            .collect();
    }
    Ok((
        spec,
        Capabilities {
            unsupported,
            unreadable,
        },
    ))
}

fn encryption_of(config: Option<&ServerSideEncryptionConfiguration>) -> Encryption {
    let default = config
        .and_then(|c| c.rules().first())
        .and_then(|r| r.apply_server_side_encryption_by_default());
    match default {
        Some(d) if d.sse_algorithm() == &ServerSideEncryption::AwsKms => Encryption::SseKms {
            key_id: d.kms_master_key_id().unwrap_or_default().to_owned(),
        },
        Some(_) => Encryption::SseS3,
        None => Encryption::None,
    }
}

/// What one lifecycle rule sets, added to `lifecycle`.
fn read_lifecycle_rule(rule: &LifecycleRule, lifecycle: &mut Lifecycle) {
    let prefix = rule.filter().and_then(|f| f.prefix()).unwrap_or_default();
    if let Some(a) = rule.abort_incomplete_multipart_upload() {
        lifecycle.abort_incomplete_uploads_days = a.days_after_initiation().map(|d| d as u32);
    }
    if let Some(n) = rule.noncurrent_version_expiration() {
        lifecycle.noncurrent_expiration_days = n.noncurrent_days().map(|d| d as u32);
    }
    for t in rule.transitions() {
        let class = t
            .storage_class()
            .and_then(|c| TransitionClass::parse(c.as_str()));
        if let (Some(days), Some(class)) = (t.days(), class) {
            lifecycle.transitions.push(TransitionRule {
                prefix: prefix.to_owned(),
                days: days as u32,
                class,
            });
        }
    }
}
