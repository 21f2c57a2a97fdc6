//! Builds SDK clients for each kind of connection, with timeouts and retries set for an
//! interactive app.

use std::time::Duration;

use aws_sdk_s3::config::{
    BehaviorVersion, Credentials, Region, RequestChecksumCalculation, ResponseChecksumValidation,
    retry::RetryConfig, timeout::TimeoutConfig,
};

#[cfg(not(target_arch = "wasm32"))]
use super::connection::ConnectionSpec;
use super::connection::{Connection, StaticEndpoint};
#[cfg(not(target_arch = "wasm32"))]
use super::error::S3Error;

pub const DEFAULT_REGION: &str = "us-east-1";

fn timeouts() -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(5))
        .read_timeout(Duration::from_secs(60))
        .operation_attempt_timeout(Duration::from_secs(120))
        .build()
}

/// A client for an endpoint with static keys: the sandbox, or a custom endpoint.
pub fn static_connection(label: &str, endpoint: &StaticEndpoint, path_style: bool) -> Connection {
    let credentials = Credentials::new(
        endpoint.access_key_id.clone(),
        endpoint.secret_access_key.clone(),
        None,
        None,
        "skiff-static",
    );
    let builder = aws_sdk_s3::config::Builder::new()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(endpoint.region.clone()))
        .endpoint_url(endpoint.endpoint.trim_end_matches('/'))
        .force_path_style(path_style)
        .credentials_provider(credentials)
        // S3-compatible servers differ in which flexible checksums they accept; send them only
        // where the operation requires one.
        .request_checksum_calculation(RequestChecksumCalculation::WhenRequired)
        .response_checksum_validation(ResponseChecksumValidation::WhenRequired)
        .retry_config(RetryConfig::standard().with_max_attempts(3))
        .timeout_config(timeouts());
    let builder = platform::with_runtime(builder);
    Connection {
        label: label.to_owned(),
        endpoint: endpoint.endpoint.clone(),
        region: endpoint.region.clone(),
        single_region: true,
        client: aws_sdk_s3::Client::from_conf(builder.build()),
        expiring_credentials: None,
    }
}

/// Connects to what `spec` names. The sandbox's address comes from the running sandbox.
#[cfg(not(target_arch = "wasm32"))]
pub async fn connect(
    spec: &ConnectionSpec,
    sandbox: Option<&StaticEndpoint>,
    region_override: Option<&str>,
) -> Result<Connection, S3Error> {
    match spec {
        ConnectionSpec::Sandbox => match sandbox {
            Some(endpoint) => Ok(static_connection(&spec.label(), endpoint, true)),
            None => Err(S3Error::Other {
                what: "Local sandbox".into(),
                detail: "the embedded server is not running".into(),
            }),
        },
        ConnectionSpec::Custom(custom) => {
            if let Err(problem) = custom.validate() {
                return Err(S3Error::Other {
                    what: custom.name.clone(),
                    detail: problem.trim_end_matches('.').to_owned(),
                });
            }
            if custom.access_key_id.is_empty() {
                return Err(S3Error::NoCredentials {
                    endpoint: custom.url.clone(),
                });
            }
            let endpoint = StaticEndpoint {
                endpoint: custom.url.trim().to_owned(),
                region: region_override.unwrap_or(custom.region.trim()).to_owned(),
                access_key_id: custom.access_key_id.trim().to_owned(),
                secret_access_key: custom.secret_access_key.expose().trim().to_owned(),
            };
            Ok(static_connection(
                &custom.name,
                &endpoint,
                custom.path_style,
            ))
        }
        ConnectionSpec::AwsProfile { name } => {
            Ok(aws_chain_connection(Some(name), None, region_override).await)
        }
    }
}

/// The standard AWS credential chain (environment, profiles, SSO, instance metadata), as the AWS
/// CLI resolves it, including `AWS_ENDPOINT_URL`.
#[cfg(not(target_arch = "wasm32"))]
pub async fn aws_chain_connection(
    profile: Option<&str>,
    endpoint_url: Option<&str>,
    region: Option<&str>,
) -> Connection {
    let mut loader = aws_config::defaults(BehaviorVersion::latest());
    if let Some(p) = profile {
        loader = loader.profile_name(p);
    }
    if let Some(url) = endpoint_url {
        loader = loader.endpoint_url(url);
    }
    if let Some(r) = region {
        loader = loader.region(Region::new(r.to_owned()));
    }
    let sdk_config = loader.load().await;
    let region = sdk_config
        .region()
        .map(|r| r.to_string())
        .unwrap_or_else(|| DEFAULT_REGION.to_owned());
    let custom_endpoint = sdk_config.endpoint_url().map(str::to_owned);
    let mut builder = aws_sdk_s3::config::Builder::from(&sdk_config)
        .region(Region::new(region.clone()))
        .retry_config(RetryConfig::standard().with_max_attempts(3))
        .timeout_config(timeouts());
    if custom_endpoint.is_some() {
        // Self-hosted servers rarely have wildcard DNS for virtual-hosted buckets.
        builder = builder
            .force_path_style(true)
            .request_checksum_calculation(RequestChecksumCalculation::WhenRequired)
            .response_checksum_validation(ResponseChecksumValidation::WhenRequired);
    }
    let label = match profile {
        Some(p) => format!("AWS profile: {p}"),
        None => "AWS".to_owned(),
    };
    Connection {
        label,
        single_region: custom_endpoint.is_some(),
        endpoint: custom_endpoint.unwrap_or_else(|| format!("AWS S3 ({region})")),
        region,
        client: aws_sdk_s3::Client::from_conf(builder.build()),
        expiring_credentials: sdk_config.credentials_provider(),
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod platform {
    pub fn with_runtime(b: aws_sdk_s3::config::Builder) -> aws_sdk_s3::config::Builder {
        b
    }
}

#[cfg(target_arch = "wasm32")]
mod platform {
    pub fn with_runtime(b: aws_sdk_s3::config::Builder) -> aws_sdk_s3::config::Builder {
        super::super::web_http::configure(b)
    }
}
