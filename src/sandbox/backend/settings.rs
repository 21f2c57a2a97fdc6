//! Buckets and their settings: create (names and location checked as S3 checks them), delete,
//! versioning, and the settings S3 keeps as XML documents (lifecycle, tags, CORS, default
//! encryption, public access block, ownership, Object Lock), stored as the XML S3 returns.

use s3s::dto::*;
use s3s::{S3Request, S3Response, S3Result, s3_error};

use super::model::{BucketRecord, Lock, Versioning};
use super::storage::{BucketState, Storage, bucket, now_ms, write_private};
use super::time_ms;

/// A setting kept as `config/<name>.xml`.
pub fn save_config<T: s3s::xml::Serialize>(
    state: &BucketState,
    name: &str,
    value: &T,
) -> S3Result<()> {
    let mut xml = Vec::new();
    value
        .serialize(&mut s3s::xml::Serializer::new(&mut xml))
        .map_err(|e| s3_error!(InternalError, "{e:?}"))?;
    write_private(&config_path(state, name), &xml)
}

pub fn load_config<T: for<'x> s3s::xml::Deserialize<'x>>(
    state: &BucketState,
    name: &str,
) -> Option<T> {
    let xml = std::fs::read(config_path(state, name)).ok()?;
    T::deserialize(&mut s3s::xml::Deserializer::new(&xml)).ok()
}

pub fn remove_config(state: &BucketState, name: &str) {
    let _ = std::fs::remove_file(config_path(state, name));
}

fn config_path(state: &BucketState, name: &str) -> std::path::PathBuf {
    state.dir().join("config").join(format!("{name}.xml"))
}

pub fn no_content<T>(output: T) -> S3Response<T> {
    let mut response = S3Response::new(output);
    response.status = Some(http::StatusCode::NO_CONTENT);
    response
}

pub async fn create_bucket(
    storage: &Storage,
    req: S3Request<CreateBucketInput>,
) -> S3Result<S3Response<CreateBucketOutput>> {
    let input = req.input;
    if let Err(rule) = crate::s3::naming::validate_bucket_name(&input.bucket) {
        return Err(s3_error!(
            InvalidBucketName,
            "The specified bucket is not valid. {rule}"
        ));
    }
    let constraint = input
        .create_bucket_configuration
        .as_ref()
        .and_then(|c| c.location_constraint.as_ref())
        .map(|c| c.as_str().to_owned());
    match constraint.as_deref() {
        None | Some("") => {}
        Some("us-east-1") => {
            return Err(s3_error!(
                InvalidLocationConstraint,
                "The specified location-constraint is not valid"
            ));
        }
        Some(other) => {
            return Err(s3_error!(
                IllegalLocationConstraintException,
                "The {other} location constraint is incompatible for the region specific endpoint this request was sent to."
            ));
        }
    }
    let object_lock = input.object_lock_enabled_for_bucket.unwrap_or(false);
    storage.create_bucket(BucketRecord {
        name: input.bucket.clone(),
        created_ms: now_ms(),
        versioning: if object_lock {
            Versioning::Enabled
        } else {
            Versioning::Unversioned
        },
        object_lock,
    })?;
    let mut buckets = storage.lock();
    let state = bucket(&mut buckets, &input.bucket)?;
    if let Some(ownership) = input.object_ownership {
        let controls = OwnershipControls {
            rules: vec![OwnershipControlsRule {
                object_ownership: ownership,
            }],
        };
        save_config(state, "ownership", &controls)?;
    }
    Ok(S3Response::new(CreateBucketOutput {
        location: Some(format!("/{}", input.bucket)),
    }))
}

pub async fn get_bucket_versioning(
    storage: &Storage,
    req: S3Request<GetBucketVersioningInput>,
) -> S3Result<S3Response<GetBucketVersioningOutput>> {
    let mut buckets = storage.lock();
    let state = bucket(&mut buckets, &req.input.bucket)?;
    let status = match state.record.versioning {
        Versioning::Unversioned => None,
        Versioning::Enabled => Some("Enabled"),
        Versioning::Suspended => Some("Suspended"),
    };
    Ok(S3Response::new(GetBucketVersioningOutput {
        status: status.map(|s| BucketVersioningStatus::from(s.to_owned())),
        mfa_delete: None,
    }))
}

