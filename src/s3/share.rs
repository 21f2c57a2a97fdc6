//! Share links: a presigned GET that anyone holding the link can use until it expires, without
//! credentials of their own. S3 accepts signatures for at most 7 days, and a link signed with
//! temporary credentials (SSO, STS, an instance role) stops working when they expire.

use std::time::Duration;

use aws_credential_types::provider::ProvideCredentials;

use super::{Connection, S3Error};

/// S3's limit for a presigned URL (SigV4): seven days.
pub const MAX_EXPIRY_SECS: u64 = 7 * 24 * 3600;

/// The choices the app offers, shortest first.
pub const EXPIRY_CHOICES: [(u64, &str); 6] = [
    (15 * 60, "15 minutes"),
    (3600, "1 hour"),
    (12 * 3600, "12 hours"),
    (24 * 3600, "1 day"),
    (3 * 24 * 3600, "3 days"),
    (MAX_EXPIRY_SECS, "7 days"),
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShareLink {
    pub url: String,
    /// When the signature expires (seconds since the epoch).
    pub expires_at_secs: i64,
    /// When the credentials that signed it expire, if they are temporary: the link dies with
    /// them.
    pub credentials_end_secs: Option<i64>,
}

impl ShareLink {
    /// When the link really stops working.
    pub fn works_until_secs(&self) -> i64 {
        self.credentials_end_secs
            .map_or(self.expires_at_secs, |end| end.min(self.expires_at_secs))
    }

    /// The temporary credentials end before the signature does.
    pub fn cut_short(&self) -> bool {
        self.works_until_secs() < self.expires_at_secs
    }
}

/// `15m`, `12h`, `3d`, `1w` or plain seconds, as `skiff presign --expires` takes it.
pub fn parse_expiry(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let (number, unit) = match text.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((at, _)) => text.split_at(at),
        None => (text, "s"),
    };
    let n: u64 = number
        .parse()
        .map_err(|_| format!("{text} is not a duration: write 15m, 12h, 3d or seconds"))?;
    let unit_secs = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 24 * 3600,
        "w" => 7 * 24 * 3600,
        other => return Err(format!("{other} is not a unit: use s, m, h, d or w")),
    };
    let secs = n.saturating_mul(unit_secs);
    check_expiry(secs)?;
    Ok(secs)
}

fn check_expiry(secs: u64) -> Result<(), String> {
    if secs == 0 {
        return Err("a link must last at least a second".into());
    }
    if secs > MAX_EXPIRY_SECS {
        return Err("a link can last at most 7 days: S3 refuses signatures older than that".into());
    }
    Ok(())
}

/// A link to `key` (or one of its versions) that works for `expires_secs`.
pub async fn share_link(
    connection: &Connection,
    bucket: &str,
    key: &str,
    version_id: Option<&str>,
    expires_secs: u64,
) -> Result<ShareLink, S3Error> {
    let target = connection.target().bucket(bucket).key(key);
    let refuse = |detail: String| S3Error::Other {
        what: target.describe(),
        detail,
    };
    check_expiry(expires_secs).map_err(refuse)?;
    let now_secs = crate::runtime::now_secs();
    let now = std::time::UNIX_EPOCH + Duration::from_secs(now_secs.max(0) as u64);
    let config = aws_sdk_s3::presigning::PresigningConfig::builder()
        .start_time(now)
        .expires_in(Duration::from_secs(expires_secs))
        .build()
        .map_err(|e| refuse(e.to_string()))?;
    let request = connection
        .client
        .get_object()
        .bucket(bucket)
        .key(key)
        .set_version_id(version_id.map(str::to_owned))
        .presigned(config)
        .await
        .map_err(|e| connection.error(e, &target))?;
    Ok(ShareLink {
        url: request.uri().to_owned(),
        expires_at_secs: now_secs + expires_secs as i64,
        credentials_end_secs: credentials_end(connection).await,
    })
}

/// When the connection's credentials expire, if they are temporary.
async fn credentials_end(connection: &Connection) -> Option<i64> {
    let provider = connection.expiring_credentials.as_ref()?;
    let credentials = provider.provide_credentials().await.ok()?;
    let end = credentials.expiry()?;
    Some(end.duration_since(std::time::UNIX_EPOCH).ok()?.as_secs() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiries_read_as_people_write_them_and_stop_at_seven_days() {
        assert_eq!(parse_expiry("15m"), Ok(900));
        assert_eq!(parse_expiry("3d"), Ok(3 * 86400));
        assert_eq!(parse_expiry("1w"), Ok(MAX_EXPIRY_SECS));
        assert_eq!(parse_expiry("3600"), Ok(3600));
        assert!(parse_expiry("8d").unwrap_err().contains("at most 7 days"));
        assert!(parse_expiry("0").is_err());
        assert!(parse_expiry("2 weeks").is_err());
        assert!(parse_expiry("3y").unwrap_err().contains("not a unit"));
    }

    #[test]
    fn a_link_dies_with_its_temporary_credentials() {
        let link = ShareLink {
            url: String::new(),
            expires_at_secs: 10_000,
            credentials_end_secs: Some(4_000),
        };
        assert!(link.cut_short());
        assert_eq!(link.works_until_secs(), 4_000);
        let lasting = ShareLink {
            credentials_end_secs: None,
            ..link
        };
        assert!(!lasting.cut_short());
    }
}
