//! Signing in to IAM Identity Center (SSO) without a terminal: the OAuth device-authorization
//! flow `aws sso login` runs, through the SSO OIDC API. The token goes into the AWS CLI's own
//! cache (`~/.aws/sso/cache/<sha1>.json`), so the CLI, boto3 and Skiff's connections share it.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use aws_config::BehaviorVersion;
use aws_sdk_ssooidc::Client;
use sha1::{Digest, Sha1};

use super::error::S3Error;

/// Where a profile signs in: its `[sso-session]` (or, in the older form, the profile itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsoLogin {
    pub profile: String,
    /// The `sso-session` section's name; `None` for a profile with `sso_start_url` of its own.
    pub session_name: Option<String>,
    pub start_url: String,
    /// The region of the Identity Center instance (`sso_region`).
    pub region: String,
    pub scopes: Vec<String>,
}

/// A sign-in waiting for the user to approve it in the browser.
#[derive(Debug, Clone)]
pub struct PendingSignIn {
    /// The code the page shows, for the user to compare.
    pub user_code: String,
    /// The page to open (with the code filled in where the service offers it).
    pub verification_url: String,
    device_code: String,
    client_id: String,
    client_secret: String,
    client_expires_at: i64,
    interval: Duration,
    expires_at: SystemTime,
}

/// The SSO settings of `profile` in the shared AWS config, if it signs in with SSO.
pub async fn sso_login_of(profile: &str) -> Option<SsoLogin> {
    use aws_types::os_shim_internal::{Env, Fs};
    let files = aws_runtime::env_config::file::EnvConfigFiles::default();
    let set = aws_config::profile::load(&Fs::real(), &Env::real(), &files, None)
        .await
        .ok()?;
    let section = set.get_profile(profile)?;
    let session_name = section.get("sso_session").map(str::to_owned);
    // The settings live in the `[sso-session]` the profile names, or in the profile itself.
    let get = |key: &str| -> Option<String> {
        match &session_name {
            Some(name) => set.sso_session(name)?.get(key),
            None => section.get(key),
        }
        .map(str::to_owned)
    };
    let scopes = get("sso_registration_scopes")
        .map(|s| s.split(',').map(|s| s.trim().to_owned()).collect())
        .unwrap_or_else(|| vec!["sso:account:access".to_owned()]);
    let (start_url, region) = (get("sso_start_url")?, get("sso_region")?);
    Some(SsoLogin {
        profile: profile.to_owned(),
        session_name,
        start_url,
        region,
        scopes,
    })
}

impl SsoLogin {
    fn failure(&self, detail: impl std::fmt::Display) -> S3Error {
        S3Error::Other {
            what: format!("SSO sign-in for profile {}", self.profile),
            detail: detail.to_string(),
        }
    }

    async fn client(&self) -> Client {
        let config = aws_config::defaults(BehaviorVersion::latest())
            .profile_name(&self.profile)
            .region(aws_types::region::Region::new(self.region.clone()))
            .no_credentials()
            .load()
            .await;
        Client::new(&config)
    }

    /// Registers Skiff with the Identity Center and asks for a device code: the user then
    /// opens `verification_url` and approves.
    pub async fn start(&self) -> Result<PendingSignIn, S3Error> {
        let client = self.client().await;
        let registered = client
            .register_client()
            .client_name("skiff")
            .client_type("public")
            .set_scopes(Some(self.scopes.clone()))
            .send()
            .await
            .map_err(|e| self.failure(sdk_message(&e)))?;
        let client_id = registered.client_id().unwrap_or_default().to_owned();
        let client_secret = registered.client_secret().unwrap_or_default().to_owned();
        let device = client
            .start_device_authorization()
            .client_id(&client_id)
            .client_secret(&client_secret)
            .start_url(&self.start_url)
            .send()
            .await
            .map_err(|e| self.failure(sdk_message(&e)))?;
        let verification_url = device
            .verification_uri_complete()
            .or(device.verification_uri())
            .unwrap_or_default()
            .to_owned();
        Ok(PendingSignIn {
            user_code: device.user_code().unwrap_or_default().to_owned(),
            verification_url,
            device_code: device.device_code().unwrap_or_default().to_owned(),
            client_id,
            client_secret,
            client_expires_at: registered.client_secret_expires_at(),
            interval: Duration::from_secs(device.interval().clamp(1, 30) as u64),
            expires_at: SystemTime::now() + Duration::from_secs(device.expires_in().max(0) as u64),
        })
    }

