//! Object Lock: whether a bucket has it, and what holds one version (legal hold, retention).

use aws_sdk_s3::types::{ObjectLockEnabled, ObjectLockLegalHoldStatus};

use super::connection::Connection;

/// Whether `bucket` has Object Lock enabled. No lock configuration, or a server without Object
/// Lock, means no.
pub async fn lock_enabled(connection: &Connection, bucket: &str) -> bool {
    let lock = connection
        .client
        .get_object_lock_configuration()
        .bucket(bucket)
        .send()
        .await;
    lock.is_ok_and(|output| {
        output
            .object_lock_configuration()
            .and_then(|c| c.object_lock_enabled())
            == Some(&ObjectLockEnabled::Enabled)
    })
}

/// Why S3 would refuse to delete this version at `now` (seconds since the epoch): a legal hold,
/// or a retention date still ahead; `None` if nothing holds it (or the server does not say).
pub async fn lock_reason(
    connection: &Connection,
    bucket: &str,
    key: &str,
    version_id: Option<String>,
    now: i64,
) -> Option<String> {
    let hold = connection
        .client
        .get_object_legal_hold()
        .bucket(bucket)
        .key(key)
        .set_version_id(version_id.clone())
        .send()
        .await;
    if let Ok(output) = hold
        && output.legal_hold().and_then(|h| h.status()) == Some(&ObjectLockLegalHoldStatus::On)
    {
        return Some("legal hold".into());
    }
    let retention = connection
        .client
        .get_object_retention()
        .bucket(bucket)
        .key(key)
        .set_version_id(version_id)
        .send()
        .await
        .ok()?;
    let until = retention.retention()?.retain_until_date()?.secs();
    (until > now).then(|| {
        format!(
            "retention until {}",
            &crate::format::utc_datetime(until)[..10]
        )
    })
}
