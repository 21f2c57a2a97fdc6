//! What a user connects to, and the live connection once made.

use serde::{Deserialize, Serialize};

pub use super::address::is_loopback_url;
use super::error::{S3Error, Target};

/// A saved way to reach an S3 service. Persisted, so it never holds a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ConnectionSpec {
    /// The embedded local S3 server.
    Sandbox,
    /// A profile from `~/.aws/config` / `~/.aws/credentials` (or the default chain for `default`).
    AwsProfile { name: String },
    /// MinIO, Garage, Ceph, R2 or any other S3-compatible endpoint.
    Custom(CustomEndpoint),
}

impl ConnectionSpec {
    pub fn label(&self) -> String {
        match self {
            Self::Sandbox => "Local sandbox".into(),
            Self::AwsProfile { name } => format!("AWS profile: {name}"),
            Self::Custom(c) if c.name.is_empty() => "No connection yet".into(),
            Self::Custom(c) => c.name.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CustomEndpoint {
    pub name: String,
    pub url: String,
    pub region: String,
    pub path_style: bool,
    /// The access key ID is an identifier, not a secret: it is kept so the user need not retype it.
    pub access_key_id: String,
    #[serde(skip)]
    pub secret_access_key: Secret,
    /// The user asked for the secret to be kept in the OS keychain (never in Skiff's files).
    pub secret_in_keychain: bool,
}

impl Default for CustomEndpoint {
    fn default() -> Self {
        Self {
            name: String::new(),
            url: "http://127.0.0.1:9000".into(),
            region: "us-east-1".into(),
            path_style: true,
            access_key_id: String::new(),
            secret_access_key: Secret::default(),
            secret_in_keychain: false,
        }
    }
}

impl CustomEndpoint {
    /// Problems a user must fix before connecting, in words.
    pub fn validate(&self) -> Result<(), String> {
        if self.name.trim().is_empty() {
            return Err("Give the endpoint a name.".into());
        }
        let url = self.url.trim();
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err("The URL must start with http:// or https://.".into());
        }
        if url.parse::<http::Uri>().is_err() {
            return Err(format!("{url} is not a valid URL."));
        }
        if self.region.trim().is_empty() {
            return Err(
                "Enter a region (MinIO and Garage accept us-east-1 or their configured name)."
                    .into(),
            );
        }
        if self.access_key_id.trim().is_empty() || self.secret_access_key.is_empty() {
            return Err("Enter the access key and the secret key.".into());
        }
        Ok(())
    }
}

/// A secret that never prints and never serialises.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// For a password field in the UI.
    pub fn as_mut_string(&mut self) -> &mut String {
        &mut self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_empty() {
            "<empty>"
        } else {
            "<redacted>"
        })
    }
}

/// Where the embedded sandbox (or any fixed endpoint with static keys) can be reached.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaticEndpoint {
    pub endpoint: String,
    pub region: String,
    pub access_key_id: String,
    /// Serialised (`sandbox.json` hands it to the web app), but never printed.
    pub secret_access_key: String,
}

impl StaticEndpoint {
    /// The line that points the AWS CLI, s5cmd or boto3 in a shell at this endpoint:
    /// `export AWS_ENDPOINT_URL=… AWS_REGION=… AWS_ACCESS_KEY_ID=… AWS_SECRET_ACCESS_KEY=…`.
    pub fn aws_cli_env(&self) -> String {
        let pairs = [
            ("AWS_ENDPOINT_URL", &self.endpoint),
            ("AWS_REGION", &self.region),
            ("AWS_ACCESS_KEY_ID", &self.access_key_id),
            ("AWS_SECRET_ACCESS_KEY", &self.secret_access_key),
        ];
        let assignments: Vec<String> = pairs
            .iter()
            .map(|(name, value)| format!("{name}={}", shell_word(value)))
            .collect();
        format!("export {}", assignments.join(" "))
    }
}

/// `value` as one POSIX shell word: as it is when it holds only safe characters, else in single
/// quotes.
fn shell_word(value: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "-_./:@%+=,[]".contains(c);
    if !value.is_empty() && value.chars().all(safe) {
        value.to_owned()
    } else {
        format!("'{}'", value.replace('\'', r"'\''"))
    }
}

