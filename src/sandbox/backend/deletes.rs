//! DELETE of an object or a version, DeleteObjects, and object tags, as S3 behaves: on a
//! versioned bucket a plain delete adds a delete marker; a version is deleted by its id unless
//! Object Lock holds it.

use s3s::dto::*;
use s3s::{S3Request, S3Response, S3Result, s3_error};

use super::model::{Change, NULL_VERSION, Version, Versioning};
use super::objects::{bucket, next_version_id, readable};
use super::parse_tag_set;
use super::storage::{BucketState, Storage, now_ms};

/// What one delete did: the version removed or the marker added.
pub struct Deleted {
    pub version_id: Option<String>,
    pub delete_marker: bool,
}

/// Deletes `key` (or its version `version_id`) in `state`.
pub fn delete_one(
    state: &mut BucketState,
    key: &str,
    version_id: Option<&str>,
    bypass_governance: bool,
) -> S3Result<Deleted> {
    let now = now_ms();
    if let Some(id) = version_id {
        let Some(version) = state.version(key, id) else {
            // Deleting what is not there succeeds, as in S3.
            return Ok(Deleted {
                version_id: Some(id.to_owned()),
                delete_marker: false,
            });
        };
        if let Some(reason) = version.lock.refuses_delete(now, bypass_governance) {
            return Err(s3_error!(AccessDenied, "Access Denied because {reason}"));
        }
        let delete_marker = version.delete_marker;
        state.commit(Change::Remove {
            key: key.to_owned(),
            version_id: id.to_owned(),
        })?;
        return Ok(Deleted {
            version_id: Some(id.to_owned()),
            delete_marker,
        });
    }
    match state.record.versioning {
        Versioning::Unversioned => {
            if state.version(key, NULL_VERSION).is_some() {
                state.commit(Change::Remove {
                    key: key.to_owned(),
                    version_id: NULL_VERSION.into(),
                })?;
            }
            Ok(Deleted {
                version_id: None,
                delete_marker: false,
            })
        }
        Versioning::Enabled | Versioning::Suspended => {
            let marker = Version::delete_marker(next_version_id(state), now);
            let id = marker.version_id.clone();
            state.commit(Change::Put {
                key: key.to_owned(),
                version: marker,
            })?;
            Ok(Deleted {
                version_id: Some(id),
                delete_marker: true,
            })
        }
    }
}

fn bypass(header: Option<bool>) -> bool {
    header.unwrap_or(false)
}

pub async fn delete_object(
    storage: &Storage,
    req: S3Request<DeleteObjectInput>,
) -> S3Result<S3Response<DeleteObjectOutput>> {
    let input = req.input;
    let mut buckets = storage.lock();
    let state = bucket(&mut buckets, &input.bucket)?;
    if let Some(condition) = &input.if_match {
        let current = state.latest(&input.key).filter(|v| !v.delete_marker);
        let holds = current.is_some_and(|v| super::objects::etag_matches(condition, v));
        if !holds {
            return Err(s3_error!(
                PreconditionFailed,
                "At least one of the pre-conditions you specified did not hold"
            ));
        }
    }
    let deleted = delete_one(
        state,
        &input.key,
        input.version_id.as_deref(),
        bypass(input.bypass_governance_retention),
    )?;
    let output = DeleteObjectOutput {
        delete_marker: deleted.delete_marker.then_some(true),
        version_id: deleted.version_id,
        ..Default::default()
    };
    let mut response = S3Response::new(output);
    response.status = Some(http::StatusCode::NO_CONTENT);
    Ok(response)
}

pub async fn delete_objects(
    storage: &Storage,
    req: S3Request<DeleteObjectsInput>,
) -> S3Result<S3Response<DeleteObjectsOutput>> {
    let input = req.input;
    if input.delete.objects.len() > 1000 {
        return Err(s3_error!(
            MalformedXML,
            "The XML you provided named more than 1,000 keys"
        ));
    }
    let quiet = input.delete.quiet.unwrap_or(false);
    let bypass = bypass(input.bypass_governance_retention);
    let mut buckets = storage.lock();
    let state = bucket(&mut buckets, &input.bucket)?;
    let (mut deleted, mut errors) = (Vec::new(), Vec::new());
    for object in input.delete.objects {
        match delete_one(state, &object.key, object.version_id.as_deref(), bypass) {
            Ok(done) if !quiet => deleted.push(DeletedObject {
                key: Some(object.key),
                version_id: object.version_id.clone(),
                delete_marker: done.delete_marker.then_some(true),
                delete_marker_version_id: (done.delete_marker && object.version_id.is_none())
                    .then_some(done.version_id)
                    .flatten(),
            }),
            Ok(_) => {}
            Err(e) => errors.push(Error {
                code: Some(e.code().as_str().to_owned()),
                key: Some(object.key),
                message: e.message().map(str::to_owned),
                version_id: object.version_id,
            }),
        }
    }
    Ok(S3Response::new(DeleteObjectsOutput {
        deleted: Some(deleted),
        errors: (!errors.is_empty()).then_some(errors),
        ..Default::default()
    }))
}

pub async fn get_object_tagging(
    storage: &Storage,
    req: S3Request<GetObjectTaggingInput>,
) -> S3Result<S3Response<GetObjectTaggingOutput>> {
    let input = req.input;
    let mut buckets = storage.lock();
    let state = bucket(&mut buckets, &input.bucket)?;
    let version = readable(state, &input.key, input.version_id.as_deref())?;
    Ok(S3Response::new(GetObjectTaggingOutput {
        tag_set: version
            .tags
            .iter()
            .map(|(k, v)| Tag {
                key: Some(k.clone()),
                value: Some(v.clone()),
            })
            .collect(),
        version_id: super::objects::versioned_id(state, version),
    }))
}

/// Replaces a version's tags (`None`: removes them all).
fn retag(
    storage: &Storage,
    (bucket_name, key, version_id): (&str, &str, Option<&str>),
    tags: Vec<(String, String)>,
) -> S3Result<Option<String>> {
    let mut buckets = storage.lock();
    let state = bucket(&mut buckets, bucket_name)?;
    let mut version = readable(state, key, version_id)?.clone();
    version.tags = tags;
    let id = super::objects::versioned_id(state, &version);
    state.commit(Change::Update {
        key: key.to_owned(),
        version,
    })?;
    Ok(id)
}

pub async fn put_object_tagging(
    storage: &Storage,
    req: S3Request<PutObjectTaggingInput>,
) -> S3Result<S3Response<PutObjectTaggingOutput>> {
    let input = req.input;
    let tags = parse_tag_set(&input.tagging.tag_set)?;
    let place = (
        input.bucket.as_str(),
        input.key.as_str(),
        input.version_id.as_deref(),
    );
    let version_id = retag(storage, place, tags)?;
    Ok(S3Response::new(PutObjectTaggingOutput { version_id }))
}

pub async fn delete_object_tagging(
    storage: &Storage,
    req: S3Request<DeleteObjectTaggingInput>,
) -> S3Result<S3Response<DeleteObjectTaggingOutput>> {
    let input = req.input;
    let place = (
        input.bucket.as_str(),
        input.key.as_str(),
        input.version_id.as_deref(),
    );
    let version_id = retag(storage, place, Vec::new())?;
    let mut response = S3Response::new(DeleteObjectTaggingOutput { version_id });
    response.status = Some(http::StatusCode::NO_CONTENT);
    Ok(response)
}
