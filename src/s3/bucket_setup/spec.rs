//! What a bucket should be: its settings, the steps that apply them, and the AWS CLI commands
//! that do the same.

use serde_json::json;

use crate::s3::cors::{cors_json, shell_quote};

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Encryption {
    /// Leave the service default (AWS applies SSE-S3 to every new bucket anyway).
    None,
    /// SSE-S3: keys managed by S3 (AES256).
    #[default]
    SseS3,
    /// SSE-KMS with this key id or ARN.
    SseKms { key_id: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Ownership {
    /// ACLs disabled; the bucket owner owns every object. AWS's recommendation.
    #[default]
    BucketOwnerEnforced,
    BucketOwnerPreferred,
    ObjectWriter,
}

impl Ownership {
    pub const ALL: [Ownership; 3] = [
        Self::BucketOwnerEnforced,
        Self::BucketOwnerPreferred,
        Self::ObjectWriter,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::BucketOwnerEnforced => "BucketOwnerEnforced",
            Self::BucketOwnerPreferred => "BucketOwnerPreferred",
            Self::ObjectWriter => "ObjectWriter",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublicAccessBlock {
    pub block_public_acls: bool,
    pub ignore_public_acls: bool,
    pub block_public_policy: bool,
    pub restrict_public_buckets: bool,
}

impl PublicAccessBlock {
    pub const ALL_ON: Self = Self {
        block_public_acls: true,
        ignore_public_acls: true,
        block_public_policy: true,
        restrict_public_buckets: true,
    };
    pub const ALL_OFF: Self = Self {
        block_public_acls: false,
        ignore_public_acls: false,
        block_public_policy: false,
        restrict_public_buckets: false,
    };
}

/// Storage classes a lifecycle rule can move objects to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransitionClass {
    StandardIa,
    IntelligentTiering,
    GlacierInstant,
    GlacierFlexible,
    DeepArchive,
}

impl TransitionClass {
    pub const ALL: [TransitionClass; 5] = [
        Self::StandardIa,
        Self::IntelligentTiering,
        Self::GlacierInstant,
        Self::GlacierFlexible,
        Self::DeepArchive,
    ];

    /// The API name, as `--transition PREFIX:DAYS:CLASS` takes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::StandardIa => "STANDARD_IA",
            Self::IntelligentTiering => "INTELLIGENT_TIERING",
            Self::GlacierInstant => "GLACIER_IR",
            Self::GlacierFlexible => "GLACIER",
            Self::DeepArchive => "DEEP_ARCHIVE",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::StandardIa => "Standard-IA",
            Self::IntelligentTiering => "Intelligent-Tiering",
            Self::GlacierInstant => "Glacier Instant Retrieval",
            Self::GlacierFlexible => "Glacier Flexible Retrieval",
            Self::DeepArchive => "Glacier Deep Archive",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim().to_ascii_uppercase().replace('-', "_");
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransitionRule {
    pub prefix: String,
    pub days: u32,
    pub class: TransitionClass,
}

impl TransitionRule {
    /// `PREFIX:DAYS:CLASS`, e.g. `raw/:30:STANDARD_IA` (the prefix may be empty).
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut parts = text.rsplitn(3, ':');
        let (class, days, prefix) = (parts.next(), parts.next(), parts.next());
        let (Some(class), Some(days), Some(prefix)) = (class, days, prefix) else {
            return Err(format!(
                "{text}: write a transition as PREFIX:DAYS:CLASS, e.g. raw/:30:STANDARD_IA"
            ));
        };
        let days = days
            .parse::<u32>()
            .map_err(|_| format!("{text}: {days} is not a whole number of days"))?;
        let class = TransitionClass::parse(class).ok_or_else(|| {
            let names: Vec<_> = TransitionClass::ALL.iter().map(|c| c.as_str()).collect();
            format!("{text}: {class} is not one of {}", names.join(", "))
        })?;
        Ok(Self {
            prefix: prefix.to_owned(),
            days,
            class,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lifecycle {
    pub transitions: Vec<TransitionRule>,
    pub noncurrent_expiration_days: Option<u32>,
    /// Incomplete multipart uploads cost money and show in no listing; abort them after N days.
    pub abort_incomplete_uploads_days: Option<u32>,
}

impl Default for Lifecycle {
    fn default() -> Self {
        Self {
            transitions: Vec::new(),
            noncurrent_expiration_days: None,
            abort_incomplete_uploads_days: Some(7),
        }
    }
}

impl Lifecycle {
    pub fn is_empty(&self) -> bool {
        self.transitions.is_empty()
            && self.noncurrent_expiration_days.is_none()
            && self.abort_incomplete_uploads_days.is_none()
    }
}

/// Everything about a bucket the wizard and `skiff mb` can set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BucketSpec {
    pub name: String,
    pub region: String,
    pub versioning: bool,
    pub encryption: Encryption,
    pub public_access_block: PublicAccessBlock,
    pub ownership: Ownership,
    /// Only possible at creation, and turns versioning on.
    pub object_lock: bool,
    pub lifecycle: Lifecycle,
    /// Folders (`prefix/` markers) to create, e.g. `wikipedia/v1/train/`.
    pub folders: Vec<String>,
    pub tags: Vec<(String, String)>,
    /// Origins allowed to use the bucket from a browser (the Skiff web app among them).
    pub cors_origins: Vec<String>,
}

impl BucketSpec {
    pub fn new(name: &str, region: &str) -> Self {
        Self {
            name: name.to_owned(),
            region: region.to_owned(),
            versioning: false,
            encryption: Encryption::default(),
            public_access_block: PublicAccessBlock::ALL_ON,
            ownership: Ownership::default(),
            object_lock: false,
            lifecycle: Lifecycle::default(),
            folders: Vec::new(),
            tags: Vec::new(),
            cors_origins: Vec::new(),
        }
    }

    /// Versioning is on when asked for, and whenever Object Lock is.
    pub fn versioning_enabled(&self) -> bool {
        self.versioning || self.object_lock
    }

    /// The settings this spec applies, in the order they are applied.
    pub fn steps(&self) -> Vec<SetupStep> {
        let mut steps = vec![SetupStep::Create];
        if self.versioning_enabled() {
            steps.push(SetupStep::Versioning);
        }
        if self.encryption != Encryption::None {
            steps.push(SetupStep::Encryption);
        }
        steps.push(SetupStep::PublicAccessBlock);
        steps.push(SetupStep::Ownership);
        if !self.lifecycle.is_empty() {
            steps.push(SetupStep::Lifecycle);
        }
        if !self.tags.is_empty() {
            steps.push(SetupStep::Tags);
        }
        if !self.cors_origins.is_empty() {
            steps.push(SetupStep::Cors);
        }
        if !self.folders.is_empty() {
            steps.push(SetupStep::Folders);
        }
        steps
    }

    /// The AWS CLI commands that set the bucket up the same way, one per step.
    /// `endpoint_url` is added to each for endpoints other than AWS.
    pub fn aws_cli_commands(&self, endpoint_url: Option<&str>) -> Vec<String> {
        self.aws_cli_commands_for(&self.steps(), endpoint_url)
    }

    /// The AWS CLI commands for some of the steps (the settings view's changes).
    pub fn aws_cli_commands_for(
        &self,
        steps: &[SetupStep],
        endpoint_url: Option<&str>,
    ) -> Vec<String> {
        let bucket = shell_quote(&self.name);
        let endpoint = endpoint_url
            .map(|u| format!(" --endpoint-url {}", shell_quote(u)))
            .unwrap_or_default();
        let api =
            |op: &str, rest: String| format!("aws s3api {op} --bucket {bucket}{rest}{endpoint}");
        steps
            .iter()
            .flat_map(|&step| -> Vec<String> {
                match step {
                    SetupStep::Create => {
                        let mut rest = format!(" --region {}", shell_quote(&self.region));
                        if self.region != "us-east-1" {
                            rest.push_str(&format!(
                                " --create-bucket-configuration LocationConstraint={}",
                                shell_quote(&self.region)
                            ));
                        }
                        if self.object_lock {
                            rest.push_str(" --object-lock-enabled-for-bucket");
                        }
                        vec![api("create-bucket", rest)]
                    }
                    SetupStep::Versioning => vec![api(
                        "put-bucket-versioning",
                        " --versioning-configuration Status=Enabled".into(),
                    )],
                    SetupStep::Encryption => vec![api(
                        "put-bucket-encryption",
                        format!(
                            " --server-side-encryption-configuration {}",
                            shell_quote(&self.encryption_json().to_string())
                        ),
                    )],
                    SetupStep::PublicAccessBlock => {
                        let p = self.public_access_block;
                        vec![api(
                            "put-public-access-block",
                            format!(
                                " --public-access-block-configuration BlockPublicAcls={},IgnorePublicAcls={},BlockPublicPolicy={},RestrictPublicBuckets={}",
                                p.block_public_acls,
                                p.ignore_public_acls,
                                p.block_public_policy,
                                p.restrict_public_buckets
                            ),
                        )]
                    }
                    SetupStep::Ownership => vec![api(
                        "put-bucket-ownership-controls",
                        format!(
                            " --ownership-controls {}",
                            shell_quote(&format!("Rules=[{{ObjectOwnership={}}}]", self.ownership.as_str()))
                        ),
                    )],
                    SetupStep::Lifecycle => vec![api(
                        "put-bucket-lifecycle-configuration",
                        format!(
                            " --lifecycle-configuration {}",
                            shell_quote(&self.lifecycle_json().to_string())
                        ),
                    )],
                    SetupStep::Tags => vec![api(
                        "put-bucket-tagging",
                        format!(" --tagging {}", shell_quote(&self.tagging_json().to_string())),
                    )],
                    SetupStep::Cors => vec![api(
                        "put-bucket-cors",
                        format!(
                            " --cors-configuration {}",
                            shell_quote(&self.cors_json().to_string())
                        ),
                    )],
                    SetupStep::Folders => self
                        .folders
                        .iter()
                        .map(|f| {
                            format!(
                                "aws s3api put-object --bucket {bucket} --key {}{endpoint}",
                                shell_quote(f)
                            )
                        })
                        .collect(),
                }
            })
            .collect()
    }

    pub(super) fn encryption_json(&self) -> serde_json::Value {
        let default = match &self.encryption {
            Encryption::SseKms { key_id } => {
                json!({"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_id})
            }
            _ => json!({"SSEAlgorithm": "AES256"}),
        };
        json!({"Rules": [{"ApplyServerSideEncryptionByDefault": default}]})
    }

    pub(super) fn lifecycle_json(&self) -> serde_json::Value {
        let rules: Vec<serde_json::Value> = self
            .lifecycle_rules()
            .into_iter()
            .map(|r| {
                let mut rule = json!({
                    "ID": r.id,
                    "Status": "Enabled",
                    "Filter": {"Prefix": r.prefix},
                });
                if let Some((days, class)) = r.transition {
                    rule["Transitions"] = json!([{"Days": days, "StorageClass": class.as_str()}]);
                }
                if let Some(days) = r.noncurrent_days {
                    rule["NoncurrentVersionExpiration"] = json!({"NoncurrentDays": days});
                }
                if let Some(days) = r.abort_days {
                    rule["AbortIncompleteMultipartUpload"] = json!({"DaysAfterInitiation": days});
                }
                rule
            })
            .collect();
        json!({"Rules": rules})
    }

    pub(super) fn tagging_json(&self) -> serde_json::Value {
        let tags: Vec<_> = self
            .tags
            .iter()
            .map(|(k, v)| json!({"Key": k, "Value": v}))
            .collect();
        json!({"TagSet": tags})
    }

    pub(super) fn cors_json(&self) -> serde_json::Value {
        cors_json(&self.cors_origins)
    }

    /// One lifecycle rule per concern, so each can be read and changed on its own.
    pub(super) fn lifecycle_rules(&self) -> Vec<RuleParts> {
        let mut rules = Vec::new();
        if let Some(days) = self.lifecycle.abort_incomplete_uploads_days {
            rules.push(RuleParts {
                id: "abort-incomplete-multipart-uploads".into(),
                prefix: String::new(),
                abort_days: Some(days),
                ..RuleParts::default()
            });
        }
        if let Some(days) = self.lifecycle.noncurrent_expiration_days {
            rules.push(RuleParts {
                id: "expire-noncurrent-versions".into(),
                prefix: String::new(),
                noncurrent_days: Some(days),
                ..RuleParts::default()
            });
        }
        for (i, t) in self.lifecycle.transitions.iter().enumerate() {
            rules.push(RuleParts {
                id: format!(
                    "transition-{}-{}",
                    i + 1,
                    t.class.as_str().to_ascii_lowercase()
                ),
                prefix: t.prefix.clone(),
                transition: Some((t.days, t.class)),
                ..RuleParts::default()
            });
        }
        rules
    }
}

#[derive(Default)]
pub(super) struct RuleParts {
    pub id: String,
    pub prefix: String,
    pub transition: Option<(u32, TransitionClass)>,
    pub noncurrent_days: Option<u32>,
    pub abort_days: Option<u32>,
}

/// One setting, applied with its own request and reported with its own status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SetupStep {
    Create,
    Versioning,
    Encryption,
    PublicAccessBlock,
    Ownership,
    Lifecycle,
    Tags,
    Cors,
    Folders,
}

impl SetupStep {
    pub fn label(self) -> &'static str {
        match self {
            Self::Create => "Create the bucket",
            Self::Versioning => "Versioning",
            Self::Encryption => "Default encryption",
            Self::PublicAccessBlock => "Block Public Access",
            Self::Ownership => "Object ownership",
            Self::Lifecycle => "Lifecycle rules",
            Self::Tags => "Tags",
            Self::Cors => "CORS for the web app",
            Self::Folders => "Starting folders",
        }
    }

    /// Settings that can change on a bucket that exists.
    pub const EDITABLE: [SetupStep; 5] = [
        Self::Versioning,
        Self::Encryption,
        Self::Lifecycle,
        Self::Tags,
        Self::Cors,
    ];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transitions_parse_from_the_command_line() {
        assert_eq!(
            TransitionRule::parse("raw/:30:STANDARD_IA").unwrap(),
            TransitionRule {
                prefix: "raw/".into(),
                days: 30,
                class: TransitionClass::StandardIa
            }
        );
        assert_eq!(
            TransitionRule::parse(":90:deep-archive").unwrap().prefix,
            ""
        );
        assert_eq!(
            TransitionRule::parse("a:b/:1:GLACIER").unwrap().prefix,
            "a:b/",
            "a prefix may contain ':'"
        );
        assert!(
            TransitionRule::parse("raw/:x:GLACIER")
                .unwrap_err()
                .contains("whole number")
        );
        assert!(
            TransitionRule::parse("raw/:3:COLD")
                .unwrap_err()
                .contains("DEEP_ARCHIVE")
        );
        assert!(TransitionRule::parse("raw").is_err());
    }

    #[test]
    fn defaults_are_what_an_engineer_would_pick() {
        let spec = BucketSpec::new("data", "us-east-1");
        assert_eq!(spec.public_access_block, PublicAccessBlock::ALL_ON);
        assert_eq!(spec.ownership, Ownership::BucketOwnerEnforced);
        assert_eq!(spec.lifecycle.abort_incomplete_uploads_days, Some(7));
        assert_eq!(spec.encryption, Encryption::SseS3);
        assert_eq!(
            spec.steps(),
            [
                SetupStep::Create,
                SetupStep::Encryption,
                SetupStep::PublicAccessBlock,
                SetupStep::Ownership,
                SetupStep::Lifecycle
            ]
        );
    }

    #[test]
    fn golden_commands_us_east_1() {
        let spec = BucketSpec::new("jd-llm-corpus-raw-20261125", "us-east-1");
        let expected = [
            "aws s3api create-bucket --bucket jd-llm-corpus-raw-20261125 --region us-east-1",
            r#"aws s3api put-bucket-encryption --bucket jd-llm-corpus-raw-20261125 --server-side-encryption-configuration '{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"AES256"}}]}'"#,
            "aws s3api put-public-access-block --bucket jd-llm-corpus-raw-20261125 --public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true",
            "aws s3api put-bucket-ownership-controls --bucket jd-llm-corpus-raw-20261125 --ownership-controls 'Rules=[{ObjectOwnership=BucketOwnerEnforced}]'",
            r#"aws s3api put-bucket-lifecycle-configuration --bucket jd-llm-corpus-raw-20261125 --lifecycle-configuration '{"Rules":[{"AbortIncompleteMultipartUpload":{"DaysAfterInitiation":7},"Filter":{"Prefix":""},"ID":"abort-incomplete-multipart-uploads","Status":"Enabled"}]}'"#,
        ];
        assert_eq!(spec.aws_cli_commands(None), expected);
    }

    #[test]
    fn golden_commands_eu_west_1_with_everything() {
        let spec = BucketSpec {
            versioning: true,
            encryption: Encryption::SseKms {
                key_id: "arn:aws:kms:eu-west-1:111122223333:key/abcd".into(),
            },
            public_access_block: PublicAccessBlock {
                block_public_policy: false,
                ..PublicAccessBlock::ALL_ON
            },
            ownership: Ownership::BucketOwnerPreferred,
            object_lock: true,
            lifecycle: Lifecycle {
                transitions: vec![TransitionRule {
                    prefix: "raw/".into(),
                    days: 30,
                    class: TransitionClass::GlacierInstant,
                }],
                noncurrent_expiration_days: Some(90),
                abort_incomplete_uploads_days: Some(3),
            },
            folders: vec!["wiki/v1/train/".into()],
            tags: vec![
                ("project".into(), "llm".into()),
                ("owner".into(), "J. D'Arc".into()),
            ],
            cors_origins: vec!["http://127.0.0.1:8080".into()],
            ..BucketSpec::new("ml-data", "eu-west-1")
        };
        let commands = spec.aws_cli_commands(Some("http://127.0.0.1:3900"));
        let expected = [
            "aws s3api create-bucket --bucket ml-data --region eu-west-1 --create-bucket-configuration LocationConstraint=eu-west-1 --object-lock-enabled-for-bucket --endpoint-url http://127.0.0.1:3900",
            "aws s3api put-bucket-versioning --bucket ml-data --versioning-configuration Status=Enabled --endpoint-url http://127.0.0.1:3900",
            r#"aws s3api put-bucket-encryption --bucket ml-data --server-side-encryption-configuration '{"Rules":[{"ApplyServerSideEncryptionByDefault":{"KMSMasterKeyID":"arn:aws:kms:eu-west-1:111122223333:key/abcd","SSEAlgorithm":"aws:kms"}}]}' --endpoint-url http://127.0.0.1:3900"#,
            "aws s3api put-public-access-block --bucket ml-data --public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=false,RestrictPublicBuckets=true --endpoint-url http://127.0.0.1:3900",
            "aws s3api put-bucket-ownership-controls --bucket ml-data --ownership-controls 'Rules=[{ObjectOwnership=BucketOwnerPreferred}]' --endpoint-url http://127.0.0.1:3900",
            r#"aws s3api put-bucket-lifecycle-configuration --bucket ml-data --lifecycle-configuration '{"Rules":[{"AbortIncompleteMultipartUpload":{"DaysAfterInitiation":3},"Filter":{"Prefix":""},"ID":"abort-incomplete-multipart-uploads","Status":"Enabled"},{"Filter":{"Prefix":""},"ID":"expire-noncurrent-versions","NoncurrentVersionExpiration":{"NoncurrentDays":90},"Status":"Enabled"},{"Filter":{"Prefix":"raw/"},"ID":"transition-1-glacier_ir","Status":"Enabled","Transitions":[{"Days":30,"StorageClass":"GLACIER_IR"}]}]}' --endpoint-url http://127.0.0.1:3900"#,
            r#"aws s3api put-bucket-tagging --bucket ml-data --tagging '{"TagSet":[{"Key":"project","Value":"llm"},{"Key":"owner","Value":"J. D'\''Arc"}]}' --endpoint-url http://127.0.0.1:3900"#,
            r#"aws s3api put-bucket-cors --bucket ml-data --cors-configuration '{"CORSRules":[{"AllowedHeaders":["*"],"AllowedMethods":["GET","PUT","POST","DELETE","HEAD"],"AllowedOrigins":["http://127.0.0.1:8080"],"ExposeHeaders":["ETag","x-amz-version-id","x-amz-request-id","x-amz-checksum-crc32c","x-amz-checksum-crc64nvme"],"MaxAgeSeconds":3000}]}' --endpoint-url http://127.0.0.1:3900"#,
            "aws s3api put-object --bucket ml-data --key wiki/v1/train/ --endpoint-url http://127.0.0.1:3900",
        ];
        assert_eq!(commands, expected);
    }
}