impl std::fmt::Debug for StaticEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaticEndpoint")
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .finish()
    }
}

/// A connected client plus what it is connected to.
#[derive(Clone, Debug)]
pub struct Connection {
    pub label: String,
    /// The URL shown to users and named in errors; `AWS (region)` for the default endpoints.
    pub endpoint: String,
    pub region: String,
    /// Self-hosted servers serve one region: every bucket is in `region`.
    pub single_region: bool,
    pub client: aws_sdk_s3::Client,
    /// Where the credentials come from when they can expire (the AWS chain: SSO, STS, roles);
    /// `None` for fixed keys. Asked by share links, which die with their credentials.
    pub expiring_credentials: Option<aws_credential_types::provider::SharedCredentialsProvider>,
}

impl Connection {
    pub fn target(&self) -> Target {
        Target::endpoint(self.endpoint.clone())
    }

    /// A client for a bucket that lives in another region than the connection's.
    pub fn in_region(&self, region: &str) -> Connection {
        if region == self.region || region.is_empty() {
            return self.clone();
        }
        let config = self
            .client
            .config()
            .to_builder()
            .region(aws_sdk_s3::config::Region::new(region.to_owned()))
            .build();
        Connection {
            label: self.label.clone(),
            endpoint: self.endpoint.clone(),
            region: region.to_owned(),
            single_region: self.single_region,
            client: aws_sdk_s3::Client::from_conf(config),
            expiring_credentials: self.expiring_credentials.clone(),
        }
    }

    /// Whether a request body's SHA-256 must be in the signature to keep it safe on the way: only
    /// over plain HTTP to another machine. Over TLS, or on this machine, the CRC32C every body
    /// carries (and the server checks) guards it, and hashing each byte again with SHA-256 costs
    /// more CPU than the rest of an upload.
    pub fn signs_payloads(&self) -> bool {
        // https://, or AWS's own endpoints (shown as `AWS (region)`), which are TLS.
        let plain_http = self.endpoint.to_ascii_lowercase().starts_with("http://");
        plain_http && !is_loopback_url(&self.endpoint)
    }

    /// Maps an SDK error with this connection's endpoint and region.
    pub fn error<E>(
        &self,
        err: aws_sdk_s3::error::SdkError<
            E,
            aws_smithy_runtime_api::client::orchestrator::HttpResponse,
        >,
        target: &Target,
    ) -> S3Error
    where
        E: aws_sdk_s3::error::ProvideErrorMetadata + std::error::Error + 'static,
    {
        S3Error::from_sdk(err, target, &self.region)
    }
}

/// Leaves a body out of the signature where [`Connection::signs_payloads`] allows. The SDK
/// offers that switch on the operations that send bodies, each on its own type.
pub trait SignBodyWhereNeeded {
    fn sign_body_where_needed(self, connection: &Connection) -> Self;
}

macro_rules! sign_body_where_needed {
    ($($output:ty),*) => {$(
        impl<E, B> SignBodyWhereNeeded for aws_sdk_s3::client::customize::CustomizableOperation<$output, E, B> {
            fn sign_body_where_needed(self, connection: &Connection) -> Self {
                if connection.signs_payloads() {
                    self
                } else {
                    self.disable_payload_signing()
                }
            }
        }
    )*};
}

sign_body_where_needed!(
    aws_sdk_s3::operation::put_object::PutObjectOutput,
    aws_sdk_s3::operation::upload_part::UploadPartOutput
);

/// Profile names from the shared AWS config and credentials files, `default` first.
///
/// `config` uses `[profile NAME]` (and `[default]`), `credentials` uses `[NAME]`; `sso-session`
/// and `services` sections are not profiles.
pub fn profile_names(config_text: &str, credentials_text: &str) -> Vec<String> {
    let mut names = std::collections::BTreeSet::new();
    let headers = |text: &str| -> Vec<String> {
        text.lines()
            .filter_map(|l| {
                let l = l.trim();
                l.strip_prefix('[')?
                    .strip_suffix(']')
                    .map(|s| s.trim().to_owned())
            })
            .collect()
    };
    for h in headers(config_text) {
        if h == "default" {
            names.insert(h);
        } else if let Some(name) = h.strip_prefix("profile ") {
            names.insert(name.trim().to_owned());
        }
    }
    for h in headers(credentials_text) {
        if !h.contains(' ') {
            names.insert(h);
        }
    }
    let mut out: Vec<String> = names.into_iter().collect();
    if let Some(i) = out.iter().position(|n| n == "default") {
        let d = out.remove(i);
        out.insert(0, d);
    }
    out
}

