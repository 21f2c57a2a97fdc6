//! One error type for everything S3 answers, mapped from service codes in one place.
//!
//! Each error names what it was about (endpoint, bucket, key) and carries a hint: what the user can
//! do next. Nothing here ever includes a credential.

use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;

/// What a request was about, so that an error can say where it went wrong.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Target {
    pub endpoint: String,
    pub bucket: Option<String>,
    pub key: Option<String>,
}

impl Target {
    pub fn endpoint(endpoint: impl Into<String>) -> Self {
        Self {
            endpoint: endpoint.into(),
            ..Self::default()
        }
    }

    pub fn bucket(mut self, bucket: impl Into<String>) -> Self {
        self.bucket = Some(bucket.into());
        self
    }

    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }

    /// `s3://bucket/key`, `s3://bucket` or the endpoint.
    pub fn describe(&self) -> String {
        match (&self.bucket, &self.key) {
            (Some(b), Some(k)) => format!("s3://{b}/{k}"),
            (Some(b), None) => format!("s3://{b}"),
            _ => self.endpoint.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum S3Error {
    #[error("Cannot reach {endpoint}: {detail}.")]
    Unreachable { endpoint: String, detail: String },
    /// In a browser a refused cross-origin request and an unreachable host look the same.
    #[error(
        "The browser could not reach {what}: {endpoint} does not allow this page to call it (CORS), or it is down."
    )]
    BlockedByBrowser {
        endpoint: String,
        what: String,
        bucket: Option<String>,
        /// The page's origin, for the rule to add.
        origin: String,
    },
    #[error("The secure connection to {endpoint} failed: {detail}.")]
    Tls { endpoint: String, detail: String },
    #[error("{endpoint} did not answer in time.")]
    Timeout { endpoint: String },
    #[error("No credentials were found for {endpoint}.")]
    NoCredentials { endpoint: String },
    #[error("{endpoint} does not know this access key.")]
    UnknownAccessKey { endpoint: String },
    #[error(
        "{endpoint} rejected the request signature: the secret key does not match the access key."
    )]
    SignatureMismatch { endpoint: String },
    #[error("The credentials for {endpoint} have expired.")]
    ExpiredCredentials { endpoint: String },
    /// The profile signs in with SSO (IAM Identity Center), and its token is missing or expired.
    #[error("The SSO sign-in for {endpoint} is missing or has expired.")]
    SsoSignInNeeded { endpoint: String },
    #[error("Access denied to {what}.")]
    AccessDenied { what: String },
    #[error("Bucket {bucket} is in region {}, not {used}.", actual.as_deref().unwrap_or("another region"))]
    WrongRegion {
        bucket: String,
        used: String,
        actual: Option<String>,
    },
    #[error("There is no bucket named {bucket}.")]
    NoSuchBucket { bucket: String },
    #[error("There is no object {what}.")]
    NotFound { what: String },
    #[error("{what} is busy and asked to slow down.")]
    SlowDown { what: String },
    #[error("The request was cancelled.")]
    Cancelled,
    #[error("{what}: this endpoint does not support that setting.")]
    Unsupported { what: String },
    #[error("The bucket name {bucket} is taken by another account (bucket names are global).")]
    BucketNameTaken { bucket: String },
    #[error("You already own a bucket named {bucket}.")]
    BucketAlreadyYours { bucket: String },
    #[error("{bucket} is not a valid bucket name{}.", message.as_deref().map(|m| format!(": {m}")).unwrap_or_default())]
    InvalidBucketName {
        bucket: String,
        message: Option<String>,
    },
    #[error("Bucket {bucket} cannot be created in region {region} through this endpoint.")]
    IllegalLocation { bucket: String, region: String },
    #[error("{what}: {code}{}.", message.as_deref().map(|m| format!(" ({m})")).unwrap_or_default())]
    Service {
        what: String,
        code: String,
        message: Option<String>,
    },
    #[error("{what}: the server's answer (HTTP {status}) could not be read.")]
    UnreadableAnswer { what: String, status: u16 },
    #[error("{what}: {detail}.")]
    Other { what: String, detail: String },
}

