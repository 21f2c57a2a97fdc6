//! The CORS rule the Skiff web app needs of a bucket, as a configuration and as the AWS CLI
//! command that writes it.

use serde_json::json;

/// What the Skiff web app needs of a bucket's CORS: the methods it uses, and ETag exposed for
/// multipart uploads.
pub const CORS_METHODS: [&str; 5] = ["GET", "PUT", "POST", "DELETE", "HEAD"];
pub const CORS_EXPOSE: [&str; 5] = [
    "ETag",
    "x-amz-version-id",
    "x-amz-request-id",
    "x-amz-checksum-crc32c",
    "x-amz-checksum-crc64nvme",
];

pub(crate) fn cors_json(origins: &[String]) -> serde_json::Value {
    json!({"CORSRules": [{
        "AllowedOrigins": origins,
        "AllowedMethods": CORS_METHODS,
        "AllowedHeaders": ["*"],
        "ExposeHeaders": CORS_EXPOSE,
        "MaxAgeSeconds": 3000,
    }]})
}

/// The AWS CLI command that lets the web app served from `origin` use `bucket`.
pub fn web_access_command(bucket: &str, origin: &str, endpoint_url: Option<&str>) -> String {
    let endpoint = endpoint_url
        .map(|u| format!(" --endpoint-url {}", shell_quote(u)))
        .unwrap_or_default();
    format!(
        "aws s3api put-bucket-cors --bucket {} --cors-configuration {}{endpoint}",
        shell_quote(bucket),
        shell_quote(&cors_json(&[origin.to_owned()]).to_string())
    )
}

pub(crate) fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=,@+".contains(c))
    {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}