pub async fn put_bucket_versioning(
    storage: &Storage,
    req: S3Request<PutBucketVersioningInput>,
) -> S3Result<S3Response<PutBucketVersioningOutput>> {
    let input = req.input;
    let mut buckets = storage.lock();
    let state = bucket(&mut buckets, &input.bucket)?;
    let wanted = match input
        .versioning_configuration
        .status
        .as_ref()
        .map(|s| s.as_str())
    {
        Some("Enabled") => Versioning::Enabled,
        Some("Suspended") => Versioning::Suspended,
        _ => {
            return Err(s3_error!(
                MalformedXML,
                "The versioning status must be Enabled or Suspended"
            ));
        }
    };
    if state.record.object_lock && wanted == Versioning::Suspended {
        return Err(s3_error!(
            InvalidBucketState,
            "An Object Lock configuration is present on this bucket, so the versioning state cannot be changed."
        ));
    }
    if !(state.record.versioning == Versioning::Unversioned && wanted == Versioning::Suspended) {
        state.record.versioning = wanted;
    }
    Storage::save_record(state)?;
    Ok(S3Response::new(PutBucketVersioningOutput::default()))
}

pub async fn get_bucket_location(
    storage: &Storage,
    req: S3Request<GetBucketLocationInput>,
) -> S3Result<S3Response<GetBucketLocationOutput>> {
    let mut buckets = storage.lock();
    bucket(&mut buckets, &req.input.bucket)?;
    // us-east-1 is the empty constraint, as S3 answers.
    Ok(S3Response::new(GetBucketLocationOutput {
        location_constraint: None,
    }))
}

/// Reads, writes and removes one XML setting of a bucket; `missing` is the error of a read
/// with none set.
macro_rules! xml_setting {
    ($get:ident, $put:ident, $delete:ident, $name:literal, $missing:expr,
     $get_in:ty, $get_out:ty, $put_in:ty, $put_out:ty, $delete_in:ty, $delete_out:ty,
     |$cfg:ident: $cfg_ty:ty| $wrap:expr, |$input:ident| $take:expr) => {
        pub async fn $get(
            storage: &Storage,
            req: S3Request<$get_in>,
        ) -> S3Result<S3Response<$get_out>> {
            let mut buckets = storage.lock();
            let state = bucket(&mut buckets, &req.input.bucket)?;
            let $cfg: $cfg_ty = load_config(state, $name).ok_or_else(|| $missing)?;
            Ok(S3Response::new($wrap))
        }

        pub async fn $put(
            storage: &Storage,
            req: S3Request<$put_in>,
        ) -> S3Result<S3Response<$put_out>> {
            let $input = req.input;
            let mut buckets = storage.lock();
            let state = bucket(&mut buckets, &$input.bucket)?;
            let value: $cfg_ty = $take?;
            save_config(state, $name, &value)?;
            Ok(S3Response::new(Default::default()))
        }

        pub async fn $delete(
            storage: &Storage,
            req: S3Request<$delete_in>,
        ) -> S3Result<S3Response<$delete_out>> {
            let mut buckets = storage.lock();
            let state = bucket(&mut buckets, &req.input.bucket)?;
            remove_config(state, $name);
            Ok(no_content(Default::default()))
        }
    };
}

xml_setting!(
    get_bucket_tagging,
    put_bucket_tagging,
    delete_bucket_tagging,
    "tagging",
    s3_error!(NoSuchTagSet, "The TagSet does not exist"),
    GetBucketTaggingInput,
    GetBucketTaggingOutput,
    PutBucketTaggingInput,
    PutBucketTaggingOutput,
    DeleteBucketTaggingInput,
    DeleteBucketTaggingOutput,
    |cfg: Tagging| GetBucketTaggingOutput {
        tag_set: cfg.tag_set
    },
    |input| super::parse_tag_set(&input.tagging.tag_set).map(|_| input.tagging)
);

