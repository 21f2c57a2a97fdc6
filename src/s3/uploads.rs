//! Incomplete multipart uploads: listing them and their parts, and the lifecycle rule that
//! aborts them without anyone's help. (Aborting one is [`super::object_io::ObjectRef`]'s.)

use aws_sdk_s3::types::{
    AbortIncompleteMultipartUpload, BucketLifecycleConfiguration, ExpirationStatus, LifecycleRule,
    LifecycleRuleFilter,
};

use super::connection::Connection;
use super::error::S3Error;
use super::key_encoding::Keys;
use super::paging::Pages;

/// The rule id the bucket wizard and settings use too, so all three see one rule.
pub const ABORT_RULE_ID: &str = "abort-incomplete-multipart-uploads";

/// An incomplete multipart upload, as ListMultipartUploads names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadEntry {
    pub key: String,
    pub upload_id: String,
    pub initiated_secs: i64,
}

/// Every incomplete upload under `prefix`, a page at a time to `on_page`, which may stop the
/// listing by returning an error.
pub async fn list_uploads(
    connection: &Connection,
    bucket: &str,
    prefix: &str,
    mut on_page: impl FnMut(Vec<UploadEntry>) -> Result<(), S3Error>,
) -> Result<(), S3Error> {
    let target = connection.target().bucket(bucket);
    let mut pages = Pages::new(target.clone().key(prefix).describe(), None);
    loop {
        let (key_marker, id_marker) = pages.marker().cloned().unzip();
        let output = connection
            .client
            .list_multipart_uploads()
            .bucket(bucket)
            .prefix(prefix)
            .set_key_marker(key_marker)
            .set_upload_id_marker(id_marker.flatten())
            .encoding_type(aws_sdk_s3::types::EncodingType::Url)
            .send()
            .await
            .map_err(|e| connection.error(e, &target))?;
        let keys = Keys::from_answer(output.encoding_type());
        let uploads = output.uploads().iter().filter_map(|u| {
            Some(UploadEntry {
                key: keys.key(u.key()?)?,
                upload_id: u.upload_id()?.to_owned(),
                initiated_secs: u.initiated().map_or(0, |t| t.secs()),
            })
        });
        on_page(uploads.collect())?;
        let next = output.next_key_marker().and_then(|key| {
            let id = output.next_upload_id_marker().map(str::to_owned);
            Some((keys.key(key)?, id))
        });
        if !pages.advance(output.is_truncated().unwrap_or(false), next)? {
            return Ok(());
        }
    }
}

/// Parts and bytes stored for one upload; `None` where the server's answer cannot be read.
pub async fn stored_parts(
    connection: &Connection,
    bucket: &str,
    upload: &UploadEntry,
) -> Option<(u64, u64)> {
    let what = connection
        .target()
        .bucket(bucket)
        .key(&upload.key)
        .describe();
    let mut pages = Pages::new(what, None);
    let (mut parts, mut bytes) = (0u64, 0u64);
    loop {
        let output = connection
            .client
            .list_parts()
            .bucket(bucket)
            .key(&upload.key)
            .upload_id(&upload.upload_id)
            .set_part_number_marker(pages.marker().cloned())
            .send()
            .await
            .inspect_err(|e| tracing::debug!("ListParts of {}: {e:?}", upload.key))
            .ok()?;
        for p in output.parts() {
            parts += 1;
            bytes += p.size().unwrap_or(0).max(0) as u64;
        }
        let next = output.next_part_number_marker().map(str::to_owned);
        if !pages
            .advance(output.is_truncated().unwrap_or(false), next)
            .ok()?
        {
            return Some((parts, bytes));
        }
    }
}

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
