//! Lifecycle rules: checked as S3 checks them when set, and applied (expiration, noncurrent
//! version expiration, expired delete markers, incomplete uploads aborted) when the sandbox
//! starts and every hour while it serves. Transitions are kept and returned, not applied.
//! Retention and legal holds on versions live here too: the rules that keep versions.

use s3s::dto::*;
use s3s::{S3Request, S3Response, S3Result, s3_error};

use super::deletes::delete_one;
use super::model::{Change, Lock};
use super::objects::{bucket, readable, versioned_id};
use super::settings::{load_config, no_content, remove_config, save_config};
use super::storage::{BucketState, Storage, now_ms};
use super::{time_ms, timestamp};

const DAY_MS: i64 = 86_400_000;

pub async fn get_bucket_lifecycle_configuration(
    storage: &Storage,
    req: S3Request<GetBucketLifecycleConfigurationInput>,
) -> S3Result<S3Response<GetBucketLifecycleConfigurationOutput>> {
    let mut buckets = storage.lock();
    let state = bucket(&mut buckets, &req.input.bucket)?;
    let config: BucketLifecycleConfiguration =
        load_config(state, "lifecycle").ok_or_else(|| {
            s3_error!(
                NoSuchLifecycleConfiguration,
                "The lifecycle configuration does not exist"
            )
        })?;
    Ok(S3Response::new(GetBucketLifecycleConfigurationOutput {
        rules: Some(config.rules),
        transition_default_minimum_object_size: None,
    }))
}

pub async fn put_bucket_lifecycle_configuration(
    storage: &Storage,
    req: S3Request<PutBucketLifecycleConfigurationInput>,
) -> S3Result<S3Response<PutBucketLifecycleConfigurationOutput>> {
    let input = req.input;
    let config = input
        .lifecycle_configuration
        .ok_or_else(|| s3_error!(MalformedXML, "The XML you provided was not well-formed"))?;
    validate(&config)?;
    let mut buckets = storage.lock();
    let state = bucket(&mut buckets, &input.bucket)?;
    save_config(state, "lifecycle", &config)?;
    Ok(S3Response::new(
        PutBucketLifecycleConfigurationOutput::default(),
    ))
}

pub async fn delete_bucket_lifecycle(
    storage: &Storage,
    req: S3Request<DeleteBucketLifecycleInput>,
) -> S3Result<S3Response<DeleteBucketLifecycleOutput>> {
    let mut buckets = storage.lock();
    let state = bucket(&mut buckets, &req.input.bucket)?;
    remove_config(state, "lifecycle");
    Ok(no_content(DeleteBucketLifecycleOutput::default()))
}

/// S3's checks: at most 1,000 rules with unique IDs of at most 255 characters, each with an
/// action; an expiration of exactly one kind; positive days; no tag filter beside an abort of
/// incomplete uploads; 30 days at least before an infrequent-access class.
pub fn validate(config: &BucketLifecycleConfiguration) -> S3Result<()> {
    let rules = &config.rules;
    if rules.is_empty() || rules.len() > 1000 {
        return Err(s3_error!(
            MalformedXML,
            "A lifecycle configuration holds 1 to 1,000 rules"
        ));
    }
    let mut ids = std::collections::HashSet::new();
    for rule in rules {
        if let Some(id) = &rule.id {
            if id.len() > 255 {
                return Err(s3_error!(
                    InvalidArgument,
                    "ID length should not exceed allowed limit of 255"
                ));
            }
            if !ids.insert(id.as_str()) {
                return Err(s3_error!(
                    InvalidArgument,
                    "Rule ID must be unique. Found same ID for more than one rule"
                ));
            }
        }
        if !["Enabled", "Disabled"].contains(&rule.status.as_str()) {
            return Err(s3_error!(
                MalformedXML,
                "The Status of a rule is Enabled or Disabled"
            ));
        }
        let has_action = rule.expiration.is_some()
            || rule.transitions.as_ref().is_some_and(|t| !t.is_empty())
            || rule.noncurrent_version_expiration.is_some()
            || rule
                .noncurrent_version_transitions
                .as_ref()
                .is_some_and(|t| !t.is_empty())
            || rule.abort_incomplete_multipart_upload.is_some();
        if !has_action {
            return Err(s3_error!(
                InvalidRequest,
                "At least one action needs to be specified in a rule"
            ));
        }
        validate_actions(rule)?;
    }
    Ok(())
}