xml_setting!(
    get_bucket_cors,
    put_bucket_cors,
    delete_bucket_cors,
    "cors",
    s3_error!(
        NoSuchCORSConfiguration,
        "The CORS configuration does not exist"
    ),
    GetBucketCorsInput,
    GetBucketCorsOutput,
    PutBucketCorsInput,
    PutBucketCorsOutput,
    DeleteBucketCorsInput,
    DeleteBucketCorsOutput,
    |cfg: CORSConfiguration| GetBucketCorsOutput {
        cors_rules: Some(cfg.cors_rules)
    },
    |input| valid_cors(input.cors_configuration)
);

xml_setting!(
    get_bucket_encryption,
    put_bucket_encryption,
    delete_bucket_encryption,
    "encryption",
    s3_error!(
        ServerSideEncryptionConfigurationNotFoundError,
        "The server side encryption configuration was not found"
    ),
    GetBucketEncryptionInput,
    GetBucketEncryptionOutput,
    PutBucketEncryptionInput,
    PutBucketEncryptionOutput,
    DeleteBucketEncryptionInput,
    DeleteBucketEncryptionOutput,
    |cfg: ServerSideEncryptionConfiguration| GetBucketEncryptionOutput {
        server_side_encryption_configuration: Some(cfg)
    },
    |input| Ok::<_, s3s::S3Error>(input.server_side_encryption_configuration)
);

xml_setting!(
    get_public_access_block,
    put_public_access_block,
    delete_public_access_block,
    "public-access-block",
    {
        let code = s3s::S3ErrorCode::Custom("NoSuchPublicAccessBlockConfiguration".into());
        let mut e =
            s3s::S3Error::with_message(code, "The public access block configuration was not found");
        e.set_status_code(http::StatusCode::NOT_FOUND);
        e
    },
    GetPublicAccessBlockInput,
    GetPublicAccessBlockOutput,
    PutPublicAccessBlockInput,
    PutPublicAccessBlockOutput,
    DeletePublicAccessBlockInput,
    DeletePublicAccessBlockOutput,
    |cfg: PublicAccessBlockConfiguration| GetPublicAccessBlockOutput {
        public_access_block_configuration: Some(cfg)
    },
    |input| Ok::<_, s3s::S3Error>(input.public_access_block_configuration)
);

xml_setting!(
    get_bucket_ownership_controls,
    put_bucket_ownership_controls,
    delete_bucket_ownership_controls,
    "ownership",
    s3_error!(
        OwnershipControlsNotFoundError,
        "The bucket ownership controls were not found"
    ),
    GetBucketOwnershipControlsInput,
    GetBucketOwnershipControlsOutput,
    PutBucketOwnershipControlsInput,
    PutBucketOwnershipControlsOutput,
    DeleteBucketOwnershipControlsInput,
    DeleteBucketOwnershipControlsOutput,
    |cfg: OwnershipControls| GetBucketOwnershipControlsOutput {
        ownership_controls: Some(cfg)
    },
    |input| Ok::<_, s3s::S3Error>(input.ownership_controls)
);

/// S3's checks of a CORS configuration: 1 to 100 rules, each with methods S3 knows and at most
/// one `*` in an origin.
fn valid_cors(config: CORSConfiguration) -> S3Result<CORSConfiguration> {
    if config.cors_rules.is_empty() || config.cors_rules.len() > 100 {
        return Err(s3_error!(
            MalformedXML,
            "A CORS configuration holds 1 to 100 rules"
        ));
    }
    for rule in &config.cors_rules {
        for method in &rule.allowed_methods {
            if !["GET", "PUT", "POST", "DELETE", "HEAD"].contains(&method.as_str()) {
                return Err(s3_error!(
                    InvalidRequest,
                    "Found unsupported HTTP method in CORS config. Unsupported method is {method}"
                ));
            }
        }
        for origin in &rule.allowed_origins {
            if origin.matches('*').count() > 1 {
                return Err(s3_error!(
                    InvalidRequest,
                    "AllowedOrigin \"{origin}\" can not have more than one wildcard."
                ));
            }
        }
    }
    Ok(config)
}