impl S3Error {
    /// What the user can do about it.
    pub fn hint(&self) -> String {
        match self {
            Self::Unreachable { .. } => {
                "Check the endpoint URL and port, that the server is running, and your network."
                    .into()
            }
            Self::BlockedByBrowser {
                endpoint,
                bucket,
                origin,
                ..
            } => cors_hint(endpoint, bucket.as_deref(), origin),
            Self::Tls { .. } => {
                "Check that the URL's scheme matches the server (http:// or https://) \
                 and that its certificate is trusted by this machine."
                    .into()
            }
            Self::Timeout { .. } => {
                "The server may be overloaded or the network slow. Try again.".into()
            }
            Self::NoCredentials { .. } => {
                "Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, choose a profile \
                 from ~/.aws/config, or enter an access key in the endpoint's settings."
                    .into()
            }
            Self::UnknownAccessKey { .. } => {
                "Check the access key ID, and that it belongs to this endpoint.".into()
            }
            Self::SignatureMismatch { .. } => "Re-enter the secret access key; check for spaces \
                 copied with it. A clock more than 15 minutes off also causes this."
                .into(),
            Self::ExpiredCredentials { .. } => {
                "Refresh them (for SSO: `aws sso login --profile NAME`) and reconnect.".into()
            }
            Self::SsoSignInNeeded { .. } => "Sign in again: `skiff login --profile NAME` (in the \
                 app, “🔑 Sign in with SSO”) or `aws sso login --profile NAME`."
                .into(),
            Self::AccessDenied { .. } => "Your credentials lack permission for this. Ask for the \
                 s3:ListBucket / s3:GetObject rights, or type a bucket you can use."
                .into(),
            Self::WrongRegion { actual, .. } => match actual {
                Some(r) => format!("Set the connection's region to {r} and connect again."),
                None => "Set the connection's region to the bucket's region.".into(),
            },
            Self::NoSuchBucket { .. } => {
                "Check the name; the bucket may have been deleted. Refresh the bucket list.".into()
            }
            Self::NotFound { .. } => {
                "It may have been deleted or renamed. Refresh the listing.".into()
            }
            Self::SlowDown { .. } => {
                "Wait a moment and retry; fewer parallel requests help.".into()
            }
            Self::Cancelled => "Start it again when you are ready.".into(),
            Self::Unsupported { .. } => {
                "The rest works without it; a full S3 service (AWS, MinIO, Ceph) offers it.".into()
            }
            Self::BucketNameTaken { .. } => {
                "Choose another name: add your initials, a project word or the date.".into()
            }
            Self::BucketAlreadyYours { .. } => {
                "Open it from the bucket list, or choose another name for a new bucket.".into()
            }
            Self::InvalidBucketName { .. } => "Use 3 to 63 lowercase letters, digits, hyphens and dots, beginning and ending with a letter or digit."
                .into(),
            Self::IllegalLocation { .. } => "Choose the region the connection uses, or connect with the region you want (the endpoint decides where buckets can live)."
                .into(),
            Self::Service { code, .. } => match code.as_str() {
                "InvalidTag" => "Tag keys may not start with 'aws:'; keys have at most 128 \
                     characters and values 256. Change the tag and retry."
                    .into(),
                "MalformedXML" | "InvalidArgument" | "InvalidRequest" | "InvalidStorageClass" => {
                    "The server refused the setting as given: change it and retry.".into()
                }
                "KMS.NotFoundException" | "KMSKeyNotFound" | "InvalidEncryptionAlgorithmError" => {
                    "Check the KMS key id or ARN, and that the key is in the bucket's region.".into()
                }
                _ => "Retry; if it persists, check the server's logs or status page.".into(),
            },
            Self::Other { .. } => {
                "Retry; if it persists, check the server's logs or status page.".into()
            }
            Self::UnreadableAnswer { .. } => "The server may not follow S3's answer format for \
                 this request. Check the result (refresh), and retry if it is missing."
                .into(),
        }
    }