fn validate_actions(rule: &LifecycleRule) -> S3Result<()> {
    if let Some(e) = &rule.expiration {
        let kinds = [
            e.days.is_some(),
            e.date.is_some(),
            e.expired_object_delete_marker.is_some(),
        ];
        if kinds.iter().filter(|k| **k).count() != 1 {
            return Err(s3_error!(
                MalformedXML,
                "An Expiration names exactly one of Days, Date and ExpiredObjectDeleteMarker"
            ));
        }
        if e.days.is_some_and(|d| d <= 0) {
            return Err(s3_error!(
                InvalidArgument,
                "'Days' for Expiration action must be a positive integer"
            ));
        }
    }
    if let Some(n) = &rule.noncurrent_version_expiration
        && n.noncurrent_days.is_none_or(|d| d <= 0)
    {
        return Err(s3_error!(
            InvalidArgument,
            "'NoncurrentDays' for NoncurrentVersionExpiration action must be a positive integer"
        ));
    }
    if let Some(abort) = &rule.abort_incomplete_multipart_upload {
        if abort.days_after_initiation.is_none_or(|d| d <= 0) {
            return Err(s3_error!(
                InvalidArgument,
                "'DaysAfterInitiation' for AbortIncompleteMultipartUpload action must be a positive integer"
            ));
        }
        if has_tags(rule) {
            return Err(s3_error!(
                InvalidRequest,
                "AbortIncompleteMultipartUpload cannot be specified with Tags."
            ));
        }
    }
    for t in rule.transitions.iter().flatten() {
        let class = t
            .storage_class
            .as_ref()
            .map(|c| c.as_str())
            .unwrap_or_default();
        if ["STANDARD_IA", "ONEZONE_IA"].contains(&class) && t.days.is_some_and(|d| d < 30) {
            return Err(s3_error!(
                InvalidArgument,
                "'Days' in Transition action must be greater than or equal to 30 for storageClass '{class}'"
            ));
        }
    }
    Ok(())
}

fn has_tags(rule: &LifecycleRule) -> bool {
    rule.filter.as_ref().is_some_and(|f| {
        f.tag.is_some()
            || f.and
                .as_ref()
                .is_some_and(|a| a.tags.as_ref().is_some_and(|t| !t.is_empty()))
    })
}

/// The prefix a rule covers, or `None` for a rule this sandbox does not apply (tag or size
/// filters).
fn rule_prefix(rule: &LifecycleRule) -> Option<String> {
    if has_tags(rule) {
        return None;
    }
    let filter = rule.filter.as_ref();
    let sized = filter
        .is_some_and(|f| f.object_size_greater_than.is_some() || f.object_size_less_than.is_some());
    if sized {
        return None;
    }
    Some(
        filter
            .and_then(|f| {
                f.prefix
                    .clone()
                    .or_else(|| f.and.as_ref().and_then(|a| a.prefix.clone()))
            })
            .or_else(|| rule.prefix.clone())
            .unwrap_or_default(),
    )
}

/// Applies every bucket's enabled rules at `now`.
pub fn sweep(storage: &Storage, now: i64) {
    let mut buckets = storage.lock();
    for state in buckets.values_mut() {
        let Some(config) = load_config::<BucketLifecycleConfiguration>(state, "lifecycle") else {
            continue;
        };
        for rule in config
            .rules
            .iter()
            .filter(|r| r.status.as_str() == "Enabled")
        {
            if let Some(prefix) = rule_prefix(rule)
                && let Err(e) = apply_rule(state, rule, &prefix, now)
            {
                tracing::warn!("the sandbox's lifecycle rule on {}: {e}", state.record.name);
            }
        }
    }
}

fn apply_rule(
    state: &mut BucketState,
    rule: &LifecycleRule,
    prefix: &str,
    now: i64,
) -> S3Result<()> {
    if let Some(days) = rule
        .abort_incomplete_multipart_upload
        .as_ref()
        .and_then(|a| a.days_after_initiation)
    {
        let old: Vec<String> = (state.uploads.values())
            .filter(|u| {
                u.key.starts_with(prefix) && u.initiated_ms + i64::from(days) * DAY_MS < now
            })
            .map(|u| u.upload_id.clone())
            .collect();
        for id in old {
            super::multipart::abort(state, &id);
        }
    }
    let keys: Vec<String> = (state.keys.range(prefix.to_owned()..))
        .take_while(|(k, _)| k.starts_with(prefix))
        .map(|(k, _)| k.clone())
        .collect();
    for key in keys {
        expire_key(state, rule, &key, now)?;
    }
    Ok(())
}

fn expire_key(state: &mut BucketState, rule: &LifecycleRule, key: &str, now: i64) -> S3Result<()> {
    let Some(versions) = state.keys.get(key).cloned() else {
        return Ok(());
    };
    if let Some(expiration) = &rule.expiration {
        let latest = &versions[0];
        let due = match (expiration.days, &expiration.date) {
            (Some(days), _) => latest.last_modified_ms + i64::from(days) * DAY_MS < now,
            (None, Some(date)) => time_ms(date) < now,
            _ => false,
        };
        if due && !latest.delete_marker {
            delete_one(state, key, None, false)?;
        }
        let lone_marker = versions.len() == 1 && latest.delete_marker;
        if expiration.expired_object_delete_marker == Some(true) && lone_marker {
            delete_one(state, key, Some(&latest.version_id), false)?;
        }
    }
    if let Some(days) = rule
        .noncurrent_version_expiration
        .as_ref()
        .and_then(|n| n.noncurrent_days)
    {
        // A version became noncurrent when the one above it was written.
        for pair in versions.windows(2) {
            let (newer, older) = (&pair[0], &pair[1]);
            if newer.last_modified_ms + i64::from(days) * DAY_MS < now
                && older.lock.refuses_delete(now, false).is_none()
            {
                state.commit(Change::Remove {
                    key: key.to_owned(),
                    version_id: older.version_id.clone(),
                })?;
            }
        }
    }
    Ok(())
}

