//! Incomplete multipart uploads: the lifecycle rule that aborts them without anyone's help.
//! Listing and aborting them go through the inventory and the cleanup run.

use aws_sdk_s3::types::{
    AbortIncompleteMultipartUpload, BucketLifecycleConfiguration, ExpirationStatus, LifecycleRule,
    LifecycleRuleFilter,
};

use crate::s3::Connection;
use crate::s3::error::S3Error;

/// The rule id the bucket wizard and settings use too, so all three see one rule.
pub const ABORT_RULE_ID: &str = "abort-incomplete-multipart-uploads";

/// Adds (or changes) the rule that aborts uploads `days` after they start, keeping every other
/// lifecycle rule of the bucket as it is.
pub async fn add_abort_rule(
    connection: &Connection,
    bucket: &str,
    days: u32,
) -> Result<(), S3Error> {
    let target = connection.target().bucket(bucket);
    let existing = match connection
        .client
        .get_bucket_lifecycle_configuration()
        .bucket(bucket)
        .send()
        .await
    {
        Ok(output) => output.rules.unwrap_or_default(),
        Err(e) => match connection.error(e, &target) {
            S3Error::Service { code, .. } if code == "NoSuchLifecycleConfiguration" => Vec::new(),
            S3Error::NotFound { .. } => Vec::new(),
            other => return Err(other),
        },
    };
    let mut rules: Vec<LifecycleRule> = existing
        .into_iter()
        .filter(|r| r.id() != Some(ABORT_RULE_ID))
        .collect();
    let built = LifecycleRule::builder()
        .id(ABORT_RULE_ID)
        .status(ExpirationStatus::Enabled)
        .filter(LifecycleRuleFilter::builder().prefix("").build())
        .abort_incomplete_multipart_upload(
            AbortIncompleteMultipartUpload::builder()
                .days_after_initiation(days.max(1) as i32)
                .build(),
        )
        .build()
        .and_then(|rule| {
            rules.push(rule);
            BucketLifecycleConfiguration::builder()
                .set_rules(Some(rules))
                .build()
        })
        .map_err(|e| S3Error::Other {
            what: target.describe(),
            detail: format!("the lifecycle rule is incomplete ({e})"),
        })?;
    connection
        .client
        .put_bucket_lifecycle_configuration()
        .bucket(bucket)
        .lifecycle_configuration(built)
        .send()
        .await
        .map_err(|e| connection.error(e, &target))?;
    Ok(())
}