    /// Worth retrying as is, without the user changing anything.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Self::Unreachable { .. } | Self::Timeout { .. } | Self::SlowDown { .. }
        )
    }

    /// Message and hint as one paragraph, for the command line.
    pub fn with_hint(&self) -> String {
        format!("{self} {}", self.hint())
    }

    /// Maps any SDK error. `region` is the region the request was signed for.
    pub fn from_sdk<E>(err: SdkError<E, HttpResponse>, target: &Target, region: &str) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let endpoint = target.endpoint.clone();
        match &err {
            SdkError::TimeoutError(_) => Self::Timeout { endpoint },
            SdkError::DispatchFailure(failure) => {
                let detail = source_chain(&err);
                if failure.is_timeout() {
                    Self::Timeout { endpoint }
                } else if let Some(origin) = page_origin() {
                    Self::BlockedByBrowser {
                        endpoint,
                        what: target.describe(),
                        bucket: target.bucket.clone(),
                        origin,
                    }
                } else if detail.to_ascii_lowercase().contains("sso token") {
                    // The credential chain failed before any request left: the SSO token.
                    Self::SsoSignInNeeded { endpoint }
                } else if looks_like_tls(&detail) {
                    Self::Tls {
                        endpoint,
                        detail: short_detail(&detail),
                    }
                } else {
                    Self::Unreachable {
                        endpoint,
                        detail: short_detail(&detail),
                    }
                }
            }
            SdkError::ConstructionFailure(_) => {
                let detail = source_chain(&err);
                if detail.contains("credentials") {
                    Self::NoCredentials { endpoint }
                } else {
                    Self::Other {
                        what: target.describe(),
                        detail: short_detail(&detail),
                    }
                }
            }
            SdkError::ResponseError(_) => Self::Other {
                what: target.describe(),
                detail: format!(
                    "the server's answer could not be read ({})",
                    short_detail(&source_chain(&err))
                ),
            },
            SdkError::ServiceError(service) => {
                let raw = service.raw();
                let status = raw.status().as_u16();
                let bucket_region = raw.headers().get("x-amz-bucket-region").map(str::to_owned);
                let meta = service.err();
                Self::from_code(
                    meta.code(),
                    meta.message(),
                    status,
                    bucket_region,
                    target,
                    region,
                )
            }
            _ => Self::Other {
                what: target.describe(),
                detail: short_detail(&source_chain(&err)),
            },
        }
    }

    /// The one place where service error codes (and bare HTTP statuses, for HEAD requests that
    /// carry no body) become meanings.
    pub fn from_code(
        code: Option<&str>,
        message: Option<&str>,
        status: u16,
        bucket_region: Option<String>,
        target: &Target,
        region: &str,
    ) -> Self {
        let endpoint = target.endpoint.clone();
        let what = target.describe();
        let bucket = target.bucket.clone().unwrap_or_default();
        match (code, status) {
            (Some("InvalidAccessKeyId" | "NotSignedUp"), _) => Self::UnknownAccessKey { endpoint },
            (Some("SignatureDoesNotMatch"), _) => Self::SignatureMismatch { endpoint },
            (Some("ExpiredToken" | "TokenRefreshRequired" | "InvalidToken"), _) => {
                Self::ExpiredCredentials { endpoint }
            }
            (Some("NotImplemented"), _) | (None, 501) => Self::Unsupported { what },
            (Some("BucketAlreadyExists"), _) => Self::BucketNameTaken { bucket },
            (Some("BucketAlreadyOwnedByYou"), _) => Self::BucketAlreadyYours { bucket },
            (Some("InvalidBucketName"), _) => Self::InvalidBucketName {
                bucket,
                message: message.map(str::to_owned),
            },
            (Some("IllegalLocationConstraintException" | "InvalidLocationConstraint"), _) => {
                Self::IllegalLocation {
                    bucket,
                    region: region.to_owned(),
                }
            }
            (Some("AuthorizationHeaderMalformed" | "PermanentRedirect"), _) | (None, 301) => {
                Self::WrongRegion {
                    bucket,
                    used: region.to_owned(),
                    actual: bucket_region,
                }
            }
            (Some("AccessDenied" | "AllAccessDisabled" | "AccountProblem"), _) | (None, 403) => {
                Self::AccessDenied { what }
            }
            (Some("NoSuchBucket"), _) => Self::NoSuchBucket { bucket },
            (Some("NoSuchKey" | "NotFound"), _) | (None, 404) => {
                if target.key.is_some() {
                    Self::NotFound { what }
                } else {
                    Self::NoSuchBucket { bucket }
                }
            }
            (
                Some("SlowDown" | "ServiceUnavailable" | "Throttling" | "RequestLimitExceeded"),
                _,
            )
            | (None, 503) => Self::SlowDown { what },
            (Some("RequestTimeout"), _) => Self::Timeout { endpoint },
            (Some(code), _) => Self::Service {
                what,
                code: code.to_owned(),
                message: message.map(str::to_owned),
            },
            // A success status with an error result: the SDK could not read the answer.
            (None, status @ 200..=299) => Self::UnreadableAnswer { what, status },
            (None, status) => Self::Other {
                what,
                detail: format!("the server answered HTTP {status}"),
            },
        }
    }
}

