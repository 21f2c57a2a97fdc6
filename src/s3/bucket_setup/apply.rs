//! Applying a spec to a bucket, one setting (one request) at a time.

use aws_sdk_s3::types::{
    AbortIncompleteMultipartUpload, BucketLifecycleConfiguration, BucketLocationConstraint,
    BucketVersioningStatus, CorsConfiguration, CorsRule, CreateBucketConfiguration,
    ExpirationStatus, LifecycleRule, LifecycleRuleFilter, NoncurrentVersionExpiration,
    ObjectOwnership, OwnershipControls, OwnershipControlsRule, PublicAccessBlockConfiguration,
    ServerSideEncryption, ServerSideEncryptionByDefault, ServerSideEncryptionConfiguration,
    ServerSideEncryptionRule, Tag, Tagging, Transition, TransitionStorageClass,
    VersioningConfiguration,
};

use super::spec::{BucketSpec, Encryption, SetupStep};
use crate::s3::connection::Connection;
use crate::s3::cors::{CORS_EXPOSE, CORS_METHODS};
use crate::s3::error::{S3Error, Target};

/// How one step went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepOutcome {
    Applied,
    /// The endpoint does not implement this setting; nothing was changed.
    Unsupported,
    Failed(S3Error),
}

/// Applies one step of `spec` to the bucket `spec.name`.
pub async fn apply_step(
    connection: &Connection,
    spec: &BucketSpec,
    step: SetupStep,
) -> StepOutcome {
    let setup = Setup {
        connection,
        spec,
        target: connection.target().bucket(&spec.name),
    };
    let result = match step {
        SetupStep::Create => setup.create().await,
        SetupStep::Versioning => setup.versioning().await,
        SetupStep::Encryption => setup.encryption().await,
        SetupStep::PublicAccessBlock => setup.public_access_block().await,
        SetupStep::Ownership => setup.ownership().await,
        SetupStep::Lifecycle => setup.lifecycle().await,
        SetupStep::Tags => setup.tags().await,
        SetupStep::Cors => setup.cors().await,
        SetupStep::Folders => setup.folders().await,
    };
    match result {
        Ok(()) => StepOutcome::Applied,
        Err(S3Error::Unsupported { .. }) => StepOutcome::Unsupported,
        // Some servers say "taken" for a bucket the caller owns: ask before blaming another account.
        Err(S3Error::BucketNameTaken { bucket })
            if crate::s3::buckets::head_bucket(connection, &bucket)
                .await
                .is_ok() =>
        {
            StepOutcome::Failed(S3Error::BucketAlreadyYours { bucket })
        }
        Err(e) => StepOutcome::Failed(e),
    }
}

/// Sends a request and maps its error for the bucket being set up.
macro_rules! send {
    ($setup:expr, $request:expr) => {
        $request
            .send()
            .await
            .map(|_| ())
            .map_err(|e| $setup.connection.error(e, &$setup.target))
    };
}

/// One bucket's setup: each step is one request (or, for folders, one per folder).
struct Setup<'a> {
    connection: &'a Connection,
    spec: &'a BucketSpec,
    target: Target,
}