/// The CORS rules of a bucket, for the sandbox's answers to browsers.
pub fn cors_rules(storage: &Storage, bucket_name: &str) -> Option<CORSRules> {
    let buckets = storage.lock();
    let state = buckets.get(bucket_name)?;
    load_config::<CORSConfiguration>(state, "cors").map(|c| c.cors_rules)
}

pub async fn get_object_lock_configuration(
    storage: &Storage,
    req: S3Request<GetObjectLockConfigurationInput>,
) -> S3Result<S3Response<GetObjectLockConfigurationOutput>> {
    let mut buckets = storage.lock();
    let state = bucket(&mut buckets, &req.input.bucket)?;
    if !state.record.object_lock {
        return Err(s3_error!(
            ObjectLockConfigurationNotFoundError,
            "Object Lock configuration does not exist for this bucket"
        ));
    }
    let config = load_config(state, "object-lock").unwrap_or(ObjectLockConfiguration {
        object_lock_enabled: Some(ObjectLockEnabled::from("Enabled".to_owned())),
        rule: None,
    });
    Ok(S3Response::new(GetObjectLockConfigurationOutput {
        object_lock_configuration: Some(config),
    }))
}

pub async fn put_object_lock_configuration(
    storage: &Storage,
    req: S3Request<PutObjectLockConfigurationInput>,
) -> S3Result<S3Response<PutObjectLockConfigurationOutput>> {
    let input = req.input;
    let mut buckets = storage.lock();
    let state = bucket(&mut buckets, &input.bucket)?;
    if !state.record.object_lock {
        return Err(s3_error!(
            InvalidBucketState,
            "Object Lock configuration cannot be enabled on existing buckets"
        ));
    }
    let config = input
        .object_lock_configuration
        .ok_or_else(|| s3_error!(MalformedXML, "The XML you provided was not well-formed"))?;
    if let Some(retention) = config
        .rule
        .as_ref()
        .and_then(|r| r.default_retention.as_ref())
    {
        let periods = [retention.days, retention.years];
        let valid = periods.iter().flatten().count() == 1
            && periods.iter().flatten().all(|n| *n > 0)
            && retention.mode.is_some();
        if !valid {
            return Err(s3_error!(
                MalformedXML,
                "A default retention names a mode and either Days or Years, above 0"
            ));
        }
    }
    save_config(state, "object-lock", &config)?;
    Ok(S3Response::new(PutObjectLockConfigurationOutput::default()))
}

/// The lock a new object gets: what the request names, else the bucket's default retention.
pub fn lock_for_new_object(
    state: &BucketState,
    mode: Option<&str>,
    until: Option<&Timestamp>,
    legal_hold: Option<&str>,
    now: i64,
) -> S3Result<Lock> {
    let asked = mode.is_some() || until.is_some() || legal_hold.is_some();
    if asked && !state.record.object_lock {
        return Err(s3_error!(
            InvalidRequest,
            "Bucket is missing Object Lock Configuration"
        ));
    }
    let retention = match (mode, until) {
        (Some(mode), Some(until)) => Some((mode.to_owned(), time_ms(until))),
        (None, None) => default_retention(state, now),
        _ => {
            return Err(s3_error!(
                InvalidArgument,
                "x-amz-object-lock-mode and x-amz-object-lock-retain-until-date must both be supplied"
            ));
        }
    };
    Ok(Lock {
        retention,
        legal_hold: legal_hold == Some("ON"),
    })
}

fn default_retention(state: &BucketState, now: i64) -> Option<(String, i64)> {
    if !state.record.object_lock {
        return None;
    }
    let config: ObjectLockConfiguration = load_config(state, "object-lock")?;
    let retention = config.rule?.default_retention?;
    let days = retention
        .days
        .map(i64::from)
        .or(retention.years.map(|y| i64::from(y) * 365))?;
    Some((retention.mode?.as_str().to_owned(), now + days * 86_400_000))
}