/// The origin of the page the app runs in; `None` outside a browser.
pub fn page_origin() -> Option<String> {
    #[cfg(target_arch = "wasm32")]
    return web_sys::window().and_then(|w| w.location().origin().ok());
    #[cfg(not(target_arch = "wasm32"))]
    None
}

/// What to do when a browser request is refused: the CORS rule for the bucket, as a command.
fn cors_hint(endpoint: &str, bucket: Option<&str>, origin: &str) -> String {
    let endpoint_url = endpoint.starts_with("http").then_some(endpoint);
    // Skiff's sandbox lives on this machine: only then is its own switch worth naming.
    let sandbox = if super::address::is_loopback_url(endpoint) {
        format!(
            "If it is Skiff's sandbox, start it with:\nskiff serve --web --cors-origin {origin}"
        )
    } else {
        String::new()
    };
    match bucket {
        Some(bucket) => format!(
            "If it is up, allow this page ({origin}) on the bucket with this CORS rule, from a \
             desktop:\n{}\n{sandbox}",
            super::cors::web_access_command(bucket, origin, endpoint_url)
        ),
        None => format!(
            "If it is up, the endpoint itself must allow this page ({origin}) to list buckets; \
             AWS never does. Type the bucket's name instead: each bucket allows pages through \
             its own CORS rule. {sandbox}"
        ),
    }
}

fn source_chain(err: &dyn std::error::Error) -> String {
    let mut parts = vec![err.to_string()];
    let mut source = err.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.contains(&text) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ")
}

fn looks_like_tls(detail: &str) -> bool {
    let lower = detail.to_ascii_lowercase();
    [
        "tls",
        "ssl",
        "certificate",
        "handshake",
        "invalidcontenttype",
    ]
    .iter()
    .any(|w| lower.contains(w))
}

