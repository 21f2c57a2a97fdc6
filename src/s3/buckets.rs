//! Bucket-level operations.

use super::connection::Connection;
use super::error::S3Error;
use super::paging::Pages;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BucketInfo {
    pub name: String,
    /// As ListBuckets reports it; many servers leave it out.
    pub region: Option<String>,
    /// Seconds since the Unix epoch.
    pub created_secs: Option<i64>,
}

/// Every bucket the credentials can see, following ListBuckets pages where the server has them.
pub async fn list_buckets(connection: &Connection) -> Result<Vec<BucketInfo>, S3Error> {
    let mut buckets = Vec::new();
    let mut pages = Pages::new(connection.endpoint.clone(), None);
    loop {
        let output = connection
            .client
            .list_buckets()
            .set_continuation_token(pages.marker().cloned())
            .send()
            .await
            .map_err(|e| connection.error(e, &connection.target()))?;
        let next = output.continuation_token().map(str::to_owned);
        buckets.extend(
            output
                .buckets
                .unwrap_or_default()
                .into_iter()
                .filter_map(|b| {
                    Some(BucketInfo {
                        region: b.bucket_region.filter(|r| !r.is_empty()).or_else(|| {
                            connection.single_region.then(|| connection.region.clone())
                        }),
                        created_secs: b.creation_date.map(|d| d.secs()),
                        name: b.name?,
                    })
                }),
        );
        if !pages.advance(next.is_some(), next)? {
            break;
        }
    }
    buckets.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(buckets)
}

/// Checks a bucket exists and is reachable with these credentials; returns its region when the
/// server says.
pub async fn head_bucket(connection: &Connection, bucket: &str) -> Result<Option<String>, S3Error> {
    let output = connection
        .client
        .head_bucket()
        .bucket(bucket)
        .send()
        .await
        .map_err(|e| connection.error(e, &connection.target().bucket(bucket)))?;
    Ok(output.bucket_region().map(str::to_owned))
}