    /// Waits for the user's approval (polling as the service asks), then writes the token
    /// where the AWS CLI keeps it; the path written.
    pub async fn finish(&self, pending: &PendingSignIn) -> Result<PathBuf, S3Error> {
        use aws_sdk_ssooidc::operation::create_token::CreateTokenError;
        let client = self.client().await;
        let mut interval = pending.interval;
        loop {
            if SystemTime::now() > pending.expires_at {
                return Err(self.failure(
                    "the code expired before it was approved; sign in again for a new one",
                ));
            }
            let answer = client
                .create_token()
                .client_id(&pending.client_id)
                .client_secret(&pending.client_secret)
                .grant_type("urn:ietf:params:oauth:grant-type:device_code")
                .device_code(&pending.device_code)
                .send()
                .await;
            match answer {
                Ok(token) => {
                    let expires_in = token.expires_in().max(0) as u64;
                    let cache = TokenCache {
                        access_token: token.access_token().unwrap_or_default().to_owned(),
                        refresh_token: token.refresh_token().map(str::to_owned),
                        expires_at: SystemTime::now() + Duration::from_secs(expires_in),
                        client_id: pending.client_id.clone(),
                        client_secret: pending.client_secret.clone(),
                        client_expires_at: pending.client_expires_at,
                    };
                    let home = home_dir()
                        .ok_or_else(|| self.failure("no home folder to keep the token in"))?;
                    return self
                        .write_cache(&home, &cache)
                        .map_err(|e| self.failure(format!("the token could not be saved ({e})")));
                }
                Err(e) => match e.as_service_error() {
                    Some(CreateTokenError::AuthorizationPendingException(_)) => {}
                    Some(CreateTokenError::SlowDownException(_)) => {
                        interval += Duration::from_secs(5)
                    }
                    Some(CreateTokenError::AccessDeniedException(_)) => {
                        return Err(self.failure("the sign-in was denied in the browser"));
                    }
                    Some(CreateTokenError::ExpiredTokenException(_)) => {
                        return Err(self.failure(
                            "the code expired before it was approved; sign in again for a new one",
                        ));
                    }
                    _ => return Err(self.failure(sdk_message(&e))),
                },
            }
            crate::runtime::sleep(interval).await;
        }
    }

    /// `~/.aws/sso/cache/<sha1 of the session name, or of the start URL>.json`, as the AWS CLI
    /// and the SDKs look it up.
    pub fn cache_path(&self, home: &Path) -> PathBuf {
        let key = self.session_name.as_deref().unwrap_or(&self.start_url);
        let digest = Sha1::digest(key.as_bytes());
        let name: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        home.join(".aws/sso/cache").join(format!("{name}.json"))
    }

    fn write_cache(&self, home: &Path, token: &TokenCache) -> std::io::Result<PathBuf> {
        let rfc3339 = |t: SystemTime| {
            jiff::Timestamp::try_from(t)
                .map(|t| t.round(jiff::Unit::Second).unwrap_or(t).to_string())
                .unwrap_or_default()
        };
        let mut json = serde_json::json!({
            "startUrl": self.start_url,
            "region": self.region,
            "accessToken": token.access_token,
            "expiresAt": rfc3339(token.expires_at),
            "clientId": token.client_id,
            "clientSecret": token.client_secret,
        });
        if token.client_expires_at > 0 {
            let at = SystemTime::UNIX_EPOCH + Duration::from_secs(token.client_expires_at as u64);
            json["registrationExpiresAt"] = rfc3339(at).into();
        }
        if let Some(refresh) = &token.refresh_token {
            json["refreshToken"] = refresh.clone().into();
        }
        let path = self.cache_path(home);
        let folder = path.parent().expect("the cache path has a folder");
        std::fs::create_dir_all(folder)?;
        // The token is a credential: readable by the user alone, as the AWS CLI leaves it, and
        // replaced whole, so a reader never sees half a file.
        let partial = path.with_extension("json.skiff-part");
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        std::io::Write::write_all(&mut options.open(&partial)?, json.to_string().as_bytes())?;
        std::fs::rename(&partial, &path)?;
        Ok(path)
    }
}

struct TokenCache {
    access_token: String,
    refresh_token: Option<String>,
    expires_at: SystemTime,
    client_id: String,
    client_secret: String,
    client_expires_at: i64,
}

/// The home folder as the AWS SDK finds it (HOME first, as on every Unix).
fn home_dir() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
        .or_else(|| directories::BaseDirs::new().map(|d| d.home_dir().to_path_buf()))
}

/// The service's own words, without the SDK's debug dump.
fn sdk_message<E, R>(e: &aws_sdk_ssooidc::error::SdkError<E, R>) -> String
where
    E: aws_sdk_ssooidc::error::ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    match e.as_service_error() {
        Some(service) => service
            .message()
            .or(service.code())
            .unwrap_or("the service refused")
            .to_owned(),
        None => match e {
            aws_sdk_ssooidc::error::SdkError::DispatchFailure(_) => {
                "the Identity Center could not be reached; check the network".into()
            }
            aws_sdk_ssooidc::error::SdkError::TimeoutError(_) => {
                "the Identity Center did not answer in time".into()
            }
            _ => "the Identity Center's answer could not be read".into(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_file_is_named_as_the_aws_cli_names_it() {
        let login = SsoLogin {
            profile: "ml".into(),
            session_name: Some("my-sso".into()),
            start_url: "https://d-abc.awsapps.com/start".into(),
            region: "us-east-1".into(),
            scopes: vec![],
        };
        // sha1("my-sso"), as botocore computes it.
        let path = login.cache_path(Path::new("/home/ana"));
        assert_eq!(
            path,
            Path::new("/home/ana/.aws/sso/cache/0ad374308c5a4e22f723adf10145eafad7c4031c.json")
        );
    }
}