#[cfg(test)]
mod debug_tests {
    use super::*;

    #[test]
    fn debug_never_prints_a_secret() {
        let endpoint = StaticEndpoint {
            endpoint: "http://127.0.0.1:1".into(),
            region: "us-east-1".into(),
            access_key_id: "AKID".into(),
            secret_access_key: "s3cr3t-value".into(),
        };
        let custom = CustomEndpoint {
            secret_access_key: Secret::new("s3cr3t-value"),
            ..CustomEndpoint::default()
        };
        for text in [
            format!("{endpoint:?}"),
            format!("{endpoint:#?}"),
            format!("{custom:?}"),
            format!("{:?}", ConnectionSpec::Custom(custom.clone())),
        ] {
            assert!(!text.contains("s3cr3t"), "{text}");
        }
    }

    #[test]
    fn the_aws_cli_line_is_one_shell_word_per_value() {
        let endpoint = StaticEndpoint {
            endpoint: "http://127.0.0.1:9000".into(),
            region: "us-east-1".into(),
            access_key_id: "AKID".into(),
            secret_access_key: "it's a secret".into(),
        };
        assert_eq!(
            endpoint.aws_cli_env(),
            "export AWS_ENDPOINT_URL=http://127.0.0.1:9000 AWS_REGION=us-east-1 \
             AWS_ACCESS_KEY_ID=AKID AWS_SECRET_ACCESS_KEY='it'\\''s a secret'"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_are_signed_only_over_plain_http_to_another_machine() {
        let signs = |url: &str| {
            crate::s3::client::static_connection(
                "t",
                &StaticEndpoint {
                    endpoint: url.into(),
                    region: "us-east-1".into(),
                    access_key_id: "k".into(),
                    secret_access_key: "s".into(),
                },
                true,
            )
            .signs_payloads()
        };
        assert!(signs("http://10.0.0.5:9000"));
        assert!(signs("http://minio.lan/"));
        assert!(signs("HTTP://storage.example.com:3900"));
        assert!(!signs("https://s3.example.com"));
        assert!(!signs("http://127.0.0.1:3900"));
        assert!(!signs("http://127.8.0.1"));
        assert!(!signs("http://localhost:9000/"));
        assert!(!signs("http://[::1]:9000"));
    }

    #[test]
    fn profiles_from_both_files() {
        let config = "[default]\nregion=us-east-1\n[profile ml]\nsso_session=x\n[sso-session x]\n[services s]\n";
        let creds = "[default]\naws_access_key_id=A\n[minio]\naws_access_key_id=B\n";
        assert_eq!(profile_names(config, creds), vec!["default", "minio", "ml"]);
        assert!(profile_names("", "").is_empty());
    }

    #[test]
    fn secrets_do_not_print_or_persist() {
        let mut c = CustomEndpoint {
            name: "minio".into(),
            access_key_id: "AKIA".into(),
            ..Default::default()
        };
        *c.secret_access_key.as_mut_string() = "hunter2".into();
        assert!(!format!("{c:?}").contains("hunter2"));
        let json = serde_json::to_string(&c).unwrap();
        assert!(!json.contains("hunter2"), "{json}");
        let back: CustomEndpoint = serde_json::from_str(&json).unwrap();
        assert!(back.secret_access_key.is_empty());
    }

    #[test]
    fn custom_endpoint_validation() {
        let mut c = CustomEndpoint {
            name: "garage".into(),
            access_key_id: "GK1".into(),
            secret_access_key: Secret::new("s"),
            ..Default::default()
        };
        assert!(c.validate().is_ok());
        c.url = "127.0.0.1:3900".into();
        assert!(c.validate().unwrap_err().contains("http://"));
        c.url = "http://127.0.0.1:3900".into();
        c.secret_access_key = Secret::default();
        assert!(c.validate().unwrap_err().contains("secret key"));
    }
}