/// The innermost, most specific part of a cause chain, trimmed of the SDK's framing.
fn short_detail(chain: &str) -> String {
    let generic = [
        "dispatch failure",
        "io error",
        "other",
        "failed to construct request",
        "response error",
        "client error (Connect)",
    ];
    let parts: Vec<&str> = chain
        .split(": ")
        .map(str::trim)
        .filter(|p| !p.is_empty() && !generic.contains(p))
        .collect();
    let last = parts.last().copied().unwrap_or("unknown error");
    let text = last.trim_end_matches('.');
    if text.contains("Connection refused") {
        "connection refused".into()
    } else if text.contains("failed to lookup address")
        || text.contains("Name or service not known")
    {
        "the host name does not resolve".into()
    } else {
        text.chars().take(200).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_browser_refusal_gives_the_rule_for_the_page() {
        let refused = |endpoint: &str, bucket: Option<&str>| S3Error::BlockedByBrowser {
            endpoint: endpoint.into(),
            what: "s3://team-data".into(),
            bucket: bucket.map(String::from),
            origin: "http://127.0.0.1:8080".into(),
        };
        let hint = refused("https://minio.lan", Some("team-data")).hint();
        assert!(
            hint.contains("aws s3api put-bucket-cors --bucket team-data"),
            "{hint}"
        );
        assert!(
            hint.contains(r#""AllowedOrigins":["http://127.0.0.1:8080"]"#),
            "{hint}"
        );
        assert!(hint.contains("--endpoint-url https://minio.lan"), "{hint}");
        assert!(!hint.contains("skiff serve"), "{hint}");
        let hint = refused("http://127.0.0.1:9000", Some("team-data")).hint();
        assert!(hint.contains("skiff serve --web --cors-origin http://127.0.0.1:8080"));
        let hint = refused("https://minio.lan", None).hint();
        assert!(hint.contains("Type the bucket's name"), "{hint}");
        assert!(!hint.contains("put-bucket-cors"), "{hint}");
    }

    fn target() -> Target {
        Target::endpoint("http://127.0.0.1:9000").bucket("data")
    }

    #[test]
    fn codes_map_to_meanings() {
        let t = target();
        let e = S3Error::from_code(Some("InvalidAccessKeyId"), None, 403, None, &t, "us-east-1");
        assert!(matches!(e, S3Error::UnknownAccessKey { .. }));
        let e = S3Error::from_code(
            Some("SignatureDoesNotMatch"),
            None,
            403,
            None,
            &t,
            "us-east-1",
        );
        assert!(matches!(e, S3Error::SignatureMismatch { .. }));
        let e = S3Error::from_code(None, None, 301, Some("eu-west-1".into()), &t, "us-east-1");
        assert_eq!(
            e.to_string(),
            "Bucket data is in region eu-west-1, not us-east-1."
        );
        assert!(e.hint().contains("eu-west-1"));
        let e = S3Error::from_code(None, None, 403, None, &t, "us-east-1");
        assert_eq!(e.to_string(), "Access denied to s3://data.");
        let e = S3Error::from_code(None, None, 404, None, &t.clone().key("a b"), "us-east-1");
        assert_eq!(e.to_string(), "There is no object s3://data/a b.");
        let e = S3Error::from_code(Some("SlowDown"), None, 503, None, &t, "us-east-1");
        assert!(e.is_transient());
        let e = S3Error::from_code(
            Some("BucketAlreadyExists"),
            None,
            409,
            None,
            &t,
            "us-east-1",
        );
        assert_eq!(
            e.to_string(),
            "The bucket name data is taken by another account (bucket names are global)."
        );
        let e = S3Error::from_code(
            Some("BucketAlreadyOwnedByYou"),
            None,
            409,
            None,
            &t,
            "eu-west-1",
        );
        assert_eq!(e.to_string(), "You already own a bucket named data.");
        let e = S3Error::from_code(
            Some("IllegalLocationConstraintException"),
            None,
            400,
            None,
            &t,
            "eu-west-1",
        );
        assert!(matches!(e, S3Error::IllegalLocation { .. }), "{e:?}");
        let e = S3Error::from_code(
            Some("InvalidBucketName"),
            Some("bad"),
            400,
            None,
            &t,
            "us-east-1",
        );
        assert_eq!(e.to_string(), "data is not a valid bucket name: bad.");
        let e = S3Error::from_code(Some("NotImplemented"), None, 501, None, &t, "us-east-1");
        assert!(matches!(e, S3Error::Unsupported { .. }));
        let e = S3Error::from_code(Some("Weird"), Some("odd thing"), 400, None, &t, "us-east-1");
        assert_eq!(e.to_string(), "s3://data: Weird (odd thing).");
    }

    #[test]
    fn details_are_short_and_plain() {
        assert_eq!(
            short_detail(
                "dispatch failure: io error: client error (Connect): tcp connect error: Connection refused (os error 111)"
            ),
            "connection refused"
        );
        assert!(looks_like_tls("invalid peer certificate: UnknownIssuer"));
    }
}