impl Setup<'_> {
    fn client(&self) -> &aws_sdk_s3::Client {
        &self.connection.client
    }

    fn bucket(&self) -> &str {
        &self.spec.name
    }

    async fn create(&self) -> Result<(), S3Error> {
        let spec = self.spec;
        let mut request = self
            .client()
            .create_bucket()
            .bucket(self.bucket())
            .object_lock_enabled_for_bucket(spec.object_lock);
        // us-east-1 takes no LocationConstraint; every other region needs one.
        if spec.region != "us-east-1" {
            request = request.create_bucket_configuration(
                CreateBucketConfiguration::builder()
                    .location_constraint(BucketLocationConstraint::from(spec.region.as_str()))
                    .build(),
            );
        }
        if !spec.object_lock {
            request = request.set_object_lock_enabled_for_bucket(None);
        }
        send!(self, request)
    }

    async fn versioning(&self) -> Result<(), S3Error> {
        let status = if self.spec.versioning_enabled() {
            BucketVersioningStatus::Enabled
        } else {
            BucketVersioningStatus::Suspended
        };
        send!(
            self,
            self.client()
                .put_bucket_versioning()
                .bucket(self.bucket())
                .versioning_configuration(
                    VersioningConfiguration::builder().status(status).build()
                )
        )
    }

    async fn encryption(&self) -> Result<(), S3Error> {
        let default = match &self.spec.encryption {
            Encryption::None => {
                return send!(
                    self,
                    self.client()
                        .delete_bucket_encryption()
                        .bucket(self.bucket())
                );
            }
            Encryption::SseKms { key_id } => ServerSideEncryptionByDefault::builder()
                .sse_algorithm(ServerSideEncryption::AwsKms)
                .kms_master_key_id(key_id),
            Encryption::SseS3 => {
                ServerSideEncryptionByDefault::builder().sse_algorithm(ServerSideEncryption::Aes256)
            }
        };
        let config = default
            .build()
            .and_then(|d| {
                ServerSideEncryptionConfiguration::builder()
                    .rules(
                        ServerSideEncryptionRule::builder()
                            .apply_server_side_encryption_by_default(d)
                            .build(),
                    )
                    .build()
            })
            .map_err(|e| invalid(&self.target, e))?;
        send!(
            self,
            self.client()
                .put_bucket_encryption()
                .bucket(self.bucket())
                .server_side_encryption_configuration(config)
        )
    }

    async fn public_access_block(&self) -> Result<(), S3Error> {
        let p = self.spec.public_access_block;
        send!(
            self,
            self.client()
                .put_public_access_block()
                .bucket(self.bucket())
                .public_access_block_configuration(
                    PublicAccessBlockConfiguration::builder()
                        .block_public_acls(p.block_public_acls)
                        .ignore_public_acls(p.ignore_public_acls)
                        .block_public_policy(p.block_public_policy)
                        .restrict_public_buckets(p.restrict_public_buckets)
                        .build()
                )
        )
    }

    async fn ownership(&self) -> Result<(), S3Error> {
        let controls = OwnershipControlsRule::builder()
            .object_ownership(ObjectOwnership::from(self.spec.ownership.as_str()))
            .build()
            .and_then(|rule| OwnershipControls::builder().rules(rule).build())
            .map_err(|e| invalid(&self.target, e))?;
        send!(
            self,
            self.client()
                .put_bucket_ownership_controls()
                .bucket(self.bucket())
                .ownership_controls(controls)
        )
    }

    async fn lifecycle(&self) -> Result<(), S3Error> {
        match lifecycle_configuration(self.spec).map_err(|e| invalid(&self.target, e))? {
            Some(config) => send!(
                self,
                self.client()
                    .put_bucket_lifecycle_configuration()
                    .bucket(self.bucket())
                    .lifecycle_configuration(config)
            ),
            None => send!(
                self,
                self.client()
                    .delete_bucket_lifecycle()
                    .bucket(self.bucket())
            ),
        }
    }

    async fn tags(&self) -> Result<(), S3Error> {
        if self.spec.tags.is_empty() {
            return send!(
                self,
                self.client().delete_bucket_tagging().bucket(self.bucket())
            );
        }
        let tagging = (self.spec.tags.iter())
            .map(|(k, v)| Tag::builder().key(k).value(v).build())
            .collect::<Result<Vec<_>, _>>()
            .and_then(|tags| Tagging::builder().set_tag_set(Some(tags)).build())
            .map_err(|e| invalid(&self.target, e))?;
        send!(
            self,
            self.client()
                .put_bucket_tagging()
                .bucket(self.bucket())
                .tagging(tagging)
        )
    }

    async fn cors(&self) -> Result<(), S3Error> {
        if self.spec.cors_origins.is_empty() {
            return send!(
                self,
                self.client().delete_bucket_cors().bucket(self.bucket())
            );
        }
        let config = CorsRule::builder()
            .set_allowed_origins(Some(self.spec.cors_origins.clone()))
            .set_allowed_methods(Some(CORS_METHODS.map(String::from).to_vec()))
            .allowed_headers("*")
            .set_expose_headers(Some(CORS_EXPOSE.map(String::from).to_vec()))
            .max_age_seconds(3000)
            .build()
            .and_then(|rule| CorsConfiguration::builder().cors_rules(rule).build())
            .map_err(|e| invalid(&self.target, e))?;
        send!(
            self,
            self.client()
                .put_bucket_cors()
                .bucket(self.bucket())
                .cors_configuration(config)
        )
    }

    async fn folders(&self) -> Result<(), S3Error> {
        for folder in &self.spec.folders {
            let key = if folder.ends_with('/') {
                folder.clone()
            } else {
                format!("{folder}/")
            };
            crate::s3::objects::create_folder(self.connection, self.bucket(), &key).await?;
        }
        Ok(())
    }
}

fn invalid(target: &Target, e: aws_sdk_s3::error::BuildError) -> S3Error {
    S3Error::Other {
        what: target.describe(),
        detail: format!("the setting is incomplete ({e})"),
    }
}

fn lifecycle_configuration(
    spec: &BucketSpec,
) -> Result<Option<BucketLifecycleConfiguration>, aws_sdk_s3::error::BuildError> {
    let rules = spec
        .lifecycle_rules()
        .into_iter()
        .map(|r| {
            let mut rule = LifecycleRule::builder()
                .id(r.id)
                .status(ExpirationStatus::Enabled)
                .filter(LifecycleRuleFilter::builder().prefix(r.prefix).build());
            if let Some((days, class)) = r.transition {
                rule = rule.transitions(
                    Transition::builder()
                        .days(days as i32)
                        .storage_class(TransitionStorageClass::from(class.as_str()))
                        .build(),
                );
            }
            if let Some(days) = r.noncurrent_days {
                rule = rule.noncurrent_version_expiration(
                    NoncurrentVersionExpiration::builder()
                        .noncurrent_days(days as i32)
                        .build(),
                );
            }
            if let Some(days) = r.abort_days {
                rule = rule.abort_incomplete_multipart_upload(
                    AbortIncompleteMultipartUpload::builder()
                        .days_after_initiation(days as i32)
                        .build(),
                );
            }
            rule.build()
        })
        .collect::<Result<Vec<_>, _>>()?;
    if rules.is_empty() {
        return Ok(None);
    }
    BucketLifecycleConfiguration::builder()
        .set_rules(Some(rules))
        .build()
        .map(Some)
}

/// Creates a bucket with no further settings, in the connection's region.
pub async fn create_bucket(connection: &Connection, bucket: &str) -> Result<(), S3Error> {
    let spec = BucketSpec::new(bucket, &connection.region);
    match apply_step(connection, &spec, SetupStep::Create).await {
        StepOutcome::Applied => Ok(()),
        StepOutcome::Failed(e) => Err(e),
        StepOutcome::Unsupported => Err(S3Error::Unsupported {
            what: connection.target().bucket(bucket).describe(),
        }),
    }
}
