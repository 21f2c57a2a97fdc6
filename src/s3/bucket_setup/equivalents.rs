//! A bucket spec as boto3 and `skiff mb` would apply it, beside the AWS CLI commands in spec.rs.

use super::spec::{BucketSpec, Encryption, Ownership, PublicAccessBlock, SetupStep};
use crate::s3::commands::Place;
use crate::s3::cors::shell_quote;

/// A JSON value as the Python literal boto3 takes (true → True, null → None).
fn python(value: &serde_json::Value) -> String {
    use serde_json::Value;
    match value {
        Value::Null => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => serde_json::to_string(s).expect("a string serialises"),
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(python).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Object(fields) => {
            let fields: Vec<String> = fields
                .iter()
                .map(|(k, v)| format!("{}: {}", python(&Value::String(k.clone())), python(v)))
                .collect();
            format!("{{{}}}", fields.join(", "))
        }
    }
}

impl BucketSpec {
    /// The boto3 calls that set the bucket up the same way, step by step.
    pub fn boto3_snippet(&self, place: &Place) -> String {
        self.boto3_snippet_for(&self.steps(), place)
    }

    /// The boto3 calls for some of the steps (the settings view's changes).
    pub fn boto3_snippet_for(&self, steps: &[SetupStep], place: &Place) -> String {
        use serde_json::json;
        let mut client = format!(
            "s3 = boto3.client(\"s3\", region_name={}",
            python(&json!(place.region))
        );
        if let Some(url) = &place.endpoint_url {
            client += &format!(", endpoint_url={}", python(&json!(url)));
        }
        let mut out = format!("import boto3\n\n{client})\n");
        let bucket = python(&json!(self.name));
        let call = |op: &str, argument: &str, value: serde_json::Value| {
            format!("s3.{op}(Bucket={bucket}, {argument}={})\n", python(&value))
        };
        for &step in steps {
            out += &match step {
                SetupStep::Create => {
                    let mut extra = String::new();
                    if self.region != "us-east-1" {
                        let location = json!({"LocationConstraint": self.region});
                        extra += &format!(", CreateBucketConfiguration={}", python(&location));
                    }
                    if self.object_lock {
                        extra += ", ObjectLockEnabledForBucket=True";
                    }
                    format!("s3.create_bucket(Bucket={bucket}{extra})\n")
                }
                SetupStep::Versioning => call(
                    "put_bucket_versioning",
                    "VersioningConfiguration",
                    json!({"Status": "Enabled"}),
                ),
                SetupStep::Encryption => call(
                    "put_bucket_encryption",
                    "ServerSideEncryptionConfiguration",
                    self.encryption_json(),
                ),
                SetupStep::PublicAccessBlock => {
                    let p = self.public_access_block;
                    call(
                        "put_public_access_block",
                        "PublicAccessBlockConfiguration",
                        json!({
                            "BlockPublicAcls": p.block_public_acls,
                            "IgnorePublicAcls": p.ignore_public_acls,
                            "BlockPublicPolicy": p.block_public_policy,
                            "RestrictPublicBuckets": p.restrict_public_buckets,
                        }),
                    )
                }
                SetupStep::Ownership => call(
                    "put_bucket_ownership_controls",
                    "OwnershipControls",
                    json!({"Rules": [{"ObjectOwnership": self.ownership.as_str()}]}),
                ),
                SetupStep::Lifecycle => call(
                    "put_bucket_lifecycle_configuration",
                    "LifecycleConfiguration",
                    self.lifecycle_json(),
                ),
                SetupStep::Tags => call("put_bucket_tagging", "Tagging", self.tagging_json()),
                SetupStep::Cors => call("put_bucket_cors", "CORSConfiguration", self.cors_json()),
                SetupStep::Folders => self
                    .folders
                    .iter()
                    .map(|f| {
                        format!(
                            "s3.put_object(Bucket={bucket}, Key={})\n",
                            python(&json!(f))
                        )
                    })
                    .collect(),
            };
        }
        out
    }

