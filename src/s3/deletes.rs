//! Deleting: objects and versions in batches (DeleteObjects), and buckets.

use aws_sdk_s3::types::{Delete, ObjectIdentifier};

use super::connection::Connection;
use super::error::S3Error;

/// S3's cap on keys in one DeleteObjects request.
pub const MAX_KEYS_PER_DELETE: usize = 1000;

/// One key (or version) of a batch that the server did not delete, with its reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyError {
    pub key: String,
    pub version_id: Option<String>,
    pub code: String,
    pub message: Option<String>,
}

/// Deletes up to [`MAX_KEYS_PER_DELETE`] keys (a version each, or the current object where
/// `None`) in one request; the keys the server reports it did not delete. The request's own
/// failure is the error; a key's failure is in the list, as S3 reports it per key. A key that
/// an XML body cannot carry (most control characters) goes in a DeleteObject of its own, whose
/// URL carries any byte: servers that parse XML strictly refuse the whole batch otherwise.
pub async fn delete_objects(
    connection: &Connection,
    bucket: &str,
    keys: &[(&str, Option<&str>)],
) -> Result<Vec<KeyError>, S3Error> {
    let (batch, alone): (Vec<_>, Vec<_>) = keys.iter().partition(|(key, _)| xml_can_carry(key));
    let mut errors = if batch.is_empty() {
        Vec::new()
    } else {
        delete_batch(connection, bucket, &batch).await?
    };
    for (key, version) in alone {
        let target = connection.target().bucket(bucket).key(*key);
        let deleted = (connection.client.delete_object())
            .bucket(bucket)
            .key(*key)
            .set_version_id(version.map(str::to_owned))
            .send()
            .await
            .map_err(|e| connection.error(e, &target));
        match deleted {
            Ok(_) => {}
            Err(S3Error::Service { code, message, .. }) => errors.push(KeyError {
                key: (*key).to_owned(),
                version_id: version.map(str::to_owned),
                code,
                message,
            }),
            Err(other) if other.is_transient() => errors.push(KeyError {
                key: (*key).to_owned(),
                version_id: version.map(str::to_owned),
                code: "SlowDown".into(),
                message: Some(other.to_string()),
            }),
            Err(other) => return Err(other),
        }
    }
    Ok(errors)
}

/// Whether XML 1.0 carries `key` unchanged: no control character but tab and line feed (a
/// carriage return would come out a line feed), no U+FFFE or U+FFFF.
fn xml_can_carry(key: &str) -> bool {
    !key.chars()
        .any(|c| (c < ' ' && c != '\t' && c != '\n') || c == '\u{fffe}' || c == '\u{ffff}')
}

async fn delete_batch(
    connection: &Connection,
    bucket: &str,
    keys: &[&(&str, Option<&str>)],
) -> Result<Vec<KeyError>, S3Error> {
    let target = connection.target().bucket(bucket);
    let identifiers: Vec<ObjectIdentifier> = keys
        .iter()
        .filter_map(|(key, version)| {
            ObjectIdentifier::builder()
                .key(*key)
                .set_version_id(version.map(str::to_owned))
                .build()
                .ok()
        })
        .collect();
    let delete = Delete::builder()
        .set_objects(Some(identifiers))
        .quiet(true)
        .build()
        .map_err(|e| S3Error::Other {
            what: target.describe(),
            detail: format!("the delete request is incomplete ({e})"),
        })?;
    let output = connection
        .client
        .delete_objects()
        .bucket(bucket)
        .delete(delete)
        .send()
        .await
        .map_err(|e| connection.error(e, &target))?;
    Ok(output
        .errors()
        .iter()
        .map(|e| KeyError {
            key: e.key().unwrap_or_default().to_owned(),
            version_id: e.version_id().map(str::to_owned),
            code: e.code().unwrap_or_default().to_owned(),
            message: e.message().map(str::to_owned),
        })
        .collect())
}

/// Deletes `bucket`, which must be empty.
pub async fn delete_bucket(connection: &Connection, bucket: &str) -> Result<(), S3Error> {
    connection
        .client
        .delete_bucket()
        .bucket(bucket)
        .send()
        .await
        .map_err(|e| connection.error(e, &connection.target().bucket(bucket)))?;
    Ok(())
}