pub async fn get_object_retention(
    storage: &Storage,
    req: S3Request<GetObjectRetentionInput>,
) -> S3Result<S3Response<GetObjectRetentionOutput>> {
    let input = req.input;
    let mut buckets = storage.lock();
    let state = bucket(&mut buckets, &input.bucket)?;
    let version = readable(state, &input.key, input.version_id.as_deref())?;
    let (mode, until) = version.lock.retention.clone().ok_or_else(|| {
        s3_error!(
            NoSuchObjectLockConfiguration,
            "The specified object does not have a ObjectLock configuration"
        )
    })?;
    Ok(S3Response::new(GetObjectRetentionOutput {
        retention: Some(ObjectLockRetention {
            mode: Some(ObjectLockRetentionMode::from(mode)),
            retain_until_date: Some(timestamp(until)),
        }),
    }))
}

pub async fn put_object_retention(
    storage: &Storage,
    req: S3Request<PutObjectRetentionInput>,
) -> S3Result<S3Response<PutObjectRetentionOutput>> {
    let input = req.input;
    let bypass = input.bypass_governance_retention.unwrap_or(false);
    let wanted = input
        .retention
        .and_then(|r| Some((r.mode?.as_str().to_owned(), time_ms(&r.retain_until_date?))));
    relock(
        storage,
        (&input.bucket, &input.key, input.version_id.as_deref()),
        |lock, now| {
            if let Some((mode, until)) = &lock.retention
                && *until > now
            {
                let shortened = wanted.as_ref().is_none_or(|(m, u)| u < until || m != mode);
                if shortened && (mode == "COMPLIANCE" || !bypass) {
                    return Err(s3_error!(
                        AccessDenied,
                        "Access Denied: the retention can only be extended"
                    ));
                }
            }
            lock.retention = wanted.clone();
            Ok(())
        },
    )
    .map(|_| S3Response::new(PutObjectRetentionOutput::default()))
}

pub async fn get_object_legal_hold(
    storage: &Storage,
    req: S3Request<GetObjectLegalHoldInput>,
) -> S3Result<S3Response<GetObjectLegalHoldOutput>> {
    let input = req.input;
    let mut buckets = storage.lock();
    let state = bucket(&mut buckets, &input.bucket)?;
    if !state.record.object_lock {
        return Err(s3_error!(
            InvalidRequest,
            "Bucket is missing Object Lock Configuration"
        ));
    }
    let version = readable(state, &input.key, input.version_id.as_deref())?;
    let status = if version.lock.legal_hold { "ON" } else { "OFF" };
    Ok(S3Response::new(GetObjectLegalHoldOutput {
        legal_hold: Some(ObjectLockLegalHold {
            status: Some(ObjectLockLegalHoldStatus::from(status.to_owned())),
        }),
    }))
}

pub async fn put_object_legal_hold(
    storage: &Storage,
    req: S3Request<PutObjectLegalHoldInput>,
) -> S3Result<S3Response<PutObjectLegalHoldOutput>> {
    let input = req.input;
    let on = input
        .legal_hold
        .and_then(|h| h.status)
        .is_some_and(|s| s.as_str() == "ON");
    relock(
        storage,
        (&input.bucket, &input.key, input.version_id.as_deref()),
        |lock, _| {
            lock.legal_hold = on;
            Ok(())
        },
    )
    .map(|_| S3Response::new(PutObjectLegalHoldOutput::default()))
}

/// Changes a version's lock with `change`, in a bucket with Object Lock.
fn relock(
    storage: &Storage,
    (bucket_name, key, version_id): (&str, &str, Option<&str>),
    change: impl FnOnce(&mut Lock, i64) -> S3Result<()>,
) -> S3Result<Option<String>> {
    let mut buckets = storage.lock();
    let state = bucket(&mut buckets, bucket_name)?;
    if !state.record.object_lock {
        return Err(s3_error!(
            InvalidRequest,
            "Bucket is missing Object Lock Configuration"
        ));
    }
    let mut version = readable(state, key, version_id)?.clone();
    change(&mut version.lock, now_ms())?;
    let id = versioned_id(state, &version);
    state.commit(Change::Update {
        key: key.to_owned(),
        version,
    })?;
    Ok(id)
}