    /// The `skiff mb` command that sets the bucket up the same way.
    pub fn skiff_command(&self, place: &Place) -> String {
        let mut words = vec![format!(
            "skiff mb {}",
            shell_quote(&format!("s3://{}", self.name))
        )];
        if self.versioning {
            words.push("--versioning".into());
        }
        words.push(match &self.encryption {
            Encryption::SseS3 => "--encryption sse-s3".into(),
            Encryption::None => "--encryption none".into(),
            Encryption::SseKms { key_id } => {
                format!("--encryption {}", shell_quote(&format!("sse-kms:{key_id}")))
            }
        });
        let p = self.public_access_block;
        if p == PublicAccessBlock::ALL_OFF {
            words.push("--no-block-public-access".into());
        } else if p != PublicAccessBlock::ALL_ON {
            let on: Vec<&str> = [
                (p.block_public_acls, "block-public-acls"),
                (p.ignore_public_acls, "ignore-public-acls"),
                (p.block_public_policy, "block-public-policy"),
                (p.restrict_public_buckets, "restrict-public-buckets"),
            ]
            .into_iter()
            .filter_map(|(set, name)| set.then_some(name))
            .collect();
            words.push(format!("--public-access-block {}", on.join(",")));
        }
        if self.ownership != Ownership::default() {
            words.push(format!("--ownership {}", self.ownership.as_str()));
        }
        if self.object_lock {
            words.push("--object-lock".into());
        }
        let lifecycle = &self.lifecycle;
        words.push(format!(
            "--lifecycle-abort-days {}",
            lifecycle.abort_incomplete_uploads_days.unwrap_or(0)
        ));
        if let Some(days) = lifecycle.noncurrent_expiration_days {
            words.push(format!("--noncurrent-expire-days {days}"));
        }
        for t in &lifecycle.transitions {
            let rule = format!("{}:{}:{}", t.prefix, t.days, t.class.as_str());
            words.push(format!("--transition {}", shell_quote(&rule)));
        }
        for (k, v) in &self.tags {
            words.push(format!("--tag {}", shell_quote(&format!("{k}={v}"))));
        }
        for origin in &self.cors_origins {
            words.push(format!("--cors-origin {}", shell_quote(origin)));
        }
        for folder in &self.folders {
            words.push(format!("--folder {}", shell_quote(folder)));
        }
        if let Some(url) = &place.endpoint_url {
            words.push(format!("--endpoint-url {}", shell_quote(url)));
        }
        words.push(format!("--region {}", shell_quote(&self.region)));
        words.join(" \\\n    ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_becomes_python() {
        let value = serde_json::json!({"A": [true, false, null, 3, "x\"y"]});
        assert_eq!(python(&value), r#"{"A": [True, False, None, 3, "x\"y"]}"#);
    }

    #[test]
    fn skiff_mb_names_what_differs_from_its_defaults() {
        let mut spec = BucketSpec::new("lab-data", "eu-west-1");
        spec.versioning = true;
        spec.public_access_block.block_public_policy = false;
        spec.ownership = Ownership::ObjectWriter;
        spec.tags.push(("team".into(), "nlp core".into()));
        let place = Place::new("http://127.0.0.1:3900", "garage");
        let command = spec.skiff_command(&place);
        assert_eq!(
            command,
            "skiff mb s3://lab-data \\\n    --versioning \\\n    --encryption sse-s3 \\\n    \
             --public-access-block block-public-acls,ignore-public-acls,restrict-public-buckets \
             \\\n    --ownership ObjectWriter \\\n    --lifecycle-abort-days 7 \\\n    \
             --tag 'team=nlp core' \\\n    --endpoint-url http://127.0.0.1:3900 \\\n    \
             --region eu-west-1"
        );
        let boto3 = spec.boto3_snippet(&place);
        assert!(
            boto3.contains("CreateBucketConfiguration={\"LocationConstraint\": \"eu-west-1\"}"),
            "{boto3}"
        );
        assert!(boto3.contains("\"BlockPublicPolicy\": False"), "{boto3}");
    }

    #[test]
    fn a_change_to_some_settings_shows_only_those() {
        let mut spec = BucketSpec::new("lab-data", "us-east-1");
        spec.tags.push(("team".into(), "nlp".into()));
        let place = Place::new("http://127.0.0.1:9000", "us-east-1");
        let aws = spec.aws_cli_commands_for(&[SetupStep::Tags], place.endpoint_url.as_deref());
        assert_eq!(aws.len(), 1);
        assert!(
            aws[0].starts_with("aws s3api put-bucket-tagging --bucket lab-data"),
            "{aws:?}"
        );
        let boto3 = spec.boto3_snippet_for(&[SetupStep::Tags], &place);
        assert!(boto3.contains("put_bucket_tagging"), "{boto3}");
        assert!(!boto3.contains("create_bucket"), "{boto3}");
    }
}
